/**
 * Windows-1252 or Mac Roman? Both are single-byte encodings with ASCII below 0x80, so any byte
 * sequence decodes in either; what differs is what the bytes 0x80–0xFF become. "Zoë Ørsted" in Mac
 * Roman reads "Zo‘ ¯rsted" as Windows-1252, and "Zoë Ørsted" in Windows-1252 reads "ZoÎ ÿrsted" as
 * Mac Roman. The right reading is the one that looks like text: accented letters inside words of one
 * case pattern, quotes at the edges of words, a dash between spaces, € next to a number. The wrong
 * one puts a capital between small letters ("MŸller"), a symbol inside a word ("S¿ren"), a quote
 * glued to the end of a name ("Zo‘"), or a byte the encoding leaves undefined.
 *
 * Each byte ≥ 0x80 is scored in both readings from its own character and its neighbours, from −4
 * (a byte the encoding leaves undefined) to +2 (a character used as text uses it), and the
 * difference goes to the reading it favours. An accent in a word, a quote at a word's edge, a dash
 * between spaces, € by a number: each scores the full +2 in its own encoding, so on such a byte the
 * other reading can tie (0x9A is "ö" in Mac Roman and "š" in Windows-1252, both fine inside a word)
 * but not win. Only what scores less in its own encoding (a lone letter, a no-break space, a rare
 * letter such as ÿ) can lose a point to the other. So a decision needs a clear lead (`MARGIN`, and
 * two to one), and without one the import asks rather than guesses. CR-only line endings add a
 * point for Mac Roman.
 *
 * Two more code pages come from Excel's plain "CSV" on Windows in other locales, and neither is
 * told by these scores alone:
 *
 * - Windows-1251 (Cyrillic): its letters sit where Windows-1252 has its accented letters, capitals
 *   at 0xC0–0xDF and small letters at 0xE0–0xFF in both, so "Анна" reads "Àííà", a word of one case
 *   pattern. What gives it away is that such words hold no ASCII letter at all: Latin text has a
 *   few accents among plain letters ("Müller"), Cyrillic text whole words of bytes ≥ 0x80. Words made
 *   only of them, with few words mixing them with ASCII letters, decide Windows-1251.
 * - Windows-1250 (Central European) shares most accented letters with Windows-1252 and puts its own
 *   where Windows-1252 has symbols: "Łódź" reads "£ódŸ", "Żółw" "¯ó³w". It is scored like the
 *   other two, against each of them, and taken only when it clearly beats both; on a tie (German,
 *   French: the same letters in both) Windows-1252 stays. Czech and Hungarian letters (ř, ě, ő) are
 *   letters in Windows-1252 too ("Dvoøák"): a file with no Polish letter, ť or ľ reads as
 *   Windows-1252 here, unless its header's column names are known words only as Windows-1250
 *   (encoding.ts, `headerPrefersWindows1250`); words that pair letters no Western language pairs
 *   ("Jiøí", `centralEuropeanLineIn1252`) make the import ask; else `--encoding windows-1250` says otherwise.
 *
 * One more comes from a choice in Excel's "Save As" list: "CSV (MS-DOS)" writes the OEM code page (850 in Western
 * Europe, 437 in the US; read alike, see cp850.ts), whose accented letters sit at 0x80–0xA5, where Windows-1252 has
 * punctuation and holes ("Ren‚") and Mac Roman capitals ("RenÇ", "MÅller"). It is scored against both and taken
 * when it clearly beats both. Where it ties with the reading that would win (0x87–0x8D and 0x93–0x98 are small
 * letters in Mac Roman too: Mac Roman's "ñ" is code page 850's "û"; Windows-1252's "Ž" is its "Ä" in a word of
 * capitals), CRLF line ends, which DOS and Windows write and Excel for Mac's "CSV (Macintosh)" does not, make the
 * import ask; with LF or CR, that reading stays, as before code page 850 was known.
 */
import { CP850_HIGH } from './cp850.js';
import { MAC_ROMAN_HIGH } from './mac-roman.js';
import { CP1250_HIGH } from './windows-1250.js';
import { CP1251_HIGH } from './windows-1251.js';
import { CP1252_HIGH } from './windows-1252.js';

/** How a file's lines end (see `lineEnds` in encoding.ts). */
export type LineEnds = 'cr' | 'crlf' | 'lf';

/** The single-byte encodings told apart by evidence (a Latin-1 file is read as Windows-1252). */
export type SingleByteEncoding = 'windows-1252' | 'macintosh' | 'windows-1250' | 'windows-1251' | 'cp850';

