import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import {
  createLeadWorker,
  ImportFollowLostError,
  ImportLedger,
  importCsv,
  loadConfig,
  PipedriveClient,
  startSandbox,
  waitForImport,
} from '../../src/index.js';
import { ImportFollowLostError as WaitsImportFollowLostError } from '../../src/producer/wait.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

describe('the programmatic API (import from "pipedrive-lead-importer")', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('embeds sandbox, producer, worker and client in one service', async () => {
    const sandbox = await startSandbox({ limits: false });
    cleanups.push(() => sandbox.close());
    const prefix = uniquePrefix();
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    });
    const file = join(mkdtempSync(join(tmpdir(), 'api-')), 'leads.csv');
    writeFileSync(
      file,
      'Name,Email,Company,Title\nAda Lovelace,ada@example.com,Analytical Engines,Engine deal\nGrace Hopper,grace@example.com,Navy,Compiler deal\n',
    );

    const worker = createLeadWorker({
      redisUrl: config.redisUrl,
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
      rateLimit: false,
    });
    cleanups.push(() => worker.close());
    await worker.ready;

    const summary = await importCsv({ file, config, redis });
    expect(summary).toMatchObject({ rows: 2, enqueued: 2, rejected: 0 });
    const record = await waitForImport(new ImportLedger(redis, prefix), summary.importId, {
      intervalMs: 100,
    });
    expect(record).toMatchObject({ created: 2, pending: 0 });

    const client = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken });
    const leads = await client.listLeads();
    expect(leads.items.map((l) => l.title).sort()).toEqual(['Compiler deal', 'Engine deal']);
    // Each names the import and its row's line.
    expect(leads.items.map((l) => l.origin_id).sort()).toEqual([
      `${summary.importId}:2`,
      `${summary.importId}:3`,
    ]);
  });

  it('exports the error waitForImport throws when Redis stays away, so embedders can catch it by class', () => {
    expect(api.ImportFollowLostError).toBe(WaitsImportFollowLostError);
    const lost = new ImportFollowLostError('imp-1', 31_000, new Error('ECONNREFUSED'));
    expect(lost).toBeInstanceOf(Error);
    expect(lost).toMatchObject({ name: 'ImportFollowLostError', importId: 'imp-1', outageMs: 31_000 });
  });
});
