/**
 * A phone's extension in a column of its own (Keap's `Phone 1 Ext`, a sheet's `Work Phone Ext` or a lone
 * `Extension`): Pipedrive's phone is free text, so the extension goes at the end of its number, in the same
 * phone entry, rather than being left out.
 */
import { describe, expect, it } from 'vitest';
import { matchColumns } from '../../src/producer/column-matcher.js';
import { MappingError } from '../../src/producer/errors.js';
import { mapColumns } from '../../src/producer/mapping.js';
import type { MappingSpec } from '../../src/producer/mapping-spec.js';
import { createRowValidator, type RowResult } from '../../src/producer/row-validator.js';

function plan(header: string[], spec: MappingSpec = {}) {
  const p = matchColumns({ header, spec });
  return {
    target: (h: string) => p.matches.find((m) => m.header === h)?.target,
    skipped: new Map(p.skipped.map((s) => [s.header, s.reason])),
  };
}

function validate(header: string[], cells: string[], spec: MappingSpec = {}): RowResult {
  return createRowValidator(mapColumns(spec, header, undefined), 'ext')(2, cells);
}

function ok(result: RowResult) {
  if (!('ok' in result)) throw new Error(JSON.stringify(result));
  return result;
}

const KEAP = [
  'Id',
  'First Name',
  'Last Name',
  'Email',
  'Phone 1',
  'Phone 1 Ext',
  'Phone 1 Type',
  'Phone 2',
  'Phone 2 Ext',
  'Phone 2 Type',
  'Person Notes',
  'Person Type',
  'Billing Address Street 1',
];

describe('an extension column, matched to its phone', () => {
  it("attaches Keap's Phone N Ext to its Phone N, beside the label from Phone N Type", () => {
    const p = plan(KEAP);
    expect(p.target('Phone 1')).toMatchObject({
      field: 'phone',
      labelColumn: 'Phone 1 Type',
      extensionColumn: 'Phone 1 Ext',
    });
    expect(p.target('Phone 2')).toMatchObject({ field: 'phone', extensionColumn: 'Phone 2 Ext' });
    expect(p.skipped.get('Phone 1 Ext')).toMatch(/extension of "Phone 1".*added to its number/);
  });

  it.each([
    ['Work Phone', 'Work Phone Ext'],
    ['Business Phone', 'Business Phone Ext.'],
    ['Phone', 'Phone Extension'],
    ['Phone 1', 'Phone 1 Extension'],
    ['Direct Phone', 'Direct Phone Ext'],
    // Act!'s field names: the extension named after the word before Phone.
    ['Business Phone', 'Business Extension'],
  ])('attaches "%s" and "%s"', (phone, ext) => {
    const p = plan(['Name', 'Email', 'Mobile', phone, ext]);
    expect(p.target(phone)).toMatchObject({ field: 'phone', extensionColumn: ext });
    expect(p.target('Mobile')).not.toHaveProperty('extensionColumn');
  });

  it.each(['Extension', 'Ext', 'Ext.', 'Phone Ext', 'Phone Extension'])(
    'attaches a lone "%s" to the one phone column of the file',
    (ext) => {
      const p = plan(['Name', 'Email', 'Office', 'Telephone', ext]);
      expect(p.target('Telephone')).toMatchObject({ field: 'phone', extensionColumn: ext });
    },
  );

  it.each(['Telephone', 'Phone'])(
    'leaves out a lone Extension beside "%s" and Mobile, naming them and how to say which',
    (phone) => {
      const p = plan(['Name', 'Email', phone, 'Mobile', 'Extension']);
      expect(p.target(phone)).not.toHaveProperty('extensionColumn');
      expect(p.target('Mobile')).not.toHaveProperty('extensionColumn');
      const reason = p.skipped.get('Extension') ?? '';
      expect(reason).toContain(`"${phone}"`);
      expect(reason).toContain('"Mobile"');
      expect(reason).toContain('extension_column');
    },
  );

  it('leaves out the extension of a column that is not imported as a phone (a fax), naming it', () => {
    const p = plan(['Name', 'Email', 'Business Phone', 'Business Extension', 'Fax Phone', 'Fax Extension']);
    expect(p.target('Business Phone')).toMatchObject({ extensionColumn: 'Business Extension' });
    expect(p.skipped.get('Fax Extension')).toBe(
      'a phone extension of "Fax Phone", which is not imported as a phone number',
    );
  });

  it('leaves out an extension column when the file has no phone column, saying so', () => {
    const p = plan(['Name', 'Email', 'Extension']);
    expect(p.skipped.get('Extension')).toMatch(/no phone column/);
  });

  it('does not take a header that merely ends in "ext" (Context, Next, Text, Phone Text, Hotel Ext) for an extension', () => {
    const headers = ['Context', 'Next', 'Text', 'Phone Text', 'Hotel Ext'];
    const p = plan(['Name', 'Email', 'Phone', ...headers]);
    expect(p.target('Phone')).not.toHaveProperty('extensionColumn');
    for (const h of headers) expect(p.skipped.get(h) ?? '').not.toMatch(/extension/);
  });

  it('takes the extension column the mapping file names (extension_column), with several phones', () => {
    const p = plan(['Name', 'Email', 'Telephone', 'Mobile', 'Extension'], {
      person: { phone: [{ column: 'Telephone', extension_column: 'Extension' }, 'Mobile'] },
    });
    expect(p.target('Telephone')).toMatchObject({ field: 'phone', extensionColumn: 'Extension' });
    expect(p.skipped.get('Extension')).toMatch(/extension of "Telephone"/);
  });

  it('refuses extension_column on an email, and one the file does not have', () => {
    expect(() =>
      plan(['Name', 'Email', 'Ext'], {
        person: { email: { column: 'Email', extension_column: 'Ext' } as never },
      }),
    ).toThrow(MappingError);
    expect(() =>
      plan(['Name', 'Email', 'Phone'], {
        person: { phone: { column: 'Phone', extension_column: 'Durchwahl' } },
      }),
    ).toThrow(/Durchwahl/);
  });
});

