import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import type { Logger } from '../logging/logger.js';
import { TOKEN_COSTS } from '../pipedrive/token-costs.js';
import type { Organization, Person, PipedriveApi } from '../pipedrive/types.js';
import type { ImportLedger } from '../queue/ledger.js';
import { keyScope, keysFor } from '../queue/names.js';
import { RecentMap } from '../queue/recent-map.js';
import type { CacheMeta, ContactCache, ContactKind } from './contact-cache.js';
import { organizationKeyOf, personKeysOf, rfc3339 } from './contact-keys.js';
import type { KeyLocks } from './key-lock.js';
import type { WarmCacheMode } from './options.js';
import type { CallContext, PipedriveGateway } from './pipedrive-gateway.js';

const PAGE_SIZE = 500;
/** Reverse entries `#o<id>` → organization key, kept in the organization hash for person name keys. */
const ORG_REVERSE = '#o';

/** The organization cache's reverse entry of an id (id → match key, for person name keys). */
export function orgReverseField(orgId: number): string {
  return `${ORG_REVERSE}${orgId}`;
}

export interface CacheWarmerOptions {
  redis: Redis;
  prefix: string;
  companyKey: string;
  /** The connection the company is served through (its hash tag on a Redis Cluster). @defaultValue `default` */
  connection?: string;
  api: PipedriveApi;
  gateway: PipedriveGateway;
  cache: ContactCache;
  locks: KeyLocks;
  ledger: ImportLedger;
  mode: WarmCacheMode;
  /** A listed cache is trusted this long before a miss lists what changed. */
  freshnessMs: number;
  /** Subtracted from our clock for `updated_since`. */
  clockSkewMs: number;
  logger: Logger;
}

/** How long a read of a kind's cache meta is reused (the same second's tolerance as before it was shared). */
const META_REUSE_MS = 1000;

/**
 * Decides, once per import, whether to fill the contact cache by listing the company's
 * organizations and persons (10 tokens per 500) instead of searching each distinct key of the
 * import (20 tokens each), and keeps a listed cache fresh with `updated_since`.
 *
 * The company's size is not known up front (v2 lists give no total), so `auto` lists page by
 * page and stops as soon as listing has cost as much as searching every key would: the
 * ski-rental rule, never worse than twice the better choice and usually the better choice
 * itself (a company of N contacts costs 10·⌈N/500⌉ tokens to list; the import's K keys cost 20·K
 * to search, so listing wins while N < 1000·K). Pages listed before stopping stay in the cache.
 *
 * A completely listed cache is *authoritative*: a miss means "not in Pipedrive" (after a
 * refresh if the cache is older than `freshnessMs`), so no search is spent on new contacts.
 * Its limit: a contact someone else adds between two refreshes can be created again.
 */
export class CacheWarmer {
  private readonly prepared = new RecentMap<string, Promise<void>>();
  private readonly done = new RecentMap<string, true>();
  private readonly refreshing = new Map<ContactKind, Promise<void>>();
  private readonly keys: ReturnType<typeof keysFor>;
  /**
   * Each kind's cache meta as last read, reused for {@link META_REUSE_MS}: whether the cache is complete and how
   * fresh its last listing is are asked for every contact a row may create (a read each was half a Redis round
   * trip per lead when contacts are new), and both change rarely (a listing's end, a new day's refresh).
   */
  private metaSeen: Partial<Record<ContactKind, { meta: Promise<CacheMeta>; at: number }>> = {};

  constructor(private readonly options: CacheWarmerOptions) {
    this.keys = keysFor(options.prefix, keyScope(options.redis, options.connection ?? DEFAULT_CONNECTION));
  }

  /** Runs the warm-up decision for an import once (per process; coordinated across processes). */
  prepare(importId: string, ctx: CallContext): Promise<void> {
    let p = this.prepared.get(importId);
    if (!p) {
      p = this.decide(importId, ctx).then(
        () => {
          this.done.set(importId, true);
        },
        (err: unknown) => {
          this.prepared.delete(importId);
          throw err;
        },
      );
      this.prepared.set(importId, p);
    }
    return p;
  }

  /** Whether {@link prepare} has finished for the import in this process (the cache is as warm as it gets). */
  isPrepared(importId: string): boolean {
    return this.done.has(importId);
  }

  /**
   * True when a miss on this key means "not in Pipedrive": its kind was fully listed and, for a
   * person's name key (`n:name@org`), the organizations too (the key holds the org's key).
   */
  async isAuthoritative(kind: ContactKind, matchKey: string): Promise<boolean> {
    if (kind === 'person' && matchKey.startsWith('n:') && !(await this.isComplete('org'))) return false;
    return this.isComplete(kind);
  }

  private async isComplete(kind: ContactKind): Promise<boolean> {
    return (await this.recentMeta(kind)).completeAt !== undefined;
  }

