import type { LeadJobData } from './job-data.js';

/** Name given to every job on the dead-letter queue. */
export const DEAD_LETTER_JOB_NAME = 'dead-letter';

/**
 * One failed row on `lead-import-dlq` (job id = the lead job's id, so a row is there once).
 * Holds everything needed to understand, export, fix and replay it; never a secret.
 */
export interface DeadLetterJobData {
  importId: string;
  line: number;
  /** The job as it was when it failed, including its original cells and checkpoint. */
  job: LeadJobData;
  /** Error class name, e.g. `PipedriveValidationError`. */
  errorClass: string;
  /** HTTP status of the last failed call, when there was a response. */
  httpStatus?: number;
  /** Pipedrive's error message (or ours), never containing a token. */
  message: string;
  attempts: number;
  firstAttemptAt: number;
  lastAttemptAt: number;
}
