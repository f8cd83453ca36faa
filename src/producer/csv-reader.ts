import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { type CsvError, type Options as CsvParseOptions, parse } from 'csv-parse';
import { detectDelimiter } from './delimiter.js';
import {
  CSV_ENCODINGS,
  type CsvEncoding,
  createChunkDecoder,
  decodeChunks,
  detectFileEncoding,
} from './encoding.js';
import { AmbiguousEncodingError, CsvFormatError } from './errors.js';

export interface CsvReadOptions {
  /** Name used in messages. @defaultValue the path */
  displayName?: string;
  /** Overrides encoding detection. */
  encoding?: CsvEncoding;
  /** Overrides delimiter detection (one character). */
  delimiter?: string;
  /**
   * Longest record accepted, in bytes. A quote that is never closed makes the parser read on
   * until this size; below it the rows after the bad line are recovered, above it the file is
   * refused with the line to fix. @defaultValue 1 MiB
   */
  maxRecordBytes?: number;
  /** Bytes read from disk per chunk. @defaultValue 64 KiB */
  chunkBytes?: number;
}

/** One data row: its cells (exactly one per header column), or why it could not be read. */
export type CsvRow =
  | { line: number; cells: string[]; error?: undefined }
  | { line: number; cells: string[]; error: string; column?: string };

export interface CsvFile {
  encoding: CsvEncoding;
  bom: boolean;
  delimiter: string;
  /** Header names as written (trimmed); unnamed columns read `Column N`. */
  header: string[];
  /** The header's line number (1 unless the file starts with blank lines or `sep=`). */
  headerLine: number;
  /** Data rows in file order; blank lines are skipped. Call once (this or `rowBatches`). */
  rows(): AsyncGenerator<CsvRow>;
  /** The same rows in batches (one per chunk read): fewer awaits for a million rows. */
  rowBatches(): AsyncGenerator<CsvRow[]>;
  /** Bytes read from the file so far (for progress). */
  bytesRead(): number;
  /** The file's size in bytes. */
  size: number;
  /** Stops reading early and releases the file. */
  close(): Promise<void>;
}

const SAMPLE_BYTES = 64 * 1024;

interface ParsedEvent {
  line: number;
  cells: string[];
  error?: string;
}

/**
 * Opens a CSV file for streaming: detects the encoding and the delimiter from the first bytes,
 * reads the header, and returns the rows as an async generator (so the caller's `await`s pace the
 * reading: backpressure all the way to the disk). Memory stays bounded by one chunk plus one record.
 *
 * Line numbers are physical lines where a record starts (the header is line 1), with CRLF, LF and
 * CR all counting as one line break. A malformed record (an unclosed quote, a stray quote, a wrong
 * number of fields) becomes a row with an `error`; the rows after it are still read.
 */
