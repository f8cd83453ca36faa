import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { findRedisServer, RedisBinaryMissingError, startPrivateRedis } from '../../src/dev/private-redis.js';
import { testRedisUrl } from '../helpers/redis.js';

describe('private redis-server for tests', () => {
  it('gives the run a Redis that answers, on a port of its own unless REDIS_URL is set', async () => {
    const url = testRedisUrl();
    const redis = new Redis(url);
    try {
      expect(await redis.ping()).toBe('PONG');
      if (!process.env.REDIS_URL) expect(new URL(url).port).not.toBe('6379');
    } finally {
      redis.disconnect();
    }
  });

  it('starts a server on a free port and removes its directory when stopped', async () => {
    const server = await startPrivateRedis();
    const redis = new Redis(server.url);
    await redis.set('k', 'v');
    expect(await redis.get('k')).toBe('v');
    redis.disconnect();
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
    expect(server.process.exitCode !== null || server.process.signalCode !== null).toBe(true);
  });

  it('explains how to get redis-server when the binary is missing', () => {
    const previous = process.env.REDIS_SERVER_BIN;
    process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server';
    try {
      expect(() => findRedisServer()).toThrow(RedisBinaryMissingError);
      expect(() => findRedisServer()).toThrow(/apt-get install redis-server/);
    } finally {
      if (previous === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = previous;
    }
    expect(spawnSync('redis-server', ['--version']).status).toBe(0);
  });
});
