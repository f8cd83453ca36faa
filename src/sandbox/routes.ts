/**
 * The Pipedrive endpoints the sandbox answers, each with its token cost (`x-token-cost` in
 * SPEC-v1/SPEC-v2, pipedrive-api.md §3.3) and handler.
 */
import type { Deal, DealStatus, Lead, Organization, Person, PipedriveField } from '../pipedrive/types.js';
import {
  validateOrganization,
  validateOrganizationUpdate,
  validatePerson,
  validatePersonUpdate,
} from './contact-validation.js';
import { dealPlacement, validateDealV1, validateDealV2 } from './deal-validation.js';
import { dealV1Body } from './deal-view.js';
import {
  badRequest,
  dealNotFound,
  entityNotFound,
  leadNotFound,
  noteNotFound,
  ok,
  type Reply,
} from './envelopes.js';
import { parseIncludeFields, withIncludedFields } from './include-fields.js';
import { validateNote, validateNoteUpdate } from './note-validation.js';
import type { ResolvedOptions } from './options.js';
import {
  LEAD_SEARCH_FIELDS,
  ORGANIZATION_SEARCH_FIELDS,
  PERSON_SEARCH_FIELDS,
  type SearchParams,
  searchLeads,
  searchOrganizations,
  searchPersons,
} from './search.js';
import { fold, type SandboxStore, type Stored, type StoredNote } from './store.js';
import { parseTimestamp } from './time.js';
import { fail, isObject, run, UUID_RE, validateLead } from './validation.js';

export type ApiVersion = 'v1' | 'v2';

export interface RouteContext {
  store: SandboxStore;
  options: ResolvedOptions;
  query: URLSearchParams;
  body: unknown;
  /** Path parameters captured by the route pattern. */
  params: string[];
  now: number;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  version: ApiVersion;
  /** Path after the version prefix, e.g. `/leads/:id`. */
  path: string;
  /** Tokens charged per call. */
  cost: number;
  /** Counted against the 10-per-2-s search window. */
  search?: boolean;
  handle(ctx: RouteContext): Reply;
}

const MAX_LIMIT = 500;
/** Lead label colors (SPEC-v1 addLeadLabel: "Only a subset of colors can be used"). */
const LEAD_LABEL_COLORS = [
  'blue',
  'brown',
  'dark-gray',
  'gray',
  'green',
  'orange',
  'pink',
  'purple',
  'red',
  'yellow',
];
const DEFAULT_LIMIT = 100;

class QueryError extends Error {}

function intParam(
  query: URLSearchParams,
  name: string,
  options: { min?: number; max?: number } = {},
): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw new QueryError(`${name} must be an integer`);
  const n = Number(raw);
  if (options.min !== undefined && n < options.min)
    throw new QueryError(`${name} must be at least ${options.min}`);
  if (options.max !== undefined && n > options.max)
    throw new QueryError(`${name} must be at most ${options.max}`);
  return n;
}

function boolParam(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  if (raw === null || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new QueryError(`${name} must be true or false`);
}

function timeParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const t = parseTimestamp(raw);
  if (t === undefined) throw new QueryError(`${name} must be an RFC 3339 date-time`);
  return t;
}

/** Wraps a handler so a bad query parameter answers 400 instead of throwing. */
function guarded(fn: (ctx: RouteContext) => Reply): (ctx: RouteContext) => Reply {
  return (ctx) => {
    try {
      return fn(ctx);
    } catch (err) {
      if (err instanceof QueryError) return badRequest(err.message);
      throw err;
    }
  };
}

function offsetPage<T>(items: T[], query: URLSearchParams) {
  const start = intParam(query, 'start', { min: 0 }) ?? 0;
  // v1 caps `limit` at 500 (pipedrive-api.md §7).
  const limit = Math.min(MAX_LIMIT, intParam(query, 'limit', { min: 1 }) ?? DEFAULT_LIMIT);
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  const pagination = {
    start,
    limit,
    more_items_in_collection: more,
    ...(more ? { next_start: start + limit } : {}),
  };
  return { page, pagination };
}

