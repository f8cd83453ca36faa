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

/** Every import's state and row counts, summed by connection: one pipelined read of the records' counters. */
export async function importTotals(ctx: OpsContext): Promise<ImportTotals> {
  const ids = await ctx.redis.zrange(ctx.keys.imports, 0, -1);
  const fields = [
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
  const totals: ImportTotals = new Map();
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    let replies: [Error | null, unknown][];
    if (ctx.keys.cluster) {
      // Imports of different connections are in different slots on a cluster: no one pipeline holds them.
      await ctx.ledger.resolveMany(chunk);
      replies = await Promise.all(
        chunk.map(async (id): Promise<[Error | null, unknown]> => {
          try {
            return [null, await ctx.redis.hmget(ctx.keys.import(id), ...fields)];
          } catch (err) {
            return [err as Error, null];
          }
        }),
      );
    } else {
      const pipeline = ctx.redis.pipeline();
      for (const id of chunk) pipeline.hmget(ctx.keys.import(id), ...fields);
      replies = (await pipeline.exec()) ?? [];
    }
    for (const [err, values] of replies) {
      if (err || !Array.isArray(values)) continue;
      const raw = Object.fromEntries(fields.map((f, j) => [f, values[j] as string | null]));
      const n = (f: (typeof COUNTERS)[number]) => Number(raw[f] ?? 0) || 0;
      const connection = raw.connection || DEFAULT_CONNECTION;
      let t = totals.get(connection);
      if (!t) {
        t = {
          imports: {},
          rows: { created: 0, rejected: 0, dead_lettered: 0, cancelled: 0, pending: 0 },
          rowsPerJob: 1,
          waitingSince: null,
        };
        totals.set(connection, t);
      }
      const state = raw.state ?? 'reading';
      t.imports[state] = (t.imports[state] ?? 0) + 1;
      t.rows.created += n('created');
      t.rows.rejected += n('rejected');
      t.rows.dead_lettered += n('deadLettered');
      t.rows.cancelled += n('cancelled');
      // As the ledger derives it: enqueued − created − deadLettered − cancelled.
      const pending = Math.max(0, n('enqueued') - n('created') - n('deadLettered') - n('cancelled'));
      t.rows.pending += pending;
      if (pending > 0) {
        t.rowsPerJob = Math.max(t.rowsPerJob, Number(raw.rowsPerJob) || 1);
        const lastChange = Math.max(Number(raw.createdAt) || 0, Number(raw.updatedAt) || 0);
        t.waitingSince = t.waitingSince === null ? lastChange : Math.min(t.waitingSince, lastChange);
      }
    }
  }
  return totals;
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

const shared = new WeakMap<OpsContext, { at: number; totals: Promise<ImportTotals> }>();

/**
 * {@link importTotals}, read at most once per `maxAgeMs` for a context (a read under way is shared, and one that
 * failed is not kept): for the dashboard's polls and scrapes.
 */
export function sharedImportTotals(
  ctx: OpsContext,
  maxAgeMs = IMPORT_TOTALS_MAX_AGE_MS,
  now = Date.now(),
): Promise<ImportTotals> {
  const kept = shared.get(ctx);
  if (kept && now - kept.at < maxAgeMs) return kept.totals;
  const totals = importTotals(ctx);
  const entry = { at: now, totals };
  shared.set(ctx, entry);
  totals.catch(() => {
    if (shared.get(ctx) === entry) shared.delete(ctx);
  });
  return totals;
}
