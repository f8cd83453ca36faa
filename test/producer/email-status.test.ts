import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

describe("a prospecting tool's verification of each address", () => {
  it('says which rows have an address the tool calls invalid, and imports them as given', () => {
    // Hunter's Leads export; Snov.io and lemlist name the column `Email status`/`emailStatus`.
    const header = ['Full name', 'Email address', 'Verification status'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'status');
    const rows = [
      ['Ann Lee', 'ann@lee.example.com', 'invalid'],
      ['Bo Chen', 'bo@chen.example.com', 'valid'],
      ['Cy Diaz', 'cy@diaz.example.com', 'accept_all'],
      ['Di Eng', 'di@eng.example.com', 'Not valid'],
      ['Ed Fox', '', 'undeliverable'],
    ];
    const results = rows.map((cells, i) => validate(i + 2, cells));
    expect(results.every((r) => 'ok' in r)).toBe(true);
    expect(results.map((r) => ('ok' in r ? r.ok.person?.email : undefined))).toEqual([
      'ann@lee.example.com',
      'bo@chen.example.com',
      'cy@diaz.example.com',
      'di@eng.example.com',
      undefined,
    ]);
    const said = results.map((r) =>
      'ok' in r ? (r.warnings ?? []).map((w) => `${w.column}: ${w.message}`) : [],
    );
    expect(said).toEqual([
      [
        'Verification status: says "invalid" of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row)',
      ],
      [],
      [],
      [
        'Verification status: says "Not valid" of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row)',
      ],
      // No address, nothing to say of it.
      [],
    ]);
  });
});