function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeCursor<T>(cursor: string | null, check: (v: unknown) => v is T): T | undefined {
  if (cursor === null || cursor === '') return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(v)) return v;
  } catch {
    // fall through
  }
  throw new QueryError('cursor is not valid');
}

function isOffsetCursor(v: unknown): v is { offset: number } {
  return typeof v === 'object' && v !== null && Number.isInteger((v as { offset?: unknown }).offset);
}

// ---- search ----

function searchParams(ctx: RouteContext, allowed: readonly string[]): SearchParams {
  const exactMatch = boolParam(ctx.query, 'exact_match');
  const term = (ctx.query.get('term') ?? '').trim();
  if (term === '') throw new QueryError('term is required');
  // "Minimum 2 characters (or 1 if using exact_match)" (SPEC-v2 search endpoints).
  if (term.length < (exactMatch ? 1 : 2)) {
    throw new QueryError('term must be at least 2 characters long (1 with exact_match)');
  }
  const rawFields = ctx.query.get('fields');
  const fields = new Set(rawFields ? rawFields.split(',').map((f) => f.trim()) : allowed);
  for (const f of fields) {
    if (!allowed.includes(f)) throw new QueryError(`fields may only contain ${allowed.join(', ')}`);
  }
  return {
    term: fold(term),
    fields,
    exactMatch,
    now: ctx.now,
    organizationId: intParam(ctx.query, 'organization_id'),
    personId: intParam(ctx.query, 'person_id'),
  };
}

function cursorSearchPage<T>(items: T[], query: URLSearchParams): Reply {
  const limit = intParam(query, 'limit', { min: 1, max: MAX_LIMIT }) ?? DEFAULT_LIMIT;
  const offset = decodeCursor(query.get('cursor'), isOffsetCursor)?.offset ?? 0;
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? encodeCursor({ offset: offset + limit }) : null;
  return ok({ items: page }, { next_cursor: next });
}

// ---- v2 lists ----

type SortBy = 'id' | 'update_time' | 'add_time';

interface KeysetCursor {
  field: SortBy;
  fieldValue: number;
  sortDirection: 'asc' | 'desc';
  id: number;
}

function isKeysetCursor(v: unknown): v is KeysetCursor {
  const c = v as Partial<KeysetCursor> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.fieldValue === 'number' &&
    typeof c.id === 'number' &&
    ['id', 'update_time', 'add_time'].includes(c.field as string) &&
    (c.sortDirection === 'asc' || c.sortDirection === 'desc')
  );
}

/**
 * A v2 cursor-paged list (persons, organizations, deals): `ids`, `owner_id`, `updated_since`/`until`, `sort_by`,
 * `sort_direction`, `limit` and `cursor`, then `filter`. Deleted items are left out unless `filter` takes them
 * (`deleted: true`, for a deal list asking for status `deleted`); `view` shapes each item on the page.
 */
