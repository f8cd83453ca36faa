import { isChunkJobData, type LeadQueueJobData } from '../queue/job-data.js';
import { RowState } from '../queue/ledger.js';
import { parseRowJobId } from '../queue/names.js';
import { type ImportTotals, importTotals } from './import-totals.js';
import type { OpsContext } from './ops-context.js';

/** A connection's rows not yet finished: waiting in its queue, and in flight (their job is active). */
export interface RowCounts {
  queued: number;
  active: number;
  /** Since when its rows have waited unchanged ({@link ImportTotals}' `waitingSince`); absent when none is pending. */
  waitingSince?: number;
}

/** Where a queued row waits: its own job, or a chunk job. */
export const QUEUED = ['waiting', 'delayed', 'prioritized', 'paused'] as const;

/**
 * Rows, not BullMQ jobs, by connection: with several rows per job (`LEAD_IMPORTER_ROWS_PER_JOB`) a job holds up
 * to k rows, and a chunk holds its cancelled or finished rows until it ends. From the ledger:
 * - in flight: the rows of the connection's active jobs that are still Pending (each active job's rows, their
 *   states read in one BITFIELD per import: a few dozen rows, the workers' concurrency);
 * - queued: the connection's pending rows (the import records' counters, enqueued − created − dead-lettered −
 *   cancelled, summed as `/metrics` sums them) less those in flight: waiting, delayed or split out of a chunk;
 *   at most what its queued jobs can hold (k rows each, the most of its imports with pending rows), so rows
 *   whose jobs are gone (a queue emptied by hand, a producer killed before it added them) are not counted.
 */
export async function readRowCounts(
  ctx: OpsContext,
  connections: readonly string[],
  /**
   * Each connection's job counts (in `connections`' order, holding at least the states in {@link QUEUED}) when the
   * caller reads them anyway, as the imports page does: read once, not twice.
   */
  jobCounts?: Promise<readonly Record<string, number>[]>,
  /** The import totals when the caller has them (the dashboard's `sharedImportTotals`). @defaultValue read now */
  totals?: Promise<ImportTotals>,
): Promise<Map<string, RowCounts>> {
  const [pending, active, queuedJobs] = await Promise.all([
    totals ?? importTotals(ctx),
    Promise.all(connections.map((c) => rowsInFlight(ctx, c))),
    jobCounts ?? Promise.all(connections.map((c) => ctx.leadQueueOf(c).getJobCounts(...QUEUED))),
  ]);
  return new Map(
    connections.map((c, i) => {
      const inFlight = active[i]!;
      const t = pending.get(c);
      const jobs = QUEUED.reduce((sum, s) => sum + (queuedJobs[i]![s] ?? 0), 0);
      const queued = Math.min(Math.max(0, (t?.rows.pending ?? 0) - inFlight), jobs * (t?.rowsPerJob ?? 1));
      const waitingSince = t?.waitingSince ?? null;
      return [c, { queued, active: inFlight, ...(waitingSince === null ? {} : { waitingSince }) }];
    }),
  );
}

/** The rows of `connection`'s active jobs that are still Pending. */
async function rowsInFlight(ctx: OpsContext, connection: string): Promise<number> {
  const queue = ctx.leadQueueOf(connection);
  const ids = await queue.getRanges(['active'], 0, -1);
  const lines = new Map<string, number[]>();
  const add = (importId: string, line: number) => {
    const list = lines.get(importId);
    if (list) list.push(line);
    else lines.set(importId, [line]);
  };
  const chunks: string[] = [];
  for (const id of ids) {
    // A row's own job, `<import>-<line>`; a chunk's, `<import>-c<n>`, is read for its rows.
    const row = parseRowJobId(id);
    if (row) add(row.importId, row.line);
    else chunks.push(id);
  }
  const jobs = await Promise.all(chunks.map((id) => queue.getJob(id)));
  for (const job of jobs) {
    const data = job?.data as LeadQueueJobData | undefined;
    if (data && isChunkJobData(data)) for (const row of data.rows) add(data.importId, row.line);
  }
  const states = await Promise.all(
    [...lines].map(([importId, list]) => ctx.ledger.rowStates(importId, [...new Set(list)])),
  );
  return states.flat().filter((s) => s === RowState.Pending).length;
}
