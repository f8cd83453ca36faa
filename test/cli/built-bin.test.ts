import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ProcessResult, runNode } from '../helpers/run-process.js';

/**
 * The shipped path: `bin/lead-importer.js` → `dist/` (what `npm install -g` and the Docker image
 * run), with plain `node` and no TypeScript loader. The test run builds dist/ first when it is
 * older than src/ (test/setup/global-setup.ts).
 */
const REPO = resolve(import.meta.dirname, '../..');
const BIN = join(REPO, 'bin/lead-importer.js');
const scratch = mkdtempSync(join(tmpdir(), 'lpi-bin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function bin(args: string[]): Promise<ProcessResult> {
  return runNode([BIN, ...args], {
    cwd: scratch,
    // No NODE_OPTIONS: nothing may load tsx behind the shipped binary's back.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
}

/** Newest modification time of the files under `dir`. */
function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
  );
}

describe('the built lead-importer binary', () => {
  it('runs the code of this checkout: dist/ is at least as new as src/', () => {
    expect(statSync(join(REPO, 'dist/cli.js')).mtimeMs).toBeGreaterThanOrEqual(newest(join(REPO, 'src')));
  });

  it('prints the commands and exit codes on --help, and the version', async () => {
    const help = await bin(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: lead-importer <command>/);
    expect(help.stdout).toMatch(/2 usage or configuration error/);
    const version = await bin(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
  });

  it('validates the example file in a dry run and prints the summary as JSON', async () => {
    const run = await bin([
      'import',
      join(REPO, 'examples/leads.csv'),
      '--mapping',
      join(REPO, 'examples/mapping.yaml'),
      '--dry-run',
      '--offline',
      '--json',
    ]);
    expect([0, 3], run.stderr).toContain(run.code);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ dryRun: true, file: 'leads.csv', enqueued: 0 });
    expect(summary.rows).toBeGreaterThan(0);
    expect(summary.rows).toBe(summary.valid + summary.rejected);
  });

  it('exits 2 with one clear line for a usage error (a missing file, a bad output path)', async () => {
    const missing = await bin(['import', join(scratch, 'nope.csv'), '--dry-run', '--offline']);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/^lead-importer import: .*nope\.csv/);
    const badOut = await bin([
      'import',
      join(REPO, 'examples/leads.csv'),
      '--dry-run',
      '--offline',
      '--rejects',
      '/missing-dir/x.csv',
    ]);
    expect(badOut.code, badOut.stderr).toBe(2);
    expect(badOut.stderr).toMatch(/the directory \/missing-dir does not exist/);
  });

  it('exits 2 on an unknown command', async () => {
    const run = await bin(['imprt']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown command "imprt"');
  });
});
