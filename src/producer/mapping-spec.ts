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

/** An email or phone column, with the label Pipedrive shows (work, home, mobile, other). */
export interface LabelledColumn {
  column: ColumnName;
  /** @defaultValue `work` */
  label?: ContactLabel;
  /** A column holding each row's label (Google's `E-mail 1 - Label`: `* Work`, `Home`…). */
  label_column?: ColumnName;
  /** Phones only: a column holding each number's extension (Keap's `Phone 1 Ext`), added as `… ext. 89`. */
  extension_column?: ColumnName;
}

/**
 * An address in one column, or spread over several: each part a column (street lines a list), and
 * `full` a column with the whole address beside the parts.
 */
export type AddressSpec = ColumnName | Partial<Record<AddressPart | 'full', ColumnName | ColumnName[]>>;

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
  lead?: Partial<Record<Exclude<(typeof LEAD_FIELDS)[number], 'note'>, ColumnName | ColumnName[]>> & {
    /** Columns whose text makes the note; one with a `label` goes to its end as `label: value` (`LinkedIn: …`). */
    note?: NoteColumn | NoteColumn[];
  };
  person?: Partial<
    Record<
      Exclude<(typeof PERSON_FIELDS)[number], 'email' | 'phone' | 'postal_address'>,
      ColumnName | ColumnName[]
    >
  > & {
    email?: ColumnName | LabelledColumn | (ColumnName | LabelledColumn)[];
    phone?: ColumnName | LabelledColumn | (ColumnName | LabelledColumn)[];
    postal_address?: AddressSpec;
  };
  organization?: Partial<
    Record<Exclude<(typeof ORGANIZATION_FIELDS)[number], 'address' | 'website'>, ColumnName | ColumnName[]>
  > & {
    address?: AddressSpec;
    /** Or `{ column, label_column }`: only a site whose label (Google's `Website 1 - Label`) says Work. */
    website?: ColumnName | ColumnName[] | { column: ColumnName; label_column?: ColumnName };
  };
  /** Deal/lead custom fields by Pipedrive name (or 40-hex key): a column, or `{ value }` for a constant. */
  custom_fields?: CustomFieldsSpec;
  /** Person custom fields by Pipedrive name (or 40-hex key). */
  person_custom_fields?: CustomFieldsSpec;
  /** Organization custom fields by Pipedrive name (or 40-hex key). */
  organization_custom_fields?: CustomFieldsSpec;
  /** Columns never imported, even when their header would map itself. */
  ignore?: ColumnName[];
  defaults?: MappingDefaults;
  /** Map headers the file does not mention (from the conventions of known systems). @defaultValue true */
  auto?: boolean;
}

export type CustomFieldsSpec = Record<string, ColumnName | { column?: ColumnName; value?: string }>;

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
      const okObject =
        isObject(target) &&
        Object.keys(target).every((k) => k === 'column' || k === 'value') &&
        (typeof target.column === 'string') !== (target.value !== undefined && target.value !== null);
      if (!okColumn && !okObject) {
        throw new MappingError(
          `${name}: ${section}."${field}" must be a column name, or { column: NAME } or { value: CONSTANT }.`,
          [section, field],
        );
      }
    }
    spec[section] = Object.fromEntries(
      Object.entries(custom).map(([k, v]) => [
        k,
        isObject(v)
          ? { ...(v.column ? { column: String(v.column) } : { value: String(v.value) }) }
          : String(v),
      ]),
    );
  }
  if (data.ignore !== undefined && data.ignore !== null) {
    const list = typeof data.ignore === 'string' ? [data.ignore] : data.ignore;
    const bad = Array.isArray(list) ? list.findIndex((c) => typeof c !== 'string' || c.trim() === '') : -1;
    if (!Array.isArray(list) || bad !== -1) {
      throw new MappingError(
        `${name}: ignore must be a list of column names, e.g. ignore: [Record ID, Lead Status]${bad === -1 ? '' : `; entry ${bad + 1} is ${JSON.stringify((list as unknown[])[bad]) ?? 'empty'}`}.`,
        bad === -1 ? ['ignore'] : ['ignore', bad],
      );
    }
    spec.ignore = list as string[];
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
export type NoteColumn = ColumnName | { column: ColumnName | ColumnName[]; label?: string; flag?: boolean };

/** Columns a one-column field reads in turn after its first, at most (found by name, or a mapping file's list). */
export const MAX_FALLBACKS = 4;

/** One column the mapping file assigns to a field. */
export interface Assignment {
  column: ColumnName;
  target: Target;
  /** A note column the mapping file labels: its values go to the note's end as `label: value`. */
  noteLabel?: string;
  /** A labelled note column of a yes/no flag (`Do not call`): only a set value goes to the note, and is said. */
  noteFlag?: true;
  /** Where the mapping file says it, for messages: `person.email`, `custom_fields."Segment"`. */
  where: string;
  /** A later column of a one-column field's list (`name: [Full name, Name]`): read where the ones before are empty. */
  fallback?: true;
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
  const column = (value: unknown, where: string): string => {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new MappingError(
        `${name}: ${where} must be a column name (text), got ${JSON.stringify(value)}.`,
        mappingPath(where),
      );
    }
    return value;
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
          unknownKeys(c, ['column', 'label', 'flag'], `${name}: ${where}`);
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
              column: column(listed, at),
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
              ? ['column', 'label', 'label_column', 'extension_column']
              : ['column', 'label', 'label_column'],
            `${name}: ${where}`,
          );
          const label = item.label;
          if (label !== undefined && !(CONTACT_LABELS as readonly unknown[]).includes(label)) {
            throw new MappingError(`${name}: ${where}.label must be one of ${CONTACT_LABELS.join(', ')}.`);
          }
          const labelColumn =
            item.label_column !== undefined ? column(item.label_column, `${where}.label_column`) : undefined;
          const extensionColumn =
            item.extension_column !== undefined
              ? column(item.extension_column, `${where}.extension_column`)
              : undefined;
          out.push({
            column: column(item.column, `${where}.column`),
            target: {
              entity: 'person',
              field,
              ...(label ? { label: label as ContactLabel } : {}),
              ...(labelColumn ? { labelColumn } : {}),
              ...(extensionColumn ? { extensionColumn } : {}),
            },
            where,
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
      unknownKeys(site, ['column', 'label_column'], `${name}: organization.website`);
      const labelColumn =
        site.label_column !== undefined
          ? column(site.label_column, 'organization.website.label_column')
          : undefined;
      out.push({
        column: column(site.column, 'organization.website.column'),
        target: { entity: 'organization', field: 'website', ...(labelColumn ? { labelColumn } : {}) },
        where: 'organization.website',
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
      const col = typeof target === 'string' ? target : target.column;
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
    if (typeof value === 'string') {
      return [{ column: column(value, where), target: { entity, field } as Target, where }];
    }
    if (!isObject(value)) {
      throw new MappingError(
        `${file}: ${where} must be a column name, or a map of ${[...ADDRESS_PARTS, 'full'].join(', ')} to columns.`,
      );
    }
    unknownKeys(value, [...ADDRESS_PARTS, 'full'], `${file}: ${where}`);
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
