import type { JobsOptions } from 'bullmq';
import { jobIdFor } from './names.js';

/**
 * Attempts and backoff for lead jobs, used by the producer and by `dlq retry`. Transient errors
 * inside one attempt are retried by p-retry in the worker; these attempts cover longer outages.
 * Rate limits do not spend attempts (the worker uses `Worker.RateLimitError`).
 */
export const LEAD_JOB_ATTEMPTS = 8;
export const LEAD_JOB_BACKOFF_MS = 5_000;

export function leadJobOptions(importId: string, line: number): JobsOptions {
  return {
    jobId: jobIdFor(importId, line),
    attempts: LEAD_JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: LEAD_JOB_BACKOFF_MS, jitter: 0.5 },
    // The ledger keeps every row's outcome, so finished jobs need not stay in Redis.
    removeOnComplete: true,
    // Failed jobs are moved to the dead-letter queue by the worker; keep a week for inspection.
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}
