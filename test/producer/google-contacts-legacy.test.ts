/**
 * Google Contacts' older export (test/fixtures/real-exports/README.md, 89): `Given Name`, `Family Name`,
 * `E-mail 1 - Type`/`E-mail 1 - Value` with a hyphenated "E-mail", read as the newer export's columns are.
 */
import { describe, expect, it } from 'vitest';
import { matchColumns } from '../../src/producer/column-matcher.js';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

const OLDER = [
  'Name',
  'Given Name',
  'Additional Name',
  'Family Name',
  'Yomi Name',
  'Short Name',
  'Maiden Name',
  'Group Membership',
  'E-mail 1 - Type',
  'E-mail 1 - Value',
  'E-mail 2 - Type',
  'E-mail 2 - Value',
  'Phone 1 - Type',
  'Phone 1 - Value',
  'Organization 1 - Type',
  'Organization 1 - Name',
  'Organization 1 - Yomi Name',
  'Organization 1 - Title',
  'Organization 1 - Symbol',
  'Organization 1 - Location',
  'Organization 1 - Job Description',
];
const NEWER = [
  'First Name',
  'Middle Name',
  'Last Name',
  'Labels',
  'E-mail 1 - Label',
  'E-mail 1 - Value',
  'E-mail 2 - Label',
  'E-mail 2 - Value',
  'Phone 1 - Label',
  'Phone 1 - Value',
  'Organization Name',
  'Organization Title',
];

describe("Google Contacts' older export", () => {
  it('lands a contact as the newer export does', () => {
    const older = createRowValidator(mapColumns({}, OLDER, undefined), 'google-older');
    const newer = createRowValidator(mapColumns({}, NEWER, undefined), 'google-newer');
    const cells = (header: string[], values: Record<string, string>) => header.map((h) => values[h] ?? '');
    const a = older(
      2,
      cells(OLDER, {
        Name: 'François Étienne Müller',
        'Given Name': 'François',
        'Additional Name': 'Étienne',
        'Family Name': 'Müller',
        'Group Membership': '* My Contacts',
        'E-mail 1 - Type': '* Home',
        'E-mail 1 - Value': 'francois.m@home.example.org',
        'E-mail 2 - Type': 'Work',
        'E-mail 2 - Value': 'francois.muller@muller-fils.example.com',
        'Phone 1 - Type': 'Mobile',
        'Phone 1 - Value': '+33 6 55 55 01 02',
        'Organization 1 - Name': 'Müller & Fils SARL',
        'Organization 1 - Title': 'CTO',
        'Organization 1 - Location': 'Building B',
      }),
    );
    const b = newer(
      2,
      cells(NEWER, {
        'First Name': 'François',
        'Middle Name': 'Étienne',
        'Last Name': 'Müller',
        Labels: '* myContacts',
        'E-mail 1 - Label': '* Home',
        'E-mail 1 - Value': 'francois.m@home.example.org',
        'E-mail 2 - Label': 'Work',
        'E-mail 2 - Value': 'francois.muller@muller-fils.example.com',
        'Phone 1 - Label': 'Mobile',
        'Phone 1 - Value': '+33 6 55 55 01 02',
        'Organization Name': 'Müller & Fils SARL',
        'Organization Title': 'CTO',
      }),
    );
    if (!('ok' in a) || !('ok' in b)) throw new Error(JSON.stringify([a, b]));
    expect(a.ok.person).toEqual(b.ok.person);
    expect(a.ok.person).toMatchObject({
      name: 'François Étienne Müller',
      job_title: 'CTO',
      emails: [
        { value: 'francois.m@home.example.org', label: 'home' },
        { value: 'francois.muller@muller-fils.example.com', label: 'work' },
      ],
    });
    expect(a.ok.organization).toEqual(b.ok.organization);
  });

  it("leaves out its names' readings and its organization's other parts saying why, not as columns it does not know", () => {
    const plan = matchColumns({ header: OLDER, spec: {}, sample: [OLDER.map(() => 'x')] });
    expect(plan.system?.id).toBe('google-contacts');
    for (const column of [
      'Yomi Name',
      'Short Name',
      'Maiden Name',
      'Organization 1 - Type',
      'Organization 1 - Yomi Name',
      'Organization 1 - Symbol',
      'Organization 1 - Location',
      'Organization 1 - Job Description',
    ]) {
      const skipped = plan.skipped.find((s) => s.header === column);
      expect(skipped?.unrecognised, column).toBeUndefined();
      expect(skipped?.reason, column).toMatch(/name|organization/);
    }
    expect(plan.skipped.find((s) => s.header === 'Organization 1 - Location')?.reason).toMatch(
      /not an address/,
    );
  });
});
