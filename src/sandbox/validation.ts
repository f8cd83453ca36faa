/**
 * Request validation for creates, as documented in pipedrive-api.md §4.1 (leads, v1) and §5.2–5.3
 * (persons and organizations, v2). Pipedrive's exact 400 messages are undocumented and localised,
 * so ours only aim to be clear; clients must not parse them.
 */
import type { MarketingStatus } from '../pipedrive/types.js';
import type { SandboxStore } from './store.js';
import { isCalendarDate, isRfc3339 } from './time.js';

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

export interface LeadInput {
  title: string;
  ownerId: number | undefined;
  labelIds: string[];
  personId: number | null;
  organizationId: number | null;
  value: { amount: number; currency: string } | null;
  expectedCloseDate: string | null;
  visibleTo: '1' | '3' | '5' | '7' | undefined;
  wasSeen: boolean;
  originId: string | null;
  channel: number | null;
  channelId: string | null;
  customFields: Record<string, unknown>;
}

export interface ContactDetailInput {
  value: string;
  primary: boolean;
  label: string;
}

export interface PersonInput {
  name: string;
  firstName: string | null;
  lastName: string | null;
  ownerId: number | undefined;
  orgId: number | null;
  emails: ContactDetailInput[];
  phones: ContactDetailInput[];
  visibleTo: 1 | 3 | 5 | 7 | undefined;
  labelIds: number[];
  addTime: string | undefined;
  customFields: Record<string, unknown>;
  notes: string | null;
  marketingStatus: MarketingStatus | undefined;
}

export interface OrganizationInput {
  name: string;
  ownerId: number | undefined;
  visibleTo: 1 | 3 | 5 | 7 | undefined;
  labelIds: number[];
  address: Record<string, unknown> | null;
  addTime: string | undefined;
  customFields: Record<string, unknown>;
  notes: string | null;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CUSTOM_KEY_RE = /^[0-9a-f]{40}$/;
const VISIBLE_TO_V1 = new Set(['1', '3', '5', '7']);
const VISIBLE_TO_V2 = new Set([1, 3, 5, 7]);
const MARKETING_STATUS = new Set(['no_consent', 'unsubscribed', 'subscribed', 'archived']);

class Invalid extends Error {}

function fail(message: string): never {
  throw new Invalid(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function run<T>(fn: () => T): Validation<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, message: err.message };
    throw err;
  }
}

function optionalInteger(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!isInteger(v)) fail(`${key} must be an integer`);
  return v;
}

function owner(store: SandboxStore, id: number | undefined): number | undefined {
  if (id === undefined) return undefined;
  const user = store.users.get(id);
  if (!user) fail(`owner_id ${id} is not a user of this company`);
  if (!user.active_flag) fail(`owner_id ${id} is a deactivated user`);
  return id;
}

function customFieldValue(store: SandboxStore, key: string, value: unknown): unknown {
  const field = store.dealFieldsByKey.get(key);
  if (!field || value === null) return value;
  switch (field.field_type) {
    case 'double':
    case 'monetary':
      // v1 coerces numeric strings (pipedrive-api.md §9.7).
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
        return Number(value);
      }
      if (typeof value !== 'number' || !Number.isFinite(value))
        fail(`${field.name} (${key}) must be a number`);
      return value;
    case 'date':
      if (!isCalendarDate(value)) fail(`${field.name} (${key}) must be a date in YYYY-MM-DD format`);
      return value;
    case 'enum': {
      const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
      if (!field.options?.some((o) => o.id === id)) {
        fail(`${field.name} (${key}) must be one of the field's option ids`);
      }
      return id;
    }
    case 'varchar':
      if (typeof value !== 'string') fail(`${field.name} (${key}) must be a string`);
      if (value.length > 255) fail(`${field.name} (${key}) must be at most 255 characters`);
      return value;
    default:
      return value;
  }
}

