import { basename, extname } from 'node:path';
import { isMap, isPair, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { NOT_A_FILE, readBoundedFile, TOO_LARGE } from '../config/bounded-file.js';
import { nearest } from '../errors/edit-distance.js';
import { MappingError } from './errors.js';
import {
  ADDRESS_PARTS,
  type AddressPart,
  CONTACT_LABELS,
  type ContactLabel,
  type Entity,
  LEAD_FIELDS,
  ORGANIZATION_FIELDS,
  PERSON_FIELDS,
  type Target,
} from './targets.js';

/** A column named in the mapping file, matched case- and punctuation-insensitively. */
export type ColumnName = string;

/**
 * A column the mapping file names by where it is, for a name the file gives several columns (French Outlook's two
 * `Titre`, a sheet's two `Phone`), which a name alone cannot tell apart: `{ column: 9 }`, the 9th column (1 is the
 * first, as messages count them: "column 9"), or `{ column: Titre, occurrence: 2 }`, the second column so named.
 * Accepted wherever a column name is. A number is never read from a name: `"9"` in quotes names a column `9`.
 */
export interface ColumnAt {
  column: ColumnName | number;
  occurrence?: number;
}

/** A column as the mapping file gives it. */
export type ColumnRef = ColumnName | ColumnAt;

/** A column reference, checked: by its name (the first so named), by its name and which of those, or by its number. */
export type ColumnReference = { name: string; occurrence?: number } | { number: number };

/** How messages name a reference: `"Titre"`, `"Titre" (occurrence 2)`, `number 9`. */
export function referenceText(ref: ColumnReference): string {
  return 'number' in ref
    ? `number ${ref.number}`
    : `"${ref.name}"${ref.occurrence !== undefined ? ` (occurrence ${ref.occurrence})` : ''}`;
}

/** A value of a mapping file, for a message: short, and a number as written (`Infinity`, not JSON's `null`). */
function shown(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/**
 * A column where the mapping file names one: a name, or `{ column, occurrence }` ({@link ColumnAt}). A bare number
 * (`job_title: 9`) is refused, saying how to write either reading of it. Throws {@link MappingError} naming `where`.
 */
export function columnReference(value: unknown, where: string, file: string): ColumnReference {
  if (isObject(value)) {
    unknownKeys(value, ['column', 'occurrence'], `${file}: ${where}`, mappingPath(where));
    return columnAt(value.column, `${where}.column`, file, value.occurrence, `${where}.occurrence`);
  }
  if (typeof value === 'number') {
    throw new MappingError(
      `${file}: ${where} is ${shown(value)}, a number: write { column: ${shown(value)} } for the column of that number (1 is the first), or "${shown(value)}" in quotes for a column named so.`,
      mappingPath(where),
    );
  }
  return columnAt(value, where, file);
}

/**
 * The value of a `column:` key: a name, or a column's number (1 is the first), with the `occurrence` beside it (which
 * of the columns of that name). Throws {@link MappingError} naming `where` and the fix.
 */
export function columnAt(
  value: unknown,
  where: string,
  file: string,
  occurrence?: unknown,
  occurrenceWhere = where,
): ColumnReference {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new MappingError(
        `${file}: ${where} is ${shown(value)}, which is no column's number: columns are counted from 1 (the first), as messages count them ("column 9"); give a whole number from 1, or the column's name.`,
        mappingPath(where),
      );
    }
    if (occurrence !== undefined) {
      throw new MappingError(
        `${file}: ${where} gives both a column's number (${value}) and an occurrence (${shown(occurrence)}), which contradict each other: the number alone picks its column ({ column: ${value} }); an occurrence picks among the columns of one name ({ column: Phone, occurrence: 2 }).`,
        mappingPath(occurrenceWhere),
      );
    }
    return { number: value };
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw new MappingError(
      `${file}: ${where} must be a column name (text), or a column's number ({ column: 9 }, 1 is the first), got ${shown(value)}.`,
      mappingPath(where),
    );
  }
  if (occurrence === undefined) return { name: value };
  if (typeof occurrence !== 'number' || !Number.isSafeInteger(occurrence) || occurrence < 1) {
    throw new MappingError(
      `${file}: ${occurrenceWhere} must be a whole number from 1 (1 is the first column named ${JSON.stringify(value)}, 2 the second), got ${shown(occurrence)}.`,
      mappingPath(occurrenceWhere),
    );
  }
  return { name: value, occurrence };
}

