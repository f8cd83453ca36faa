import { quote, repeatsHeader } from './row-validator.js';
import type { CheckedRow } from './short-rows.js';

/**
 * A sheet written in sections, as monday.com exports a board: each group's title on a line of its own, then the header
 * again, then the group's items. A line holding one value, in its first column, right above a line that repeats the
 * header is the next section's title, not a lead (a person named "Qualified"); the header line under it is the
 * section's, not two files joined. An item's subitems (their own header, `Subitems`, `Name`…, then a line each, their
 * first cell empty) are no leads either. All are rejected as the sheet's layout: nothing in them failed.
 *
 * Such a line is held until the next row says which it is; any other row passes at once, in the file's order.
 */
export class SectionTitleCheck {
  private held: CheckedRow | undefined;
  /** The line of the item whose subitems follow (under their own header, their first cell empty). */
  private subitemsOf: number | undefined;
  /** The last line that started with a value: the item a subitems header belongs to. */
  private lastItem: number | undefined;

  /** The header's names as a subitems header is compared with them (trimmed, any case), made once. */
  private readonly names: readonly string[];

  constructor(private readonly header: readonly string[]) {
    this.names = header.map((h) => h.trim().toLowerCase());
  }

  /** Takes the next row; returns the rows (this one or the one held) whose fate is decided. */
  push(checked: CheckedRow): CheckedRow[] {
    const cells = checked.row.cells;
    const first = (cells[0] ?? '').trim();
    if (this.subitemsOf !== undefined && first === '' && cells.some((c) => c.trim() !== '')) {
      const name = (cells[1] ?? '').trim();
      return [
        ...this.release(),
        this.layout(
          checked,
          `${name ? `${quote(name)} is` : 'is'} a subitem of the item on line ${this.subitemsOf} (monday.com writes an item's subitems under it, a column to the right, under a header of their own): not a lead`,
          this.header[1],
        ),
      ];
    }
    this.subitemsOf = undefined;
    if (this.lastItem !== undefined && this.subitemsHeader(cells)) {
      this.subitemsOf = this.lastItem;
      return [
        ...this.release(),
        this.layout(
          checked,
          `is the header of the subitems of the item on line ${this.lastItem} (monday.com writes them under their item, a column to the right): not a lead; the subitems under it are not read as leads`,
        ),
      ];
    }
    if (first !== '') this.lastItem = checked.row.line;
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
    return this.release();
  }

  private release(): CheckedRow[] {
    const held = this.held;
    this.held = undefined;
    return held ? [held] : [];
  }

  private layout(checked: CheckedRow, reason: string, column?: string): CheckedRow {
    return { row: checked.row, result: { reject: { ...(column ? { column } : {}), reason, layout: true } } };
  }

  /**
   * A line that starts with the name of one of the file's columns, then the name of its first column (monday.com:
   * `Subitems`, `Name`, then the subitems' own columns): the header of a table of subitems under the line above.
   */
  private subitemsHeader(cells: readonly string[]): boolean {
    const a = (cells[0] ?? '').trim().toLowerCase();
    const b = (cells[1] ?? '').trim().toLowerCase();
    const first = this.names[0] ?? '';
    return a !== '' && a !== first && b === first && this.names.some((n, i) => i > 0 && n === a);
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
