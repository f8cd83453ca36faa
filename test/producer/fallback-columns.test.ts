/**
 * Two columns for one field (the team's `Société` beside an enrichment's `company`, `Account Name` beside `Company`):
 * a row takes the second where the first is empty, so a row the enrichment could not fill keeps what the team typed.
 */
import { describe, expect, it } from 'vitest';
import { matchColumns } from '../../src/producer/column-matcher.js';
import { mapColumns } from '../../src/producer/mapping.js';
import { checkMappingSpec } from '../../src/producer/mapping-spec.js';
import { createRowValidator, type RowResult } from '../../src/producer/row-validator.js';

const ok = (r: RowResult | undefined) => (r && 'ok' in r ? r.ok : undefined);

describe('a second column for a field', () => {
  // Dropcontact's enriched file: the team's columns as typed, then Dropcontact's, cleaned.
  const header = [
    'Prénom',
    'Nom',
    'Société',
    'URL LinkedIn',
    'first_name',
    'last_name',
    'full_name',
    'email',
  ];
  const header2 = [
    ...header,
    'company',
    'linkedin',
    'qualification',
    'nb_employees',
    'naf5_code',
    'siret_address',
  ];
  const enriched = [
    'zoe',
    'orsted',
    'Angstrom',
    'https://www.linkedin.com/in/zoe-orsted/',
    'Zoë',
    'Ørsted',
    'Zoë Ørsted',
    'zoe@angstrom.example.com',
    'Ångström AB',
    'www.linkedin.com/in/zoe-orsted',
    'nominative@pro',
    '240',
    '',
    '',
  ];
  const unenriched = [
    'marco',
    'bianchi',
    'Ferri Srl',
    'https://www.linkedin.com/in/marco-bianchi/',
    ...Array(10).fill(''),
  ];

  it("fills a field from the team's column in a row the enrichment left empty, and from the enrichment's elsewhere", () => {
    const mapping = mapColumns({}, header2, undefined, { sample: [enriched, unenriched] });
    expect(mapping.plan.system?.id).toBe('dropcontact');
    const validate = createRowValidator(mapping, 'fallback');
    const [first, second] = [validate(2, enriched), validate(3, unenriched)].map(ok);
    expect(first?.person).toMatchObject({ name: 'Zoë Ørsted', first_name: 'Zoë', last_name: 'Ørsted' });
    expect(first?.organization?.name).toBe('Ångström AB');
    // One LinkedIn line: Dropcontact's, the team's being the same profile.
    expect(first?.note).toBe('LinkedIn: www.linkedin.com/in/zoe-orsted');
    // Before, the team's columns were left out for the whole file: this row had no person, company or profile.
    expect(second?.person).toMatchObject({
      name: 'marco bianchi',
      first_name: 'marco',
      last_name: 'bianchi',
    });
    expect(second?.organization?.name).toBe('Ferri Srl');
    expect(second?.note).toBe('LinkedIn: https://www.linkedin.com/in/marco-bianchi/');
  });

  it("fills a form tool's own empty column from the form's field after it, and no other file's", () => {
    // A Qualtrics export of anonymous-link responses: its own Recipient columns (read first) are empty in every row,
    // the names the respondents typed are the form's. Before, `First name` and `Last name` were left out ("would fill
    // person.first_name, which "Recipient First Name" fills already") and every respondent lost their name.
    const qualtrics = [
      'Response Type',
      'Recorded Date',
      'Response ID',
      'Recipient Last Name',
      'Recipient First Name',
      'Recipient Email',
      'External Data Reference',
      'Location Latitude',
      'Distribution Channel',
      'First name',
      'Last name',
      'Email',
    ];
    const anonymous = [
      [
        'IP Address',
        '2026-03-01 10:05:00',
        'R_1',
        '',
        '',
        '',
        '',
        '52.5',
        'anonymous',
        'Anna',
        'Berg',
        'anna@acme.example.com',
      ],
      [
        'IP Address',
        '2026-03-01 11:05:00',
        'R_2',
        '',
        '',
        '',
        '',
        '48.1',
        'anonymous',
        'Bo',
        'Chen',
        'bo@beta.example.com',
      ],
    ];
    const mapping = mapColumns({}, qualtrics, undefined, { sample: anonymous });
    expect(mapping.plan.system?.id).toBe('qualtrics');
    const validate = createRowValidator(mapping, 'imp-anon');
    expect(anonymous.map((row, i) => ok(validate(i + 2, row))?.person?.name)).toEqual([
      'Anna Berg',
      'Bo Chen',
    ]);
    expect(mapping.plan.matches.find((m) => m.header === 'Last name')?.reason).toBe(
      'auto: well-known header "Last name"; in a row where "Recipient Last Name" is empty',
    );
    // In any other file, a column filled where an empty one of its field is not known to be that field's (the
    // review of the first version, which took these): a Contact of addresses as the name, an event list's Role as
    // the job title, an Organization nobody compared with the Company column.
    const ordinary = (header: string[], rows: string[][], left: string) =>
      matchColumns({ header, spec: {}, sample: rows }).skipped.find((s) => s.header === left)?.reason;
    expect(ordinary(['Name', 'Email', 'Contact'], [['', 'anna@x.io', 'bob@x.io']], 'Contact')).toBe(
      'would fill person.name, which "Name" fills already',
    );
    expect(
      ordinary(['First Name', 'Email', 'Job Title', 'Role'], [['Anna', 'anna@x.io', '', 'Speaker']], 'Role'),
    ).toBe('would fill person.job_title, which "Job Title" fills already');
    expect(ordinary(['Name', 'Company', 'Organization'], [['Anna', '', 'IEEE']], 'Organization')).toBe(
      'would fill organization.name, which "Company" fills already',
    );
  });

  it('names the column a refused value came from', () => {
    const mapping = mapColumns({}, ['Name', 'Email', 'Employees', 'Headcount'], undefined, {
      sample: [['Ada', 'ada@x.io', '120', '120']],
    });
    const validate = createRowValidator(mapping, 'fallback');
    const refused = validate(3, ['Bo', 'bo@x.io', '', 'about twelve']);
    const reasons = 'ok' in refused ? refused.warnings : [refused.reject];
    expect(JSON.stringify(reasons)).toContain('Headcount');
    expect(ok(validate(4, ['Cy', 'cy@x.io', '', '35']))?.organization).toBeUndefined();
  });

  it('reads a mapping file that lists columns for one field, the first filled winning', () => {
    const mapping = mapColumns(
      {
        auto: false,
        person: { name: ['Full name', 'Name'], email: 'Email' },
        organization: { name: ['A', 'B'] },
      },
      ['Full name', 'Name', 'Email', 'A', 'B'],
      undefined,
    );
    const validate = createRowValidator(mapping, 'fallback');
    expect(ok(validate(2, ['Ada Lovelace', 'Ada', 'ada@x.io', '', 'Analytical Ltd']))).toMatchObject({
      person: { name: 'Ada Lovelace' },
      organization: { name: 'Analytical Ltd' },
    });
    expect(ok(validate(3, ['', 'Bo Ek', 'bo@x.io', 'Ek AB', 'Other']))).toMatchObject({
      person: { name: 'Bo Ek' },
      organization: { name: 'Ek AB' },
    });
  });

  it('refuses a list of columns that lists none, one twice, more than five, or note columns without a label', () => {
    const refused = (spec: unknown) => {
      try {
        checkMappingSpec(spec, 'mapping.yaml');
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(refused({ organization: { name: [] } })).toMatch(
      /^mapping.yaml: organization.name lists no column;/,
    );
    expect(refused({ organization: { name: ['Company', 'Company'] } })).toMatch(
      /lists column "Company" twice/,
    );
    expect(refused({ person: { name: ['A', 'B', 'C', 'D', 'E', 'F'] } })).toMatch(
      /person.name lists 6 columns, more than the 5 a field reads in turn/,
    );
    expect(refused({ lead: { note: [{ column: ['Notes', 'Company'] }] } })).toMatch(
      /lead.note\[0\] lists columns read in turn without a label/,
    );
    expect(refused({ lead: { note: [{ column: ['LinkedIn', 'Profile'], label: 'LinkedIn' }] } })).toBe(
      'accepted',
    );
  });

  it('reads at most five columns of LinkedIn profiles in turn, and says so briefly, however many the file has', () => {
    // A hostile header: 2,000 columns of the same profile took minutes to map and made reasons of megabytes.
    const header = ['Name', 'Email', ...Array.from({ length: 2000 }, (_, i) => `Col${i}`)];
    const row = ['Ann', 'ann@x.io', ...header.slice(2).map(() => 'https://www.linkedin.com/in/ann')];
    const plan = matchColumns({ header, spec: {}, sample: [row, row] });
    const profiles = plan.matches.filter((m) => m.keptInNote?.label === 'LinkedIn');
    expect(profiles.length).toBe(5);
    expect(Math.max(...plan.matches.map((m) => m.reason.length))).toBeLessThan(400);
    expect(
      plan.skipped.filter((s) => s.reason === 'the person\'s LinkedIn profile again ("Col0" gives it)')
        .length,
    ).toBe(1995);
  });
});
