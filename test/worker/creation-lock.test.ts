import { describe, expect, it } from 'vitest';
import type { Organization } from '../../src/pipedrive/types.js';
import { keyScope, keysFor } from '../../src/queue/names.js';
import { ContactCache } from '../../src/worker/contact-cache.js';
import { ContactResolver } from '../../src/worker/contact-resolver.js';
import { isRowRestartError } from '../../src/worker/errors.js';
import { KeyLocks } from '../../src/worker/key-lock.js';
import type { CallContext } from '../../src/worker/pipedrive-gateway.js';
import { ownRedisServer, uniquePrefix } from '../helpers/redis.js';
import { commandsOf } from './helpers.js';

/*
 * The creation lock of a contact with its intent in the lock's key (key-lock.ts): what a created contact costs in
 * Redis, and the crash windows around the create (a holder killed with its create on the wire, a holder frozen past
 * its lock, an intent left by the version before). A server of this file's own, so commands are counted exactly;
 * Pipedrive is a fake holding organizations, whose search never sees a fresh create (search lag) and whose
 * listing does.
 */
const ownRedis = ownRedisServer();

interface FakePipedrive {
  organizations: Organization[];
  calls: string[];
  /** Run by every create after the organization is stored and before it is answered. */
  afterStore?: () => Promise<void>;
  /** Run by every search before it answers. */
  beforeSearch?: () => Promise<void>;
}

function fakePipedrive(): FakePipedrive {
  return { organizations: [], calls: [] };
}

/** A worker's resolver (its own locks, as another process's) for company c1 under `prefix`. */
function resolver(prefix: string, pipedrive: FakePipedrive, lockTtlMs = 30_000): ContactResolver {
  const api = {
    addOrganization: async (body: { name: string }) => {
      const now = new Date().toISOString();
      const org = {
        id: 100 + pipedrive.organizations.length,
        name: body.name,
        update_time: now,
      } as Organization;
      pipedrive.organizations.push(org);
      await pipedrive.afterStore?.();
      return org;
    },
    searchOrganizations: async () => {
      await pipedrive.beforeSearch?.();
      return { items: [], nextCursor: null };
    },
    listOrganizations: async () => ({ items: [...pipedrive.organizations], nextCursor: null }),
  };
  const gateway = {
    call: async (operation: string, _ctx: CallContext, fn: (o: object) => Promise<unknown>) => {
      pipedrive.calls.push(operation);
      return fn({});
    },
    backoff: async () => {},
  };
  const warmer = {
    isAuthoritative: async () => false,
    refreshIfStale: async () => {},
    rememberOrg: async () => {},
    orgKeyOf: async () => undefined,
  };
  return new ContactResolver({
    redis: ownRedis(),
    prefix,
    companyKey: 'c1',
    api: api as never,
    gateway: gateway as never,
    cache: new ContactCache(ownRedis(), prefix, 'c1'),
    warmer: warmer as never,
    locks: new KeyLocks(ownRedis()),
    createRetries: 1,
    clockSkewMs: 1_000,
    lockTtlMs,
    lockWaitMs: 5_000,
    inFlightWindowMs: 0,
  });
}

const ctx = (): CallContext => ({ tokens: 0 });

describe('the creation lock of a contact', () => {
  it('creates a contact with 8 commands of lock and intent: SET NX GET, one script for intent and extend, one release', async () => {
    const prefix = uniquePrefix();
    const pipedrive = fakePipedrive();
    const worker = resolver(prefix, pipedrive);
    await worker.organization({ name: 'Warm Up' }, ctx()); // loads the scripts: EVALSHA finds them
    let id = 0;
    const commands = await commandsOf(ownRedis(), async () => {
      id = (await worker.organization({ name: 'Acme' }, ctx())).id;
    });
    // The cache's read before the lock and under it (hget), its write (hset); the rest is the lock's:
    // SET NX GET; the intent's script (GET of the lock, GET of the older intent key, SET); the release (GET, DEL).
    expect(commands).toEqual({ hget: 2, set: 2, evalsha: 2, get: 3, del: 1, hset: 1 });
    expect(id).toBe(101);
    expect(await ownRedis().keys(`${prefix}:*lock*`)).toEqual([]);
  });

  it('gives the intent of a holder killed with its create on the wire to the next holder, which finds the create by listing', async () => {
    const prefix = uniquePrefix();
    const pipedrive = fakePipedrive();
    // The first create lands in Pipedrive but its answer never comes back: its worker was killed.
    let killed = false;
    pipedrive.afterStore = () => {
      killed = true;
      return new Promise(() => {});
    };
    const dying = resolver(prefix, pipedrive, 100);
    void dying.organization({ name: 'Acme' }, ctx());
    while (!killed) await new Promise((r) => setTimeout(r, 5));
    pipedrive.afterStore = undefined;
    const next = resolver(prefix, pipedrive, 100);
    const resolved = await next.organization({ name: 'Acme' }, ctx());
    expect(resolved).toMatchObject({ id: 100, created: true });
    expect(pipedrive.organizations).toHaveLength(1);
    expect(pipedrive.calls.filter((c) => c === 'organizations.list')).toHaveLength(1);
    expect(await ownRedis().keys(`${prefix}:*lock*`)).toEqual([]);
  });

  it('makes a holder frozen past its lock start its row again, and leaves the create to the holder after it', async () => {
    const prefix = uniquePrefix();
    const pipedrive = fakePipedrive();
    let wake!: () => void;
    const frozen = new Promise<void>((r) => {
      wake = r;
    });
    let searching = false;
    pipedrive.beforeSearch = async () => {
      searching = true;
      await frozen;
    };
    const stale = resolver(prefix, pipedrive, 100);
    const first = stale.organization({ name: 'Acme' }, ctx());
    first.catch(() => {});
    while (!searching) await new Promise((r) => setTimeout(r, 5));
    pipedrive.beforeSearch = undefined;
    await new Promise((r) => setTimeout(r, 150));
    const next = resolver(prefix, pipedrive, 30_000);
    expect(await next.organization({ name: 'Acme' }, ctx())).toMatchObject({ id: 100, created: true });
    wake();
    const error = await first.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isRowRestartError(error)).toBe(true);
    expect(pipedrive.organizations).toHaveLength(1);
  });

  it('finds by listing what a worker of the version before created under its own intent key (a rolling upgrade)', async () => {
    const prefix = uniquePrefix();
    const pipedrive = fakePipedrive();
    const at = Date.now();
    pipedrive.organizations.push({
      id: 100,
      name: 'Acme',
      update_time: new Date(at).toISOString(),
    } as Organization);
    const olderIntent = keysFor(prefix, keyScope(ownRedis(), 'default')).lock('c1', 'org-intent', 'acme');
    await ownRedis().set(olderIntent, String(at), 'PX', 60_000);
    const resolved = await resolver(prefix, pipedrive).organization({ name: 'Acme' }, ctx());
    expect(resolved).toMatchObject({ id: 100, created: true });
    expect(pipedrive.calls).toEqual(['organizations.search', 'organizations.list']);
    expect(await ownRedis().exists(olderIntent)).toBe(0);
  });
});