/** An email or phone column, with the label Pipedrive shows (work, home, mobile, other). */
export interface LabelledColumn {
  column: ColumnName | number;
  /** Which of the columns named `column` (a sheet's second `Phone`): see {@link ColumnAt}. */
  occurrence?: number;
  /** @defaultValue `work` */
  label?: ContactLabel;
  /** A column holding each row's label (Google's `E-mail 1 - Label`: `* Work`, `Home`…). */
  label_column?: ColumnRef;
  /** Phones only: a column holding each number's extension (Keap's `Phone 1 Ext`), added as `… ext. 89`. */
  extension_column?: ColumnRef;
}

/**
 * An address in one column, or spread over several: each part a column (street lines a list), and
 * `full` a column with the whole address beside the parts.
 */
export type AddressSpec = ColumnRef | Partial<Record<AddressPart | 'full', ColumnRef | ColumnRef[]>>;

/**
 * What a mapping file says, before it meets a CSV header and Pipedrive. Every section is
 * optional: columns the file does not name are mapped automatically from their headers (unless
 * `auto: false`), and `--dry-run --print-mapping` writes one to start from. Example
 * (`examples/mapping.yaml` has them all):
 *
 * ```yaml
 * lead: { title: Opportunity, value: Deal size, labels: Tags, note: [Description, { column: URL, label: LinkedIn }] }
 * person:
 *   first_name: First name
 *   email: [Email, { column: Private email, label: home }]
 *   phone: [{ column: Mobile, label: mobile }, Phone]
 *   job_title: Title
 * organization:
 *   name: Company
 *   address: { street: Street, city: City, postal_code: Zip, country: Country }
 * custom_fields: { Segment: Tier }                 # lead (deal) fields by their Pipedrive name
 * person_custom_fields: { Preferred language: Language }
 * organization_custom_fields: { VAT number: { value: n/a } }   # or a constant
 * ignore: [Record ID, Lead Status]
 * defaults: { currency: EUR, labels: [Warm], title_template: "{organization} – {name}" }
 * ```
 */
export interface MappingSpec {
  /** A one-column field may list several columns: a row takes the first that is not empty. */
  lead?: Partial<Record<Exclude<(typeof LEAD_FIELDS)[number], 'note'>, ColumnRef | ColumnRef[]>> & {
    /** Columns whose text makes the note; one with a `label` goes to its end as `label: value` (`LinkedIn: …`). */
    note?: NoteColumn | NoteColumn[];
  };
  person?: Partial<
    Record<
      Exclude<(typeof PERSON_FIELDS)[number], 'email' | 'phone' | 'postal_address'>,
      ColumnRef | ColumnRef[]
    >
  > & {
    email?: ColumnName | LabelledColumn | (ColumnName | LabelledColumn)[];
    phone?: ColumnName | LabelledColumn | (ColumnName | LabelledColumn)[];
    postal_address?: AddressSpec;
  };
  organization?: Partial<
    Record<Exclude<(typeof ORGANIZATION_FIELDS)[number], 'address' | 'website'>, ColumnRef | ColumnRef[]>
  > & {
    address?: AddressSpec;
    /** Or `{ column, label_column }`: only a site whose label (Google's `Website 1 - Label`) says Work. */
    website?: ColumnRef | ColumnRef[] | (ColumnAt & { label_column?: ColumnRef });
  };
  /** Deal/lead custom fields by Pipedrive name (or 40-hex key): a column, or `{ value }` for a constant. */
  custom_fields?: CustomFieldsSpec;
  /** Person custom fields by Pipedrive name (or 40-hex key). */
  person_custom_fields?: CustomFieldsSpec;
  /** Organization custom fields by Pipedrive name (or 40-hex key). */
  organization_custom_fields?: CustomFieldsSpec;
  /** Columns never imported, even when their header would map itself. */
  ignore?: ColumnRef[];
  defaults?: MappingDefaults;
  /** Map headers the file does not mention (from the conventions of known systems). @defaultValue true */
  auto?: boolean;
}

