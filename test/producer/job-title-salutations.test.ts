import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { onlyTitles } from '../../src/producer/normalise.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

// A German user's Salesforce report: `Titel` is Salesforce's job title, where German users type the contact's `Dr.`.
const header = [
  'Lead-Inhaber',
  'Anrede',
  'Vorname',
  'Nachname',
  'Titel',
  'Firma/Account',
  'E-Mail',
  'Lead-Quelle',
];
const row = (title: string, n = 1) => [
  'Maria Schmidt',
  'Herr',
  'Jan',
  `Novák${n}`,
  title,
  'Vltava s.r.o.',
  `jan${n}@vltava.example.net`,
  'Messe',
];
const realTitles = ['Head of Procurement', 'Directeur commercial', 'Operations Director', 'Head of R&D'].map(
  (t, i) => row(t, i),
);

function validate(rows: string[][], spec = {}) {
  const mapping = mapColumns(spec, header, undefined, { sample: rows });
  const v = createRowValidator(mapping, 'titles');
  return {
    mapping,
    results: rows.map((cells, i) => {
      const result = v(i + 2, cells);
      if (!('ok' in result)) throw new Error(JSON.stringify(result));
      return result;
    }),
  };
}

describe('a salutation or academic title in a job title column', () => {
  it.each([
    ['Dr.'],
    ['Prof. Dr.'],
    ['Dr. med.'],
    ['Dipl.-Ing.'],
    ['Mag.'],
    ['Ing.'],
    ['Herr'],
    ['Mr.'],
    ['Dr. rer. nat., MBA'],
  ])('%s is no job title', (title) => {
    expect(onlyTitles(title)).toBe(true);
  });

  it.each([
    ['Head of R&D'],
    ['Professor of Chemistry'],
    ['Director'],
    ['Dr. Oetker brand manager'],
    ['Prof. Dr. Leiterin Forschung'],
    ['MD'],
    ['Ing'],
  ])('%s is a job title', (title) => {
    expect(onlyTitles(title)).toBe(false);
  });

  it('is not sent as the job title of a Salesforce report, and is said and kept in the note', () => {
    // Imported as it was, Pipedrive showed "Dr." as the person's job title.
    const { mapping, results } = validate([...realTitles, row('Dr.', 9)]);
    expect(mapping.plan.matches.find((m) => m.header === 'Titel')?.target).toMatchObject({
      field: 'job_title',
    });
    const dr = results[4];
    expect(dr?.ok.person?.job_title).toBeUndefined();
    expect(dr?.warnings).toContainEqual({
      column: 'Titel',
      message: expect.stringContaining('"Dr.", a salutation or academic title, not a job title'),
    });
    expect(dr?.ok.note).toContain('Titel: Dr.');
    // A real job title, with a title word in it or not, is sent as written.
    expect(results.map((r) => r.ok.person?.job_title)).toEqual([
      'Head of Procurement',
      'Directeur commercial',
      'Operations Director',
      'Head of R&D',
      undefined,
    ]);
    expect(validate([row('Prof. Dr. Leiterin Forschung')]).results[0]?.ok.person?.job_title).toBe(
      'Prof. Dr. Leiterin Forschung',
    );
  });

  it("reads a system's job title column of mostly titles as salutations, saying so", () => {
    const { mapping, results } = validate([row('Dr.', 1), row('Prof. Dr.', 2), row('Head of R&D', 3)]);
    expect(mapping.plan.skipped.find((s) => s.header === 'Titel')?.reason).toMatch(/salutations and titles/);
    expect(mapping.plan.notes.join('\n')).toMatch(
      /"Titel" holds salutations or academic titles, e.g. "Dr\."/,
    );
    expect(results.every((r) => r.ok.person?.job_title === undefined)).toBe(true);
  });

  it('leaves it out where a mapping file names the column as the job title too, keeping it in the note', () => {
    // The mapping file --print-mapping writes reads the rows as the automatic reading does; "Dr." is no job.
    const spec = { person: { job_title: 'Titel' } };
    const { mapping, results } = validate([row('Dr.', 1), row('Head of R&D', 2)], spec);
    expect(mapping.plan.matches.find((m) => m.header === 'Titel')?.source).toBe('mapping');
    expect(results.map((r) => r.ok.person?.job_title)).toEqual([undefined, 'Head of R&D']);
    expect(results[0]?.ok.note).toContain('Titel: Dr.');
    expect(results[0]?.warnings?.find((w) => w.column === 'Titel')?.message).toMatch(/not a job title/);
  });

  it("leaves a generic Title column's occasional Dr. out of the job title too", () => {
    const generic = ['Name', 'Title', 'Email'];
    const rows = [
      ['Jane Doe', 'CTO', 'jane@example.org'],
      ['Bo Chen', 'VP Sales', 'bo@example.org'],
      ['Priya Raman', 'Dr.', 'priya@example.org'],
    ];
    const v = createRowValidator(mapColumns({}, generic, undefined, { sample: rows }), 'titles');
    const out = rows.map((cells, i) => v(i + 2, cells));
    expect(out.map((r) => ('ok' in r ? r.ok.person?.job_title : 'rejected'))).toEqual([
      'CTO',
      'VP Sales',
      undefined,
    ]);
  });
});

