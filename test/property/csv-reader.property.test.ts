import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openCsv } from '../../src/producer/csv-reader.js';
import { type CsvEncoding, detectEncoding } from '../../src/producer/encoding.js';
import { AmbiguousEncodingError } from '../../src/producer/errors.js';
import { MAC_ROMAN_HIGH } from '../../src/producer/mac-roman.js';

/**
 * Round trip: any table written by a correct CSV writer, with any supported delimiter, line
 * ending and encoding, read back in chunks of any size, gives back the same cells and the line
 * where each record starts. The writer here is our own (RFC 4180 quoting, nothing neutralised:
 * `formatCsvRow` rewrites formula-like cells, which is right for reports but not for a round trip).
 */

const dir = mkdtempSync(join(tmpdir(), 'lpi-prop-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const DELIMITERS = [',', ';', '\t', '|'] as const;
const LINE_ENDINGS = ['\n', '\r\n', '\r'] as const;

/**
 * Printable Windows-1252: ASCII, Latin-1 from NBSP up, and the 27 characters at 0x80–0x9F.
 * The C1 controls Latin-1 has there are not in Windows-1252, so they are left out.
 */
const CP1252_HIGH = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
const CP1252_CHARS = [
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)),
  ...Array.from({ length: 0x100 - 0xa0 }, (_, i) => String.fromCharCode(0xa0 + i)),
  ...CP1252_HIGH,
];
const CP1252_HIGH_CODES = [
  0x80, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8e, 0x91, 0x92, 0x93, 0x94, 0x95,
  0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9e, 0x9f,
];
const CP1252_BYTE = new Map([...CP1252_HIGH].map((c, i) => [c, CP1252_HIGH_CODES[i] as number]));

function encodeCp1252(text: string): Buffer {
  return Buffer.from([...text].map((c) => CP1252_BYTE.get(c) ?? c.charCodeAt(0)));
}

/** Printable Mac Roman: ASCII and all 128 characters at 0x80–0xFF (the table itself is tested in encoding.property). */
const MAC_ROMAN_CHARS = [
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)),
  ...MAC_ROMAN_HIGH,
];
const MAC_ROMAN_BYTE = new Map([...MAC_ROMAN_HIGH].map((c, i) => [c, 0x80 + i]));

function encodeMacRoman(text: string): Buffer {
  return Buffer.from([...text].map((c) => MAC_ROMAN_BYTE.get(c) ?? c.charCodeAt(0)));
}

function encode(text: string, encoding: CsvEncoding, bom: boolean): Buffer {
  switch (encoding) {
    case 'utf-8':
      return Buffer.concat([
        bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0),
        Buffer.from(text, 'utf8'),
      ]);
    case 'utf-16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf-16be': {
      const bytes = Buffer.from(text, 'utf16le');
      bytes.swap16();
      return Buffer.concat([Buffer.from([0xfe, 0xff]), bytes]);
    }
    case 'windows-1252':
      return encodeCp1252(text);
    case 'macintosh':
      return encodeMacRoman(text);
    case 'windows-1250':
    case 'windows-1251':
    case 'cp850':
    case 'shift_jis':
    case 'gb18030':
    case 'euc-kr':
    case 'big5':
      throw new Error(`${encoding} text is not generated here (see test/property/encoding.property.test.ts)`);
  }
}

/** RFC 4180: quote a cell holding the delimiter, a quote or a line break (or when asked to). */
function quoteCell(cell: string, delimiter: string, always: boolean): string {
  const needs = always || cell.includes(delimiter) || /["\r\n]/.test(cell);
  return needs ? `"${cell.replaceAll('"', '""')}"` : cell;
}

const lineBreaks = (text: string) => (text.match(/\r\n|\r|\n/g) ?? []).length;

/**
 * Cell text: any Unicode (graphemes, so no lone surrogates, which no encoding can hold), weighted
 * towards the characters CSV cares about. NUL and U+FFFD are left to the hostile corpus: the
 * reader treats them as signs of a broken file. Other control characters are kept rare, since a
 * file full of them is refused as binary.
 */
const special = fc.constantFrom(
  '"',
  ',',
  ';',
  '\t',
  '|',
  '\n',
  '\r',
  '\r\n',
  ' ',
  '""',
  "'",
  '=',
  'é',
  '€',
  '😀',
  'ש',
);
const unicodeCell = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
      { weight: 2, arbitrary: special },
    ),
    {
      maxLength: 6,
    },
  )
  .map((parts) => parts.join('').replace(/[\u0000\ufffd]/g, ''))
  .filter((cell) => (cell.match(/[\u0001-\u0008\u000b\u000c\u000e-\u001f]/g) ?? []).length === 0);
