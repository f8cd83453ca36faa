/**
 * Text encodings of real-world CSV exports: UTF-8 (with or without BOM), UTF-16 LE/BE (Excel's
 * "Unicode text"), Windows-1252 (Excel on Windows, older CRMs), Mac Roman (Excel for Mac's
 * "CSV (Macintosh)"), Windows-1250 and Windows-1251 (Excel's "CSV" on Windows in Central
 * European and Cyrillic locales), code page 850 (Excel's "CSV (MS-DOS)"), and Shift_JIS, GBK, EUC-KR and Big5 (Excel's
 * "CSV" in Japanese, Chinese and Korean locales). Detected from the bytes; `--encoding` overrides. Where the bytes fit both
 * single-byte encodings equally well, detection stops the import and asks: an import that guessed
 * would put mojibake ("Zo‘ ¯rsted" for "Zoë Ørsted") into Pipedrive without a word.
 */
import { isAscii } from 'node:buffer';
import { type FileHandle, open } from 'node:fs/promises';
import { COMMON_HANZI } from './common-hanzi.js';
import { decodeCp850 } from './cp850.js';
import {
  countLineBreaks,
  EncodingEvidence,
  type LineEnds,
  type SingleByteEncoding,
} from './encoding-evidence.js';
import { AmbiguousEncodingError, CsvFormatError } from './errors.js';
import { isKnownHeader } from './header-conventions.js';
import { decodeMacRoman } from './mac-roman.js';
import { decodeWindows1250 } from './windows-1250.js';
import { decodeWindows1251 } from './windows-1251.js';
import { decodeWindows1252 } from './windows-1252.js';

export type CsvEncoding =
  | 'utf-8'
  | 'utf-16le'
  | 'utf-16be'
  | 'windows-1252'
  | 'macintosh'
  | 'windows-1250'
  | 'windows-1251'
  | 'cp850'
  | CjkEncoding;

/**
 * Excel's "CSV" on Windows in Japanese, Simplified Chinese, Korean and Traditional Chinese locales: code pages 932,
 * 936, 949 and 950, as the WHATWG decoders Node has read them (Shift_JIS is Windows-31J; GB18030 reads GBK; EUC-KR
 * is Windows-949).
 */
export type CjkEncoding = 'shift_jis' | 'gb18030' | 'euc-kr' | 'big5';
const CJK_ENCODINGS: readonly CjkEncoding[] = ['shift_jis', 'gb18030', 'euc-kr', 'big5'];

export const CSV_ENCODINGS: readonly CsvEncoding[] = [
  'utf-8',
  'utf-16le',
  'utf-16be',
  'windows-1252',
  'macintosh',
  'windows-1250',
  'windows-1251',
  'cp850',
  ...CJK_ENCODINGS,
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
  if (['windows1250', 'cp1250', 'xcp1250'].includes(n)) return 'windows-1250';
  if (['windows1251', 'cp1251', 'xcp1251'].includes(n)) return 'windows-1251';
  // DOS code pages: 437 (US) is read as 850, which has every Latin letter it has (see cp850.ts).
  if (['cp850', 'ibm850', '850', 'dos850', 'cp437', 'ibm437', '437', 'dos437', 'msdos', 'dos'].includes(n))
    return 'cp850';
  if (['shiftjis', 'sjis', 'cp932', 'windows31j', 'mskanji', 'xsjis', '932'].includes(n)) return 'shift_jis';
  if (['gb18030', 'gbk', 'gb2312', 'cp936', 'euccn', '936'].includes(n)) return 'gb18030';
  if (['euckr', 'cp949', 'uhc', 'windows949', 'ksc56011987', '949'].includes(n)) return 'euc-kr';
  if (['big5', 'cp950', 'big5hkscs', '950'].includes(n)) return 'big5';
  return undefined;
}

/** How much of the file detection reads at once, and how much it decides UTF-8 on. */
const SAMPLE_BYTES = 64 * 1024;
/** Bytes read per call while scanning past the sample (one sequential pass, one buffer). */
const SCAN_CHUNK_BYTES = 256 * 1024;
/** A line longer than this before its first non-ASCII byte is examined from this far before it. */
const MAX_LEAD_BYTES = 1024;

