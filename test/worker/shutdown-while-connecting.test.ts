/**
 * A worker still waiting for Redis at start (a wrong password, Redis not up yet) has taken no row: SIGTERM must end
 * it promptly with exit 0, as it ends a worker waiting for Pipedrive. It once logged "SIGTERM received" and then
 * ran on: with a wrong password every shutdown step failed at once (WRONGPASS), nothing dropped the clients, and
 * their reconnect timers kept the process alive until a second SIGTERM; with Redis unreachable it sat out the
 * whole 30-s drain timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';
import { uniquePrefix } from '../helpers/redis.js';
import { spawnWorker, testSandbox, workerEnv } from './helpers.js';

/** Well under the default 30-s drain timeout, yet generous for a loaded 2-core machine (it takes about 1 s). */
const PROMPTLY_MS = 15_000;

let redisServer: PrivateRedis;
beforeAll(async () => {
  redisServer = await startPrivateRedis({ requirePass: 'S3cret' });
});
afterAll(() => redisServer?.stop());

describe('SIGTERM while the worker waits for Redis at start', () => {
  it.each([
    ['a wrong password', async () => `redis://:WrongPW@127.0.0.1:${redisServer.port}`],
    ['nothing listening', async () => `redis://127.0.0.1:${await freePort()}`],
  ])(
    'ends it within 15 s, well before the 30-s drain timeout, with exit 0: %s',
    async (_what, redisUrl) => {
      const sandbox = await testSandbox({ limits: false });
      // The default drain timeout (30 s): the stop must not wait for it.
      const worker = spawnWorker(workerEnv(await redisUrl(), uniquePrefix('conn'), sandbox.url));
      await worker.waitForLine(/Cannot reach Redis at .* yet; waiting for it/);
      const sentAt = Date.now();
      worker.proc.kill('SIGTERM');
      const ended = await Promise.race([
        worker.exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), PROMPTLY_MS)),
      ]);
      const log = worker.lines.filter((l) => !/Worker error|WRONGPASS/.test(l)).join('\n');
      expect(ended, log).toBe(0);
      expect(Date.now() - sentAt).toBeLessThan(PROMPTLY_MS);
      expect(
        worker.lines.some((l) => /before Redis was reached/.test(l)),
        log,
      ).toBe(true);
    },
    60_000,
  );
});
