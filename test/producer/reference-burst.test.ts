import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { importCsv } from '../../src/producer/index.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();
let sandbox: RunningSandbox;
beforeAll(async () => {
  // Lite: 20 requests per rolling 2 s for an API token.
  sandbox = await startSandbox({ port: 0, plan: 'lite' });
});
afterAll(async () => {
  await sandbox.close();
});

describe("the producer's reference reads beside busy workers", () => {
  it('wait out the burst 429s of a token whose window the workers fill, and the import goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-ref-burst-'));
    const file = join(dir, 'leads.csv');
    writeFileSync(file, 'Title,Organization,Value,Currency\nOne,Org 1,100,EUR\nTwo,Org 2,200,EUR\n');
    const prefix = uniquePrefix('refburst');
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
      PIPEDRIVE_PLAN: 'lite',
    });
    // As workers at full speed leave it: the token's whole window used a moment ago.
    const busy = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken });
    const filled = await Promise.allSettled(Array.from({ length: 20 }, () => busy.getLeadSources()));
    expect(filled.filter((r) => r.status === 'rejected')).toEqual([]);
    const limitedBefore = sandbox.state().rateLimited;

    const summary = await importCsv({ file, config, redis });
    expect(sandbox.state().rateLimited).toBeGreaterThan(limitedBefore);
    expect(summary).toMatchObject({ enqueued: 2, rejected: 0 });
  }, 60_000);
});
