import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectRedis, createRedis, redactRedisUrl } from '../../src/queue/connection.js';

const SECRET = 's3cr3t-redis-pa55';

describe('redactRedisUrl', () => {
  it.each([
    [`redis://:${SECRET}@redis.internal:6379`, 'redis://:***@redis.internal:6379'],
    [`redis://app:${SECRET}@redis.internal:6379/2`, 'redis://app:***@redis.internal:6379/2'],
    // ioredis takes every query parameter as an option, so `?password=` authenticates as well as the userinfo.
    [`redis://redis.internal:6379?password=${SECRET}`, 'redis://redis.internal:6379?password=***'],
    [
      `rediss://redis.internal:6380/0?username=app&password=${SECRET}&family=6`,
      'rediss://redis.internal:6380/0?username=app&password=***&family=6',
    ],
    [
      `redis://redis.internal?sentinelPassword=${SECRET}&db=1`,
      'redis://redis.internal?sentinelPassword=***&db=1',
    ],
    [`redis://redis.internal?Password=${SECRET}`, 'redis://redis.internal?Password=***'],
    [`/run/redis.sock?password=${SECRET}`, '/run/redis.sock?password=***'],
    // Sentinel: `new URL()` cannot read a host list, so these are redacted by hand.
    [
      `redis+sentinel://:${SECRET}@10.0.0.1:26379,10.0.0.2:26379/mymaster?db=2&sentinelPassword=${SECRET}`,
      'redis+sentinel://:***@10.0.0.1:26379,10.0.0.2:26379/mymaster?db=2&sentinelPassword=***',
    ],
    [
      `redis+sentinel://app:${SECRET}@[::1]:26379/mymaster/1`,
      'redis+sentinel://app:***@[::1]:26379/mymaster/1',
    ],
    [`REDIS+SENTINEL://a:b@c@s1/m`, 'REDIS+SENTINEL://a:***@s1/m'],
    ['redis+sentinel://s1:26379,s2/mymaster', 'redis+sentinel://s1:26379,s2/mymaster'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
  ])('%s → %s', (url, shown) => {
    expect(redactRedisUrl(url)).toBe(shown);
  });

  it('keeps the password out of the "cannot reach Redis" error', async () => {
    // A port that accepts nothing: take a free one and close it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const url = `redis://127.0.0.1:${port}/0?password=${SECRET}`;

    const client = createRedis(url, 'command');
    client.on('error', () => {}); // connectRedis reports the failure; ioredis would also print it
    const err = await connectRedis(client, url).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    expect(err?.message).toContain(`Cannot reach Redis at redis://127.0.0.1:${port}/0?password=***`);
    expect(err?.message).not.toContain(SECRET);
  });
});
