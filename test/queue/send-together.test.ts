import type { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startPrivateRedis } from '../../src/dev/private-redis.js';
import { batchWritesPerTick, sendTogether } from '../../src/queue/send-together.js';
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

type Socket = Writable & Required<Pick<Writable, '_write' | '_writev'>>;
const socketOf = (client: Redis) => (client as unknown as { stream: Socket }).stream;

describe('batchWritesPerTick', () => {
  const prefix = uniquePrefix('perTick');
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  });

  it("writes a turn's commands in one system call, in the order given, and the next turn's apart", async () => {
    const client = batchWritesPerTick(new Redis(testRedisUrl(), { maxRetriesPerRequest: null }));
    try {
      await client.ping();
      const socket = socketOf(client);
      const write = vi.spyOn(socket, '_write');
      const writev = vi.spyOn(socket, '_writev');
      // Plain commands from separate call sites, one of them a MULTI/EXEC: one write for all of them.
      const replies = Promise.all([
        client.set(`${prefix}:k`, 'a'),
        client.append(`${prefix}:k`, 'b'),
        client.multi().append(`${prefix}:k`, 'c').incr(`${prefix}:n`).exec(),
        client.get(`${prefix}:k`),
      ]);
      expect(writev).not.toHaveBeenCalled(); // nothing leaves before the turn ends
      expect(await replies).toEqual([
        'OK',
        2,
        [
          [null, 3],
          [null, 1],
        ],
        'abc',
      ]);
      expect(writev).toHaveBeenCalledTimes(1);
      expect(write).not.toHaveBeenCalled();
      // A command of a later turn is not held for anything: it leaves on its own (one chunk, `_write`).
      expect(await client.get(`${prefix}:k`)).toBe('abc');
      expect(write).toHaveBeenCalledTimes(1);
      expect(writev).toHaveBeenCalledTimes(1);
    } finally {
      client.disconnect();
    }
  });

  it('loses, repeats and reorders nothing when Redis dies with a turn still corked', async () => {
    let server = await startPrivateRedis();
    const port = server.port;
    const client = batchWritesPerTick(
      new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 }),
    );
    try {
      await client.ping();
      // Issued in one turn; Redis is killed before the turn ends, so the batch meets a dead server.
      const counts = Array.from({ length: 5 }, () => client.incr(`${prefix}:count`));
      const pushed = client.rpush(`${prefix}:order`, 'a', 'b');
      server.process.kill('SIGKILL');
      await new Promise((resolve) => server.process.once('exit', resolve));
      server = await startPrivateRedis({ port });
      // Re-sent on the new connection in their order: each counted once (the restarted Redis starts empty).
      expect(await Promise.all(counts)).toEqual([1, 2, 3, 4, 5]);
      expect(await pushed).toBe(2);
      expect(await client.rpush(`${prefix}:order`, 'c')).toBe(3);
      expect(await client.lrange(`${prefix}:order`, 0, -1)).toEqual(['a', 'b', 'c']);
      expect(await client.get(`${prefix}:count`)).toBe('5');
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