/**
 * Detects the encoding from a sample of the file's first bytes: a BOM decides; UTF-16 without a
 * BOM is recognised by its zero bytes; valid UTF-8 (pure ASCII included) is UTF-8, and so is mostly
 * valid UTF-8 with some invalid bytes. Anything else is Windows-1252 or Mac Roman, whichever reads
 * as text (see `EncodingEvidence`); when neither clearly does, it throws. `wholeFile` says the
 * sample is all of the file: nothing was cut off its end.
 *
 * @throws {AmbiguousEncodingError} the bytes read as text in Windows-1252 and Mac Roman alike
 */
export function detectEncoding(
  sample: Uint8Array,
  wholeFile = false,
  displayName = 'the file',
): DetectedEncoding {
  const unicode = detectFromStart(sample) ?? detectUtf8(sample, wholeFile);
  if (unicode) return unicode;
  const evidence = new EncodingEvidence(lineEnds(sample));
  evidence.add(sample, 1);
  return decide(evidence, displayName, sample);
}

export interface DetectFileEncodingOptions {
  /** The file's size in bytes. */
  size: number;
  /** Name used in messages. */
  displayName: string;
  /** Bytes read per call when the sample does not decide. @defaultValue 256 KiB */
  chunkBytes?: number;
}

/**
 * Detects a file's encoding from `sample` (its first bytes), reading on when they do not decide:
 *
 * - a sample of pure ASCII says nothing about the accents further down, and taking it for UTF-8
 *   would reject every accented row of a Windows-1252 file past it as invalid UTF-8. So the file is
 *   read on, sequentially, to its first non-ASCII byte, and the 64 KiB from that line on decide as
 *   a sample would (a file that is ASCII to its end is UTF-8);
 * - single-byte text whose readings are not yet told apart is read on, line by line, until one
 *   reading clearly wins or the file ends.
 *
 * At worst the file is read once through (and the 64 KiB window twice), sequentially, with one
 * buffer: memory stays bounded whatever the file's size. On 100 MB of ASCII that is ~135 ms, a few
 * percent of parsing it (`bench/encoding-scan.ts`).
 *
 * @throws {AmbiguousEncodingError} the file reads as text in Windows-1252 and Mac Roman alike
 */
export async function detectFileEncoding(
  path: string,
  sample: Uint8Array,
  options: DetectFileEncodingOptions,
): Promise<DetectedEncoding> {
  const { size, displayName } = options;
  if (size <= sample.length) return detectEncoding(sample, true, displayName);
  const atStart = detectFromStart(sample);
  if (atStart) return atStart;
  const chunkBytes = options.chunkBytes ?? SCAN_CHUNK_BYTES;
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    // The bytes that decide as a sample would: the sample itself, or 64 KiB from the line of the
    // first non-ASCII byte when the sample is all ASCII.
    let window = sample;
    let windowStart = 0;
    let windowIsEnd = false;
    let line = 1;
    if (isAscii(sample)) {
      const found = await findFirstNonAsciiLine(handle, sample, chunkBytes);
      if (!found) return { encoding: 'utf-8', bom: false };
      windowStart = found.offset;
      line = found.line;
      window = await readAt(handle, windowStart, SAMPLE_BYTES);
      windowIsEnd = window.length < SAMPLE_BYTES || windowStart + window.length >= size;
    }
    const utf8 = detectUtf8(window, windowIsEnd);
    if (utf8) return utf8;
    const evidence = new EncodingEvidence(lineEnds(sample));
    const end = windowIsEnd ? window.length : completeLinesEnd(window) || window.length;
    evidence.add(window.subarray(0, end), line);
    if (!windowIsEnd && !evidence.verdict()) {
      await readEvidence(
        handle,
        evidence,
        windowStart + end,
        line + countLineBreaks(window.subarray(0, end)),
        chunkBytes,
      );
    }
    return decide(evidence, displayName, sample);
  } catch (err) {
    if (err instanceof CsvFormatError) throw err;
    throw new CsvFormatError(`${displayName} cannot be read: ${(err as Error).message}`);
  } finally {
    await handle?.close();
  }
}

/** A byte order mark, or UTF-16 without one (recognised by its zero bytes). */
function detectFromStart(sample: Uint8Array): DetectedEncoding | undefined {
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
  return undefined;
}

