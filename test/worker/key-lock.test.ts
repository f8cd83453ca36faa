import { describe, expect, it } from 'vitest';
import { INTENT_TTL_MS, KeyLocks } from '../../src/worker/key-lock.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

describe('KeyLocks', () => {
  it('gives a key to one holder at a time', async () => {
    const locks = new KeyLocks(redis);
    const key = `${uniquePrefix()}:lock`;
    const first = await locks.tryAcquire(key);
    expect(first).toBeDefined();
    expect(await locks.tryAcquire(key)).toBeUndefined();
    await first?.release();
    expect(await locks.tryAcquire(key)).toBeDefined();
  });

  it('never releases a lock that expired and was taken by someone else', async () => {
    const locks = new KeyLocks(redis);
    const key = `${uniquePrefix()}:lock`;
    const stale = await locks.tryAcquire(key, 20);
    await new Promise((r) => setTimeout(r, 40));
    const fresh = await locks.tryAcquire(key, 10_000);
    expect(fresh).toBeDefined();
    await stale?.release();
    expect(await stale?.extend()).toBe(false);
    expect(await locks.tryAcquire(key)).toBeUndefined();
  });

  it('stops waiting when the holder has done the work meanwhile', async () => {
    const locks = new KeyLocks(redis);
    const key = `${uniquePrefix()}:lock`;
    await locks.tryAcquire(key);
    let polls = 0;
    const result = await locks.acquire<number>(key, { poll: async () => (++polls >= 2 ? 42 : undefined) });
    expect(result).toEqual({ found: 42 });
  });

  it('takes the lock as soon as its holder lets go', async () => {
    const locks = new KeyLocks(redis);
    const key = `${uniquePrefix()}:lock`;
    const held = await locks.tryAcquire(key);
    const waiting = locks.acquire(key, { waitMs: 5_000 });
    setTimeout(() => void held?.release(), 50);
    expect('lock' in (await waiting)).toBe(true);
  });

  it('keeps an intent after its holder stops, and gives it to whoever takes the lock once the holder stopped extending it', async () => {
    const locks = new KeyLocks(redis);
    const key = `${uniquePrefix()}:lock`;
    const killed = await locks.tryAcquire(key, 1_000);
    expect(await killed?.markIntent(1_234)).toEqual({ marked: true });
    // Its holder alive (the key extended a moment ago): nobody takes it, the intent does not make it free.
    expect(await locks.tryAcquire(key)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1_100));
    // The holder died without a release: the lock is over, the intent is not.
    expect(await redis.pttl(key)).toBeGreaterThan(INTENT_TTL_MS - 1_000);
    const next = await locks.tryAcquire(key, 10_000);
    expect(next?.intentAt).toBe(1_234);
    expect(await locks.tryAcquire(key)).toBeUndefined();
    // Its own release keeps the intent too; the release after the outcome is written drops it.
    await next?.release();
    const third = await locks.acquire(key, { waitMs: 1_000 });
    expect('lock' in third && third.lock.intentAt).toBe(1_234);
    if ('lock' in third) await third.lock.releaseAfter(() => []);
    expect(await redis.exists(key)).toBe(0);
  });

  it('writes no intent for a holder whose lock expired and was taken by someone else, and leaves the new holder alone', async () => {
    const locks = new KeyLocks(redis);
    const key = `${uniquePrefix()}:lock`;
    const frozen = await locks.tryAcquire(key, 20);
    await new Promise((r) => setTimeout(r, 40));
    const fresh = await locks.tryAcquire(key, 10_000);
    expect(await fresh?.markIntent(5_000)).toEqual({ marked: true });
    const value = await redis.get(key);
    expect(await frozen?.markIntent(6_000)).toEqual({ lost: true });
    await frozen?.release();
    await frozen?.releaseAfter(() => []);
    expect(await frozen?.extend()).toBe(false);
    expect(await redis.get(key)).toBe(value);
    expect(await locks.tryAcquire(key)).toBeUndefined();
  });

  it("hands the intent of the version before (its own key) to the intent's write, which then writes nothing", async () => {
    const locks = new KeyLocks(redis);
    const prefix = uniquePrefix();
    const key = `${prefix}:lock`;
    await redis.set(`${prefix}:intent`, '7777', 'PX', 60_000);
    const lock = await locks.tryAcquire(key);
    expect(await lock?.markIntent(8_000, `${prefix}:intent`)).toEqual({ olderIntentAt: 7777 });
    expect(await lock?.markIntent(7_777)).toEqual({ marked: true });
    expect(await redis.pttl(key)).toBeGreaterThan(INTENT_TTL_MS);
  });

  it('is never taken by the version before (SET NX) while the key holds an intent, held or left', async () => {
    const locks = new KeyLocks(redis);
    const key = `${uniquePrefix()}:lock`;
    const lock = await locks.tryAcquire(key, 50);
    await lock?.markIntent(1_000);
    expect(await redis.set(key, 'older', 'PX', 30_000, 'NX')).toBeNull();
    await lock?.release();
    expect(await redis.set(key, 'older', 'PX', 30_000, 'NX')).toBeNull();
  });

  it('looks at a live holder of an intent with a script only once it may have stopped, not at every poll', async () => {
    const locks = new KeyLocks(redis);
    const key = `${uniquePrefix()}:lock`;
    const held = await locks.tryAcquire(key, 10_000);
    await held?.markIntent(1_000);
    // Counts the take-over scripts this client runs.
    let takeOvers = 0;
    const client = redis as unknown as { keyLockTakeOver: (...args: unknown[]) => Promise<number> };
    const takeOver = client.keyLockTakeOver;
    client.keyLockTakeOver = (...args) => {
      takeOvers++;
      return takeOver.apply(redis, args);
    };
    let tries = 0;
    try {
      const waited = await locks.acquire(key, { waitMs: 600, poll: async () => void tries++ });
      expect(waited).toEqual({ timedOut: true });
    } finally {
      client.keyLockTakeOver = takeOver;
    }
    expect(tries).toBeGreaterThan(3);
    expect(takeOvers).toBe(1);
  });
});
