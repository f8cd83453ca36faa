import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

describe('a phone number written in digits other than ASCII', () => {
  it('is read in ASCII digits (Arabic-Indic, Persian, Devanagari, full-width), not refused for having none', () => {
    const header = ['Name', 'Phone'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'digits');
    const cells = [
      '+٩٧١ ٤ ١٢٣ ٤٥٦٧',
      '１２３-４５６７-８９０１',
      '＋８１ ３－１２３４－５６７８',
      '۰۹۱۲ ۳۴۵ ۶۷۸۹',
      '+91 ९८७६५ ४३२१०',
      '+46 8 555 010 10',
    ];
    const results = cells.map((phone, i) => validate(i + 2, [`Person ${i}`, phone]));
    expect(results.map((r) => ('ok' in r ? r.ok.person?.phone : r.reject.reason))).toEqual([
      '+971 4 123 4567',
      '123-4567-8901',
      '+81 3-1234-5678',
      '0912 345 6789',
      '+91 98765 43210',
      '+46 8 555 010 10',
    ]);
  });
});
