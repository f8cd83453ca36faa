/**
 * A web form's budget and a lead database's revenue are often ranges ("10k–50k €", "$1M - $10M", "< 10k"): Pipedrive
 * keeps one number, and picking one would invent it. As with a headcount range, an optional field must not cost the
 * lead: the row is imported without it, the range is kept in the lead's note, and the summary counts it.
 */
import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator, type RowResult } from '../../src/producer/row-validator.js';

const header = ['Name', 'Email', 'Company', 'Budget', 'Currency', 'Annual Revenue'];
const validate = createRowValidator(mapColumns({}, header, undefined), 'imp');
const row = (budget: string, revenue = '') =>
  validate(2, ['Ada Lovelace', 'ada@example.com', 'Analytical Ltd', budget, 'EUR', revenue]);
const ok = (r: RowResult) => {
  if (!('ok' in r)) throw new Error(`rejected: ${r.reject.reason}`);
  return r;
};

describe('a range where one amount goes', () => {
  it.each([
    '10k–50k €',
    '10,000 - 50,000',
    '< 10k',
    '> 50k €',
    'up to 5000',
    '5000+',
    '~5k–10k',
    '€10k-€50k',
  ])('imports the row without a value and keeps %j in the note', (budget) => {
    const r = ok(row(budget));
    expect(r.ok.lead.value).toBeUndefined();
    expect(r.ok.note).toContain(`Budget: ${budget.replace('<', '&lt;').replace('>', '&gt;')}`);
    expect(r.warnings?.[0]).toMatchObject({ column: 'Budget' });
    expect(r.warnings?.[0]?.message).toContain('a range');
  });

  it("reads an estimate (~5000, ca. 5.000 €) as its amount: a lead's value is one anyway", () => {
    expect(ok(row('~5000')).ok.lead.value).toEqual({ amount: 5000, currency: 'EUR' });
    expect(ok(row('ca. 5.000 €')).ok.lead.value).toEqual({ amount: 5000, currency: 'EUR' });
    expect(ok(row('~5000')).warnings ?? []).toEqual([]);
  });

  it("does the same for a company's revenue given as a band ($1M - $10M)", () => {
    const r = ok(row('5000', '$1M - $10M'));
    expect(r.ok.lead.value).toEqual({ amount: 5000, currency: 'EUR' });
    expect(r.ok.organization?.annual_revenue).toBeUndefined();
    expect(r.ok.note).toContain('Annual Revenue: $1M - $10M');
  });

  it("keeps a revenue's open bucket written short ($1B+, 10M+) in the note, and reads $1B as a billion", () => {
    for (const revenue of ['$1B+', '10M+', '5 Mio.+']) {
      const r = ok(row('5000', revenue));
      expect(r.ok.organization?.annual_revenue, revenue).toBeUndefined();
      expect(r.ok.note).toContain(`Annual Revenue: ${revenue}`);
    }
    expect(ok(row('5000', '$1B')).ok.organization?.annual_revenue).toBe(1e9);
  });

  it('still rejects what is neither an amount nor a range, and a negative amount', () => {
    for (const budget of ['lots', '-500', '12abc', 'B2B', 'abc+'])
      expect('reject' in row(budget), budget).toBe(true);
  });
});

describe('a month or a quarter where the expected close date goes', () => {
  const closeHeader = ['Name', 'Email', 'Expected close date'];
  const validateClose = createRowValidator(mapColumns({}, closeHeader, undefined), 'imp');
  const close = (cell: string) => validateClose(2, ['Ada Lovelace', 'ada@example.com', cell]);

  it.each(['March 2027', 'Q1 2027', '2027-03', 'H2 2027', 'Mär. 2027'])(
    'imports the row without the date and keeps %j in the note',
    (cell) => {
      const r = ok(close(cell));
      expect(r.ok.lead.expected_close_date).toBeUndefined();
      expect(r.ok.note).toBe(`Expected close date: ${cell}`);
      expect(r.warnings?.[0]?.message).toContain('Pipedrive keeps one day as the expected close date');
    },
  );

  it('still reads a day, and still rejects what is neither a day nor a period', () => {
    expect(ok(close('2027-03-31')).ok.lead.expected_close_date).toBe('2027-03-31');
    expect(close('soon')).toMatchObject({ reject: { column: 'Expected close date' } });
    expect(close('Q5 2027')).toMatchObject({ reject: { column: 'Expected close date' } });
  });
});
