/**
 * Request validation for lead creates, as documented in pipedrive-api.md §4.1 (v1), and the helpers
 * every validator shares (`contact-validation.ts` for v2 persons and organizations, `note-validation.ts`
 * for notes). Pipedrive's exact 400 messages are undocumented and localised, so ours only aim to be
 * clear; clients must not parse them.
 */
import type { SandboxStore } from './store.js';
import { isCalendarDate } from './time.js';

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

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CUSTOM_KEY_RE = /^[0-9a-f]{40}$/;
const VISIBLE_TO_V1 = new Set(['1', '3', '5', '7']);

class Invalid extends Error {}

/** Ends validation with a 400 carrying this message (caught by {@link run}). */
export function fail(message: string): never {
  throw new Invalid(message);
}

/**
 * Fails with Pipedrive's message unless the person, organization or deal `id` names exists and is not deleted: what
 * a lead, a deal, a note or a person links to.
 */
export function mustExist(store: SandboxStore, kind: 'person' | 'organization' | 'deal', id: number): void {
  const found =
    kind === 'person'
      ? store.persons.get(id)
      : kind === 'organization'
        ? store.organizations.get(id)
        : store.deals.get(id);
  if (!found || found.data.is_deleted) {
    fail(
      `${kind === 'person' ? 'Person' : kind === 'organization' ? 'Organization' : 'Deal'} with id ${id} does not exist`,
    );
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** Runs a validator that calls {@link fail}, turning its failure into a `Validation`. */
export function run<T>(fn: () => T): Validation<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, message: err.message };
    throw err;
  }
}

export function optionalInteger(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!isInteger(v)) fail(`${key} must be an integer`);
  return v;
}

/** An `owner_id` must be an active user of the company. */
export function owner(store: SandboxStore, id: number | undefined): number | undefined {
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

/**
 * v1 custom fields of a lead or a deal: deal-field keys at the root of the body, a monetary one with its currency
 * under `<key>_currency` (the user's default currency when not sent). Unknown keys are ignored; known ones are
 * checked and come back under the same keys.
 */
export function v1CustomFields(store: SandboxStore, body: Record<string, unknown>): Record<string, unknown> {
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
  return customFields;
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
    if (personId !== null) mustExist(store, 'person', personId);
    if (organizationId !== null) mustExist(store, 'organization', organizationId);

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

    const customFields = v1CustomFields(store, body);

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
