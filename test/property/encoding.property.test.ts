import { isAscii } from 'node:buffer';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CP850_HIGH } from '../../src/producer/cp850.js';
import { openCsv } from '../../src/producer/csv-reader.js';
import { createChunkDecoder, detectEncoding } from '../../src/producer/encoding.js';
import { AmbiguousEncodingError } from '../../src/producer/errors.js';
import { MAC_ROMAN_HIGH } from '../../src/producer/mac-roman.js';
import { CP1252_HIGH } from '../../src/producer/windows-1252.js';

/**
 * Mac Roman decoding, and telling Mac Roman from Windows-1252: text people write (names,
 * companies, with accents, curly quotes, dashes and prices) is read in its own encoding or refused
 * as ambiguous, never read in the other one.
 */

const dir = mkdtempSync(join(tmpdir(), 'lpi-prop-encoding-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

const MAC_ROMAN_BYTE = new Map([...MAC_ROMAN_HIGH].map((c, i) => [c, 0x80 + i]));
const CP850_BYTE = new Map([...CP850_HIGH].map((c, i) => [c, 0x80 + i]));
const CP1252_BYTE = new Map(Object.entries(CP1252_HIGH).map(([byte, c]) => [c, Number(byte)]));

function encode(text: string, encoding: 'windows-1252' | 'macintosh' | 'cp850'): Buffer {
  return Buffer.from(
    [...text].map((c) => {
      const code = c.charCodeAt(0);
      const byte =
        code < 0x80
          ? code
          : encoding === 'macintosh'
            ? MAC_ROMAN_BYTE.get(c)
            : encoding === 'cp850'
              ? CP850_BYTE.get(c)
              : (CP1252_BYTE.get(c) ?? (code >= 0xa0 && code <= 0xff ? code : undefined));
      if (byte === undefined) throw new Error(`${c} is not in ${encoding}`);
      return byte;
    }),
  );
}

/** Small-ICU builds of Node do not know the label; full-ICU ones (the usual) give an independent table. */
const icuMacRoman = (() => {
  try {
    return new TextDecoder('macintosh');
  } catch {
    return undefined;
  }
})();

describe('Mac Roman decoding', () => {
  it('maps 0x80–0xFF as ROMAN.TXT does, with € at 0xDB', () => {
    const decode = (byte: number) => createChunkDecoder('macintosh').decode(Uint8Array.of(byte));
    // Spot checks from https://www.unicode.org/Public/MAPPINGS/VENDORS/APPLE/ROMAN.TXT
    expect(decode(0x80)).toBe('\u00c4'); // Ä
    expect(decode(0x8e)).toBe('\u00e9'); // é
    expect(decode(0xa5)).toBe('\u2022'); // •
    expect(decode(0xbd)).toBe('\u03a9'); // Ω, GREEK CAPITAL LETTER OMEGA (not the ohm sign)
    expect(decode(0xc6)).toBe('\u2206'); // ∆, INCREMENT
    expect(decode(0xca)).toBe('\u00a0'); // no-break space
    expect(decode(0xdb)).toBe('\u20ac'); // €, since Mac OS 8.5 (¤ before)
    expect(decode(0xf0)).toBe('\uf8ff'); // the Apple logo
    expect(decode(0xff)).toBe('\u02c7'); // ˇ
    expect(new Set(MAC_ROMAN_HIGH).size).toBe(128);
  });

  it.skipIf(!icuMacRoman)('agrees with ICU on every byte', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(createChunkDecoder('macintosh').decode(bytes)).toBe(icuMacRoman?.decode(bytes));
  });

  it('round-trips any Mac Roman text, whatever the chunks it is decoded in', () => {
    const char = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.constantFrom(...MAC_ROMAN_HIGH),
    );
    fc.assert(
      fc.property(
        fc.array(char, { maxLength: 200 }),
        fc.integer({ min: 1, max: 64 }),
        (chars, chunkBytes) => {
          const text = chars.join('');
          const bytes = encode(text, 'macintosh');
          const decoder = createChunkDecoder('macintosh');
          let decoded = '';
          for (let i = 0; i < bytes.length; i += chunkBytes)
            decoded += decoder.decode(bytes.subarray(i, i + chunkBytes));
          decoded += decoder.end();
          expect(decoded).toBe(text);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

/* Latin-script text as people write it, in either repertoire. */

/** Accented letters of names in each encoding (the rare ones, ÿ ı ƒ ﬁ ﬂ µ, are left out). */
const ACCENTS = {
  'windows-1252': 'ŠšŽžŒœÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ',
  macintosh: 'ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûüßÆØæøÀÃÕŒœÂÊÁËÈÍÎÏÌÓÔÒÚÛÙ',
  cp850: 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÖÜøØáíóúñÑÁÂÀãÃðÐÊËÈÍÎÏÌÓßÔÒõÕþÞÚÛÙýÝ',
} as const;
type SingleByte = keyof typeof ACCENTS;

/** A word of two or more letters, one in four accented, all small, all capitals or capitalised. */
const word = (encoding: SingleByte) => {
  const small = [...ACCENTS[encoding]].filter((c) => c === c.toLowerCase());
  return fc
    .tuple(
      fc.array(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz') },
          { weight: 1, arbitrary: fc.constantFrom(...small) },
        ),
        { minLength: 2, maxLength: 10 },
      ),
      fc.constantFrom('small', 'capitalised', 'capitals'),
    )
    .map(([letters, shape]) => {
      const w = letters.join('');
      if (shape === 'small') return w;
      if (shape === 'capitals') return w.toUpperCase();
      return (w[0] as string).toUpperCase() + w.slice(1);
    })
    .filter((w) => [...w].every((c) => c < '\u0080' || ACCENTS[encoding].includes(c)) && !w.includes('SS'));
};

/**
 * A cell: words, some in curly quotes or joined by an apostrophe, a dash between words, a price. Code page 850 has no
 * curly quotes, dashes or €: its files have ASCII ones and £.
 */
const cell = (encoding: SingleByte) => {
  const [open, close, apostrophe, dashes, price] =
    encoding === 'cp850'
      ? ['"', '"', "'", ['-', '--'], (n: number) => `£${n}`]
      : ['“', '”', '’', ['–', '—'], (n: number) => `${n} €`];
  return fc
    .array(
      fc.oneof(
        { weight: 8, arbitrary: word(encoding) },
        { weight: 1, arbitrary: word(encoding).map((w) => `${open}${w}${close}`) },
        {
          weight: 1,
          arbitrary: fc.tuple(word(encoding), word(encoding)).map(([a, b]) => `${a}${apostrophe}${b}`),
        },
        { weight: 1, arbitrary: fc.constantFrom(...dashes) },
        { weight: 1, arbitrary: fc.nat(99_999).map(price) },
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((parts) => parts.join(' '));
};

/**
 * A CSV file of such cells, with Excel's line endings: CRLF (Windows), CR (Mac), or LF; code page 850 with CRLF only,
 * as DOS and Excel's "CSV (MS-DOS)" write it.
 */
const leadsFile = (encoding: SingleByte) =>
  fc
    .tuple(
      fc.array(fc.tuple(cell(encoding), cell(encoding)), { minLength: 1, maxLength: 6 }),
      encoding === 'cp850' ? fc.constant('\r\n') : fc.constantFrom('\r\n', '\r', '\n'),
    )
    .map(([rows, eol]) => ['Name,Company', ...rows.map(([a, b]) => `${a},${b}`)].join(eol) + eol);

/** The well-formed multi-byte UTF-8 sequences (Unicode Table 3-7), as Latin-1 text. */
const WELL_FORMED_MULTIBYTE =
  /[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}/;

/** What detection made of the bytes: an encoding, or 'ambiguous' when it refused. */
function detected(bytes: Buffer): string {
  try {
    return detectEncoding(bytes, true).encoding;
  } catch (err) {
    expect(err).toBeInstanceOf(AmbiguousEncodingError);
    return 'ambiguous';
  }
}

describe('telling Mac Roman from Windows-1252', () => {
  it.each(['windows-1252', 'macintosh', 'cp850'] as const)(
    'never reads names and companies written in %s as another single-byte encoding: right, or refused',
    (encoding) => {
      fc.assert(
        fc.property(leadsFile(encoding), (text) => {
          const bytes = encode(text, encoding);
          const got = detected(bytes);
          if (isAscii(bytes)) {
            // No accent drawn: ASCII, which is UTF-8.
            expect(got).toBe('utf-8');
          } else if (got === 'utf-8') {
            // Today's mostly-UTF-8 rule: single-byte text can hold well-formed UTF-8 sequences by
            // accident ("’é" in Mac Roman is D5 8E), and a file with as many of them as half its
            // other accents is taken for UTF-8 with lines pasted in. Only then.
            expect(WELL_FORMED_MULTIBYTE.test(bytes.toString('latin1'))).toBe(true);
          } else if (encoding === 'cp850' && got === 'windows-1252') {
            // The limit of code page 850 (see encoding-evidence.ts): from 0xB5 on, its letters are mostly capitals where
            // Windows-1252 has capitals too ("Í" is "Ö") and rare ones where it has small letters ("ß" is "á"). A file
            // whose accents are all there reads as Windows-1252; one with any of its usual accents (0x80–0xA5: é è à ç
            // ü ö ä ñ á í ó ú…) does not.
            expect([...bytes].filter((b) => b >= 0x80 && b < 0xb5)).toEqual([]);
          } else if (got !== 'ambiguous') {
            expect(got).toBe(encoding);
          }
        }),
        { numRuns: NUM_RUNS },
      );
    },
  );

  it.each(['windows-1252', 'macintosh', 'cp850'] as const)(
    'decides (rather than asks about) at least 95%% of such %s files',
    (encoding) => {
      // A fixed seed: this measures how often detection can tell, so it must not vary run to run.
      const samples = fc.sample(leadsFile(encoding), { numRuns: 400, seed: 20261201 });
      const decided = samples.filter((text) => detected(encode(text, encoding)) !== 'ambiguous').length;
      expect(decided / samples.length).toBeGreaterThanOrEqual(0.95);
    },
  );

  it.each(['windows-1252', 'macintosh', 'cp850'] as const)(
    'reads such a %s file right (or refuses it) when its first accent is past the 64 KiB sample',
    async (encoding) => {
      const padding = 'Padding Person,Padding Company\n'.repeat(2200);
      await fc.assert(
        fc.asyncProperty(leadsFile(encoding), async (text) => {
          const eol = /\r\n?|\n/.exec(text)?.[0] ?? '\n';
          const headerEnd = text.indexOf(eol) + eol.length;
          const late = `${text.slice(0, headerEnd)}${padding.replaceAll('\n', eol)}${text.slice(headerEnd)}`;
          const bytes = encode(late, encoding);
          const path = join(dir, `late-${files++}.csv`);
          writeFileSync(path, bytes);
          const csv = await openCsv(path).catch((err: unknown) => {
            expect(err).toBeInstanceOf(AmbiguousEncodingError);
            return undefined;
          });
          await csv?.close();
          if (csv?.encoding === 'utf-8') {
            expect(isAscii(bytes) || WELL_FORMED_MULTIBYTE.test(bytes.toString('latin1'))).toBe(true);
          } else if (csv) expect(csv.encoding).toBe(encoding);
        }),
        { numRuns: 25 },
      );
    },
  );
});