export type CustomFieldsSpec = Record<
  string,
  ColumnName | { column?: ColumnName | number; occurrence?: number; value?: string }
>;

export interface MappingDefaults {
  /** Currency of amounts that name none. @defaultValue the API user's default currency */
  currency?: string;
  /** Owner (user email or name) of every lead, person and organization without an owner column. */
  owner?: string;
  /** Labels (names) given to every lead, added to those of a labels column. */
  labels?: string[] | string;
  /** Visibility of every lead without a visibility column (1, 3, 5, 7 or a word). */
  visible_to?: string | number;
  /** Marketing channel (a name) of every lead without a channel column. */
  channel?: string;
  /** `origin_id` of every lead. @defaultValue the import id and the row's line, `imp-3f2a9c41d0e7:12` */
  origin_id?: string;
  /** `{organization} – {name}`; placeholders are fields or column names. */
  title_template?: string;
  /** `DD/MM/YYYY` or `MM/DD/YYYY`, for dates like 03/04/2025. */
  date_format?: string;
}

const TOP_LEVEL = [
  'lead',
  'person',
  'organization',
  'custom_fields',
  'person_custom_fields',
  'organization_custom_fields',
  'ignore',
  'defaults',
  'auto',
] as const;
const DEFAULT_KEYS = [
  'currency',
  'owner',
  'labels',
  'visible_to',
  'channel',
  'origin_id',
  'title_template',
  'date_format',
];
const CUSTOM_SECTIONS: Record<
  'custom_fields' | 'person_custom_fields' | 'organization_custom_fields',
  Entity
> = {
  custom_fields: 'lead',
  person_custom_fields: 'person',
  organization_custom_fields: 'organization',
};

/** A mapping names a file's columns: a few KiB, a few hundred for a file of thousands of columns. */
const MAX_MAPPING_FILE_BYTES = 4 * 1024 * 1024;