function listEntities<T extends Person | Organization | Deal>(
  ctx: RouteContext,
  source: Map<number, Stored<T>>,
  filter: (item: T) => boolean,
  options: { deleted?: boolean; view?: (item: T) => unknown } = {},
): Reply {
  const q = ctx.query;
  const limit = intParam(q, 'limit', { min: 1, max: MAX_LIMIT }) ?? DEFAULT_LIMIT;
  const sortBy = (q.get('sort_by') ?? 'id') as SortBy;
  if (!['id', 'update_time', 'add_time'].includes(sortBy)) {
    throw new QueryError('sort_by must be one of id, update_time, add_time');
  }
  const direction = q.get('sort_direction') ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') throw new QueryError('sort_direction must be asc or desc');
  const since = timeParam(q, 'updated_since');
  const until = timeParam(q, 'updated_until');
  const idsRaw = q.get('ids');
  let ids: Set<number> | undefined;
  if (idsRaw) {
    const parts = idsRaw.split(',');
    if (parts.length > 100 || !parts.every((p) => /^\d+$/.test(p.trim()))) {
      throw new QueryError('ids must be a comma-separated list of at most 100 integers');
    }
    ids = new Set(parts.map(Number));
  }
  const ownerId = intParam(q, 'owner_id');
  const cursor = decodeCursor(q.get('cursor'), isKeysetCursor);
  if (cursor && (cursor.field !== sortBy || cursor.sortDirection !== direction)) {
    throw new QueryError('cursor does not match sort_by and sort_direction');
  }

  const keyOf = (s: Stored<T>): number =>
    sortBy === 'id' ? s.data.id : sortBy === 'add_time' ? Date.parse(s.data.add_time) : s.updatedAt;
  const sign = direction === 'asc' ? 1 : -1;
  const rows: Stored<T>[] = [];
  for (const s of source.values()) {
    const item = s.data;
    if (item.is_deleted && !options.deleted) continue;
    if (ids && !ids.has(item.id)) continue;
    if (ownerId !== undefined && item.owner_id !== ownerId) continue;
    if (since !== undefined && s.updatedAt < since) continue;
    if (until !== undefined && s.updatedAt >= until) continue;
    if (!filter(item)) continue;
    if (cursor) {
      const k = keyOf(s);
      const after = sign * (k - cursor.fieldValue) || sign * (item.id - cursor.id);
      if (after <= 0) continue;
    }
    rows.push(s);
  }
  if (sortBy !== 'id' || direction !== 'asc') {
    rows.sort((a, b) => sign * (keyOf(a) - keyOf(b)) || sign * (a.data.id - b.data.id));
  }
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const next =
    rows.length > limit && last
      ? encodeCursor({ field: sortBy, fieldValue: keyOf(last), sortDirection: direction, id: last.data.id })
      : null;
  const view = options.view ?? ((item: T) => item);
  return ok(
    page.map((s) => view(s.data)),
    { next_cursor: next },
  );
}

/** The `include_fields` of a v2 person or organization request, or a 400 for a name it does not take. */
function includeFields(ctx: RouteContext, kind: 'person' | 'organization'): string[] {
  const parsed = parseIncludeFields(ctx.query.get('include_fields'), kind, ctx.options.campaigns);
  if ('error' in parsed) throw new QueryError(parsed.error);
  return parsed.fields;
}

const DEAL_STATUSES: readonly DealStatus[] = ['open', 'won', 'lost', 'deleted'];

/** `GET /api/v2/deals`: deals not archived, not deleted unless `status` names `deleted`. */
function listDeals(ctx: RouteContext): Reply {
  const q = ctx.query;
  const personId = intParam(q, 'person_id');
  const orgId = intParam(q, 'org_id');
  const pipelineId = intParam(q, 'pipeline_id');
  const stageId = intParam(q, 'stage_id');
  const rawStatus = q.get('status');
  let statuses: Set<string> | undefined;
  if (rawStatus !== null && rawStatus !== '') {
    statuses = new Set(rawStatus.split(',').map((v) => v.trim()));
    for (const v of statuses) {
      if (!DEAL_STATUSES.includes(v as DealStatus)) {
        throw new QueryError(`status must be a comma-separated list of ${DEAL_STATUSES.join(', ')}`);
      }
    }
  }
  return listEntities(
    ctx,
    ctx.store.deals,
    (d) =>
      !d.is_archived &&
      (statuses ? statuses.has(d.status) : d.status !== 'deleted') &&
      (personId === undefined || d.person_id === personId) &&
      (orgId === undefined || d.org_id === orgId) &&
      (pipelineId === undefined || d.pipeline_id === pipelineId) &&
      (stageId === undefined || d.stage_id === stageId),
    { deleted: statuses?.has('deleted') === true },
  );
}

/** `POST /api/v2/leads/{id}/convert/deal`: `stage_id` or `pipeline_id`, nothing else (`additionalProperties: false`). */
function convertLead(ctx: RouteContext): Reply {
  const leadId = ctx.params[0] ?? '';
  if (!UUID_RE.test(leadId)) return badRequest('id must be a lead UUID');
  const body = ctx.body ?? {};
  const v = run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const extra = Object.keys(body).filter((k) => k !== 'stage_id' && k !== 'pipeline_id');
    if (extra.length > 0)
      fail(`Unknown properties ${extra.join(', ')}: only stage_id and pipeline_id are taken`);
    for (const key of ['stage_id', 'pipeline_id'] as const) {
      const id = body[key];
      if (id !== undefined && (typeof id !== 'number' || !Number.isInteger(id)))
        fail(`${key} must be an integer`);
    }
    return dealPlacement(body.stage_id as number | undefined, body.pipeline_id as number | undefined);
  });
  if (!v.ok) return badRequest(v.message);
  const conversion = ctx.store.convertLead(leadId, v.value);
  return conversion ? ok({ conversion_id: conversion.conversion_id }, null) : entityNotFound();
}

