import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, inject } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';

/** The Redis the test run uses: the private one from global setup, or REDIS_URL. */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix of its own for one test or file, so tests never see each other's keys. */
export function uniquePrefix(label = 't'): string {
  return `${label}${randomBytes(4).toString('hex')}`;
}

/** A Redis client closed after the file's tests. */
export function testRedis(): Redis {
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  afterAll(async () => {
    redis.disconnect();
  });
  return redis;
}

/**
 * A redis-server of the calling file's own, started before its tests and stopped after them, for tests that
 * count `INFO commandstats` (no other file's commands reach it): its client, once started.
 */
export function ownRedisServer(): () => Redis {
  let server: PrivateRedis | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    server = await startPrivateRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });
  return () => {
    if (!redis) throw new Error('ownRedisServer: used before its beforeAll hook ran');
    return redis;
  };
}

/** The Redis clock in ms, as the scripts reckon it (`TIME`, microseconds dropped). */
export async function redisClockMs(redis: Redis): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Deletes every key under a prefix (for tests that assert on what a prefix holds). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