/** Reads and checks a mapping file (`.yaml`, `.yml` or `.json`). Throws {@link MappingError}. */
export async function loadMappingFile(path: string): Promise<MappingSpec> {
  const name = basename(path);
  let text: string;
  try {
    // Not blocking on a FIFO (the import would wait, deaf to Ctrl-C, for a writer), nor filling memory from /dev/zero.
    text = readBoundedFile(path, MAX_MAPPING_FILE_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MappingError(
      code === 'ENOENT'
        ? `Mapping file ${path} does not exist.`
        : code === 'EISDIR'
          ? `Mapping file ${path} is a folder: name the mapping file in it (e.g. mapping.yaml).`
          : code === NOT_A_FILE
            ? `Mapping file ${path} is not a regular file (a FIFO, a device or a socket): write the mapping in a file.`
            : code === TOO_LARGE
              ? `Mapping file ${path} is over ${MAX_MAPPING_FILE_BYTES / 1024 / 1024} MiB, far past any mapping: name the right file.`
              : `Cannot read mapping file ${path}: ${(err as Error).message}`,
    );
  }
  let data: unknown;
  const lines = new LineCounter();
  // JSON is YAML too: one parser gives the position of every key in either.
  const doc = parseDocument(text, { lineCounter: lines });
  try {
    if (extname(path).toLowerCase() === '.json') data = JSON.parse(text);
    else if (doc.errors.length > 0) throw doc.errors[0];
    else data = doc.toJS();
  } catch (err) {
    throw new MappingError(
      `${name} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
  const source: MappingSource = { name, doc, lines };
  let spec: MappingSpec;
  try {
    spec = checkMappingSpec(data ?? {}, name);
  } catch (err) {
    throw locatedError(source, err);
  }
  sources.set(spec, source);
  return spec;
}

interface MappingSource {
  /** The name its errors start with. */
  name: string;
  doc: ReturnType<typeof parseDocument>;
  lines: LineCounter;
}

/** Where each mapping {@link loadMappingFile} returned was read from, for {@link locateMappingErrors}. */
const sources = new WeakMap<MappingSpec, MappingSource>();

/**
 * Runs `fn`, which uses `spec`; a {@link MappingError} it throws with a path into the file `spec` was read from gets
 * that place, `mapping.yaml:7:3:` in place of `mapping.yaml:`, at the start of its message, as an editor or a
 * compiler names it. A mapping given as an object has no file: its errors stay as they are.
 */
export async function locateMappingErrors<T>(spec: MappingSpec, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const source = sources.get(spec);
    throw source ? locatedError(source, err) : err;
  }
}

function locatedError(source: MappingSource, err: unknown): unknown {
  const { name } = source;
  if (!(err instanceof MappingError) || !err.path || !err.message.startsWith(`${name}:`)) return err;
  const offset = keyOffset(source.doc.contents, err.path);
  if (offset === undefined) return err;
  const { line, col } = source.lines.linePos(offset);
  return new MappingError(`${name}:${line}:${col}:${err.message.slice(name.length + 1)}`, err.path);
}

/** Where the last key of `path` is written (its value, for a list item); the nearest enclosing one when not there. */
function keyOffset(node: unknown, path: readonly (string | number)[]): number | undefined {
  let at: number | undefined = (node as Node | null)?.range?.[0];
  let current: unknown = node;
  for (const step of path) {
    if (isMap(current)) {
      const pair = current.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === step);
      if (!pair) return at;
      at = (pair.key as Node).range?.[0] ?? at;
      current = pair.value;
    } else if (current && typeof step === 'number' && Array.isArray((current as { items?: unknown }).items)) {
      const item = (current as { items: unknown[] }).items[step] as Node | undefined;
      if (!item) return at;
      at = item.range?.[0] ?? at;
      current = item;
    } else {
      return at;
    }
  }
  return at;
}

/** Validates the shape of a mapping (unknown keys are refused with the valid ones listed). */
export function checkMappingSpec(data: unknown, name = 'mapping'): MappingSpec {
  if (!isObject(data)) throw new MappingError(`${name} must be a map of sections (${TOP_LEVEL.join(', ')}).`);
  unknownKeys(data, TOP_LEVEL, name);
  const spec: MappingSpec = {};
  // Checking the explicit assignments checks every column reference of the three sections.
  const sections = { lead: LEAD_FIELDS, person: PERSON_FIELDS, organization: ORGANIZATION_FIELDS } as const;
  for (const [key, allowed] of Object.entries(sections) as [keyof typeof sections, readonly string[]][]) {
    const value = data[key];
    if (value === undefined || value === null) continue;
    if (!isObject(value)) throw new MappingError(`${name}: "${key}" must be a map of field: column.`);
    unknownKeys(value, allowed, `${name}: ${key}`, [key]);
    (spec as Record<string, unknown>)[key] = value;
  }
  for (const section of Object.keys(CUSTOM_SECTIONS) as (keyof typeof CUSTOM_SECTIONS)[]) {
    const custom = data[section];
    if (custom === undefined || custom === null) continue;
    if (!isObject(custom)) {
      throw new MappingError(`${name}: ${section} must be a map of Pipedrive field name: column.`);
    }
    for (const [field, target] of Object.entries(custom)) {
      const okColumn = typeof target === 'string' && target.trim() !== '';
      const column =
        isObject(target) && (typeof target.column === 'string' || typeof target.column === 'number');
      const okObject =
        isObject(target) &&
        Object.keys(target).every((k) => k === 'column' || k === 'value' || k === 'occurrence') &&
        column !== (target.value !== undefined && target.value !== null) &&
        (column || target.occurrence === undefined);
      if (!okColumn && !okObject) {
        throw new MappingError(
          `${name}: ${section}."${field}" must be a column name, or { column: NAME }, { column: 9 } (the column's number) or { value: CONSTANT }.`,
          [section, field],
        );
      }
    }
    spec[section] = Object.fromEntries(
      Object.entries(custom).map(([k, v]) => [
        k,
        isObject(v)
          ? v.column !== undefined && v.column !== null
            ? {
                column: v.column as string | number,
                ...(v.occurrence !== undefined ? { occurrence: v.occurrence as number } : {}),
              }
            : { value: String(v.value) }
          : String(v),
      ]),
    );
  }
  if (data.ignore !== undefined && data.ignore !== null) {
    const list = typeof data.ignore === 'string' || isObject(data.ignore) ? [data.ignore] : data.ignore;
    const bad = Array.isArray(list)
      ? list.findIndex(
          (c) => !isObject(c) && typeof c !== 'number' && (typeof c !== 'string' || c.trim() === ''),
        )
      : -1;
    if (!Array.isArray(list) || bad !== -1) {
      throw new MappingError(
        `${name}: ignore must be a list of column names, e.g. ignore: [Record ID, Lead Status]${bad === -1 ? '' : `; entry ${bad + 1} is ${JSON.stringify((list as unknown[])[bad]) ?? 'empty'}`}.`,
        bad === -1 ? ['ignore'] : ['ignore', bad],
      );
    }
    // A column by its number or occurrence ({ column: 9 }) is checked as where a field names one.
    // A bare number is refused saying how to write it either way.
    list.forEach((c, i) => {
      if (isObject(c) || typeof c === 'number') columnReference(c, `ignore[${i}]`, name);
    });
    spec.ignore = list as ColumnRef[];
  }
  const defaults = data.defaults;
  if (defaults !== undefined && defaults !== null) {
    if (!isObject(defaults)) throw new MappingError(`${name}: defaults must be a map.`);
    unknownKeys(defaults, DEFAULT_KEYS, `${name}: defaults`, ['defaults']);
    spec.defaults = defaults as MappingDefaults;
  }
  if (data.auto !== undefined) {
    if (typeof data.auto !== 'boolean')
      throw new MappingError(`${name}: auto must be true or false, got ${JSON.stringify(data.auto)}.`, [
        'auto',
      ]);
    spec.auto = data.auto;
  }
  explicitAssignments(spec, name);
  return spec;
}