/** `POST /v1/leads` (pipedrive-api.md §4.1). Unknown custom-field keys are ignored; known ones are checked. */
export function validateLead(store: SandboxStore, body: unknown): Validation<LeadInput> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const title = body.title;
    if (title === undefined || title === null) fail('title is required');
    if (typeof title !== 'string' || title.trim() === '') fail('title must be a non-empty string');

    const personId = optionalInteger(body, 'person_id') ?? null;
    const organizationId = optionalInteger(body, 'organization_id') ?? null;
    if (personId === null && organizationId === null) {
      fail('A lead must be linked to a person or an organization: give person_id or organization_id');
    }
    if (personId !== null) {
      const p = store.persons.get(personId);
      if (!p || p.data.is_deleted) fail(`Person with id ${personId} does not exist`);
    }
    if (organizationId !== null) {
      const o = store.organizations.get(organizationId);
      if (!o || o.data.is_deleted) fail(`Organization with id ${organizationId} does not exist`);
    }

    let value: LeadInput['value'] = null;
    if (body.value !== undefined && body.value !== null) {
      if (!isObject(body.value)) fail('value must be an object { amount, currency }');
      const { amount, currency } = body.value;
      if (amount === undefined || currency === undefined)
        fail('value: both amount and currency are required');
      if (typeof amount !== 'number' || !Number.isFinite(amount)) fail('value.amount must be a number');
      if (typeof currency !== 'string') fail('value.currency must be a string');
      if (!store.currencyCodes.has(currency))
        fail(`value.currency ${currency} is not a currency of this company`);
      value = { amount, currency };
    }

    let labelIds: string[] = [];
    if (body.label_ids !== undefined && body.label_ids !== null) {
      if (!Array.isArray(body.label_ids)) fail('label_ids must be an array of lead label ids');
      labelIds = body.label_ids.map((id) => {
        if (typeof id !== 'string' || !UUID_RE.test(id)) fail('label_ids must contain UUIDs');
        if (!store.leadLabels.has(id)) fail(`Lead label ${id} does not exist`);
        return id;
      });
    }

    let expectedCloseDate: string | null = null;
    if (body.expected_close_date !== undefined && body.expected_close_date !== null) {
      if (!isCalendarDate(body.expected_close_date))
        fail('expected_close_date must be a date in YYYY-MM-DD format');
      expectedCloseDate = body.expected_close_date;
    }

    let visibleTo: LeadInput['visibleTo'];
    if (body.visible_to !== undefined && body.visible_to !== null) {
      if (typeof body.visible_to !== 'string' || !VISIBLE_TO_V1.has(body.visible_to)) {
        fail('visible_to must be one of "1", "3", "5", "7" (a string in API v1)');
      }
      visibleTo = body.visible_to as LeadInput['visibleTo'];
    }

    if (body.was_seen !== undefined && typeof body.was_seen !== 'boolean') fail('was_seen must be a boolean');
    for (const key of ['origin_id', 'channel_id'] as const) {
      const v = body[key];
      if (v !== undefined && v !== null && typeof v !== 'string') fail(`${key} must be a string or null`);
    }

    let channel: number | null = null;
    if (body.channel !== undefined && body.channel !== null) {
      if (!isInteger(body.channel)) fail('channel must be an integer');
      const options = store.dealFieldsByKey.get('channel')?.options ?? [];
      if (!options.some((o) => o.id === body.channel)) {
        fail(`channel ${body.channel} is not one of the company's marketing channels`);
      }
      channel = body.channel;
    }

    const customFields: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(body)) {
      if (CUSTOM_KEY_RE.test(key) && store.dealFieldsByKey.has(key)) {
        customFields[key] = customFieldValue(store, key, v);
        const field = store.dealFieldsByKey.get(key);
        if (field?.field_type === 'monetary' && v !== null) {
          const cur = body[`${key}_currency`] ?? store.me.default_currency;
          if (typeof cur !== 'string' || !store.currencyCodes.has(cur)) {
            fail(`${key}_currency must be a currency of this company`);
          }
          customFields[`${key}_currency`] = cur;
        }
      }
    }

    return {
      title,
      ownerId: owner(store, optionalInteger(body, 'owner_id')),
      labelIds,
      personId,
      organizationId,
      value,
      expectedCloseDate,
      visibleTo,
      wasSeen: body.was_seen === true,
      originId: (body.origin_id as string | null | undefined) ?? null,
      channel,
      channelId: (body.channel_id as string | null | undefined) ?? null,
      customFields,
    };
  });
}

