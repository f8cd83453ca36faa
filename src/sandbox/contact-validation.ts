/**
 * Validation of v2 person and organization writes (pipedrive-api.md §5.2–5.3, §9.7). Creates (POST)
 * and updates (PATCH) share the field rules. API v2 is strict: nothing is coerced, so a numeric string
 * is not a number and 0/1 are not booleans. Standard `enum`/`set` fields and custom fields are checked
 * against the company's field catalogues (`GET /v1/personFields`, `/v1/organizationFields`). A
 * custom-field key that the catalogue does not know is ignored, as Pipedrive ignores deleted fields
 * (DOCS-custom-fields).
 *
 * Choices where Pipedrive is undocumented (each can be observed in tests):
 * - `null` clears a field on PATCH; clearing `name`, `owner_id`, `visible_to` or `marketing_status` is
 *   refused, because every contact has them. On POST, `null` means "not set".
 * - A PATCH that names no field the endpoint knows is refused ("nothing to update"): it would cost 5
 *   tokens for nothing, and it usually means a misspelt key.
 * - Address objects accept only the parts of SDK-33 `PersonItemAddress`/`OrganizationItemAddress`.
 */
import type {
  ContactDetail,
  MarketingStatus,
  Person,
  PipedriveField,
  PostalAddress,
  VisibleToV2,
} from '../pipedrive/types.js';
import type { SandboxStore } from './store.js';
import { isCalendarDate, isRfc3339 } from './time.js';
import { fail, isInteger, isObject, mustExist, owner, run, type Validation } from './validation.js';

/** What one person write sets, under the API's names; a key is present only when the body sent it. */
export interface PersonWrite {
  name?: string;
  first_name?: string | null;
  last_name?: string | null;
  owner_id?: number;
  org_id?: number | null;
  emails?: ContactDetail[];
  phones?: ContactDetail[];
  visible_to?: VisibleToV2;
  label_ids?: number[];
  add_time?: string;
  /** Only catalogue fields; a `null` value clears that field. */
  custom_fields?: Record<string, unknown>;
  notes?: string | null;
  marketing_status?: MarketingStatus;
  job_title?: string | null;
  birthday?: string | null;
  postal_address?: PostalAddress | null;
}

/** What one organization write sets; a key is present only when the body sent it. */
export interface OrganizationWrite {
  name?: string;
  owner_id?: number;
  visible_to?: VisibleToV2;
  label_ids?: number[];
  address?: PostalAddress | null;
  add_time?: string;
  custom_fields?: Record<string, unknown>;
  notes?: string | null;
  website?: string | null;
  linkedin?: string | null;
  industry?: number | null;
  annual_revenue?: number | null;
  employee_count?: number | null;
}

/** Company settings that change what a person write may contain. */
export interface ContactRules {
  /** The company uses Campaigns, so `marketing_status` is accepted. */
  campaigns: boolean;
}

/** Text fields (`varchar`) hold 255 characters (pipedrive-api.md §9.6). */
const MAX_VARCHAR = 255;
/** Long text (`text`) fields hold about 65k characters (SPEC-v1 field types). */
const MAX_TEXT = 65_535;
/** Contact-sync notes of a person hold 10,000 characters (SDK-33 `add-person-request.d.ts`). */
const MAX_PERSON_NOTES = 10_000;
const ADDRESS_PARTS = [
  'value',
  'country',
  'admin_area_level_1',
  'admin_area_level_2',
  'locality',
  'sublocality',
  'route',
  'street_number',
  'subpremise',
  'postal_code',
] as const;
const MARKETING_STATUSES: readonly string[] = ['no_consent', 'unsubscribed', 'subscribed', 'archived'];
const VISIBLE_TO_V2 = new Set([1, 3, 5, 7]);

type Body = Record<string, unknown>;

