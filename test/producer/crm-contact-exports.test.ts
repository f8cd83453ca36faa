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

describe("Teamleader Focus's contacts export from an account in French", () => {
  // A real account's header (test/fixtures/real-exports/README.md, 84), its first columns and its companies.
  const header = [
    'Teamleader ID',
    'Prénom',
    'Nom de famille',
    'Rue',
    'Numéro de la rue',
    'Code postal',
    'Ville',
    'Opt-in courriers marketing',
    'Pays',
    'Langue',
    'Adresse e-mail',
    'Tags',
    'Entreprises',
    'Société',
    'Fonction',
    'Décideur',
    'Date ajoutée',
  ];
  // The rows read ahead show `Société` naming the first of `Entreprises`: it is read where `Entreprises` is empty.
  const sample = [
    ['', 'Zoë', 'Ørsted', '', '', '', '', '', '', '', '', '', 'Ångström AB', 'Ångström AB'],
    [
      '',
      'Priya',
      'Raman',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      'Northwind Traders Ltd, Expo Bristol',
      'Northwind Traders Ltd',
    ],
  ];
  const mapping = mapColumns({}, header, undefined, { sample });
  // A validator per row: a second row of the same person would be said as a repeat.
  const validate = (line: number, cells: string[]) =>
    createRowValidator(mapping, 'teamleader-fr')(line, cells);
  const row = (companies: string, company: string) => [
    '5c1f0d6e-7a2b-4c3d-9e8f-000000018232',
    'François',
    'Müller',
    'rue de la République',
    '8',
    '69002',
    'Lyon',
    '0',
    'FR',
    'fr',
    'francois.muller@muller-fils.example.org',
    'salon, vip',
    companies,
    company,
    'Directeur commercial',
    '1',
    '2025-03-14',
  ];

  it("is recognised: the contact's own address, its street number, its tags and opt-in left out with their reasons", () => {
    expect(mapping.plan.system?.id).toBe('teamleader');
    const r = validate(2, row('Müller & Fils SARL', 'Müller & Fils SARL'));
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.person?.postal_address).toEqual({
      value: 'rue de la République 8, Lyon, 69002, FR',
      route: 'rue de la République',
      street_number: '8',
      locality: 'Lyon',
      postal_code: '69002',
      country: 'FR',
    });
    expect(r.ok.organization?.name).toBe('Müller & Fils SARL');
    const skipped = new Map(mapping.plan.skipped.map((c) => [c.header, c.reason]));
    expect(skipped.get('Tags')).toMatch(/Teamleader tags/);
    expect(skipped.get('Opt-in courriers marketing')).toMatch(/marketing_status/);
    expect(skipped.get('Teamleader ID')).toMatch(/contact id/);
  });

  it("takes the first of the contact's companies for the organization and keeps the others in the note", () => {
    const r = validate(2, row('Müller & Fils SARL, Club Export Rhône-Alpes; Acme, Inc.', ''));
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.organization?.name).toBe('Müller & Fils SARL');
    expect(r.ok.note).toBe('Entreprises: Club Export Rhône-Alpes, Acme, Inc.');
    expect(r.warnings?.map((w) => `${w.column}: ${w.message}`)).toContain(
      "Entreprises: names several companies: the first is the lead's organization, the others are kept in the lead's note",
    );
  });

  it('keeps a legal form written with dots with its name: S.A., L.L.C., s.r.o., GmbH & Co. KG', () => {
    const r = validate(2, row('Dupont, S.A., Nováková, s.r.o., Schulz GmbH, GmbH & Co. KG', ''));
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.organization?.name).toBe('Dupont, S.A.');
    expect(r.ok.note).toBe('Entreprises: Nováková, s.r.o., Schulz GmbH, GmbH &amp; Co. KG');
  });

  it("takes Société where it is filled: a company's name may hold a comma, which the list cannot tell apart", () => {
    // The whole name in both: one company, nothing in the note.
    const one = validate(2, row('Müller, Schmidt & Partner', 'Müller, Schmidt & Partner'));
    if (!('ok' in one)) throw new Error(JSON.stringify(one));
    expect(one.ok.organization?.name).toBe('Müller, Schmidt & Partner');
    expect(one.ok.note).toBeUndefined();
    // More companies than Société's: Société's is the organization, the cell kept whole in the note.
    const more = validate(
      2,
      row('Müller, Schmidt & Partner, Club Export Rhône-Alpes', 'Müller, Schmidt & Partner'),
    );
    if (!('ok' in more)) throw new Error(JSON.stringify(more));
    expect(more.ok.organization?.name).toBe('Müller, Schmidt & Partner');
    expect(more.ok.note).toBe('Entreprises: Müller, Schmidt &amp; Partner, Club Export Rhône-Alpes');
    expect(more.warnings?.map((w) => `${w.column}: ${w.message}`)).toContain(
      'Entreprises: names the companies the person is linked to: the lead\'s organization is the one "Société" names, and this cell is kept in the lead\'s note',
    );
  });

  it('reads Société where Entreprises is empty', () => {
    const r = validate(2, row('', 'Müller & Fils SARL'));
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.organization?.name).toBe('Müller & Fils SARL');
    expect(r.ok.note).toBeUndefined();
  });
});