function idParam(ctx: RouteContext): number | undefined {
  const raw = ctx.params[0] ?? '';
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

// ---- field catalogues and notes (v1) ----

function fieldCatalogue(fields: PipedriveField[], ctx: RouteContext): Reply {
  const { page, pagination } = offsetPage(fields, ctx.query);
  return ok(page, { pagination });
}

const NOTE_SORT_FIELDS = ['id', 'add_time', 'update_time'] as const;
type NoteSortField = (typeof NOTE_SORT_FIELDS)[number];

/** `sort=add_time DESC, id ASC` (SPEC-v1 `getNotes`); only first-level fields, ASC by default. */
function noteOrder(raw: string | null): ((a: StoredNote, b: StoredNote) => number) | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const keys = raw.split(',').map((part) => {
    const [field, direction = 'ASC', extra] = part.trim().split(/\s+/);
    const dir = direction.toUpperCase();
    if (!NOTE_SORT_FIELDS.includes(field as NoteSortField) || (dir !== 'ASC' && dir !== 'DESC') || extra) {
      throw new QueryError(
        `sort must be a comma-separated list of "field ASC|DESC" with field one of ${NOTE_SORT_FIELDS.join(', ')}`,
      );
    }
    return { field: field as NoteSortField, sign: dir === 'ASC' ? 1 : -1 };
  });
  return (a, b) => {
    for (const { field, sign } of keys) {
      const x = a[field];
      const y = b[field];
      if (x !== y) return sign * (x < y ? -1 : 1);
    }
    return a.id - b.id;
  };
}

function listNotes(ctx: RouteContext): Reply {
  const { query: q, store } = ctx;
  const leadId = q.get('lead_id') || undefined;
  if (leadId !== undefined && !UUID_RE.test(leadId)) throw new QueryError('lead_id must be a lead UUID');
  const personId = intParam(q, 'person_id');
  const orgId = intParam(q, 'org_id');
  const userId = intParam(q, 'user_id');
  const dealId = intParam(q, 'deal_id');
  const order = noteOrder(q.get('sort'));
  const ids =
    leadId !== undefined
      ? store.notesByLead.get(leadId)
      : personId !== undefined
        ? store.notesByPerson.get(personId)
        : orgId !== undefined
          ? store.notesByOrganization.get(orgId)
          : dealId !== undefined
            ? store.notesByDeal.get(dealId)
            : undefined;
  const source = ids ? [...ids].map((id) => store.notes.get(id)!) : [...store.notes.values()];
  const items = source.filter(
    (n) =>
      (dealId === undefined || n.deal_id === dealId) &&
      (leadId === undefined || n.lead_id === leadId) &&
      (personId === undefined || n.person_id === personId) &&
      (orgId === undefined || n.org_id === orgId) &&
      (userId === undefined || n.user_id === userId),
  );
  items.sort(order ?? ((a, b) => a.id - b.id));
  const { page, pagination } = offsetPage(items, q);
  return ok(
    page.map((n) => store.noteView(n)),
    { pagination },
  );
}

// ---- route table ----

