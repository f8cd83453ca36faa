import { DEFAULT_CONNECTION } from '../config/config.js';
import type { COUNTERS } from '../queue/ledger.js';
import type { OpsContext } from './ops-context.js';

export const ROW_OUTCOMES = ['created', 'rejected', 'dead_lettered', 'cancelled', 'pending'] as const;
export type RowOutcome = (typeof ROW_OUTCOMES)[number];

/**
 * Imports by connection: how many in each state, their rows by outcome, and the most rows per BullMQ job among
 * those with pending rows (1 when none).
 */
export type ImportTotals = Map<
  string,
  {
    imports: Record<string, number>;
    rows: Record<RowOutcome, number>;
    rowsPerJob: number;
    /**
     * Since when the connection's rows have waited unchanged: the earliest last change (created or updated) of its
     * imports with pending rows (every finished row updates its import); null when none has pending rows.
     */
    waitingSince: number | null;
  }
>;

/** What the totals need of one import record. */
interface ImportEntry {
  connection: string;
  state: string;
  created: number;
  rejected: number;
  deadLettered: number;
  cancelled: number;
  pending: number;
  rowsPerJob: number;
  lastChange: number;
}

const FIELDS = [
  'connection',
  'state',
  'rows',
  'enqueued',
  'created',
  'rejected',
  'deadLettered',
  'cancelled',
  'rowsPerJob',
  'createdAt',
  'updatedAt',
] as const;

/** The records of `ids`, read 1,000 at a time (one pipeline each; one read per import on a cluster). */
async function readEntries(ctx: OpsContext, ids: readonly string[]): Promise<Map<string, ImportEntry>> {
  const entries = new Map<string, ImportEntry>();
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    let replies: [Error | null, unknown][];
    if (ctx.keys.cluster) {
      // Imports of different connections are in different slots on a cluster: no one pipeline holds them.
      await ctx.ledger.resolveMany(chunk);
      replies = await Promise.all(
        chunk.map(async (id): Promise<[Error | null, unknown]> => {
          try {
            return [null, await ctx.redis.hmget(ctx.keys.import(id), ...FIELDS)];
          } catch (err) {
            return [err as Error, null];
          }
        }),
      );
    } else {
      const pipeline = ctx.redis.pipeline();
      for (const id of chunk) pipeline.hmget(ctx.keys.import(id), ...FIELDS);
      replies = (await pipeline.exec()) ?? [];
    }
    replies.forEach(([err, values], j) => {
      if (err || !Array.isArray(values)) return;
      const raw = Object.fromEntries(FIELDS.map((f, k) => [f, values[k] as string | null]));
      const n = (f: (typeof COUNTERS)[number]) => Number(raw[f] ?? 0) || 0;
      entries.set(chunk[j]!, {
        connection: raw.connection || DEFAULT_CONNECTION,
        state: raw.state ?? 'reading',
        created: n('created'),
        rejected: n('rejected'),
        deadLettered: n('deadLettered'),
        cancelled: n('cancelled'),
        // As the ledger derives it: enqueued − created − deadLettered − cancelled.
        pending: Math.max(0, n('enqueued') - n('created') - n('deadLettered') - n('cancelled')),
        rowsPerJob: Number(raw.rowsPerJob) || 1,
        lastChange: Math.max(Number(raw.createdAt) || 0, Number(raw.updatedAt) || 0),
      });
    });
  }
  return entries;
}

/** The entries summed by connection. */
function sumEntries(entries: Iterable<ImportEntry>): ImportTotals {
  const totals: ImportTotals = new Map();
  for (const e of entries) {
    let t = totals.get(e.connection);
    if (!t) {
      t = {
        imports: {},
        rows: { created: 0, rejected: 0, dead_lettered: 0, cancelled: 0, pending: 0 },
        rowsPerJob: 1,
        waitingSince: null,
      };
      totals.set(e.connection, t);
    }
    t.imports[e.state] = (t.imports[e.state] ?? 0) + 1;
    t.rows.created += e.created;
    t.rows.rejected += e.rejected;
    t.rows.dead_lettered += e.deadLettered;
    t.rows.cancelled += e.cancelled;
    t.rows.pending += e.pending;
    if (e.pending > 0) {
      t.rowsPerJob = Math.max(t.rowsPerJob, e.rowsPerJob);
      t.waitingSince = t.waitingSince === null ? e.lastChange : Math.min(t.waitingSince, e.lastChange);
    }
  }
  return totals;
}

