import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

describe('a sheet with Flemish headers (Belgian Dutch, as Teamleader Focus writes them)', () => {
  // Not a Teamleader export (no Taal, Geslacht or Toegevoegd op): the generic headers alone must read it.
  const header = ['Aanspreking', 'Voornaam', 'Familienaam', 'E-mail', 'GSM', 'Gemeente', 'Bedrijf'];
  const validate = createRowValidator(mapColumns({}, header, undefined), 'flemish');

  it('reads Familienaam as the last name, GSM as the mobile and Gemeente as the city', () => {
    const r = validate(2, [
      'Mevrouw',
      'Zoë',
      'Ørsted',
      'zoe.orsted@angstrom.example.com',
      '+46 70 555 01 42',
      'Stockholm',
      '',
    ]);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.person).toMatchObject({
      name: 'Zoë Ørsted',
      last_name: 'Ørsted',
      phones: [{ value: '+46 70 555 01 42', label: 'mobile' }],
    });
    expect(JSON.stringify(r.ok.person)).toContain('Stockholm');
  });

  it('leaves the salutation out, saying why', () => {
    const mapping = mapColumns({}, header, undefined);
    expect(mapping.plan.skipped.find((c) => c.header === 'Aanspreking')?.reason).toMatch(/salutation/);
  });
});

describe("Attio's people export", () => {
  const header = ['Record ID', 'Name', 'Email addresses', 'Primary location', 'Created at'];

  it("keeps the person's Primary location in the lead's note and says why Created at is left out", () => {
    const mapping = mapColumns({}, header, undefined);
    const r = createRowValidator(mapping, 'attio')(2, [
      '5c1d2e3f-4a5b-4c6d-8e7f-000000000001',
      'Zoë Ørsted',
      'zoe.orsted@angstrom.example.com',
      'Stockholm, Sweden',
      '2025-02-11T09:14:27.000Z',
    ]);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.note).toBe('Location: Stockholm, Sweden');
    expect(mapping.plan.skipped.find((c) => c.header === 'Created at')?.reason).toMatch(/creation date/);
  });
});

describe("folk's people export (lists in one cell)", () => {
  const header = [
    'First name',
    'Last name',
    'Full name',
    'Companies',
    'Emails',
    'Phones',
    'Addresses',
    'Urls',
    'Groups',
  ];

  it("takes Companies as the organization and Addresses as the person's own address", () => {
    const mapping = mapColumns({}, header, undefined);
    const r = createRowValidator(mapping, 'folk')(2, [
      'Zoë',
      'Ørsted',
      'Zoë Ørsted',
      'Ångström AB',
      'zoe.orsted@angstrom.example.com, zoe.orsted@gmail.com',
      '+46 8 555 010 42',
      'Storgatan 12, 114 55 Stockholm, Sweden',
      'https://www.linkedin.com/in/zoe-orsted-example',
      'Leads, Nordics',
    ]);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.organization?.name).toBe('Ångström AB');
    expect(JSON.stringify(r.ok.person)).toContain('Storgatan 12, 114 55 Stockholm, Sweden');
    expect(JSON.stringify(r.ok.organization)).not.toContain('Storgatan');
    expect(mapping.plan.skipped.find((c) => c.header === 'Groups')?.reason).toMatch(/folk groups/);
  });
});

describe("a French CRM's owner and creation date (Sellsy's contacts export)", () => {
  it('are left out as the source system\'s user and date, not "no standard field"', () => {
    const header = ['Prénom', 'Nom', 'Email', 'Propriétaire', 'Date de création'];
    const skipped = mapColumns({}, header, undefined).plan.skipped;
    expect(skipped.find((c) => c.header === 'Propriétaire')?.reason).toMatch(/a user of the system/);
    expect(skipped.find((c) => c.header === 'Date de création')?.reason).toMatch(/creation date/);
  });
});
