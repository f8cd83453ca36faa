import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { neutraliseCell } from '../../src/csv/csv-writer.js';
import { stripProtectiveQuote } from '../../src/csv/protective-quote.js';
import { importCsv } from '../../src/producer/import-csv.js';
import { isChunkJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

describe('stripProtectiveQuote', () => {
  it.each([
    ["'+49 30 1234567", '+49 30 1234567'],
    ["'-100", '-100'],
    ["'=1+1", '=1+1'],
    ["'@handle", '@handle'],
    ["'0049 30 1234567", '0049 30 1234567'],
    ["'1.234,50", '1.234,50'],
    ["'2026-03-01", '2026-03-01'],
    // What this tool's writer protects, it takes back: whitespace before a formula, full-width signs, tab.
    ["' =1+1", ' =1+1'],
    ["'\u00a0@x", '\u00a0@x'],
    ["'＝1+1", '＝1+1'],
    ["'\tcmd", '\tcmd'],
  ])('strips the protective quote of %j', (cell, value) => {
    expect(stripProtectiveQuote(cell)).toBe(value);
  });

  it.each([
    "'t Hooft",
    "'s-Hertogenbosch",
    // A leading apostrophe before a digit in words is the text itself (an abbreviated year).
    "'90s Retro Ltd",
    "'49ers Supply",
    "'",
    // A quote before a quote protects nothing: the text is what the file says.
    "''+49",
    'plain',
    "O'Brien",
    '+49 30 1234567',
  ])('keeps %j as it is', (cell) => {
    expect(stripProtectiveQuote(cell)).toBe(cell);
  });

  it('gives back every value this tool wrote, whatever it was', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({
            unit: fc.constantFrom(
              '=',
              '+',
              '-',
              '@',
              ' ',
              '\t',
              '\r',
              '\n',
              '\u00a0',
              '\ufeff',
              '＝',
              '＋',
              '1',
              'a',
              "'",
            ),
          }),
        ),
        (value) => {
          fc.pre(!value.startsWith("'"));
          expect(stripProtectiveQuote(neutraliseCell(value))).toBe(value);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('importing cells with a protective quote', () => {
  const redis = testRedis();
  let sandbox: RunningSandbox;
  const scratch = mkdtempSync(join(tmpdir(), 'lpi-quote-'));
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("reads '+49 30 … as a phone number and '1200.50 as an amount, keeping the file's cells for the report", async () => {
    const prefix = uniquePrefix('quote');
    const file = join(scratch, 'apollo-export.csv');
    writeFileSync(
      file,
      [
        'Name,Email,Phone,Company,Deal Value,Currency',
        "Ada Lovelace,ada@example.org,'+49 30 1234567,Analytical Engines,'1200.50,EUR",
        "Grace Hopper,grace@example.org,'0049 40 7654321,US Navy,'-100,EUR",
        '',
      ].join('\r\n'),
    );
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    });
    const summary = await importCsv({ file, config, redis });
    expect(summary).toMatchObject({ rows: 2, enqueued: 1, rejected: 1 });
    // The amount is read as a number: refused for being negative, not for being unreadable.
    expect(summary.firstRejects).toEqual([
      expect.objectContaining({
        line: 3,
        column: 'Deal Value',
        reason: expect.stringMatching(/^"-100" is negative/),
      }),
    ]);

    const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
    try {
      // The one valid row, in a chunk of one (10 rows per job by default).
      const [job, ...more] = await queue.getJobs(['prioritized'], 0, -1);
      expect(more).toEqual([]);
      const rows = job && isChunkJobData(job.data) ? job.data.rows : [];
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(row?.person).toMatchObject({ name: 'Ada Lovelace', phone: '+49 30 1234567' });
      expect(row?.lead.value).toEqual({ amount: 1200.5, currency: 'EUR' });
      // The cells stay as the file had them: the report and the DLQ export show what was read.
      expect(row?.cells).toContain("'+49 30 1234567");
    } finally {
      await queue.close();
    }
    const [cells] = await new ImportLedger(redis, prefix).rejectedCells(summary.importId, [3]);
    expect(cells).toContain("'-100");
  });
});
