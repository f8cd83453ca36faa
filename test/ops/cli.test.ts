import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { runCli } from './run-cli.js';
import { balance, type SeedRow, seedImport, testOps } from './seed.js';

const redis = testRedis();
const ctx = testOps(redis);
const env = () => ({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: ctx.prefix });
afterAll(() => ctx.close());

const ROWS: SeedRow[] = [
  { line: 2, cells: ['Ana', 'ana@example.com', 'Acme'], outcome: 'created', leadId: 'L2', personId: 1 },
  { line: 3, cells: ['Bo', 'bo@example.com', 'Acme'], outcome: 'pending' },
  {
    line: 4,
    cells: ['-2+3', 'cy@example.com', 'Acme'],
    outcome: 'dead-lettered',
    errorClass: 'PipedriveServerError',
    httpStatus: 502,
    message: 'Bad gateway',
  },
  { line: 5, cells: ['Di', 'x', ''], outcome: 'rejected', reason: 'no usable email' },
];

beforeAll(async () => {
  await seedImport(ctx, 'cli-1', ROWS);
});

describe('lead-importer status', () => {
  it('prints the documented JSON for one import', async () => {
    const { code, stdout } = await runCli(['status', 'cli-1', '--json'], env());
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    expect(status).toMatchObject({
      importId: 'cli-1',
      state: 'running',
      rows: 4,
      enqueued: 3,
      rejected: 1,
      created: 1,
      deadLettered: 1,
      cancelled: 0,
      pending: 1,
      reusedContacts: 1,
      tokensUsed: 10,
    });
    expect(status).toHaveProperty('etaMs');
  });

  it('prints a readable block and a list of recent imports', async () => {
    const one = await runCli(['status', 'cli-1'], env());
    expect(one.stdout).toContain('Import cli-1 (cli-1.csv): running');
    expect(one.stdout).toContain(
      'rows 4 = created 1 + rejected 1 + dead-lettered 1 + cancelled 0 + pending 1',
    );
    const list = await runCli(['status'], env());
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^IMPORT\s+FILE\s+STATE/);
    expect(list.stdout).toMatch(/cli-1\s+cli-1\.csv\s+running\s+75%/);
  });

  it('exits 2 naming an unknown import', async () => {
    const { code, stderr } = await runCli(['status', 'nope'], env());
    expect(code).toBe(2);
    expect(stderr).toContain('No import "nope"');
  });

  it('fails fast with exit 2 when Redis is down', async () => {
    const { code, stderr } = await runCli(['status'], { REDIS_URL: 'redis://:secret@127.0.0.1:1' });
    expect(code).toBe(2);
    expect(stderr).toContain('Cannot reach Redis at redis://:***@127.0.0.1:1');
    expect(stderr).not.toContain('secret');
  });
});

describe('lead-importer report', () => {
  it('writes the report and says what is in it', async () => {
    const out = join(tmpdir(), `${ctx.prefix}-cli-report.csv`);
    const { code, stdout } = await runCli(['report', 'cli-1', '--out', out], env());
    expect(code).toBe(0);
    expect(stdout).toBe(`Wrote 4 rows to ${out} (1 created, 1 rejected, 1 dead-lettered, 1 pending).\n`);
    const text = await readFile(out, 'utf8');
    expect(text).toContain(
      "4,dead-lettered,,,,,,,PipedriveServerError (HTTP 502): Bad gateway,'-2+3,cy@example.com,Acme",
    );
  });

  it('exits 2 without --out', async () => {
    const { code, stderr } = await runCli(['report', 'cli-1'], env());
    expect(code).toBe(2);
    expect(stderr).toContain('report needs --out FILE.csv');
  });
});

