/**
 * Validation of deal creates: `POST /api/v2/deals` (SPEC-v2 `addDeal`) and the deprecated `POST /v1/deals`
 * (SPEC-v1 `addDeal`). `title` is the only field either schema requires. What the specs leave open and the
 * sandbox chooses (each can be observed in tests):
 * - A deal names a person or an organization, and what it names exists and is not deleted (400 otherwise, like a
 *   lead's links). SPEC-v1 says so ("required unless `org_id` is specified"); SPEC-v2 does not, and the sandbox
 *   assumes the same rule.
 * - `stage_id` decides the pipeline, and `pipeline_id` beside it is ignored ("should not be used together as
 *   `pipeline_id` will be ignored"); `pipeline_id` alone means its first stage; neither, the first stage of the
 *   first pipeline (seed `PIPELINES`).
 * - `currency` is one of the company's currencies; without it, the user's default currency.
 * - `lost_reason` only with status `lost` (SPEC-v2: "Can only be set if deal status is lost").
 * - v2 is strict, as for contacts: no numeric strings, no 0/1 booleans, and it cannot create a deleted deal
 *   (DOCS-v2-migration: "It is no longer possible to create an already deleted entity with POST"). v1 takes
 *   `value` as a string or a number, and its status enum includes `deleted`.
 * - Labels must be options of the `label` deal field, and the seeded company has none.
 */
import type { DealStatus, VisibleToV2 } from '../pipedrive/types.js';
import { customFields } from './contact-validation.js';
import { PIPELINES } from './seed.js';
import type { SandboxStore } from './store.js';
import { isCalendarDate } from './time.js';
import {
  fail,
  isInteger,
  isObject,
  mustExist,
  optionalInteger,
  owner,
  run,
  type Validation,
  v1CustomFields,
} from './validation.js';

/** A deal create, checked, in the sandbox's own terms (the store turns it into a {@link Deal}). */
export interface DealInput {
  title: string;
  ownerId: number | undefined;
  personId: number | null;
  orgId: number | null;
  pipelineId: number;
  stageId: number;
  value: number;
  /** The user's default currency when undefined. */
  currency: string | undefined;
  status: DealStatus;
  probability: number | null;
  lostReason: string | null;
  visibleTo: VisibleToV2 | undefined;
  expectedCloseDate: string | null;
  labelIds: number[];
  isArchived: boolean;
  originId: string | null;
  channel: number | null;
  channelId: string | null;
  /** v2 form: `{ key: value }`, a monetary value as `{ value, currency }`. */
  customFields: Record<string, unknown>;
}

type Body = Record<string, unknown>;

const VISIBLE_TO = new Set([1, 3, 5, 7]);

/** Where a deal goes: a stage (its pipeline follows), a pipeline's first stage, or the first pipeline's. */
export function dealPlacement(
  stageId: number | undefined,
  pipelineId: number | undefined,
): { pipelineId: number; stageId: number } {
  if (stageId !== undefined) {
    const pipeline = PIPELINES.find((p) => p.stages.some((s) => s.id === stageId));
    if (!pipeline) fail(`stage_id ${stageId} is not a stage of any pipeline of this company`);
    return { pipelineId: pipeline.id, stageId };
  }
  const pipeline = pipelineId === undefined ? PIPELINES[0] : PIPELINES.find((p) => p.id === pipelineId);
  if (!pipeline) fail(`pipeline_id ${pipelineId} is not a pipeline of this company`);
  return { pipelineId: pipeline.id, stageId: pipeline.stages[0].id };
}

function links(store: SandboxStore, body: Body): { personId: number | null; orgId: number | null } {
  const personId = optionalInteger(body, 'person_id') ?? null;
  const orgId = optionalInteger(body, 'org_id') ?? null;
  if (personId === null && orgId === null) {
    fail('A deal must be linked to a person or an organization: give person_id or org_id');
  }
  if (personId !== null) mustExist(store, 'person', personId);
  if (orgId !== null) mustExist(store, 'organization', orgId);
  return { personId, orgId };
}

function title(body: Body): string {
  const v = body.title;
  if (v === undefined || v === null) fail('title is required');
  if (typeof v !== 'string' || v.trim() === '') fail('title must be a non-empty string');
  if (v.length > 255) fail('title must be at most 255 characters');
  return v;
}

function currency(store: SandboxStore, body: Body): string | undefined {
  const v = body.currency;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !store.currencyCodes.has(v)) {
    fail(
      `currency must be the code of one of the company's currencies (GET /v1/currencies), got ${String(v)}`,
    );
  }
  return v;
}

function probability(body: Body): number | null {
  const v = body.probability;
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
    fail('probability must be a number from 0 to 100');
  }
  return v;
}

function lostReason(body: Body, status: DealStatus): string | null {
  const v = body.lost_reason;
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail('lost_reason must be a string');
  if (status !== 'lost') fail('lost_reason can only be set when status is lost');
  return v;
}

function expectedCloseDate(body: Body): string | null {
  const v = body.expected_close_date;
  if (v === undefined || v === null) return null;
  if (!isCalendarDate(v)) fail('expected_close_date must be a date in YYYY-MM-DD format');
  return v;
}

