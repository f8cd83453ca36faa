import { describe, expect, it } from 'vitest';
import { KeyLocks } from '../../src/worker/key-lock.js';
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
});
