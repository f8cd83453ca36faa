import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { type CsvError, type Options as CsvParseOptions, parse } from 'csv-parse';
import {
  CSV_ENCODINGS,
  type CsvEncoding,
  createChunkDecoder,
  decodeChunks,
  detectFileEncoding,
} from './encoding.js';
import { AmbiguousEncodingError, CsvFormatError } from './errors.js';
import { COMPANY_WORD, companysFieldName, normaliseHeaderName } from './header-conventions.js';
import { clip, findHeader, nameIn } from './header-finder.js';

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

/**
 * One data row: its cells (exactly one per header column), or why it could not be read. `fields` is
 * set when the line had fewer fields than the header (see {@link MIN_PADDED_FIELDS}): how many it had.
 */
export type CsvRow =
  | { line: number; cells: string[]; error?: undefined; column?: undefined; fields?: number }
  | { line: number; cells: string[]; error: string; column?: string; fields?: number };

/**
 * A line with fewer fields than the header is read with its missing last cells empty when it has at
 * least this many fields: Excel leaves out the separators of the empty cells at the end of a row
 * (for rows after the 16th; the Stata FAQ "How Excel writes empty cells", Microsoft's KB "Column
 * delimiters not added for blank cells"), so such rows are short. A line holding one value and no
 * separator at all is not read that way: it is more often a title, a note or a piece of a value
 * broken by a line break that is not in quotes than a lead with one column filled. Whether two short
 * lines are in fact one row broken in two is decided with the row validator (short-rows.ts).
 */
export const MIN_PADDED_FIELDS = 2;

export interface CsvFile {
  encoding: CsvEncoding;
  bom: boolean;
  delimiter: string;
  /** Header names as written (trimmed); unnamed columns read `Column N`. */
  header: string[];
  /** The header's line number (1 unless lines come before it: blank lines, `sep=`, notes). */
  headerLine: number;
  /** Lines before the header, skipped (LinkedIn's notes, a report's title, Excel's `sep=`). */
  preamble: { line: number; text: string }[];
  /**
   * A header of two lines: the line of groups over the columns' names (`Contact,,,Company,,`), each column's group, and
   * the names read with their group (`Company Website`).
   */
  headerGroups?: { line: number; names: string[]; renamed: string[] };
  /** Lines after the header that are more of it, not rows (Qualtrics' import ids), skipped. */
  headerLinesAfter?: number[];
  /** Lines after the data, skipped once the rows are read (a Salesforce report's footer). */
  footer(): { line: number; text: string }[];
  /**
   * The table's name in a report of several named tables (Zoom's `Attendee Details,`), when the header
   * is under one; the tables after it are not read (see `tablesAfter`).
   */
  title?: { line: number; text: string };
  /** Named tables before the header's (a report's summary, its hosts and panelists): each its name, first and last line. */
  tablesBefore: { title: string; line: number; lastLine: number }[];
  /** Named tables after the rows (another name over another header), skipped once the rows are read: each its name, first and last line. */
  tablesAfter(): { title: string; line: number; lastLine: number }[];
  /** The first `n` data rows' cells, without consuming them (to read a column by its values). */
  sampleRows(n: number): Promise<string[][]>;
  /** Whether a data row (readable or not) follows the header, without consuming it: false for a header-only file. */
  hasRows(): Promise<boolean>;
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
/** A report footer is a handful of lines; more one-cell lines than this are rows gone wrong. */
const MAX_FOOTER_LINES = 12;
/** What report footers say (Salesforce: copyright, confidentiality, who generated it). */
const FOOTER_TEXT = /copyright|\(c\)|©|all rights reserved|confidential|generated by|salesforce\.com/i;

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
  assertNotMarkup(sampleText, name);

  const lines = sampleText.split('\n');
  if (!lines.some((l) => l.trim() !== '')) {
    throw new CsvFormatError(`${name} has no header line: expected the first line to name the columns.`);
  }
  // The header may come after a few lines of notes (LinkedIn), a report's title, or `sep=;`.
  const found = findHeader(lines, options.delimiter);
  const sep: string = found.delimiter;
  const headerLineNumber = found.index + 1;

