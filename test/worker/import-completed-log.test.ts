import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

/**
 * An operator tailing a worker's log sees a row per lead and a line per dead-lettered row; the import's end was
 * only in `status`. The worker now says when a row's outcome completed its import, once, with the totals.
 */
describe('the worker’s log when an import completes', () => {
  async function run(importId: string, faultRate: number, rows: number) {
    const sandbox = await testSandbox({ limits: false, faultAfterWriteRatio: 0 });
    const prefix = uniquePrefix('donelog');
    await enqueueImport(
      redis,
      prefix,
      importId,
      jobsFor(
        importId,
        Array.from({ length: rows }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i}` })),
      ),
      { attempts: 1, backoffMs: 10 },
    );
    const lines: string[] = [];
    const worker = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: 'sandbox-token', timeoutMs: 1000 },
      rateLimit: false,
      retry: { callRetries: 0, callRetryMinMs: 5, callRetryMaxMs: 10 },
      warmCache: 'never',
      concurrency: 2,
      logger: createLogger({ destination: { write: (line: string) => lines.push(line) } }),
    });
    const ledger = new ImportLedger(redis, prefix);
    try {
      await worker.ready;
      sandbox.configure({ faultRate });
      await eventually(async () => (await ledger.getImport(importId))?.state === 'completed' || undefined, {
        what: 'the import to complete',
      });
      // The line follows the outcome's write: give the worker a moment to write it.
      return await eventually(
        async () => {
          const done = lines.filter((l) => l.includes(`Import ${importId} completed`));
          return done.length > 0 ? done : undefined;
        },
        { what: 'the completion line', timeoutMs: 5000 },
      );
    } finally {
      await worker.close();
    }
  }

  it('logs one info line with the totals when its last row is created', async () => {
    const done = await run('imp-done', 0, 3);
    expect(done).toHaveLength(1);
    const line = JSON.parse(done[0]!);
    expect(line).toMatchObject({
      level: 30,
      importId: 'imp-done',
      rows: 3,
      created: 3,
      rejected: 0,
      deadLettered: 0,
      cancelled: 0,
    });
    expect(line.tokensUsed).toBeGreaterThan(0);
    expect(line.msg).toContain('rows 3 = created 3 + rejected 0 + dead-lettered 0 + cancelled 0');
  });

  it('logs it too when its last row is dead-lettered', async () => {
    const done = await run('imp-dead', 1, 1);
    expect(done).toHaveLength(1);
    expect(JSON.parse(done[0]!)).toMatchObject({ level: 30, importId: 'imp-dead', rows: 1, deadLettered: 1 });
  });
});
