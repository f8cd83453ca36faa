import { describe, expect, it } from 'vitest';
import type { RowResult } from '../../src/producer/row-validator.js';
import { SectionTitleCheck } from '../../src/producer/section-titles.js';
import type { CheckedRow } from '../../src/producer/short-rows.js';

const header = ['Name', 'Email', 'Company'];
const ok: RowResult = { ok: {} as never };
const row = (line: number, cells: string[]): CheckedRow => ({ row: { line, cells }, result: ok });

describe("a section title (monday.com: a group's name on a line of its own, then the header again)", () => {
  it('is rejected with the header under it, as the layout, not a failed row', () => {
    const check = new SectionTitleCheck(header);
    expect(check.push(row(8, ['Qualified', '', '']))).toEqual([]);
    const [title, again] = check.push(row(9, ['Name', 'Email', 'Company']));
    expect(title?.row.line).toBe(8);
    expect(title?.result).toMatchObject({
      reject: {
        column: 'Name',
        layout: true,
        reason: expect.stringContaining('"Qualified" is the title of the section'),
      },
    });
    expect(again?.result).toMatchObject({ reject: { layout: true } });
    const next = row(10, ['Priya Raman', 'priya@example.org', 'Northwind']);
    expect(check.push(next)).toEqual([next]);
  });

  it("is only that: a row with one value and no header after it keeps its own fate, in the file's order", () => {
    const check = new SectionTitleCheck(header);
    const alone = row(2, ['Ingrid Dahl', '', '']);
    const next = row(3, ['Zoë Ørsted', 'zoe@example.com', 'Ångström AB']);
    expect(check.push(alone)).toEqual([]);
    expect(check.push(next)).toEqual([alone, next]);
    const last = row(4, ['François Müller', '', '']);
    expect(check.push(last)).toEqual([]);
    expect(check.flush()).toEqual([last]);
  });
});

describe("an item's subitems (monday.com: under their own header, a column to the right)", () => {
  const board = ['Name', 'Subitems', 'Status', 'Email'];

  it('are the layout, header and rows, up to the next item', () => {
    const check = new SectionTitleCheck(board);
    const item = row(5, ['François Müller', '', 'New', 'f@example.com']);
    expect(check.push(item)).toEqual([item]);
    const [header] = check.push(row(7, ['Subitems', 'Name', 'Owner', '']));
    expect(header?.result).toMatchObject({
      reject: {
        layout: true,
        reason: expect.stringContaining('the header of the subitems of the item on line 5'),
      },
    });
    const [task] = check.push(row(8, ['', 'Send the offer', 'Marc Dubois', '']));
    expect(task?.result).toMatchObject({
      reject: {
        column: 'Subitems',
        layout: true,
        reason: expect.stringContaining('"Send the offer" is a subitem'),
      },
    });
    const next = row(9, ['Priya Raman', '', 'New', 'p@example.org']);
    expect(check.push(next)).toEqual([next]);
  });

  it('are only those: a row with an empty first cell and no subitems header above keeps its own fate', () => {
    const check = new SectionTitleCheck(board);
    const item = row(2, ['Zoë Ørsted', '', 'New', 'z@example.com']);
    const noName = row(3, ['', '', 'New', 'ingrid@example.net']);
    expect(check.push(item)).toEqual([item]);
    expect(check.push(noName)).toEqual([noName]);
  });
});
