import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

describe("HubSpot's deals export: the deal's contact named with the address", () => {
  const header = [
    'Record ID',
    'Deal Name',
    'Amount',
    'Close Date',
    'Associated Contact',
    'Associated Company',
  ];
  const validate = createRowValidator(mapColumns({}, header, undefined), 'deals');

  it("is the lead's person, with that address", () => {
    const r = validate(2, [
      '1',
      'Ångström - 20 seats',
      '45000',
      '2025-06-30 00:00',
      'Zoë Ørsted (zoe@angstrom.example.com)',
      'Ångström AB',
    ]);
    expect('ok' in r ? [r.ok.person, r.ok.organization?.name] : r.reject.reason).toEqual([
      { name: 'Zoë Ørsted', email: 'zoe@angstrom.example.com' },
      'Ångström AB',
    ]);
  });

  it('takes the first of several contacts and keeps the others in the note, saying so', () => {
    const r = validate(3, [
      '2',
      'Müller - scanners',
      '12000',
      '',
      'François Müller (francois@muller.example.com);Anne Roux (anne@muller.example.com)',
      'Müller & Fils SARL',
    ]);
    expect('ok' in r ? [r.ok.person?.name, r.ok.note] : r.reject.reason).toEqual([
      'François Müller',
      'Associated Contact: Anne Roux (anne@muller.example.com)',
    ]);
    expect('ok' in r ? r.warnings?.map((w) => w.message) : []).toEqual([
      "names several contacts: the first is the lead's person, the others are kept in the lead's note",
    ]);
  });
});

describe('a second email column that holds no address', () => {
  const validate = createRowValidator(
    mapColumns({}, ['Name', 'Email', 'Email 2', 'Company'], undefined),
    'junk',
  );

  it('does not cost the row its good address: kept in the note, said in the summary', () => {
    const r = validate(2, ['Jane Doe', 'jane@acme.example.com', 'see notes', 'Acme']);
    expect('ok' in r ? [r.ok.person?.email, r.ok.note] : r.reject.reason).toEqual([
      'jane@acme.example.com',
      'Email 2: see notes',
    ]);
    expect('ok' in r ? r.warnings?.map((w) => `${w.column}: ${w.message}`) : []).toEqual([
      `Email 2: holds no email address ("see" is not an email address): the row is imported with its other address, and the cell is kept in the lead's note`,
    ]);
  });

  it('still refuses a row whose only addresses are in the cell with the typo, naming the cell to fix', () => {
    const typo = validate(3, ['Dan Two', 'dan@example.com, d2@', '', 'Two Ltd']);
    expect('reject' in typo ? typo.reject.reason : typo).toMatch(
      /"d2@" is not an email address; fix the cell/,
    );
    const none = validate(4, ['Bob Bad', 'bob@', '', 'Bad Inc']);
    expect('reject' in none ? none.reject.reason : none).toMatch(/"bob@" is not an email address/);
  });
});
