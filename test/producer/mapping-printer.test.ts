import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { openCsv } from '../../src/producer/csv-reader.js';
import { assertDistinctHeader, mapColumns } from '../../src/producer/mapping.js';
import { printMapping } from '../../src/producer/mapping-printer.js';
import { checkMappingSpec } from '../../src/producer/mapping-spec.js';
import { createRowValidator, type RowResult } from '../../src/producer/row-validator.js';
import { type Target, targetText } from '../../src/producer/targets.js';

const DIR = join(import.meta.dirname, '../fixtures/real-exports');
const files = readdirSync(DIR).filter((f) => f.endsWith('.csv'));

describe('--print-mapping', () => {
  it('writes what the file holds (a value with line breaks, quoted in a reason) as comments, never as YAML of its own', () => {
    const header = ['Title', 'Name', 'Email'];
    const sample = [['VP Sales\nauto: true\nignore: [Email]', 'Ada', 'ada@example.org']];
    const mapping = mapColumns({}, header, undefined, { sample });
    const printed = printMapping(mapping, {});
    const spec = checkMappingSpec(parseYaml(printed), 'printed.yaml');
    expect(spec.auto).toBe(false);
    expect(spec.ignore).toBeUndefined();
    expect(mapColumns(spec, header, undefined).plan.matches.map((m) => m.header)).toEqual([
      'Title',
      'Name',
      'Email',
    ]);
  });

  it('lists a question the file asks twice as often, and each listing reads its own column back', () => {
    const header = ['Full name', 'Email', 'Any comments?', 'Budget', 'Any comments?'];
    const auto = mapColumns({}, header, undefined);
    const spec = checkMappingSpec(parseYaml(printMapping(auto, {})), 'printed.yaml');
    const notes = (m: typeof auto) =>
      m.plan.matches.filter((c) => c.target.entity === 'lead' && c.target.field === 'note');
    expect(notes(auto).map((c) => c.index)).toEqual([2, 4]);
    expect(notes(mapColumns(spec, header, undefined)).map((c) => c.index)).toEqual([2, 4]);
  });

  it('writes each of the two columns French Outlook names Titre by its occurrence, read back to the same fields', () => {
    const header = [
      'Titre',
      'Prénom',
      'Nom',
      'Société',
      'Titre',
      'Rue (bureau)',
      'Rue (domicile)',
      'Adresse de messagerie 2',
    ];
    const auto = mapColumns({}, header, undefined);
    const printed = printMapping(auto, {});
    expect(printed).toContain('# "Titre" names 2 columns: each is written with which of them it is');
    expect(printed).toContain('job_title: { column: "Titre", occurrence: 2 }');
    const again = mapColumns(checkMappingSpec(parseYaml(printed), 'printed.yaml'), header, undefined);
    expect(again.columns['person.job_title']).toBe(4);
    expect(() => assertDistinctHeader(header, 'contacts.csv', 1, again.plan)).not.toThrow();
  });

  /** An email column written without a label is read as work addresses (with those at a free-mail provider home). */
  const withDefaultLabel = (t: Target): Target =>
    t.entity === 'person' && t.field === 'email' && !t.labelColumn ? { ...t, label: t.label ?? 'work' } : t;

  it.each(files)(
    'writes a mapping file that, read back, maps %s the same way, column for column',
    async (file) => {
      const csv = await openCsv(join(DIR, file));
      try {
        const sample = await csv.sampleRows(50);
        const auto = mapColumns({}, csv.header, undefined, { sample });
        const text = printMapping(auto, {});
        const spec = checkMappingSpec(parseYaml(text), 'printed.yaml');
        expect(spec.auto).toBe(false);
        const again = mapColumns(spec, csv.header, undefined, { sample });
        const reading = (m: typeof auto) =>
          m.plan.matches
            .map(
              (c) =>
                `${c.header} → ${targetText(withDefaultLabel(c.target))}${'labelColumn' in c.target && c.target.labelColumn ? ` @${c.target.labelColumn}` : ''}${'extensionColumn' in c.target && c.target.extensionColumn ? ` ext ${c.target.extensionColumn}` : ''}`,
            )
            .sort();
        expect(reading(again)).toEqual(reading(auto));
        // Primary email and phone stay first; an email column that does not say whose addresses they are is still
        // written without a label, so its free-mail addresses are still labelled home.
        const emails = (m: typeof auto) => m.emails.map((e) => [e.column, e.label, e.freeMailHome ?? false]);
        expect(emails(again)).toEqual(emails(auto));
        expect(again.phones.map((e) => e.column)).toEqual(auto.phones.map((e) => e.column));
        // Each phone keeps the column its extension comes from (Keap's Phone 1 Ext).
        expect(again.phones.map((e) => e.extensionColumn)).toEqual(auto.phones.map((e) => e.extensionColumn));
        // The note's columns, and those kept at its end after a label (a person's LinkedIn profile), stay so.
        expect(again.noteColumns).toEqual(auto.noteColumns);
        expect(again.keptInNote.map((k) => [k.column, k.label])).toEqual(
          auto.keptInNote.map((k) => [k.column, k.label]),
        );
        // Every column left out is named, with its reason, as a comment; by its number too where its name is
        // another column's (French Outlook's first "Titre", its second imported as the job title).
        const repeated = (h: string) => csv.header.indexOf(h) !== csv.header.lastIndexOf(h);
        for (const s of auto.plan.skipped)
          expect(text).toContain(
            `#   ${JSON.stringify(s.header)}${repeated(s.header) ? ` (column ${s.index + 1})` : ''}: ${s.reason}`,
          );
      } finally {
        await csv.close();
      }
    },
  );

  /** What a row becomes: its job's data without the mapping's own words (reasons), or its rejection's reason. */
  const outcome = (r: RowResult) => ('ok' in r ? r.ok : { rejected: r.reject.reason });

  it.each(files)(
    'writes a mapping file that, read back, makes the same rows of %s: every value where it went',
    async (file) => {
      const csv = await openCsv(join(DIR, file));
      try {
        const sample = await csv.sampleRows(50);
        const auto = mapColumns({}, csv.header, undefined, { sample });
        const spec = checkMappingSpec(parseYaml(printMapping(auto, {})), 'printed.yaml');
        const again = mapColumns(spec, csv.header, undefined, { sample });
        // A name the file writes twice (French Outlook's `Titre`) is written with which of its columns each line means
        // ({ column: "Titre", occurrence: 2 }): the import (map-file.ts) takes the mapping file without a doubt.
        const refused = (() => {
          try {
            assertDistinctHeader(csv.header, file, 1, again.plan);
          } catch (err) {
            return (err as Error).message;
          }
        })();
        expect(refused).toBeUndefined();
        const first = createRowValidator(auto, 'imp-round-trip');
        const second = createRowValidator(again, 'imp-round-trip');
        sample.forEach((cells, i) => {
          expect(outcome(second(i + 2, cells)), `row ${i + 2}`).toEqual(outcome(first(i + 2, cells)));
        });
      } finally {
        await csv.close();
      }
    },
  );
});
