/**
 * Text encodings of real-world CSV exports: UTF-8 (with or without BOM), UTF-16 LE/BE (Excel's
 * "Unicode text"), and Windows-1252 (Excel on Windows, older CRMs). Detected from the first
 * bytes; `--encoding` overrides.
 */

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export const CSV_ENCODINGS: readonly CsvEncoding[] = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'];

export interface DetectedEncoding {
  encoding: CsvEncoding;
  /** Whether the file starts with a byte order mark (stripped when decoding). */
  bom: boolean;
}

/** Accepts the usual spellings: `utf8`, `UTF-16LE`, `latin1`, `cp1252`, `iso-8859-1`… */
export function parseEncodingName(name: string): CsvEncoding | undefined {
  const n = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  if (n === 'utf8') return 'utf-8';
  if (n === 'utf16le' || n === 'utf16' || n === 'ucs2') return 'utf-16le';
  if (n === 'utf16be') return 'utf-16be';
  if (['windows1252', 'cp1252', 'latin1', 'iso88591', 'ansi'].includes(n)) return 'windows-1252';
  return undefined;
}

/**
 * Detects the encoding from a sample of the file's first bytes: a BOM decides; UTF-16 without a
 * BOM is recognised by its zero bytes; otherwise valid UTF-8 is UTF-8, and so is a file mixing
 * UTF-8 with invalid bytes; anything else is taken as Windows-1252 (a superset of Latin-1 for
 * printable text).
 */
export function detectEncoding(sample: Uint8Array): DetectedEncoding {
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
    // `stream: true` tolerates a multi-byte character cut at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return { encoding: 'utf-8', bom: false };
  } catch {
    // Invalid UTF-8 somewhere. Windows-1252 text almost never holds a well-formed multi-byte UTF-8
    // sequence by accident (it takes a capital like Ã or Â followed by a symbol from 0x80–0xBF),
    // so one such sequence means a UTF-8 file with some lines pasted from elsewhere. Reading it as
    // UTF-8 makes those lines undecodable, and so rejected; reading it as Windows-1252 would turn
    // every UTF-8 accent into mojibake ("JosÃ©") and import that without a word.
    return { encoding: hasMultiByteUtf8(sample) ? 'utf-8' : 'windows-1252', bom: false };
  }
}

/** Whether the bytes hold at least one well-formed multi-byte UTF-8 sequence (Unicode Table 3-7). */
function hasMultiByteUtf8(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const lead = bytes[i] as number;
    if (lead < 0xc2 || lead > 0xf4) continue;
    const length = lead <= 0xdf ? 2 : lead <= 0xef ? 3 : 4;
    // The second byte's range excludes overlong forms (E0, F0) and surrogates (ED) and caps F4.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) continue;
    let k = 2;
    while (k < length && ((bytes[i + k] ?? 0) & 0xc0) === 0x80) k++;
    if (k === length) return true;
  }
  return false;
}

/* Windows-1252 differs from Latin-1 only in 0x80–0x9F. Node's TextDecoder decodes that range as
   C1 controls (it treats the label as Latin-1), so the 27 printable characters are mapped here. */
const CP1252_HIGH: Record<number, string> = {
  128: '€',
  130: '‚',
  131: 'ƒ',
  132: '„',
  133: '…',
  134: '†',
  135: '‡',
  136: 'ˆ',
  137: '‰',
  138: 'Š',
  139: '‹',
  140: 'Œ',
  142: 'Ž',
  145: '‘',
  146: '’',
  147: '“',
  148: '”',
  149: '•',
  150: '–',
  151: '—',
  152: '˜',
  153: '™',
  154: 'š',
  155: '›',
  156: 'œ',
  158: 'ž',
  159: 'Ÿ',
};

function decodeWindows1252(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return text.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0)] ?? c);
}

/** A streaming decoder: feed byte chunks, get text; a character split across chunks is kept for the next. */
export interface ChunkDecoder {
  decode(chunk: Uint8Array): string;
  /** Whatever is left at the end of the input. */
  end(): string;
}

export function createChunkDecoder(encoding: CsvEncoding): ChunkDecoder {
  if (encoding === 'windows-1252') {
    return { decode: decodeWindows1252, end: () => '' };
  }
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
