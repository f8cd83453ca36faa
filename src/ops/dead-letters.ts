import type { Job } from 'bullmq';
import { DEFAULT_CONNECTION } from '../config/config.js';
import { CsvWriter } from '../csv/csv-writer.js';
import { DLQ_EXPORT_COLUMNS } from '../csv/own-columns.js';
import type { DeadLetterJobData } from '../queue/dead-letter.js';
import { DeadLetterIndex } from '../queue/dead-letter-index.js';
import { LEAD_JOB_NAME, turnOf } from '../queue/job-data.js';
import { IMPORT_PRIORITY_DEFAULT, leadJobOptions, leadPriority } from '../queue/job-options.js';
import { jobsExist } from '../queue/jobs-exist.js';
import { RowState } from '../queue/ledger.js';
import { jobIdFor, parseRowJobId } from '../queue/names.js';
import { ImportConnectionError } from './import-connection-error.js';
import { ImportNotFoundError } from './import-not-found-error.js';
import type { OpsContext } from './ops-context.js';
import { replayProblem } from './replay-check.js';
import { fitToHeader } from './report.js';

/** One dead-lettered row as `dlq list` shows it. */
export interface DeadLetterEntry {
  importId: string;
  /** The import's connection (Pipedrive company). */
  connection: string;
  line: number;
  errorClass: string;
  httpStatus?: number;
  message: string;
  attempts: number;
  firstAttemptAt: number;
  lastAttemptAt: number;
}

export interface DeadLetterFilter {
  /** Only this import's rows (in line order); all imports when omitted. */
  importId?: string;
  /** Only rows that failed with this error class, e.g. `PipedriveValidationError`. */
  errorClass?: string;
  /**
   * Only rows of imports into this connection; with `importId`, a check that the import goes there.
   * @defaultValue every connection
   */
  connection?: string;
}

/** What orders an import's rows on its connection's queue (see `leadPriority`). */
export interface ImportTurns {
  /** `--priority`: rows per turn of a weight-1 import. */
  weight: number;
  /** The turn its rows count from (`importStartTurn`). */
  startTurn: number;
}

/** Each import's connection, read from its record once per command (the DLQ is shared by every connection). */
export class ImportConnections {
  private readonly known = new Map<string, Promise<{ connection: string; turns: ImportTurns }>>();

  constructor(private readonly ctx: OpsContext) {}

  /** An import whose record is gone counts as `default`'s, as records from before connections do. */
  async of(importId: string): Promise<string> {
    return (await this.record(importId)).connection;
  }

  /** The import's weight (`--priority`) and start turn as its record holds them; 1 and 0 when the record is gone. */
  async turnsOf(importId: string): Promise<ImportTurns> {
    return (await this.record(importId)).turns;
  }

  private record(importId: string): Promise<{ connection: string; turns: ImportTurns }> {
    let found = this.known.get(importId);
    if (!found) {
      found = this.ctx.ledger.getImport(importId).then((r) => ({
        connection: r?.connection ?? DEFAULT_CONNECTION,
        turns: { weight: r?.priority ?? IMPORT_PRIORITY_DEFAULT, startTurn: r?.startTurn ?? 0 },
      }));
      this.known.set(importId, found);
    }
    return found;
  }
}

/** DLQ jobs are never processed, so they stay where `add` put them. */
const DLQ_STATES = ['waiting', 'paused', 'prioritized', 'delayed'] as const;
const PAGE = 500;

/**
 * Every DLQ job matching the filter, by import and line. The job id is `{importId}-{line}` (see
 * `jobIdFor`; the line is the last, all-digit part), so an import's entries are found from the
 * ids alone without reading other imports' jobs. Ids are listed first: retry and purge remove
 * jobs while we go, which would shift pages. Stale entries (rows that moved on) are included,
 * so retry and purge can clean them up.
 */
export async function* deadLetterJobs(
  ctx: OpsContext,
  filter: DeadLetterFilter = {},
  connections: ImportConnections = new ImportConnections(ctx),
  /** Told how many entries match the filter's import and connection, before the first is read. */
  onListed?: (entries: number) => void,
): AsyncGenerator<Job<DeadLetterJobData>> {
  if (filter.importId) {
    const record = await ctx.ledger.getImport(filter.importId);
    if (!record) throw new ImportNotFoundError(filter.importId, ctx.prefix);
    ImportConnectionError.check(record, filter.connection);
  }
  const ids = [...new Set(await ctx.deadLetterQueue.getRanges([...DLQ_STATES], 0, -1, true))];
  let rows = ids
    .map((id) => ({ id, ...parseJobId(id) }))
    .filter((r) => !filter.importId || r.importId === filter.importId);
  if (filter.connection !== undefined && !filter.importId) {
    const wanted = new Set<string>();
    for (const importId of new Set(rows.map((r) => r.importId))) {
      if ((await connections.of(importId)) === filter.connection) wanted.add(importId);
    }
    rows = rows.filter((r) => wanted.has(r.importId));
  }
  rows.sort((a, b) => (a.importId === b.importId ? a.line - b.line : a.importId < b.importId ? -1 : 1));
  onListed?.(rows.length);
  for (let i = 0; i < rows.length; i += PAGE) {
    const jobs = await Promise.all(rows.slice(i, i + PAGE).map((r) => ctx.deadLetterQueue.getJob(r.id)));
    for (const job of jobs) {
      if (job?.data && (!filter.errorClass || job.data.errorClass === filter.errorClass)) yield job;
    }
  }
}

