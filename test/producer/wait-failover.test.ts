import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { uniquePrefix } from '../helpers/redis.js';
import { restartableRedis } from '../helpers/restartable-redis.js';
import { runCli } from '../ops/run-cli.js';
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
    const waiting = runCli(['import', fixture('quoted.csv'), '--import-id', 'ride', '--wait', '--json'], {
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    });
    // Enqueued, and no worker yet: the command is following it.
    const ledger = new ImportLedger(redis.client, prefix);
    await eventually(async () => ((await ledger.getImport('ride'))?.enqueued === 4 ? true : undefined), {
      what: 'the import to be enqueued',
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
      const { code, stdout, stderr } = await waiting;
      expect(stderr).not.toMatch(/unexpected error/);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ created: 4, pending: 0, state: 'completed' });
    } finally {
      await worker.close();
    }
  });
});
