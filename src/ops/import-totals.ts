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
