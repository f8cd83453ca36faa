/**
 * Text encodings of real-world CSV exports: UTF-8 (with or without BOM), UTF-16 LE/BE (Excel's
 * "Unicode text"), Windows-1252 (Excel on Windows, older CRMs) and Mac Roman (Excel for Mac's
 * "CSV (Macintosh)"). Detected from the first bytes; `--encoding` overrides.
 */
import { decodeMacRoman } from './mac-roman.js';
import { decodeWindows1252 } from './windows-1252.js';

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'macintosh';

export const CSV_ENCODINGS: readonly CsvEncoding[] = [
  'utf-8',
  'utf-16le',
  'utf-16be',
  'windows-1252',
  'macintosh',
];

export interface DetectedEncoding {
  encoding: CsvEncoding;
  /** Whether the file starts with a byte order mark (stripped when decoding). */
  bom: boolean;
}

/**
 * Accepts the usual spellings: `utf8`, `UTF-16LE`, `latin1`, `cp1252`, `iso-8859-1`, `mac`,
 * `macroman`, `mac-roman`, `x-mac-roman`…
 */
export function parseEncodingName(name: string): CsvEncoding | undefined {
  const n = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  if (n === 'utf8') return 'utf-8';
  if (n === 'utf16le' || n === 'utf16' || n === 'ucs2') return 'utf-16le';
  if (n === 'utf16be') return 'utf-16be';
  if (['windows1252', 'cp1252', 'latin1', 'iso88591', 'ansi'].includes(n)) return 'windows-1252';
  // cp10000 is Windows' code page number for Mac Roman.
  if (['macintosh', 'mac', 'macroman', 'xmacroman', 'macosroman', 'cp10000'].includes(n)) return 'macintosh';
  return undefined;
}

/**
 * Detects the encoding from a sample of the file's first bytes: a BOM decides; UTF-16 without a
 * BOM is recognised by its zero bytes; otherwise valid UTF-8 is UTF-8, and so is mostly valid
 * UTF-8 with some invalid bytes; anything else is taken as Windows-1252 (a superset of Latin-1 for
 * printable text). `wholeFile` says the sample is all of the file: nothing was cut off its end.
 */
export function detectEncoding(sample: Uint8Array, wholeFile = false): DetectedEncoding {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', bom: true };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf-16le', bom: true };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf-16be', bom: true };
  const pairs = Math.min(sample.length >> 1, 512);
  if (pairs >= 2) {
    let zeroEven = 0;
    let zeroOdd = 0;
    for (let i = 0; i < pairs; i++) {
      if (sample[2 * i] === 0) zeroEven++;
      if (sample[2 * i + 1] === 0) zeroOdd++;
    }
    // ASCII text in UTF-16 has a zero in every other byte; binary files have zeros everywhere.
    if (zeroOdd > pairs * 0.4 && zeroEven < pairs * 0.05) return { encoding: 'utf-16le', bom: false };
    if (zeroEven > pairs * 0.4 && zeroOdd < pairs * 0.05) return { encoding: 'utf-16be', bom: false };
  }
  try {
    // `stream: true` tolerates a multi-byte character cut at the end of the sample; when the
    // sample is the whole file, a byte left over at its end is no cut, just not UTF-8.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !wholeFile });
    return { encoding: 'utf-8', bom: false };
  } catch {
    // Invalid UTF-8 somewhere: a Windows-1252 file, or a UTF-8 file with lines pasted from one.
    // Reading a UTF-8 file as Windows-1252 would turn every accent into mojibake ("JosÃ©") and
    // import it without a word; reading a Windows-1252 file as UTF-8 makes its accented rows
    // undecodable, so rejected, loudly. Hence UTF-8 unless invalid bytes outnumber well-formed
    // multi-byte sequences more than two to one (Windows-1252 text holds such a sequence only by
    // accident: an accented capital followed by a symbol from 0x80–0xBF, as in "CAFÉ”").
    const { valid, invalid } = utf8Evidence(sample);
    return { encoding: valid > 0 && valid * 2 >= invalid ? 'utf-8' : 'windows-1252', bom: false };
  }
}

/**
 * Counts well-formed multi-byte UTF-8 sequences (Unicode Table 3-7: no overlong forms, no
 * surrogates) and the non-ASCII bytes that are part of none.
 */
function utf8Evidence(bytes: Uint8Array): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length =
      lead >= 0xc2 && lead <= 0xdf
        ? 2
        : lead >= 0xe0 && lead <= 0xef
          ? 3
          : lead >= 0xf0 && lead <= 0xf4
            ? 4
            : 0;
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    let k = 1;
    if (length > 0) {
      const second = bytes[i + 1];
      if (second !== undefined && second >= low && second <= high) {
        k = 2;
        while (k < length && ((bytes[i + k] ?? 0) & 0xc0) === 0x80) k++;
      }
    }
    if (length > 0 && k === length) {
      valid++;
      i += length;
    } else {
      invalid++;
      i++;
    }
  }
  return { valid, invalid };
}

/** A streaming decoder: feed byte chunks, get text; a character split across chunks is kept for the next. */
export interface ChunkDecoder {
  decode(chunk: Uint8Array): string;
  /** Whatever is left at the end of the input. */
  end(): string;
}

export function createChunkDecoder(encoding: CsvEncoding): ChunkDecoder {
  // Single-byte: a chunk boundary never splits a character, so nothing is carried.
  if (encoding === 'windows-1252') return { decode: decodeWindows1252, end: () => '' };
  if (encoding === 'macintosh') return { decode: decodeMacRoman, end: () => '' };
  // ignoreBOM false: the decoder drops a leading BOM itself.
  const decoder = new TextDecoder(encoding, { fatal: false, ignoreBOM: false });
  return {
    decode: (chunk) => decoder.decode(chunk, { stream: true }),
    end: () => decoder.decode(),
  };
}

/** Decodes a stream of byte chunks into text chunks. */
export async function* decodeChunks(
  chunks: AsyncIterable<Uint8Array>,
  encoding: CsvEncoding,
): AsyncGenerator<string> {
  const decoder = createChunkDecoder(encoding);
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk);
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}