/** A note column, or one kept at the note's end after a label. */
export type NoteColumn =
  | ColumnRef
  | { column: ColumnName | number | ColumnRef[]; occurrence?: number; label?: string; flag?: boolean };

/** Columns a one-column field reads in turn after its first, at most (found by name, or a mapping file's list). */
export const MAX_FALLBACKS = 4;

/** One column the mapping file assigns to a field. */
export interface Assignment {
  column: ColumnReference;
  target: Target;
  /** A note column the mapping file labels: its values go to the note's end as `label: value`. */
  noteLabel?: string;
  /** A labelled note column of a yes/no flag (`Do not call`): only a set value goes to the note, and is said. */
  noteFlag?: true;
  /** Where the mapping file says it, for messages: `person.email`, `custom_fields."Segment"`. */
  where: string;
  /** A later column of a one-column field's list (`name: [Full name, Name]`): read where the ones before are empty. */
  fallback?: true;
  /** The label's column (`label_column`), where the mapping file names it by its number or occurrence. */
  labelAt?: ColumnReference;
  /** The extension's column (`extension_column`), where the mapping file names it by its number or occurrence. */
  extensionAt?: ColumnReference;
}

/** A constant the mapping file gives a custom field (`{ value: … }`). */
export interface CustomConstant {
  of: Entity;
  name: string;
  value: string;
}

