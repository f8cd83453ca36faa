import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { freePort, type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { uniquePrefix } from '../helpers/redis.js';
import {
  enqueueImport,
  FAST_WORKER_FLAGS,
  finished,
  jobsFor,
  sharedContactRows,
  spawnWorker,
  testSandbox,
  workerEnv,
} from './helpers.js';

/**
 * A supervisor restarts a worker while Redis itself is restarting (the chaos runs' power loss does exactly
 * this). The worker waits for Redis and must then take rows like any other: before, BullMQ's blocking
 * connection gave up on the first refused connect, so the worker logged "Worker stopped with an error",
 * took no row, and its process ran on as if it were working.
 */
describe('a worker started while Redis is down', () => {
  it('takes rows once Redis comes up', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const sandbox = await testSandbox({ limits: false, latencyMs: 5 });
    const prefix = uniquePrefix();
    const worker = spawnWorker(workerEnv(url, prefix, sandbox.url), [
      ...FAST_WORKER_FLAGS,
      '--concurrency',
      '4',
      '--no-rate-limit',
    ]);
    let redisServer: PrivateRedis | undefined;
    let redis: Redis | undefined;
    try {
      await worker.waitForLine(/Cannot reach Redis at .* yet; waiting for it/);
      // Long enough for every connection the worker made to be refused at least once.
      await new Promise((r) => setTimeout(r, 1000));
      redisServer = await startPrivateRedis({ port });
      redis = new Redis(redisServer.url);
      await worker.waitForLine(/processing lead-import/);
      const ledger = new ImportLedger(redis, prefix);
      await enqueueImport(redis, prefix, 'imp-late', jobsFor('imp-late', sharedContactRows(20, 4, 10)));
      const outcome = await finished(ledger, 'imp-late', 30_000).catch((err: Error) => err);
      const log = worker.lines.filter((l) => !/Created lead/.test(l)).join('\n');
      expect(outcome, log).not.toBeInstanceOf(Error);
      expect(sandbox.export().leads, log).toHaveLength(20);
      expect(worker.lines.filter((l) => /Worker stopped with an error/.test(l))).toEqual([]);
    } finally {
      await worker.stop();
      redis?.disconnect();
      await redisServer?.stop();
    }
  }, 90_000);
});