/** A short rendering of a rejected value for messages. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function sent(body: Body, key: string): boolean {
  return Object.hasOwn(body, key) && body[key] !== undefined;
}

function text(where: string, value: unknown, max: number): string {
  if (typeof value !== 'string') fail(`${where} must be a string, got ${shown(value)}`);
  if (value.length > max) fail(`${where} must be at most ${max} characters, got ${value.length}`);
  return value;
}

/** A text field that `null` clears; undefined when not sent. */
function optionalText(body: Body, key: string, max = MAX_VARCHAR): string | null | undefined {
  if (!sent(body, key)) return undefined;
  return body[key] === null ? null : text(key, body[key], max);
}

function optionList(field: PipedriveField): string {
  return (field.options ?? []).map((o) => `${o.id} (${o.label})`).join(', ');
}

function optionId(field: PipedriveField, where: string, value: unknown): number {
  if (!isInteger(value) || !field.options?.some((o) => o.id === value)) {
    fail(`${where} must be one of the field's option ids: ${optionList(field)}; got ${shown(value)}`);
  }
  return value;
}

/** `postal_address` of a person, `address` of an organization, or an `address` custom field. */
function address(where: string, value: unknown): PostalAddress | null {
  if (value === null) return null;
  if (!isObject(value)) {
    fail(`${where} must be an object { value, country, locality, postal_code, … }, got ${shown(value)}`);
  }
  if (typeof value.value !== 'string' || value.value.trim() === '') {
    fail(`${where}.value is required when ${where} is set: the full address as one line`);
  }
  const out: Record<string, string> = {};
  for (const [part, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    if (!(ADDRESS_PARTS as readonly string[]).includes(part)) {
      fail(`${where}.${part} is not an address part; use ${ADDRESS_PARTS.join(', ')}`);
    }
    out[part] = text(`${where}.${part}`, v, MAX_VARCHAR);
  }
  return out as unknown as PostalAddress;
}

/** One custom-field value, checked by the field's type; v2 formats (monetary as `{ value, currency }`). */
function customValue(store: SandboxStore, field: PipedriveField, where: string, value: unknown): unknown {
  switch (field.field_type) {
    case 'varchar':
    case 'varchar_auto':
    case 'phone':
      return text(where, value, MAX_VARCHAR);
    case 'text':
      return text(where, value, MAX_TEXT);
    case 'double':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        fail(`${where} must be a number (API v2 does not convert strings), got ${shown(value)}`);
      }
      return value;
    case 'int':
      if (!isInteger(value)) fail(`${where} must be an integer, got ${shown(value)}`);
      return value;
    case 'monetary': {
      if (!isObject(value))
        fail(`${where} must be an object { value, currency } in API v2, got ${shown(value)}`);
      const amount = value.value;
      if (typeof amount !== 'number' || !Number.isFinite(amount)) {
        fail(`${where}.value must be a number, got ${shown(amount)}`);
      }
      // A monetary value without currency takes the user's default currency (DOCS-custom-fields).
      const currency = value.currency ?? store.me.default_currency;
      if (typeof currency !== 'string' || !store.currencyCodes.has(currency)) {
        fail(
          `${where}.currency must be a currency code of this company (GET /v1/currencies), got ${shown(currency)}`,
        );
      }
      return { value: amount, currency };
    }
    case 'enum':
      return optionId(field, where, value);
    case 'set': {
      if (!Array.isArray(value))
        fail(`${where} must be an array of the field's option ids, got ${shown(value)}`);
      // "sending an empty array [] is not supported and will result in a validation error" (SDK-33).
      if (value.length === 0) fail(`${where}: use null, not [], to clear a set field`);
      return [...new Set(value.map((v) => optionId(field, where, v)))];
    }
    case 'date':
      if (!isCalendarDate(value)) fail(`${where} must be a date in YYYY-MM-DD format, got ${shown(value)}`);
      return value;
    case 'address':
      return address(where, value);
    default:
      return value;
  }
}

/**
 * A v2 `custom_fields` object checked against a field catalogue (persons', organizations', or deals' for a v2 deal):
 * keys the catalogue does not know, and standard fields, are ignored; `null` clears a field.
 */