function labels(store: SandboxStore, raw: unknown, key: string): number[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) fail(`${key} must be an array of deal label ids (integers)`);
  const options = store.dealFieldsByKey.get('label')?.options ?? [];
  return [
    ...new Set(
      raw.map((id) => {
        if (!isInteger(id) || !options.some((o) => o.id === id)) {
          fail(
            options.length === 0
              ? `${key}: ${JSON.stringify(id)} is not a deal label; this company has no deal labels`
              : `${key}: ${JSON.stringify(id)} is not a deal label of this company`,
          );
        }
        return id;
      }),
    ),
  ];
}

function channel(store: SandboxStore, body: Body): number | null {
  const v = body.channel;
  if (v === undefined || v === null) return null;
  if (!isInteger(v)) fail('channel must be an integer');
  const options = store.dealFieldsByKey.get('channel')?.options ?? [];
  if (!options.some((o) => o.id === v)) fail(`channel ${v} is not one of the company's marketing channels`);
  return v;
}

function optionalString(body: Body, key: string): string | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(`${key} must be a string or null`);
  return v;
}

/** v1 custom fields (root keys, a monetary one with `<key>_currency`) in the v2 form the store keeps. */
export function v2FromV1CustomFields(
  store: SandboxStore,
  flat: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const field = store.dealFieldsByKey.get(key);
    if (!field) continue;
    out[key] =
      field.field_type === 'monetary' && value !== null
        ? { value, currency: flat[`${key}_currency`] }
        : value;
  }
  return out;
}

/** `POST /api/v2/deals`. */
export function validateDealV2(store: SandboxStore, body: unknown): Validation<DealInput> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const status = body.status ?? 'open';
    if (status === 'deleted' || body.is_deleted === true) {
      fail('A deal cannot be created deleted: leave out is_deleted, and status other than open, won or lost');
    }
    if (status !== 'open' && status !== 'won' && status !== 'lost') {
      fail('status must be one of open, won, lost');
    }
    if (body.is_deleted !== undefined && body.is_deleted !== false) fail('is_deleted must be false');
    if (body.is_archived !== undefined && typeof body.is_archived !== 'boolean') {
      fail('is_archived must be a boolean (true or false, not 0 or 1)');
    }
    const value = body.value ?? 0;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail('value must be a number (API v2 does not convert strings)');
    }
    let visibleTo: VisibleToV2 | undefined;
    if (body.visible_to !== undefined && body.visible_to !== null) {
      if (!isInteger(body.visible_to) || !VISIBLE_TO.has(body.visible_to)) {
        fail('visible_to must be one of 1, 3, 5, 7 (an integer in API v2)');
      }
      visibleTo = body.visible_to as VisibleToV2;
    }
    const place = dealPlacement(optionalInteger(body, 'stage_id'), optionalInteger(body, 'pipeline_id'));
    return {
      title: title(body),
      ownerId: owner(store, optionalInteger(body, 'owner_id')),
      ...links(store, body),
      ...place,
      value,
      currency: currency(store, body),
      status,
      probability: probability(body),
      lostReason: lostReason(body, status),
      visibleTo,
      expectedCloseDate: expectedCloseDate(body),
      labelIds: labels(store, body.label_ids, 'label_ids'),
      isArchived: body.is_archived === true,
      // Not in the v2 request schema; the deal answers them as null.
      originId: null,
      channel: null,
      channelId: null,
      customFields:
        body.custom_fields === undefined
          ? {}
          : customFields(store, store.dealFieldsByKey, body.custom_fields),
    };
  });
}

const V1_STATUSES = new Set(['open', 'won', 'lost', 'deleted']);

/** `POST /v1/deals` (deprecated in SPEC-v1, still served). */
export function validateDealV1(store: SandboxStore, body: unknown): Validation<DealInput> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const status = body.status ?? 'open';
    if (typeof status !== 'string' || !V1_STATUSES.has(status)) {
      fail('status must be one of open, won, lost, deleted');
    }
    // SPEC-v1 types `value` as a string; v1 also takes numbers (pipedrive-api.md §9.7).
    const rawValue = body.value ?? 0;
    const value =
      typeof rawValue === 'string' && rawValue.trim() !== '' ? Number(rawValue) : (rawValue as number);
    if (typeof value !== 'number' || !Number.isFinite(value)) fail('value must be a number');
    let visibleTo: VisibleToV2 | undefined;
    if (body.visible_to !== undefined && body.visible_to !== null) {
      if (typeof body.visible_to !== 'string' || !VISIBLE_TO.has(Number(body.visible_to))) {
        fail('visible_to must be one of "1", "3", "5", "7" (a string in API v1)');
      }
      visibleTo = Number(body.visible_to) as VisibleToV2;
    }
    if (body.is_archived !== undefined && typeof body.is_archived !== 'boolean') {
      fail('is_archived must be a boolean');
    }
    const place = dealPlacement(optionalInteger(body, 'stage_id'), optionalInteger(body, 'pipeline_id'));
    return {
      title: title(body),
      ownerId: owner(store, optionalInteger(body, 'user_id')),
      ...links(store, body),
      ...place,
      value,
      currency: currency(store, body),
      status: status as DealStatus,
      probability: probability(body),
      lostReason: lostReason(body, status as DealStatus),
      visibleTo,
      expectedCloseDate: expectedCloseDate(body),
      labelIds: labels(store, body.label, 'label'),
      isArchived: body.is_archived === true,
      originId: optionalString(body, 'origin_id'),
      channel: channel(store, body),
      channelId: optionalString(body, 'channel_id'),
      customFields: v2FromV1CustomFields(store, v1CustomFields(store, body)),
    };
  });
}
