import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import { isNotFoundError } from '../pipedrive/errors.js';
import type {
  AddOrganizationBody,
  AddPersonBody,
  Organization,
  Person,
  PipedriveApi,
} from '../pipedrive/types.js';
import type { ContactValue, OrganizationFields, PersonFields } from '../queue/job-data.js';
import { organizationKey, personKey } from '../queue/match-keys.js';
import { keyScope, keysFor } from '../queue/names.js';
import { type CacheWarmer, orgReverseField } from './cache-warmer.js';
import type { ContactCache, ContactKind } from './contact-cache.js';
import { organizationKeyOf, personKeysOf, rfc3339 } from './contact-keys.js';
import { createOnce } from './create-once.js';
import { LockTimeoutError, RowRestartError } from './errors.js';
import type { HeldLock, INTENT_TTL_MS, KeyLocks } from './key-lock.js';
import type { CallContext, PipedriveGateway } from './pipedrive-gateway.js';
import { waitUntilOld } from './sleep.js';

export interface Resolved {
  id: number;
  /** True when this row's worker created it (now or in an earlier attempt whose answer was lost). */
  created: boolean;
  /** Straight from the shared cache: no call, no lock (nothing worth checkpointing). */
  cached?: boolean;
  /** Put in the cache by this resolution (an organization's reverse entry too). */
  remembered?: boolean;
}

/**
 * What the shared cache held for a row's contacts, read together before they are resolved
 * ({@link ContactResolver.lookUp}): an id, or `null` for a miss. Absent = not looked up.
 */
export interface KnownContacts {
  org?: number | null;
  person?: number | null;
}

/** A row's contacts as {@link ContactResolver.lookUp} takes them. */
export interface ContactsOfRow {
  organization: OrganizationFields | undefined;
  person: PersonFields | undefined;
  /** The row's organization name: a person's key holds it. */
  organizationName: string | undefined;
}

export interface ContactResolverOptions {
  redis: Redis;
  prefix: string;
  companyKey: string;
  /** The connection the company is served through (its hash tag on a Redis Cluster). @defaultValue `default` */
  connection?: string;
  api: PipedriveApi;
  gateway: PipedriveGateway;
  cache: ContactCache;
  warmer: CacheWarmer;
  locks: KeyLocks;
  /** Extra tries of a create whose outcome is unknown (each preceded by a look). */
  createRetries: number;
  /** Subtracted from our clock when listing `updated_since` an intent. */
  clockSkewMs: number;
  /** How long a creation lock lives if its holder dies (ms). @defaultValue 30000 */
  lockTtlMs?: number;
  /** How long to wait for another worker's creation lock (ms). @defaultValue 120000 */
  lockWaitMs?: number;
  /**
   * How long after its intent a create sent by a holder that then stopped (killed, frozen, cut
   * off) may still land in Pipedrive, in ms: whoever inherits a younger intent waits until it is
   * this old before looking. @defaultValue 0
   */
  inFlightWindowMs?: number;
}

/** The v2 person body of a row (pipedrive-api.md §5.2): emails and phones as objects, the first primary. */
export function personBody(fields: PersonFields, orgId: number | undefined): AddPersonBody {
  const { name, email, phone, emails, phones, custom_fields, ...rest } = fields;
  const list = (values: ContactValue[]) =>
    values.map((v, i) => ({ value: v.value, label: v.label, primary: i === 0 }));
  const body: AddPersonBody = { name, ...rest };
  if (orgId !== undefined) body.org_id = orgId;
  const allEmails = emails ?? (email ? [{ value: email, label: 'work' }] : []);
  const allPhones = phones ?? (phone ? [{ value: phone, label: 'work' }] : []);
  if (allEmails.length) body.emails = list(allEmails);
  if (allPhones.length) body.phones = list(allPhones);
  if (custom_fields && Object.keys(custom_fields).length) body.custom_fields = custom_fields;
  return body;
}

/** The v2 organization body of a row (pipedrive-api.md §5.3). */
export function organizationBody(fields: OrganizationFields): AddOrganizationBody {
  const { custom_fields, ...rest } = fields;
  const body: AddOrganizationBody = { ...rest };
  if (custom_fields && Object.keys(custom_fields).length) body.custom_fields = custom_fields;
  return body;
}

/** The error of a holder that finds its creation lock gone before a create: someone else may hold it now. */
function lostLock(kind: ContactKind): RowRestartError {
  return new RowRestartError(`Lost the ${kind} creation lock before creating; the row starts again`);
}