  const maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024;
  const counter = { bytes: 0 };
  // A header written with spaces before its quoted names (vtiger's `"Salutation", "First Name"`).
  const spacedQuotes = sep !== '\t' && sep !== ' ' && (lines[found.index] ?? '').split(`${sep} "`).length > 2;
  const batches = parseEventBatches(
    path,
    detected.encoding,
    sep,
    maxRecordBytes,
    counter,
    options.chunkBytes,
    spacedQuotes,
  );
  const reader = new EventReader(batches);
  let first = await reader.nextNonBlank();
  while (first && first.line < headerLineNumber) first = await reader.nextNonBlank();
  if (!first) {
    throw new CsvFormatError(`${name} has no header line: expected the first line to name the columns.`);
  }
  if (first.line > headerLineNumber) {
    throw new CsvFormatError(
      `${name}:${headerLineNumber}: the header line was read as part of the lines before it (a quote opened before line ${headerLineNumber} is not closed); remove the lines above the header or close the quote.`,
    );
  }
  if (first.error === describeLongLine(maxRecordBytes)) {
    // Shortening values is no help here: a file whose first line runs on for megabytes (a 2 GB file of one line
    // is read to 1 MiB and refused, in bounded memory) is not the CSV export of leads it was taken for.
    throw new CsvFormatError(
      `${name}:${first.line}: the header line cannot be read: it runs on for more than ${byteLimit(maxRecordBytes)} without a line break. A CSV file starts with a short line naming the columns, then one line per lead: check that ${name} is the export you meant (not one written as a single line, or another kind of file), or export it again.`,
    );
  }
  if (first.error) {
    throw new CsvFormatError(`${name}:${first.line}: the header line cannot be read (${first.error}).`);
  }
  const own = first.cells.map((c) => c.trim());
  // A survey tool's header names its columns itself (header-finder.ts): its names are read with their groups already.
  const written = own.map((c, i) => found.names?.[i] ?? c);
  const rawHeader = found.names ? written : withGroups(written, found.groups?.names);
  // Trailing unnamed columns (Excel's stray trailing delimiters) are not columns.
  let width = rawHeader.length;
  while (width > 1 && rawHeader[width - 1] === '') width--;
  const header = rawHeader.slice(0, width).map((h, i) => h || `Column ${i + 1}`);
  const rawWidth = rawHeader.length;
  assertNamesColumns(header, name, headerLineNumber);