/** UTF-8 when `bytes` are valid UTF-8, or mostly valid; undefined when they are single-byte text. */
function detectUtf8(bytes: Uint8Array, ended: boolean): DetectedEncoding | undefined {
  try {
    // `stream: true` tolerates a multi-byte character cut at the end of the bytes; when they end
    // the file, a byte left over at their end is no cut, just not UTF-8.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !ended });
    return { encoding: 'utf-8', bom: false };
  } catch {
    // Invalid UTF-8 somewhere: a single-byte file, or a UTF-8 file with lines pasted from one.
    // Reading a UTF-8 file as Windows-1252 would turn every accent into mojibake ("JosÃ©") and
    // import it without a word; reading a Windows-1252 file as UTF-8 makes its accented rows
    // undecodable, so rejected, loudly. Hence UTF-8 unless invalid bytes outnumber well-formed
    // multi-byte sequences more than two to one (single-byte text holds such a sequence only by
    // accident: an accented capital followed by a symbol from 0x80–0xBF, as in "CAFÉ”").
    const { valid, invalid } = utf8Evidence(bytes);
    return valid > 0 && valid * 2 >= invalid ? { encoding: 'utf-8', bom: false } : undefined;
  }
}

/**
 * The evidence's verdict, or a question (an {@link AmbiguousEncodingError}) when it has none. `start` is the file's
 * first bytes: where its header names read as column names this importer knows in Windows-1250 and not in the
 * reading the text's bytes chose ({@link headerPrefersWindows1250}), Windows-1250 is taken.
 */
function decide(evidence: EncodingEvidence, displayName: string, start: Uint8Array): DetectedEncoding {
  const readings = cjkReadings(start);
  const cjk = headerPrefersCjk(start) ?? textPrefersCjk(readings);
  if (cjk) return { encoding: cjk, bom: false };
  const verdict = evidence.verdict();
  // Bytes that read cleanly as Chinese (or Korean) text are no Western file: ask rather than import mojibake.
  const asianReadings = readings.map((r) => r.encoding);
  if (verdict && asianReadings.length > 0) {
    const candidates = [...asianReadings, verdict];
    throw new AmbiguousEncodingError(
      `${displayName}: cannot tell the text encoding: it reads as ${asianReadings.map((a) => `${CJK_LANGUAGES[a]} (${a})`).join(', ')} and as ${ENCODING_LABELS[verdict]}. Open the file to check which is right, then pass ${candidates.map((c) => `--encoding ${c}`).join(' or ')} (or save it as "CSV UTF-8").`,
      candidates,
      undefined,
    );
  }
  if (verdict === 'windows-1252') {
    if (headerPrefersWindows1250(start)) return { encoding: 'windows-1250', bom: false };
    const central = centralEuropeanLineIn1252(start);
    if (central) {
      const { line, as1252, as1250 } = central.at;
      throw new AmbiguousEncodingError(
        `${displayName}: cannot tell the text encoding: line ${line} reads "${shownLine(as1252)}" as Windows-1252 and "${shownLine(as1250)}" as Windows-1250 (${central.language}). Open the file and check which is right, then pass --encoding windows-1250 or --encoding windows-1252 (or save it as "CSV UTF-8").`,
        ['windows-1250', 'windows-1252'],
        line,
      );
    }
  }
  if (verdict) return { encoding: verdict, bom: false };
  const ambiguity = evidence.ambiguity();
  if (ambiguity?.readings.some((r) => r.encoding === 'windows-1250') && headerPrefersWindows1250(start)) {
    return { encoding: 'windows-1250', bom: false };
  }
  const candidates: SingleByteEncoding[] = ambiguity?.readings.map((r) => r.encoding) ?? [
    'windows-1252',
    'macintosh',
  ];
  const shown = ambiguity
    ? `line ${ambiguity.line} reads ${ambiguity.readings.map((r) => `"${r.text}" as ${ENCODING_LABELS[r.encoding]}`).join(' and ')}. Open the file and check which is right`
    : 'it reads as Windows-1252 and as Mac Roman alike. Open the file to check which is right';
  const orAsian = asianReadings.length
    ? `; if it is ${asianReadings.map((a) => CJK_LANGUAGES[a]).join(' or ')} text, pass ${asianReadings.map((a) => `--encoding ${a}`).join(' or ')}`
    : '';
  throw new AmbiguousEncodingError(
    `${displayName}: cannot tell the text encoding: ${shown}, then pass ${candidates.map((c) => `--encoding ${c}`).join(' or ')}${orAsian} (or save it as "CSV UTF-8").`,
    candidates,
    ambiguity?.line,
  );
}