export function customFields(
  store: SandboxStore,
  catalogue: ReadonlyMap<string, PipedriveField>,
  raw: unknown,
): Record<string, unknown> {
  if (raw === null) return {};
  if (!isObject(raw)) {
    fail('custom_fields must be an object keyed by the 40-character keys of the field catalogue');
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = catalogue.get(key);
    // Standard fields are not custom fields; unknown keys are ignored like deleted fields.
    if (value === undefined || !field?.edit_flag) continue;
    out[key] =
      value === null ? null : customValue(store, field, `custom_fields.${key} (${field.name})`, value);
  }
  return out;
}

function contactDetails(key: 'emails' | 'phones', raw: unknown): ContactDetail[] {
  if (raw === null) return [];
  if (!Array.isArray(raw)) fail(`${key} must be an array of objects { value, primary?, label? }`);
  const items = raw.map((item, i) => {
    // API v2 rejects v1's plain-string form (pipedrive-api.md §5.2).
    if (!isObject(item))
      fail(`${key}[${i}] must be an object { value, primary?, label? }, not a plain value`);
    if (typeof item.value !== 'string') fail(`${key}[${i}].value must be a string`);
    if (item.primary !== undefined && typeof item.primary !== 'boolean') {
      fail(`${key}[${i}].primary must be a boolean`);
    }
    if (item.label !== undefined && typeof item.label !== 'string')
      fail(`${key}[${i}].label must be a string`);
    return { value: item.value, primary: item.primary === true, label: (item.label as string) ?? 'work' };
  });
  const primaries = items.filter((i) => i.primary).length;
  if (primaries > 1) fail(`${key}: only one item can be primary`);
  if (primaries === 0 && items[0]) items[0].primary = true;
  return items;
}

function labelIds(body: Body, catalogue: ReadonlyMap<string, PipedriveField>, kind: string): number[] {
  const raw = body.label_ids;
  if (raw === null) return [];
  if (!Array.isArray(raw)) fail(`label_ids must be an array of ${kind} label ids (integers)`);
  const field = catalogue.get('label_ids');
  return [
    ...new Set(
      raw.map((id) => {
        if (!isInteger(id) || !field?.options?.some((o) => o.id === id)) {
          fail(
            `label_ids: ${shown(id)} is not a ${kind} label; the ${kind} labels are ${optionList(field!)}`,
          );
        }
        return id;
      }),
    ),
  ];
}

function visibleTo(body: Body, update: boolean): VisibleToV2 | undefined {
  const v = body.visible_to;
  if (v === null) {
    if (update) fail('visible_to cannot be cleared; send 1, 3, 5 or 7');
    return undefined;
  }
  if (!isInteger(v) || !VISIBLE_TO_V2.has(v))
    fail('visible_to must be one of 1, 3, 5, 7 (an integer in API v2)');
  return v as VisibleToV2;
}

function ownerId(store: SandboxStore, body: Body, update: boolean): number | undefined {
  const v = body.owner_id;
  if (v === null) {
    if (update) fail('owner_id cannot be cleared: every contact has an owner');
    return undefined;
  }
  if (!isInteger(v)) fail(`owner_id must be an integer (a user id), got ${shown(v)}`);
  return owner(store, v);
}

