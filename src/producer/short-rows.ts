import type { CsvRow } from './csv-reader.js';
import type { RowResult } from './row-validator.js';

/** A row read from the file, and what the validator made of it (absent when the reader could not read it). */
export interface CheckedRow {
  row: CsvRow;
  result?: RowResult;
}

/** Pieces of one row that a check looks back over: a value with up to two line breaks. */
const MAX_PIECES = 3;

/**
 * Tells Excel's short rows from a row broken in two, as the rows stream by.
 *
 * Excel leaves out the separators of the empty cells at the end of a row (csv-reader.ts,
 * `MIN_PADDED_FIELDS`), so a line may have fewer fields than the header: it is read with its missing
 * last cells empty, and then validated like any row. A row whose value holds a line break that is
 * not in quotes (a file written by hand or by a careless script, never by Excel) is short too: it
 * becomes two (or three) short lines, the first ending inside the value, the next starting with the
 * rest of it, its later values one column to the left of where they belong.
 *
 * The rule: consecutive short lines (each starting where the one before ends) are one broken row when
 * their fields, the last of each joined to the first of the next, make exactly the header's count,
 * **and** a later piece is not one of Excel's short rows (the validator rejects it, it is a line of
 * one value, or it ends with an empty field: Excel shortens a row by leaving out its empty last cells,
 * so a short line it writes ends with a filled one), **and** joined they are a valid row. Then each of those lines is rejected, saying where the
 * line break is and how to fix it: importing the pieces would put a lead with a cut value, and a
 * second one made of the cut-off rest, into Pipedrive. Short lines that do not meet all three are
 * Excel's rows, each kept or rejected on its own; a short row that the validator rejects says in its
 * reason that the line was short, in case it is a piece of a row after all.
 */
export class ShortRowCheck {
  private run: { row: CsvRow; result?: RowResult; end: number }[] = [];

  constructor(
    private readonly header: readonly string[],
    private readonly validate: (line: number, cells: string[]) => RowResult,
  ) {}

  /** No short line held: a full-width row may skip {@link push}. */
  get idle(): boolean {
    return this.run.length === 0;
  }

  /** Takes the next row; returns the rows (this one or earlier ones) whose fate is decided. */
  push(row: CsvRow): CheckedRow[] {
    const out: CheckedRow[] = [];
    const last = this.run[this.run.length - 1];
    const piece = row.fields !== undefined;
    if (!piece || (last && row.line !== last.end + 1)) out.push(...this.release(this.run.length));
    if (!piece) {
      out.push(this.checked(row, row.error === undefined ? this.validate(row.line, row.cells) : undefined));
      return out;
    }
    this.run.push({
      row,
      ...(row.error === undefined ? { result: this.validate(row.line, row.cells) } : {}),
      end: row.line + lineBreaks(row.cells),
    });
    for (let start = 0; start < this.run.length - 1; start++) {
      const pieces = this.run.slice(start);
      const fields = pieces.reduce((n, p) => n + (p.row.fields as number), 0) - (pieces.length - 1);
      if (fields !== this.header.length) continue;
      const alone = pieces
        .slice(1)
        .some((p) => p.result === undefined || 'reject' in p.result || endsEmpty(p.row));
      if (!alone) continue;
      const joined = joinPieces(pieces.map((p) => p.row));
      if ('reject' in this.validate(pieces[0]!.row.line, joined)) continue;
      out.push(...this.release(start));
      out.push(...this.broken(pieces.map((p) => p.row)));
      this.run = [];
      return out;
    }
    if (this.run.length >= MAX_PIECES) out.push(...this.release(1));
    return out;
  }

  /** The rows still held, at the end of the file. */
  flush(): CheckedRow[] {
    return this.release(this.run.length);
  }

  private release(count: number): CheckedRow[] {
    return this.run.splice(0, count).map((p) => this.checked(p.row, p.result));
  }

  /** A short row the validator rejected says so: it may be a piece of a row after all. */
  private checked(row: CsvRow, result: RowResult | undefined): CheckedRow {
    if (row.fields === undefined || row.error !== undefined || !result || !('reject' in result)) {
      return { row, ...(result ? { result } : {}) };
    }
    const hint = `; the line has only ${row.fields} of the header's ${this.header.length} fields (its last cells were read as empty): if the line above or below holds the rest of this row, put the value with the line break in quotes`;
    return { row, result: { reject: { ...result.reject, reason: result.reject.reason + hint } } };
  }

  private broken(rows: CsvRow[]): CheckedRow[] {
    const first = rows[0] as CsvRow;
    const lastLine = (rows[rows.length - 1] as CsvRow).line;
    const column = this.header[(first.fields as number) - 1] as string;
    const lines = rows.length === 2 ? `${first.line} and ${lastLine}` : `${first.line} to ${lastLine}`;
    const counts = rows.map((r) => r.fields).join(' + ');
    const reason = `lines ${lines} are one row broken by a line break inside its value of column "${column}", which is not in quotes (apart they have ${counts} fields; joined, the header's ${this.header.length}); put that value in quotes in the file, or remove the line break, and import these lines again`;
    return rows.map((row) => ({ row, result: { reject: { column, reason } } }));
  }
}

/** The row the pieces make once each line break between them is taken as part of a value. */
function joinPieces(rows: CsvRow[]): string[] {
  const cells: string[] = [];
  for (const [i, row] of rows.entries()) {
    const own = row.cells.slice(0, row.fields);
    if (i > 0) cells.push(`${cells.pop() as string}\n${own.shift() ?? ''}`);
    cells.push(...own);
  }
  return cells;
}

/** The line's last field is empty: a separator right before the line's end. */
function endsEmpty(row: CsvRow): boolean {
  return (row.cells[(row.fields as number) - 1] ?? '').trim() === '';
}

function lineBreaks(cells: readonly string[]): number {
  let n = 0;
  for (const c of cells) for (let i = c.indexOf('\n'); i !== -1; i = c.indexOf('\n', i + 1)) n++;
  return n;
}