describe('an abbreviation is a title only as people write one', () => {
  it.each([
    ['Hr.'],
    ['Fr.'],
    ['M.'],
    ['Sr.'],
    ['Sra.'],
    ['Dr'],
    ['Mr'],
    ['Ms'],
    ['Herr'],
    ['Frau'],
    ['Prof'],
    ['DR.'],
  ])('%s is a title', (title) => {
    expect(onlyTitles(title)).toBe(true);
  });

  it.each([['HR'], ['SR'], ['MS'], ['DR'], ['M'], ['SRA'], ['FR'], ['hr'], ['ms'], ['HR, SR']])(
    '%s is a job title or a department, not a title',
    (title) => {
      expect(onlyTitles(title)).toBe(false);
    },
  );

  const people = ['First Name', 'Last Name', 'Email', 'Company'];
  const lead = (n: number, title: string) => [`Anna${n}`, 'Berg', `anna${n}@example.com`, 'Acme', title];

  it('sends a Job Title of HR as the job title, with no warning', () => {
    // Before: "HR" warned as a salutation and went to the note; the person had no job title.
    const header = [...people, 'Job Title'];
    const rows = [lead(1, 'HR'), lead(2, 'CEO'), lead(3, 'Sales Manager')];
    const v = createRowValidator(mapColumns({}, header, undefined, { sample: rows }), 'titles');
    const out = v(2, rows[0] as string[]);
    if (!('ok' in out)) throw new Error(JSON.stringify(out));
    expect(out.ok.person?.job_title).toBe('HR');
    expect(out.warnings ?? []).toEqual([]);
  });

  it('reads a Title column of HR and SR as job titles, not as salutations', () => {
    // Before: the whole column was left out as "salutations", and a mapping file naming it the job title still lost HR.
    const header = [...people, 'Title'];
    const rows = [lead(1, 'HR'), lead(2, 'HR'), lead(3, 'HR'), lead(4, 'SR'), lead(5, 'Head of HR')];
    const mapping = mapColumns({}, header, undefined, { sample: rows });
    expect(mapping.plan.matches.find((m) => m.header === 'Title')?.target).toMatchObject({
      field: 'job_title',
    });
    const v = createRowValidator(mapping, 'titles');
    expect(
      rows.map((cells, i) => {
        const r = v(i + 2, cells);
        return 'ok' in r ? r.ok.person?.job_title : 'rejected';
      }),
    ).toEqual(['HR', 'HR', 'HR', 'SR', 'Head of HR']);
  });
});
