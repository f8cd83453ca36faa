import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { openCsv } from '../../src/producer/csv-reader.js';
import { MappingError } from '../../src/producer/errors.js';
import { importCsv } from '../../src/producer/import-csv.js';
import { assertDistinctHeader, describeMapping, mapColumns } from '../../src/producer/mapping.js';
import { printMapping } from '../../src/producer/mapping-printer.js';
import { checkMappingSpec, loadMappingFile, type MappingSpec } from '../../src/producer/mapping-spec.js';
import { formatSummary } from '../../src/producer/report-format.js';
import { createRowValidator, type RowResult } from '../../src/producer/row-validator.js';

/** A hand-made sheet with two `Phone` columns: the office's switchboard, then the person's own line. */
const HEADER = ['Name', 'Email', 'Phone', 'Company', 'Phone'];
const ROW = ['Ada Lovelace', 'ada@example.org', '+44 20 7946 0000', 'Analytical Engines', '+44 7700 900123'];

const dir = mkdtempSync(join(tmpdir(), 'column-reference-'));
/** The mapping file `text` (YAML) as the import reads it: checked, and its errors placed at their line. */
async function mappingFile(text: string, name = 'mapping.yaml'): Promise<MappingSpec> {
  const file = join(dir, name);
  writeFileSync(file, text);
  return loadMappingFile(file);
}

/** What the import does with the sheet under `spec`: refuses its header, or makes the row. */
function imported(spec: MappingSpec, header = HEADER, row = ROW): RowResult {
  const mapping = mapColumns(spec, header, undefined, { mappingName: 'mapping.yaml' });
  assertDistinctHeader(header, 'sheet.csv', 1, mapping.plan);
  return createRowValidator(mapping, 'imp-ref')(2, row);
}

function phones(result: RowResult): unknown {
  if (!('ok' in result)) throw new Error(JSON.stringify(result));
  return result.ok.person?.phones;
}

/** The message of what `fn` throws (or of the promise it returns). */
async function refusal(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MappingError);
    return (err as Error).message;
  }
  throw new Error('not refused');
}

