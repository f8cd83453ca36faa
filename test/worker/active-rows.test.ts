import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { writeConnectionsFile } from '../../src/dev/connections-file.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { DLQ_QUEUE, leadQueueName } from '../../src/queue/names.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import {
  enqueueImport,
  eventually,
  FAST_WORKER_FLAGS,
  finished,
  jobsFor,
  spawnWorker,
  testSandbox,
} from './helpers.js';

const redis = testRedis();

/** Runs `sample` every 10 ms (one at a time) until `stop()`, which resolves once the last one is over. */
function sampleEvery10ms(sample: () => Promise<void>): { stop(): Promise<void> } {
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      await sample();
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    stop: async () => {
      sampling = false;
      await loop;
    },
  };
}

describe('rows a connection takes from its queue', () => {
  it('holds active only the rows its company can start soon: within its burst window alone, a share of the concurrency beside another, every row once', async () => {
    // Two companies on Lite (20 calls per 2 s): a row beyond 20 in flight only waits in its company's limiter.
    const [a, b] = await Promise.all([
      testSandbox({ plan: 'lite', companyId: 3001, apiToken: 'token-a', latencyMs: 30, latencyJitterMs: 30 }),
      testSandbox({ plan: 'lite', companyId: 3002, apiToken: 'token-b', latencyMs: 30, latencyJitterMs: 30 }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'lpi-active-rows-'));
    writeFileSync(join(dir, 'a.token'), 'token-a\n');
    writeFileSync(join(dir, 'b.token'), 'token-b\n');
    const connectionsFile = writeConnectionsFile(
      dir,
      [
        { name: 'a', url: a.url, plan: 'lite' },
        { name: 'b', url: b.url, plan: 'lite' },
      ],
      { budget_reserve: 0 },
    );

    const prefix = uniquePrefix('active');
    const ledger = new ImportLedger(redis, prefix);
    const rows = (tag: string, n: number) =>
      jobsFor(
        `imp-${tag}`,
        Array.from({ length: n }, (_, i) => ({ title: `${tag} deal ${i}`, org: `${tag} company ${i % 4}` })),
      );
    // A's rows wait before the worker starts; B's come once A's flow.
    await enqueueImport(redis, prefix, 'imp-a', rows('a', 80), { connection: 'a' });
    const queues = {
      a: new Queue(leadQueueName('a'), { connection: redis, prefix }),
      b: new Queue(leadQueueName('b'), { connection: redis, prefix }),
    };
    const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix });

    // Concurrency 30 for the process: more than either company's window admits in 2 s.
    const worker = spawnWorker(
      { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PIPEDRIVE_CONNECTIONS_FILE: connectionsFile },
      [...FAST_WORKER_FLAGS, '--concurrency', '30'],
    );
    const most = { aAlone: 0, a: 0, b: 0, both: 0 };
    let bEnqueued = false;
    const sampler = sampleEvery10ms(async () => {
      const [activeA, activeB] = await Promise.all([queues.a.getActiveCount(), queues.b.getActiveCount()]);
      if (!bEnqueued) most.aAlone = Math.max(most.aAlone, activeA);
      most.a = Math.max(most.a, activeA);
      most.b = Math.max(most.b, activeB);
      most.both = Math.max(most.both, activeA + activeB);
    });
    try {
      await eventually(async () => ((await ledger.getImport('imp-a'))?.created ?? 0) >= 10, {
        timeoutMs: 60_000,
        what: 'A to create 10 leads',
      });
      bEnqueued = true;
      await enqueueImport(redis, prefix, 'imp-b', rows('b', 60), { connection: 'b' });

      expect(await finished(ledger, 'imp-a', 90_000)).toMatchObject({ created: 80, deadLettered: 0 });
      expect(await finished(ledger, 'imp-b', 90_000)).toMatchObject({ created: 60, deadLettered: 0 });
      await sampler.stop();

      // Alone, A took rows (it had 80 waiting, and 30 permits free), but never more than its window's 20 calls
      // per 2 s: before, its BullMQ worker took all 30 and 10 of them waited in its limiter holding a permit.
      expect(most.aAlone).toBeGreaterThan(0);
      expect(most.aAlone).toBeLessThanOrEqual(20);
      expect(most.a).toBeLessThanOrEqual(20);
      expect(most.b).toBeGreaterThan(0);
      expect(most.b).toBeLessThanOrEqual(20);
      // Side by side, the two took no more than their caps (before: 30 each, 60 active for 30 permits).
      expect(most.both).toBeLessThanOrEqual(40);

      // Every row once, in its own company, nothing dead-lettered.
      expect(await dlq.count()).toBe(0);
      for (const [sandbox, tag, n] of [
        [a, 'a', 80],
        [b, 'b', 60],
      ] as const) {
        const leads = sandbox.export().leads;
        expect(
          leads.filter((l) => l.title.startsWith(`${tag} `)),
          tag,
        ).toHaveLength(n);
        expect(leads, tag).toHaveLength(n);
        expect(sandbox.state(), tag).toMatchObject({ duplicateLeads: 0 });
      }
      expect(await worker.stop()).toBe(0);
    } finally {
      await sampler.stop();
      await worker.stop();
      await Promise.all([queues.a.close(), queues.b.close(), dlq.close()]);
    }
  }, 150_000);

  it('with chunks, takes a chunk or two beyond the rows it works on, not every chunk of a big import', async () => {
    // One Lite company (20 calls per 2 s), concurrency 8: the rows wait on its limiter, so chunks end slowly and the
    // worker tops its rows up itself (takeOne). Each chunk it took that way once counted in BullMQ's own loop's
    // room: the loop fetched one more for each, and all 60 chunks were active within seconds.
    const sandbox = await testSandbox({ plan: 'lite', latencyMs: 30, latencyJitterMs: 30 });
    const prefix = uniquePrefix('chunks-active');
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(
      redis,
      prefix,
      'imp-big',
      jobsFor(
        'imp-big',
        Array.from({ length: 600 }, (_, i) => ({ title: `big deal ${i}`, org: `big company ${i % 4}` })),
      ),
      { rowsPerJob: 10 },
    );
    const queue = new Queue(leadQueueName('default'), { connection: redis, prefix });
    const worker = spawnWorker(
      {
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_BASE_URL: sandbox.url,
        PIPEDRIVE_API_TOKEN: sandbox.apiToken,
        PIPEDRIVE_PLAN: 'lite',
      },
      [...FAST_WORKER_FLAGS, '--concurrency', '8'],
    );
    let most = 0;
    const sampler = sampleEvery10ms(async () => {
      most = Math.max(most, await queue.getActiveCount());
    });
    try {
      await eventually(async () => ((await ledger.getImport('imp-big'))?.created ?? 0) >= 60, {
        timeoutMs: 60_000,
        what: '60 leads of the big import',
      });
      await sampler.stop();
      // 8 permits and 8 rows ahead (16 rows) and a chunk more: 3 chunks, 4 while one is moved and the next fetched.
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(5);
    } finally {
      await sampler.stop();
      await worker.stop();
      await queue.close();
    }
  }, 120_000);
});