/**
 * The mapping file's explicit column assignments, one per column reference, in the file's order.
 * Throws a {@link MappingError} naming the entry when one is not a column name of the right form.
 */
export function explicitAssignments(spec: MappingSpec, name = 'mapping'): Assignment[] {
  const out: Assignment[] = [];
  const column = (value: unknown, where: string): ColumnReference => columnReference(value, where, name);
  /**
   * A label's or an extension's column: its name as the target keeps it, or where the mapping file names it by its
   * number or occurrence, that reference (the target takes the column's name once the header says it).
   */
  const besideColumn = (value: unknown, where: string): { name?: string; at?: ColumnReference } => {
    const ref = columnReference(value, where, name);
    return 'name' in ref && ref.occurrence === undefined ? { name: ref.name } : { at: ref };
  };
  // A one-column field may name several columns, read in turn: a row takes the first that is not empty.
  const single = (value: unknown, field: string, target: Target): Assignment[] => {
    const list = toList(value);
    inTurn(list, field);
    return list.map((c, i) => {
      const where = `${field}${Array.isArray(value) ? `[${i}]` : ''}`;
      return { column: column(c, where), target, where, ...(i > 0 ? { fallback: true as const } : {}) };
    });
  };
  /** A list of columns read in turn: one at least, a few at most, each once. */
  const inTurn = (list: unknown[], where: string) => {
    const twice = list.findIndex((c, i) => list.indexOf(c) !== i);
    const problem =
      list.length === 0
        ? 'lists no column'
        : list.length > MAX_FALLBACKS + 1
          ? `lists ${list.length} columns, more than the ${MAX_FALLBACKS + 1} a field reads in turn`
          : twice !== -1
            ? `lists column ${JSON.stringify(list[twice])} twice`
            : undefined;
    if (problem) {
      throw new MappingError(
        `${name}: ${where} ${problem}; give a column name, or a list of the columns a row takes the first filled of.`,
        mappingPath(where),
      );
    }
  };
  for (const [field, value] of Object.entries(spec.lead ?? {})) {
    if (field === 'note') {
      for (const [i, c] of toList(value).entries()) {
        const where = `lead.note${Array.isArray(value) ? `[${i}]` : ''}`;
        if (isObject(c)) {
          unknownKeys(c, ['column', 'occurrence', 'label', 'flag'], `${name}: ${where}`, mappingPath(where));
          if (c.flag !== undefined && (typeof c.flag !== 'boolean' || typeof c.label !== 'string')) {
            throw new MappingError(
              `${name}: ${where}.flag must be true or false, beside a label (a flag's set values go to the note as "label: value"), got ${JSON.stringify(c.flag)}.`,
              mappingPath(`${where}.flag`),
            );
          }
          const label = c.label;
          if (label !== undefined && (typeof label !== 'string' || !/^[^\r\n:]{1,50}$/.test(label.trim()))) {
            throw new MappingError(
              `${name}: ${where}.label must be a short text without a colon or a line break (the note's line reads "label: value"), got ${JSON.stringify(label)}.`,
              mappingPath(`${where}.label`),
            );
          }
          // Several columns under one label (`column: [LinkedIn, Profile URL]`): a row's first that is not empty.
          if (Array.isArray(c.column)) {
            inTurn(c.column, `${where}.column`);
            if (c.occurrence !== undefined) {
              throw new MappingError(
                `${name}: ${where}.occurrence picks among the columns of one name, and ${where}.column lists several: give each its own, column: [{ column: LinkedIn, occurrence: 2 }, URL].`,
                mappingPath(`${where}.occurrence`),
              );
            }
            if (typeof label !== 'string') {
              throw new MappingError(
                `${name}: ${where} lists columns read in turn without a label: give it a label (the note's line reads "label: value"), or list each column as a note of its own.`,
                mappingPath(`${where}.column`),
              );
            }
          }
          for (const [k, listed] of toList(c.column).entries()) {
            const at = `${where}.column${Array.isArray(c.column) ? `[${k}]` : ''}`;
            out.push({
              column: Array.isArray(c.column)
                ? column(listed, at)
                : columnAt(listed, at, name, c.occurrence, `${where}.occurrence`),
              target: { entity: 'lead', field: 'note' },
              where: Array.isArray(c.column) ? at : 'lead.note',
              ...(typeof label === 'string' ? { noteLabel: label.trim() } : {}),
              ...(c.flag === true ? { noteFlag: true as const } : {}),
              ...(k > 0 ? { fallback: true as const } : {}),
            });
          }
          continue;
        }
        out.push({ column: column(c, where), target: { entity: 'lead', field: 'note' }, where: 'lead.note' });
      }
    } else {
      out.push(
        ...single(value, `lead.${field}`, {
          entity: 'lead',
          field: field as Exclude<(typeof LEAD_FIELDS)[number], 'note'>,
        }),
      );
    }
  }
  for (const [field, value] of Object.entries(spec.person ?? {})) {
    if (field === 'email' || field === 'phone') {
      for (const [i, item] of toList(value).entries()) {
        const where = `person.${field}${Array.isArray(value) ? `[${i}]` : ''}`;
        if (isObject(item)) {
          unknownKeys(
            item,
            field === 'phone'
              ? ['column', 'occurrence', 'label', 'label_column', 'extension_column']
              : ['column', 'occurrence', 'label', 'label_column'],
            `${name}: ${where}`,
            mappingPath(where),
          );
          const label = item.label;
          if (label !== undefined && !(CONTACT_LABELS as readonly unknown[]).includes(label)) {
            throw new MappingError(`${name}: ${where}.label must be one of ${CONTACT_LABELS.join(', ')}.`);
          }
          const labelColumn =
            item.label_column !== undefined ? besideColumn(item.label_column, `${where}.label_column`) : {};
          const extensionColumn =
            item.extension_column !== undefined
              ? besideColumn(item.extension_column, `${where}.extension_column`)
              : {};
          out.push({
            column: columnAt(item.column, `${where}.column`, name, item.occurrence, `${where}.occurrence`),
            target: {
              entity: 'person',
              field,
              ...(label ? { label: label as ContactLabel } : {}),
              ...(labelColumn.name ? { labelColumn: labelColumn.name } : {}),
              ...(extensionColumn.name ? { extensionColumn: extensionColumn.name } : {}),
            },
            where,
            ...(labelColumn.at ? { labelAt: labelColumn.at } : {}),
            ...(extensionColumn.at ? { extensionAt: extensionColumn.at } : {}),
          });
        } else {
          out.push({ column: column(item, where), target: { entity: 'person', field }, where });
        }
      }
    } else if (field === 'postal_address') {
      out.push(...addressAssignments(value, 'person', name));
    } else {
      out.push(
        ...single(value, `person.${field}`, {
          entity: 'person',
          field: field as Exclude<(typeof PERSON_FIELDS)[number], 'email' | 'phone' | 'postal_address'>,
        }),
      );
    }
  }
  for (const [field, value] of Object.entries(spec.organization ?? {})) {
    if (field === 'address') {
      out.push(...addressAssignments(value, 'organization', name));
    } else if (field === 'website' && isObject(value)) {
      const site = value as Record<string, unknown>;
      unknownKeys(site, ['column', 'occurrence', 'label_column'], `${name}: organization.website`, [
        'organization',
        'website',
      ]);
      const labelColumn =
        site.label_column !== undefined
          ? besideColumn(site.label_column, 'organization.website.label_column')
          : {};
      out.push({
        column: columnAt(
          site.column,
          'organization.website.column',
          name,
          site.occurrence,
          'organization.website.occurrence',
        ),
        target: {
          entity: 'organization',
          field: 'website',
          ...(labelColumn.name ? { labelColumn: labelColumn.name } : {}),
        },
        where: 'organization.website',
        ...(labelColumn.at ? { labelAt: labelColumn.at } : {}),
      });
    } else {
      out.push(
        ...single(value, `organization.${field}`, {
          entity: 'organization',
          field: field as Exclude<(typeof ORGANIZATION_FIELDS)[number], 'address'>,
        }),
      );
    }
  }
  for (const [section, of] of Object.entries(CUSTOM_SECTIONS) as [keyof typeof CUSTOM_SECTIONS, Entity][]) {
    for (const [field, target] of Object.entries(spec[section] ?? {})) {
      const at = `${section}."${field}"`;
      const col =
        typeof target === 'string'
          ? column(target, at)
          : target.column !== undefined
            ? columnAt(target.column, `${at}.column`, name, target.occurrence, `${at}.occurrence`)
            : undefined;
      if (col !== undefined) {
        out.push({
          column: col,
          target: { entity: 'custom', of, name: field },
          where: `${section}."${field}"`,
        });
      }
    }
  }
  return out;

  function addressAssignments(value: unknown, entity: 'person' | 'organization', file: string): Assignment[] {
    const field = entity === 'person' ? 'postal_address' : 'address';
    const where = `${entity}.${field}`;
    // The whole address in one column: its name, or `{ column: 9 }`.
    if (typeof value === 'string' || typeof value === 'number' || (isObject(value) && 'column' in value)) {
      return [{ column: column(value, where), target: { entity, field } as Target, where }];
    }
    if (!isObject(value)) {
      throw new MappingError(
        `${file}: ${where} must be a column name, or a map of ${[...ADDRESS_PARTS, 'full'].join(', ')} to columns.`,
      );
    }
    unknownKeys(value, [...ADDRESS_PARTS, 'full'], `${file}: ${where}`, mappingPath(where));
    return Object.entries(value).flatMap(([part, columns]) =>
      toList(columns).map((c, i) => ({
        column: column(c, `${where}.${part}${Array.isArray(columns) ? `[${i}]` : ''}`),
        target: (part === 'full'
          ? { entity, field }
          : { entity, field, part: part as AddressPart }) as Target,
        where: `${where}.${part}`,
      })),
    );
  }
}

