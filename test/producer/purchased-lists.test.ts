/**
 * Purchased and enriched lead lists (RocketReach's export, test/fixtures/real-exports/README.md 94): addresses in
 * columns by grade, the same number in a bare `Phone` and in `Mobile Phone`.
 */
import { describe, expect, it } from 'vitest';
import { matchColumns } from '../../src/producer/column-matcher.js';
import { assertDistinctHeader, mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

const ROCKETREACH = [
  'First Name',
  'Last Name',
  'Employer',
  'Employer Domain',
  'Recommended Email',
  'Recommended Work Email',
  'A Emails',
  'A- Emails',
  'B Emails',
  'Phone',
  'Mobile Phone',
  'Email Lookup Status',
];

describe('purchased lead lists', () => {
  it('reads `A Emails` and `A- Emails` as two columns: a grade sign is not punctuation', () => {
    expect(() => assertDistinctHeader(ROCKETREACH, 'rocketreach.csv', 1)).not.toThrow();
    // `E-mail` is still `Email`.
    expect(() => assertDistinctHeader(['Name', 'Email', 'e-mail'], 'x.csv', 1)).toThrow(
      /duplicate column names/,
    );
    // A mapping file that names `A- Emails` means that column, not `A Emails` before it.
    const plan = matchColumns({
      header: ROCKETREACH,
      spec: { auto: false, person: { name: 'First Name', email: [{ column: 'A- Emails' }] } },
    });
    expect(
      plan.matches
        .filter((m) => m.target.entity === 'person' && m.target.field === 'email')
        .map((m) => m.header),
    ).toEqual(['A- Emails']);
    expect(() => assertDistinctHeader(ROCKETREACH, 'rocketreach.csv', 1, plan)).not.toThrow();
  });

  it("says a row whose only addresses are of RocketReach's grade B, and imports them", () => {
    const mapping = mapColumns({}, ROCKETREACH, undefined);
    expect(mapping.plan.system?.id).toBe('rocketreach');
    const validate = createRowValidator(mapping, 'rocketreach');
    const row = (emails: Record<string, string>) =>
      ROCKETREACH.map(
        (h) => ({ 'First Name': 'Ann', 'Last Name': 'Lee', Employer: 'Lee AB', ...emails })[h] ?? '',
      );
    const graded = validate(2, row({ 'B Emails': 'ann.lee@lee.example.com, alee@lee.example.com' }));
    const better = validate(
      3,
      row({ 'A- Emails': 'ann@lee.example.com', 'B Emails': 'ann.lee@lee.example.com' }),
    );
    if (!('ok' in graded) || !('ok' in better)) throw new Error('rejected');
    expect(graded.ok.person?.emails?.map((e) => e.value)).toEqual([
      'ann.lee@lee.example.com',
      'alee@lee.example.com',
    ]);
    expect((graded.warnings ?? []).map((w) => `${w.column}: ${w.message}`)).toEqual([
      'B Emails: has the row\'s first address, "ann.lee@lee.example.com" (RocketReach: grade B, below the A and A- addresses it validated), and no better one: it is imported as given (clear it in the file not to have it, or remove the row)',
    ]);
    expect(better.ok.person?.emails?.map((e) => e.value)).toEqual([
      'ann@lee.example.com',
      'ann.lee@lee.example.com',
    ]);
    expect(better.warnings ?? []).toEqual([]);
  });

  it('labels a number a bare `Phone` shares with `Mobile Phone` mobile, in any file', () => {
    const header = ['Name', 'Email', 'Phone', 'Mobile Phone'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'x');
    const same = validate(2, ['Ann Lee', 'ann@lee.example.com', '+46 70 555 01 23', '+46 70 555 01 23']);
    const two = validate(3, ['Ann Lee', 'ann@lee.example.com', '+46 8 555 010 00', '+46 70 555 01 23']);
    if (!('ok' in same) || !('ok' in two)) throw new Error('rejected');
    expect(same.ok.person?.phones).toEqual([{ value: '+46 70 555 01 23', label: 'mobile' }]);
    expect(two.ok.person?.phones).toEqual([
      { value: '+46 8 555 010 00', label: 'work' },
      { value: '+46 70 555 01 23', label: 'mobile' },
    ]);
  });

  it("keeps a company list's contact email and phone in the note, never as a person's (Crunchbase)", () => {
    const header = [
      'Organization Name',
      'Organization Name URL',
      'Headquarters Location',
      'CB Rank (Company)',
      'Contact Email',
      'Phone Number',
      'Top 5 Investors',
    ];
    const mapping = mapColumns({}, header, undefined);
    expect(mapping.plan.system?.id).toBe('crunchbase-companies');
    const validate = createRowValidator(mapping, 'crunchbase');
    const r = validate(2, [
      'Ångström AB',
      'https://www.crunchbase.com/organization/angstrom-ab',
      'Stockholm, Stockholms Lan, Sweden',
      '12,345',
      'anna.berg@angstrom.example.com',
      '+46 8 555 010 00',
      'Northzone',
    ]);
    if (!('ok' in r)) throw new Error('rejected');
    expect(r.ok.person).toBeUndefined();
    expect(r.ok.organization?.address).toEqual({ value: 'Stockholm, Stockholms Lan, Sweden' });
    expect(r.ok.note).toBe('Contact email: anna.berg@angstrom.example.com<br>Phone: +46 8 555 010 00');
  });

  it("reads any file's Headquarters Location as the company's address", () => {
    const mapping = mapColumns({}, ['Company', 'Headquarters Location', 'Email'], undefined);
    expect(mapping.plan.matches.find((m) => m.header === 'Headquarters Location')?.target).toMatchObject({
      entity: 'organization',
      field: 'address',
    });
  });

  it("says a shared mailbox's row's phone is the company's, not a mailbox", () => {
    const validate = createRowValidator(mapColumns({}, ['Company', 'Email', 'Phone'], undefined), 'x');
    const r = validate(2, ['Ångström AB', 'info@angstrom.example.com', '+46 8 555 010 00']);
    if (!('ok' in r)) throw new Error('rejected');
    expect(r.ok.person).toBeUndefined();
    expect((r.warnings ?? []).map((w) => `${w.column}: ${w.message}`)).toEqual([
      "Email: is a company's shared mailbox's (info@, sales@…) on a row that names no person: the lead is the organization's, and the row's addresses and phones are kept in the lead's note (Pipedrive organizations have no email field)",
      "Phone: is the company's phone on a row whose address is its shared mailbox (info@, sales@…) and that names no person: no person's line, and Pipedrive organizations have no phone field, so it is kept in the lead's note",
    ]);
  });
});