describe('lead-importer dlq', () => {
  it('lists as JSON, exports, and refuses export without --out or --import', async () => {
    const list = await runCli(['dlq', 'list', '--import', 'cli-1', '--json'], env());
    expect(JSON.parse(list.stdout)).toMatchObject([
      { importId: 'cli-1', line: 4, errorClass: 'PipedriveServerError' },
    ]);
    const table = await runCli(['dlq', 'list'], env());
    expect(table.stdout).toMatch(/cli-1\s+4\s+PipedriveServerError\s+502\s+1\s+Bad gateway/);

    const out = join(tmpdir(), `${ctx.prefix}-cli-failed.csv`);
    const exported = await runCli(['dlq', 'export', '--import', 'cli-1', '--out', out], env());
    expect(exported.stdout).toBe(`Wrote 1 dead-lettered rows to ${out}.\n`);
    expect(await readFile(out, 'utf8')).toContain(
      "'-2+3,cy@example.com,Acme,PipedriveServerError,Bad gateway,502,4",
    );

    expect((await runCli(['dlq', 'export', '--import', 'cli-1'], env())).code).toBe(2);
    expect((await runCli(['dlq', 'purge'], env())).stderr).toContain('dlq purge needs --import ID');
    expect((await runCli(['dlq', 'explode'], env())).stderr).toContain('Unknown dlq action "explode"');
  });

  it('retries, keeping rows = created + rejected + deadLettered + cancelled + pending', async () => {
    // The row was exported above (to be fixed and imported again): a retry leaves it, saying why and what to do.
    const left = await runCli(['dlq', 'retry', '--import', 'cli-1'], env());
    expect(left.code).toBe(3);
    expect(left.stdout).toBe('Re-queued 0 rows with fresh attempts.\n');
    expect(left.stderr).toMatch(
      /^Left 1 rows in the dead-letter queue that `dlq export` wrote to a file since they failed:\n {2}cli-1: 1 row, exported \d{4}-\d\d-\d\d \d\d:\d\d UTC\n.*retrying them would create them twice: remove them with `lead-importer dlq purge --import ID`\. If it was not, retry them with --include-exported\.\n$/s,
    );
    expect(await balance(ctx, 'cli-1')).toMatchObject({ deadLettered: 1 });
    const retry = await runCli(['dlq', 'retry', '--import', 'cli-1', '--include-exported'], env());
    expect(retry.stdout).toBe('Re-queued 1 rows with fresh attempts.\n');
    expect(retry.code).toBe(0);
    expect(await balance(ctx, 'cli-1')).toMatchObject({ rows: 4, sum: 4, deadLettered: 0, pending: 2 });
    expect((await runCli(['dlq', 'list', '--json'], env())).stdout).toBe('[]\n');
  });
});

describe('lead-importer pause, resume and cancel', () => {
  it('pauses and resumes every worker through the queue', async () => {
    expect((await runCli(['pause'], env())).code).toBe(0);
    expect(await ctx.leadQueue.isPaused()).toBe(true);
    expect(JSON.parse((await runCli(['status', 'cli-1', '--json'], env())).stdout).state).toBe('paused');
    expect((await runCli(['resume'], env())).stdout).toBe('Resumed: workers take new rows again.\n');
    expect(await ctx.leadQueue.isPaused()).toBe(false);
  });

  it('cancels the unprocessed rows and the counts still add up', async () => {
    const { code, stdout } = await runCli(['cancel', 'cli-1', '--json'], env());
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ importId: 'cli-1', cancelled: 2, inFlight: 0 });
    expect(await balance(ctx, 'cli-1')).toMatchObject({ rows: 4, sum: 4, cancelled: 2, pending: 0 });
    const status = JSON.parse((await runCli(['status', 'cli-1', '--json'], env())).stdout);
    expect(status).toMatchObject({ state: 'cancelled', cancelled: 2, pending: 0 });
    expect((await runCli(['cancel', 'nope'], env())).code).toBe(2);
  });
});

describe('lead-importer dlq export, retry and purge --json', () => {
  // Last in the file: seeding dead-lettered rows runs a BullMQ worker on the lead queue, which would take the rows
  // other tests left waiting there.
  it('print one JSON object each, as DESIGN.md lists --json for every dlq action', async () => {
    await seedImport(ctx, 'cli-json', [
      {
        line: 2,
        cells: ['Ed', 'ed@example.com', 'Acme'],
        outcome: 'dead-lettered',
        errorClass: 'PipedriveServerError',
        httpStatus: 502,
        message: 'Bad gateway',
      },
      {
        line: 3,
        cells: ['Flo', 'flo@example.com', 'Acme'],
        outcome: 'dead-lettered',
        errorClass: 'PipedriveValidationError',
        httpStatus: 400,
        message: 'Bad value',
      },
    ]);
    const out = join(tmpdir(), `${ctx.prefix}-cli-json-failed.csv`);
    const exported = await runCli(['dlq', 'export', '--import', 'cli-json', '--out', out, '--json'], env());
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual({ importId: 'cli-json', out, rows: 2 });

    const left = await runCli(
      ['dlq', 'retry', '--import', 'cli-json', '--error-class', 'PipedriveServerError', '--json'],
      env(),
    );
    expect(left.code).toBe(3);
    expect(JSON.parse(left.stdout)).toMatchObject({
      requeued: 0,
      exported: 1,
      exports: [{ importId: 'cli-json', rows: 1, at: expect.any(Number) }],
    });
    const retried = await runCli(
      [
        'dlq',
        'retry',
        '--import',
        'cli-json',
        '--error-class',
        'PipedriveServerError',
        '--include-exported',
        '--json',
      ],
      env(),
    );
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toEqual({
      requeued: 1,
      stale: 0,
      busy: 0,
      refused: 0,
      refusals: [],
      exported: 0,
      exports: [],
    });

    const purged = await runCli(['dlq', 'purge', '--import', 'cli-json', '--json'], env());
    expect(purged.code).toBe(0);
    expect(JSON.parse(purged.stdout)).toEqual({ importId: 'cli-json', removed: 1 });
  });
});
