/**
 * Microsoft Teams' attendance report (test/fixtures/real-exports/README.md, 90): UTF-16LE, tab-separated, in numbered
 * sections (`1. Summary`, `2. Participants`, `3. In-Meeting activities`); the participants are the leads, not the
 * meeting's organizer, and `Role` is the role in the meeting, not a job title.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchColumns } from '../../src/producer/column-matcher.js';
import { type CsvRow, openCsv } from '../../src/producer/csv-reader.js';
import { nameIn } from '../../src/producer/header-finder.js';
import { mapColumns } from '../../src/producer/mapping.js';
import { checkMappingSpec } from '../../src/producer/mapping-spec.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

const HEADER = [
  'Name',
  'First join',
  'Last leave',
  'In-meeting duration',
  'Email',
  'Participant ID (UPN)',
  'Role',
];

const REPORT = [
  '1. Summary',
  'Meeting title\tDemo',
  'Attended participants\t2',
  'Start time\t3/12/26, 3:58:41 PM',
  '',
  '2. Participants',
  HEADER.join('\t'),
  'Maria Schmidt\t3/12/26, 3:58:41 PM\t3/12/26, 5:02:10 PM\t1h 3m 29s\tmaria@vendor.example\tmaria@vendor.example\tOrganizer',
  'Zoë Ørsted\t3/12/26, 4:01:12 PM\t3/12/26, 4:58:40 PM\t57m 28s\tzoe@angstrom.example\tzoe@angstrom.example\tAttendee',
  '',
  '3. In-Meeting activities',
  'Name\tJoin time\tLeave time\tDuration\tEmail\tRole',
  'Zoë Ørsted\t3/12/26, 4:01:12 PM\t3/12/26, 4:19:40 PM\t18m 28s\tzoe@angstrom.example\tAttendee',
  'Zoë Ørsted\t3/12/26, 4:19:40 PM\t3/12/26, 4:58:40 PM\t39m\tzoe@angstrom.example\tAttendee',
];

describe("Teams' attendance report, its numbered sections", () => {
  it("reads the participants' table, and names the summary and the activities as tables not read", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lpi-teams-')), 'meetingAttendanceReport.csv');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${REPORT.join('\n')}\n`, 'utf16le')]),
    );
    const csv = await openCsv(path, {});
    const rows: CsvRow[] = [];
    for await (const row of csv.rows()) rows.push(row);
    expect(csv.header).toEqual(HEADER);
    expect(csv.title).toEqual({ line: 6, text: '2. Participants' });
    expect(csv.tablesBefore).toEqual([{ title: '1. Summary', line: 1, lastLine: 4 }]);
    expect(rows.map((r) => [r.line, r.cells[0], r.error])).toEqual([
      [8, 'Maria Schmidt', undefined],
      [9, 'Zoë Ørsted', undefined],
    ]);
    expect(csv.tablesAfter()).toEqual([{ title: '3. In-Meeting activities', line: 11, lastLine: 14 }]);
  });

  it("takes a section's number before a word as part of a name, not a date or an amount", () => {
    expect(nameIn(['2. Participants'], true)).toBe('2. Participants');
    expect(nameIn(['3) In-Meeting Activities', ''], true)).toBe('3) In-Meeting Activities');
    expect(nameIn(['3.4.2026'], true)).toBeUndefined();
    expect(nameIn(['12. 500 EUR'], true)).toBeUndefined();
    // Only in a report that numbers its sections (two such lines or more).
    expect(nameIn(['2. Participants'])).toBeUndefined();
  });

  it("reads every row of a sheet under one numbered title (`1. Contacts`): a short row is no next table's name", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lpi-numbered-')), 'contacts.csv');
    writeFileSync(
      path,
      [
        '1. Contacts,,,',
        'Name,Company,Title,City',
        'Anna Berg,Acme,CTO,Oslo',
        'John Smith,,',
        'Jane Doe,Globex,CEO,Berlin',
        'Ola Nordmann,Initech,CFO,Bergen',
        'Kari Hansen,Umbrella,COO,Trondheim',
        '',
      ].join('\n'),
    );
    const csv = await openCsv(path, {});
    const rows: CsvRow[] = [];
    for await (const row of csv.rows()) rows.push(row);
    expect(csv.header).toEqual(['Name', 'Company', 'Title', 'City']);
    expect(rows.map((r) => r.cells[0])).toEqual([
      'Anna Berg',
      'John Smith',
      'Jane Doe',
      'Ola Nordmann',
      'Kari Hansen',
    ]);
    expect(csv.tablesAfter()).toEqual([]);
  });
});

describe("Teams' participants", () => {
  it('are leads with their name and address; the organizer is no lead, and not a failure', () => {
    const plan = matchColumns({ header: HEADER, spec: {}, sample: [HEADER.map(() => 'x')] });
    expect(plan.system?.id).toBe('teams-attendance');
    expect(plan.skipped.find((s) => s.header === 'Role')?.reason).toMatch(/not a job title/);
    const validate = createRowValidator(mapColumns({}, HEADER, undefined), 'teams');
    const cells = (name: string, email: string, role: string) => [name, '', '', '', email, email, role];
    const organizer = validate(8, cells('Maria Schmidt', 'maria@vendor.example', 'Organizer'));
    expect(organizer).toMatchObject({ reject: { column: 'Role', ownSide: true } });
    const coOrganizer = validate(9, cells('Tom Becker', 'tom@vendor.example', 'co-organizer'));
    expect(coOrganizer).toMatchObject({ reject: { ownSide: true } });
    const speaker = validate(10, cells('Priya Raman', 'priya@northwind.example', 'Presenter'));
    if (!('ok' in speaker)) throw new Error(JSON.stringify(speaker));
    expect(speaker.ok.person).toMatchObject({ name: 'Priya Raman', email: 'priya@northwind.example' });
    expect(speaker.ok.person?.job_title).toBeUndefined();
  });
});

describe('a mapping file that imports Role as something', () => {
  it("reads it so: an organizer's row is then a lead like any other, not the file owner's own side", () => {
    const spec = checkMappingSpec(
      { person: { name: 'Name', email: 'Email', job_title: 'Role' } },
      'mapping.yaml',
    );
    const validate = createRowValidator(mapColumns(spec, HEADER, undefined), 'teams-mapped');
    const r = validate(2, [
      'Maria Schmidt',
      '',
      '',
      '',
      'maria@events.example',
      'maria@events.example',
      'Organizer',
    ]);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.person?.job_title).toBe('Organizer');
  });
});
