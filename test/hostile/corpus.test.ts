import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCENTED_ROWS,
  GENERATED_FIXTURES,
  type GeneratedFixture,
  GOOD_ROWS,
  HOSTILE_DIR,
  PADDING_ROWS,
  SMALL_FIXTURES,
  writeGeneratedFixture,
} from '../fixtures/hostile/generate.js';
import { testRedis } from '../helpers/redis.js';
import { type ImportRun, runImport, takeEnqueuedJobs } from './run-import.js';

/**
 * Every file of the hostile corpus through the real CLI, in a child process, into the test
 * Redis: each ends with one clear error (exit 2, nothing enqueued) or per-row rejects with line
 * and column (exit 3), never a crash (exit 1, a signal) or a hang (killed after the timeout), and
 * the queue holds exactly the rows that were read correctly, cell for cell.
 */

const redis = testRedis();
/**
 * Longer than runImport's own limit, so a hung child is killed and reported as hanging. Generous:
 * a run takes about a second of CPU, but the children share two cores with everything else.
 */
const TEST_TIMEOUT_MS = 120_000;
const generatedDir = mkdtempSync(join(tmpdir(), 'lpi-hostile-'));
const pathOf = (name: string) =>
  (GENERATED_FIXTURES as readonly string[]).includes(name)
    ? join(generatedDir, name)
    : join(HOSTILE_DIR, name);

beforeAll(async () => {
  for (const name of GENERATED_FIXTURES) {
    if (!name.startsWith('huge-')) await writeGeneratedFixture(generatedDir, name as GeneratedFixture);
  }
});
afterAll(() => rmSync(generatedDir, { recursive: true, force: true }));

interface Reject {
  line: number;
  column?: string;
  reason: RegExp;
}

type Outcome =
  /** The whole file is refused: exit 2, a message naming the file and the fix, nothing enqueued. */
  | { refused: RegExp }
  /** Read row by row: these lines enqueued with these cells, these rejected (exit 3 if any). */
  | { enqueued: [line: number, cells: readonly string[]][]; rejects: Reject[] };

const ada = GOOD_ROWS.ada;
const alan = GOOD_ROWS.alan;
const grace = GOOD_ROWS.grace;
const padding = (firstLine: number): [number, string[]][] =>
  Array.from({ length: PADDING_ROWS }, (_, i) => [
    firstLine + i,
    [`Padding Person ${i}`, `padding${i}@example.org`, `Padding ${i} Ltd`],
  ]);
/** The accented rows of the Mac Roman and Windows-1252 fixtures, from line `firstLine` on. */
const accented = (firstLine: number): [number, readonly string[]][] =>
  ACCENTED_ROWS.map((cells, i) => [firstLine + i, cells]);
const notText = /is not a text CSV file|does not look like a text CSV file/;
const notUtf8 = /not valid UTF-8/;