/** Points one reading must lead by before it is taken. */
const MARGIN = 3;
/**
 * CR-only line endings (no LF at all) are what classic Mac OS and Excel for Mac's "CSV (Macintosh)"
 * write: a hint worth one point for Mac Roman, never enough alone.
 */
const CR_ONLY_HINT = 1;
/** Bytes examined on each side of an accented letter to find its word. */
const MAX_WORD_BYTES = 48;
/** Bytes of the line shown on each side of the first accented byte in the ambiguity message. */
const MAX_SHOWN_BYTES = 120;

/* Character classes (the same for both readings below 0x80). */
const OTHER = 0; // ASCII punctuation and controls not listed below
const SPACE = 1; // space, tab, line breaks (and the edges of the bytes scored)
const NBSP = 2;
const DIGIT = 3;
const LOWER = 4;
const UPPER = 5;
const CASELESS = 6; // ª º
const END_PUNCT = 7; // . ! ? ) ] (a closing quote may follow)
const OPEN = 8; // “ ‘ „ ‚ « ‹ ¿ ¡
const CLOSE = 9; // ” » ›
const APOSTROPHE = 10; // ’ (an apostrophe between letters, else a closing quote)
const EN_DASH = 11;
const EM_DASH = 12;
const CURRENCY = 13;
const TRAILING = 14; // ™ ® © ° … ‰ ¹ ² ³ ¼ ½ ¾: after a word or a number
const BULLET = 15;
const MIDDLE_DOT = 16; // Catalan "l·l"
const SYMBOL = 17;
const UNDEFINED = 18; // a C1 control (Windows-1252's five holes) or the Apple logo

const OPEN_CHARS = '“‘„‚«‹¿¡';
const CLOSE_CHARS = '”»›';
const TRAILING_CHARS = '™®©°…‰¹²³¼½¾';
/** Letters that are not letters in a name: math in Mac Roman's repertoire. */
const MATH_LETTERS = 'πΩ';
/** Letters no name or word in a CRM uses much: worth less, and nothing at the start of a word. */
const RARE_LETTERS = 'ıƒﬁﬂÿŸµªº';
/** Accented letters that are words on their own: French "à", Portuguese "é", Italian "è", Norwegian "å"… */
const LONE_WORD_LETTERS = 'àéèóå';

function classify(ch: string): number {
  if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') return SPACE;
  if (ch === '\u00a0') return NBSP;
  if (ch >= '0' && ch <= '9') return DIGIT;
  if ('.!?)]'.includes(ch)) return END_PUNCT;
  if (OPEN_CHARS.includes(ch)) return OPEN;
  if (CLOSE_CHARS.includes(ch)) return CLOSE;
  if (ch === '’') return APOSTROPHE;
  if (ch === '–') return EN_DASH;
  if (ch === '—') return EM_DASH;
  if (TRAILING_CHARS.includes(ch)) return TRAILING;
  if (ch === '•') return BULLET;
  if (ch === '·') return MIDDLE_DOT;
  if (/[\u0080-\u009f\uf8ff]/.test(ch)) return UNDEFINED;
  if (ch < '\u0080') return /[A-Z]/.test(ch) ? UPPER : /[a-z]/.test(ch) ? LOWER : OTHER;
  if (MATH_LETTERS.includes(ch)) return SYMBOL;
  if (/\p{Lu}/u.test(ch)) return UPPER;
  if (/\p{Ll}/u.test(ch)) return LOWER;
  if (ch === 'ª' || ch === 'º') return CASELESS;
  if (/\p{Sc}/u.test(ch)) return CURRENCY;
  return SYMBOL;
}

/** One encoding's view of the 256 byte values. */
interface Reading {
  encoding: SingleByteEncoding;
  classes: Uint8Array;
  rare: Uint8Array;
  loneWord: Uint8Array;
  charOf(byte: number): string;
}

function reading(encoding: SingleByteEncoding, high: (byte: number) => string): Reading {
  const charOf = (byte: number) => (byte < 0x80 ? String.fromCharCode(byte) : high(byte));
  const classes = new Uint8Array(256);
  const rare = new Uint8Array(256);
  const loneWord = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    classes[b] = classify(charOf(b));
    rare[b] = RARE_LETTERS.includes(charOf(b)) ? 1 : 0;
    loneWord[b] = LONE_WORD_LETTERS.includes(charOf(b)) ? 1 : 0;
  }
  return { encoding, classes, rare, charOf, loneWord };
}