const CJK_LANGUAGES: Record<CjkEncoding, string> = {
  shift_jis: 'Japanese',
  gb18030: 'Simplified Chinese',
  'euc-kr': 'Korean',
  big5: 'Traditional Chinese',
};

/** Kana, CJK ideographs, Hangul, CJK punctuation and full-width forms (not half-width katakana). */
const CJK_CHAR = /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uff01-\uff60\uffe0-\uffe6]/gu;

/**
 * The CJK encodings `start` decodes in without an invalid byte, its non-ASCII text then being CJK (at least six
 * such characters, nine in ten of the non-ASCII ones), when its high bytes stand side by side as CJK text's do: what to offer when the single-byte readings do not decide.
 */
function cjkReadings(start: Uint8Array): { encoding: CjkEncoding; text: string }[] {
  const bytes = start.subarray(0, completeLinesEnd(start) || start.length);
  // CJK text is two bytes a character, high bytes side by side; Western accents stand alone between ASCII letters
  // ("Jürgen"), and a short line of them can read as valid GBK all the same.
  if (pairedHighBytes(bytes) < 0.7) return [];
  return CJK_ENCODINGS.flatMap((encoding) => {
    const text = decodeStrictly(encoding, bytes);
    if (text === undefined) return [];
    const nonAscii = text.match(/[^\x00-\x7f]/gu)?.length ?? 0;
    const cjk = text.match(CJK_CHAR)?.length ?? 0;
    return cjk >= 6 && cjk >= 0.9 * nonAscii ? [{ encoding, text }] : [];
  });
}

/** `bytes` read in `encoding`, or undefined where a byte is invalid in it. */
function decodeStrictly(encoding: CjkEncoding, bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The share of bytes ≥ 0x80 that have another beside them. */
function pairedHighBytes(bytes: Uint8Array): number {
  let high = 0;
  let paired = 0;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) < 0x80) continue;
    high++;
    if ((bytes[i - 1] ?? 0) >= 0x80 || (bytes[i + 1] ?? 0) >= 0x80) paired++;
  }
  return high === 0 ? 0 : paired / high;
}

/**
 * Japanese or Korean told by its own script: Shift_JIS whose reading has kana in one CJK character of ten (Japanese
 * writes every sentence with them; Chinese and Korean bytes read as Shift_JIS give half-width katakana instead, or
 * fail), or EUC-KR whose reading is Hangul in four of five (Chinese bytes read as Windows-949 give as much Hanja as
 * Hangul). Chinese by the characters it is made of ({@link chinesePreferred}).
 */
function textPrefersCjk(
  readings: readonly { encoding: CjkEncoding; text: string }[],
): CjkEncoding | undefined {
  for (const { encoding, text } of readings) {
    const cjk = text.match(CJK_CHAR)?.length ?? 0;
    const own = text.match(encoding === 'shift_jis' ? /[\u3041-\u30ff]/gu : /[\uac00-\ud7a3]/gu)?.length ?? 0;
    if (encoding === 'shift_jis' && own >= 0.1 * cjk) return encoding;
    if (encoding === 'euc-kr' && own >= 0.8 * cjk) return encoding;
  }
  return chinesePreferred(readings);
}

/** Fewer ideographs than this tell too little to choose by: the import asks. */
const MIN_IDEOGRAPHS = 8;

/**
 * GBK (Simplified) or Big5 (Traditional), told by the characters each reading gives: real Chinese text is mostly
 * {@link COMMON_HANZI} (a lead list 88–89 %), while bytes of one code page read in the other (or Chinese read as
 * Windows-1251's Cyrillic, or Russian read as GBK) give characters from all over the table (4–8 %). The reading
 * with at least {@link MIN_IDEOGRAPHS} ideographs, two in five of them common, and twice the share of any other
 * wins; otherwise none does, and the import asks.
 */