function nameOf(body: Body, update: boolean): string | undefined {
  const v = body.name;
  if (v === null) {
    if (update) fail('name cannot be cleared: a contact needs a name');
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') fail('name must be a non-empty string');
  return v;
}

function addTime(body: Body): string | undefined {
  const v = body.add_time;
  if (v === null) return undefined;
  if (!isRfc3339(v)) fail('add_time must be an RFC 3339 date-time, e.g. 2026-01-05T12:00:00Z');
  return v;
}

function organizationLink(store: SandboxStore, body: Body, update: boolean): number | null | undefined {
  const v = body.org_id;
  if (v === null) return update ? null : undefined;
  if (!isInteger(v)) fail(`org_id must be an integer, got ${shown(v)}`);
  mustExist(store, 'organization', v);
  return v;
}

function marketingStatus(body: Body, rules: ContactRules, update: boolean): MarketingStatus | undefined {
  const v = body.marketing_status;
  if (v === null && !update) return undefined;
  if (!rules.campaigns) {
    fail(
      'marketing_status is accepted only when the company uses Campaigns, and this company does not; leave marketing_status out',
    );
  }
  if (v === null) fail('marketing_status cannot be cleared; send no_consent instead');
  if (typeof v !== 'string' || !MARKETING_STATUSES.includes(v)) {
    fail(`marketing_status must be one of ${MARKETING_STATUSES.join(', ')}, got ${shown(v)}`);
  }
  return v as MarketingStatus;
}

/** Every person field the body sent, checked; shared by POST and PATCH. */
function personWrite(store: SandboxStore, body: Body, rules: ContactRules, update: boolean): PersonWrite {
  const w: PersonWrite = {};
  if (sent(body, 'name')) {
    const name = nameOf(body, update);
    if (name !== undefined) w.name = name;
  }
  for (const key of ['first_name', 'last_name'] as const) {
    const v = optionalText(body, key);
    if (v !== undefined) w[key] = v;
  }
  if (sent(body, 'owner_id')) {
    const v = ownerId(store, body, update);
    if (v !== undefined) w.owner_id = v;
  }
  if (sent(body, 'org_id')) {
    const v = organizationLink(store, body, update);
    if (v !== undefined) w.org_id = v;
  }
  if (sent(body, 'emails')) w.emails = contactDetails('emails', body.emails);
  if (sent(body, 'phones')) w.phones = contactDetails('phones', body.phones);
  if (sent(body, 'visible_to')) {
    const v = visibleTo(body, update);
    if (v !== undefined) w.visible_to = v;
  }
  if (sent(body, 'label_ids')) w.label_ids = labelIds(body, store.personFieldsByKey, 'person');
  if (sent(body, 'add_time')) {
    const v = addTime(body);
    if (v !== undefined) w.add_time = v;
  }
  if (sent(body, 'custom_fields')) {
    w.custom_fields = customFields(store, store.personFieldsByKey, body.custom_fields);
  }
  const notes = optionalText(body, 'notes', MAX_PERSON_NOTES);
  if (notes !== undefined) w.notes = notes;
  if (sent(body, 'marketing_status')) {
    const v = marketingStatus(body, rules, update);
    if (v !== undefined) w.marketing_status = v;
  }
  const jobTitle = optionalText(body, 'job_title');
  if (jobTitle !== undefined) w.job_title = jobTitle;
  if (sent(body, 'birthday')) {
    const v = body.birthday;
    if (v !== null && !isCalendarDate(v)) {
      fail(`birthday must be a date in YYYY-MM-DD format, e.g. 1990-04-01; got ${shown(v)}`);
    }
    w.birthday = v;
  }
  if (sent(body, 'postal_address')) w.postal_address = address('postal_address', body.postal_address);
  return w;
}

function splitName(name: string): { first: string; last: string | null } {
  const space = name.indexOf(' ');
  return space > 0
    ? { first: name.slice(0, space), last: name.slice(space + 1) }
    : { first: name, last: null };
}

/** `POST /api/v2/persons` (pipedrive-api.md §5.2): `name`, or `first_name`/`last_name` instead. */
export function validatePerson(
  store: SandboxStore,
  body: unknown,
  rules: ContactRules,
): Validation<PersonWrite & { name: string }> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const w = personWrite(store, body, rules, false);
    const first = w.first_name ?? null;
    const last = w.last_name ?? null;
    let name = w.name;
    if (name === undefined) {
      const joined = [first, last].filter(Boolean).join(' ');
      if (joined === '') fail('name is required (or first_name and last_name)');
      name = joined;
    }
    const split = splitName(name);
    return { ...w, name, first_name: first ?? split.first, last_name: last ?? split.last };
  });
}