/** Pages of `updated_since` listing looked through for a lost create before concluding it is absent. */
const MAX_LOOKUP_PAGES = 10;

interface Spec<T> {
  kind: ContactKind;
  matchKey: string;
  /** What the cache held a moment ago ({@link ContactResolver.lookUp}); absent: read it. */
  known?: number | null;
  /** Exact search; undefined when nothing matches. */
  search: (ctx: CallContext) => Promise<number | undefined>;
  create: (ctx: CallContext) => Promise<T & { id: number }>;
  /** Does a listed contact match (for finding a create whose answer was lost)? */
  matches: (item: T) => boolean | Promise<boolean>;
  onCreated?: (id: number) => Promise<void>;
}

/**
 * Find or create an organization or a person, exactly once across every worker process.
 *
 * Per match key: shared cache → (single-flight in this process) → Redis lock, cache re-checked
 * inside it → exact search (skipped when the cache is authoritative, see {@link CacheWarmer}) →
 * create. Around the create, an **intent** (the time it was written) is put into the lock's own key
 * (`{prefix}:lock:{company}:{kind}:{key}`, see {@link KeyLocks}) before the POST, in the script that
 * also checks and extends the lock, and goes with the lock once the id is in the cache, so a create
 * whose answer was lost (timeout, reset, 5xx after the write, or a worker killed mid-request) is
 * always noticed by whoever takes the lock next: the intent outlives the lock and comes back with the
 * take. What a created contact costs there: 8 Redis commands (10 with a separate intent key, issue #12).
 *
 * Crash windows: killed before the intent, the lock expires and the next holder searches; killed
 * after it (the create maybe sent), the next holder gets the intent with the lock, waits
 * `inFlightWindowMs` and lists; frozen past the lock's TTL before the create, the intent's write
 * finds the lock gone, writes nothing and the row starts again (a later send, after an unknown
 * outcome, extends first). The intent is written before the row's guard makes it durable
 * (`WAITAOF`, Redis epoch), and so the lock's last check before the first send comes before that
 * guard too, not after it: the gateway's admission waits after either anyway.
 *
 * Rolling upgrade: the version before kept the intent in `{kind}-intent:{key}` beside the lock. It is
 * read inside the intent's write while no intent came with the lock (one command more, which can go
 * once no older worker has run for {@link INTENT_TTL_MS}); an intent found there is listed for as
 * above and its key deleted with the lock. An older worker never takes a key that holds an intent.
 *
 * Search lag: a contact created a moment ago may not be searchable yet, so an intent is never
 * resolved by search. It is resolved by **listing** contacts updated since the intent (v2
 * `updated_since`, 10 tokens per 500): lists read the database, not the search index. Limits:
 * the listing looks back `clockSkewMs` before the intent and at most 10 pages (5,000 contacts
 * changed since); if Pipedrive's clock is further off, or the company changes more contacts in
 * that time, a lost create can be repeated. Without an intent (a contact that exists from before)
 * search lag does not matter: it was indexed long ago.
 */
export class ContactResolver {
  private readonly inFlight = new Map<string, Promise<Resolved>>();
  private readonly keys: ReturnType<typeof keysFor>;

  constructor(private readonly options: ContactResolverOptions) {
    this.keys = keysFor(options.prefix, keyScope(options.redis, options.connection ?? DEFAULT_CONNECTION));
  }

  /**
   * Looks up a row's organization and person in the shared cache in one round trip, so that
   * {@link organization} and {@link person} need no read of their own when the cache has them (most
   * rows: contacts repeat). The person's key uses the row's organization name (`organizationName`),
   * whether or not the organization is still to resolve.
   */
  async lookUp(
    organization: OrganizationFields | undefined,
    person: PersonFields | undefined,
    organizationName: string | undefined,
  ): Promise<KnownContacts> {
    const [known] = await this.lookUpMany([{ organization, person, organizationName }]);
    return known as KnownContacts;
  }

  /**
   * {@link lookUp} for several rows at once (a chunk's, as it starts): one round trip, and one HMGET per kind for
   * all of them.
   */
  async lookUpMany(rows: readonly ContactsOfRow[]): Promise<KnownContacts[]> {
    const lookups: [ContactKind, string][] = [];
    for (const { organization, person, organizationName } of rows) {
      if (organization) lookups.push(['org', organizationKey(organization.name)]);
      if (person) lookups.push(['person', personKey(person, organizationName)]);
    }
    const ids = await this.options.cache.getMany(lookups);
    let i = 0;
    return rows.map(({ organization, person }) => {
      const known: KnownContacts = {};
      if (organization) known.org = ids[i++] ?? null;
      if (person) known.person = ids[i++] ?? null;
      return known;
    });
  }

