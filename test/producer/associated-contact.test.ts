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