/** `PATCH /api/v2/persons/{id}`: only what was sent; a new name splits into first and last name. */
export function validatePersonUpdate(
  store: SandboxStore,
  current: Person,
  body: unknown,
  rules: ContactRules,
): Validation<PersonWrite> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const w = personWrite(store, body, rules, true);
    if (Object.keys(w).length === 0) {
      fail('Nothing to update: the body names no person field (e.g. job_title, emails, custom_fields)');
    }
    if (w.name !== undefined) {
      const split = splitName(w.name);
      if (w.first_name === undefined) w.first_name = split.first;
      if (w.last_name === undefined) w.last_name = split.last;
    } else if (w.first_name !== undefined || w.last_name !== undefined) {
      const first = w.first_name !== undefined ? w.first_name : (current.first_name ?? null);
      const last = w.last_name !== undefined ? w.last_name : (current.last_name ?? null);
      const joined = [first, last].filter(Boolean).join(' ');
      if (joined === '') fail('first_name and last_name cannot both be empty: a person needs a name');
      Object.assign(w, { name: joined, first_name: first, last_name: last });
    }
    return w;
  });
}

/** Every organization field the body sent, checked; shared by POST and PATCH. */
function organizationWrite(store: SandboxStore, body: Body, update: boolean): OrganizationWrite {
  const w: OrganizationWrite = {};
  if (sent(body, 'name')) {
    const name = nameOf(body, update);
    if (name !== undefined) w.name = name;
  }
  if (sent(body, 'owner_id')) {
    const v = ownerId(store, body, update);
    if (v !== undefined) w.owner_id = v;
  }
  if (sent(body, 'visible_to')) {
    const v = visibleTo(body, update);
    if (v !== undefined) w.visible_to = v;
  }
  if (sent(body, 'label_ids')) w.label_ids = labelIds(body, store.organizationFieldsByKey, 'organization');
  if (sent(body, 'address')) w.address = address('address', body.address);
  if (sent(body, 'add_time')) {
    const v = addTime(body);
    if (v !== undefined) w.add_time = v;
  }
  if (sent(body, 'custom_fields')) {
    w.custom_fields = customFields(store, store.organizationFieldsByKey, body.custom_fields);
  }
  const notes = optionalText(body, 'notes', MAX_TEXT);
  if (notes !== undefined) w.notes = notes;
  for (const key of ['website', 'linkedin'] as const) {
    const v = optionalText(body, key);
    if (v !== undefined) w[key] = v;
  }
  if (sent(body, 'industry')) {
    const field = store.organizationFieldsByKey.get('industry')!;
    w.industry = body.industry === null ? null : optionId(field, 'industry', body.industry);
  }
  if (sent(body, 'employee_count')) {
    const v = body.employee_count;
    if (v !== null && (!isInteger(v) || v < 0)) {
      fail(`employee_count must be a whole number of employees (0 or more), got ${shown(v)}`);
    }
    w.employee_count = v;
  }
  if (sent(body, 'annual_revenue')) {
    const v = body.annual_revenue;
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
      fail(`annual_revenue must be a number (API v2 does not convert strings), got ${shown(v)}`);
    }
    w.annual_revenue = v;
  }
  return w;
}

/** `POST /api/v2/organizations` (pipedrive-api.md §5.3): `name` required. */
export function validateOrganization(
  store: SandboxStore,
  body: unknown,
): Validation<OrganizationWrite & { name: string }> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const w = organizationWrite(store, body, false);
    if (w.name === undefined) fail('name is required');
    return w as OrganizationWrite & { name: string };
  });
}

/** `PATCH /api/v2/organizations/{id}`: only what was sent. */
export function validateOrganizationUpdate(
  store: SandboxStore,
  body: unknown,
): Validation<OrganizationWrite> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const w = organizationWrite(store, body, true);
    if (Object.keys(w).length === 0) {
      fail('Nothing to update: the body names no organization field (e.g. address, website, custom_fields)');
    }
    return w;
  });
}