function chinesePreferred(
  readings: readonly { encoding: CjkEncoding; text: string }[],
): CjkEncoding | undefined {
  const scored = readings
    .filter((r) => r.encoding === 'gb18030' || r.encoding === 'big5')
    .map(({ encoding, text }) => {
      const ideographs = text.match(/[\u4e00-\u9fff]/gu) ?? [];
      let common = 0;
      for (const c of ideographs) if (COMMON_HANZI.has(c)) common++;
      return {
        encoding,
        ideographs: ideographs.length,
        share: ideographs.length ? common / ideographs.length : 0,
      };
    })
    .sort((a, b) => b.share - a.share);
  const [best, next] = scored;
  if (!best || best.ideographs < MIN_IDEOGRAPHS || best.share < 0.4) return undefined;
  if (next && next.share * 2 > best.share) return undefined;
  return best.encoding;
}

/**
 * A CJK encoding in which some line among the first {@link HEADER_LINES_EXAMINED} has at least two cells that are
 * column names this importer knows (`名前`, `メールアドレス` in Shift_JIS), more than any single-byte reading of it
 * has: Excel's CSV in a Japanese, Chinese or Korean locale. The bytes alone would read as Windows-1251 or 1252
 * letters as well.
 */
function headerPrefersCjk(start: Uint8Array): CjkEncoding | undefined {
  for (const { line, bytes, as1252, as1250 } of accentedLines(start)) {
    if (line > HEADER_LINES_EXAMINED) return undefined;
    const singleByte = Math.max(knownCells(as1252), knownCells(as1250), knownCells(decodeWindows1251(bytes)));
    let best: { encoding: CjkEncoding; known: number } | undefined;
    for (const encoding of CJK_ENCODINGS) {
      const text = decodeStrictly(encoding, bytes);
      if (text === undefined) continue;
      const known = knownCells(text);
      if (known >= 2 && known > singleByte && known > (best?.known ?? 0)) best = { encoding, known };
    }
    if (best) return best.encoding;
  }
  return undefined;
}

/** Lines at the start of a file that may hold its header (a preamble such as LinkedIn's, or `sep=;`, before it). */
const HEADER_LINES_EXAMINED = 20;

/**
 * Czech and Slovak letters of Windows-1250 are letters in Windows-1252 too ("Dvořák" reads "Dvoøák", "Město"
 * "Mìsto"), so the text's bytes alone keep Windows-1252 (see encoding-evidence.ts), and so do Polish words
 * without ł, ś or ź ("Imię" reads "Imiê"). A header typed in those languages tells them apart: "Příjmení" and
 * "Město" are column names this importer knows, "Pøíjmení" and "Mìsto" are not. True when some line among the
 * first {@link HEADER_LINES_EXAMINED} has more cells that are known column names read as Windows-1250 than read as
 * Windows-1252 (only cells with a byte ≥ 0x80 can differ).
 */
function headerPrefersWindows1250(start: Uint8Array): boolean {
  for (const { line, as1252, as1250 } of accentedLines(start)) {
    if (line > HEADER_LINES_EXAMINED) return false;
    if (knownCells(as1250) > knownCells(as1252)) return true;
  }
  return false;
}

/** A line of a file's first bytes that holds a byte ≥ 0x80 (numbered from 1), read as Windows-1252 and -1250. */
interface AccentedLine {
  line: number;
  bytes: Uint8Array;
  as1252: string;
  as1250: string;
}

/**
 * The lines of `bytes` (CR, LF or CRLF) that hold a byte ≥ 0x80, in both readings. One byte is one character in
 * both, so a character is at the same offset in the two.
 */
function* accentedLines(bytes: Uint8Array): Generator<AccentedLine> {
  let from = 0;
  for (let line = 1; from < bytes.length; line++) {
    let end = from;
    while (end < bytes.length && bytes[end] !== 0x0a && bytes[end] !== 0x0d) end++;
    const text = bytes.subarray(from, end);
    if (text.some((b) => b >= 0x80)) {
      yield { line, bytes: text, as1252: decodeWindows1252(text), as1250: decodeWindows1250(text) };
    }
    from = end + 1;
    if (bytes[end] === 0x0d && bytes[from] === 0x0a) from++;
  }
}

