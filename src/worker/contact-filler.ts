import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import type {
  Organization,
  Person,
  PipedriveApi,
  PostalAddress,
  UpdateOrganizationBody,
  UpdatePersonBody,
} from '../pipedrive/types.js';
import type { OrganizationFields, PersonFields } from '../queue/job-data.js';
import { personKey } from '../queue/match-keys.js';
import { groupByHashTag, keyScope, keysFor } from '../queue/names.js';
import { TurnBatcher } from '../queue/turn-batcher.js';
import { organizationBody, personBody } from './contact-resolver.js';
import { LockTimeoutError } from './errors.js';
import type { KeyLocks } from './key-lock.js';
import type { CallContext, PipedriveGateway } from './pipedrive-gateway.js';

export interface ContactFillerOptions {
  redis: Redis;
  prefix: string;
  companyKey: string;
  /** The connection the company is served through (its hash tag on a Redis Cluster). @defaultValue `default` */
  connection?: string;
  api: PipedriveApi;
  gateway: PipedriveGateway;
  locks: KeyLocks;
}

/** How long an import remembers what it put into its contacts. */
const MARKER_TTL_S = 30 * 24 * 3600;

/** Fields a row may bring to a contact beyond its name (custom fields count one by one). */
const PERSON_FILLABLE = [
  'org_id',
  'emails',
  'phones',
  'job_title',
  'birthday',
  'postal_address',
  'label_ids',
] as const;
const ORGANIZATION_FILLABLE = [
  'address',
  'website',
  'linkedin',
  'industry',
  'employee_count',
  'annual_revenue',
  'label_ids',
] as const;

type Kind = 'person' | 'org';
type Body = Record<string, unknown> & { custom_fields?: Record<string, unknown> };

/** A person's fields that are lists: rows that describe one person may each bring values of their own. */
const LIST_FIELDS = ['emails', 'phones'] as const;
type ListField = (typeof LIST_FIELDS)[number];

/** What an import knows about one contact (kept in Redis, `{prefix}:imp:{id}:filled:{kind}:{id}`). */
interface Marker {
  /** `import`: this import created it; `filled`: it existed, and fill-empty has filled it once. */
  by: 'import' | 'filled';
  /** With `import`: the fields the import has put in it so far. */
  fields?: string[];
  /**
   * With `import`: the emails and phones it has put in them (compared as {@link sameValue} does), so a row bringing
   * one more (a second enquiry of the same person with another address) adds it, and a row repeating them costs
   * nothing. Absent from markers written before it was kept: those lists are then not grown.
   */
  lists?: Partial<Record<ListField, string[]>>;
}

/** What {@link ContactFiller.complete} did: nothing, or calls to Pipedrive (worth a checkpoint). */
export type FillResult = 'none' | 'checked' | 'updated';

/**
 * Rows that describe the same person or organization complete it, rather than the first row to
 * reach a worker deciding it alone (rows run in parallel, so "first" is chance): when a row links
 * a contact that this import created, the fields it has and the contact lacks are added
 * (`PATCH`, 5 tokens; never overwriting). The import records, as it creates a contact, which
 * fields it set, so this costs no read of Pipedrive, and nothing when a row adds nothing new.
 *
 * With `--update-contacts fill-empty`, contacts that existed before the import get the same
 * treatment once per import: read (1 token) and given the row's values where theirs are empty
 * (5). A lock per contact keeps two workers from filling one at once.
 */
export class ContactFiller {
  private readonly keys: ReturnType<typeof keysFor>;
  /**
   * The first look at a contact's marker, before any lock (most rows stop there): those asked in the same turn, or
   * while the ones before are on their way, go as one `MGET` (one per hash tag on a cluster), as the contact cache's
   * reads do. The look again under the fill lock stays a `GET` of its own.
   */
  private readonly markers = new TurnBatcher<{
    key: string;
    resolve(raw: string | null): void;
    reject(err: unknown): void;
  }>(
    (asked) => ({ calls: groupByHashTag(asked, (r) => r.key, this.keys.cluster) }),
    async (call) => {
      const raws =
        call.length === 1
          ? [await this.options.redis.get(call[0]!.key)]
          : await this.options.redis.mget(...call.map((r) => r.key));
      call.forEach((r, i) => {
        r.resolve(raws[i] ?? null);
      });
    },
  );

  constructor(private readonly options: ContactFillerOptions) {
    this.keys = keysFor(options.prefix, keyScope(options.redis, options.connection ?? DEFAULT_CONNECTION));
  }

