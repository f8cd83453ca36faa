import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { pauseAll, resumeAll } from '../../src/ops/control.js';
import { createOpsContext, limitsFromConfig } from '../../src/ops/ops-context.js';
import { KeyLocks } from '../../src/worker/key-lock.js';
import { ProcessingControl } from '../../src/worker/processing-control.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

/**
 * A token that works again lifts the worker's own pause of its queue (`clearAuthBlock`), while an operator may be
 * running `pause` or `resume` at that moment. Whichever way the two interleave, the queue ends as the operator's
 * flag says: the operator's command runs here at the worst moment, right after the worker read that flag.
 */
const redis = testRedis();

afterAll(async () => {
  await redis.quit();
});

async function setUp(label: string) {
  const prefix = uniquePrefix(label);
  const config = loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PIPEDRIVE_API_TOKEN: 'x' });
  const ctx = createOpsContext({ redis, prefix, limits: limitsFromConfig(config) });
  const queue = ctx.leadQueueOf('default');
  /** Runs once, right after the worker's next read of the operator's pause flag. */
  let operator: (() => Promise<unknown>) | undefined;
  const workerRedis = new Proxy(redis, {
    get(target, key) {
      if (key === 'hget') {
        return async (hash: string, field: string) => {
          const value = await target.hget(hash, field);
          if (field === 'paused') {
            const op = operator;
            operator = undefined;
            await op?.();
          }
          return value;
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const control = new ProcessingControl({
    redis: workerRedis,
    prefix,
    queue,
    governor: () => undefined,
    locks: new KeyLocks(redis),
    logger: createLogger({ destination: { write: () => {} } }),
    probe: async () => ({ ok: true, info: {} }),
    onLocalBlock: async () => {},
    budgetProbeIntervalMs: 60_000,
    authProbeIntervalMs: 60_000,
    controlPollMs: 60_000,
  });
  // The worker met a rejected token: it paused the queue itself.
  await control.blockForAuth(new Error('401 Unauthorized'), 'auth');
  expect(await queue.isPaused()).toBe(true);
  return {
    ctx,
    queue,
    control,
    race(op: () => Promise<unknown>) {
      operator = op;
    },
    async close() {
      await control.close();
      await ctx.close();
    },
  };
}

describe('a token that works again, racing an operator', () => {
  it('keeps a pause the operator made right after the worker found none', async () => {
    const t = await setUp('pause-race');
    try {
      t.race(() => pauseAll(t.ctx));
      await t.control.clearAuthBlock();
      expect(await t.queue.isPaused()).toBe(true);
      // And `resume` frees it, as the log line tells the operator.
      await resumeAll(t.ctx);
      expect(await t.queue.isPaused()).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('keeps a resume the operator made right after the worker found the queue paused', async () => {
    const t = await setUp('resume-race');
    try {
      await pauseAll(t.ctx);
      t.race(() => resumeAll(t.ctx));
      await t.control.clearAuthBlock();
      expect(await t.queue.isPaused()).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('resumes the queue when no operator paused it', async () => {
    const t = await setUp('no-race');
    try {
      await t.control.clearAuthBlock();
      expect(await t.queue.isPaused()).toBe(false);
    } finally {
      await t.close();
    }
  });
});