const macRomanCell = fc
  .array(fc.oneof(fc.constantFrom(...MAC_ROMAN_CHARS), fc.constantFrom('"', '\n', '\r\n', '\t')), {
    maxLength: 12,
  })
  .map((chars) => chars.join(''));
const cp1252Cell = fc
  .array(fc.oneof(fc.constantFrom(...CP1252_CHARS), fc.constantFrom('"', '\n', '\r\n', '\t')), {
    maxLength: 12,
  })
  .map((chars) => chars.join(''));

interface Table {
  width: number;
  rows: { cells: string[]; blankLinesBefore: number; quoteAll: boolean }[];
}

const table = (cell: fc.Arbitrary<string>): fc.Arbitrary<Table> =>
  fc.integer({ min: 2, max: 5 }).chain((width) =>
    fc.record({
      width: fc.constant(width),
      rows: fc.array(
        fc.record({
          cells: fc.array(cell, { minLength: width, maxLength: width }),
          blankLinesBefore: fc.nat({ max: 2 }),
          quoteAll: fc.boolean(),
        }),
        { maxLength: 8 },
      ),
    }),
  );

/** The file's text and what the reader must return: the non-blank rows, their cells and lines. */
function render(t: Table, delimiter: string, eol: string) {
  const header = Array.from({ length: t.width }, (_, i) => `Column ${i}`);
  let text = header.join(delimiter) + eol;
  let line = 2;
  const expected: { line: number; cells: string[] }[] = [];
  for (const r of t.rows) {
    text += eol.repeat(r.blankLinesBefore);
    line += r.blankLinesBefore;
    text += r.cells.map((c) => quoteCell(c, delimiter, r.quoteAll)).join(delimiter) + eol;
    // Line breaks inside values come back as LF (the reader normalises CRLF and CR).
    const cells = r.cells.map((c) => c.replace(/\r\n?/g, '\n'));
    if (cells.some((c) => c.trim() !== '')) expected.push({ line, cells });
    line += 1 + r.cells.reduce((n, c) => n + lineBreaks(c), 0);
  }
  return { header, text, expected };
}

async function readBack(bytes: Buffer, options: { encoding?: CsvEncoding; chunkBytes: number }) {
  const path = join(dir, `t${files++}.csv`);
  writeFileSync(path, bytes);
  const csv = await openCsv(path, options);
  const rows: { line: number; cells: string[]; error?: string }[] = [];
  for await (const row of csv.rows())
    rows.push(row.error === undefined ? { line: row.line, cells: row.cells } : row);
  return { csv, rows };
}

/** `PROPERTY_RUNS=1500 npx vitest run test/property` searches harder. */
const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 60);