/**
 * One connection's DLQ jobs by state, as `getJobCounts` counts the whole shared DLQ; polled every 2 s by each viewer
 * of a page about one connection. From the connections' {@link DeadLetterIndex} while it adds up to the DLQ's own
 * counts (an `SCARD` per connection, whatever the DLQ holds; DLQ jobs are never processed, so every one waits). When it
 * does not (entries written before the index existed, or an add or removal between its two steps), by reading every
 * entry's id and its import's connection, as before, and the index is healed from what that read found.
 */
export async function countDeadLettersOf(
  ctx: OpsContext,
  connection: string,
  connections: ImportConnections = new ImportConnections(ctx),
): Promise<Record<string, number>> {
  const index = new DeadLetterIndex(ctx.redis, ctx.prefix);
  const whole = await ctx.deadLetterQueue.getJobCounts(...DLQ_STATES);
  const dlqTotal = Object.values(whole).reduce((a, b) => a + b, 0);
  const indexed = await index.countIfWhole(connection, dlqTotal);
  if (indexed !== undefined) return { waiting: indexed, paused: 0, prioritized: 0, delayed: 0 };
  const counts: Record<string, number> = {};
  const seen = new Map<string, Set<string>>();
  await Promise.all(
    DLQ_STATES.map(async (state) => {
      const ids = await ctx.deadLetterQueue.getRanges([state], 0, -1, true);
      let n = 0;
      for (const id of new Set(ids)) {
        const of = await connections.of(parseJobId(id).importId);
        if (!seen.has(of)) seen.set(of, new Set());
        seen.get(of)?.add(id);
        if (of === connection) n++;
      }
      counts[state] = n;
    }),
  );
  await index.heal(seen, (ids) => jobsExist(ctx.deadLetterQueue, ids));
  return counts;
}

/** `imp-1-42` → import `imp-1`, line 42. */
export function parseJobId(id: string): { importId: string; line: number } {
  return parseRowJobId(id) ?? { importId: id, line: 0 };
}

export function toEntry(data: DeadLetterJobData, connection: string): DeadLetterEntry {
  return {
    importId: data.importId,
    connection,
    line: data.line,
    errorClass: data.errorClass,
    httpStatus: data.httpStatus,
    message: data.message,
    attempts: data.attempts,
    firstAttemptAt: data.firstAttemptAt,
    lastAttemptAt: data.lastAttemptAt,
  };
}

export async function listDeadLetters(
  ctx: OpsContext,
  filter: DeadLetterFilter = {},
): Promise<DeadLetterEntry[]> {
  const entries: DeadLetterEntry[] = [];
  const connections = new ImportConnections(ctx);
  for await (const job of deadLetterJobs(ctx, filter, connections)) {
    entries.push(toEntry(job.data, await connections.of(job.data.importId)));
  }
  return entries;
}

/**
 * An import's first `limit` dead-lettered rows by line, and how many entries it has in all, reading only the ones
 * returned: an import whose every row failed may have hundreds of thousands, and a page shows 500.
 */
export async function firstDeadLettersOf(
  ctx: OpsContext,
  importId: string,
  limit: number,
): Promise<{ entries: DeadLetterEntry[]; total: number }> {
  const entries: DeadLetterEntry[] = [];
  let total = 0;
  if (limit <= 0) return { entries, total };
  const connections = new ImportConnections(ctx);
  for await (const job of deadLetterJobs(ctx, { importId }, connections, (n) => {
    total = n;
  })) {
    entries.push(toEntry(job.data, await connections.of(job.data.importId)));
    if (entries.length >= limit) break;
  }
  return { entries, total };
}

export { DLQ_EXPORT_COLUMNS };

export interface ExportOptions extends DeadLetterFilter {
  importId: string;
  out: string;
}