/**
 * Words of a language written in Windows-1250 that Windows-1252 reads as one Western letter beside another no Western
 * language puts with it, and that hold only the language's letters when read as Windows-1250. Rare in Western text,
 * not impossible (a Faroese name, a typo): such words make the import ask, not switch.
 *
 * - Czech and Slovak: ř as ø, ě as ì, č as è, ň as ò, ů as ù, in a word with í, á, ý or ú ("Jiøí", "Dvoøák",
 *   "krásnì", "Èerný"). Danish and Norwegian write ø, Italian ì, è, ò, ù, French è, but none of them beside í, á, ý or
 *   ú.
 * - Hungarian: ő as õ, ű as û, in a word with á, í, ó, ú, ö or ü ("Kõvári", "Építõ", "Fõvárosi"). Portuguese and
 *   Estonian write õ, French û, but not beside those (é is left out: French writes "sûreté"); Portuguese words with
 *   õ hold ã or ç as well ("Simões", "Soluções"), and Estonian ones ä, which are not Hungarian letters. Hungarian
 *   words with ő or ű and none of those vowels ("Erdős", "Szűcs") do not tell.
 */
const READ_AS_1252: readonly { language: string; odd: RegExp; beside: RegExp; letters: RegExp }[] = [
  {
    language: 'Czech or Slovak',
    odd: /[øØìÌèÈòÒùÙ]/,
    beside: /[íáýúÍÁÝÚ]/,
    letters: /^[a-zA-ZáäčďéěíĺľňóôŕřšťúůýžÁÄČĎÉĚÍĹĽŇÓÔŔŘŠŤÚŮÝŽ]+$/,
  },
  {
    language: 'Hungarian',
    odd: /[õÕûÛ]/,
    beside: /[áíóúöüÁÍÓÚÖÜ]/,
    letters: /^[a-zA-ZáéíóöőúüűÁÉÍÓÖŐÚÜŰ]+$/,
  },
];
/** Words: runs of letters, matched once each (a test per word, not per position: linear in a long run). */
const WORDS = /\p{L}+/gu;

/** Different such words, in the file's first bytes, before the import asks: more than one, so a lone odd name does not. */
const WORDS_NEEDED = 2;

/**
 * The first line among the file's first bytes with a word of {@link READ_AS_1252}, in both readings, and the word's
 * language, when the bytes hold {@link WORDS_NEEDED} different words of that language.
 */
function centralEuropeanLineIn1252(start: Uint8Array): { at: AccentedLine; language: string } | undefined {
  const found = READ_AS_1252.map(() => ({
    first: undefined as AccentedLine | undefined,
    words: new Set<string>(),
  }));
  for (const accented of accentedLines(start)) {
    for (const m of accented.as1252.matchAll(WORDS)) {
      READ_AS_1252.forEach(({ odd, beside, letters }, i) => {
        if (!odd.test(m[0]) || !beside.test(m[0])) return;
        if (!letters.test(accented.as1250.slice(m.index, m.index + m[0].length))) return;
        const seen = found[i] as (typeof found)[number];
        seen.words.add(m[0]);
        seen.first ??= accented;
      });
    }
    const i = found.findIndex((f) => f.words.size >= WORDS_NEEDED);
    if (i >= 0) return { at: found[i]?.first as AccentedLine, language: READ_AS_1252[i]?.language as string };
  }
  return undefined;
}

/** A line as the question shows it: its first {@link MAX_SHOWN_LINE_CHARACTERS} characters. */
function shownLine(line: string): string {
  return line.length > MAX_SHOWN_LINE_CHARACTERS ? `${line.slice(0, MAX_SHOWN_LINE_CHARACTERS)}…` : line;
}

/** Characters of a line shown in the question {@link centralEuropeanLineIn1252} leads to. */
const MAX_SHOWN_LINE_CHARACTERS = 200;

/** How many of a line's cells (split on any usual delimiter, quotes dropped) are column names this importer knows. */
function knownCells(line: string): number {
  let known = 0;
  for (const cell of line.split(/[;,\t|]/)) {
    const name = cell.trim().replace(/^"|"$/g, '');
    if (/[^\x00-\x7f]/.test(name) && isKnownHeader(name)) known++;
  }
  return known;
}

const ENCODING_LABELS: Record<SingleByteEncoding, string> = {
  'windows-1252': 'Windows-1252',
  macintosh: 'Mac Roman (macintosh)',
  'windows-1250': 'Windows-1250',
  'windows-1251': 'Windows-1251',
  cp850: 'DOS code page 850 (cp850)',
};

