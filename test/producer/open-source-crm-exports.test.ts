/**
 * Open-source CRMs' own exports (test/fixtures/real-exports/README.md 96–98): SuiteCRM's leads with its owner's login,
 * its map module's geocoded `Address` and a cell of the addresses that are not the primary one; vtiger's, whose header
 * is joined with `", "` and whose labels are Zoho's in part.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CsvRow, openCsv } from '../../src/producer/csv-reader.js';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

const SUITECRM = [
  'First Name',
  'Last Name',
  'ID',
  'Account Name',
  'Email Address',
  'Non Primary E-mails',
  'Office Phone',
  'Primary Address Street',
  'Primary Address City',
  'Primary Address Postalcode',
  'Primary Address Country',
  'Alt Address Street',
  'Alt Address Postalcode',
  'Lead Source Description',
  'Portal Application',
  'Assigned to',
  'Address',
  'Geocode Status',
];

describe("SuiteCRM's leads export", () => {
  const mapping = mapColumns({}, SUITECRM, undefined);
  const validate = createRowValidator(mapping, 'suitecrm');
  const r = validate(2, [
    'Zoë',
    'Ørsted',
    '7b1e4c2a-0d3f-4a8e-b6c1-2f9e8d7a6b01',
    'Ångström AB',
    'zoe.orsted@angstrom.example.com',
    'z.orsted@angstrom.example.com;zoe.orsted@gmail.com',
    "'+46 8 555 012 34",
    'Sveavägen 44',
    'Stockholm',
    '111 34',
    'Sweden',
    'Birkagatan 9',
    '113 36',
    'Nordic Lab Expo 2026',
    '',
    'mschmidt',
    'Sveavägen 44, Stockholm, 111 34, Sweden',
    'OK',
  ]);
  const ok = 'ok' in r ? r.ok : undefined;

  it('is recognised by its headers', () => {
    expect(mapping.plan.system?.id).toBe('suitecrm');
  });

  it('keeps the primary address first, the others after it as other (`Non Primary` is not `Primary`)', () => {
    expect(ok?.person?.email).toBe('zoe.orsted@angstrom.example.com');
    expect(ok?.person?.emails).toEqual([
      { value: 'zoe.orsted@angstrom.example.com', label: 'work' },
      { value: 'z.orsted@angstrom.example.com', label: 'other' },
      { value: 'zoe.orsted@gmail.com', label: 'other' },
    ]);
  });

  it("takes the primary address as the person's, and neither the other address nor the map module's copy", () => {
    expect(ok?.person?.postal_address).toEqual({
      value: 'Sveavägen 44, Stockholm, 111 34, Sweden',
      route: 'Sveavägen 44',
      locality: 'Stockholm',
      postal_code: '111 34',
      country: 'Sweden',
    });
    expect(ok?.organization).toEqual({ name: 'Ångström AB' });
  });

  it("leaves the owner's SuiteCRM login out rather than reject the row for it", () => {
    const skipped = mapping.plan.skipped.map((c) => c.header);
    expect(skipped).toEqual(expect.arrayContaining(['Assigned to', 'Address', 'Alt Address Street']));
    expect(mapping.plan.matches.find((m) => m.header === 'Assigned to')).toBeUndefined();
  });
});

describe('a column of the addresses that are not the primary one, in any file', () => {
  it('comes after the primary address, not before it', () => {
    const mapping = mapColumns({}, ['Name', 'Email', 'Non-primary emails'], undefined);
    const r = createRowValidator(mapping, 'any')(2, [
      'Ingrid Dahl',
      'ingrid@dahl.example.net',
      'ingrid.dahl@gmail.com; i.dahl@example.org',
    ]);
    expect('ok' in r ? r.ok.person?.emails : r.reject.reason).toEqual([
      { value: 'ingrid@dahl.example.net', label: 'work' },
      { value: 'ingrid.dahl@gmail.com', label: 'other' },
      { value: 'i.dahl@example.org', label: 'other' },
    ]);
  });
});

const VTIGER = [
  'Salutation',
  'First Name',
  'Lead Number',
  'Last Name',
  'Primary Phone',
  'Company',
  'Designation',
  'Primary Email',
  'Secondary Email',
  'Assigned To',
  'Modified Time',
  'Created Time',
  'Last Modified By',
  'Email Opt Out',
  'PO Box',
];

describe("vtiger's leads export", () => {
  it('reads a header whose quoted labels have a space before them (`"Salutation", "First Name"`)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vtiger-'));
    const path = join(dir, 'Leads.csv');
    writeFileSync(
      path,
      `${VTIGER.map((h, i) => (i ? ` "${h}"` : `"${h}"`)).join(',')}\r\n` +
        '"Ms.","Zoë","LEA1","Ørsted","+46 8 555 012 34","Ångström AB","CEO","zoe@angstrom.example.com","","Maria Schmidt","","","","0",""\r\n',
    );
    const csv = await openCsv(path);
    const rows: CsvRow[] = [];
    for await (const row of csv.rows()) rows.push(row);
    expect(csv.header).toEqual(VTIGER);
    expect(rows[0]?.cells.slice(0, 4)).toEqual(['Ms.', 'Zoë', 'LEA1', 'Ørsted']);
  });

  const mapping = mapColumns({}, VTIGER, undefined);
  const r = createRowValidator(mapping, 'vtiger')(2, [
    'Ms.',
    'Zoë',
    'LEA1',
    'Ørsted',
    '+46 8 555 012 34',
    'Ångström AB',
    'Head of Procurement',
    'zoe.orsted@angstrom.example.com',
    'zoe.orsted@gmail.com',
    'Maria Schmidt',
    '2026-03-04 09:15 AM',
    '2026-03-04 09:15 AM',
    'Maria Schmidt',
    '0',
    '',
  ]);
  const ok = 'ok' in r ? r.ok : undefined;

  it("is vtiger's, not Zoho's, whose labels it shares in part", () => {
    expect(mapping.plan.system?.id).toBe('vtiger');
  });

  it('keeps the primary phone and the primary address first', () => {
    expect(ok?.person?.email).toBe('zoe.orsted@angstrom.example.com');
    expect(ok?.person?.phone).toBe('+46 8 555 012 34');
    expect(ok?.person?.job_title).toBe('Head of Procurement');
  });

  it("leaves the vtiger owner's name out rather than reject the row for it", () => {
    expect(mapping.plan.matches.find((m) => m.header === 'Assigned To')).toBeUndefined();
    expect(mapping.plan.skipped.map((c) => c.header)).toContain('Assigned To');
  });
});

describe('a `Primary Phone` column, in any file', () => {
  it("is the person's work number", () => {
    const mapping = mapColumns({}, ['Name', 'Email', 'Primary Phone'], undefined);
    expect(mapping.plan.matches.find((m) => m.header === 'Primary Phone')?.target).toMatchObject({
      entity: 'person',
      field: 'phone',
      label: 'work',
    });
    const r = createRowValidator(mapping, 'any')(2, [
      'Ingrid Dahl',
      'ingrid@dahl.example.net',
      '+47 22 55 50 12',
    ]);
    expect('ok' in r ? r.ok.person?.phone : r.reject.reason).toBe('+47 22 55 50 12');
  });
});

describe("Odoo CRM's leads export (CSV, not import-compatible)", () => {
  const header = [
    'Opportunity',
    'Contact Name',
    'Title',
    'Job Position',
    'Company Name',
    'Email',
    'Salesperson',
  ];
  const more = ['Sales Team', 'Tags', 'Expected Revenue', 'Expected Closing'];
  const mapping = mapColumns({}, [...header, ...more], undefined);
  const validate = createRowValidator(mapping, 'odoo');

  it("is Odoo's: its Title is a salutation, its Job Position the job title", () => {
    expect(mapping.plan.system?.id).toBe('odoo-crm');
    const r = validate(2, [
      'Ångström AB: 12 lab robots',
      'Zoë Ørsted',
      'Madam',
      'Head of Procurement',
      'Ångström AB',
      'zoe.orsted@angstrom.example.com',
      'Mitchell Admin',
      'Sales',
      '',
      '45000.0',
      '2026-06-30',
    ]);
    expect(
      'ok' in r ? [r.ok.person?.job_title, r.ok.lead.title, r.ok.lead.value?.amount] : r.reject.reason,
    ).toEqual(['Head of Procurement', 'Ångström AB: 12 lab robots', 45000]);
  });

  it("rejects a line holding only a tag as the row above's further tag, not as a row that needs a name", () => {
    const r = validate(7, ['', '', '', '', '', '', '', '', 'Demo', '', '']);
    expect('reject' in r ? r.reject.reason : 'imported').toContain(
      'holds only "Tags" ("Demo"): a further tag of the row above',
    );
  });

  it('sets no value from an amount of nothing (Odoo writes 0.0 on every lead without one)', () => {
    const r = validate(2, [
      'Tarifs',
      'François Müller',
      '',
      '',
      '',
      'f.muller@muller-fils.example.org',
      '',
      '',
      '',
      '0.0',
      '',
    ]);
    expect('ok' in r ? r.ok.lead.value : r.reject.reason).toBeUndefined();
  });
});

describe("a company's annual revenue of nothing, in any file", () => {
  it("is left out, as a CRM's empty amount field (vtiger's 0.00000000)", () => {
    const mapping = mapColumns({}, ['Name', 'Email', 'Company', 'Annual Revenue'], undefined);
    const r = createRowValidator(mapping, 'any')(2, [
      'François Müller',
      'f@muller.example.org',
      'Müller',
      '0.00000000',
    ]);
    expect('ok' in r ? r.ok.organization : r.reject.reason).toEqual({ name: 'Müller' });
  });
});