  /** The kind's cache meta, read at most once per {@link META_REUSE_MS} (rows asking meanwhile share the read). */
  private recentMeta(kind: ContactKind): Promise<CacheMeta> {
    const seen = this.metaSeen[kind];
    if (seen && Date.now() - seen.at < META_REUSE_MS) return seen.meta;
    const meta = this.options.cache.meta(kind);
    const entry = { meta, at: Date.now() };
    this.metaSeen[kind] = entry;
    meta.catch(() => {
      if (this.metaSeen[kind] === entry) delete this.metaSeen[kind];
    });
    return meta;
  }

  /** Lists what changed since the last listing, if that was longer ago than `freshnessMs`. */
  refreshIfStale(kind: ContactKind, ctx: CallContext): Promise<void> {
    let p = this.refreshing.get(kind);
    if (!p) {
      p = this.refreshUnderLock(kind, ctx).finally(() => this.refreshing.delete(kind));
      this.refreshing.set(kind, p);
    }
    return p;
  }

  /** The organization key of an id (for person name keys), when known. */
  async orgKeyOf(orgId: number): Promise<string | undefined> {
    return (
      (await this.options.redis.hget(this.options.cache.key('org'), orgReverseField(orgId))) ?? undefined
    );
  }

  async rememberOrg(orgId: number, orgKey: string): Promise<void> {
    await this.options.redis.hset(this.options.cache.key('org'), orgReverseField(orgId), orgKey);
  }

