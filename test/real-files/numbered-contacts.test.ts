/**
 * `Phone 1 Type` / `Phone 1 Value` (Google's names, with or without the ` - `) in a file not recognised as
 * Google's: the value is the person's phone, the type its label, as in a Google Contacts export. (With
 * `E-mail 1 - Value` beside them the file is read as Google's, and these were read so already.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { importCsv } from '../../src/producer/index.js';
import { isChunkJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();
const dir = mkdtempSync(join(tmpdir(), 'lpi-numbered-'));
let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, limits: false });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

async function enqueued(name: string, lines: string[]) {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const prefix = uniquePrefix('numbered');
  const config = loadConfig({
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    PIPEDRIVE_BASE_URL: sandbox.url,
    PIPEDRIVE_API_TOKEN: sandbox.apiToken,
  });
  const summary = await importCsv({ file, config, redis });
  const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
  const rows = (await queue.getJobs(['prioritized'], 0, -1))
    .flatMap((job) => (isChunkJobData(job.data) ? job.data.rows : [job.data]))
    .sort((a, b) => a.line - b.line);
  await queue.close();
  return { summary, rows };
}

describe('numbered contact columns in any file', () => {
  it.each([
    // Too few of Google's headers for the file to be read as Google's (a phone column is not enough).
    ['without the dash', 'Name,Company,Email,Phone 1 Type,Phone 1 Value,Phone 2 Type,Phone 2 Value'],
    ['with the dash', 'Name,Company,Email,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value'],
  ])('%s: the value is the phone, the type its label', async (what, header) => {
    const { summary, rows } = await enqueued(`${what}.csv`, [
      header,
      'Anna Berg,Acme AB,anna@example.com,Mobile,+46 70 555 01 01,Home,+46 8 555 010 10',
    ]);
    expect(summary.firstRejects).toEqual([]);
    expect(summary).toMatchObject({ rows: 1, enqueued: 1, rejected: 0 });
    expect(summary.mapping.notImported.map((c) => c.column).sort()).toEqual(
      header
        .split(',')
        .filter((h) => /Type$/.test(h))
        .sort(),
    );
    expect(summary.mapping).not.toHaveProperty('system');
    expect(rows[0]?.person).toMatchObject({
      name: 'Anna Berg',
      email: 'anna@example.com',
      phone: '+46 70 555 01 01',
      phones: [
        { value: '+46 70 555 01 01', label: 'mobile' },
        { value: '+46 8 555 010 10', label: 'home' },
      ],
    });
  });
});
