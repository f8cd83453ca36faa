import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

describe('a company cell that names no company', () => {
  it("makes no organization of LinkedIn's Self-employed or Freelance: the lead is the person's, the value in the note", () => {
    const header = ['First Name', 'Last Name', 'Email', 'Company'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'nocompany');
    const rows = [
      ['Ingrid', 'Dahl', 'ingrid@dahl.example', 'Self-employed'],
      ['Marco', 'Rossi', 'marco@rossi.example', 'Freelance'],
      ['Jonas', 'Weber', 'jonas@weber.example', 'Selbstständig'],
      ['Ana', 'Ruiz', 'ana@ruiz.example', 'Autónoma'],
      // A company whose name starts so is one.
      ['Kim', 'Ek', 'kim@ek.example', 'Freelance Labs AB'],
    ];
    const results = rows.map((cells, i) => validate(i + 2, cells));
    expect(results.map((r) => ('ok' in r ? (r.ok.organization?.name ?? null) : 'rejected'))).toEqual([
      null,
      null,
      null,
      null,
      'Freelance Labs AB',
    ]);
    const first = results[0];
    expect(first && 'ok' in first ? [first.ok.note, first.ok.lead.title] : undefined).toEqual([
      'Company: Self-employed',
      'Ingrid Dahl lead',
    ]);
    expect(first && 'ok' in first ? first.warnings?.map((w) => w.message) : undefined).toEqual([
      'has "Self-employed", which names no company: the lead is the person\'s alone and the value is kept in the lead\'s note',
    ]);
  });
});

describe('a name or title a spreadsheet wrapped over lines', () => {
  it('is joined with spaces, as Pipedrive shows it on one line; a note keeps its lines', () => {
    const header = ['Name', 'Email', 'Company', 'Job Title', 'Notes'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'lines');
    const r = validate(2, [
      'Ada\nLovelace',
      'ada@example.com',
      'Multi\r\nLine  Inc\n',
      'Head of\nEngines',
      'one\ntwo',
    ]);
    expect(
      'ok' in r ? [r.ok.person?.name, r.ok.organization?.name, r.ok.person?.job_title, r.ok.lead.title] : r,
    ).toEqual(['Ada Lovelace', 'Multi Line  Inc', 'Head of Engines', 'Multi Line  Inc lead']);
    expect('ok' in r ? r.ok.note : undefined).toContain('one');
  });
});

describe("a company's own row", () => {
  it("makes no person of a name column that holds the company's name, and keeps its phone in the note", () => {
    // A typed sheet or a CRM whose leads are a person or a company (Zendesk Sell, Close): the company's row has its
    // name in Name and no first or last name, and its switchboard in Phone.
    const header = ['Name', 'First Name', 'Last Name', 'Company', 'Email', 'Phone'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'companyrow');
    const r = validate(2, ['Núñez Logística S.L.', '', '', 'Núñez  logística S.L.', '', '+34 912 345 678']);
    expect('ok' in r ? [r.ok.person, r.ok.organization?.name, r.ok.note, r.ok.lead.title] : r).toEqual([
      undefined,
      'Núñez  logística S.L.',
      'Phone: +34 912 345 678',
      'Núñez  logística S.L. lead',
    ]);
    // The company's address that is no shared mailbox is the company's too: no person called by it.
    const mailed = validate(4, [
      'Núñez Logística S.L.',
      '',
      '',
      'Núñez Logística S.L.',
      'nunez.hq@example.com',
      '',
    ]);
    expect('ok' in mailed ? [mailed.ok.person, mailed.ok.note] : mailed).toEqual([
      undefined,
      'Email: nunez.hq@example.com',
    ]);
    // A sole trader whose company is their name keeps the person: with a first and last name, or in a file without
    // those columns.
    const sole = validate(5, ['Ingrid Dahl', 'Ingrid', 'Dahl', 'Ingrid Dahl', 'ingrid@dahl.example', '']);
    expect('ok' in sole ? [sole.ok.person?.name, sole.ok.organization?.name] : sole).toEqual([
      'Ingrid Dahl',
      'Ingrid Dahl',
    ]);
    const short = createRowValidator(mapColumns({}, ['Name', 'Company', 'Email'], undefined), 'sole')(2, [
      'Ingrid Dahl',
      'Ingrid Dahl',
      'ingrid@dahl.example',
    ]);
    expect('ok' in short ? short.ok.person?.name : short).toBe('Ingrid Dahl');
    // A person's row keeps its person and phone.
    const p = validate(3, ['José Núñez', 'José', 'Núñez', 'Núñez Logística S.L.', '', '+34 612 345 678']);
    expect('ok' in p ? [p.ok.person?.name, p.ok.person?.phone, p.ok.note] : p).toEqual([
      'José Núñez',
      '+34 612 345 678',
      undefined,
    ]);
  });
});

describe('a list of people and organizations (a Type column)', () => {
  it("reads an organization's row as the organization's: its name in Name, no person, its email and phone in the note", () => {
    // Capsule's People & Organisations: one file, each row's Type says which it is.
    const header = ['Type', 'Name', 'First Name', 'Last Name', 'Organisation', 'Work Email', 'Work Phone'];
    const rows = [
      ['Organisation', 'Northwind Traders Ltd', '', '', '', 'northwind.hq@example.org', ''],
      [
        'Person',
        'Priya Raman',
        'Priya',
        'Raman',
        'Northwind Traders Ltd',
        'priya.raman@northwind.example.org',
        '+44 117 496 0123',
      ],
    ];
    const validate = createRowValidator(mapColumns({}, header, undefined, { sample: rows }), 'kinds');
    const org = validate(2, rows[0]!);
    expect('ok' in org ? [org.ok.person, org.ok.organization?.name, org.ok.note] : org).toEqual([
      undefined,
      'Northwind Traders Ltd',
      'Work Email: northwind.hq@example.org',
    ]);
    const person = validate(3, rows[1]!);
    expect('ok' in person ? [person.ok.person?.name, person.ok.organization?.name] : person).toEqual([
      'Priya Raman',
      'Northwind Traders Ltd',
    ]);
  });

  it('leaves a Type column alone whose values say something else (B2B or B2C, a customer type)', () => {
    // "Company" among other kinds of customer: a person's row with no company stays a person's.
    const header = ['Type', 'Name', 'Company', 'Email'];
    const rows = [
      ['Company', 'Ana Silva', '', 'ana.silva@example.com'],
      ['Consumer', 'Bo Berg', '', 'bo@example.net'],
      ['Company', 'Cy Chen', 'Chen Trading', 'cy@chen.example'],
    ];
    const validate = createRowValidator(mapColumns({}, header, undefined, { sample: rows }), 'b2b');
    const ana = validate(2, rows[0]!);
    expect('ok' in ana ? [ana.ok.person?.name, ana.ok.organization?.name] : ana).toEqual([
      'Ana Silva',
      undefined,
    ]);
  });
});