  /** Records that the import created this contact with these fields (before others can link it). */
  async recordCreated(importId: string, kind: Kind, id: number, body: object): Promise<void> {
    const marker: Marker = {
      by: 'import',
      fields: fieldsOf(body as Body, kind),
      lists: listsOf(body as Body),
    };
    await this.options.redis.set(
      this.keys.filled(importId, kind, id),
      JSON.stringify(marker),
      'EX',
      MARKER_TTL_S,
    );
  }

  /**
   * Completes a person this row linked but did not create. `beforeCall` runs right before a call to Pipedrive (the
   * row checkpoints what it has not yet: most completions make none).
   */
  completePerson(
    importId: string,
    id: number,
    fields: PersonFields,
    orgId: number | undefined,
    fillExisting: boolean,
    ctx: CallContext,
    beforeCall?: () => Promise<void>,
  ): Promise<FillResult> {
    const { api, gateway } = this.options;
    return this.complete(
      importId,
      'person',
      id,
      personBody(fields, orgId) as unknown as Body,
      fillExisting,
      ctx,
      {
        read: () => gateway.call('persons.get', ctx, (o) => api.getPerson(id, o)),
        update: (patch) =>
          gateway.call('persons.update', ctx, (o) => api.updatePerson(id, patch as UpdatePersonBody, o)),
      },
      beforeCall,
    );
  }

  /** Completes an organization this row linked but did not create (`beforeCall`: as {@link completePerson}'s). */
  completeOrganization(
    importId: string,
    id: number,
    fields: OrganizationFields,
    fillExisting: boolean,
    ctx: CallContext,
    beforeCall?: () => Promise<void>,
  ): Promise<FillResult> {
    const { api, gateway } = this.options;
    return this.complete(
      importId,
      'org',
      id,
      organizationBody(fields) as unknown as Body,
      fillExisting,
      ctx,
      {
        read: () => gateway.call('organizations.get', ctx, (o) => api.getOrganization(id, o)),
        update: (patch) =>
          gateway.call('organizations.update', ctx, (o) =>
            api.updateOrganization(id, patch as UpdateOrganizationBody, o),
          ),
      },
      beforeCall,
    );
  }

