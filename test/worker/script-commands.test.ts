import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { BudgetGovernor, type BudgetGovernorOptions } from '../../src/worker/budget-governor.js';
import { ChunkRow } from '../../src/worker/chunk-runner.js';
import { ContactCache, type ContactKind } from '../../src/worker/contact-cache.js';
import { ContactFiller } from '../../src/worker/contact-filler.js';
import type { CallContext } from '../../src/worker/pipedrive-gateway.js';
import { type RowLease, RowLeases } from '../../src/worker/row-lease.js';
import { ownRedisServer, uniquePrefix } from '../helpers/redis.js';
import { bareImport, commandsOf, held, rowJobs } from './helpers.js';

/*
 * What each per-lead script runs inside Redis (`INFO commandstats` counts every `redis.call` of a
 * script as well as the script itself): a server of this file's own, so no other test's commands
 * are counted. The scripts are run once before counting, so ioredis' EVALSHA finds them loaded.
 */
const ownRedis = ownRedisServer();
let redis: Redis;
beforeAll(() => {
  redis = ownRedis();
});
// After the hook above, so its queues are closed first (after-hooks run last-registered first).
const rowJob = rowJobs(() => redis);

const DAY_MS = 24 * 60 * 60 * 1000;

/** Company c1's governor: 1,000 tokens a day, 10 % kept back, the day starting at 00:00 UTC. */
function governor(prefix: string, options: Partial<BudgetGovernorOptions> = {}): BudgetGovernor {
  return new BudgetGovernor({
    redis,
    prefix,
    companyKey: 'c1',
    dailyTokens: 1000,
    reserve: 0.1,
    resetOffsetMs: 0,
    ...options,
  });
}

/** A row of a chunk (`cpKey`: its checkpoint under its own key) of a new import with a record. */
async function chunkRowJob(prefix: string, importId: string) {
  const ledger = new ImportLedger(redis, prefix);
  await ledger.createImport(bareImport(importId));
  const job = await rowJob(prefix, importId);
  job.data = { ...job.data, cpKey: 1 };
  return { ledger, job };
}

