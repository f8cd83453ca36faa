import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * Writes CSV files that are safe to open in Excel: UTF-8 with a BOM (so accents survive) and
 * every cell that a spreadsheet would run as a formula neutralised (OWASP "CSV injection"):
 * a cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function formatCsvRow(cells: readonly unknown[]): string {
  return `${cells
    .map((cell) => {
      const text = neutraliseCell(cell);
      return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(',')}\r\n`;
}

/** A streaming CSV writer with backpressure: `await writer.write(cells)` per row, then `close()`. */
export class CsvWriter {
  private readonly stream: WriteStream;
  private rows = 0;

  constructor(
    readonly path: string,
    header: readonly string[],
  ) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.write('\uFEFF');
    this.stream.write(formatCsvRow(header));
  }

  async write(cells: readonly unknown[]): Promise<void> {
    this.rows++;
    if (!this.stream.write(formatCsvRow(cells))) await once(this.stream, 'drain');
  }

  /** Rows written so far (header excluded). */
  get rowCount(): number {
    return this.rows;
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