const WINDOWS_1252 = reading('windows-1252', (b) => CP1252_HIGH[b] ?? String.fromCharCode(b));
const MAC_ROMAN = reading('macintosh', (b) => MAC_ROMAN_HIGH[b - 0x80] as string);
const WINDOWS_1250 = reading('windows-1250', (b) => CP1250_HIGH[b - 0x80] as string);
const WINDOWS_1251 = reading('windows-1251', (b) => CP1251_HIGH[b - 0x80] as string);
const DOS = reading('cp850', (b) => CP850_HIGH[b - 0x80] as string);

/**
 * Words written only in bytes ≥ 0x80 (Cyrillic in Windows-1251) before Windows-1251 is taken, and
 * how many times the words mixing such bytes with ASCII letters they must outnumber.
 */
const MIN_CYRILLIC_WORDS = 2;
const CYRILLIC_TO_MIXED = 3;

const isLetter = (c: number) => c === LOWER || c === UPPER || c === CASELESS;
const isWordChar = (c: number) => isLetter(c) || c === DIGIT;
const isSpace = (c: number) => c === SPACE || c === NBSP;

/** A symbol where text has none: inside a word (−2), glued to one (−1), or on its own (0). */
function symbolScore(p: number, n: number): number {
  if (isLetter(p) && isLetter(n)) return -2;
  return isLetter(p) || isLetter(n) ? -1 : 0;
}

/** An opening quote (or ¿ ¡): before a word, not after one. */
function openScore(p: number, n: number): number {
  if (!isWordChar(p) && isWordChar(n)) return 2;
  if (isWordChar(p)) return isWordChar(n) ? -2 : -1;
  return 0;
}

/** A closing quote: after a word or its final punctuation, not before one. */
function closeScore(p: number, n: number): number {
  const ends = isWordChar(p) || p === END_PUNCT || p === CLOSE || p === APOSTROPHE || p === TRAILING;
  if (ends && !isWordChar(n)) return 2;
  if (isWordChar(n)) return isWordChar(p) ? -2 : -1;
  return 0;
}

/**
 * Whether a word keeps to one case pattern: all small, all capitals, or a capital then small
 * letters. A word that mixes them ("MŸller", "HÈlËne") is what a wrong reading makes of accents.
 */
function wellShaped(classes: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  let first = -1;
  let lowerAfter = false;
  let upperAfter = false;
  for (let j = start; j < end; j++) {
    const c = classes[bytes[j] as number] as number;
    if (c === CASELESS) continue;
    if (first === -1) first = c;
    else if (c === LOWER) lowerAfter = true;
    else upperAfter = true;
  }
  if (first === LOWER) return !upperAfter;
  return !(lowerAfter && upperAfter);
}

function letterScore(r: Reading, bytes: Uint8Array, i: number): number {
  const k = r.classes;
  let start = i;
  while (start > 0 && i - start < MAX_WORD_BYTES && isLetter(k[bytes[start - 1] as number] as number))
    start--;
  let end = i + 1;
  while (end < bytes.length && end - i < MAX_WORD_BYTES && isLetter(k[bytes[end] as number] as number)) end++;
  const rare = r.rare[bytes[i] as number] === 1;
  // A letter alone: "à" and "é" are words, "ñ" is not; a lone capital is an initial at best.
  if (end - start === 1) return rare ? -1 : r.loneWord[bytes[i] as number] === 1 ? 1 : 0;
  if (!wellShaped(k, bytes, start, end)) return -2;
  if (rare) return i === start ? -1 : 1;
  return 2;
}

/** How much byte `i` (≥ 0x80) looks like text in reading `r`, from −4 to +2. */
function scoreAt(r: Reading, bytes: Uint8Array, i: number): number {
  const k = r.classes;
  const classAt = (j: number) => (j >= 0 && j < bytes.length ? (k[bytes[j] as number] as number) : SPACE);
  const c = classAt(i);
  const p = classAt(i - 1);
  const n = classAt(i + 1);
  switch (c) {
    case UNDEFINED:
      return -4;
    case LOWER:
    case UPPER:
    case CASELESS:
      return letterScore(r, bytes, i);
    case NBSP:
      return 1;
    case APOSTROPHE:
      return isLetter(p) && isLetter(n) ? 2 : closeScore(p, n);
    case CLOSE:
      return closeScore(p, n);
    case OPEN:
      return openScore(p, n);
    case BULLET:
      return !isWordChar(p) && isSpace(n) ? 2 : openScore(p, n);
    case EN_DASH:
    case EM_DASH:
      // Between spaces, or a cell's whole text (the placeholder of an empty value: `,—,`); or a range, 9–5.
      if ((!isWordChar(p) && !isWordChar(n)) || (p === DIGIT && n === DIGIT)) return 2;
      // An em dash joins words without spaces in English typography; an en dash rarely does.
      if (isLetter(p) && isLetter(n)) return c === EM_DASH ? 2 : 1;
      return 0;
    case CURRENCY:
      if (p === DIGIT || n === DIGIT) return 2;
      if ((isSpace(p) && classAt(i - 2) === DIGIT) || (isSpace(n) && classAt(i + 2) === DIGIT)) return 2;
      return symbolScore(p, n);
    case TRAILING:
      return p === DIGIT || (isLetter(p) && !isLetter(n)) ? 2 : symbolScore(p, n);
    case MIDDLE_DOT:
      return isLetter(p) && isLetter(n) ? 2 : symbolScore(p, n);
    default:
      return symbolScore(p, n);
  }
}