  /**
   * `onCreated` runs right after a create, before any other row can see the new id: the contact
   * filler records there what the import put in it. `known`: what {@link lookUp} found for it.
   */
  async organization(
    fields: OrganizationFields,
    ctx: CallContext,
    onCreated?: (id: number) => Promise<void>,
    known?: number | null,
  ): Promise<Resolved> {
    const { api, gateway, warmer } = this.options;
    const matchKey = organizationKey(fields.name);
    const resolved = await this.resolve<Organization>(
      {
        kind: 'org',
        matchKey,
        ...(known !== undefined ? { known } : {}),
        search: async (c) => (await this.searchOrganizations(fields, c))[0],
        create: (c) =>
          gateway.call('organizations.add', c, (o) => api.addOrganization(organizationBody(fields), o), {
            retry: false,
          }),
        matches: (org) => organizationKeyOf(org) === matchKey,
        ...(onCreated ? { onCreated } : {}),
      },
      ctx,
    );
    if (!resolved.cached && !resolved.remembered) await warmer.rememberOrg(resolved.id, matchKey);
    return resolved;
  }

  async person(
    fields: PersonFields,
    org: { id: number; name: string } | undefined,
    ctx: CallContext,
    onCreated?: (id: number) => Promise<void>,
    known?: number | null,
  ): Promise<Resolved> {
    const { api, gateway, warmer } = this.options;
    const matchKey = personKey(fields, org?.name);
    return this.resolve<Person>(
      {
        kind: 'person',
        matchKey,
        ...(known !== undefined ? { known } : {}),
        search: async (c) => (await this.searchPersons(fields, org, c))[0],
        create: (c) =>
          gateway.call('persons.add', c, (o) => api.addPerson(personBody(fields, org?.id), o), {
            retry: false,
          }),
        matches: async (p) => {
          const orgKey = p.org_id ? await warmer.orgKeyOf(p.org_id) : undefined;
          return personKeysOf(p, orgKey).includes(matchKey);
        },
        ...(onCreated ? { onCreated } : {}),
      },
      ctx,
    );
  }

  /**
   * Whether Pipedrive still holds a contact the row reused (one read, 1 token). If not — deleted, or merged into another
   * since the cache learned it — the row's key for it names what an exact search finds instead (a merge's survivor:
   * a listed cache would take a miss for "absent" and create it again), or nothing; the row then resolves it anew.
   * `org`: the row's organization, where a person is matched by name within it.
   */
  async forgetIfGone(
    kind: ContactKind,
    id: number,
    row: { organization?: OrganizationFields; person?: PersonFields },
    org: { id: number; name: string } | undefined,
    ctx: CallContext,
  ): Promise<boolean> {
    const { api, gateway, cache } = this.options;
    let gone: boolean;
    try {
      const contact =
        kind === 'org'
          ? await gateway.call('organizations.get', ctx, (o) => api.getOrganization(id, o))
          : await gateway.call('persons.get', ctx, (o) => api.getPerson(id, o));
      gone = contact.is_deleted === true;
    } catch (err) {
      if (!isNotFoundError(err)) throw err;
      gone = true;
    }
    if (!gone) return false;
    if (kind === 'org' && row.organization) {
      const matchKey = organizationKey(row.organization.name);
      const survivor = (await this.searchOrganizations(row.organization, ctx)).find((found) => found !== id);
      await cache.replaceGone(
        'org',
        matchKey,
        id,
        survivor,
        [orgReverseField(id)],
        survivor === undefined ? [] : [[orgReverseField(survivor), matchKey]],
      );
    }
    if (kind === 'person' && row.person) {
      const survivor = (await this.searchPersons(row.person, org, ctx)).find((found) => found !== id);
      await cache.replaceGone('person', personKey(row.person, row.organization?.name), id, survivor);
    }
    return true;
  }

