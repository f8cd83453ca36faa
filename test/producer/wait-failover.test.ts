import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { uniquePrefix } from '../helpers/redis.js';
import { restartableRedis } from '../helpers/restartable-redis.js';
import { capturedIo } from '../ops/run-cli.js';
import { eventually } from '../worker/helpers.js';

const fixture = (name: string) => new URL(`../fixtures/csv/${name}`, import.meta.url).pathname;
let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

describe('import --wait', () => {
  it('rides through a Redis restart mid-wait (longer than a command client retries) and exits 0 once the import completes', async () => {
    const redis = await restartableRedis();
    const prefix = uniquePrefix('wait-restart');
    const c = capturedIo({
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    });
    const waiting = main(['import', fixture('quoted.csv'), '--import-id', 'ride', '--wait'], c.io);
    // Enqueued, and no worker yet: the command says it is following the import. (Before it says so it is still
    // writing the import, which a lost Redis stops with exit 2 and the advice to run it again: not this case.)
    await eventually(async () => c.out().includes('Ctrl-C stops waiting'), {
      what: 'the command to be waiting',
    });
    // Away for 3 s: a command client gives up after a few tries in about 1 s.
    await redis.restart(3_000);
    const worker = createLeadWorker({
      redisUrl: redis.url,
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
      rateLimit: false,
      concurrency: 4,
    });
    try {
      const code = await waiting;
      expect(c.err()).not.toMatch(/unexpected error/);
      expect(code, c.err()).toBe(0);
      expect(c.out()).toMatch(
        /rows 4 = created 4 \+ rejected 0 \+ dead-lettered 0 \+ cancelled 0 \+ pending 0/,
      );
      expect(c.out()).toMatch(/completed/);
    } finally {
      await worker.close();
    }
  });

  it('rides through Redis being down when it starts following, and exits 0 once the import completes', async () => {
    const redis = await restartableRedis();
    const prefix = uniquePrefix('wait-down');
    const c = capturedIo({
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    });
    // Down as the command says it waits, before its follower connects: the rows are enqueued, Redis goes away.
    let killed: Promise<void> | undefined;
    c.io.stdout.on('data', () => {
      if (!killed && c.out().includes('Ctrl-C stops waiting')) killed = redis.kill();
    });
    const waiting = main(['import', fixture('quoted.csv'), '--import-id', 'down', '--wait'], c.io);
    await eventually(async () => killed !== undefined, { what: 'the command to be waiting' });
    await killed;
    await new Promise((r) => setTimeout(r, 2_000));
    await redis.start();
    const worker = createLeadWorker({
      redisUrl: redis.url,
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
      rateLimit: false,
      concurrency: 4,
    });
    try {
      const code = await waiting;
      expect(code, c.err()).toBe(0);
      expect(c.out()).toMatch(
        /rows 4 = created 4 \+ rejected 0 \+ dead-lettered 0 \+ cancelled 0 \+ pending 0/,
      );
    } finally {
      await worker.close();
    }
  });
});