const isBreak = (b: number | undefined) => b === 0x0a || b === 0x0d;

/** Line breaks in `bytes` (CRLF, LF and CR each count as one), as the CSV reader numbers lines. */
export function countLineBreaks(bytes: Uint8Array, afterCr = false): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  for (let i = buf.indexOf(0x0d); i !== -1; i = buf.indexOf(0x0d, i + 1)) if (buf[i + 1] !== 0x0a) n++;
  // An LF right after a CR that ended the previous bytes is the second half of one CRLF.
  if (afterCr && buf[0] === 0x0a) n--;
  return n;
}

/** The line a reader is shown: its number and its bytes around the first byte ≥ 0x80. */
interface ShownLine {
  line: number;
  bytes: Uint8Array;
}

export interface Ambiguity {
  line: number;
  /** The more plausible reading first. */
  readings: { encoding: SingleByteEncoding; text: string }[];
}

/**
 * Evidence gathered over one or more pieces of a file: the points by which each reading beats the
 * other, summed over the bytes where it does. Pieces should end at line breaks, so that no word is
 * cut (a cut only blurs the evidence around it).
 */
export class EncodingEvidence {
  private forWindows = 0;
  private forMac = 0;
  /** Windows-1250 against Windows-1252 and against Mac Roman: points each side wins. */
  private readonly central = { overWindows: 0, underWindows: 0, overMac: 0, underMac: 0 };
  /** Code page 850 against Windows-1252 and against Mac Roman, the same way. */
  private readonly dos = { overWindows: 0, underWindows: 0, overMac: 0, underMac: 0 };
  /** Each reading's points summed over every byte scored: which two the question shows, best first. */
  private readonly totals = { windows: 0, mac: 0, dos: 0 };
  /** Words of two or more Windows-1251 letters: all bytes ≥ 0x80, or mixed with ASCII letters. */
  private readonly words = { highOnly: 0, mixed: 0 };
  private shown: ShownLine | undefined;

  /**
   * @param lineEnds how the file's lines end: CR only is a hint for Mac Roman; CRLF, what DOS and Windows write, keeps
   * a reading code page 850 ties with from being taken for Windows-1252 or Mac Roman
   */
  constructor(private readonly lineEnds: LineEnds) {}

  /** Mac Roman's points beyond the bytes': the hint of CR-only line ends. */
  private get macHint(): number {
    return this.lineEnds === 'cr' ? CR_ONLY_HINT : 0;
  }

  /** Scores the bytes ≥ 0x80 of `bytes`, whose first byte is on line `firstLine`. */
  add(bytes: Uint8Array, firstLine: number): void {
    for (let i = 0; i < bytes.length; i++) {
      if ((bytes[i] as number) < 0x80) continue;
      const windows = scoreAt(WINDOWS_1252, bytes, i);
      const mac = scoreAt(MAC_ROMAN, bytes, i);
      const d = windows - mac;
      if (d > 0) this.forWindows += d;
      else this.forMac -= d;
      rival(this.central, scoreAt(WINDOWS_1250, bytes, i), windows, mac);
      const dos = scoreAt(DOS, bytes, i);
      rival(this.dos, dos, windows, mac);
      this.totals.windows += windows;
      this.totals.mac += mac;
      this.totals.dos += dos;
      this.shown ??= shownLine(bytes, i, firstLine);
    }
    this.countWords(bytes);
  }

  /** Counts the words of two or more letters (in Windows-1251) that hold a byte ≥ 0x80. */
  private countWords(bytes: Uint8Array): void {
    const k = WINDOWS_1251.classes;
    let length = 0;
    let high = 0;
    const endWord = () => {
      if (length >= 2 && high > 0) {
        if (high === length) this.words.highOnly++;
        else this.words.mixed++;
      }
      length = 0;
      high = 0;
    };
    for (const b of bytes) {
      if (isLetter(k[b] as number)) {
        length++;
        if (b >= 0x80) high++;
      } else endWord();
    }
    endWord();
  }