/**
 * Writes an import's dead-lettered rows as CSV: the original columns, then `error_class`,
 * `error_message`, `http_status` and `line`. Fix the cells, drop the extra columns (or keep them:
 * automatic mapping ignores them) and import the file again.
 */
export async function exportDeadLetters(
  ctx: OpsContext,
  options: ExportOptions,
): Promise<{ out: string; rows: number }> {
  const record = await ctx.ledger.getImport(options.importId);
  if (!record) throw new ImportNotFoundError(options.importId, ctx.prefix);
  ImportConnectionError.check(record, options.connection);
  const writer = await CsvWriter.create(options.out, [...record.header, ...DLQ_EXPORT_COLUMNS], {
    option: '--out',
  });
  const lines: number[] = [];
  try {
    for await (const job of deadLetterJobs(ctx, options)) {
      const d = job.data;
      lines.push(d.line);
      await writer.write([
        ...fitToHeader(d.job.cells, record.header.length),
        d.errorClass,
        d.message,
        d.httpStatus ?? '',
        d.line,
      ]);
    }
  } catch (err) {
    // Half an export would pass for all the failed rows: keep the previous file instead.
    await writer.abort();
    throw err;
  }
  await writer.close();
  // Written to a file a user fixes and imports again: `dlq retry` must then not re-run these rows as well.
  const exportedAt = Date.now();
  const key = ctx.keys.deadLettersExported(options.importId);
  for (let i = 0; i < lines.length; i += 1000) {
    const batch = lines.slice(i, i + 1000);
    await ctx.redis.hset(key, Object.fromEntries(batch.map((line) => [line, exportedAt])));
  }
  return { out: options.out, rows: writer.rowCount };
}

/** A dead-lettered row `dlq retry` would not replay, and why. */
export interface RefusedReplay {
  importId: string;
  line: number;
  /** What in the entry's data does not pass validation, e.g. `lead.title is empty`. */
  reason: string;
}

export interface RetrySummary {
  /** Rows put back on the lead queue with fresh attempts. */
  requeued: number;
  /** DLQ entries of rows that had already finished another way (removed, nothing re-run). */
  stale: number;
  /** Rows whose failed job is still being wrapped up by a worker; run the command again shortly. */
  busy: number;
  /** Rows whose data does not pass validation (see `replay-check.ts`): left dead-lettered and in the DLQ. */
  refused: number;
  /**
   * Rows `dlq export` wrote to a file after they failed (the file may have been fixed and imported again, which
   * created their leads): left dead-lettered and in the DLQ unless {@link RetryOptions.includeExported}.
   */
  exported: number;
  /** The imports of the rows left as exported, and when the latest export of each was written. */
  exports: { importId: string; rows: number; at: number }[];
  /** The first {@link MAX_REFUSALS_LISTED} refused rows, with the reason. */
  refusals: RefusedReplay[];
}

/** Refused rows listed in a summary (all are counted). */
export const MAX_REFUSALS_LISTED = 100;