export async function openCsv(path: string, options: CsvReadOptions = {}): Promise<CsvFile> {
  const name = options.displayName ?? path;
  const size = await fileSize(path, name);
  const sample = await readSample(path, name);
  if (size === 0 || sample.length === 0) {
    throw new CsvFormatError(
      `${name} is empty: expected a header line naming the columns, then one row per lead.`,
    );
  }
  assertNotSpreadsheet(sample, name);
  const detected = options.encoding
    ? { encoding: options.encoding, bom: hasBom(sample) }
    : await detectFileEncoding(path, sample, { size, displayName: name }).catch((err: unknown) => {
        // Binary data fits no encoding: say so, rather than ask which of two it is.
        if (err instanceof AmbiguousEncodingError) {
          assertText(createChunkDecoder('windows-1252').decode(sample), name, 'windows-1252');
        }
        throw err;
      });
  const sampleText = normaliseLineBreaks(createChunkDecoder(detected.encoding).decode(sample)).replace(
    /^\uFEFF/,
    '',
  );
  assertText(sampleText, name, detected.encoding);

  const lines = sampleText.split('\n');
  let firstLineIndex = lines.findIndex((l) => l.trim() !== '');
  if (firstLineIndex === -1) {
    throw new CsvFormatError(`${name} has no header line: expected the first line to name the columns.`);
  }
  let delimiter = options.delimiter;
  // Excel writes `sep=;` as a first line to announce the delimiter.
  const sepLine = /^sep=(.)\s*$/i.exec(lines[firstLineIndex] ?? '');
  const skipFirstRecord = Boolean(sepLine);
  if (sepLine) {
    delimiter ??= sepLine[1];
    firstLineIndex = lines.findIndex((l, i) => i > firstLineIndex && l.trim() !== '');
  }
  delimiter ??= detectDelimiter(lines[firstLineIndex] ?? '');
  const sep: string = delimiter;

  const maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024;
  const counter = { bytes: 0 };
  const batches = parseEventBatches(
    path,
    detected.encoding,
    sep,
    maxRecordBytes,
    counter,
    options.chunkBytes,
  );
  const reader = new EventReader(batches);
  let first = await reader.nextNonBlank();
  if (first && skipFirstRecord) first = await reader.nextNonBlank();
  if (!first) {
    throw new CsvFormatError(`${name} has no header line: expected the first line to name the columns.`);
  }
  if (first.error) {
    throw new CsvFormatError(`${name}:${first.line}: the header line cannot be read (${first.error}).`);
  }
  const rawHeader = first.cells.map((c) => c.trim());
  // Trailing unnamed columns (Excel's stray trailing delimiters) are not columns.
  let width = rawHeader.length;
  while (width > 1 && rawHeader[width - 1] === '') width--;
  const header = rawHeader.slice(0, width).map((h, i) => h || `Column ${i + 1}`);
  const rawWidth = rawHeader.length;

  let closed = false;
  const toRow = (event: ParsedEvent): CsvRow | undefined => {
    if (event.error) return { line: event.line, cells: fitCells(event.cells, width), error: event.error };
    const cells = event.cells;
    if (cells.every((c) => c.trim() === '')) return undefined;
    // Trailing empty cells beyond the header are harmless (Excel pads rows to its widest one),
    // and so is text under an unnamed trailing column (it maps to nothing).
    let n = cells.length;
    while (n > width && cells[n - 1]?.trim() === '') n--;
    if (n === width || (n > width && cells.length <= rawWidth)) {
      const fitted = fitCells(cells, width);
      const unreadable = unreadableCell(fitted, detected.encoding);
      if (unreadable) {
        return { line: event.line, cells: fitted, column: header[unreadable.index], error: unreadable.error };
      }
      return { line: event.line, cells: fitted };
    }
    return {
      line: event.line,
      cells: fitCells(cells, width),
      error: `has ${n} field${n === 1 ? '' : 's'} but the header has ${width}; check this line for a missing or extra ${delimiterWord(sep)}, or a value containing ${delimiterWord(sep)} that is not in quotes`,
    };
  };
  async function* rowBatches(): AsyncGenerator<CsvRow[]> {
    for await (const events of reader.rest()) {
      if (closed) return;
      const rows: CsvRow[] = [];
      for (const event of events) {
        const row = toRow(event);
        if (row) rows.push(row);
      }
      if (rows.length) yield rows;
    }
  }
  async function* rows(): AsyncGenerator<CsvRow> {
    for await (const batch of rowBatches()) yield* batch;
  }
  return {
    encoding: detected.encoding,
    bom: detected.bom,
    delimiter: sep,
    header,
    headerLine: first.line,
    rows,
    rowBatches,
    bytesRead: () => counter.bytes,
    size,
    async close() {
      closed = true;
      await batches.return(undefined);
    },
  };
}

/**
 * A cell the file could not give us as written: bytes the encoding cannot decode (U+FFFD: a file
 * cut in the middle of a character, or lines pasted from another encoding), or a NUL byte (binary
 * data past the sample `assertText` checks). Imported, either would put garbage in Pipedrive.
 */
