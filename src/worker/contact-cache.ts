import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import { keyScope, keysFor } from '../queue/names.js';
import { sendTogether } from '../queue/send-together.js';
import { TurnBatcher } from '../queue/turn-batcher.js';

export type ContactKind = 'org' | 'person';

/**
 * Meta fields kept in the same hash. They cannot collide with match keys: organization keys
 * have punctuation removed and person keys start with `e:` or `n:`.
 */
const COMPLETE = '#complete';
const SYNCED = '#synced';

/**
 * KEYS[1] the cache. ARGV: the match key, the gone id, the survivor's id ('' for none), the number n of fields to drop,
 * those n fields, then field/value pairs to set with the survivor.
 */
const REPLACE_GONE_LUA = `
local n = tonumber(ARGV[4])
for i = 5, 4 + n do redis.call('HDEL', KEYS[1], ARGV[i]) end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  if ARGV[3] == '' then
    redis.call('HDEL', KEYS[1], ARGV[1])
  else
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
    for i = 5 + n, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
  end
end
return 0`;

/**
 * KEYS[1] the cache, KEYS[2..] each listed contact's creation lock; ARGV: its match key and id, in the same order.
 * Sets a key not yet known, unless its lock holds an intent (`token|intentAt`, see KeyLocks): a create under way or
 * lost. The row that wrote it, or whoever takes its lock next, finds the contact by listing and records it as the
 * import's; listed into the cache first, the next row took it from there as one that existed before.
 */
const ADD_LISTED_LUA = `
for i = 2, #KEYS do
  local lock = redis.call('GET', KEYS[i])
  if not (lock and string.find(lock, '|', 1, true)) then
    redis.call('HSETNX', KEYS[1], ARGV[2 * i - 3], ARGV[2 * i - 2])
  end
end
return 0`;

export interface CacheMeta {
  /** When a full listing of the company's contacts finished: from then on a miss means "absent". */
  completeAt?: number;
  /** Pipedrive-side time (ISO 8601) the last listing covered; the next refresh lists `updated_since` it. */
  syncedThrough?: string;
}

interface Read {
  kind: ContactKind;
  matchKey: string;
  resolve(id: number | undefined): void;
  reject(err: unknown): void;
}

/**
 * Match key → Pipedrive id, per company and kind, shared by every worker (`{prefix}:cache:…`).
 * Ids are per company, so a cache never serves another company's token. Holds ids only, never
 * names or emails beyond the normalised match key itself.
 *
 * Single reads ({@link get}: a row's look before it takes a contact's creation lock, and again under it) asked in
 * the same turn of the event loop, or while the reads before them are on their way, go together (`TurnBatcher`):
 * one HMGET per kind instead of an HGET each. Only reads: what a row decides from one is decided as before, under
 * the lock where it matters, and a read batched with later ones is still sent after the row asked it.
 */
