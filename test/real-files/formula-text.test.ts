/**
 * Excel's formula for text, `="0049…"`, as programs write a phone or a zip code to keep its leading zeros:
 * read as the text inside, written quoted or not, wherever a chunk of the file ends; every other formula
 * is not a value (text as written, or the line refused as before).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openCsv } from '../../src/producer/csv-reader.js';
import { importCsv } from '../../src/producer/index.js';
import { isChunkJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();
const dir = mkdtempSync(join(tmpdir(), 'lpi-formula-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'mapping.yaml'), 'person: { postal_address: { postal_code: Zip } }\n');

const FILE = [
  'Name,Email,Phone,Zip,Notes',
  'Anna Berg,anna@example.com,="00491701234567",="01067",',
  'Bo Li,bo@example.com,"=""00441234567""","=""02138""","a note with ,=""x"", inside"',
  'Cy Ng,cy@example.com,="0049"&"1",,',
  'Dee Ox,dee@example.com,=SUM(A1:A2),="007",',
  '="Eve Fay",eve@example.com,,,',
].join('\r\n');

describe("Excel's formula for text", () => {
  it.each([7, 64 * 1024])('is read as a cell holding the formula, chunks of %i bytes', async (chunkBytes) => {
    const file = join(dir, `chunks-${chunkBytes}.csv`);
    writeFileSync(file, `${FILE}\r\n`);
    const csv = await openCsv(file, { chunkBytes });
    const rows = [];
    for await (const row of csv.rows()) rows.push(row);
    expect(rows.map((r) => [r.line, r.error?.split(';')[0] ?? r.cells])).toEqual([
      [2, ['Anna Berg', 'anna@example.com', '="00491701234567"', '="01067"', '']],
      [3, ['Bo Li', 'bo@example.com', '="00441234567"', '="02138"', 'a note with ,="x", inside']],
      [4, 'has a " inside a value that is not in quotes'],
      [5, ['Dee Ox', 'dee@example.com', '=SUM(A1:A2)', '="007"', '']],
      [6, ['="Eve Fay"', 'eve@example.com', '', '', '']],
    ]);
  });

  it('gives the text inside as the value of phones, zip codes and names; another formula as a phone is refused', async () => {
    const file = join(dir, 'import.csv');
    writeFileSync(file, `${FILE}\r\n`);
    const sandbox = await startSandbox({ port: 0, limits: false });
    try {
      const prefix = uniquePrefix('ftext');
      const config = loadConfig({
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_BASE_URL: sandbox.url,
        PIPEDRIVE_API_TOKEN: sandbox.apiToken,
      });
      const summary = await importCsv({ file, config, redis, mapping: join(dir, 'mapping.yaml') });
      expect(summary).toMatchObject({ rows: 5, enqueued: 3, rejected: 2 });
      expect(summary.firstRejects.map((r) => [r.line, r.column])).toEqual([
        [4, undefined],
        [5, 'Phone'],
      ]);
      expect(summary.firstRejects[1]?.reason).toContain(
        '"=SUM(A1:A2)" is a spreadsheet formula, not a phone number',
      );
      const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
      const rows = (await queue.getJobs(['prioritized'], 0, -1))
        .flatMap((job) => (isChunkJobData(job.data) ? job.data.rows : [job.data]))
        .sort((a, b) => a.line - b.line);
      await queue.close();
      expect(
        rows.map((r) => [r.line, r.person?.name, r.person?.phone, r.person?.postal_address?.postal_code]),
      ).toEqual([
        [2, 'Anna Berg', '00491701234567', '01067'],
        [3, 'Bo Li', '00441234567', '02138'],
        [6, 'Eve Fay', undefined, undefined],
      ]);
      // The job keeps the cells as the file had them (for the report and the dead-letter export).
      expect(rows[0]?.cells[2]).toBe('="00491701234567"');
    } finally {
      await sandbox.close();
    }
  });
});