export const ROUTES: readonly Route[] = [
  // Leads (v1 only, pipedrive-api.md §4)
  {
    method: 'POST',
    version: 'v1',
    path: '/leads',
    cost: 10,
    handle: (ctx) => {
      const v = validateLead(ctx.store, ctx.body);
      if (!v.ok) return badRequest(v.message);
      return ok(ctx.store.addLead(v.value), undefined, 201);
    },
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/leads',
    cost: 20,
    handle: guarded((ctx) => {
      const q = ctx.query;
      const personId = intParam(q, 'person_id');
      const orgId = intParam(q, 'organization_id');
      const ownerId = intParam(q, 'owner_id');
      const since = timeParam(q, 'updated_since');
      let source: Iterable<Stored<Lead>> = ctx.store.leads.values();
      // Map order is creation order: oldest first, as Pipedrive lists leads.
      if (personId !== undefined) {
        source = [...(ctx.store.leadsByPerson.get(personId) ?? [])].map((id) => ctx.store.leads.get(id)!);
      } else if (orgId !== undefined) {
        source = [...(ctx.store.leadsByOrganization.get(orgId) ?? [])].map((id) => ctx.store.leads.get(id)!);
      }
      const items: Lead[] = [];
      for (const s of source) {
        const l = s.data;
        if (l.is_archived) continue;
        if (orgId !== undefined && l.organization_id !== orgId) continue;
        if (ownerId !== undefined && l.owner_id !== ownerId) continue;
        if (since !== undefined && s.updatedAt < since) continue;
        items.push(l);
      }
      const { page, pagination } = offsetPage(items, q);
      const flat = {
        start: pagination.start,
        limit: pagination.limit,
        more_items_in_collection: pagination.more_items_in_collection,
      };
      const mode = ctx.options.leadListPagination;
      const additional =
        mode === 'flat' ? flat : mode === 'nested' ? { pagination } : { ...flat, pagination };
      return ok(page, additional);
    }),
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/leads/search',
    cost: 40,
    search: true,
    handle: guarded((ctx) => {
      const results = searchLeads(ctx.store, searchParams(ctx, LEAD_SEARCH_FIELDS));
      const { page, pagination } = offsetPage(results, ctx.query);
      return ok({ items: page }, { pagination });
    }),
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/leads/:id',
    cost: 2,
    handle: (ctx) => {
      const lead = ctx.store.leads.get(ctx.params[0] ?? '');
      return lead ? ok(lead.data) : leadNotFound();
    },
  },
  {
    method: 'DELETE',
    version: 'v1',
    path: '/leads/:id',
    cost: 6,
    handle: (ctx) => {
      const id = ctx.params[0] ?? '';
      return ctx.store.deleteLead(id) ? ok({ id }) : leadNotFound();
    },
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/leadLabels',
    cost: 10,
    handle: (ctx) => ok([...ctx.store.leadLabels.values()]),
  },
  {
    // An admin adds a label (SPEC-v1 addLeadLabel: name and color required, 200).
    method: 'POST',
    version: 'v1',
    path: '/leadLabels',
    cost: 10,
    handle: (ctx) => {
      const body = ctx.body as { name?: unknown; color?: unknown } | null;
      const name = typeof body?.name === 'string' ? body.name.trim() : '';
      if (name === '') return badRequest('name is required');
      if (name.length > 255) return badRequest('name must be at most 255 characters');
      if (typeof body?.color !== 'string' || !LEAD_LABEL_COLORS.includes(body.color)) {
        return badRequest(`color must be one of ${LEAD_LABEL_COLORS.join(', ')}`);
      }
      return ok(ctx.store.addLeadLabel(name, body.color));
    },
  },
  { method: 'GET', version: 'v1', path: '/leadSources', cost: 2, handle: (ctx) => ok(ctx.store.leadSources) },
  // Users, currencies, deal fields (pipedrive-api.md §6)
  { method: 'GET', version: 'v1', path: '/users/me', cost: 2, handle: (ctx) => ok(ctx.store.me) },
  {
    method: 'GET',
    version: 'v1',
    path: '/users',
    cost: 20,
    handle: (ctx) => ok([...ctx.store.users.values()]),
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/currencies',
    cost: 20,
    handle: (ctx) => {
      const term = fold(ctx.query.get('term') ?? '');
      const items = term
        ? ctx.store.currencies.filter((c) => fold(c.code).includes(term) || fold(c.name).includes(term))
        : ctx.store.currencies;
      return ok(items);
    },
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/dealFields',
    cost: 20,
    handle: guarded((ctx) => {
      const { page, pagination } = offsetPage(ctx.store.dealFields, ctx.query);
      return ok(page, { pagination });
    }),
  },
  // Person and organization field catalogues (SPEC-v1 getPersonFields / getOrganizationFields)
  {
    method: 'GET',
    version: 'v1',
    path: '/personFields',
    cost: 20,
    handle: guarded((ctx) => {
      // "If a company uses the Campaigns product, then this endpoint will also return marketing_status".
      const fields = ctx.options.campaigns
        ? ctx.store.personFields
        : ctx.store.personFields.filter((f) => f.key !== 'marketing_status');
      return fieldCatalogue(fields, ctx);
    }),
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/organizationFields',
    cost: 20,
    handle: guarded((ctx) => fieldCatalogue(ctx.store.organizationFields, ctx)),
  },
  // Notes (v1 only)
  {
    method: 'POST',
    version: 'v1',
    path: '/notes',
    cost: 10,
    handle: (ctx) => {
      const v = validateNote(ctx.store, ctx.body);
      // SPEC-v1 documents 200 for addNote, not the 201 of other v1 creates.
      return v.ok ? ok(ctx.store.noteView(ctx.store.addNote(v.value))) : badRequest(v.message);
    },
  },
  { method: 'GET', version: 'v1', path: '/notes', cost: 20, handle: guarded(listNotes) },
  {
    method: 'GET',
    version: 'v1',
    path: '/notes/:id',
    cost: 2,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      const note = ctx.store.notes.get(id);
      return note ? ok(ctx.store.noteView(note)) : noteNotFound();
    },
  },
  {
    // SPEC-v1 updateNote; `null` detaches a link (the sandbox's choice: see note-validation.ts).
    method: 'PUT',
    version: 'v1',
    path: '/notes/:id',
    cost: 10,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      const note = ctx.store.notes.get(id);
      if (!note) return noteNotFound();
      const v = validateNoteUpdate(ctx.store, ctx.body, note);
      return v.ok ? ok(ctx.store.noteView(ctx.store.updateNote(id, v.value)!)) : badRequest(v.message);
    },
  },
  {
    method: 'DELETE',
    version: 'v1',
    path: '/notes/:id',
    cost: 6,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      return ctx.store.deleteNote(id) ? ok(true) : noteNotFound();
    },
  },
  // Persons and organizations (v2, pipedrive-api.md §5)
  {
    method: 'POST',
    version: 'v2',
    path: '/persons',
    cost: 5,
    handle: (ctx) => {
      const v = validatePerson(ctx.store, ctx.body, { campaigns: ctx.options.campaigns });
      return v.ok ? ok(ctx.store.addPerson(v.value)) : badRequest(v.message);
    },
  },
  {
    method: 'PATCH',
    version: 'v2',
    path: '/persons/:id',
    cost: 5,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      const stored = ctx.store.persons.get(id);
      // A deleted person cannot be edited; v2 answers as if it did not exist.
      if (!stored || stored.data.is_deleted) return entityNotFound();
      const v = validatePersonUpdate(ctx.store, stored.data, ctx.body, { campaigns: ctx.options.campaigns });
      return v.ok ? ok(ctx.store.updatePerson(id, v.value)) : badRequest(v.message);
    },
  },
  {
    method: 'PATCH',
    version: 'v2',
    path: '/organizations/:id',
    cost: 5,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      const stored = ctx.store.organizations.get(id);
      if (!stored || stored.data.is_deleted) return entityNotFound();
      const v = validateOrganizationUpdate(ctx.store, ctx.body);
      return v.ok ? ok(ctx.store.updateOrganization(id, v.value)) : badRequest(v.message);
    },
  },
  {
    method: 'POST',
    version: 'v2',
    path: '/organizations',
    cost: 5,
    handle: (ctx) => {
      const v = validateOrganization(ctx.store, ctx.body);
      return v.ok ? ok(ctx.store.addOrganization(v.value)) : badRequest(v.message);
    },
  },
  {
    method: 'GET',
    version: 'v2',
    path: '/persons',
    cost: 10,
    handle: guarded((ctx) => {
      const orgId = intParam(ctx.query, 'org_id');
      const fields = includeFields(ctx, 'person');
      return listEntities(ctx, ctx.store.persons, (p) => orgId === undefined || p.org_id === orgId, {
        view: (p) => withIncludedFields(ctx.store, 'person', p, fields),
      });
    }),
  },
  {
    method: 'GET',
    version: 'v2',
    path: '/organizations',
    cost: 10,
    handle: guarded((ctx) => {
      const fields = includeFields(ctx, 'organization');
      return listEntities(ctx, ctx.store.organizations, () => true, {
        view: (o) => withIncludedFields(ctx.store, 'organization', o, fields),
      });
    }),
  },
  {
    method: 'GET',
    version: 'v2',
    path: '/persons/search',
    cost: 20,
    search: true,
    handle: guarded((ctx) =>
      cursorSearchPage(searchPersons(ctx.store, searchParams(ctx, PERSON_SEARCH_FIELDS)), ctx.query),
    ),
  },
  {
    method: 'GET',
    version: 'v2',
    path: '/organizations/search',
    cost: 20,
    search: true,
    handle: guarded((ctx) =>
      cursorSearchPage(
        searchOrganizations(ctx.store, searchParams(ctx, ORGANIZATION_SEARCH_FIELDS)),
        ctx.query,
      ),
    ),
  },
  {
    method: 'GET',
    version: 'v2',
    path: '/leads/search',
    cost: 20,
    search: true,
    handle: guarded((ctx) =>
      cursorSearchPage(searchLeads(ctx.store, searchParams(ctx, LEAD_SEARCH_FIELDS)), ctx.query),
    ),
  },
  {
    method: 'GET',
    version: 'v2',
    path: '/persons/:id',
    cost: 1,
    handle: guarded((ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      const fields = includeFields(ctx, 'person');
      const p = ctx.store.persons.get(id);
      return p ? ok(withIncludedFields(ctx.store, 'person', p.data, fields)) : entityNotFound();
    }),
  },
  {
    method: 'GET',
    version: 'v2',
    path: '/organizations/:id',
    cost: 1,
    handle: guarded((ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      const fields = includeFields(ctx, 'organization');
      const o = ctx.store.organizations.get(id);
      return o ? ok(withIncludedFields(ctx.store, 'organization', o.data, fields)) : entityNotFound();
    }),
  },
  // Deals (v2; the v1 ones are deprecated in SPEC-v1 and still served)
  {
    method: 'POST',
    version: 'v2',
    path: '/deals',
    cost: 5,
    handle: (ctx) => {
      const v = validateDealV2(ctx.store, ctx.body);
      return v.ok ? ok(ctx.store.addDeal(v.value)) : badRequest(v.message);
    },
  },
  { method: 'GET', version: 'v2', path: '/deals', cost: 10, handle: guarded(listDeals) },
  {
    method: 'GET',
    version: 'v2',
    path: '/deals/:id',
    cost: 1,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      const d = ctx.store.deals.get(id);
      return d ? ok(d.data) : entityNotFound();
    },
  },
  {
    method: 'DELETE',
    version: 'v2',
    path: '/deals/:id',
    cost: 3,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      return ctx.store.deleteDeal(id) ? ok({ id }) : entityNotFound();
    },
  },
  {
    method: 'POST',
    version: 'v1',
    path: '/deals',
    cost: 10,
    handle: (ctx) => {
      const v = validateDealV1(ctx.store, ctx.body);
      if (!v.ok) return badRequest(v.message);
      return { status: 201, body: dealV1Body(ctx.store, ctx.store.addDeal(v.value)) };
    },
  },
  {
    method: 'GET',
    version: 'v1',
    path: '/deals/:id',
    cost: 2,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      const d = ctx.store.deals.get(id);
      return d ? { status: 200, body: dealV1Body(ctx.store, d.data) } : dealNotFound();
    },
  },
  {
    method: 'DELETE',
    version: 'v1',
    path: '/deals/:id',
    cost: 6,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      return ctx.store.deleteDeal(id) ? ok({ id }) : dealNotFound();
    },
  },
  // Lead → deal conversion (SPEC-v2, BETA)
  { method: 'POST', version: 'v2', path: '/leads/:id/convert/deal', cost: 40, handle: convertLead },
  {
    method: 'GET',
    version: 'v2',
    path: '/leads/:id/convert/status/:conversion_id',
    cost: 1,
    handle: (ctx) => {
      const [leadId = '', conversionId = ''] = ctx.params;
      const c = ctx.store.conversions.get(conversionId);
      if (!c || c.lead_id !== leadId) return entityNotFound();
      return ok(
        {
          conversion_id: c.conversion_id,
          status: c.status,
          ...(c.deal_id !== undefined ? { deal_id: c.deal_id } : {}),
        },
        null,
      );
    },
  },
  {
    // SPEC-v1 mergePersons: `id` is merged into `merge_with_id`, whose data wins; the sandbox answers the ids.
    method: 'PUT',
    version: 'v1',
    path: '/persons/:id/merge',
    cost: 40,
    handle: (ctx) => merge(ctx, (id, withId) => ctx.store.mergePersons(id, withId)),
  },
  {
    method: 'PUT',
    version: 'v1',
    path: '/organizations/:id/merge',
    cost: 40,
    handle: (ctx) => merge(ctx, (id, withId) => ctx.store.mergeOrganizations(id, withId)),
  },
  {
    method: 'DELETE',
    version: 'v2',
    path: '/persons/:id',
    cost: 3,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      // Deleting an already deleted person answers 404, so a retried delete is visible to the client.
      return ctx.store.deletePerson(id) ? ok({ id }) : entityNotFound();
    },
  },
  {
    method: 'DELETE',
    version: 'v2',
    path: '/organizations/:id',
    cost: 3,
    handle: (ctx) => {
      const id = idParam(ctx);
      if (id === undefined) return badRequest('id must be an integer');
      return ctx.store.deleteOrganization(id) ? ok({ id }) : entityNotFound();
    },
  },
];