  /** The ids of the organizations named exactly like the row's, best first. */
  private async searchOrganizations(fields: OrganizationFields, ctx: CallContext): Promise<number[]> {
    const { api, gateway } = this.options;
    const matchKey = organizationKey(fields.name);
    const page = await gateway.call('organizations.search', ctx, (o) =>
      api.searchOrganizations({ term: fields.name, fields: ['name'], exact_match: true, limit: 10 }, o),
    );
    return page.items.filter((r) => organizationKey(r.item.name) === matchKey).map((r) => r.item.id);
  }

  /** The ids of the persons with the row's email (or, without one, its name within its organization), best first. */
  private async searchPersons(
    fields: PersonFields,
    org: { id: number; name: string } | undefined,
    ctx: CallContext,
  ): Promise<number[]> {
    const { api, gateway } = this.options;
    if (fields.email) {
      const page = await gateway.call('persons.search', ctx, (o) =>
        api.searchPersons({ term: fields.email!, fields: ['email'], exact_match: true, limit: 10 }, o),
      );
      const email = fields.email.toLowerCase();
      return page.items
        .filter((r) => r.item.emails.some((e) => e.toLowerCase() === email))
        .map((r) => r.item.id);
    }
    const page = await gateway.call('persons.search', ctx, (o) =>
      api.searchPersons(
        {
          term: fields.name,
          fields: ['name'],
          exact_match: true,
          limit: 50,
          ...(org ? { organization_id: org.id } : {}),
        },
        o,
      ),
    );
    const nameKey = organizationKey(fields.name);
    return page.items
      .filter(
        (r) => organizationKey(r.item.name) === nameKey && (r.item.organization?.id ?? undefined) === org?.id,
      )
      .map((r) => r.item.id);
  }

