import type { Queue } from 'bullmq';
import { RowState } from '../queue/ledger.js';
import { jobIdFor } from '../queue/names.js';
import { ImportConnectionError } from './import-connection-error.js';
import { ImportNotFoundError } from './import-not-found-error.js';
import type { OpsContext } from './ops-context.js';
import { linesInState, readRowStates } from './row-scan.js';

export interface CancelSummary {
  importId: string;
  /** Rows whose job was removed before it ran, now counted as cancelled. */
  cancelled: number;
  /** Rows a worker is processing right now; they finish as created or dead-lettered. */
  inFlight: number;
}

/** Job states a row can be dropped from: it has not started, or waits between attempts. */
const UNSTARTED = new Set(['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children']);

export interface CancelOptions {
  /** Lines per round of removals. @defaultValue 500 */
  batchSize?: number;
  /** Refuse unless the import goes to this connection (`--connection NAME`). @defaultValue any */
  connection?: string;
}

/**
 * Drops an import's unprocessed rows: removes each pending row's waiting or delayed job (from its
 * connection's queue), then
 * moves the row Pending → Cancelled in the ledger, so `rows = created + rejected + deadLettered
 * + cancelled + pending` keeps holding. A row whose job is gone already (a crash between the two
 * steps, or the producer's window before it adds a job) is cancelled too; if its job turns up and
 * runs after all, the ledger lets it become created (Cancelled → Created), counted once.
 * Active rows are left to finish. A row in a chunk job (several rows per job) has no job of its own: it is
 * cancelled unless a runner holds its lease, and its chunk skips it. Idempotent: run it again to pick up rows that were in flight.
 */
export async function cancelImport(
  ctx: OpsContext,
  importId: string,
  options: CancelOptions = {},
): Promise<CancelSummary> {
  const record = await ctx.ledger.getImport(importId);
  if (!record) throw new ImportNotFoundError(importId, ctx.prefix);
  ImportConnectionError.check(record, options.connection);
  const queue = ctx.leadQueueOf(record.connection);
  const summary: CancelSummary = { importId, cancelled: 0, inFlight: 0 };
  // A finished import has nothing to cancel; keep its state truthful.
  if (record.state !== 'reading' && record.pending === 0) return summary;
  // First, so the producer (if still reading) and the dashboard see it.
  await ctx.ledger.setState(importId, 'cancelled');
  const snapshot = await readRowStates(ctx.redis, ctx.ledger, importId);
  for (const lines of linesInState(snapshot, [RowState.Pending], options.batchSize ?? 500)) {
    const results = await Promise.all(lines.map((line) => cancelRow(ctx, queue, importId, line)));
    for (const r of results) if (r !== 'skipped') summary[r]++;
  }
  return summary;
}

async function cancelRow(
  ctx: OpsContext,
  queue: Queue,
  importId: string,
  line: number,
): Promise<'cancelled' | 'inFlight' | 'skipped'> {
  const id = jobIdFor(importId, line);
  const state = await queue.getJobState(id);
  if (UNSTARTED.has(state)) {
    // 0 when a worker locked it between the two calls: then it is in flight.
    if ((await queue.remove(id)) !== 1) return 'inFlight';
    // Its job is gone, but the row may still be run: a row split out of a chunk job (its own job, `cpKey`) is run by
    // that chunk when it runs again (it runs each of its rows that has no job of its own), which may take it between
    // the removal and the move below. Moved without the lease check, the row was reported cancelled while that
    // runner went on to create its lead (Cancelled → Created).
  } else if (state !== 'unknown') {
    // active, or completed/failed and about to be recorded by its worker.
    return state === 'active' ? 'inFlight' : 'skipped';
  }
  // No job (any more, or of its own: a row of a chunk job, LEAD_IMPORTER_ROWS_PER_JOB): in flight while a runner
  // holds its lease. A row no runner has taken is cancelled here, and no runner takes it after (they take only
  // Pending rows). The lease is checked in the same step as the move: checked before it, a runner taking the row in
  // between went on to create its lead, and the row was reported cancelled.
  const moved = await ctx.ledger.recordCancelledUnlessLeased(importId, line);
  if (moved.fenced) return 'inFlight';
  return moved.applied ? 'cancelled' : 'skipped';
}
