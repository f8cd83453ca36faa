import { stringify } from 'yaml';
import { describedColumn, printable } from '../ops/format.js';
import { type ColumnMatch, emailKindUnsaid } from './column-matcher.js';
import { sameNameKey } from './header-conventions.js';
import { columnsNotImported, type ResolvedMapping } from './mapping.js';
import type { MappingSpec } from './mapping-spec.js';

/**
 * The mapping as a mapping file (`import --dry-run --print-mapping`): every column the import
 * reads, written out with the reason as a comment, and the columns it leaves out with theirs, so
 * a wrong guess is fixed once and the file reused with `--mapping`. It sets `auto: false`: what
 * the file lists is what is imported, and deleting a line leaves that column out.
 */
export function printMapping(m: ResolvedMapping, spec: MappingSpec): string {
  // A comment ends at the line's end: a header with a line break in it must not write YAML.
  // And a header's control characters (an escape sequence) are not written to the terminal.
  const comment = (text: string) => printable(text.replace(/[\r\n\u2028\u2029]+/g, ' '));
  const q = (text: string) => JSON.stringify(text);
  const out: string[] = [
    '# A mapping file to start from: fix what is wrong, then import with --mapping FILE.',
    '# Every line says why the column was read that way. Delete a line to leave its column out.',
  ];
  if (m.plan.system) out.push(`# The header was recognised as ${m.plan.system.name}.`);
  // A name the file gives several columns (French Outlook's two `Titre`, a sheet's two `Phone`) could mean any of them:
  // each is written with which of them it is, `{ column: "Titre", occurrence: 2 }`.
  // Each header's key once (a header of thousands of columns asked every other column's key for each column).
  const columnsByKey = new Map<string, number[]>();
  m.header.forEach((other, i) => {
    const key = sameNameKey(other);
    const same = columnsByKey.get(key);
    if (same) same.push(i);
    else columnsByKey.set(key, [i]);
  });
  const named = (h: string) => columnsByKey.get(sameNameKey(h)) ?? [];
  const twice = m.plan.matches.filter((c) => named(c.header).length > 1);
  for (const h of new Set(twice.map((c) => c.header))) {
    out.push(
      `# "${comment(h)}" names ${named(h).length} columns: each is written with which of them it is, { column: ${q(h)}, occurrence: 2 } for the second.`,
    );
  }
  out.push('auto: false', '');

  const byField = (entity: string) => m.plan.matches.filter((c) => c.target.entity === entity);
  /** A column as a `column:` key's value: its name, and which of the columns of that name it is if there are more. */
  const at = (index: number) => {
    const h = m.header[index] as string;
    const same = named(h);
    return same.length > 1 ? `${q(h)}, occurrence: ${same.indexOf(index) + 1}` : q(h);
  };
  /** A column where the mapping file names one: its name, or `{ column: "Titre", occurrence: 2 }`. */
  const ref = (index: number) => {
    const written = at(index);
    return written.includes(', occurrence: ') ? `{ column: ${written} }` : written;
  };
  const line = (indent: string, key: string, value: string, why: string) =>
    `${indent}${key}: ${value}  # ${comment(why)}`;
  // One-column fields: a field read from a column and, where it is empty, the next (`name: [full_name, Name]`).
  const single = (indent: string, list: ColumnMatch[], value: (c: ColumnMatch) => string) => {
    const columnsOf = new Map<string, ColumnMatch[]>();
    for (const c of list) {
      const field = (c.target as { field: string }).field;
      columnsOf.set(field, [...(columnsOf.get(field) ?? []), c]);
    }
    for (const [field, columns] of columnsOf) {
      if (columns.length === 1) out.push(line(indent, field, value(columns[0]!), columns[0]!.reason));
      else {
        out.push(`${indent}${field}:`);
        for (const c of columns.sort((a, b) => a.order - b.order))
          out.push(`${indent}  - ${value(c)}  # ${comment(c.reason)}`);
      }
    }
  };

  const lead = byField('lead');
  if (lead.length) {
    out.push('lead:');
    // A second LinkedIn profile column, read where the first is empty, is written in the first's entry.
    const allNotes = lead.filter((c) => c.target.entity === 'lead' && c.target.field === 'note');
    const notes = allNotes.filter((c) => !c.fallbackOf);
    const behind = (c: ColumnMatch) => allNotes.filter((f) => f.fallbackOf?.[0] === c.index);
    single(
      '  ',
      lead.filter((c) => c.target.entity === 'lead' && c.target.field !== 'note'),
      (c) => ref(c.index),
    );
    // A column kept at the note's end after a label (a person's LinkedIn profile) is written with its label.
    const entry = (c: ColumnMatch) => {
      const more = behind(c);
      const columns = more.length ? `[${[c, ...more].map((m) => ref(m.index)).join(', ')}]` : at(c.index);
      const flag = c.keptInNote?.flag ? ', flag: true' : '';
      return c.keptInNote ? `{ column: ${columns}, label: ${q(c.keptInNote.label)}${flag} }` : ref(c.index);
    };
    if (notes.length === 1) out.push(line('  ', 'note', entry(notes[0]!), notes[0]!.reason));
    else if (notes.length > 1) {
      out.push('  note:');
      for (const c of notes) out.push(`    - ${entry(c)}  # ${comment(c.reason)}`);
    }
  }

  for (const entity of ['person', 'organization'] as const) {
    const matches = byField(entity);
    if (!matches.length) continue;
    out.push(`${entity}:`);
    const addressField = entity === 'person' ? 'postal_address' : 'address';
    const address: ColumnMatch[] = [];
    for (const field of ['email', 'phone'] as const) {
      const list = matches
        .filter((c) => c.target.entity === 'person' && c.target.field === field)
        .sort((a, b) => a.order - b.order);
      if (!list.length) continue;
      out.push(`  ${field}:`);
      for (const c of list) {
        const t = c.target as { label?: string; labelColumn?: string; extensionColumn?: string };
        // Without a label, as the column does not say whose: read back, its free-mail addresses are still home.
        // A label's or an extension's column the mapping file named by its number or occurrence is written so again.
        const label = t.labelColumn
          ? `, label_column: ${c.labelColumnAt !== undefined ? ref(c.labelColumnAt) : q(t.labelColumn)}`
          : emailKindUnsaid(c)
            ? ''
            : `, label: ${t.label ?? 'work'}`;
        const extension = t.extensionColumn
          ? `, extension_column: ${c.extensionColumnAt !== undefined ? ref(c.extensionColumnAt) : q(t.extensionColumn)}`
          : '';
        out.push(`    - { column: ${at(c.index)}${label}${extension} }  # ${comment(c.reason)}`);
      }
    }
    const fields: ColumnMatch[] = [];
    for (const c of matches) {
      const t = c.target as { field: string; part?: string };
      if (t.field === 'email' || t.field === 'phone') continue;
      (t.field === addressField ? address : fields).push(c);
    }
    single('  ', fields, (c) => {
      const labelColumn = (c.target as { labelColumn?: string }).labelColumn;
      const labels = c.labelColumnAt !== undefined ? ref(c.labelColumnAt) : q(labelColumn ?? '');
      return labelColumn ? `{ column: ${at(c.index)}, label_column: ${labels} }` : ref(c.index);
    });
    if (address.length === 1 && !(address[0]!.target as { part?: string }).part) {
      out.push(line('  ', addressField, ref(address[0]!.index), address[0]!.reason));
    } else if (address.length) {
      out.push(`  ${addressField}:`);
      const parts = new Map<string, ColumnMatch[]>();
      for (const c of address) {
        const part = (c.target as { part?: string }).part ?? 'full';
        parts.set(part, [...(parts.get(part) ?? []), c]);
      }
      for (const [part, columns] of parts) {
        if (columns.length === 1) out.push(line('    ', part, ref(columns[0]!.index), columns[0]!.reason));
        else {
          out.push(`    ${part}:`);
          for (const c of columns) out.push(`      - ${ref(c.index)}  # ${comment(c.reason)}`);
        }
      }
    }
  }

  const sections = {
    lead: 'custom_fields',
    person: 'person_custom_fields',
    organization: 'organization_custom_fields',
  };
  for (const [entity, section] of Object.entries(sections)) {
    const fields = [...m.customFields, ...m.personCustomFields, ...m.organizationCustomFields].filter(
      (f) => f.entity === entity,
    );
    if (!fields.length) continue;
    out.push(`${section}:`);
    for (const f of fields) {
      if (f.column !== undefined) {
        const why =
          m.plan.matches.find((c) => c.index === f.column && c.target.entity === 'custom')?.reason ?? '';
        out.push(line('  ', q(f.name), ref(f.column), why || 'mapping file'));
      } else out.push(`  ${q(f.name)}: { value: ${q(f.constant ?? '')} }`);
    }
  }

  const notImported = columnsNotImported(m);
  if (notImported.length) {
    out.push('', '# Not imported (to import one, add it above under its field):');
    for (const c of notImported) out.push(`#   ${describedColumn(c, q)}: ${comment(c.reason)}`);
  }
  if (spec.defaults && Object.keys(spec.defaults).length) {
    out.push('', stringify({ defaults: spec.defaults }).trimEnd());
  }
  return `${out.join('\n')}\n`;
}
