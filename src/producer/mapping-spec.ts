import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MappingError } from './errors.js';

/**
 * What a mapping file says, before it meets a CSV header and Pipedrive. Fields map to column
 * names (matched case- and punctuation-insensitively). Example (`examples/mapping.yaml`):
 *
 * ```yaml
 * lead:
 *   title: Opportunity
 *   value: Deal size
 *   labels: Tags
 * person: { name: Contact, email: E-mail }
 * organization: { name: Company }
 * custom_fields:
 *   Segment: Tier            # a deal field by its Pipedrive name ← a column
 *   Website: { value: n/a }  # or a constant
 * defaults: { currency: EUR, labels: [Warm], title_template: "{organization} – {name}" }
 * ```
 */
export interface MappingSpec {
  lead?: Partial<Record<LeadColumnField, string>>;
  person?: Partial<Record<PersonColumnField, string>>;
  organization?: Partial<Record<'name', string>>;
  /** Deal/lead custom fields by Pipedrive name (or 40-hex key): a column, or `{ value }` for a constant. */
  custom_fields?: Record<string, string | { column?: string; value?: string }>;
  defaults?: MappingDefaults;
  /** Map well-known headers the file does not mention. @defaultValue true */
  auto?: boolean;
}

export interface MappingDefaults {
  /** Currency of amounts that name none. @defaultValue the API user's default currency */
  currency?: string;
  /** Owner (user email) of every lead, person and organization without an owner column. */
  owner?: string;
  /** Labels (names) given to every lead, added to those of a labels column. */
  labels?: string[] | string;
  /** Visibility of every lead without a visibility column (1, 3, 5, 7 or a word). */
  visible_to?: string | number;
  /** Marketing channel (a name) of every lead without a channel column. */
  channel?: string;
  /** `origin_id` of every lead. @defaultValue the import id */
  origin_id?: string;
  /** `{organization} – {name}`; placeholders are fields or column names. */
  title_template?: string;
  /** `DD/MM/YYYY` or `MM/DD/YYYY`, for dates like 03/04/2025. */
  date_format?: string;
}

export const LEAD_COLUMN_FIELDS = [
  'title',
  'value',
  'currency',
  'expected_close_date',
  'owner',
  'labels',
  'visible_to',
  'was_seen',
  'channel',
  'channel_id',
  'origin_id',
] as const;
export type LeadColumnField = (typeof LEAD_COLUMN_FIELDS)[number];

export const PERSON_COLUMN_FIELDS = ['name', 'first_name', 'last_name', 'email', 'phone'] as const;
export type PersonColumnField = (typeof PERSON_COLUMN_FIELDS)[number];

/** Every field a column can fill, named as the mapping file and `--dry-run` name them. */
export type FieldPath = `lead.${LeadColumnField}` | `person.${PersonColumnField}` | 'organization.name';

export const FIELD_PATHS: readonly FieldPath[] = [
  ...LEAD_COLUMN_FIELDS.map((f) => `lead.${f}` as const),
  ...PERSON_COLUMN_FIELDS.map((f) => `person.${f}` as const),
  'organization.name',
];

const TOP_LEVEL = ['lead', 'person', 'organization', 'custom_fields', 'defaults', 'auto'];
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

/** Reads and checks a mapping file (`.yaml`, `.yml` or `.json`). Throws {@link MappingError}. */
export async function loadMappingFile(path: string): Promise<MappingSpec> {
  const name = basename(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MappingError(
      code === 'ENOENT'
        ? `Mapping file ${path} does not exist.`
        : `Cannot read mapping file ${path}: ${(err as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new MappingError(
      `${name} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
  return checkMappingSpec(data ?? {}, name);
}

/** Validates the shape of a mapping (unknown keys are refused with the valid ones listed). */
export function checkMappingSpec(data: unknown, name = 'mapping'): MappingSpec {
  if (!isObject(data)) throw new MappingError(`${name} must be a map of sections (${TOP_LEVEL.join(', ')}).`);
  unknownKeys(data, TOP_LEVEL, name);
  const section = (key: string, allowed: readonly string[]) => {
    const value = data[key];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) throw new MappingError(`${name}: "${key}" must be a map of field: column.`);
    unknownKeys(value, allowed, `${name}: ${key}`);
    for (const [field, column] of Object.entries(value)) {
      if (typeof column !== 'string' || column.trim() === '') {
        throw new MappingError(
          `${name}: ${key}.${field} must be a column name (text), got ${JSON.stringify(column)}.`,
        );
      }
    }
    return value as Record<string, string>;
  };
  const spec: MappingSpec = {};
  const lead = section('lead', LEAD_COLUMN_FIELDS);
  if (lead) spec.lead = lead;
  const person = section('person', PERSON_COLUMN_FIELDS);
  if (person) spec.person = person;
  const organization = section('organization', ['name']);
  if (organization) spec.organization = organization;
  const custom = data.custom_fields;
  if (custom !== undefined && custom !== null) {
    if (!isObject(custom))
      throw new MappingError(`${name}: custom_fields must be a map of Pipedrive field name: column.`);
    for (const [field, target] of Object.entries(custom)) {
      const okColumn = typeof target === 'string' && target.trim() !== '';
      const okObject =
        isObject(target) &&
        Object.keys(target).every((k) => k === 'column' || k === 'value') &&
        (typeof target.column === 'string') !== (target.value !== undefined && target.value !== null);
      if (!okColumn && !okObject) {
        throw new MappingError(
          `${name}: custom_fields."${field}" must be a column name, or { column: NAME } or { value: CONSTANT }.`,
        );
      }
    }
    spec.custom_fields = Object.fromEntries(
      Object.entries(custom).map(([k, v]) => [
        k,
        isObject(v)
          ? { ...(v.column ? { column: String(v.column) } : { value: String(v.value) }) }
          : String(v),
      ]),
    );
  }
  const defaults = data.defaults;
  if (defaults !== undefined && defaults !== null) {
    if (!isObject(defaults)) throw new MappingError(`${name}: defaults must be a map.`);
    unknownKeys(defaults, DEFAULT_KEYS, `${name}: defaults`);
    spec.defaults = defaults as MappingDefaults;
  }
  if (data.auto !== undefined) {
    if (typeof data.auto !== 'boolean') throw new MappingError(`${name}: auto must be true or false.`);
    spec.auto = data.auto;
  }
  return spec;
}

function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new MappingError(`${where}: unknown key "${key}"; valid keys are ${allowed.join(', ')}.`);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
