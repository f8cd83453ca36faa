import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvWriter, formatCsvRow, neutraliseCell } from '../../src/csv/csv-writer.js';

describe('CSV writer', () => {
  it.each([
    ['=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ['+1 555 0100', `'+1 555 0100`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tcmd', `'\tcmd`],
    ['\rcmd', `'\rcmd`],
    ['plain', 'plain'],
    ['a=b', 'a=b'],
    // Spreadsheets skip leading whitespace (and a BOM) before a formula, and read full-width signs as formulas.
    ['\n=1+1', `'\n=1+1`],
    [' =1+1', `' =1+1`],
    ['  +1 555 0100', `'  +1 555 0100`],
    ['\u00a0@SUM(A1)', `'\u00a0@SUM(A1)`],
    ['\ufeff-2+3', `'\ufeff-2+3`],
    ['\r\n =cmd', `'\r\n =cmd`],
    ['＝HYPERLINK("http://x")', `'＝HYPERLINK("http://x")`],
    ['＋1', `'＋1`],
    ['－1', `'－1`],
    ['＠SUM(A1)', `'＠SUM(A1)`],
    [' plain', ' plain'],
    ['\u00a0', '\u00a0'],
  ])('neutralises %j so a spreadsheet shows it as text', (input, expected) => {
    expect(neutraliseCell(input)).toBe(expected);
  });

  it('quotes delimiters, quotes and newlines', () => {
    expect(formatCsvRow(['a,b', 'say "hi"', 'two\nlines', 3])).toBe('"a,b","say ""hi""","two\nlines",3\r\n');
  });

  it('quotes a cell with a semicolon, which Excel takes for the delimiter in many locales', () => {
    expect(formatCsvRow(['Müller; Schmidt GmbH', 'x'])).toBe('"Müller; Schmidt GmbH",x\r\n');
  });

  it('writes UTF-8 with a BOM that a CSV reader reads back cell for cell', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'csvw-')), 'out.csv');
    const writer = await CsvWriter.create(path, ['name', 'note']);
    await writer.write(['Zoë Ærø', '=1+1']);
    await writer.close();
    const bytes = readFileSync(path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes, { bom: true });
    expect(rows).toEqual([
      ['name', 'note'],
      ['Zoë Ærø', "'=1+1"],
    ]);
    expect(writer.rowCount).toBe(1);
  });
});