/** A merge route: `merge_with_id` an integer other than the path's id, both contacts there and not deleted. */
function merge(ctx: RouteContext, apply: (id: number, withId: number) => { id: number } | undefined): Reply {
  const id = idParam(ctx);
  if (id === undefined) return badRequest('id must be an integer');
  const withId = (ctx.body as { merge_with_id?: unknown } | null)?.merge_with_id;
  if (typeof withId !== 'number' || !Number.isInteger(withId) || withId <= 0) {
    return badRequest('merge_with_id must be a positive integer');
  }
  if (withId === id) return badRequest('Cannot merge an item with itself');
  const survivor = apply(id, withId);
  return survivor ? ok({ id: survivor.id, merge_what_id: id }) : entityNotFound();
}

export interface RouteMatch {
  route: Route;
  params: string[];
}

export type Resolution =
  | { kind: 'match'; match: RouteMatch }
  | { kind: 'method'; allowed: string[] }
  | { kind: 'none' };

interface CompiledRoute {
  route: Route;
  segments: string[];
  params: number;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Literal segments win over `:param` segments (`/leads/search` before `/leads/:id`). */
export class Router {
  private readonly byVersion = new Map<ApiVersion, CompiledRoute[]>();

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const list = this.byVersion.get(route.version) ?? [];
      const segments = route.path.split('/').filter(Boolean);
      list.push({ route, segments, params: segments.filter((s) => s.startsWith(':')).length });
      this.byVersion.set(route.version, list);
    }
    for (const list of this.byVersion.values()) {
      list.sort((a, b) => a.params - b.params);
    }
  }

  resolve(version: ApiVersion, method: string, path: string): Resolution {
    const parts = path.split('/').filter(Boolean);
    const allowed: string[] = [];
    let found: RouteMatch | undefined;
    let paramCount = Number.POSITIVE_INFINITY;
    for (const { route, segments, params: count } of this.byVersion.get(version) ?? []) {
      // Routes are sorted by parameter count: once a more literal route matched, ignore the rest.
      if (segments.length !== parts.length || count > paramCount) continue;
      const params: string[] = [];
      let matches = true;
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        const part = parts[i]!;
        if (seg.startsWith(':')) params.push(safeDecode(part));
        else if (seg !== part) {
          matches = false;
          break;
        }
      }
      if (!matches) continue;
      paramCount = count;
      allowed.push(route.method);
      if (route.method === method && !found) found = { route, params };
    }
    if (found) return { kind: 'match', match: found };
    if (allowed.length > 0) return { kind: 'method', allowed };
    return { kind: 'none' };
  }
}
