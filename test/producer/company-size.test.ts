import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

const validate = (size: string) =>
  createRowValidator(mapColumns({}, ['Name', 'Company', 'Company size'], undefined), 'sizes')(2, [
    'Ann Lee',
    'Acme',
    size,
  ]);

describe('a company size cell', () => {
  it('of a million spaces between two digits is refused in one pass, not read for minutes', () => {
    // Each run of spaces in the range pattern had two ways to be split, so such a cell took time squared.
    const result = validate(`1${' '.repeat(1_000_000)}x1`);
    expect(result).toMatchObject({ reject: { column: 'Company size' } });
    expect('reject' in result && result.reject.reason).toMatch(/is not a whole number of employees/);
  });

  it('of a range with thousands spaced out or in K is kept in the note', () => {
    for (const size of ['1 001 - 5 000', '251-1K', '1K - 5K', '10 to 50']) {
      const result = validate(size);
      expect('ok' in result && result.ok.note, size).toBe(`Company size: ${size}`);
    }
  });
});

describe('a head count of 0', () => {
  it("is a CRM's empty number field (Vtiger's 0.00000000), left out rather than set", () => {
    const validate = createRowValidator(mapColumns({}, ['Name', 'Company', 'Employees'], undefined), 'zero');
    for (const zero of ['0', '0.00000000']) {
      const r = validate(2, ['Ann Lee', 'Lee Ltd', zero]);
      expect('ok' in r ? r.ok.organization : r.reject.reason, zero).toEqual({ name: 'Lee Ltd' });
    }
  });
});