describe('openCsv reads back any table a correct CSV writer wrote', () => {
  it.each([
    ['utf-8', false],
    ['utf-8', true],
    ['utf-16le', true],
    ['utf-16be', true],
  ] as const)(
    'in %s (BOM: %s), detecting encoding and delimiter, with exact line numbers',
    async (encoding, bom) => {
      await fc.assert(
        fc.asyncProperty(
          table(unicodeCell),
          fc.constantFrom(...DELIMITERS),
          fc.constantFrom(...LINE_ENDINGS),
          fc.integer({ min: 1, max: 48 }),
          async (t, delimiter, eol, chunkBytes) => {
            const { header, text, expected } = render(t, delimiter, eol);
            const { csv, rows } = await readBack(encode(text, encoding, bom), { chunkBytes });
            expect(csv.encoding).toBe(encoding);
            expect(csv.delimiter).toBe(delimiter);
            expect(csv.header).toEqual(header);
            expect(rows).toEqual(expected);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    },
  );

  it('in Windows-1252 (named with --encoding), for text within its repertoire', async () => {
    await fc.assert(
      fc.asyncProperty(
        table(cp1252Cell),
        fc.constantFrom(...DELIMITERS),
        fc.constantFrom(...LINE_ENDINGS),
        fc.integer({ min: 1, max: 48 }),
        async (t, delimiter, eol, chunkBytes) => {
          const { header, text, expected } = render(t, delimiter, eol);
          const { csv, rows } = await readBack(encodeCp1252(text), { encoding: 'windows-1252', chunkBytes });
          expect(csv.delimiter).toBe(delimiter);
          expect(csv.header).toEqual(header);
          expect(rows).toEqual(expected);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('in Mac Roman (named with --encoding), for text within its repertoire', async () => {
    await fc.assert(
      fc.asyncProperty(
        table(macRomanCell),
        fc.constantFrom(...DELIMITERS),
        fc.constantFrom(...LINE_ENDINGS),
        fc.integer({ min: 1, max: 48 }),
        async (t, delimiter, eol, chunkBytes) => {
          const { header, text, expected } = render(t, delimiter, eol);
          const { csv, rows } = await readBack(encodeMacRoman(text), { encoding: 'macintosh', chunkBytes });
          expect(csv.encoding).toBe('macintosh');
          expect(csv.delimiter).toBe(delimiter);
          expect(csv.header).toEqual(header);
          expect(rows).toEqual(expected);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

/** The well-formed multi-byte UTF-8 sequences (Unicode Table 3-7), as Latin-1 text. */
const WELL_FORMED_MULTIBYTE =
  /[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}/;

describe('encoding detection', () => {
  // Random characters from Windows-1252's repertoire are not always Windows-1252 text: "a…b" reads
  // as "aÖb" in Mac Roman, and "Kšnig" as "König". Since Mac Roman joined, such bytes are read as
  // whichever reading is clearly text, or refused with the ambiguity error (encoding.property tests
  // that text as people write it is never read wrong); never as UTF-8.
  it('never reads a file with no well-formed UTF-8 sequence as UTF-8 (unless ASCII), even one ending in an accent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...CP1252_CHARS, '\n', ','), { minLength: 1, maxLength: 200 }),
        async (chars) => {
          const bytes = encodeCp1252(`Name,Company\n${chars.join('')}`);
          const latin1 = bytes.toString('latin1');
          fc.pre(!WELL_FORMED_MULTIBYTE.test(latin1));
          const ascii = /^[\x00-\x7f]*$/.test(latin1);
          const path = join(dir, `t${files++}.csv`);
          writeFileSync(path, bytes);
          const csv = await openCsv(path).catch((err: unknown) => {
            expect(err).toBeInstanceOf(AmbiguousEncodingError);
            return undefined;
          });
          await csv?.close();
          if (ascii) expect(csv?.encoding).toBe('utf-8');
          // Noise, not text: any single-byte reading will do, as long as it is one of them.
          else if (csv)
            expect(['windows-1252', 'macintosh', 'windows-1250', 'windows-1251', 'cp850']).toContain(
              csv.encoding,
            );
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 200) },
    );
  });

  it('reads UTF-8 text as UTF-8 when the stray bytes pasted into it are at most twice its non-ASCII characters', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 }),
        fc.uint8Array({ min: 0x80, max: 0xff, maxLength: 8 }),
        fc.nat(),
        (text, stray, at) => {
          const nonAscii = [...text].filter((c) => c.codePointAt(0)! > 0x7f).length;
          fc.pre(!text.includes('\u0000') && stray.length <= 2 * nonAscii);
          // Stray bytes go between two characters (never inside one), as a pasted line would.
          const chars = [...text];
          const cut = at % (chars.length + 1);
          // FE FF or FF FE at the very start is a UTF-16 byte order mark, which a reader must honour, not a paste.
          fc.pre(
            !(
              cut === 0 &&
              ((stray[0] === 0xfe && stray[1] === 0xff) || (stray[0] === 0xff && stray[1] === 0xfe))
            ),
          );
          const bytes = Buffer.concat([
            Buffer.from(chars.slice(0, cut).join(''), 'utf8'),
            Buffer.from(stray),
            Buffer.from(chars.slice(cut).join(''), 'utf8'),
          ]);
          expect(detectEncoding(bytes, true).encoding).toBe('utf-8');
        },
      ),
      { numRuns: 300 },
    );
  });
});