  let closed = false;
  /**
   * How many cells a row may have when those beyond the header's columns are empty: as many as the header line
   * (Excel pads the rows it writes in full, the header among them, to its widest row), or as the first row (a
   * program that ends every line with a separator). Set at the first row. A row with more is not padding: a value
   * with a separator not in quotes moved every value after it one column to the right, into columns whose empty
   * last cell hid it.
   */
  let padWidth: number | undefined;
  const toRow = (event: ParsedEvent): CsvRow | undefined => {
    if (event.error) return { line: event.line, cells: fitCells(event.cells, width), error: event.error };
    const cells = event.cells;
    // Blank, or the end-of-file mark (Ctrl-Z) DOS-era programs write after the last line.
    if (cells.every((c) => c.replaceAll('\x1a', '').trim() === '')) return undefined;
    padWidth ??= Math.max(rawWidth, cells.length);
    // Trailing empty cells beyond the header are harmless (Excel pads rows to its widest one),
    // and so is text under an unnamed trailing column (it maps to nothing).
    let n = cells.length;
    while (n > width && cells[n - 1]?.trim() === '') n--;
    if (n === width && cells.length > padWidth) {
      return {
        line: event.line,
        cells: fitCells(cells, width),
        error: `has ${cells.length} fields, more than the header's ${width}${padWidth > width ? ` and the ${padWidth} of the lines above` : ''}, the last empty: a value containing ${delimiterWord(sep)} that is not in quotes moves every value after it one column to the right; put that value in quotes`,
      };
    }
    if (n === width || (n > width && cells.length <= rawWidth)) {
      const fitted = withLineBreaks(fitCells(cells, width));
      const unreadable = unreadableCell(fitted, detected.encoding);
      if (unreadable) {
        return { line: event.line, cells: fitted, column: header[unreadable.index], error: unreadable.error };
      }
      return { line: event.line, cells: fitted };
    }
    if (n < width && n >= MIN_PADDED_FIELDS) {
      // Excel's short row: the missing cells are the last ones, and empty.
      const fitted = withLineBreaks(fitCells(cells, width));
      const unreadable = unreadableCell(fitted, detected.encoding);
      if (unreadable) {
        return {
          line: event.line,
          cells: fitted,
          column: header[unreadable.index],
          error: unreadable.error,
          fields: n,
        };
      }
      return { line: event.line, cells: fitted, fields: n };
    }
    return {
      line: event.line,
      cells: fitCells(cells, width),
      error: `has ${n} field${n === 1 ? '' : 's'} but the header has ${width}; check this line for a missing or extra ${delimiterWord(sep)}, or a value containing ${delimiterWord(sep)} that is not in quotes`,
      ...(n < width ? { fields: n } : {}),
    };
  };
  // Lines of one cell after a blank line at the end of the file, one of them saying what a report
  // footer says: Salesforce's report name, copyright and "Generated By" lines. Held back until the
  // file ends (then they are the footer) or a row follows (then they are rows like any other).
  const footer: { line: number; text: string }[] = [];
  let held: { event: ParsedEvent; text: string }[] = [];
  let lastLine = first.line;
  // In a report of named tables (the header under its name), a line holding only a name, then a line of
  // two or more fields that is no row of this table (another width, or names without a digit or an @),
  // start the next table: it and everything after it are not this table's rows.
  const tablesAfter: { title: string; line: number; lastLine: number }[] = [];
  let nameLine: ParsedEvent | undefined;
  let after: { title: string; line: number; lastLine: number } | undefined;
  // A name is a short line (`Other Attended,`): a row of this table with only its first cell filled has all its cells.
  const nameOf = (event: ParsedEvent): string | undefined =>
    event.error || !found.title || event.cells.length >= rawWidth
      ? undefined
      : nameIn(event.cells, found.numberedSections);
  const startsTable = (event: ParsedEvent): boolean => {
    if (event.error || headerAgain(event)) return false;
    const filled = event.cells.filter((c) => c.trim() !== '');
    if (filled.length < 2) return false;
    return (
      event.cells.length !== rawWidth ||
      (filled.length === event.cells.length && filled.every((c) => !/[\d@]/.test(c)))
    );
  };
  // The table's own header again under a name is not another table but the next section of this one (monday.com
  // writes each group of a board so: its title, the header, its items): its rows are read (section-titles.ts).
  const headerAgain = (event: ParsedEvent): boolean =>
    event.cells.length === rawWidth &&
    event.cells.every((c, i) => c.trim().toLowerCase() === (rawHeader[i] ?? '').trim().toLowerCase());
  async function* rowBatches(): AsyncGenerator<CsvRow[]> {
    for await (const events of reader.rest()) {
      if (closed) return;
      const rows: CsvRow[] = [];
      for (const event of events) {
        // More of the header (Qualtrics' import ids under the questions): no row.
        if (found.headerLinesAfter?.includes(event.line)) continue;
        if (after) {
          after.lastLine = event.line;
          continue;
        }
        if (nameLine) {
          const pending = nameLine;
          nameLine = undefined;
          if (startsTable(event)) {
            after = { title: nameOf(pending) as string, line: pending.line, lastLine: event.line };
            tablesAfter.push(after);
            continue;
          }
          take(pending, rows);
        }
        if (nameOf(event) !== undefined) {
          nameLine = event;
          continue;
        }
        take(event, rows);
      }
      if (rows.length) yield rows;
    }
    if (nameLine) {
      // A name alone on the last line: an empty table's when written as one (`Other Attended,`), else
      // whatever a last line of one value is (a footer's, or a row).
      if (nameLine.cells.length > 1) {
        tablesAfter.push({ title: nameOf(nameLine) as string, line: nameLine.line, lastLine: nameLine.line });
      } else {
        const rows: CsvRow[] = [];
        take(nameLine, rows);
        if (rows.length) yield rows;
      }
      nameLine = undefined;
    }
    if (held.some((h) => FOOTER_TEXT.test(h.text))) {
      footer.push(
        ...held.map((h) => ({
          line: h.event.line,
          text: clip(h.text),
        })),
      );
      held = [];
    } else if (held.length) {
      yield releaseHeld();
    }
  }
  /** One line of the table: a row, or held as a possible footer line. */
  function take(event: ParsedEvent, rows: CsvRow[]): void {
    const text = event.cells[0]?.trim() ?? '';
    const oneCell = width > 1 && !event.error && event.cells.length === 1 && text !== '';
    if (oneCell && (held.length > 0 || event.line > lastLine + 1) && held.length < MAX_FOOTER_LINES) {
      held.push({ event, text });
      lastLine = event.line;
      return;
    }
    if (held.length) rows.push(...releaseHeld());
    const row = toRow(event);
    if (row) {
      rows.push(row);
      lastLine = event.line;
    }
  }
  function releaseHeld(): CsvRow[] {
    const rows = held.map((h) => toRow(h.event)).filter((r): r is CsvRow => r !== undefined);
    held = [];
    return rows;
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
    preamble: found.preamble,
    ...(found.groups
      ? {
          // (A column named only in the groups line, merged down both lines, is no group's and keeps its name.)
          headerGroups: {
            line: found.groups.line,
            names: found.groups.names.map((g, i) => (own[i] === '' ? '' : g)),
            renamed: header.filter((h, i) => own[i] !== '' && h !== own[i]),
          },
        }
      : {}),
    ...(found.headerLinesAfter ? { headerLinesAfter: found.headerLinesAfter } : {}),
    footer: () => footer,
    ...(found.title ? { title: found.title } : {}),
    tablesBefore: found.tablesBefore ?? [],
    tablesAfter: () => tablesAfter,
    async sampleRows(n: number) {
      const events = await reader.peek(n);
      // Not the rows of a table after this one.
      const end = events.findIndex(
        (e, i) => nameOf(e) !== undefined && events[i + 1] && startsTable(events[i + 1] as ParsedEvent),
      );
      return (end >= 0 ? events.slice(0, end) : events)
        .filter((e) => !e.error && !found.headerLinesAfter?.includes(e.line))
        .map((e) => withLineBreaks(fitCells(e.cells, width)));
    },
    async hasRows() {
      return (await reader.peek(1)).length > 0;
    },
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

/**
 * The columns' names of a two-line header with their groups where a name alone would not say what it is: every name
 * of a group of companies (`Company` over `Website` is `Company Website`), and a name two groups share (`Contact` and
 * `Company` over `Name` are `Contact Name` and `Company Name`). A column named only in the groups line has that name.
 */
function withGroups(names: string[], groups: readonly string[] | undefined): string[] {
  if (!groups) return names;
  const counts = new Map<string, number>();
  for (const n of names) {
    const key = normaliseHeaderName(n);
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return names.map((n, i) => {
    const group = groups[i] ?? '';
    if (group === '') return n;
    if (n === '') return group;
    // Under a company's group, only what a company has is the company's: a group runs on over the columns after it
    // (Excel leaves the cells of a merged one empty), which may be the lead's (`Notes`, `Owner`, `Lead Source`).
    if (COMPANY_WORD.test(group)) {
      return isCompanyField(n) ? companysFieldName(n) : n;
    }
    return (counts.get(normaliseHeaderName(n)) ?? 0) > 1 ? `${group} ${n}` : n;
  });
}

/** What a company has that a person has too, so a company group's column of that name is the company's. */
const COMPANY_FIELD =
  /^(?:name|website|web ?site|url|domain|phone(?: number)?|telephone|tel|fax|e-?mail(?: address)?|address|street|city|town|state|region|province|zip|zip code|postal code|postcode|country|industry|sector|size|employees|no\.? of employees|number of employees|revenue|annual revenue|linkedin(?: url)?|vat(?: number)?|id)$/i;

function isCompanyField(name: string): boolean {
  return COMPANY_FIELD.test(name.trim());
}

/** A whole email address: a lead's value, never what a column is called. */
const ADDRESS_AS_NAME = /^[^\s@"<>]+@[^\s@"<>.]+(?:\.[^\s@"<>.]+)+$/;

/**
 * Refuses a file whose header line is a lead (an email address among its names): a file written without a header line
 * (FileMaker's "Comma-Separated Text" and "Tab-Separated Text" exports, a database's dump, a bare list of addresses)
 * would lose its first lead as the header and import the others with only what their values show (the addresses,
 * not the names or the company).
 */
function assertNamesColumns(header: readonly string[], name: string, line: number): void {
  const index = header.findIndex((h) => h.length <= 320 && ADDRESS_AS_NAME.test(h));
  if (index === -1) return;
  throw new CsvFormatError(
    `${name}:${line}: ${line === 1 ? 'the first line' : `line ${line}, the first with values,`} holds a lead, not the columns' names (column ${index + 1}, ${JSON.stringify(header[index])}, is an email address): the file has no header line. Add a line naming the columns at the top (for example First Name,Last Name,Company,Email), or export the file again with its field names (FileMaker: export as "Merge", which writes them; its comma- and tab-separated text formats do not).`,
  );
}

/**
 * FileMaker's line breaks in a value: its text exports (Merge, comma- and tab-separated) write a field's line break as
 * a vertical tab and put the group separator between a repeating field's values (FileMaker Pro Help, "Merge format").
 * Both are read as line breaks, so a note keeps its lines, a street its two lines, and a repeating `Phone` field's
 * numbers are each a number. No other program writes either character in a CSV file.
 */
const FILEMAKER_BREAK = /[\v\x1d]/;
const FILEMAKER_BREAKS = new RegExp(FILEMAKER_BREAK.source, 'g');
function withLineBreaks(cells: string[]): string[] {
  if (!cells.some((c) => FILEMAKER_BREAK.test(c))) return cells;
  return cells.map((c) => c.replace(FILEMAKER_BREAKS, '\n'));
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
  private done = false;

  constructor(private readonly batches: AsyncGenerator<ParsedEvent[]>) {}

  async nextNonBlank(): Promise<ParsedEvent | undefined> {
    for (;;) {
      while (this.buffer.length === 0) {
        if (this.done) return undefined;
        const { value, done } = await this.batches.next();
        if (done) {
          this.done = true;
          return undefined;
        }
        this.buffer = value;
      }
      const event = this.buffer.shift() as ParsedEvent;
      if (event.error || event.cells.some((c) => c.trim() !== '')) return event;
    }
  }

  /** The next `n` non-blank events, left in place for `nextNonBlank` and `rest`. */
  async peek(n: number): Promise<ParsedEvent[]> {
    const nonBlank = () => this.buffer.filter((e) => e.error || e.cells.some((c) => c.trim() !== ''));
    while (nonBlank().length < n && !this.done) {
      const { value, done } = await this.batches.next();
      if (done) this.done = true;
      else this.buffer.push(...value);
    }
    return nonBlank().slice(0, n);
  }

  async *rest(): AsyncGenerator<ParsedEvent[]> {
    if (this.buffer.length) yield this.buffer.splice(0);
    if (!this.done) yield* this.batches;
  }
}

async function fileSize(path: string, name: string): Promise<number> {
  try {
    const s = await stat(path);
    // A Numbers document saved as a package is a folder.
    if (s.isDirectory() && /\.numbers$/i.test(name)) throw new CsvFormatError(numbersDocument(name));
    if (s.isDirectory())
      throw new CsvFormatError(`${name} is a directory, not a CSV file; name the file inside it.`);
    if (!s.isFile()) {
      // A pipe, /dev/stdin or a device: read once, it cannot be read again.
      throw new CsvFormatError(
        `${name} is not a regular file (a pipe or a device): import reads a file more than once (its bytes name the import, so that running the same command again resumes it), which a pipe cannot give. Save it to a file first (e.g. \`cat … > leads.csv\`), then import that file.`,
      );
    }
    return s.size;
  } catch (err) {
    if (err instanceof CsvFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && path === '-') {
      throw new CsvFormatError(
        'import does not read standard input ("-"): it reads a file more than once (its bytes name the import, so that running the same command again resumes it). Save the input to a file first (e.g. `… > leads.csv`), then import that file.',
      );
    }
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
  // gzip's magic number (RFC 1952 §2.3.1): a compressed export, given as it was downloaded.
  if (sample[0] === 0x1f && sample[1] === 0x8b) {
    // Never the file's own name: `gzip -dc leads.csv > leads.csv` empties the file before gzip reads it.
    const csv =
      /\.gz$/i.test(name) && name.length > 3
        ? name.slice(0, -3)
        : name.replace(/(?:\.csv)?$/i, '-decompressed.csv');
    throw new CsvFormatError(
      `${name} is gzip-compressed, not a CSV file. Decompress it first (\`gzip -dc ${name} > ${csv}\`), then import ${csv}.`,
    );
  }
  // A PDF (`%PDF-`, ISO 32000-1 §7.5.2): a purchased list or a printed report, sent as a document.
  if (latin1(sample, 0, 5) === '%PDF-') {
    throw new CsvFormatError(
      `${name} is a PDF document, not a CSV file: its rows cannot be read reliably. Ask whoever sent it for the list as CSV (or export it as CSV from the system it comes from), then import the .csv file.`,
    );
  }
  const zip = sample[0] === 0x50 && sample[1] === 0x4b && sample[2] === 0x03 && sample[3] === 0x04;
  const ole = sample[0] === 0xd0 && sample[1] === 0xcf && sample[2] === 0x11 && sample[3] === 0xe0;
  if (!zip && !ole) return;
  // Each of these is a ZIP archive; the names of its first entries tell them apart.
  const entries = zip ? zipEntryNames(sample) : [];
  if (entries[0] === 'mimetype' && /application\/vnd\.oasis\.opendocument/.test(latin1(sample, 30, 120))) {
    throw new CsvFormatError(
      `${name} is a LibreOffice or OpenOffice spreadsheet (.ods), not a CSV file. Open it and use File > Save As… with the file type "Text CSV (.csv)", then import the .csv file.`,
    );
  }
  if (/\.numbers$/i.test(name) || entries.some((e) => e.startsWith('Index/') || e === 'Index.zip')) {
    throw new CsvFormatError(numbersDocument(name));
  }
  const csv = entries.find((e) => /\.(csv|txt)$/i.test(e));
  if (csv && !entries.some((e) => e === '[Content_Types].xml' || e.startsWith('xl/'))) {
    throw new CsvFormatError(
      `${name} is a ZIP archive (it holds ${csv}), not a CSV file. Unzip it and import the CSV file inside.`,
    );
  }
  throw new CsvFormatError(
    `${name} is an Excel workbook, not a CSV file. Open it and save it as "CSV UTF-8 (comma delimited)", then import the .csv file.`,
  );
}

/**
 * A text file that is no CSV: a web page (older CRMs and report tools save an "Excel" download as HTML with an .xls
 * name), Excel 2003's XML Spreadsheet, rich text (RTF) or JSON. Each would otherwise fail on its first `"` with a message about quotes.
 * Read from the sample as decoded (its byte order mark gone), in whatever encoding the file has.
 */
function assertNotMarkup(sampleText: string, name: string): void {
  const start = sampleText.slice(0, 1024).trimStart();
  const saveAsCsv =
    'Open it in Excel and save it as "CSV UTF-8 (comma delimited)", then import the .csv file.';
  if (
    /^<\?xml\b/i.test(start) &&
    /<Workbook\b[^>]*urn:schemas-microsoft-com:office:spreadsheet/i.test(start)
  ) {
    throw new CsvFormatError(`${name} is an Excel XML spreadsheet, not a CSV file. ${saveAsCsv}`);
  }
  if (/^<(?:!doctype\s+html|html\b|table\b|head\b|body\b|meta\b)/i.test(start)) {
    throw new CsvFormatError(
      `${name} is a web page (HTML), not a CSV file: some systems save a report as a web page with an Excel name. ${saveAsCsv}`,
    );
  }
  // Rich text: TextEdit (a Mac's default editor) saves a typed list as RTF unless made plain text first, and a
  // `.csv` name typed in its Save dialog does not change that.
  if (/^\{\\rtf/.test(start)) {
    throw new CsvFormatError(
      `${name} is a rich-text document (RTF), not a CSV file: TextEdit and WordPad save rich text unless told otherwise. In TextEdit choose Format > Make Plain Text, then save it again with the encoding "Unicode (UTF-8)"; in WordPad save it as "Text Document"; then import the file.`,
    );
  }
  if (/^(?:\{\s*"|\[\s*[{["\d\]])/.test(start)) {
    throw new CsvFormatError(
      `${name} is JSON, not a CSV file. Export the records as CSV from the system they come from, then import the .csv file.`,
    );
  }
}

function numbersDocument(name: string): string {
  return `${name} is an Apple Numbers document, not a CSV file. Open it in Numbers and use File > Export To > CSV…, then import the .csv file.`;
}

/** The names of the ZIP local file headers found one after the other from the sample's start. */
function zipEntryNames(sample: Uint8Array): string[] {
  const view = new DataView(sample.buffer, sample.byteOffset, sample.byteLength);
  const names: string[] = [];
  let at = 0;
  while (at + 30 <= sample.length && view.getUint32(at, true) === 0x04034b50 && names.length < 20) {
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    if (at + 30 + nameLength > sample.length) break;
    names.push(latin1(sample, at + 30, nameLength));
    // With a data descriptor (flag bit 3) the size is not in the header: the next entry cannot be found.
    if (view.getUint16(at + 6, true) & 0x08) break;
    at += 30 + nameLength + extraLength + view.getUint32(at + 18, true);
  }
  return names;
}

function latin1(bytes: Uint8Array, start: number, length: number): string {
  return Buffer.from(
    bytes.buffer,
    bytes.byteOffset + start,
    Math.max(0, Math.min(length, bytes.length - start)),
  ).toString('latin1');
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

/** A partial last line longer than this is passed on as it is rather than held for the next chunk. */
const MAX_HELD_LINE = 64 * 1024;

/**
 * Excel's formula for text, `="00491701234567"`, as programs write it to keep a number's leading zeros
 * or its digits (Excel would show `491701234567` or `4.91702E+11`): the value is the text in quotes. Not
 * in quotes as a whole, it is a `"` inside an unquoted value to CSV, and the line would be refused; so an
 * unquoted field that is exactly `="…"` (no quote, delimiter or line break inside) is written here as
 * the same field in quotes, `"=""…"""`, the form a program that quotes such a field writes. The row
 * validator then reads `="…"` as the text inside (row-validator.ts); every other formula stays text as
 * written. Inside a quoted value a quote is always doubled, so `="…"` followed by a delimiter cannot be
 * found there. Whole lines are rewritten (where a field starts is known), the last partial line held back.
 */
async function* quoteFormulaText(chunks: AsyncIterable<string>, delimiter: string): AsyncGenerator<string> {
  const d = delimiter.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  const field = new RegExp(`(^|[${d}\\n])="([^"\\n${d}]+)"(?=[${d}\\n]|$)`, 'g');
  let held = '';
  let atLineStart = true;
  const rewrite = (text: string, final: boolean): string =>
    text.indexOf('="') === -1
      ? text
      : text.replace(field, (match: string, before: string, inner: string, offset: number) => {
          if (before === '' && (offset !== 0 || !atLineStart)) return match;
          if (!final && offset + match.length === text.length) return match;
          return `${before}"=""${inner}"""`;
        });
  for await (const chunk of chunks) {
    const text = held + chunk;
    const lf = text.lastIndexOf('\n');
    if (lf === -1 && text.length <= MAX_HELD_LINE) {
      held = text;
      continue;
    }
    const cut = lf === -1 ? text.length : lf + 1;
    const out = rewrite(text.slice(0, cut), false);
    atLineStart = lf !== -1;
    held = text.slice(cut);
    yield out;
    if (held.length > MAX_HELD_LINE) {
      yield rewrite(held, false);
      atLineStart = false;
      held = '';
    }
  }
  if (held) yield rewrite(held, true);
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

function byteLimit(maxRecordBytes: number): string {
  return maxRecordBytes >= 1024 * 1024
    ? `${Math.round(maxRecordBytes / 1024 / 1024)} MiB`
    : `${maxRecordBytes} bytes`;
}

function describeLongLine(maxRecordBytes: number): string {
  return `is longer than ${byteLimit(maxRecordBytes)}, the longest row this tool reads; shorten its values (Pipedrive keeps at most 255 characters of a text field)`;
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
  spacedQuotes = false,
): AsyncGenerator<ParsedEvent[]> {
  const options: CsvParseOptions = {
    delimiter,
    record_delimiter: '\n',
    // Spaces after a separator, before a quoted value (vtiger's header, `"Salutation", "First Name"`; Python's
    // `skipinitialspace` files) are no part of the value: without this the `"` after them is "inside a value that
    // is not in quotes", and the whole file is refused. Only in a file whose header is written so: elsewhere a
    // value's leading spaces are the file's (the rows keep what the file had).
    ltrim: spacedQuotes,
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
  const chunks = quoteFormulaText(normaliseLineEndings(decodeChunks(counted(), encoding)), delimiter)[
    Symbol.asyncIterator
  ]();
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