describe('a mapping file naming one of two columns of one name', () => {
  it('imports the second Phone named by its number, the first left out by its number', async () => {
    const spec = await mappingFile(
      'person: { phone: [{ column: 5, label: mobile }] }\nignore: [{ column: 3 }]\n',
    );
    expect(phones(imported(spec))).toEqual([{ value: '+44 7700 900123', label: 'mobile' }]);
  });

  it('leaves out by its name the Phone a field does not take by its number', async () => {
    const spec = await mappingFile('person: { phone: { column: 5, label: mobile } }\nignore: [Phone]\n');
    expect(phones(imported(spec))).toEqual([{ value: '+44 7700 900123', label: 'mobile' }]);
    const first = await mappingFile('person: { phone: { column: 3 } }\nignore: [Phone]\n');
    const row = imported(first);
    expect('ok' in row && row.ok.person).toMatchObject({ phone: '+44 20 7946 0000' });
    expect(phones(row)).toBeUndefined();
  });

  it('imports both, each under its own label, named by number or by occurrence', async () => {
    const spec = await mappingFile(
      'person:\n  phone:\n    - { column: Phone, occurrence: 2, label: mobile }\n    - { column: 3, label: work }\n',
    );
    expect(phones(imported(spec))).toEqual([
      { value: '+44 7700 900123', label: 'mobile' },
      { value: '+44 20 7946 0000', label: 'work' },
    ]);
  });

  it('takes a number or an occurrence wherever a column name goes: a field, a note, an address, a custom field', async () => {
    const spec = await mappingFile(
      [
        'lead: { note: [{ column: 3, label: Switchboard }] }',
        'person: { name: { column: 1 }, email: { column: 2 }, phone: { column: Phone, occurrence: 2 } }',
        'organization: { name: [{ column: 4 }], address: { city: { column: 4 } } }',
      ].join('\n'),
    );
    const m = mapColumns(spec, HEADER, undefined);
    expect(m.plan.matches.map((c) => [c.index, c.reason.replace(/;.*/, '')])).toEqual([
      [0, 'mapping file (person.name)'],
      [1, 'mapping file (person.email)'],
      [2, 'mapping file (lead.note)'],
      [3, 'mapping file (organization.name[0])'],
      [3, 'mapping file (organization.address.city)'],
      [4, 'mapping file (person.phone)'],
    ]);
    expect(() => assertDistinctHeader(HEADER, 'sheet.csv', 1, m.plan)).not.toThrow();
    const custom = checkMappingSpec({
      person: { name: 'Name', phone: { column: 3 } },
      person_custom_fields: { 'Direct line': { column: 'Phone', occurrence: 2 } },
    });
    expect(mapColumns(custom, HEADER, undefined).personCustomFields).toEqual([
      { entity: 'person', name: 'Direct line', column: 4 },
    ]);
  });

  it("takes a label's or an extension's column by its number or occurrence, and writes it so again", async () => {
    const header = ['Name', 'Phone', 'Type', 'Ext', 'Phone', 'Type', 'Ext'];
    const row = ['Ada Lovelace', '+44 20 7946 0000', 'Work', '12', '+44 7700 900123', 'Mobile', '34'];
    const spec = await mappingFile(
      [
        'person:',
        '  name: Name',
        '  phone:',
        '    - { column: 2, label_column: { column: 3 }, extension_column: { column: 4 } }',
        '    - { column: Phone, occurrence: 2, label_column: { column: Type, occurrence: 2 }, extension_column: { column: 7 } }',
      ].join('\n'),
    );
    const m = mapColumns(spec, header, undefined);
    expect(m.phones.map((p) => [p.column, p.labelColumn, p.extensionColumn])).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(phones(imported(spec, header, row))).toEqual([
      { value: '+44 20 7946 0000 ext. 12', label: 'work' },
      { value: '+44 7700 900123 ext. 34', label: 'mobile' },
    ]);
    const printed = printMapping(m, spec);
    expect(printed).toContain(
      '- { column: "Phone", occurrence: 2, label_column: { column: "Type", occurrence: 2 }, extension_column: { column: "Ext", occurrence: 2 } }',
    );
    const again = mapColumns(checkMappingSpec(parseYaml(printed), 'printed.yaml'), header, undefined);
    expect(again.phones).toEqual(m.phones);
    expect(
      await refusal(() =>
        mapColumns(
          checkMappingSpec(
            { person: { name: 'Name', phone: { column: 2, label_column: { column: 8 } } } },
            'm.yaml',
          ),
          header,
          undefined,
          { mappingName: 'm.yaml' },
        ),
      ),
    ).toMatch(/^m\.yaml: person\.phone\.label_column names column number 8, but the file has 7 columns/);
  });

  it('refuses the sheet when a Phone is left to be found by its name, saying how to name it by number', async () => {
    const message = await refusal(() => imported({ person: { phone: [{ column: 5 }] } }));
    expect(message).toBe(
      'sheet.csv:1: duplicate column names "Phone" (column 3) and "Phone" (column 5); rename one of each pair so every column has its own name, or name them by their numbers in the mapping file: { column: 5 } under the field it fills, or under ignore.',
    );
    // Named by its name, the column is still in doubt.
    expect(await refusal(() => imported({ person: { phone: 'Phone' } }))).toMatch(/duplicate column names/);
  });

  it.each([
    [
      '0',
      'person: { phone: { column: 0 } }',
      /mapping\.yaml:1:\d+: person\.phone\.column is 0, which is no column's number: columns are counted from 1/,
    ],
    [
      'a negative',
      'person: { phone: { column: -2 } }',
      /person\.phone\.column is -2, which is no column's number/,
    ],
    [
      'a fraction',
      'person: { phone: { column: 2.5 } }',
      /person\.phone\.column is 2\.5, which is no column's number/,
    ],
    [
      'a huge one',
      'person: { phone: { column: 1e400 } }',
      /person\.phone\.column is Infinity, which is no column's number/,
    ],
    [
      'past JavaScript integers',
      'person: { phone: { column: 99999999999999999999 } }',
      /is 100000000000000000000, which is no column's number/,
    ],
    ['not a number', 'person: { phone: { column: .nan } }', /is NaN, which is no column's number/],
    [
      'a bare number',
      'person: { job_title: 9 }',
      /person\.job_title is 9, a number: write \{ column: 9 \} for the column of that number \(1 is the first\), or "9" in quotes/,
    ],
    [
      'a list',
      'person: { phone: { column: Phone, occurrence: [2] } }',
      /person\.phone\.occurrence must be a whole number from 1 \(1 is the first column named "Phone", 2 the second\), got \[2\]/,
    ],
    [
      'an occurrence as text',
      'person: { phone: { column: Phone, occurrence: "2" } }',
      /person\.phone\.occurrence must be a whole number from 1.*got "2"/,
    ],
    [
      'an occurrence of 0',
      'person: { name: { column: Name, occurrence: 0 } }',
      /person\.name\.occurrence must be a whole number from 1/,
    ],
    [
      'both a number and an occurrence',
      'person: { phone: { column: 5, occurrence: 2 } }',
      /mapping\.yaml:1:\d+: person\.phone\.column gives both a column's number \(5\) and an occurrence \(2\), which contradict each other: the number alone picks its column \(\{ column: 5 \}\)/,
    ],
    [
      'an unknown key',
      'person: { name: { column: 1, label: x } }',
      /person\.name: unknown key "label"; valid keys are column, occurrence/,
    ],
    [
      'a prototype key',
      'person: { name: { column: 1, __proto__: { column: 2 } } }',
      /person\.name: unknown key "__proto__"/,
    ],
    [
      'a nested reference',
      'person: { name: { column: { column: 1 } } }',
      /person\.name\.column must be a column name \(text\), or a column's number/,
    ],
    [
      'a bad ignore entry',
      'ignore: [{ column: 0 }]',
      /ignore\[0\]\.column is 0, which is no column's number/,
    ],
  ])('refuses %s, naming the mapping file, the key and the fix', async (_what, yaml, message) => {
    expect(await refusal(() => mappingFile(yaml))).toMatch(message);
  });

  it.each([
    [
      'a number past the header',
      { person: { phone: { column: 6 } } },
      'mapping.yaml: person.phone names column number 6, but the file has 5 columns ("Name", "Email", "Phone", "Company", "Phone"); count from 1, the first column, or give the column\'s name.',
    ],
    [
      'an occurrence past the columns so named',
      { person: { phone: { column: 'phone', occurrence: 3 } } },
      'mapping.yaml: person.phone names occurrence 3 of "phone", but the file has 2 columns so named (column 3, column 5); give an occurrence from 1 to 2, or the column\'s number ({ column: 3 }).',
    ],
    [
      'an occurrence of a name the file has once',
      { person: { name: { column: 'Name', occurrence: 2 } } },
      'mapping.yaml: person.name names occurrence 2 of "Name", but the file has one column so named (column 1); give an occurrence from 1 to 1, or the column\'s number ({ column: 1 }).',
    ],
    [
      'a name the file does not have',
      { person: { name: { column: 'Nom', occurrence: 1 } } },
      'mapping.yaml: person.name is mapped to column "Nom" (occurrence 1), which the file does not have (did you mean "Name"?); its columns are "Name", "Email", "Phone", "Company", "Phone".',
    ],
    [
      'an ignored column the file maps',
      { person: { name: 'Name', phone: { column: 5 } }, ignore: [{ column: 5 }] },
      'mapping.yaml: column 5 ("Phone") is both mapped and listed under ignore; keep one.',
    ],
    [
      // Before: accepted, each row's phone number sent as its own label.
      "a label column that is the field's own column",
      { person: { name: 'Name', phone: { column: 5, label_column: { column: 5 } } } },
      'mapping.yaml: person.phone takes its labels from column 5 ("Phone"), the column it reads itself: name the column beside it that holds the labels, or write label: work (one label for every row).',
    ],
    [
      "a label column named as the field's own column",
      { person: { name: 'Name', phone: { column: 'Phone', occurrence: 1, label_column: 'Phone' } } },
      'mapping.yaml: person.phone takes its labels from column 3 ("Phone"), the column it reads itself: name the column beside it that holds the labels, or write label: work (one label for every row).',
    ],
    [
      "an extension column that is the field's own column",
      { person: { name: 'Name', phone: { column: 3, extension_column: { column: 3 } } } },
      'mapping.yaml: person.phone takes its extensions from column 3 ("Phone"), the column it reads itself: name the column beside it that holds the extensions, or write no extension_column.',
    ],
  ])('refuses %s against the header', async (_what, spec, message) => {
    const checked = checkMappingSpec(spec, 'mapping.yaml');
    expect(await refusal(() => mapColumns(checked, HEADER, undefined, { mappingName: 'mapping.yaml' }))).toBe(
      message,
    );
  });

  it('imports the one Email left when the mapping file ignores the other by its number or occurrence', async () => {
    // Before: the refusal said to write { column: 4 } under ignore, and a mapping file that did was refused the same.
    const header = ['Name', 'Email', 'Company', 'Email'];
    const row = ['Anna Berg', 'anna@example.com', 'Acme', 'old@example.com'];
    const emails = (r: RowResult) =>
      'ok' in r ? [r.ok.person?.email, ...(r.ok.person?.emails ?? []).slice(1).map((e) => e.value)] : r;
    for (const yaml of ['ignore: [{ column: 4 }]\n', 'ignore: [{ column: Email, occurrence: 2 }]\n']) {
      expect(emails(imported(await mappingFile(yaml), header, row)), yaml).toEqual(['anna@example.com']);
    }
    // Named by its name, beside the other ignored by its number, it is the one left.
    const byName = await mappingFile('person: { email: Email }\nignore: [{ column: 4 }]\n');
    expect(emails(imported(byName, header, row))).toEqual(['anna@example.com']);
    // Ignored by its name, the other is still in doubt.
    expect(await refusal(() => imported({ ignore: ['Email'] }, header, row))).toMatch(
      /duplicate column names/,
    );
  });

  it('names a repeated column by its number where the dry run and the printed mapping say what each one does', async () => {
    // Before: `Phone  person.phone:work` in the table and `"Phone": listed under ignore` below it: which one?
    const spec = await mappingFile('person: { name: Name, phone: { column: 3 } }\nignore: [{ column: 5 }]\n');
    const mapping = mapColumns(spec, HEADER, undefined, { mappingName: 'mapping.yaml' });
    const described = describeMapping(mapping);
    expect(described.columns.find((c) => c.field.startsWith('person.phone'))).toMatchObject({
      column: 'Phone',
      position: 3,
    });
    expect(described.columns.find((c) => c.column === 'Name')).not.toHaveProperty('position');
    expect(described.notImported).toContainEqual({
      column: 'Phone',
      position: 5,
      reason: 'listed under ignore in mapping.yaml',
    });
    const sheet = join(dir, 'sheet.csv');
    writeFileSync(sheet, `${HEADER.join(',')}\n${ROW.join(',')}\n`);
    const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', PIPEDRIVE_API_TOKEN: 'unused-offline' });
    const summary = await importCsv({
      file: sheet,
      config,
      mapping: join(dir, 'mapping.yaml'),
      dryRun: true,
      offline: true,
    });
    const out = formatSummary(summary).split('\n');
    expect(out).toContainEqual(expect.stringMatching(/^ {2}Phone \(column 3\) +person\.phone:work /));
    expect(out).toContain('  "Phone" (column 5): listed under ignore in mapping.yaml');
    expect(printMapping(mapping, spec)).toContain(
      '#   "Phone" (column 5): listed under ignore in mapping.yaml',
    );
  });

  it("gives each pair's column number when several names are repeated", async () => {
    const header = ['Name', 'Email', 'Phone', 'Company', 'Email', 'Phone'];
    const row = ['Ada', 'ada@example.org', '+44 20 7946 0000', 'AE', 'b@example.org', '+44 7700 900123'];
    expect(await refusal(() => imported({}, header, row))).toBe(
      'sheet.csv:1: duplicate column names "Email" (column 2) and "Email" (column 5), "Phone" (column 3) and "Phone" (column 6); rename one of each pair so every column has its own name, or name them by their numbers in the mapping file: { column: 5 }, { column: 6 } under the field each fills, or under ignore.',
    );
  });

  it('refuses a number where a column is also so named elsewhere, which it could mean', async () => {
    const header = ['Name', 'Email', '1', '2025'];
    const spec = checkMappingSpec(
      { person: { name: 'Name' }, lead: { note: [{ column: 1 }] } },
      'mapping.yaml',
    );
    expect(await refusal(() => mapColumns(spec, header, undefined, { mappingName: 'mapping.yaml' }))).toBe(
      'mapping.yaml: lead.note names column number 1 ("Name"), but column 3 is named "1": write { column: "1" } in quotes to mean that one, or { column: 1 } beside a rename of the column named so.',
    );
    // Quoted, it is the name.
    const named = checkMappingSpec({ person: { name: 'Name' }, lead: { note: [{ column: '1' }] } });
    expect(mapColumns(named, header, undefined).noteColumns).toEqual([2]);
  });
});

describe('--print-mapping of a file naming several columns alike', () => {
  it("writes French Outlook's two Titre columns by occurrence, and reads them back to the same rows", async () => {
    const csv = await openCsv(join(import.meta.dirname, '../fixtures/real-exports/outlook-contacts-fr.csv'));
    try {
      const sample = await csv.sampleRows(50);
      const auto = mapColumns({}, csv.header, undefined, { sample });
      const printed = printMapping(auto, {});
      expect(printed).toContain(
        '# "Titre" names 2 columns: each is written with which of them it is, { column: "Titre", occurrence: 2 } for the second.',
      );
      expect(printed).toMatch(/\n {2}job_title: \{ column: "Titre", occurrence: 2 \} {2}#/);
      const again = mapColumns(checkMappingSpec(parseYaml(printed), 'printed.yaml'), csv.header, undefined, {
        sample,
      });
      expect(again.columns['person.job_title']).toBe(7);
      expect(() => assertDistinctHeader(csv.header, 'outlook-contacts-fr.csv', 1, again.plan)).not.toThrow();
      const first = createRowValidator(auto, 'imp-fr');
      const second = createRowValidator(again, 'imp-fr');
      sample.forEach((cells, i) => {
        const row = second(i + 2, cells);
        expect(row).toEqual(first(i + 2, cells));
        if (i === 0 && 'ok' in row) expect(row.ok.person?.job_title).toBe('Directeur des achats');
      });
    } finally {
      await csv.close();
    }
  });

  it('writes two Phone columns of a sheet by occurrence, read back the same', () => {
    const spec: MappingSpec = { person: { phone: [{ column: 5, label: 'mobile' }, { column: 3 }] } };
    const m = mapColumns(spec, HEADER, undefined);
    const printed = printMapping(m, spec);
    expect(printed).toContain('- { column: "Phone", occurrence: 2, label: mobile }');
    const again = mapColumns(checkMappingSpec(parseYaml(printed), 'printed.yaml'), HEADER, undefined);
    expect(again.phones.map((p) => [p.column, p.label])).toEqual([
      [4, 'mobile'],
      [2, 'work'],
    ]);
    expect(phones(imported(checkMappingSpec(parseYaml(printed))))).toEqual(phones(imported(spec)));
  });
});
