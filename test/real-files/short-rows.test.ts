/**
 * Lines with fewer fields than the header: Excel's rows without the separators of their empty last cells
 * are read with those cells empty (and the dry run says how many), while a row broken in two by a line
 * break that is not in quotes is rejected, both of its lines, never imported as two leads.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { importCsv } from '../../src/producer/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();
const dir = mkdtempSync(join(tmpdir(), 'lpi-short-rows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function dryRun(name: string, lines: string[]) {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  const config = loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: uniquePrefix('short') });
  return importCsv({ file, config, redis, dryRun: true, offline: true });
}

const HEADER = 'Name,Email,Company,Phone,Notes,Value,Tags';

describe('short lines', () => {
  it("reads Excel's short rows with their missing last cells empty, and says how many", async () => {
    const summary = await dryRun('excel.csv', [
      HEADER,
      'Ann Lee,ann@example.com,Lee Co,+1 555 0101,,,',
      'Bob Ray,bob@example.com,Ray Co',
      'Cy Fox,cy@example.com,Fox Co,+1 555 0103,Met at expo',
    ]);
    expect(summary).toMatchObject({ rows: 3, valid: 3, rejected: 0 });
    expect(summary.warnings.join('\n')).toContain(
      '2 rows (lines 3, 4) had fewer fields than the header, as Excel writes a row whose last cells are empty',
    );
  });

  it('keeps two short rows whose fields happen to add up to one row, when each is a row by itself', async () => {
    // 3 + 5 fields = the header's 7 once joined; but the second line is a lead of its own and ends with a
    // filled cell, as Excel writes a short row.
    const summary = await dryRun('coincidence.csv', [
      HEADER,
      'Bob Ray,bob@example.com,Ray Co',
      'Cy Fox,cy@example.com,Fox Co,+1 555 0103,Met at expo',
    ]);
    expect(summary).toMatchObject({ rows: 2, valid: 2, rejected: 0 });
  });

  it('rejects both lines of a row broken by a line break that is not in quotes, naming the column', async () => {
    const summary = await dryRun('broken.csv', [
      HEADER,
      'Ann Lee,ann@example.com,Lee Co,+1 555 0101,Met at expo',
      'wants a demo,,',
      'Cy Fox,cy@example.com,Fox Co,+1 555 0103,,,',
    ]);
    expect(summary).toMatchObject({ rows: 3, valid: 1, rejected: 2 });
    expect(summary.firstRejects.map((r) => [r.line, r.column])).toEqual([
      [2, 'Notes'],
      [3, 'Notes'],
    ]);
    expect(summary.firstRejects[0]?.reason).toBe(
      'lines 2 and 3 are one row broken by a line break inside its value of column "Notes", which is not in quotes (apart they have 5 + 3 fields; joined, the header\'s 7); put that value in quotes in the file, or remove the line break, and import these lines again',
    );
    expect(summary.warnings.join('\n')).not.toContain('fewer fields');
  });

  it('rejects the three lines of a value with two line breaks, the middle one a value alone', async () => {
    const summary = await dryRun('broken-twice.csv', [
      HEADER,
      'Ann Lee,ann@example.com,Lee Co,+1 555 0101,Met at expo',
      'second line',
      'third line,5000,Hot',
    ]);
    expect(summary.firstRejects.map((r) => [r.line, r.reason.slice(0, 40)])).toEqual([
      [2, 'lines 2 to 4 are one row broken by a lin'],
      [3, 'lines 2 to 4 are one row broken by a lin'],
      [4, 'lines 2 to 4 are one row broken by a lin'],
    ]);
  });

  it('says a short row it rejects was short, in case it is a piece of a row after all', async () => {
    const summary = await dryRun('short-bad.csv', [HEADER, 'Bob Ray,bob@,Ray Co']);
    expect(summary.firstRejects[0]).toMatchObject({ line: 2, column: 'Email' });
    expect(summary.firstRejects[0]?.reason).toContain(
      "the line has only 3 of the header's 7 fields (its last cells were read as empty)",
    );
  });

  it('still rejects a line of one value, and a line with more fields than the header', async () => {
    const summary = await dryRun('other.csv', [HEADER, 'Just a title', 'A,b@example.com,C,D,E,F,G,H']);
    expect(summary.firstRejects.map((r) => r.reason.split(';')[0])).toEqual([
      'has 1 field but the header has 7',
      'has 8 fields but the header has 7',
    ]);
  });
});

/**
 * Lines with more fields than the header, the extra ones empty. Padding, when every line has them (Excel pads the
 * rows it writes in full to its widest, the header among them; some programs end every line with a separator). A
 * value with a separator not in quotes, when one line has more than the rest: its values after it sit one column
 * to the right, and the empty last cell used to hide that, so the row landed with its job title as its note.
 */
describe('long lines', () => {
  const WIDE = 'Name,Email,Company,Job title,Notes';

  it('rejects a line that a separator not in quotes made one field longer, its last cell empty', async () => {
    const summary = await dryRun('unquoted-comma.csv', [
      WIDE,
      'Ann Lee,ann@example.com,Lee Co,CEO,Met at expo',
      'Cy Fox,cy@example.com,Fox, Inc,CTO,',
    ]);
    expect(summary).toMatchObject({ rows: 2, valid: 1, rejected: 1 });
    expect(summary.firstRejects[0]).toMatchObject({ line: 3 });
    expect(summary.firstRejects[0]?.reason).toBe(
      'has 6 fields, more than the header\'s 5, the last empty: a value containing "," that is not in quotes moves every value after it one column to the right; put that value in quotes',
    );
  });

  it('reads a file whose every line ends with a separator, and still finds the line with one more', async () => {
    const summary = await dryRun('trailing-separator.csv', [
      WIDE,
      'Ann Lee,ann@example.com,Lee Co,CEO,Met at expo,',
      'Bob Ray,bob@example.com,Ray Co,CTO,,',
      'Cy Fox,cy@example.com,Fox, Inc,CTO,,',
    ]);
    expect(summary).toMatchObject({ rows: 3, valid: 2, rejected: 1 });
    expect(summary.firstRejects[0]?.line).toBe(4);
    expect(summary.firstRejects[0]?.reason).toContain(
      "more than the header's 5 and the 6 of the lines above",
    );
  });

  it("reads Excel's padding up to the header line's own width", async () => {
    const summary = await dryRun('excel-padded.csv', [
      `${WIDE},,`,
      'Ann Lee,ann@example.com,Lee Co,CEO,Met at expo,,',
      'Bob Ray,bob@example.com,Ray Co,,,,',
    ]);
    expect(summary).toMatchObject({ rows: 2, valid: 2, rejected: 0 });
  });
});
