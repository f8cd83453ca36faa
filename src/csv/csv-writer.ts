import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { startsLikeFormula } from './formula-start.js';

/**
 * Writes CSV files that are safe to open in Excel: UTF-8 with a BOM (so accents survive) and
 * every cell that a spreadsheet would run as a formula neutralised (OWASP "CSV injection"):
 * such a cell (see {@link startsLikeFormula}) gets a leading `'`, which the importer takes away
 * again when the file comes back (`stripProtectiveQuote`).
 */
export function neutraliseCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return startsLikeFormula(text) ? `'${text}` : text;
}

/**
 * One CSV line. A cell with a `;` is quoted as well as one with a `,`: Excel in many locales
 * (German, French, …) splits on `;`, and an unquoted one would shift every column after it.
 */
export function formatCsvRow(cells: readonly unknown[]): string {
  return `${cells
    .map((cell) => {
      const text = neutraliseCell(cell);
      return /[",;\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
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