/** The path into the mapping file of an entry as messages name it: `person.email[0].column`, `custom_fields."Segment"`. */
export function mappingPath(where: string): (string | number)[] {
  return [...where.matchAll(/"([^"]*)"|\[(\d+)\]|([^.[\]"]+)/g)].map((m) =>
    m[2] !== undefined ? Number(m[2]) : (m[1] ?? m[3] ?? ''),
  );
}

/** The constants the mapping file gives custom fields. */
export function customConstants(spec: MappingSpec): CustomConstant[] {
  const out: CustomConstant[] = [];
  for (const [section, of] of Object.entries(CUSTOM_SECTIONS) as [keyof typeof CUSTOM_SECTIONS, Entity][]) {
    for (const [name, target] of Object.entries(spec[section] ?? {})) {
      if (typeof target !== 'string' && target.value !== undefined)
        out.push({ of, name, value: target.value });
    }
  }
  return out;
}

function toList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function unknownKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
  path: readonly (string | number)[] = [],
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new MappingError(
        `${where}: unknown key "${key}"${didYouMean(key, allowed)}; valid keys are ${allowed.join(', ')}.`,
        [...path, key],
      );
    }
  }
}

/**
 * ` (did you mean "Email"?)` when one of `candidates` is a likely spelling of `wanted` (case, spaces, a letter or two
 * off: at most 2 edits, or a quarter of the name for long ones), else the empty string: for a mapping's keys, and for
 * the columns and fields it names.
 */
export function didYouMean(wanted: string, candidates: readonly string[]): string {
  // Compared as letters and digits only: "E-mial" is one swap from "Email".
  const bare = (name: string) => name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  const best = nearest(wanted, candidates, Math.max(2, Math.floor(bare(wanted).length / 4)), bare);
  return best !== undefined ? ` (did you mean "${best}"?)` : '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
