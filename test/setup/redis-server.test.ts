import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('a private redis-server that fails to start', () => {
  /**
   * A stand-in for redis-server that answers `--version` like one, records its pid and the
   * `--dir` it was given, then either never becomes ready or exits at once.
   */
  const homes: string[] = [];
  afterAll(() => {
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  function fakeRedisServer(behaviour: 'hang' | 'exit'): { bin: string; record: string } {
    const home = mkdtempSync(join(tmpdir(), 'lpi-fake-redis-'));
    homes.push(home);
    const record = join(home, 'record');
    const bin = join(home, 'redis-server');
    writeFileSync(
      bin,
      [
        '#!/bin/sh',
        'if [ "$1" = "--version" ]; then echo "Redis server v=7.0.0"; exit 0; fi',
        'while [ "$#" -gt 0 ]; do if [ "$1" = "--dir" ]; then dir="$2"; fi; shift; done',
        `echo "$$ $dir" > '${record}'`,
        behaviour === 'hang' ? 'exec sleep 600' : 'echo "Address already in use" >&2; exit 1',
        '',
      ].join('\n'),
    );
    chmodSync(bin, 0o755);
    return { bin, record };
  }

  /** Runs `fn` with REDIS_SERVER_BIN pointing at `bin`. */
  async function withBin<T>(bin: string, fn: () => Promise<T>): Promise<T> {
    const previous = process.env.REDIS_SERVER_BIN;
    process.env.REDIS_SERVER_BIN = bin;
    try {
      return await fn();
    } finally {
      if (previous === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = previous;
    }
  }

  const isAlive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('stops the child and removes its directory when it never becomes ready', {
    timeout: 20_000,
  }, async () => {
    const fake = fakeRedisServer('hang');
    await withBin(fake.bin, () =>
      expect(startPrivateRedis({ startTimeoutMs: 1_000 })).rejects.toThrow(/did not start/),
    );
    const [pid, dir] = readFileSync(fake.record, 'utf8').trim().split(' ');
    expect(isAlive(Number(pid))).toBe(false);
    expect(existsSync(dir!)).toBe(false);
  });

  it('removes its directory when the server exits at once', async () => {
    const fake = fakeRedisServer('exit');
    await withBin(fake.bin, () => expect(startPrivateRedis()).rejects.toThrow(/exited with code 1/));
    const [, dir] = readFileSync(fake.record, 'utf8').trim().split(' ');
    expect(existsSync(dir!)).toBe(false);
  });
});
