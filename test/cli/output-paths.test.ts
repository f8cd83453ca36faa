import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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
function cli(args: string[], cwd = REPO): Promise<ProcessResult> {
  return runNode([...cliNodeArgs(), ...args], {
    cwd,
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

  it('report --out refuses a character device, which stays one (skipped where mknod is not allowed)', async (t) => {
    const device = join(scratch, 'nulldev');
    try {
      execFileSync('mknod', [device, 'c', '1', '3'], { stdio: 'ignore' });
    } catch {
      t.skip(); // mknod needs root (CAP_MKNOD)
    }
    const run = await cli(['report', 'out-1', '--out', device]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/--out .*nulldev is a character device, not a regular file/);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
  });

  it('dlq export --out and import --rejects refuse a FIFO, which stays one', async () => {
    const fifo = join(scratch, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const run = await cli(['dlq', 'export', '--import', 'out-1', '--out', fifo]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/--out .*pipe\.csv is a FIFO \(named pipe\), not a regular file/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);

    const input = join(scratch, 'fifo-input.csv');
    writeFileSync(input, CSV);
    const rejects = await cli(['import', input, '--dry-run', '--offline', '--rejects', fifo]);
    expect(rejects.code, rejects.stderr).toBe(2);
    expect(rejects.stderr).toMatch(/--rejects .*pipe\.csv is a FIFO/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it("report --out refuses a symlink, another user's in a sticky world-writable directory or one's own", async () => {
    const victim = join(scratch, 'victim');
    mkdirSync(victim);
    const precious = join(victim, 'precious.txt');
    writeFileSync(precious, 'root only\n');
    const shared = join(scratch, 'shared-tmp');
    mkdirSync(shared);
    chmodSync(shared, 0o1777); // like /tmp
    const evil = join(shared, 'evil.csv');
    symlinkSync(precious, evil);
    // Owned by nobody, as if another user had planted it (only root may give a file away).
    if (process.getuid?.() === 0) lchownSync(evil, 65534, 65534);
    const own = join(scratch, 'own-link.csv');
    symlinkSync(precious, own);
    for (const link of [evil, own]) {
      const run = await cli(['report', 'out-1', '--out', link]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(
        /--out .*\.csv is a symbolic link .*precious\.txt.*give the path of the file itself/i,
      );
      expect(readFileSync(precious, 'utf8')).toBe('root only\n');
      expect(readlinkSync(link)).toBe(precious);
    }
    expect(statSync(precious).mode & 0o777).not.toBe(0o600);
  });

  it.skipIf(process.getuid?.() !== 0)(
    "report --out refuses a path through another user's link in a sticky world-writable directory, exit 2",
    async () => {
      const target = join(scratch, 'root-only');
      mkdirSync(target);
      const shared = join(scratch, 'sticky-tmp');
      mkdirSync(shared);
      chmodSync(shared, 0o1777); // like /tmp
      const planted = join(shared, 'reports');
      symlinkSync(target, planted);
      lchownSync(planted, 12345, 12345); // as if another user had made it (only root may give a file away)
      const run = await cli(['report', 'out-1', '--out', join(planted, 'report.csv')]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(
        `--out ${planted}/report.csv: ${planted} is a symbolic link in ${shared}, a sticky directory anyone can write to, and belongs to uid 12345`,
      );
      expect(run.stderr).toContain('Give a path that does not go through the link');
      expect(run.stderr).not.toMatch(/Unhandled|at .*\.ts:\d+/);
      expect(readdirSync(target)).toEqual([]);
    },
  );

  it('report --out /dev/stdout and --out - are refused (the summary goes to stdout) with exit 2, no stack', async () => {
    const here = mkdtempSync(join(scratch, 'cwd-'));
    for (const out of ['/dev/stdout', '-']) {
      const run = await cli(['report', 'out-1', '--out', out], here);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/--out (\/dev\/stdout|-): .*standard output.*give a file name/);
      expect(run.stderr).not.toMatch(/unexpected error|ENOENT/);
    }
    expect(existsSync(join(here, '-'))).toBe(false);
  });
});
