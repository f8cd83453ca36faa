import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startPrivateRedis } from '../../src/dev/private-redis.js';
import { FSYNC_WAIT_MS, WriteSettle, type WriteSettleOptions } from '../../src/producer/write-settle.js';
import { createRedis } from '../../src/queue/connection.js';
import { uniquePrefix } from '../helpers/redis.js';
import { restartableRedis } from '../helpers/restartable-redis.js';

/**
 * A settle begun on a command connection, as the CLI's (it stops reconnecting after about a second), with `url` to
 * open another.
 */
async function commandSettle(url: string, options: Partial<WriteSettleOptions>) {
  const command = createRedis(url, 'command');
  command.on('error', () => {});
  await command.connect();
  onTestFinished(() => command.disconnect());
  const settle = await WriteSettle.begin({
    redis: command,
    prefix: uniquePrefix('ws'),
    connection: 'default',
    url,
    ...options,
  });
  return { command, settle };
}

describe('WriteSettle', () => {
  it('waits out the fsync interval of an everysec AOF, and not at all without AOF', async () => {
    const withAof = await restartableRedis();
    const settle = await WriteSettle.begin({
      redis: withAof.client,
      prefix: uniquePrefix('ws'),
      connection: 'default',
    });
    const at = Date.now();
    expect(await settle.settle()).toEqual({ restarted: false });
    expect(Date.now() - at).toBeGreaterThanOrEqual(FSYNC_WAIT_MS - 50);

    const plain = await startPrivateRedis();
    const client = new Redis(plain.url);
    onTestFinished(async () => {
      client.disconnect();
      await plain.stop();
    });
    const quick = await WriteSettle.begin({
      redis: client,
      prefix: uniquePrefix('ws'),
      connection: 'default',
    });
    const before = Date.now();
    expect(await quick.settle()).toEqual({ restarted: false });
    // No AOF: nothing on disk to wait for (ratio to the fsync wait, not a wall-clock limit: this machine is shared).
    expect(Date.now() - before).toBeLessThan(FSYNC_WAIT_MS / 2);
  }, 30_000);

  it('waits out the fsync interval when an ACL refuses the questions that would tell it what Redis does', async () => {
    const withAof = await restartableRedis();
    await withAof.client.call(
      'ACL',
      'SETUSER',
      'importer',
      'on',
      '>pw',
      '~*',
      '&*',
      '+@all',
      '-command',
      '-config',
    );
    const limited = new Redis(withAof.url, { username: 'importer', password: 'pw' });
    onTestFinished(() => limited.disconnect());
    await expect(limited.call('COMMAND', 'INFO', 'waitaof')).rejects.toThrow(/NOPERM/);
    const settle = await WriteSettle.begin({
      redis: limited,
      prefix: uniquePrefix('ws'),
      connection: 'default',
    });
    const at = Date.now();
    expect(await settle.settle()).toEqual({ restarted: false });
    expect(Date.now() - at).toBeGreaterThanOrEqual(FSYNC_WAIT_MS - 50);
  }, 30_000);

  it('tells a restarted server from the one the import began on, through a new connection when the old one gave up', async () => {
    const server = await restartableRedis();
    const { command, settle } = await commandSettle(server.url, { fsyncWaitMs: 0 });
    // Down long enough for the command connection to give up (3 reconnects over 1.2 s).
    await server.restart(2_000);
    expect(command.status).toBe('end');
    const result = await settle.settle();
    expect(result).toMatchObject({ restarted: true });
    if (result.restarted) expect(result.to).not.toBe(result.from);
  }, 30_000);

  it('fails with what to do when Redis does not come back', async () => {
    const plain = await startPrivateRedis();
    const { settle } = await commandSettle(plain.url, { reachTimeoutMs: 1_500 });
    await plain.stop();
    await expect(settle.settle()).rejects.toThrow(
      /Redis stopped answering.*Run the same import command again/,
    );
  }, 30_000);
});