  private async complete(
    importId: string,
    kind: Kind,
    id: number,
    body: Body,
    fillExisting: boolean,
    ctx: CallContext,
    calls: { read: () => Promise<Person | Organization>; update: (patch: Body) => Promise<unknown> },
    beforeCall: () => Promise<void> = async () => {},
  ): Promise<FillResult> {
    const brought = fieldsOf(body, kind);
    // Most repeated rows bring nothing beyond the name: no Redis, no Pipedrive.
    if (brought.length === 0) return 'none';
    const { redis, locks, companyKey } = this.options;
    const key = this.keys.filled(importId, kind, id);
    const parse = (raw: string | null) => (raw ? (JSON.parse(raw) as Marker) : undefined);
    const read = async (): Promise<Marker | undefined> => parse(await redis.get(key));
    const before = parse(await this.markers.ask({ key }));
    if (before?.by === 'filled' || (before === undefined && !fillExisting)) return 'none';
    if (
      before?.by === 'import' &&
      brought.every((f) => before.fields?.includes(f)) &&
      grownLists(before, body).length === 0
    )
      return 'none';

    // An update sets the same values however often it is sent, so it may be retried; the lock
    // keeps two rows from each adding their value to the same empty field.
    const got = await locks.acquire<never>(this.keys.lock(companyKey, `${kind}-fill`, String(id)), {
      ttlMs: 30_000,
      waitMs: 120_000,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if ('timedOut' in got || 'found' in got) {
      throw new LockTimeoutError(`Another worker held the ${kind} fill lock too long; will retry`);
    }
    try {
      const marker = await read();
      if (marker?.by === 'filled') return 'none';
      if (marker?.by === 'import') {
        const set = new Set(marker.fields ?? []);
        const grown = grownLists(marker, body);
        const patch = pick(
          body,
          brought.filter((f) => !set.has(f)),
        );
        if (!patch && grown.length === 0) return 'none';
        await beforeCall();
        const update: Body = { ...patch };
        if (grown.length > 0) {
          // A list is replaced whole by an update: the values it holds now (the import's, and any added by hand
          // since) are read and kept, the row's new ones added after them.
          const current = (await calls.read()) as unknown as Body;
          for (const f of grown) update[f] = mergedList(f, current[f], body[f]);
        }
        await calls.update(update);
        const next: Marker = {
          by: 'import',
          fields: [...new Set([...set, ...fieldsOf(update, kind)])],
          ...(marker.lists ? { lists: { ...marker.lists, ...listsOf(update) } } : {}),
        };
        await redis.set(key, JSON.stringify(next), 'EX', MARKER_TTL_S);
        return 'updated';
      }
      if (!fillExisting) return 'none';
      await beforeCall();
      const existing = (await calls.read()) as unknown as Body;
      const patch = pick(
        body,
        brought.filter((f) => isEmpty(fieldValue(existing, f))),
      );
      if (patch) await calls.update(patch);
      await redis.set(key, JSON.stringify({ by: 'filled' } satisfies Marker), 'EX', MARKER_TTL_S);
      return patch ? 'updated' : 'checked';
    } finally {
      await got.lock.release();
    }
  }
}

/** The fillable fields a body sets: standard ones by name, custom ones as `custom:<key>`. */
export function fieldsOf(body: Body, kind: Kind): string[] {
  const names: readonly string[] = kind === 'person' ? PERSON_FILLABLE : ORGANIZATION_FILLABLE;
  const out = names.filter((n) => !isEmpty(body[n]));
  for (const [key, value] of Object.entries(body.custom_fields ?? {}))
    if (!isEmpty(value)) out.push(`custom:${key}`);
  return out;
}

/** An email or phone as lists compare them: an email by its match key (as the cache and locks do), a phone by its digits. */
function sameValue(field: ListField, value: string): string {
  return field === 'emails' ? personKey({ email: value }) : value.replace(/[^\d+]/g, '');
}

function listValues(list: unknown): string[] {
  return Array.isArray(list)
    ? list.map((v) => (v as { value?: unknown }).value).filter((v): v is string => typeof v === 'string')
    : [];
}

/** The emails and phones a body sets, as {@link Marker.lists} keeps them. */
function listsOf(body: Body): Partial<Record<ListField, string[]>> {
  const out: Partial<Record<ListField, string[]>> = {};
  for (const f of LIST_FIELDS) {
    const values = listValues(body[f]).map((v) => sameValue(f, v));
    if (values.length > 0) out[f] = values;
  }
  return out;
}

/** The lists this import has set (and keeps track of) to which the body brings a value they lack. */
function grownLists(marker: Marker, body: Body): ListField[] {
  const lists = marker.lists;
  if (!lists) return [];
  return LIST_FIELDS.filter((f) => {
    const had = lists[f];
    if (!had || !marker.fields?.includes(f)) return false;
    return listValues(body[f]).some((v) => !had.includes(sameValue(f, v)));
  });
}

/** `current` (as Pipedrive holds it, its primary kept) followed by the values of `brought` it lacks, none primary. */
function mergedList(field: ListField, current: unknown, brought: unknown): unknown[] {
  type Item = { value: string; label?: string; primary?: boolean };
  const kept = (Array.isArray(current) ? (current as Item[]) : []).map((v) => ({
    value: v.value,
    label: v.label,
    primary: v.primary === true,
  }));
  const seen = new Set(kept.map((v) => sameValue(field, v.value)));
  const added: Item[] = [];
  for (const v of Array.isArray(brought) ? (brought as Item[]) : []) {
    const same = sameValue(field, v.value);
    if (seen.has(same)) continue;
    seen.add(same);
    added.push({ value: v.value, label: v.label, primary: false });
  }
  return [...kept, ...added];
}

function fieldValue(body: Body, field: string): unknown {
  return field.startsWith('custom:') ? body.custom_fields?.[field.slice('custom:'.length)] : body[field];
}

/** The part of `body` that sets `fields`; undefined when that is nothing. */
function pick(body: Body, fields: string[]): Body | undefined {
  if (fields.length === 0) return undefined;
  const patch: Body = {};
  for (const f of fields) {
    if (f.startsWith('custom:')) {
      patch.custom_fields = { ...patch.custom_fields, [f.slice(7)]: body.custom_fields?.[f.slice(7)] };
    } else patch[f] = body[f];
  }
  return patch;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object' && 'value' in (v as object)) return !(v as PostalAddress).value;
  return false;
}

/** What fill-empty would send an existing person: the row's fields that are empty on it. */
export function personPatch(
  existing: Person,
  fields: PersonFields,
  orgId: number | undefined,
): UpdatePersonBody | undefined {
  const body = personBody(fields, orgId) as unknown as Body;
  return pick(
    body,
    fieldsOf(body, 'person').filter((f) => isEmpty(fieldValue(existing as unknown as Body, f))),
  ) as UpdatePersonBody | undefined;
}

/** What fill-empty would send an existing organization: the row's fields that are empty on it. */
export function organizationPatch(
  existing: Organization,
  fields: OrganizationFields,
): UpdateOrganizationBody | undefined {
  const body = organizationBody(fields) as unknown as Body;
  return pick(
    body,
    fieldsOf(body, 'org').filter((f) => isEmpty(fieldValue(existing as unknown as Body, f))),
  ) as UpdateOrganizationBody | undefined;
}