const CORPUS: Record<string, Outcome> = {
  'empty.csv': { refused: /empty\.csv is empty: expected a header line/ },
  'bom-only.csv': { refused: /bom-only\.csv (is empty|has no header line)/ },
  'blank-lines-only.csv': { refused: /blank-lines-only\.csv has no header line/ },
  'header-only.csv': {
    refused: /header-only\.csv has a header line \(line 1\) but no data rows: nothing to import/,
  },
  'duplicate-headers.csv': {
    refused:
      /duplicate-headers\.csv:1: duplicate column names "Email" \(column 2\) and "EMAIL" \(column 4\); rename one/,
  },
  // The first line is blank as Excel writes empty rows (`,,,`), so the data row is the first with values: it holds an
  // email address, which no column is called, and the message says the file has no header line and how to add one.
  'delimiters-only-header.csv': {
    refused:
      /line 2, the first with values, holds a lead, not the columns' names \(column 2, "ada@example\.org", is an email address\): the file has no header line\. Add a line naming the columns at the top/,
  },
  'nul-bytes.csv': { refused: /nul-bytes\.csv is not a text CSV file/ },
  'random-bytes.csv': { refused: notText },
  'png-header.csv': { refused: notText },
  'gzipped.csv': { refused: /gzipped\.csv is gzip-compressed, not a CSV file\. Decompress it first/ },
  'zip-archive.csv': {
    refused: /zip-archive\.csv is an Excel workbook, not a CSV file\. Open it and save it as/,
  },
  'truncated-mid-quote.csv': {
    enqueued: [
      [2, ada],
      [3, alan],
    ],
    rejects: [{ line: 4, reason: /has a quote that is never closed/ }],
  },
  'truncated-mid-utf8.csv': {
    enqueued: [[2, ada]],
    rejects: [{ line: 3, column: 'Company', reason: notUtf8 }],
  },
  'truncated-mid-utf16.csv': {
    enqueued: [[2, ada]],
    rejects: [{ line: 3, column: 'Company', reason: /not valid UTF-16/ }],
  },
  'unbalanced-quotes.csv': {
    enqueued: [
      [2, ada],
      [4, alan],
      [6, grace],
    ],
    rejects: [
      { line: 3, reason: /has a " inside a value that is not in quotes/ },
      { line: 5, reason: /has a quoted value that is not closed on this line/ },
      { line: 7, reason: /has text right after a closing quote/ },
    ],
  },
  'nul-after-sample.csv': {
    enqueued: [...padding(2), [PADDING_ROWS + 3, ada]],
    rejects: [{ line: PADDING_ROWS + 2, column: 'Name', reason: /NUL/ }],
  },
  'mixed-encodings.csv': {
    enqueued: [
      [2, ['José Müller', 'jose@example.de', 'Müller & Söhne GmbH']],
      [4, ada],
    ],
    rejects: [{ line: 3, column: 'Name', reason: notUtf8 }],
  },
  'mixed-encodings-after-sample.csv': {
    enqueued: [
      [2, ['José Müller', 'jose@example.de', 'Müller & Söhne GmbH']],
      ...padding(3),
      [PADDING_ROWS + 4, ada],
    ],
    rejects: [{ line: PADDING_ROWS + 3, column: 'Name', reason: notUtf8 }],
  },
  'excel-mac-roman.csv': { enqueued: accented(2), rejects: [] },
  // The header after LinkedIn's notes; the notes are no rows.
  'preamble-notes.csv': {
    enqueued: [
      [5, ada],
      [6, alan],
    ],
    rejects: [],
  },
  // A report's footer is no rows; one-field lines at the end that are not one are rejected.
  'report-footer.csv': {
    enqueued: [
      [2, ada],
      [3, grace],
    ],
    rejects: [],
  },
  'one-field-lines-at-end.csv': {
    enqueued: [[2, ada]],
    rejects: [
      { line: 4, reason: /has 1 field but the header has 3/ },
      { line: 5, reason: /has 1 field but the header has 3/ },
    ],
  },
  'excel-windows-1252.csv': { enqueued: accented(2), rejects: [] },
  'ambiguous-single-byte.csv': {
    refused:
      /ambiguous-single-byte\.csv: cannot tell the text encoding: line 3 reads "Jonas K.nig" as (Windows-1252|Mac Roman \(macintosh\)) and "Jonas K.nig" as .*--encoding (windows-1252|macintosh) or --encoding (windows-1252|macintosh)/,
  },
  'mac-roman-after-sample.csv': {
    enqueued: [...padding(2), ...accented(PADDING_ROWS + 2), [PADDING_ROWS + 7, ada]],
    rejects: [],
  },
  'windows-1252-after-sample.csv': {
    enqueued: [...padding(2), ...accented(PADDING_ROWS + 2), [PADDING_ROWS + 7, ada]],
    rejects: [],
  },
  'mixed-good-and-bad.csv': {
    enqueued: [
      [2, ada],
      [5, ['Multi\nline, name', 'multi@example.org', 'Multi Line Ltd']],
      [8, alan],
      [10, grace],
    ],
    rejects: [
      { line: 3, reason: /has 4 fields but the header has 3/ },
      { line: 4, reason: /has 1 field but the header has 3/ },
      { line: 7, column: 'Email', reason: /"broken@" is not an email address/ },
      { line: 9, reason: /has a quote that is never closed|not closed on this line/ },
    ],
  },
  'ten-thousand-columns.csv': {
    enqueued: [
      ...[2, 3].map((line, i): [number, string[]] => [
        line,
        [...(i === 0 ? ada : alan), ...Array.from({ length: 9997 }, (_, k) => `v${k + 4}`)],
      ]),
      // Three fields under 10,000 columns: a short row, as Excel writes one, its missing last cells empty.
      [4, [...grace, ...Array<string>(9997).fill('')]],
    ],
    rejects: [],
  },
};

/** Asserts what the brief promises for every input, whatever it is. */
function expectNoCrash(name: string, run: ImportRun): void {
  expect(run.signal, `${name}: killed by a signal`).toBeNull();
  expect(run.stderr, `${name}: an unexpected error`).not.toMatch(/unexpected error|\n\s+at /);
  expect([0, 2, 3], `${name}: exit ${run.code}\n${run.stderr}`).toContain(run.code);
}

describe('the hostile corpus through `lead-importer import`', () => {
  it('covers every committed and generated fixture', () => {
    const names = [...Object.keys(SMALL_FIXTURES), ...GENERATED_FIXTURES].filter(
      (n) => !n.startsWith('huge-') && n !== 'formula-injection.csv' && n !== 'emoji-rtl.csv',
    );
    expect(Object.keys(CORPUS).sort()).toEqual(names.sort());
  });

  it('commits the small fixtures exactly as the generator writes them', () => {
    for (const [name, bytes] of Object.entries(SMALL_FIXTURES)) {
      expect(readFileSync(join(HOSTILE_DIR, name)).equals(bytes), `${name} is stale; run generate.ts`).toBe(
        true,
      );
    }
  });

  const cases = Object.entries(CORPUS).map(([name, outcome]) => ({
    name,
    outcome,
    title:
      'refused' in outcome
        ? `${name}: refused with one clear error (exit 2), nothing enqueued`
        : `${name}: exactly the ${outcome.enqueued.length} rows read correctly enqueued, ${outcome.rejects.length} rejected with line and reason`,
  }));

  it('names the file and the line it took for the header when that line holds a lead (an email address), not names', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const run = await runImport(pathOf('delimiters-only-header.csv'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/delimiters-only-header\.csv:2: line 2, the first with values, holds a lead/);
  });

  it.concurrent.each([
    // Messages name a file by its base name.
    ['/dev/zero', /: zero is not a regular file \(a pipe or a device\)/],
    ['a missing file', /nowhere\.csv does not exist; check the path/],
  ] as const)(
    'refuses %s with one clear error (exit 2), never reading forever',
    async (what, message) => {
      const run = await runImport(what === '/dev/zero' ? what : join(generatedDir, 'nowhere.csv'));
      expectNoCrash(what, run);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent.each(cases)(
    '$title',
    async ({ name, outcome }) => {
      const run = await runImport(pathOf(name));
      expectNoCrash(name, run);
      if ('refused' in outcome) {
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(outcome.refused);
        expect(run.stderr).toContain('lead-importer import: ');
        expect(run.stdout).toBe('');
        expect(await takeEnqueuedJobs(redis, run.prefix)).toEqual([]);
        return;
      }
      const { enqueued, rejects } = outcome;
      expect(run.code, run.stderr).toBe(rejects.length > 0 ? 3 : 0);
      const summary = run.summary;
      expect(summary).toMatchObject({
        rows: enqueued.length + rejects.length,
        enqueued: enqueued.length,
        rejected: rejects.length,
      });
      expect(summary?.firstRejects).toHaveLength(rejects.length);
      rejects.forEach((want, i) => {
        const got = summary?.firstRejects[i];
        expect(got?.line, `reject ${i} of ${name}`).toBe(want.line);
        expect(got?.column, `reject ${i} of ${name}`).toBe(want.column);
        expect(got?.reason, `reject ${i} of ${name}`).toMatch(want.reason);
      });
      const jobs = await takeEnqueuedJobs(redis, run.prefix);
      expect(jobs.map((j) => [j.line, j.cells])).toEqual(enqueued);
    },
    TEST_TIMEOUT_MS,
  );
});