/**
 * How the file's lines end: `cr` when it has CR line breaks and no LF anywhere (classic Mac OS, and Excel for Mac's
 * "CSV (Macintosh)"), `crlf` when its first line break is CRLF (Windows and DOS), else `lf`.
 */
function lineEnds(bytes: Uint8Array): LineEnds {
  if (bytes.includes(0x0d) && !bytes.includes(0x0a)) return 'cr';
  const cr = bytes.indexOf(0x0d);
  const lf = bytes.indexOf(0x0a);
  return cr !== -1 && lf === cr + 1 ? 'crlf' : 'lf';
}

/** Where the last complete line of `bytes` ends (0 when there is no line break). */
function completeLinesEnd(bytes: Uint8Array): number {
  let end = Math.max(bytes.lastIndexOf(0x0a), bytes.lastIndexOf(0x0d)) + 1;
  // A CR at the very end may be the first half of a CRLF: leave it to the next piece.
  if (end === bytes.length && bytes[end - 1] === 0x0d) {
    end = Math.max(bytes.lastIndexOf(0x0a, end - 2), bytes.lastIndexOf(0x0d, end - 2)) + 1;
  }
  return end;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * Reads on from the end of an all-ASCII sample to the first byte ≥ 0x80, counting lines on the
 * way: where that byte's line starts (or `MAX_LEAD_BYTES` before the byte, on a longer line; all
 * bytes before it are ASCII, so no character is cut) and its line number. Undefined: ASCII to the end.
 */
async function findFirstNonAsciiLine(
  handle: FileHandle,
  sample: Uint8Array,
  chunkBytes: number,
): Promise<{ offset: number; line: number } | undefined> {
  let line = 1 + countLineBreaks(sample);
  let lineStart = lastLineStart(sample, 0) ?? 0;
  let afterCr = sample[sample.length - 1] === 0x0d;
  let position = sample.length;
  const buffer = Buffer.alloc(chunkBytes);
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, chunkBytes, position);
    if (bytesRead === 0) return undefined;
    const chunk = buffer.subarray(0, bytesRead);
    let ascii = bytesRead;
    if (!isAscii(chunk)) {
      ascii = 0;
      while ((chunk[ascii] as number) < 0x80) ascii++;
    }
    const head = chunk.subarray(0, ascii);
    line += countLineBreaks(head, afterCr);
    lineStart = lastLineStart(head, position) ?? lineStart;
    if (ascii < bytesRead) return { offset: Math.max(lineStart, position + ascii - MAX_LEAD_BYTES), line };
    afterCr = chunk[bytesRead - 1] === 0x0d;
    position += bytesRead;
  }
}

/** The offset (from `base`) just after the last line break in `bytes`; undefined when there is none. */
function lastLineStart(bytes: Uint8Array, base: number): number | undefined {
  const last = Math.max(bytes.lastIndexOf(0x0a), bytes.lastIndexOf(0x0d));
  return last === -1 ? undefined : base + last + 1;
}

/** Scores the file from `position` on, a chunk of whole lines at a time, until a reading wins or the file ends. */
async function readEvidence(
  handle: FileHandle,
  evidence: EncodingEvidence,
  position: number,
  line: number,
  chunkBytes: number,
): Promise<void> {
  const buffer = Buffer.alloc(chunkBytes);
  let at = position;
  let lineNumber = line;
  while (!evidence.verdict()) {
    const { bytesRead } = await handle.read(buffer, 0, chunkBytes, at);
    if (bytesRead === 0) return;
    const chunk = buffer.subarray(0, bytesRead);
    const end = (bytesRead < chunkBytes ? bytesRead : completeLinesEnd(chunk)) || bytesRead;
    const piece = chunk.subarray(0, end);
    if (!isAscii(piece)) evidence.add(piece, lineNumber);
    lineNumber += countLineBreaks(piece);
    at += end;
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
  if (encoding === 'windows-1250') return { decode: decodeWindows1250, end: () => '' };
  if (encoding === 'windows-1251') return { decode: decodeWindows1251, end: () => '' };
  if (encoding === 'cp850') return { decode: decodeCp850, end: () => '' };
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