  private async resolve<T extends Person | Organization>(spec: Spec<T>, ctx: CallContext): Promise<Resolved> {
    const cached =
      spec.known !== undefined
        ? (spec.known ?? undefined)
        : await this.options.cache.get(spec.kind, spec.matchKey);
    if (cached !== undefined) return { id: cached, created: false, cached: true };
    // Rows of this process wanting the same contact share one resolution.
    const flightKey = `${spec.kind}\u0000${spec.matchKey}`;
    let flight = this.inFlight.get(flightKey);
    if (flight) {
      const shared = await flight;
      return { id: shared.id, created: false, cached: true };
    }
    flight = this.resolveUnderLock(spec, ctx).finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, flight);
    return flight;
  }

  private async resolveUnderLock<T extends Person | Organization>(
    spec: Spec<T>,
    ctx: CallContext,
  ): Promise<Resolved> {
    const { cache, locks, warmer } = this.options;
    const lockKey = this.keys.lock(this.options.companyKey, spec.kind, spec.matchKey);
    const got = await locks.acquire<number>(lockKey, {
      ttlMs: this.options.lockTtlMs ?? 30_000,
      waitMs: this.options.lockWaitMs ?? 120_000,
      poll: () => cache.get(spec.kind, spec.matchKey),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if ('found' in got) return { id: got.found, created: false };
    if ('timedOut' in got) {
      throw new LockTimeoutError(`Another worker held the ${spec.kind} creation lock too long; will retry`);
    }
    const { lock } = got;
    // Keep the lock while slow calls run (retries, listings); a dead holder's lock still expires.
    const ttl = this.options.lockTtlMs ?? 30_000;
    const keepAlive = setInterval(() => void lock.extend().catch(() => {}), Math.max(1000, ttl / 3));
    keepAlive.unref();
    try {
      // A fully listed cache: a miss means absent, once what changed lately has been listed; listed first, so that
      // the read below sees it (one read of the cache under the lock, not one before the listing and one after).
      const authoritative = await warmer.isAuthoritative(spec.kind, spec.matchKey);
      if (authoritative) await warmer.refreshIfStale(spec.kind, ctx);
      // The cache again (another process may have finished it meanwhile); an intent came with the lock.
      const again = await cache.get(spec.kind, spec.matchKey);
      if (again !== undefined) {
        await lock.releaseAfter(() => []);
        return { id: again, created: false };
      }
      let intentAt = lock.intentAt;
      if (intentAt === undefined && !authoritative) {
        const found = await spec.search(ctx);
        if (found !== undefined) return await this.remember(spec, found, false, lock);
      }
      // Where a worker of the version before kept its intent (a rolling upgrade): looked at by the intent's
      // write while no intent came with the lock, dropped once the contact is in the cache.
      const olderIntentKey = this.keys.lock(this.options.companyKey, `${spec.kind}-intent`, spec.matchKey);
      let older = false;
      for (;;) {
        if (intentAt !== undefined) {
          // The intent's writer lost the lock: its create may still be on the wire.
          await waitUntilOld(intentAt, this.options.inFlightWindowMs ?? 0, ctx.signal);
          const found = await this.findCreatedSince(spec, intentAt, ctx);
          if (found !== undefined)
            return await this.remember(
              spec,
              found,
              true,
              lock,
              spec.onCreated,
              older ? olderIntentKey : undefined,
            );
        }
        // The intent, and the extend before the create in the same script: a holder frozen past its lock's TTL
        // finds the lock gone and leaves the create to the next.
        const at = intentAt ?? Date.now();
        const mark = await lock.markIntent(
          at,
          lock.intentAt === undefined && !older ? olderIntentKey : undefined,
        );
        if ('lost' in mark) throw lostLock(spec.kind);
        if ('marked' in mark) {
          intentAt = at;
          break;
        }
        intentAt = mark.olderIntentAt;
        older = true;
      }
      const id = await this.createOnce(spec, intentAt, lock, ctx);
      return await this.remember(spec, id, true, lock, spec.onCreated, older ? olderIntentKey : undefined);
    } finally {
      clearInterval(keepAlive);
      await lock.release();
    }
  }

  /**
   * Sends the create; after a failure whose outcome is unknown, looks (by listing) before
   * sending again. An answer that proves nothing was created (4xx, 429) removes the intent with the lock.
   */
  private async createOnce<T extends Person | Organization>(
    spec: Spec<T>,
    intentAt: number,
    lock: HeldLock,
    ctx: CallContext,
  ): Promise<number> {
    let marked = true;
    return createOnce({
      send: async () => (await spec.create(ctx)).id,
      find: () => this.findCreatedSince(spec, intentAt, ctx),
      onNotCreated: () => lock.releaseAfter(() => []),
      retries: this.options.createRetries,
      gateway: this.options.gateway,
      ctx,
      beforeCreate: async () => {
        // The first send's check was the intent's write; a send again after an unknown outcome extends.
        if (marked) {
          marked = false;
          return;
        }
        if (!(await lock.extend())) throw lostLock(spec.kind);
      },
    });
  }

  /** Lists contacts updated since the intent (minus clock skew) and returns the one matching. */
  private async findCreatedSince<T extends Person | Organization>(
    spec: Spec<T>,
    intentAt: number,
    ctx: CallContext,
  ): Promise<number | undefined> {
    const { api, gateway } = this.options;
    const query = {
      updated_since: rfc3339(intentAt - this.options.clockSkewMs),
      sort_by: 'id' as const,
      limit: 500,
    };
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
      const q = cursor ? { ...query, cursor } : query;
      const result =
        spec.kind === 'org'
          ? await gateway.call('organizations.list', ctx, (o) => api.listOrganizations(q, o))
          : await gateway.call('persons.list', ctx, (o) => api.listPersons(q, o));
      for (const item of result.items as T[]) if (await spec.matches(item)) return item.id;
      if (!result.nextCursor) return undefined;
      cursor = result.nextCursor;
    }
    return undefined;
  }

  /**
   * Puts the id in the cache, drops the intent and releases the creation lock, in that order and in
   * one round trip (an organization's reverse entry, id → key, in the same HSET). `onCreated` (a created
   * contact: what the import put in it) is issued first, in the same turn: the worker's client writes the
   * turn's commands together and in order, so Redis has it before the cache entry that lets other rows link
   * the contact, without a round trip of its own.
   */
  private async remember<T>(
    spec: Spec<T>,
    id: number,
    created: boolean,
    lock: HeldLock,
    onCreated?: (id: number) => Promise<void>,
    olderIntentKey?: string,
  ): Promise<Resolved> {
    const cacheKey = this.options.cache.key(spec.kind);
    const recorded = onCreated?.(id);
    const released = lock.releaseAfter((r) => [
      spec.kind === 'org'
        ? r.hset(cacheKey, spec.matchKey, id, orgReverseField(id), spec.matchKey)
        : r.hset(cacheKey, spec.matchKey, id),
      ...(olderIntentKey ? [r.del(olderIntentKey)] : []),
    ]);
    const [first, second] = await Promise.allSettled([recorded, released]);
    if (first.status === 'rejected') throw first.reason;
    if (second.status === 'rejected') throw second.reason;
    return { id, created, remembered: true };
  }
}
