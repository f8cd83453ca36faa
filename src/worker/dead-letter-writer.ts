import type { Job, Queue } from 'bullmq';
import { isPipedriveError } from '../pipedrive/errors.js';
import { DEAD_LETTER_JOB_NAME, type DeadLetterJobData } from '../queue/dead-letter.js';
import type { DeadLetterIndex } from '../queue/dead-letter-index.js';
import type { LeadJobData } from '../queue/job-data.js';
import type { ImportLedger } from '../queue/ledger.js';
import { RowLeaseLostError } from './errors.js';
import type { RowLease } from './row-lease.js';

/** The message kept for a failed row: Pipedrive's own words when it gave some, else ours. */
export function failureMessageOf(err: unknown): string {
  if (isPipedriveError(err)) {
    if (err.errorText) return err.errorInfo ? `${err.errorText} (${err.errorInfo})` : err.errorText;
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function errorClassOf(err: unknown): string {
  return err instanceof Error ? err.name : 'Error';
}

/**
 * Writes a row that cannot succeed to `lead-import-dlq` and to the ledger, **before** its lead
 * job is failed, so a crash in between leaves the row dead-lettered rather than lost. The DLQ
 * job id is the lead job's id, so writing twice (a retried failure, a crash and re-run) keeps one
 * entry; the ledger transition is idempotent too.
 */
export class DeadLetterWriter {
  constructor(
    private readonly dlq: Queue<DeadLetterJobData>,
    private readonly ledger: ImportLedger,
    /** Each connection's entries, kept beside the DLQ (see dead-letter-index.ts). */
    private readonly index: DeadLetterIndex,
  ) {}

  /**
   * With a `lease`, only the lease holder dead-letters the row: the lease is checked before the
   * DLQ entry is added and again, atomically, in the ledger transition (`RowLeaseLostError`
   * otherwise). The one window left, a lease lost between the two, leaves a DLQ entry whose row
   * another worker finishes; `dlq list` shows the row's ledger state next to it. The ledger step
   * also ends the lease's run (deletes it) and completes the import when this was its last pending
   * row: `completedImport` on the answer says so.
   */
  async write(
    job: Job<LeadJobData>,
    err: unknown,
    attempts: number,
    reason?: string,
    lease?: RowLease,
  ): Promise<DeadLetterJobData & { completedImport?: boolean }> {
    const now = Date.now();
    const message = reason ?? failureMessageOf(err);
    const httpStatus = isPipedriveError(err) && err.status > 0 ? err.status : undefined;
    const data: DeadLetterJobData = {
      importId: job.data.importId,
      line: job.data.line,
      job: job.data,
      errorClass: errorClassOf(err),
      ...(httpStatus !== undefined ? { httpStatus } : {}),
      message,
      attempts,
      firstAttemptAt: job.data.checkpoint?.firstAttemptAt ?? job.processedOn ?? now,
      lastAttemptAt: now,
    };
    await lease?.check();
    await this.dlq.add(DEAD_LETTER_JOB_NAME, data, {
      jobId: job.id!,
      removeOnComplete: false,
      removeOnFail: false,
    });
    // After the add, so the index never names an entry the DLQ lacks; a crash in between: the row runs again, and
    // its add (same id) and this are redone.
    await this.index.add(await this.ledger.connectionOf(data.importId), job.id!);
    const transition = await this.ledger.recordDeadLettered(
      data.importId,
      data.line,
      {
        errorClass: data.errorClass,
        message,
        ...(httpStatus !== undefined ? { httpStatus } : {}),
      },
      lease?.fence,
      { finish: lease !== undefined },
    );
    if (transition.fenced) {
      lease?.markLost();
      throw new RowLeaseLostError('The row lease was lost before the row was dead-lettered');
    }
    lease?.ended();
    return transition.completedImport ? { ...data, completedImport: true } : data;
  }
}
