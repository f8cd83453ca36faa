import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedis, waitForReplicas } from '../../src/queue/connection.js';
import { testRedis } from '../helpers/redis.js';

describe('createRedis', () => {
  it('finds the primary through the sentinels of a redis+sentinel:// URL, with each password where it belongs', () => {
    const client = createRedis(
      'redis+sentinel://app:pw@10.0.0.1:26380,[::1]/mymaster/2?sentinelPassword=sp&sentinelUsername=sent',
      'worker',
    );
    expect(client.options).toMatchObject({
      sentinels: [
        { host: '10.0.0.1', port: 26380 },
        { host: '::1', port: 26379 },
      ],
      name: 'mymaster',
      db: 2,
      username: 'app',
      password: 'pw',
      sentinelUsername: 'sent',
      sentinelPassword: 'sp',
      role: 'master',
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });
    expect(client.status).toBe('wait');
  });

  it('a command gives up after a few tries when no sentinel answers; a worker keeps asking', () => {
    const url = 'redis+sentinel://s1:26379/mymaster';
    const command = createRedis(url, 'command');
    const worker = createRedis(url, 'worker');
    expect(command.options.sentinelRetryStrategy?.(1)).toBe(200);
    expect(command.options.sentinelRetryStrategy?.(4)).toBeNull();
    expect(worker.options.sentinelRetryStrategy?.(1000)).toBeGreaterThan(0);
    // The dashboard reconnects for ever: its retryStrategy carries over to the sentinels.
    const dashboard = createRedis(url, 'command', { retryStrategy: () => 2000 });
    expect(dashboard.options.sentinelRetryStrategy?.(1000)).toBe(2000);
  });

  it('reconnects (and re-sends) on READONLY, which a demoted primary answers to writes', () => {
    const client = createRedis('redis+sentinel://s1/mymaster', 'worker');
    const reconnect = client.options.reconnectOnError as (err: Error) => boolean | 1 | 2;
    expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnect(new Error('ERR wrong number of arguments'))).toBe(false);
  });

  it('leaves a plain URL to ioredis', () => {
    const client = createRedis('redis://:pw@127.0.0.1:6390/4', 'command');
    expect(client.options).toMatchObject({ host: '127.0.0.1', port: 6390, db: 4, password: 'pw' });
    expect(client.options.sentinels).toBeFalsy();
  });
});

describe('waitForReplicas', () => {
  const redis: Redis = testRedis();

  it('answers at once on a Redis without replicas, instead of blocking for its timeout', async () => {
    await redis.set('wait-probe', '1');
    // A WAIT for one replica would block for the whole timeout: longer than this test may run.
    expect(await waitForReplicas(redis, { timeoutMs: 120_000 })).toEqual({
      acknowledged: 0,
      connected: 0,
      durable: false,
    });
  });
});
