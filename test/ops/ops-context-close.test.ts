import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startPrivateRedis } from '../../src/dev/private-redis.js';
import { createOpsContext } from '../../src/ops/ops-context.js';
import { uniquePrefix } from '../helpers/redis.js';

const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);

afterEach(() => {
  process.off('unhandledRejection', record);
});

describe('a command context', () => {
  it('closed while its queues are still starting leaves no rejection unhandled when Redis then goes', async () => {
    process.on('unhandledRejection', record);
    const server = await startPrivateRedis();
    try {
      const redis = new Redis(server.url);
      await once(redis, 'ready');
      // Redis does not answer yet: the queues' start (BullMQ asks the server's version) is still waiting when a
      // command that never used them (status, report) ends and drops its connection.
      server.process.kill('SIGSTOP');
      const ctx = createOpsContext({
        redis,
        prefix: uniquePrefix('ctx'),
        limits: { burstPer2s: 80, dailyTokens: 30_000 },
        ownsRedis: true,
      });
      // What it did took a moment: long enough for a queue's start to have asked Redis.
      await new Promise((r) => setTimeout(r, 100));
      await ctx.close();
      // The dropped connection closes for good (Redis gone), failing what was still waiting on it.
      server.process.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      expect(unhandled.map(String)).toEqual([]);
    } finally {
      server.process.kill('SIGCONT');
      await server.stop();
    }
  });
});