describe("a row's phone with its extension", () => {
  const row = (values: Record<string, string>) => KEAP.map((h) => values[h] ?? '');

  it('ends the number with " ext. N", in the same phone entry and label', () => {
    const result = ok(
      validate(
        KEAP,
        row({
          'First Name': 'Zoë',
          Email: 'zoe@example.com',
          'Phone 1': '+46 8 555 012 34',
          'Phone 1 Ext': '12',
          'Phone 1 Type': 'Work',
          'Phone 2': '+46 70 555 01 23',
          'Phone 2 Type': 'Mobile',
        }),
      ),
    );
    expect(result.ok.person?.phones).toEqual([
      { value: '+46 8 555 012 34 ext. 12', label: 'work' },
      { value: '+46 70 555 01 23', label: 'mobile' },
    ]);
    expect(result.ok.person?.phone).toBe('+46 8 555 012 34 ext. 12');
    expect(result.warnings).toBeUndefined();
  });

  it('does not add a second extension to a number that has one', () => {
    const result = ok(
      validate(KEAP, row({ Email: 'a@example.com', 'Phone 1': '+1 555 123 4567 x89', 'Phone 1 Ext': '89' })),
    );
    expect(result.ok.person?.phone).toBe('+1 555 123 4567 x89');
  });

  it('keeps the row when the extension has no number beside it, and says the extension is left out', () => {
    const result = ok(validate(KEAP, row({ Email: 'a@example.com', 'Phone 2 Ext': '34' })));
    expect(result.ok.person?.phone).toBeUndefined();
    expect(result.warnings).toEqual([
      {
        column: 'Phone 2 Ext',
        message: 'has an extension but column "Phone 2" has no number: the extension is left out',
      },
    ]);
  });

  it.each([
    ['abc', 'is not a phone extension'],
    ['=HYPERLINK("tel:89","89")', 'is not a phone extension'],
    ['123456789012345678901234567890', 'has 30 digits'],
  ])('rejects an extension cell %j, as a bad phone cell is, naming the column', (ext, words) => {
    const result = validate(
      KEAP,
      row({ Email: 'a@example.com', 'Phone 1': '+1 555 123 4567', 'Phone 1 Ext': ext }),
    );
    expect(result).toMatchObject({ reject: { column: 'Phone 1 Ext' } });
    expect('reject' in result && result.reject.reason).toContain(words);
  });

  it('reads Excel\'s formula for text, ="0089", as its text', () => {
    const result = ok(
      validate(KEAP, row({ Email: 'a@example.com', 'Phone 1': '+1 555 123 4567', 'Phone 1 Ext': '="0089"' })),
    );
    expect(result.ok.person?.phone).toBe('+1 555 123 4567 ext. 0089');
  });
});
