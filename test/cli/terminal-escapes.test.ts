import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { runCli } from '../ops/run-cli.js';
import { seedImport, testOps } from '../ops/seed.js';

/**
 * A supplied CSV's headers and cells, and Pipedrive's answers, reach the operator's terminal in what the commands
 * print. An escape sequence among them must arrive as text, not run: ESC ] 0 ; … BEL sets the window title,
 * ESC [ 2 J clears the screen, ESC [ 1 A with a carriage return prints over the line before.
 */
const ESC = '\u001b';
const TITLE = `${ESC}]0;owned\u0007`;
const CLEAR = `${ESC}[2J`;
/** No control character but the line breaks and tabs of the layout. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const redis = testRedis();
const ctx = testOps(redis);
const dir = mkdtempSync(join(tmpdir(), 'lpi-terminal-'));
afterAll(async () => {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('what commands print from files and answers', () => {
  it("import shows a header's and a cell's escape sequences as ? in its rejected rows and its mapping", async () => {
    const file = join(dir, 'leads.csv');
    writeFileSync(
      file,
      `Title,Name,Email${TITLE},Company\nDeal A,Ana,not-an-email${CLEAR},Acme\nDeal B,Bo,bo@x.example,Acme\n`,
    );
    const mapping = join(dir, 'mapping.yaml');
    writeFileSync(mapping, 'person:\n  email: "Email\\e]0;owned\\a"\n');
    const run = await runCli(['import', file, '--dry-run', '--offline', '--mapping', mapping], {});
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('leads.csv:2, column "Email?]0;owned?": ');
    expect(run.stdout).toMatch(/^ {2}Email\?\]0;owned\? +person\.email:work/m);
    expect(run.stdout).not.toMatch(CONTROL);
  });

  it('dlq list, status and an error message show escape sequences from Redis and answers as ?', async () => {
    const message = `Invalid${TITLE} value\r${ESC}[1AAll rows imported${CLEAR}`;
    const cells = ['Ana', 'ana@example.com', 'Acme'];
    const errorClass = 'PipedriveValidationError';
    await seedImport(ctx, 'esc-1', [{ line: 2, cells, outcome: 'dead-lettered', errorClass, message }]);
    await redis.hset(ctx.keys.import('esc-1'), 'fileName', `leads${TITLE}.csv`);
    const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: ctx.prefix };

    const list = await runCli(['dlq', 'list', '--import', 'esc-1'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('Invalid?]0;owned? value ?[1AAll rows imported?[2J');
    expect(list.stdout).not.toMatch(CONTROL);

    const status = await runCli(['status', 'esc-1'], env);
    expect(status.stdout).toContain('Import esc-1 (leads?]0;owned?.csv)');
    expect(status.stdout).not.toMatch(CONTROL);
    const table = await runCli(['status'], env);
    expect(table.stdout).toContain('leads?]0;owned?.csv');
    expect(table.stdout).not.toMatch(CONTROL);

    const missing = await runCli(['import', join(dir, `gone${CLEAR}.csv`)], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('gone?[2J.csv');
    expect(missing.stderr).not.toMatch(CONTROL);
  });

  it('status shows a line break in a file name as ?, so the name cannot add a row or a line of its own', async () => {
    await seedImport(ctx, 'nl-1', [
      { line: 2, cells: ['Ana', 'ana@example.com', 'Acme'], outcome: 'pending' },
    ]);
    // A file may be named with a line break (`touch $'a\nb.csv'`): this one forges a finished import's row.
    const forged = 'leads.csv\nnl-2       leads.csv  completed  100%  500   500      0         0    0';
    await redis.hset(ctx.keys.import('nl-1'), 'fileName', forged);
    const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: ctx.prefix };
    const table = await runCli(['status'], env);
    expect(table.stdout).toContain('leads.csv?nl-2       leads.csv  completed');
    expect(table.stdout).not.toMatch(/^nl-2 /m);
    const one = await runCli(['status', 'nl-1'], env);
    expect(one.stdout).toContain('Import nl-1 (leads.csv?nl-2       leads.csv  completed');
    expect(one.stdout.split('\n')[1]).toMatch(/^ {2}rows 1 = created 0/);
  });

  it('import shows a line break in the file name as ?, the summary and each reject on a line of their own', async () => {
    const file = join(dir, 'leads.csv\n  all 2 rows imported.csv');
    writeFileSync(file, 'Name,Email,Company\nAna,ana@@example.com,Acme\nBo,bo@x.example,Acme\n');
    const run = await runCli(['import', file, '--dry-run', '--offline'], {});
    expect(run.code).toBe(3);
    // The file name's line break made "  all 2 rows imported.csv (2 rows, …)" a line of its own.
    expect(run.stdout).toContain('leads.csv?  all 2 rows imported.csv (2 rows');
    expect(run.stdout).toContain('leads.csv?  all 2 rows imported.csv:2, column "Email": "ana@@example.com"');
    expect(run.stdout).not.toMatch(/^ {2}all 2 rows imported/m);
  });
  it('an error message quoting a path with a line break prints it as an indented line, never as one of its own', async () => {
    // A path as a script or a shared folder may hand it over: the part after the break must not read as the tool's.
    const fake = 'Import imp-1: completed, 0 rejected';
    const run = await runCli(['import', join(dir, `nofile\n${fake}\n.csv`), '--dry-run', '--offline'], {});
    expect(run.code).toBe(2);
    const lines = run.stderr.split('\n');
    expect(lines[0]).toMatch(/^lead-importer import: /);
    expect(lines).toContain(`  ${fake}`);
    expect(lines.filter((l) => l.startsWith(fake))).toEqual([]);
  });
});