export class ContactCache {
  private readonly keys: ReturnType<typeof keysFor>;
  // Every key of one cache is in one slot (the connection's hash tag): one call per step.
  private readonly reads = new TurnBatcher<Read>(
    (asked) => ({ calls: [asked] }),
    async (call) => {
      const ids = await this.fetch(call.map((r): [ContactKind, string] => [r.kind, r.matchKey]));
      call.forEach((r, i) => {
        r.resolve(ids[i]);
      });
    },
  );

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly companyKey: string,
    /** The connection the company is served through (its hash tag on a Redis Cluster). */
    connection: string = DEFAULT_CONNECTION,
  ) {
    this.keys = keysFor(prefix, keyScope(redis, connection));
  }

  key(kind: ContactKind): string {
    return this.keys.cache(this.companyKey, kind);
  }

  get(kind: ContactKind, matchKey: string): Promise<number | undefined> {
    return this.reads.ask({ kind, matchKey });
  }

  /**
   * Several lookups in one round trip ({@link sendTogether}), in the order asked: one command per kind (HGET for
   * one key, HMGET for more), so a chunk's rows cost two commands, not two each.
   */
  getMany(lookups: readonly [ContactKind, string][]): Promise<(number | undefined)[]> {
    return this.fetch(lookups);
  }

  private async fetch(lookups: readonly [ContactKind, string][]): Promise<(number | undefined)[]> {
    if (lookups.length === 0) return [];
    const byKind = new Map<ContactKind, number[]>();
    lookups.forEach(([kind], i) => {
      const at = byKind.get(kind);
      if (at) at.push(i);
      else byKind.set(kind, [i]);
    });
    const kinds = [...byKind];
    const replies = await sendTogether(this.redis, (r) =>
      kinds.map(([kind, at]) =>
        at.length === 1
          ? r.hget(this.key(kind), lookups[at[0]!]![1]).then((raw) => [raw])
          : r.hmget(this.key(kind), ...at.map((i) => lookups[i]![1])),
      ),
    );
    const ids: (number | undefined)[] = new Array(lookups.length);
    kinds.forEach(([, at], k) => {
      at.forEach((i, j) => {
        const raw = replies[k]![j];
        ids[i] = raw ? Number(raw) : undefined;
      });
    });
    return ids;
  }

  async set(kind: ContactKind, matchKey: string, id: number): Promise<void> {
    await this.redis.hset(this.key(kind), matchKey, id);
  }

  /**
   * Where `matchKey` still names `goneId` (a contact Pipedrive no longer holds), names `survivor` instead (the contact
   * it was merged into, found by a search), or nothing; an id another worker put there meanwhile stays. `drop`: other
   * fields to remove (the gone id's reverse entry); `alsoSet`: fields to set with the survivor.
   */
  async replaceGone(
    kind: ContactKind,
    matchKey: string,
    goneId: number,
    survivor: number | undefined,
    drop: string[] = [],
    alsoSet: [string, string][] = [],
  ): Promise<void> {
    await this.redis.eval(
      REPLACE_GONE_LUA,
      1,
      this.key(kind),
      matchKey,
      String(goneId),
      survivor === undefined ? '' : String(survivor),
      String(drop.length),
      ...drop,
      ...(survivor === undefined ? [] : alsoSet.flat()),
    );
  }

  async delete(kind: ContactKind, matchKey: string): Promise<void> {
    await this.redis.hdel(this.key(kind), matchKey);
  }

  /**
   * Adds listed contacts without replacing a key already known: when a company holds two
   * contacts with one email, the first one seen (lowest id, listings go by id) keeps winning. A key whose creation
   * lock holds an intent is left out ({@link ADD_LISTED_LUA}): the contact may be one a row created and lost the
   * answer of, which that row must find as its own (`revert --include-contacts` left such contacts as reused).
   */
  async addListed(kind: ContactKind, entries: Iterable<[string, number]>): Promise<void> {
    const locks: string[] = [];
    const args: (string | number)[] = [];
    for (const [matchKey, id] of entries) {
      locks.push(this.keys.lock(this.companyKey, kind, matchKey));
      args.push(matchKey, id);
    }
    if (locks.length > 0)
      await this.redis.eval(ADD_LISTED_LUA, 1 + locks.length, this.key(kind), ...locks, ...args);
  }

  async meta(kind: ContactKind): Promise<CacheMeta> {
    const [complete, synced] = await this.redis.hmget(this.key(kind), COMPLETE, SYNCED);
    const meta: CacheMeta = {};
    if (complete) meta.completeAt = Number(complete);
    if (synced) meta.syncedThrough = synced;
    return meta;
  }

  async setMeta(kind: ContactKind, meta: CacheMeta): Promise<void> {
    const fields: Record<string, string | number> = {};
    if (meta.completeAt !== undefined) fields[COMPLETE] = meta.completeAt;
    if (meta.syncedThrough !== undefined) fields[SYNCED] = meta.syncedThrough;
    if (Object.keys(fields).length) await this.redis.hset(this.key(kind), fields);
  }
}
