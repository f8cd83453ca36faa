import { afterAll, describe, expect, it, vi } from 'vitest';
import { readOverview } from '../../src/dashboard/overview.js';
import { readRowCounts } from '../../src/ops/row-counts.js';
import { testRedis } from '../helpers/redis.js';
import { enqueueChunked, testOps } from '../ops/seed.js';

const redis = testRedis();
const ctx = testOps(redis);
const IMPORT = 'overview-reads';

afterAll(async () => {
  await ctx.close();
});

describe('the imports page overview', () => {
  it('reads each shown connection’s job counts once per refresh, and counts rows from them', async () => {
    // 25 rows, 10 per job: three chunk jobs waiting.
    await enqueueChunked(
      ctx,
      IMPORT,
      10,
      Array.from({ length: 25 }, (_, i) => i + 2),
    );
    await ctx.ledger.setCounters(IMPORT, { rows: 25 });
    await ctx.ledger.setState(IMPORT, 'enqueued');

    const queue = ctx.leadQueueOf('default');
    const counts = vi.spyOn(queue, 'getJobCounts');
    try {
      const overview = await readOverview(ctx, 10_000);
      expect(counts).toHaveBeenCalledTimes(1);
      const lead = overview.queues.lead;
      expect((lead.waiting ?? 0) + (lead.prioritized ?? 0)).toBe(3);
      expect(overview.rows).toEqual({ queued: 25, active: 0 });
      // The same rows as a read of its own (which reads the counts itself).
      counts.mockClear();
      expect(await readRowCounts(ctx, ['default'])).toEqual(
        new Map([['default', { queued: 25, active: 0, waitingSince: expect.any(Number) }]]),
      );
      expect(counts).toHaveBeenCalledTimes(1);
    } finally {
      counts.mockRestore();
    }
  });
});