describe("a lead's scripts", () => {
  it('admit a call with one merged read of the budget and no TTL write once the day has started', async () => {
    const prefix = uniquePrefix();
    const g = governor(prefix);
    const window = { callsKey: `${prefix}:window:c1:calls`, callsCap: 10 };
    // Load the script.
    await governor(prefix, { companyKey: 'c0' }).admit(1);
    // What an admitted call runs once the day's count has started and its window exists (between the
    // process's upkeeps of the window, see the admission's windows below).
    // The 429 pause is read with the budget.
    const admitted = { evalsha: 1, time: 1, hmget: 1, zrange: 1, zadd: 1, hincrby: 1 };
    // The day's first admission also sets the hash's TTL (two budget days), and the window's first its own.
    expect(await commandsOf(redis, () => g.admit(1, false, { ...window, member: 'm1' }))).toEqual({
      ...admitted,
      pexpire: 2,
    });
    expect(await redis.pttl(g.currentKey())).toBeGreaterThan(2 * DAY_MS - 60_000);
    expect(await commandsOf(redis, () => g.admit(1, false, { ...window, member: 'm2' }))).toEqual(admitted);
    expect(await redis.pttl(g.currentKey())).toBeGreaterThan(2 * DAY_MS - 60_000);
    // The answered calls' arrival times go in the one ZADD of the new entry.
    const member = { ...window, member: 'm3', takeCorrections: () => ['m1', 1, 'm2', 2] };
    expect(await commandsOf(redis, () => g.admit(1, false, member))).toEqual(admitted);
    expect(await redis.zscore(window.callsKey, 'm2')).toBe('2');
  });

  it("leave a TTL on a day's hash that a refund starts (a 429 answered after the budget day turned)", async () => {
    let now = Date.parse('2026-05-14T23:59:59Z');
    const g = governor(uniquePrefix(), { now: () => now });
    expect((await g.admit(5)).kind).toBe('admitted');
    now += 2000;
    await g.refund(5);
    expect(await redis.hget(g.currentKey(), 'used')).toBe('-5');
    expect(await redis.pttl(g.currentKey())).toBeGreaterThan(2 * DAY_MS - 60_000);
    // The next admission of that day leaves the TTL in place.
    expect((await g.admit(5)).kind).toBe('admitted');
    expect(await redis.pttl(g.currentKey())).toBeGreaterThan(2 * DAY_MS - 60_000);
  });

  it('take a free row with one SET, and checkpoint with one HSET; a removed job is left removed', async () => {
    const prefix = uniquePrefix();
    const job = await rowJob(prefix, 'imp-count');
    const leases = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 5000 });
    // Load the scripts.
    await held(await leases.take(await rowJob(prefix, 'imp-warm'))).save(
      await rowJob(prefix, 'imp-warm-2'),
      job.data,
    );
    let lease: RowLease | undefined;
    expect(
      await commandsOf(redis, async () => {
        lease = held(await leases.take(job));
      }),
    ).toEqual({ set: 1 });
    const data = { ...job.data, checkpoint: { leadIntentAt: 1 } };
    expect(await commandsOf(redis, () => lease!.save(job, data))).toEqual({ evalsha: 1, get: 1, hset: 1 });
    expect(JSON.parse((await redis.hget(`${prefix}:${LEAD_QUEUE}:${job.id}`, 'data')) ?? '{}')).toEqual(data);

    await job.remove();
    await lease!.save(job, { ...data, checkpoint: { leadIntentAt: 2 } });
    expect(await redis.exists(`${prefix}:${LEAD_QUEUE}:${job.id}`)).toBe(0);
  });

  it('checkpoint the rows asked for in one turn in one script call: one MGET of their leases, then a write a row', async () => {
    const prefix = uniquePrefix();
    const leases = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 5000 });
    const rows = [
      ...(await Promise.all(['imp-cp-1', 'imp-cp-2'].map((id) => chunkRowJob(prefix, id)))).map((r) => r.job),
      ...(await Promise.all(['imp-job-1', 'imp-job-2'].map((id) => rowJob(prefix, id)))),
    ];
    const mine = await Promise.all(rows.map(async (job) => held(await leases.take(job))));
    // Load the script.
    await mine[0]!.save(rows[0]!, rows[0]!.data);
    const saveAll = () =>
      Promise.all(rows.map((job, i) => mine[i]!.save(job, { ...job.data, checkpoint: { leadIntentAt: 1 } })));
    expect(await commandsOf(redis, saveAll)).toEqual({ evalsha: 1, mget: 1, set: 2, hset: 2 });
    // One alone: what a call a row cost before, and no more.
    expect(await commandsOf(redis, () => mine[0]!.save(rows[0]!, rows[0]!.data))).toEqual({
      evalsha: 1,
      get: 1,
      set: 1,
    });
  });

  it("take a chunk's row with its state and checkpoint in one write of three commands and no script, and leave a finished row without a lease", async () => {
    const prefix = uniquePrefix();
    const importId = 'imp-chunk-take';
    const { ledger, job } = await chunkRowJob(prefix, importId);
    const { line } = job.data;
    await redis.set(ledger.keys.rowCheckpoint(importId, line), JSON.stringify({ organizationId: 7 }));
    const leases = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 5000 });
    let lease: RowLease | undefined;
    expect(
      await commandsOf(redis, async () => {
        lease = held(await leases.take(job));
      }),
    ).toEqual({ set: 1, bitfield_ro: 1, get: 1 });
    expect(lease!.storedCheckpoint).toEqual({ organizationId: 7 });
    // Another worker's runner finds it held, and by whom.
    const other = new RowLeases({ redis, prefix, workerId: 'worker-b', ttlMs: 5000 });
    expect(await other.take(job)).toMatchObject({ busy: true, holder: lease!.value });
    await ledger.recordCreated(importId, line, { leadId: 'L2' }, {}, lease!.fence, { finish: true });
    lease!.ended();
    // Finished: skipped, and the lease its take set on the way is given back.
    expect(await other.take(job)).toEqual({ finished: true, state: RowState.Created });
    expect(await redis.exists(ledger.keys.lease(importId, line))).toBe(0);
  });

  it('take the chunk rows asked for in one turn in one write: a SET each, one BITFIELD_RO per import, one MGET (a PTTL for a row held elsewhere)', async () => {
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const base = (await rowJob(prefix, 'imp-many-a')).data;
    await rowJob(prefix, 'imp-many-b');
    await ledger.markEnqueued('imp-many-a', [3, 4, 5]);
    const rowOf = (importId: string, line: number) =>
      new ChunkRow({ ...base, importId, line, cpKey: 1 }, 'chunk-1', `${prefix}:${LEAD_QUEUE}`).asJob();
    await ledger.recordCreated('imp-many-a', 3, { leadId: 'L3' }, {});
    await redis.set(ledger.keys.lease('imp-many-a', 4), 'worker-b:feedfacefeedface', 'PX', 5000);
    await redis.set(ledger.keys.rowCheckpoint('imp-many-a', 5), JSON.stringify({ leadIntentAt: 9 }));
    const leases = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 5000 });
    let taken: Awaited<ReturnType<RowLeases['take']>>[] = [];
    expect(
      await commandsOf(redis, async () => {
        taken = await Promise.all([
          leases.take(rowOf('imp-many-a', 2)),
          leases.take(rowOf('imp-many-a', 4)),
          leases.take(rowOf('imp-many-a', 5)),
          leases.take(rowOf('imp-many-b', 2)),
        ]);
      }),
    ).toEqual({ set: 4, bitfield_ro: 2, mget: 1, pttl: 1 });
    const [a2, a4, a5, b2] = taken;
    expect(held(a2!).storedCheckpoint).toBeUndefined();
    expect(a4).toMatchObject({ busy: true, holder: 'worker-b:feedfacefeedface' });
    expect(held(a5!).storedCheckpoint).toEqual({ leadIntentAt: 9 });
    expect(await redis.get(ledger.keys.lease('imp-many-b', 2))).toBe(held(b2!).value);
    await Promise.all([held(a2!).release(), held(b2!).release()]);
    // A finished row among them is told finished, and the lease its take set on the way is given back.
    const [again, finished] = await Promise.all([
      leases.take(rowOf('imp-many-a', 2)),
      leases.take(rowOf('imp-many-a', 3)),
    ]);
    expect(held(again).value).toMatch(/^worker-a:/);
    expect(finished).toEqual({ finished: true, state: RowState.Created });
    expect(await redis.exists(ledger.keys.lease('imp-many-a', 3))).toBe(0);
  });

  it("look up a chunk's contacts with one command per kind, not one per row", async () => {
    const prefix = uniquePrefix();
    const cache = new ContactCache(redis, prefix, 'c1');
    await cache.set('org', 'acme', 11);
    await cache.set('person', 'e:p3@acme.example', 23);
    const lookups = Array.from({ length: 10 }, (_, i): [ContactKind, string][] => [
      ['org', i % 2 ? 'acme' : `org ${i}`],
      ['person', `e:p${i}@acme.example`],
    ]).flat();
    let ids: (number | undefined)[] = [];
    expect(
      await commandsOf(redis, async () => {
        ids = await cache.getMany(lookups);
      }),
    ).toEqual({ hmget: 2 });
    expect(ids.filter((id) => id !== undefined)).toEqual([11, 11, 23, 11, 11, 11]);
    expect(ids[7]).toBe(23);
  });

  it("look up rows' contacts one at a time, and those asked together as one HMGET per kind", async () => {
    const prefix = uniquePrefix();
    const cache = new ContactCache(redis, prefix, 'c1');
    await cache.set('org', 'acme', 11);
    await cache.set('person', 'e:p1@acme.example', 21);
    let alone: number | undefined;
    expect(
      await commandsOf(redis, async () => {
        alone = await cache.get('org', 'acme');
      }),
    ).toEqual({ hget: 1 });
    expect(alone).toBe(11);
    // Rows looking again before their creation locks, in the same turn (a group of permits released together).
    let ids: (number | undefined)[] = [];
    expect(
      await commandsOf(redis, async () => {
        ids = await Promise.all([
          cache.get('org', 'acme'),
          cache.get('person', 'e:p0@acme.example'),
          cache.get('org', 'globex'),
          cache.get('person', 'e:p1@acme.example'),
          cache.get('org', 'acme'),
        ]);
      }),
    ).toEqual({ hmget: 2 });
    expect(ids).toEqual([11, undefined, undefined, 21, 11]);
  });

  it('look at the markers of the contacts rows linked with one MGET when the rows ask together', async () => {
    const prefix = uniquePrefix();
    // Rows that stop at the marker call neither Pipedrive nor a lock.
    const filler = new ContactFiller({
      redis,
      prefix,
      companyKey: 'c1',
      api: undefined as never,
      gateway: undefined as never,
      locks: undefined as never,
    });
    await filler.recordCreated('imp-f', 'person', 7, { name: 'Ann', emails: [{ value: 'a@x.example' }] });
    await filler.recordCreated('imp-f', 'person', 8, { name: 'Bob', emails: [{ value: 'b@x.example' }] });
    const ctx = { tokens: 0 } as unknown as CallContext;
    const person = (email: string) => ({ name: email, email, emails: [{ value: email, label: 'work' }] });
    let results: string[] = [];
    expect(
      await commandsOf(redis, async () => {
        results = await Promise.all([
          filler.completePerson('imp-f', 7, person('a@x.example'), undefined, false, ctx),
          filler.completePerson('imp-f', 8, person('b@x.example'), undefined, false, ctx),
          // Not created by the import, and no fill-empty: nothing to do either.
          filler.completePerson('imp-f', 9, person('c@x.example'), undefined, false, ctx),
        ]);
      }),
    ).toEqual({ mget: 1 });
    expect(results).toEqual(['none', 'none', 'none']);
  });

  it("record a row's outcome reading and writing the import record once", async () => {
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const importId = 'imp-outcome';
    await ledger.createImport(bareImport(importId));
    const job = await rowJob(prefix, importId);
    await ledger.markEnqueued(importId, [3]);
    await ledger.setState(importId, 'enqueued');
    const leases = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 5000 });
    const first = held(await leases.take(job));
    const counters = { tokensUsed: 10, createdPersons: 1 };
    // Load the script.
    await ledger.recordCreated('imp-other', 9, { leadId: 'warm' }, counters, first.fence, {});
    expect(
      await commandsOf(redis, () =>
        ledger.recordCreated(importId, 2, { leadId: 'L2' }, counters, first.fence, { finish: true }),
      ),
    ).toEqual({ evalsha: 1, get: 1, bitfield: 1, hset: 2, hmget: 1, del: 1 });
    expect(await ledger.getImport(importId)).toMatchObject({
      state: 'enqueued',
      created: 1,
      pending: 1,
      tokensUsed: 10,
      createdPersons: 1,
    });
    const second = { key: ledger.keys.lease(importId, 3), value: 'worker-b:1' };
    await redis.set(second.key, second.value);
    const done = await ledger.recordCreated(importId, 3, { leadId: 'L3' }, counters, second, {
      finish: true,
    });
    expect(done).toMatchObject({ applied: true, previous: RowState.Pending, completedImport: true });
    expect(await ledger.getImport(importId)).toMatchObject({
      state: 'completed',
      created: 2,
      pending: 0,
      tokensUsed: 20,
      createdPersons: 2,
    });
    // Counters stay integers that HINCRBY can go on with.
    expect(await redis.hincrby(ledger.keys.import(importId), 'tokensUsed', 1)).toBe(21);
  });

  it('record the outcomes asked for together in one script call, sharing what the rows of one import share', async () => {
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const fences: {
      importId: string;
      line: number;
      fence: { key: string; value: string; checkpointKey: string };
    }[] = [];
    for (const importId of ['imp-a', 'imp-b']) {
      await ledger.createImport(bareImport(importId));
      await ledger.markEnqueued(importId, [2, 3, 4, 5]);
      await ledger.setState(importId, 'enqueued');
      for (const line of [2, 3, 4, 5]) {
        const fence = {
          key: ledger.keys.lease(importId, line),
          value: `worker-a:${importId}:${line}`,
          checkpointKey: ledger.keys.rowCheckpoint(importId, line),
        };
        await redis.set(fence.key, fence.value);
        fences.push({ importId, line, fence });
      }
    }
    // Load the script.
    await ledger.recordCreated('imp-a', 5, { leadId: 'warm' }, {}, fences[3]!.fence, { finish: true });
    const counters = { tokensUsed: 10, reusedPersons: 1, reusedOrganizations: 1 };
    // Four rows of imp-a and three of imp-b: per import one BITFIELD, one HSET of details, one HMGET and one HSET
    // of the record; one GET for all leases (MGET) and one DEL for all leases and checkpoints.
    const answers: unknown[] = [];
    expect(
      await commandsOf(redis, async () => {
        const all = fences
          .filter((f) => !(f.importId === 'imp-a' && f.line === 5))
          .map(({ importId, line, fence }) =>
            ledger.recordCreated(importId, line, { leadId: `L${line}` }, counters, fence, { finish: true }),
          );
        answers.push(...(await Promise.all(all)));
      }),
    ).toEqual({ evalsha: 1, mget: 1, bitfield: 2, hset: 4, hmget: 2, del: 1 });
    expect(answers.filter((a) => (a as { completedImport?: boolean }).completedImport)).toHaveLength(2);
    expect(await ledger.getImport('imp-b')).toMatchObject({ state: 'completed', created: 4, tokensUsed: 40 });
    expect(await ledger.getImport('imp-a')).toMatchObject({ state: 'completed', created: 4, tokensUsed: 30 });
  });
});