function unreadableCell(
  cells: string[],
  encoding: CsvEncoding,
): { index: number; error: string } | undefined {
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] as string;
    if (cell.includes('\uFFFD')) {
      const name = encoding.toUpperCase().replace(/(LE|BE)$/, '');
      return {
        index: i,
        error: `holds bytes that are not valid ${name} (shown as \uFFFD): the file is cut in the middle of a character or mixes encodings; save it again as ${name}, or pass --encoding windows-1252 if all of it is Windows-1252`,
      };
    }
    if (cell.includes('\u0000')) {
      return {
        index: i,
        error: 'holds a NUL byte (binary data); remove it, or export the file again as CSV',
      };
    }
  }
  return undefined;
}

function delimiterWord(d: string): string {
  return d === '\t' ? 'tab' : `"${d}"`;
}

function fitCells(cells: string[], width: number): string[] {
  if (cells.length === width) return cells;
  if (cells.length > width) return cells.slice(0, width);
  return [...cells, ...Array<string>(width - cells.length).fill('')];
}

/** Reads events one at a time (for the header), then hands over the rest in batches. */
class EventReader {
  private buffer: ParsedEvent[] = [];

  constructor(private readonly batches: AsyncGenerator<ParsedEvent[]>) {}

  async nextNonBlank(): Promise<ParsedEvent | undefined> {
    for (;;) {
      while (this.buffer.length === 0) {
        const { value, done } = await this.batches.next();
        if (done) return undefined;
        this.buffer = value;
      }
      const event = this.buffer.shift() as ParsedEvent;
      if (event.error || event.cells.some((c) => c.trim() !== '')) return event;
    }
  }

  async *rest(): AsyncGenerator<ParsedEvent[]> {
    if (this.buffer.length) yield this.buffer.splice(0);
    yield* this.batches;
  }
}

async function fileSize(path: string, name: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new CsvFormatError(`${name} is not a file.`);
    return s.size;
  } catch (err) {
    if (err instanceof CsvFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CsvFormatError(`${name} does not exist; check the path.`);
    if (code === 'EACCES') throw new CsvFormatError(`${name} cannot be read: permission denied.`);
    throw new CsvFormatError(`${name} cannot be read: ${(err as Error).message}`);
  }
}

async function readSample(path: string, name: string): Promise<Uint8Array> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(SAMPLE_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new CsvFormatError(`${name} cannot be read: ${(err as Error).message}`);
  }
}

function hasBom(sample: Uint8Array): boolean {
  return (
    (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) ||
    (sample[0] === 0xff && sample[1] === 0xfe) ||
    (sample[0] === 0xfe && sample[1] === 0xff)
  );
}

function assertNotSpreadsheet(sample: Uint8Array, name: string): void {
  const zip = sample[0] === 0x50 && sample[1] === 0x4b && sample[2] === 0x03 && sample[3] === 0x04;
  const ole = sample[0] === 0xd0 && sample[1] === 0xcf && sample[2] === 0x11 && sample[3] === 0xe0;
  if (zip || ole) {
    throw new CsvFormatError(
      `${name} is an Excel workbook, not a CSV file. Open it and save it as "CSV UTF-8 (comma delimited)", then import the .csv file.`,
    );
  }
}

function assertText(text: string, name: string, encoding: CsvEncoding): void {
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) {
      throw new CsvFormatError(
        `${name} is not a text CSV file (it contains binary data, read as ${encoding}). Export it as CSV and try again, or pass --encoding if it is text in another encoding.`,
      );
    }
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffd) control++;
  }
  if (control > Math.max(8, text.length * 0.01)) {
    throw new CsvFormatError(
      `${name} does not look like a text CSV file (many control or undecodable characters as ${encoding}). Export it as CSV, or pass --encoding ${CSV_ENCODINGS.join('|')}.`,
    );
  }
}

function normaliseLineBreaks(text: string): string {
  return text.indexOf('\r') === -1 ? text : text.replace(/\r\n?/g, '\n');
}

/**
 * CRLF, LF and a lone CR (old Mac Excel) all become LF before parsing, so csv-parse counts lines
 * the same way whatever the file uses (its own counting is off with CRLF inside quoted values).
 */
