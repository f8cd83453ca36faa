/**
 * `import --decimal , | .`: the user says what a lone separator before three digits means (`1.500`), where the
 * file's other amounts (or its dates) would read it the other way, or where nothing in the file tells.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { defaultImportId } from '../../src/producer/import-csv.js';
import { isChunkJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();
// Made in beforeAll: a file whose tests `-t` filters out runs no hook, and would leave a directory made here.
let dir: string | undefined;
let sandbox: RunningSandbox | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lpi-decimal-'));
  csvFile('us-dates.csv', [
    'Name,Email,Company,Close Date,Value,Currency',
    'Ann Lee,ann@example.com,Lee Co,12/31/2026,1.500,EUR',
    'Bob Ray,bob@example.com,Ray Co,1/15/2027,25.000,EUR',
  ]);
  csvFile('nothing-tells.csv', [
    'Name,Email,Company,Value,Currency',
    'Ann Lee,ann@example.com,Lee Co,1.500,EUR',
    'Bob Ray,bob@example.com,Ray Co,2.250,EUR',
  ]);
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A file of the scratch directory, by name (the tests' names are known before the directory exists). */
const fileIn = (name: string) => () => join(dir as string, name);

function csvFile(name: string, lines: string[]): void {
  writeFileSync(fileIn(name)(), `${lines.join('\n')}\n`);
}

async function cli(args: string[], prefix = uniquePrefix('dec')) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await main(['import', ...args], {
    stdout,
    stderr,
    env: {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox?.url ?? '',
      PIPEDRIVE_API_TOKEN: sandbox?.apiToken ?? '',
    },
  });
  return { code, out, err };
}

/** The lead values enqueued under `prefix`, in line order. */
async function enqueuedValues(prefix: string): Promise<(number | undefined)[]> {
  const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
  const rows = (await queue.getJobs(['prioritized'], 0, -1)).flatMap((job) =>
    isChunkJobData(job.data) ? job.data.rows : [job.data],
  );
  return rows.sort((a, b) => a.line - b.line).map((row) => row.lead.value?.amount);
}

// Month-first dates say "US", so the decimal point: 1.500 would be one and a half. Here the amounts are
// thousands written the European way beside US dates (a CRM's export with its own date format).
const US_DATES = fileIn('us-dates.csv');
// Nothing tells: 1.500 is read as thousands (money rarely has three decimals); here it is one and a half.
const NOTHING_TELLS = fileIn('nothing-tells.csv');

describe('import --decimal', () => {
  it.each([
    ['a file whose US dates say "decimal point"', US_DATES, [1.5, 25], ',', [1500, 25000]],
    ['a file where nothing tells', NOTHING_TELLS, [1500, 2250], '.', [1.5, 2.25]],
  ])('reads %s the other way when told', async (_name, file, inferred, mark, told) => {
    const without = uniquePrefix('dec');
    expect((await cli([file(), '--json'], without)).code).toBe(0);
    expect(await enqueuedValues(without)).toEqual(inferred);

    const withOption = uniquePrefix('dec');
    const { code, out } = await cli([file(), '--json', '--decimal', mark], withOption);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ rows: 2, enqueued: 2, rejected: 0 });
    expect(await enqueuedValues(withOption)).toEqual(told);
  });

  it('says in the dry run that the amounts are read as told', async () => {
    const { code, out } = await cli([US_DATES(), '--dry-run', '--decimal', ',']);
    expect(code).toBe(0);
    expect(out).toContain(
      'Amounts read with "," as the decimal separator (--decimal), so "1,500" is 1.5 and "1.500" is 1500.',
    );
    const inferred = await cli([US_DATES(), '--dry-run']);
    expect(inferred.out).toContain('pass --decimal , to read them otherwise');
  });

  it('says in the dry run how it read an amount that reads both ways when nothing tells, and how to read it otherwise', async () => {
    const { code, out } = await cli([NOTHING_TELLS(), '--dry-run']);
    expect(code).toBe(0);
    expect(out).toContain(
      'Amounts such as "1.500" read as 1500, "." a thousands separator, as nothing in the file tells its decimal separator; pass --decimal . to read them as 1.5.',
    );
  });

  it('makes a re-run with the option a new import, not rows already imported', async () => {
    const prefix = uniquePrefix('dec');
    const first = JSON.parse((await cli([NOTHING_TELLS(), '--json'], prefix)).out);
    const again = JSON.parse((await cli([NOTHING_TELLS(), '--json', '--decimal', '.'], prefix)).out);
    expect(again.importId).not.toBe(first.importId);
    expect(again).toMatchObject({ enqueued: 2, alreadyImported: 0 });
    // Imports made without the option keep the id they had (computed before --decimal existed).
    expect(defaultImportId('0'.repeat(64), {}, {}, { encoding: 'utf-8', delimiter: ',' })).toBe(
      'imp-5d7a1811495f',
    );
  });

  it.each(['x', 'comma', ',,', ''])('exits 2 naming --decimal and its values for %j', async (value) => {
    const prefix = uniquePrefix('dec');
    const { code, err } = await cli([US_DATES(), '--decimal', value], prefix);
    expect(code).toBe(2);
    expect(err).toContain(
      `--decimal must be , or . (the separator before the cents in the file's amounts: , for 1.234,56 and . for 1,234.56), got "${value}".`,
    );
    expect(err).not.toContain('    at ');
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it('is documented in --help', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('--decimal , | .');
  });
});