/** How long a re-added job waits before it may run, unless promoted sooner (see {@link retryDeadLetters}). */
const RETRY_HOLD_MS = 60_000;
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Puts dead-lettered rows back on their import's connection's lead queue with fresh attempts (`leadJobOptions`) and the
 * job's checkpoint, so steps that succeeded before are not redone. Each gets the priority it was first added with
 * (`leadPriority` of its turn and its import's weight and start turn): its turn has usually passed, so it runs soon.
 *
 * Each entry's data is checked first ({@link replayProblem}): what a worker would send must be what
 * the producer's validation lets through, for the row the entry is filed under. A row that fails is
 * refused — nothing moves, it stays dead-lettered and in the DLQ — and listed with the reason; the fix
 * is `dlq export`, correct the row, import the file again.
 *
 * The order never loses or doubles a row, whatever step a crash interrupts, and re-running the
 * command completes an interrupted retry:
 * 1. ledger DeadLettered → Pending (atomic; refused when the row already moved on);
 * 2. add the lead job held back (delayed), so no worker can fail it again while its old DLQ
 *    entry still exists — the worker's DLQ add would be a no-op against the same job id;
 * 3. remove the DLQ entry;
 * 4. promote the job so it runs now. Had we crashed before this, it runs when the hold ends.
 */
export interface RetryOptions extends DeadLetterFilter {
  /** Also rows `dlq export` wrote to a file since they failed (whose fixed file may have been imported again). */
  includeExported?: boolean;
}

export async function retryDeadLetters(ctx: OpsContext, filter: RetryOptions = {}): Promise<RetrySummary> {
  const summary: RetrySummary = {
    requeued: 0,
    stale: 0,
    busy: 0,
    refused: 0,
    refusals: [],
    exported: 0,
    exports: [],
  };
  const connections = new ImportConnections(ctx);
  const exportsOf = new Map<string, { importId: string; rows: number; at: number }>();
  // Each import's export marks, read once (one HGETALL per import, not a read per row).
  const marksOf = new Map<string, Promise<Record<string, string>>>();
  const exportedAt = async (importId: string, line: number): Promise<number> => {
    let marks = marksOf.get(importId);
    if (!marks) {
      marks = ctx.redis.hgetall(ctx.keys.deadLettersExported(importId));
      marksOf.set(importId, marks);
    }
    return Number((await marks)[line] ?? 0);
  };
  for await (const entry of deadLetterJobs(ctx, filter, connections)) {
    if (!filter.includeExported) {
      const { importId, line, lastAttemptAt } = entry.data;
      const at = await exportedAt(importId, line);
      // Exported since it last failed: the export holds this failure (one before a later retry does not count).
      if (Number.isFinite(at) && at > 0 && at >= (lastAttemptAt ?? 0)) {
        summary.exported++;
        const seen = exportsOf.get(importId) ?? { importId, rows: 0, at };
        seen.rows++;
        seen.at = Math.max(seen.at, at);
        exportsOf.set(importId, seen);
        continue;
      }
    }
    const reason = replayProblem(entry.id ?? '', entry.data);
    if (reason !== undefined) {
      summary.refused++;
      if (summary.refusals.length < MAX_REFUSALS_LISTED) {
        summary.refusals.push({ ...parseJobId(entry.id ?? ''), reason });
      }
      continue;
    }
    const { importId } = entry.data;
    summary[
      await retryOne(ctx, entry, await connections.of(importId), await connections.turnsOf(importId))
    ]++;
  }
  summary.exports = [...exportsOf.values()];
  return summary;
}

async function retryOne(
  ctx: OpsContext,
  entry: Job<DeadLetterJobData>,
  connection: string,
  turns: ImportTurns,
): Promise<'requeued' | 'stale' | 'busy'> {
  const { importId, line } = entry.data;
  const id = jobIdFor(importId, line);
  const leadQueue = ctx.leadQueueOf(connection);
  const [[rowState], existing] = await Promise.all([
    ctx.ledger.rowStates(importId, [line]),
    leadQueue.getJob(id),
  ]);
  const existingState = existing ? await existing.getState() : 'unknown';
  const existingLive = LIVE_STATES.has(existingState);
  // A worker dead-letters a row before its job fails: wait until the job has failed.
  if (rowState === RowState.DeadLettered && existingLive) return 'busy';

  const moved = await ctx.ledger.recordRequeued(importId, line);
  const index = new DeadLetterIndex(ctx.redis, ctx.prefix);
  if (!moved.applied && moved.previous !== RowState.Pending) {
    // The row is created, cancelled or gone: the DLQ entry is left over. Drop it, re-run nothing.
    await index.remove(connection, entry.id ?? id);
    await entry.remove();
    return 'stale';
  }
  // Pending now (or still, after an interrupted retry): make sure exactly one live job exists.
  let job = existingLive ? existing : undefined;
  if (!job) {
    if (existing) await existing.remove(); // the failed job holds the id; BullMQ would ignore a new add
    // A fresh set of attempts: the ones a row split out of its chunk had spent before do not carry over.
    const { priorAttempts: _spent, ...data } = entry.data.job;
    job = await leadQueue.add(LEAD_JOB_NAME, data, {
      // The priority it had when it was first added (its turn is in its job data): deterministic.
      ...leadJobOptions(importId, line, leadPriority(turnOf(entry.data.job), turns.weight, turns.startTurn)),
      delay: RETRY_HOLD_MS,
    });
  }
  // Out of the index first: cut short after it, the entry stays in the DLQ unindexed, and a re-run removes it.
  await index.remove(connection, entry.id ?? id);
  await entry.remove();
  if ((await job.getState()) === 'delayed') {
    await job.promote().catch(() => {}); // already picked up or promoted: nothing to do
  }
  return 'requeued';
}

/**
 * Removes an import's DLQ entries (their rows stay dead-lettered in the ledger, with the error,
 * so counts still add up; only the original cells go). Returns how many were removed.
 */
export async function purgeDeadLetters(ctx: OpsContext, filter: DeadLetterFilter & { importId: string }) {
  let removed = 0;
  const connections = new ImportConnections(ctx);
  const index = new DeadLetterIndex(ctx.redis, ctx.prefix);
  for await (const entry of deadLetterJobs(ctx, filter, connections)) {
    // Out of the index first (see DeadLetterIndex).
    await index.remove(await connections.of(entry.data.importId), entry.id ?? '');
    await entry.remove();
    removed++;
  }
  return { removed };
}
