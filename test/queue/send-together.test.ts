import type { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sendTogether } from '../../src/queue/send-together.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

describe('sendTogether', () => {
  const prefix = uniquePrefix('together');
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  });

  it('answers in order, and writes every command in one system call (as a pipeline, without one)', async () => {
    await redis.hset(`${prefix}:h`, 'a', '1');
    await redis.set(`${prefix}:s`, 'x');
    // Node's hooks for one write and for several written together (one system call each).
    const socket = (redis as unknown as { stream: Writable & Required<Pick<Writable, '_write' | '_writev'>> })
      .stream;
    const write = vi.spyOn(socket, '_write');
    const writev = vi.spyOn(socket, '_writev');
    const pipeline = vi.spyOn(redis, 'pipeline');
    try {
      const replies = await sendTogether(redis, (r) => [
        r.hget(`${prefix}:h`, 'a'),
        r.get(`${prefix}:s`),
        r.hget(`${prefix}:h`, 'missing'),
        r.exists(`${prefix}:h`),
      ]);
      expect(replies).toEqual(['1', 'x', null, 1]);
      expect(writev).toHaveBeenCalledTimes(1);
      expect(write).not.toHaveBeenCalled();
      expect(pipeline).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
      writev.mockRestore();
      pipeline.mockRestore();
    }
  });

  it("rejects with the first failed command's error once all have answered", async () => {
    await redis.set(`${prefix}:str`, 'x');
    let secondDone = false;
    await expect(
      sendTogether(redis, (r) => [
        r.hget(`${prefix}:str`, 'a'),
        r.set(`${prefix}:after`, '1').then((ok) => {
          secondDone = true;
          return ok;
        }),
      ]),
    ).rejects.toThrow(/WRONGTYPE/);
    expect(secondDone).toBe(true);
    expect(await redis.get(`${prefix}:after`)).toBe('1');
  });

  it('works on a client that is not connected yet (its commands wait for the connection)', async () => {
    const lazy = new Redis(testRedisUrl(), { lazyConnect: true });
    try {
      await redis.set(`${prefix}:lazy`, 'y');
      const replies = await sendTogether(lazy, (r) => [r.get(`${prefix}:lazy`), r.get(`${prefix}:none`)]);
      expect(replies).toEqual(['y', null]);
    } finally {
      lazy.disconnect();
    }
  });
});
