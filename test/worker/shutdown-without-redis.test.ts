import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';
import { uniquePrefix } from '../helpers/redis.js';
import {
  enqueueImport,
  FAST_WORKER_FLAGS,
  jobsFor,
  sharedContactRows,
  spawnWorker,
  testSandbox,
  workerEnv,
} from './helpers.js';

const DRAIN_TIMEOUT_MS = 3_000;
/** Generous: start-up of the signal handler, log flushing, a loaded machine. What matters is that it ends. */
const MARGIN_MS = 20_000;

/** Resolves with the exit code, or with 'still running' once `ms` have passed. */
function exitWithin(exited: Promise<number | null>, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([
    exited,
    new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms)),
  ]);
}

describe('a worker whose Redis is gone', () => {
  it.each([
    ['killed (connections refused)', 'SIGKILL'],
    ['frozen (connections open, no answers)', 'SIGSTOP'],
  ] as const)(
    'exits within the drain timeout on SIGTERM, Redis %s, and says rows could not be handed back',
    async (_what, signal) => {
      const redisServer: PrivateRedis = await startPrivateRedis();
      try {
        const sandbox = await testSandbox({ limits: false, latencyMs: 200 });
        const prefix = uniquePrefix();
        const redis = new Redis(redisServer.url);
        await enqueueImport(redis, prefix, 'imp-gone', jobsFor('imp-gone', sharedContactRows(200, 5, 20)));
        redis.disconnect();
        const flags = FAST_WORKER_FLAGS.map((f, i, all) =>
          all[i - 1] === '--drain-timeout-ms' ? String(DRAIN_TIMEOUT_MS) : f,
        );
        const worker = spawnWorker(workerEnv(redisServer.url, prefix, sandbox.url), [
          ...flags,
          '--concurrency',
          '4',
          '--no-rate-limit',
        ]);
        await worker.waitForLine(/Created lead/);

        redisServer.process.kill(signal);
        worker.proc.kill('SIGTERM');
        const ended = await exitWithin(worker.exited, DRAIN_TIMEOUT_MS + MARGIN_MS);

        expect(ended, worker.lines.filter((l) => !l.includes('Worker error')).join('\n')).not.toBe(
          'still running',
        );
        // Rows were in flight when Redis went: they could not be handed back, and the log says so.
        expect(ended).toBe(1);
        expect(worker.lines.some((l) => /could not be handed back/.test(l))).toBe(true);
      } finally {
        if (signal === 'SIGSTOP') redisServer.process.kill('SIGCONT');
        await redisServer.stop();
      }
    },
    90_000,
  );
});
