import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { leadQueueName } from '../../src/queue/names.js';
import { uniquePrefix } from '../helpers/redis.js';
import {
  enqueueImport,
  eventually,
  finished,
  jobsFor,
  spawnWorker,
  testSandbox,
  workerEnv,
} from './helpers.js';

describe('a shutdown that Redis does not answer, with a row still waiting for its turn', () => {
  it('counts that row as stranded: it is handed back only once Redis moves it, which a frozen Redis never does', async () => {
    const redisServer: PrivateRedis = await startPrivateRedis();
    const redis = new Redis(redisServer.url);
    try {
      // Each call takes a second, so the first row still runs, holding the one permit, when Redis freezes.
      const sandbox = await testSandbox({ limits: false, latencyMs: 1_000 });
      const prefix = uniquePrefix('waiting');
      const queue = new Queue(leadQueueName('default'), { connection: redis, prefix });
      const worker = spawnWorker(workerEnv(redisServer.url, prefix, sandbox.url), [
        '--concurrency',
        '1',
        '--drain-timeout-ms',
        '3000',
        '--no-rate-limit',
      ]);
      try {
        const enqueuedAt = Date.now();
        await enqueueImport(
          redis,
          prefix,
          'imp-waiting',
          jobsFor('imp-waiting', [
            { title: 'Deal 1', org: 'Org 1' },
            { title: 'Deal 2', org: 'Org 2' },
          ]),
        );
        // The worker takes a few rows more than its permits: both rows are its own, one running, one waiting.
        await eventually(async () => (await queue.getActiveCount()) === 2, { what: 'both rows to be taken' });
        await eventually(
          async () => sandbox.requests().some((e) => e.at >= enqueuedAt && !e.path.startsWith('/_sandbox')),
          { what: 'the first row to call Pipedrive' },
        );
        redisServer.process.kill('SIGSTOP');
        worker.proc.kill('SIGTERM');
        expect(await worker.exited).toBe(1);
        const said = worker.lines.filter((l) => /Shutdown:/.test(l));
        expect(said).toHaveLength(1);
        // The waiting row was told to go back (BullMQ's RateLimitError) but its move never happened: still locked
        // by this worker, it comes back only when its lock expires. It is as stranded as the running one.
        expect(JSON.parse(said[0]!)).toMatchObject({ stranded: 2 });
      } finally {
        redisServer.process.kill('SIGCONT');
        await worker.stop();
        await queue.close();
      }
      // Nothing lost: once Redis answers again, both rows are still active (locked), none completed or failed.
      expect(await queue.getJobCounts('active', 'completed', 'failed')).toMatchObject({
        completed: 0,
        failed: 0,
      });
    } finally {
      redis.disconnect();
      await redisServer.stop();
    }
  }, 90_000);

  it('does not count rows it re-queued earlier, once BullMQ moved them: a later shutdown finds none in flight', async () => {
    const redisServer: PrivateRedis = await startPrivateRedis();
    const redis = new Redis(redisServer.url);
    try {
      // Pipedrive's limits on, the worker's own off: its rows meet 429s and go back to the queue (RateLimitError).
      const sandbox = await testSandbox({ limits: true });
      const prefix = uniquePrefix('requeued');
      const ledger = new ImportLedger(redis, prefix);
      const worker = spawnWorker(workerEnv(redisServer.url, prefix, sandbox.url), [
        '--concurrency',
        '16',
        '--drain-timeout-ms',
        '2000',
        '--no-rate-limit',
      ]);
      try {
        const rows = Array.from({ length: 40 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i}` }));
        await enqueueImport(redis, prefix, 'imp-requeued', jobsFor('imp-requeued', rows));
        expect(await finished(ledger, 'imp-requeued')).toMatchObject({ created: 40 });
        expect(sandbox.requests().some((e) => e.status === 429)).toBe(true);
        redisServer.process.kill('SIGSTOP');
        worker.proc.kill('SIGTERM');
        expect(await worker.exited).toBe(0);
        const said = worker.lines.filter((l) => /Shutdown:/.test(l));
        expect(said).toHaveLength(1);
        expect(said[0]).toMatch(/no row was in flight/);
      } finally {
        redisServer.process.kill('SIGCONT');
        await worker.stop();
      }
    } finally {
      redis.disconnect();
      await redisServer.stop();
    }
  }, 120_000);
});