  /** The reading that clearly wins: by `MARGIN` points and by two to one; else undefined. */
  verdict(): SingleByteEncoding | undefined {
    const { highOnly, mixed } = this.words;
    if (highOnly >= MIN_CYRILLIC_WORDS && highOnly >= CYRILLIC_TO_MIXED * mixed) return 'windows-1251';
    const d = this.dos;
    if (clearLead(d.overWindows, d.underWindows) && clearLead(d.overMac, d.underMac)) return 'cp850';
    const c = this.central;
    if (clearLead(c.overWindows, c.underWindows) && clearLead(c.overMac, c.underMac)) return 'windows-1250';
    const windows = this.forWindows;
    const mac = this.forMac + this.macHint;
    if (windows - mac >= MARGIN && windows >= 2 * mac) {
      return this.lineEnds === 'crlf' && d.overWindows >= d.underWindows ? undefined : 'windows-1252';
    }
    if (mac - windows >= MARGIN && mac >= 2 * windows) {
      // Mac Roman's "ñ" is code page 850's "û": with the line ends of DOS, a tie is a question.
      return this.lineEnds === 'crlf' && d.overMac >= d.underMac ? undefined : 'macintosh';
    }
    return undefined;
  }

  /**
   * The first line with a byte ≥ 0x80 (the field around that byte), in the two readings of Windows-1252, Mac Roman and
   * code page 850 that scored best, the better first (on a tie, in that order).
   */
  ambiguity(): Ambiguity | undefined {
    if (!this.shown) return undefined;
    const mac = this.totals.mac + this.macHint;
    const ranked = [
      { r: WINDOWS_1252, points: this.totals.windows },
      { r: MAC_ROMAN, points: mac },
      { r: DOS, points: this.totals.dos },
    ].sort((a, b) => b.points - a.points);
    const field = fieldAround(this.shown.bytes);
    return {
      line: this.shown.line,
      readings: ranked
        .slice(0, 2)
        .map(({ r }) => ({ encoding: r.encoding, text: decodeForDisplay(r, field) })),
    };
  }
}

/** Adds one byte's scores of a rival reading (`score`) against Windows-1252's and Mac Roman's to its tally. */
function rival(
  tally: { overWindows: number; underWindows: number; overMac: number; underMac: number },
  score: number,
  windows: number,
  mac: number,
): void {
  if (score > windows) tally.overWindows += score - windows;
  else tally.underWindows += windows - score;
  if (score > mac) tally.overMac += score - mac;
  else tally.underMac += mac - score;
}

/** Points `won` beat `lost` by: `MARGIN` and two to one. */
function clearLead(won: number, lost: number): boolean {
  return won - lost >= MARGIN && won >= 2 * lost;
}

function shownLine(bytes: Uint8Array, i: number, firstLine: number): ShownLine {
  let start = i;
  while (start > 0 && i - start < MAX_SHOWN_BYTES && !isBreak(bytes[start - 1])) start--;
  let end = i + 1;
  while (end < bytes.length && end - i < MAX_SHOWN_BYTES && !isBreak(bytes[end])) end++;
  let lineStart = start;
  while (lineStart > 0 && !isBreak(bytes[lineStart - 1])) lineStart--;
  return {
    line: firstLine + countLineBreaks(bytes.subarray(0, lineStart)),
    // A copy: the caller reuses its buffer.
    bytes: bytes.slice(start, end),
  };
}

/** The field holding the first byte ≥ 0x80: between delimiters, without quotes and spaces around it. */
function fieldAround(line: Uint8Array): Uint8Array {
  const first = line.findIndex((b) => b >= 0x80);
  const isDelimiter = (b: number | undefined) => b === 0x2c || b === 0x3b || b === 0x09 || b === 0x7c;
  let start = first;
  while (start > 0 && !isDelimiter(line[start - 1])) start--;
  let end = first + 1;
  while (end < line.length && !isDelimiter(line[end])) end++;
  const isPadding = (b: number | undefined) => b === 0x20 || b === 0x22;
  while (start < first && isPadding(line[start])) start++;
  while (end > first + 1 && isPadding(line[end - 1])) end--;
  return line.subarray(start, end);
}

/** Decodes for a message: control characters (Windows-1252's undefined bytes) show as U+FFFD. */
function decodeForDisplay(r: Reading, bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += r.classes[b] === UNDEFINED || b < 0x20 ? '\uFFFD' : r.charOf(b);
  return text;
}
