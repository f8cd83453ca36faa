import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import {
  enqueueImport,
  eventually,
  FAST_WORKER_FLAGS,
  finished,
  jobsFor,
  spawnWorker,
  testSandbox,
  workerEnv,
} from './helpers.js';

const redis = testRedis();
const subscriber = testRedis();

// Keyspace events for string and generic commands (INCR, SET, PEXPIRE, DEL): what touches the limiter key.
let previousEvents = '';
beforeAll(async () => {
  const [, value] = (await redis.config('GET', 'notify-keyspace-events')) as [string, string];
  previousEvents = value;
  await redis.config('SET', 'notify-keyspace-events', 'K$g');
});
afterAll(async () => {
  await redis.config('SET', 'notify-keyspace-events', previousEvents);
});

describe("the lead queue's hold", () => {
  it('costs a row nothing while no hold is set: BullMQ does not count fetched jobs in the limiter key', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix();
    const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    const limiterKey = queue.keys.limiter!;
    const touched: string[] = [];
    await subscriber.psubscribe(`__keyspace@*__:${limiterKey}`);
    subscriber.on('pmessage', (_pattern, channel, event) => {
      if (channel.endsWith(`:${limiterKey}`)) touched.push(event);
    });
    try {
      const rows = Array.from({ length: 12 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 3}` }));
      await enqueueImport(redis, prefix, 'imp-nohold', jobsFor('imp-nohold', rows));
      const worker = spawnWorker(workerEnv(testRedisUrl(), prefix, sandbox.url), [
        ...FAST_WORKER_FLAGS,
        '--no-rate-limit',
        '--concurrency',
        '4',
      ]);
      const record = await finished(new ImportLedger(redis, prefix), 'imp-nohold');
      await worker.stop();

      expect(record).toMatchObject({ created: 12, deadLettered: 0 });
      // Main's workers set a `limiter`: an INCR per job fetched (and a PEXPIRE a second) on this key.
      expect(touched).toEqual([]);
      expect(await redis.hmget(queue.keys.meta!, 'max', 'duration')).toEqual([null, null]);
    } finally {
      await subscriber.punsubscribe();
      await queue.close();
    }
  }, 60_000);

  it('a hold set before the worker starts (queue.rateLimit) keeps it from taking any row until the hold ends', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    try {
      const rows = Array.from({ length: 8 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 3}` }));
      await enqueueImport(redis, prefix, 'imp-hold', jobsFor('imp-hold', rows));
      // BullMQ's own hold, as an operator script or an older worker's 429 pause writes it.
      await queue.rateLimit(8000);
      const worker = spawnWorker(workerEnv(testRedisUrl(), prefix, sandbox.url), [
        ...FAST_WORKER_FLAGS,
        '--no-rate-limit',
      ]);
      await worker.waitForLine(/processing lead-import/);

      // While the hold lasts, no row is taken: counts read before the hold is seen still set were read during it.
      let samples = 0;
      for (;;) {
        const counts = await queue.getJobCounts('active', 'completed', 'prioritized', 'wait');
        const created = (await ledger.getImport('imp-hold'))!.created;
        // The hold is BullMQ's MAX_SAFE_INTEGER; once it expires the key may count fetched jobs for a second.
        if (Number(await redis.get(queue.keys.limiter!)) !== Number.MAX_SAFE_INTEGER) break;
        samples++;
        expect(counts.active).toBe(0);
        expect(created).toBe(0);
        expect((counts.prioritized ?? 0) + (counts.wait ?? 0)).toBe(8);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(samples).toBeGreaterThan(0);

      const record = await finished(ledger, 'imp-hold');
      expect(record).toMatchObject({ created: 8, deadLettered: 0 });
      // The hold's global limit goes with it (the next control poll), so rows stop paying for it.
      await eventually(async () => (await redis.hexists(queue.keys.meta!, 'max')) === 0, {
        what: 'the global rate limit to be removed',
      });
      await worker.stop();
    } finally {
      await queue.close();
    }
  }, 60_000);
});
