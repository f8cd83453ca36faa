import { quote, repeatsHeader } from './row-validator.js';
import type { CheckedRow } from './short-rows.js';

/**
 * A sheet written in sections, as monday.com exports a board: each group's title on a line of its own, then the header
 * again, then the group's items. A line holding one value, in its first column, right above a line that repeats the
 * header is the next section's title, not a lead (a person named "Qualified"); the header line under it is the
 * section's, not two files joined. Both are rejected as the sheet's layout: nothing in them failed.
 *
 * Such a line is held until the next row says which it is; any other row passes at once, in the file's order.
 */
export class SectionTitleCheck {
  private held: CheckedRow | undefined;

  constructor(private readonly header: readonly string[]) {}

  /** Takes the next row; returns the rows (this one or the one held) whose fate is decided. */
  push(checked: CheckedRow): CheckedRow[] {
    const held = this.held;
    this.held = undefined;
    if (held && repeatsHeader(checked.row.cells, this.header)) {
      const title = (held.row.cells[0] ?? '').trim();
      return [
        {
          row: held.row,
          result: {
            reject: {
              column: this.header[0] as string,
              reason: `${quote(title)} is the title of the section below it (the header repeats on line ${checked.row.line}), as monday.com writes each group of a board: not a lead`,
              layout: true,
            },
          },
        },
        {
          row: checked.row,
          result: {
            reject: {
              reason: `repeats the header line under the section title ${quote(title)} (line ${held.row.line}): not a lead; the rows under it are read with the header`,
              layout: true,
            },
          },
        },
      ];
    }
    const out = held ? [held] : [];
    if (this.titleLike(checked)) this.held = checked;
    else out.push(checked);
    return out;
  }

  /** The row still held, at the end of the file. */
  flush(): CheckedRow[] {
    const held = this.held;
    this.held = undefined;
    return held ? [held] : [];
  }

  /**
   * A line of a file of several columns whose only value is in its first column: padded with the separators of its
   * empty cells, or a line of one value (as Excel writes it after the sheet's 16th row, which the reader does not read
   * as a row). Held, it keeps its own fate unless the header follows.
   */
  private titleLike({ row }: CheckedRow): boolean {
    if (this.header.length < 2) return false;
    return (row.cells[0] ?? '').trim() !== '' && row.cells.every((c, i) => i === 0 || c.trim() === '');
  }
}