  private async decide(importId: string, ctx: CallContext): Promise<void> {
    const { mode, locks, redis, logger } = this.options;
    if (mode === 'never') return;
    const decisionKey = this.keys.lock(this.options.companyKey, 'warm-decision', importId);
    if (await redis.exists(decisionKey)) return;
    const lockKey = this.keys.lock(this.options.companyKey, 'warm', 'all');
    const got = await locks.acquire<true>(lockKey, {
      ttlMs: 60_000,
      waitMs: 10 * 60_000,
      poll: async () => ((await redis.exists(decisionKey)) ? true : undefined),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (!('lock' in got)) return;
    const { lock } = got;
    try {
      if (await redis.exists(decisionKey)) return;
      const [orgMeta, personMeta] = await Promise.all([
        this.options.cache.meta('org'),
        this.options.cache.meta('person'),
      ]);
      let decision: string;
      if (orgMeta.completeAt !== undefined && personMeta.completeAt !== undefined) {
        await this.refresh('org', ctx, () => lock.extend());
        await this.refresh('person', ctx, () => lock.extend());
        decision = 'listed-before';
      } else {
        const budget =
          mode === 'always'
            ? { org: Number.POSITIVE_INFINITY, person: Number.POSITIVE_INFINITY }
            : await this.searchCostOf(importId);
        const spent = { tokens: 0 };
        const listed = async (kind: ContactKind, complete: boolean) => {
          if (complete) {
            await this.refresh(kind, ctx, () => lock.extend());
            return true;
          }
          return this.listAll(kind, ctx, budget[kind], spent, () => lock.extend());
        };
        // Organizations first: person name keys need their organization's key.
        const orgsDone = await listed('org', orgMeta.completeAt !== undefined);
        const personsDone = await listed('person', personMeta.completeAt !== undefined);
        decision = orgsDone && personsDone ? 'listed' : personsDone ? 'listed-persons' : 'search';
        logger.info(
          { importId, decision, listingTokens: spent.tokens, searchTokens: budget.org + budget.person },
          personsDone
            ? `Warmed the contact cache by listing (${spent.tokens} tokens) for import ${importId}`
            : `Listing contacts would cost more than searching for import ${importId}; searching each new key`,
        );
      }
      await redis.set(decisionKey, decision, 'PX', 24 * 3_600_000);
      this.metaSeen = {};
    } finally {
      await lock.release();
    }
  }

  /** What searching the import's distinct keys of each kind would cost (the producer counts them). */
  private async searchCostOf(importId: string): Promise<Record<ContactKind, number>> {
    const record = await this.options.ledger.getImport(importId);
    if (!record) return { org: 0, person: 0 };
    // While the producer is still reading, its distinct counts are partial: assume every row is new.
    const reading = record.state === 'reading';
    const persons = reading ? Math.max(record.distinctPersons, record.enqueued) : record.distinctPersons;
    const orgs = reading
      ? Math.max(record.distinctOrganizations, record.enqueued)
      : record.distinctOrganizations;
    return {
      org: TOKEN_COSTS['organizations.search'] * orgs,
      person: TOKEN_COSTS['persons.search'] * persons,
    };
  }

  /**
   * Lists every contact of a kind into the cache, unless listing would cost more than `budget`
   * tokens (then stops, keeping what it listed). Returns whether the listing completed.
   */
  private async listAll(
    kind: ContactKind,
    ctx: CallContext,
    budget: number,
    spent: { tokens: number },
    keepAlive: () => Promise<boolean>,
  ): Promise<boolean> {
    const startedAt = Date.now();
    let cursor: string | undefined;
    const pageCost = TOKEN_COSTS[kind === 'org' ? 'organizations.list' : 'persons.list'];
    let kindSpent = 0;
    for (;;) {
      if (kindSpent + pageCost > budget) return false;
      const page = await this.listPage(kind, ctx, { cursor });
      kindSpent += pageCost;
      spent.tokens += pageCost;
      await this.addToCache(kind, page.items);
      await keepAlive();
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    await this.options.cache.setMeta(kind, { completeAt: Date.now(), syncedThrough: rfc3339(startedAt) });
    return true;
  }

  private async refreshUnderLock(kind: ContactKind, ctx: CallContext): Promise<void> {
    // A listing that looked fresh a moment ago still is (its time only moves on); under the lock, read again.
    const meta = await this.recentMeta(kind);
    const lastMs = meta.syncedThrough ? Date.parse(meta.syncedThrough) : 0;
    if (Date.now() - lastMs < this.options.freshnessMs) return;
    const lockKey = this.keys.lock(this.options.companyKey, 'refresh', kind);
    const lock = await this.options.locks.tryAcquire(lockKey, 60_000);
    // Someone else is refreshing: trust the cache as it is for this row.
    if (!lock) return;
    try {
      const again = await this.options.cache.meta(kind);
      if (again.syncedThrough && Date.now() - Date.parse(again.syncedThrough) < this.options.freshnessMs)
        return;
      await this.refresh(kind, ctx, () => lock.extend());
    } finally {
      await lock.release();
    }
  }

  /** Lists what changed since the last listing (minus the allowed clock skew) into the cache. */
  private async refresh(
    kind: ContactKind,
    ctx: CallContext,
    keepAlive: () => Promise<boolean>,
  ): Promise<void> {
    const meta = await this.options.cache.meta(kind);
    const startedAt = Date.now();
    const sinceMs = (meta.syncedThrough ? Date.parse(meta.syncedThrough) : 0) - this.options.clockSkewMs;
    let cursor: string | undefined;
    for (;;) {
      const page = await this.listPage(kind, ctx, { cursor, updatedSince: rfc3339(Math.max(0, sinceMs)) });
      await this.addToCache(kind, page.items);
      await keepAlive();
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    await this.options.cache.setMeta(kind, { syncedThrough: rfc3339(startedAt) });
    delete this.metaSeen[kind];
  }

  private async listPage(
    kind: ContactKind,
    ctx: CallContext,
    q: { cursor?: string | undefined; updatedSince?: string },
  ): Promise<{ items: (Person | Organization)[]; nextCursor: string | null }> {
    const { api, gateway } = this.options;
    const query = {
      limit: PAGE_SIZE,
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.updatedSince ? { updated_since: q.updatedSince } : {}),
    };
    return kind === 'org'
      ? gateway.call('organizations.list', ctx, (o) => api.listOrganizations(query, o))
      : gateway.call('persons.list', ctx, (o) => api.listPersons(query, o));
  }

  /**
   * Puts listed contacts in the cache under their match keys, as warming does (organizations
   * before the persons whose name keys need them). The reconciliation after a Redis rollback uses
   * it for the contacts created in the window that may have lost their cache entries.
   */
  addListed(kind: ContactKind, items: (Person | Organization)[]): Promise<void> {
    return this.addToCache(kind, items);
  }

  private async addToCache(kind: ContactKind, items: (Person | Organization)[]): Promise<void> {
    if (items.length === 0) return;
    if (kind === 'org') {
      const entries: [string, number][] = [];
      const reverse: Record<string, string> = {};
      for (const org of items as Organization[]) {
        const key = organizationKeyOf(org);
        if (!key) continue;
        entries.push([key, org.id]);
        reverse[`${ORG_REVERSE}${org.id}`] = key;
      }
      await this.options.cache.addListed('org', entries);
      if (Object.keys(reverse).length) await this.options.redis.hset(this.options.cache.key('org'), reverse);
      return;
    }
    const persons = items as Person[];
    const orgIds = [
      ...new Set(persons.map((p) => p.org_id).filter((id): id is number => typeof id === 'number')),
    ];
    const orgKeys = new Map<number, string>();
    if (orgIds.length) {
      const found = await this.options.redis.hmget(
        this.options.cache.key('org'),
        ...orgIds.map((id) => `${ORG_REVERSE}${id}`),
      );
      orgIds.forEach((id, i) => {
        const k = found[i];
        if (k) orgKeys.set(id, k);
      });
    }
    const entries: [string, number][] = [];
    for (const person of persons) {
      const orgKey = person.org_id ? orgKeys.get(person.org_id) : undefined;
      // A person at an organization we cannot name gets no name key (its name key would be wrong).
      const keys = personKeysOf(person, orgKey).filter(
        (k) => !(person.org_id && !orgKey && k.startsWith('n:')),
      );
      for (const k of keys) entries.push([k, person.id]);
    }
    await this.options.cache.addListed('person', entries);
  }
}