/** Every import's state and row counts, summed by connection: one pipelined read of the records' counters. */
export async function importTotals(ctx: OpsContext): Promise<ImportTotals> {
  return sumEntries((await readEntries(ctx, await ctx.redis.zrange(ctx.keys.imports, 0, -1))).values());
}

/**
 * How long the dashboard reuses one {@link importTotals} read, in ms. Every poll of every open imports page (each 2 s)
 * and every scrape of `/metrics` wants the totals, and a read of them reads every import record ever kept: with
 * 30,000 imports about half a second of Redis' time. Reused, that read is paid once per this span whatever the
 * number of tabs and scrapers; what it feeds moves slowly anyway (rows queued and their wait: a row's own job count,
 * read live, bounds the queued figure, so a queue that empties shows empty at once).
 *
 * Why not running totals kept by the ledger: an import's pending rows move in five Lua scripts and two plain writes
 * (the producer's `setCounters` sets absolute values), and the waiting-since and rows-per-job figures are a minimum
 * and a maximum over the imports with pending rows, which no counter keeps; an index of those imports, added to in
 * the same step as each write that raises an import's pending rows, is the sound way, and is left for a change of
 * the ledger's scripts of its own.
 */
export const IMPORT_TOTALS_MAX_AGE_MS = 10_000;

/** Imports in these states change no more by themselves (a re-run or a repair starts them again). */
const SETTLED = new Set(['completed', 'cancelled', 'failed']);

interface Snapshot {
  at: number;
  /** Every import's entry as of `at`, in a read under way until it resolves. */
  entries: Promise<Map<string, ImportEntry>>;
}

const shared = new WeakMap<OpsContext, Snapshot>();

/**
 * {@link importTotals} for the dashboard's polls and scrapes, whose cost does not grow with the imports kept: every
 * import is read at most once per `maxAgeMs` for a context (a read under way is shared, one that failed is not
 * kept), and each call in between reads again only the imports of that read that were still moving (pending rows,
 * or not completed, cancelled or failed) and those created since. So pending rows are as of now, as the rows in
 * flight a caller reads beside them are: with pending rows 10 s old, rows finishing made the queued figure (pending
 * less in flight) go up. An import that settled and then starts again (a re-run, `verify --repair`) counts as
 * settled until the next full read.
 */
export async function sharedImportTotals(
  ctx: OpsContext,
  maxAgeMs = IMPORT_TOTALS_MAX_AGE_MS,
  now = Date.now(),
): Promise<ImportTotals> {
  const kept = shared.get(ctx);
  if (!kept || now - kept.at >= maxAgeMs) {
    const ids = ctx.redis.zrange(ctx.keys.imports, 0, -1);
    const entry: Snapshot = { at: now, entries: ids.then((list) => readEntries(ctx, list)) };
    shared.set(ctx, entry);
    entry.entries.catch(() => {
      if (shared.get(ctx) === entry) shared.delete(ctx);
    });
    return sumEntries((await entry.entries).values());
  }
  const snapshot = await kept.entries;
  const moving = [...snapshot].filter(([, e]) => e.pending > 0 || !SETTLED.has(e.state)).map(([id]) => id);
  // Imports are scored by their creation time: those created since the snapshot (a little before, for clock skew).
  const since = await ctx.redis.zrangebyscore(ctx.keys.imports, kept.at - 60_000, '+inf');
  const fresh = await readEntries(ctx, [...new Set([...moving, ...since])]);
  return sumEntries(
    [...snapshot]
      .filter(([id]) => !fresh.has(id))
      .map(([, e]) => e)
      .concat([...fresh.values()]),
  );
}