async function* normaliseLineEndings(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let carry = '';
  for await (const chunk of chunks) {
    let text = carry + chunk;
    carry = '';
    if (text.endsWith('\r')) {
      carry = '\r';
      text = text.slice(0, -1);
    }
    if (text) yield normaliseLineBreaks(text);
  }
  if (carry) yield '\n';
}

function countBreaks(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Position just after the `count`-th line break at or after `from` (or the text's end). */
function skipLines(text: string, from: number, count: number): number {
  let pos = from;
  for (let i = 0; i < count; i++) {
    const next = text.indexOf('\n', pos);
    if (next === -1) return text.length;
    pos = next + 1;
  }
  return pos;
}

interface Restart {
  /** The line the new parser's first line follows. */
  base: number;
  /** Text from line `base + 1` on, not yet parsed. */
  text: string;
  /**
   * Line `base` goes on past the text read so far (one line longer than `max_record_size`): the
   * input up to its end must be dropped first, or the new parser would start mid-line and number
   * every further piece of that line as a line of its own.
   */
  skipRestOfLine?: boolean;
}

/** Cells of an over-long line are kept this long for the reject (reports, the ledger in Redis). */
const MAX_REJECTED_CELL_CHARS = 1024;

/**
 * One csv-parse instance over the file from line `base + 1` on. It turns records into events
 * carrying the line where each record starts: csv-parse reports the line where a record ends, and
 * a record starts as many lines earlier as its values hold line breaks (only quoted values can,
 * and every break is LF by now).
 *
 * When csv-parse meets a malformed record it cannot resynchronise: an unclosed quote swallows the
 * lines after it, and a record over `max_record_size` makes it drop the rest of the file. So on
 * the first error the segment rejects the line where the record starts, stops, and asks for a
 * new segment from the next line, with the text it has not parsed yet (kept in `window`: from
 * the end of the last good record to the end of the last chunk, so bounded by a chunk plus the
 * longest record).
 */
class CsvSegment {
  readonly pending: ParsedEvent[] = [];
  readonly parser: ReturnType<typeof parse>;
  restart: Restart | undefined;
  private lastEnd: number;
  private window = '';
  private offset = 0;

  constructor(
    private readonly base: number,
    private readonly options: CsvParseOptions,
  ) {
    this.lastEnd = base;
    const withHooks: CsvParseOptions<ParsedEvent[], string[]> = {
      ...(options as unknown as CsvParseOptions<ParsedEvent[], string[]>),
      // Records are collected here rather than pushed through the stream: after each write the
      // caller takes them as one batch (one await per chunk instead of one per record).
      on_record: (record: string[], context) => {
        if (!this.restart) this.onRecord(record, context.lines);
        return null;
      },
      on_skip: (err) => {
        this.onSkip(err);
        return undefined;
      },
    };
    this.parser = parse(withHooks as unknown as CsvParseOptions);
    this.parser.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /** An error csv-parse raised (not a malformed record: those are skipped and located). */
  failure: Error | undefined;

  /** Parses text: csv-parse transforms synchronously, so `pending` holds the records when this returns. */
  write(text: string): void {
    this.window = this.window.slice(this.offset) + text;
    this.offset = 0;
    this.parser.write(text);
    if (this.failure) throw this.failure;
  }

  /** Ends the input: csv-parse parses what it kept (the last record, an unclosed quote). */
  async end(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.parser.once('close', resolve);
      this.parser.end();
      // Nothing is pushed to the readable side; reading it lets the stream finish and close.
      this.parser.resume();
    });
    if (this.failure) throw this.failure;
  }

  private onRecord(cells: string[], endLine: number): void {
    let breaks = 0;
    for (const c of cells) if (c.indexOf('\n') !== -1) breaks += countBreaks(c);
    const end = this.base + endLine;
    this.pending.push({ line: end - breaks, cells });
    this.offset = skipLines(this.window, this.offset, end - this.lastEnd);
    this.lastEnd = end;
  }

  private onSkip(err: CsvError | undefined): void {
    if (this.restart) return;
    let pos = this.offset;
    let start = this.lastEnd + 1;
    while (this.window[pos] === '\n') {
      pos++;
      start++;
    }
    const lineEnd = this.window.indexOf('\n', pos);
    const firstLine = this.window.slice(pos, lineEnd === -1 ? undefined : lineEnd);
    const code = err?.code ?? 'CSV_ERROR';
    const errorLine = this.base + ((err as { lines?: number } | undefined)?.lines ?? 0);
    const tooLong = code === 'CSV_MAX_RECORD_SIZE' && lineEnd === -1;
    const cells = firstLine.split(String(this.options.delimiter ?? ','));
    this.pending.push({
      line: start,
      cells: tooLong ? cells.map((c) => c.slice(0, MAX_REJECTED_CELL_CHARS)) : cells,
      error: tooLong
        ? describeLongLine(Number(this.options.max_record_size))
        : describeCsvError(code, errorLine > start),
    });
    this.restart =
      lineEnd === -1
        ? { base: start, text: '', skipRestOfLine: true }
        : { base: start, text: this.window.slice(lineEnd + 1) };
    this.window = '';
    this.offset = 0;
  }
}

function describeLongLine(maxRecordBytes: number): string {
  const limit =
    maxRecordBytes >= 1024 * 1024
      ? `${Math.round(maxRecordBytes / 1024 / 1024)} MiB`
      : `${maxRecordBytes} bytes`;
  return `is longer than ${limit}, the longest row this tool reads; shorten its values (Pipedrive keeps at most 255 characters of a text field)`;
}

function describeCsvError(code: string, spansLines: boolean): string {
  switch (code) {
    case 'INVALID_OPENING_QUOTE':
      return 'has a " inside a value that is not in quotes; put the whole value in quotes and double the " inside it ("")';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return spansLines
        ? 'has a quoted value that is not closed on this line (the quote runs into the lines below); put a " at the end of the value'
        : 'has text right after a closing quote; put the whole value in quotes and double any " inside it ("")';
    case 'CSV_QUOTE_NOT_CLOSED':
    case 'CSV_MAX_RECORD_SIZE':
      return 'has a quote that is never closed; put a " at the end of the value';
    default:
      return `cannot be read as CSV (${code})`;
  }
}

/**
 * Parses the file into batches of events (one batch per chunk read), one csv-parse segment after
 * another (a new one after each malformed record). Pulling from this generator pulls chunks from
 * the disk: backpressure.
 */
async function* parseEventBatches(
  path: string,
  encoding: CsvEncoding,
  delimiter: string,
  maxRecordBytes: number,
  counter: { bytes: number },
  chunkBytes = 64 * 1024,
): AsyncGenerator<ParsedEvent[]> {
  const options: CsvParseOptions = {
    delimiter,
    record_delimiter: '\n',
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: maxRecordBytes,
  };
  const file = createReadStream(path, { highWaterMark: chunkBytes });
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      counter.bytes += chunk.length;
      yield chunk;
    }
  }
  const chunks = normaliseLineEndings(decodeChunks(counted(), encoding))[Symbol.asyncIterator]();
  let next: Restart | undefined = { base: 0, text: '' };
  try {
    while (next) {
      let carry = next.text;
      if (next.skipRestOfLine) {
        for (;;) {
          const { value, done } = await chunks.next();
          if (done) break;
          const lf = value.indexOf('\n');
          if (lf !== -1) {
            carry = value.slice(lf + 1);
            break;
          }
        }
      }
      const segment: CsvSegment = new CsvSegment(next.base, options);
      try {
        if (carry) segment.write(carry);
        if (segment.pending.length) yield segment.pending.splice(0);
        while (!segment.restart) {
          const { value, done } = await chunks.next();
          if (done) break;
          segment.write(value);
          if (segment.pending.length) yield segment.pending.splice(0);
        }
        if (!segment.restart) await segment.end();
        if (segment.pending.length) yield segment.pending.splice(0);
      } finally {
        if (!segment.parser.destroyed) segment.parser.destroy();
      }
      next = segment.restart;
    }
  } finally {
    await chunks.return?.(undefined);
    file.destroy();
  }
}