function contactDetails(key: 'emails' | 'phones', raw: unknown): ContactDetailInput[] {
  if (raw === undefined || raw === null) return [];
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

function visibleToV2(body: Record<string, unknown>): 1 | 3 | 5 | 7 | undefined {
  const v = body.visible_to;
  if (v === undefined || v === null) return undefined;
  if (!isInteger(v) || !VISIBLE_TO_V2.has(v))
    fail('visible_to must be one of 1, 3, 5, 7 (an integer in API v2)');
  return v as 1 | 3 | 5 | 7;
}

function labelIdsV2(body: Record<string, unknown>): number[] {
  const v = body.label_ids;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isInteger)) fail('label_ids must be an array of integers');
  return v;
}

function customFieldsV2(body: Record<string, unknown>): Record<string, unknown> {
  const v = body.custom_fields;
  if (v === undefined || v === null) return {};
  if (!isObject(v)) fail('custom_fields must be an object keyed by field key');
  for (const [key, value] of Object.entries(v)) {
    if (Array.isArray(value) && value.length === 0)
      fail(`custom_fields.${key}: use null, not [], to clear a set field`);
  }
  return { ...v };
}

function addTime(body: Record<string, unknown>): string | undefined {
  const v = body.add_time;
  if (v === undefined || v === null) return undefined;
  if (!isRfc3339(v)) fail('add_time must be an RFC 3339 date-time');
  return v;
}

function optionalString(body: Record<string, unknown>, key: string): string | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(`${key} must be a string`);
  return v;
}

/** `POST /api/v2/persons` (pipedrive-api.md §5.2): strict types, objects for emails and phones. */
export function validatePerson(store: SandboxStore, body: unknown): Validation<PersonInput> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const firstName = optionalString(body, 'first_name');
    const lastName = optionalString(body, 'last_name');
    let name = body.name;
    if (name === undefined || name === null) {
      const joined = [firstName, lastName].filter(Boolean).join(' ');
      if (joined === '') fail('name is required');
      name = joined;
    }
    if (typeof name !== 'string' || name.trim() === '') fail('name must be a non-empty string');
    const orgId = optionalInteger(body, 'org_id') ?? null;
    if (orgId !== null) {
      const org = store.organizations.get(orgId);
      if (!org || org.data.is_deleted) fail(`Organization with id ${orgId} does not exist`);
    }
    const marketingStatus = body.marketing_status;
    if (
      marketingStatus !== undefined &&
      (typeof marketingStatus !== 'string' || !MARKETING_STATUS.has(marketingStatus))
    ) {
      fail('marketing_status must be one of no_consent, unsubscribed, subscribed, archived');
    }
    const space = name.indexOf(' ');
    return {
      name,
      firstName: firstName ?? (space > 0 ? name.slice(0, space) : name),
      lastName: lastName ?? (space > 0 ? name.slice(space + 1) : null),
      ownerId: owner(store, optionalInteger(body, 'owner_id')),
      orgId,
      emails: contactDetails('emails', body.emails),
      phones: contactDetails('phones', body.phones),
      visibleTo: visibleToV2(body),
      labelIds: labelIdsV2(body),
      addTime: addTime(body),
      customFields: customFieldsV2(body),
      notes: optionalString(body, 'notes'),
      marketingStatus: marketingStatus as MarketingStatus | undefined,
    };
  });
}

/** `POST /api/v2/organizations` (pipedrive-api.md §5.3). */
export function validateOrganization(store: SandboxStore, body: unknown): Validation<OrganizationInput> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const name = body.name;
    if (name === undefined || name === null) fail('name is required');
    if (typeof name !== 'string' || name.trim() === '') fail('name must be a non-empty string');
    let address: Record<string, unknown> | null = null;
    if (body.address !== undefined && body.address !== null) {
      if (!isObject(body.address)) fail('address must be an object { value, country, locality, … }');
      if (typeof body.address.value !== 'string') fail('address.value is required when address is set');
      address = { ...body.address };
    }
    return {
      name,
      ownerId: owner(store, optionalInteger(body, 'owner_id')),
      visibleTo: visibleToV2(body),
      labelIds: labelIdsV2(body),
      address,
      addTime: addTime(body),
      customFields: customFieldsV2(body),
      notes: optionalString(body, 'notes'),
    };
  });
}
