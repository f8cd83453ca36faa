/**
 * A rejected row's cells are kept in the ledger for `report`, in the Redis every import shares. They are kept whole up
 * to a note's length a cell, and, past a run's allowance, 1,024 characters a cell; `--rejects` writes them whole from
 * the file. (600 rejected rows of one 900,000-character cell each took 550 MB of Redis.)
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { LeadEnqueuer, MAX_KEPT_CELL_CHARS, MAX_SPARE_CELL_CHARS } from '../../src/producer/enqueuer.js';
import { importCsv } from '../../src/producer/import-csv.js';
import type { LeadQueueJobData } from '../../src/queue/job-data.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { leadQueueName, queuePrefix } from '../../src/queue/names.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();
let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, limits: false });
});
afterAll(() => sandbox.close());

describe('the cells of rejected rows kept in Redis', () => {
  it('are cut to a note’s length a cell, saying so, while the --rejects file has them whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-rejcells-'));
    const huge = 'Z'.repeat(200_000);
    const file = join(dir, 'leads.csv');
    writeFileSync(
      file,
      ['Name,Email,Notes', `Ann Lee,not-an-email,${huge}`, 'Bo Chen,bo@x.example.com,ok'].join('\n'),
    );
    const prefix = uniquePrefix('rejcells');
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    });
    const rejectsFile = join(dir, 'rejects.csv');
    const summary = await importCsv({ file, config, redis, rejectsFile });
    expect(summary).toMatchObject({ rows: 2, rejected: 1 });
    const [cells] = await new ImportLedger(redis, prefix).rejectedCells(summary.importId, [2]);
    expect(cells?.slice(0, 2)).toEqual(['Ann Lee', 'not-an-email']);
    expect(cells?.[2]).toBe(
      `${'Z'.repeat(MAX_KEPT_CELL_CHARS)}… [cut: ${200_000 - MAX_KEPT_CELL_CHARS} more characters in the file]`,
    );
    expect(readFileSync(rejectsFile, 'utf8')).toContain(huge);
  });

  it('are kept 1,024 characters a cell once a run has kept its allowance', async () => {
    const prefix = uniquePrefix('rejcells');
    const ledger = new ImportLedger(redis, prefix);
    await ledger.createImport({
      importId: 'imp-1',
      fileName: 'leads.csv',
      fileSize: 0,
      fileHash: 'h',
      mapping: null,
      header: ['Title', 'Notes'],
      createdAt: Date.now(),
    });
    const queue = new Queue<LeadQueueJobData>(leadQueueName('default'), {
      connection: redis,
      prefix: queuePrefix(prefix, 'default', false),
    });
    try {
      const enqueuer = new LeadEnqueuer({
        queue,
        ledger,
        importId: 'imp-1',
        metrics: new MetricsRecorder(redis, prefix, 0).connection('default'),
        maxKeptRejectChars: 5000,
      });
      const text = 'y'.repeat(4000);
      for (const line of [2, 3, 4]) await enqueuer.reject(line, { reason: 'no title' }, ['', text]);
      await enqueuer.finish();
      const kept = await ledger.rejectedCells('imp-1', [2, 3, 4]);
      // 4,000 kept, 8,000 kept (the allowance passed with it), then 1,024 a cell.
      expect(kept.map((c) => c?.[1]?.length)).toEqual([4000, 4000, expect.any(Number)]);
      expect(kept[2]?.[1]).toBe(
        `${'y'.repeat(MAX_SPARE_CELL_CHARS)}… [cut: ${4000 - MAX_SPARE_CELL_CHARS} more characters in the file]`,
      );
    } finally {
      await queue.close();
    }
  });
});
