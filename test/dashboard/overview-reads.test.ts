import { afterAll, describe, expect, it, vi } from 'vitest';
import { readImportDetail, readOverview } from '../../src/dashboard/overview.js';
import { readRowCounts } from '../../src/ops/row-counts.js';
import { DEAD_LETTER_JOB_NAME } from '../../src/queue/dead-letter.js';
import { jobIdFor } from '../../src/queue/names.js';
import { testRedis } from '../helpers/redis.js';
import { enqueueChunked, jobData, testOps } from '../ops/seed.js';

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

describe('an import’s page', () => {
  it('reads the 500 dead-lettered rows it shows, not every one the import has', async () => {
    // An import whose every row failed (a token of another company dead-letters them all without a call).
    const id = 'all-failed';
    const rows = 1_200;
    await ctx.ledger.createImport({
      importId: id,
      connection: 'default',
      fileName: 'all-failed.csv',
      fileSize: 1,
      fileHash: 'f'.repeat(64),
      mapping: null,
      header: ['Name', 'Email', 'Company'],
      createdAt: Date.now(),
    });
    await ctx.deadLetterQueue.addBulk(
      Array.from({ length: rows }, (_, i) => ({
        name: DEAD_LETTER_JOB_NAME,
        data: {
          importId: id,
          line: i + 2,
          job: jobData(id, i + 2, [`P${i}`, `p${i}@x.example`, 'X']),
          errorClass: 'ImportCompanyMismatchError',
          message: 'the credentials belong to another company',
          attempts: 1,
          firstAttemptAt: 1,
          lastAttemptAt: 1,
        },
        opts: { jobId: jobIdFor(id, i + 2) },
      })),
    );
    await ctx.ledger.setCounters(id, { rows, enqueued: rows, deadLettered: rows });
    await ctx.ledger.setState(id, 'enqueued');
    const getJob = vi.spyOn(ctx.deadLetterQueue, 'getJob');
    try {
      const detail = await readImportDetail(ctx, id);
      expect(detail.deadLetters.map((e) => e.line).slice(0, 3)).toEqual([2, 3, 4]);
      expect(detail.deadLetters).toHaveLength(500);
      expect(detail.moreDeadLetters).toBe(700);
      // Every one of the 1,200 was read (each a Redis round of its own) to show 500: 3.6 s for 50,000.
      expect(getJob.mock.calls.length).toBeLessThanOrEqual(500);
    } finally {
      getJob.mockRestore();
    }
  });
});
