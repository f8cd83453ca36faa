import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliNodeArgs } from '../helpers/cli-entry.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { type ProcessResult, runNode } from '../helpers/run-process.js';
import { seedImport, testOps } from '../ops/seed.js';

const REPO = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'lpi-outpaths-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const redis = testRedis();
const ctx = testOps(redis);

/** `lead-importer …` as its own process: an unhandled 'error' event would end it, not the test run. */
function cli(args: string[]): Promise<ProcessResult> {
  return runNode([...cliNodeArgs(), ...args], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: ctx.prefix,
      LOG_LEVEL: 'warn',
    },
  });
}

const CSV = 'Name,Email,Company\nAda Lovelace,ada@example.org,Analytical Engines\nNobody,not-an-email,\n';

beforeAll(async () => {
  await seedImport(ctx, 'out-1', [
    { line: 2, cells: ['Ada', 'ada@example.org', 'Acme'], outcome: 'rejected', column: 'Email', reason: 'x' },
    {
      line: 3,
      cells: ['Bob', 'bob@example.org', 'Acme'],
      outcome: 'dead-lettered',
      errorClass: 'E',
      message: 'm',
    },
  ]);
});

describe('output paths of import --rejects, report --out and dlq export --out', () => {
  it('import --rejects FILE refuses to overwrite the input, which stays whole', async () => {
    const input = join(scratch, 'big.csv');
    writeFileSync(input, CSV);
    const run = await cli(['import', input, '--dry-run', '--offline', '--rejects', input]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/--rejects .*big\.csv is the input file/);
    expect(readFileSync(input, 'utf8')).toBe(CSV);
  });

  it('import --rejects into a missing directory exits 2 with a clear message', async () => {
    const input = join(scratch, 'small.csv');
    writeFileSync(input, CSV);
    const run = await cli(['import', input, '--dry-run', '--offline', '--rejects', '/missing-dir/x.csv']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/--rejects \/missing-dir\/x\.csv: the directory \/missing-dir does not exist/);
    expect(run.stderr).not.toMatch(/Unhandled|at .*\.ts:\d+/);
  });

  it('report --out into a missing directory exits 2 with a clear message', async () => {
    const run = await cli(['report', 'out-1', '--out', '/missing-dir/report.csv']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /--out \/missing-dir\/report\.csv: the directory \/missing-dir does not exist/,
    );
  });

  it('dlq export --out into a missing directory exits 2 with a clear message', async () => {
    const run = await cli(['dlq', 'export', '--import', 'out-1', '--out', '/missing-dir/failed.csv']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /--out \/missing-dir\/failed\.csv: the directory \/missing-dir does not exist/,
    );
  });
});
