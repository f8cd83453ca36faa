import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { burstLimitPer2s } from '../../src/config/config.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { type Admission, BudgetGovernor, type WindowCheck } from '../../src/worker/budget-governor.js';
import { ownRedisServer, redisClockMs, uniquePrefix } from '../helpers/redis.js';
import { admittedAt, commandsOf, peakInWindow, testSandbox, workerGateway } from './helpers.js';

/*
 * The admissions one process asks for at the same moment go to Redis as one script call (see "Batches" in
 * budget-governor.ts), each answered as it would have been alone, one after another. A Redis server of this
 * file's own, so `INFO commandstats` counts only this file's commands.
 */
const ownRedis = ownRedisServer();
let redis: Redis;
beforeAll(() => {
  redis = ownRedis();
});

function governor(dailyTokens = 10_000, reserve = 0, now?: () => number) {
  const prefix = uniquePrefix();
  const g = new BudgetGovernor({
    redis,
    prefix,
    companyKey: 'c1',
    dailyTokens,
    reserve,
    resetOffsetMs: 0,
    ...(now ? { now } : {}),
  });
  let n = 0;
  const check = (over: Partial<WindowCheck> = {}): WindowCheck => ({
    callsKey: `${prefix}:window:test:calls`,
    callsCap: 2,
    member: `m${++n}`,
    horizonMs: 5000,
    ...over,
  });
  return { g, check };
}

const delays = (admissions: Admission[]) =>
  admissions.map((a) => (a.kind === 'admitted' ? a.delayMs : a.kind));

/** When each admitted call may be sent, on the Redis clock (its admission's clock plus its delay). */
const sendTimes = (admissions: (Admission | undefined)[]) =>
  admissions.map((a) => (a?.kind === 'admitted' ? a.atMs + a.delayMs : a?.kind));

const redisMs = () => redisClockMs(redis);

describe('admissions asked at the same moment', () => {
  it('go in one script call, each given the send time it would get alone, one after another', async () => {
    // Load the script first, so the counts below see EVALSHA only.
    await governor().g.admit(1);
    const one = governor();
    const inTurn: Admission[] = [];
    for (let i = 0; i < 5; i++) inTurn.push(await one.g.admit(1, false, one.check()));

    const together = governor();
    let batch: Admission[] = [];
    const commands = await commandsOf(redis, async () => {
      batch = await Promise.all(
        Array.from({ length: 5 }, () => together.g.admit(1, false, together.check())),
      );
    });
    // One round trip, and the inner commands of one admission, for all five.
    expect(commands).toEqual({
      evalsha: 1,
      time: 1,
      hmget: 1,
      zrange: 1,
      zadd: 1,
      pexpire: 2,
      hincrby: 1,
    });
    // Two per window: the 3rd and 4th wait for the 1st and 2nd to leave it (2 s and 1 ms after they were sent),
    // the 5th for the 3rd. Send times on the Redis clock, however long the admissions in turn took apart.
    for (const admissions of [inTurn, batch]) {
      expect(delays(admissions).slice(0, 2)).toEqual([0, 0]);
      const [s0, s1, s2, s3, s4] = sendTimes(admissions) as number[];
      expect([s2! - s0!, s3! - s1!, s4! - s2!]).toEqual([2001, 2001, 2001]);
    }
    // Asked together, they were reckoned at one moment: the delays themselves are exact.
    expect(delays(batch)).toEqual([0, 0, 2001, 2001, 4002]);
    // Each in the window at its own send time: 5 entries, the budget charged 5.
    expect(await redis.zcard(together.check().callsKey)).toBe(5);
    expect(await redis.hget(together.g.currentKey(), 'used')).toBe('5');
    // Beyond the horizon the caller is told to ask again, and nothing is reserved for it.
    const late = await Promise.all([
      together.g.admit(1, false, together.check({ horizonMs: 1000 })),
      together.g.admit(1, false, together.check()),
    ]);
    expect(late[0]?.kind).toBe('window');
    expect(late[1]?.kind).toBe('admitted');
    expect(await redis.zcard(together.check().callsKey)).toBe(6);
  });

  it('keep the daily budget with its reserve, and let a forced probe through, call by call', async () => {
    // 100 tokens, 10 % kept back: 90 may be spent.
    const { g, check } = governor(100, 0.1);
    const first = await Promise.all(
      Array.from({ length: 8 }, () => g.admit(10, false, check({ callsCap: 100 }))),
    );
    expect(first.map((a) => a.kind)).toEqual(Array(8).fill('admitted'));
    expect(first.map((a) => a.kind === 'admitted' && a.used)).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    let batch: Admission[] = [];
    const commands = await commandsOf(redis, async () => {
      batch = await Promise.all([
        g.admit(10, false, check({ callsCap: 100 })),
        g.admit(10, false, check({ callsCap: 100 })),
        g.admit(5, true, check({ callsCap: 100 })),
        g.admit(1, false, check({ callsCap: 100 })),
      ]);
    });
    expect(commands.evalsha).toBe(1);
    expect(batch).toMatchObject([
      { kind: 'admitted', used: 90 },
      { kind: 'spent', used: 90, limit: 90 },
      { kind: 'admitted', used: 95 },
      { kind: 'spent', used: 95, limit: 90 },
    ]);
    // What was spent is charged, what was refused is not, and no refused call holds a place in the window.
    expect(await redis.hget(g.currentKey(), 'used')).toBe('95');
    expect(await redis.zcard(check().callsKey)).toBe(10);
  });

  it("hold every call but a forced probe while the connection's 429 pause lasts", async () => {
    const { g, check } = governor();
    const pausedUntil = await g.pauseCalls(3000, 'burst');
    const before = await redisMs();
    const batch = await Promise.all([
      g.admit(1, false, check()),
      g.admit(2, true, check()),
      g.admit(1, false, check()),
    ]);
    const after = await redisMs();
    expect(batch.map((a) => a.kind)).toEqual(['paused', 'admitted', 'paused']);
    // Told to wait until the pause ends (3 s after it began), reckoned at one moment between before and after.
    for (const a of [batch[0], batch[2]]) {
      const waitMs = a?.kind === 'paused' ? a.waitMs : -1;
      expect(waitMs).toBeGreaterThanOrEqual(pausedUntil - after);
      expect(waitMs).toBeLessThanOrEqual(pausedUntil - before);
    }
    expect(await redis.hget(g.currentKey(), 'used')).toBe('2');
    expect(await redis.zcard(check().callsKey)).toBe(1);
    // All paused: nothing read or written past the pause, which is read with the budget.
    const paused = await commandsOf(redis, () =>
      Promise.all([g.admit(1, false, check()), g.admit(1, false, check())]),
    );
    expect(paused).toEqual({ evalsha: 1, time: 1, hmget: 1 });
  });
});

describe('admissions of several connections asked at the same moment', () => {
  /** A connection's governor of its own company, with a window of its own token. */
  function ofConnection(prefix: string, connection: string, dailyTokens = 10_000) {
    const g = new BudgetGovernor({
      redis,
      prefix,
      companyKey: `company-${connection}`,
      connection,
      dailyTokens,
      reserve: 0,
      resetOffsetMs: 0,
    });
    let n = 0;
    const check = (over: Partial<WindowCheck> = {}): WindowCheck => ({
      callsKey: `${prefix}:window:${connection}:calls`,
      callsCap: 2,
      member: `${connection}-${++n}`,
      horizonMs: 5000,
      ...over,
    });
    return { g, check };
  }

  it('go in one script call on one Redis, each connection answered as if it had asked alone', async () => {
    await governor().g.admit(1); // the script loaded
    const prefix = uniquePrefix();
    const acme = ofConnection(prefix, 'acme');
    const globex = ofConnection(prefix, 'globex', 25);
    await acme.g.pauseCalls(3000, 'burst');
    let answers: Admission[] = [];
    const commands = await commandsOf(redis, async () => {
      answers = await Promise.all([
        acme.g.admit(1, false, acme.check()),
        globex.g.admit(10, false, globex.check()),
        acme.g.admit(2, true, acme.check()),
        globex.g.admit(10, false, globex.check()),
        globex.g.admit(10, false, globex.check()),
      ]);
    });
    // One round trip and one clock read for both connections; each group reads its own budget and pause.
    expect(commands).toMatchObject({ evalsha: 1, time: 1, hmget: 2 });
    // acme's pause holds acme's call but its forced probe; globex's window (2) and budget (25) are its own.
    expect(answers.map((a) => a.kind)).toEqual(['paused', 'admitted', 'admitted', 'admitted', 'spent']);
    expect(delays(answers.slice(1, 2))).toEqual([0]);
    expect(answers[3]).toMatchObject({ kind: 'admitted', used: 20, delayMs: 0 });
    expect(answers[4]).toMatchObject({ kind: 'spent', used: 20, limit: 25 });
    expect(await redis.hget(acme.g.currentKey(), 'used')).toBe('2');
    expect(await redis.hget(globex.g.currentKey(), 'used')).toBe('20');
    expect(await redis.zcard(acme.check().callsKey)).toBe(1);
    expect(await redis.zcard(globex.check().callsKey)).toBe(2);
  });

  it("refuse a call whose cost is not a number alone, before it can fail another connection's", async () => {
    const prefix = uniquePrefix();
    const acme = ofConnection(prefix, 'acme');
    const globex = ofConnection(prefix, 'globex');
    const [bad, good] = await Promise.allSettled([
      acme.g.admit(Number.NaN, false, acme.check()),
      globex.g.admit(1, false, globex.check()),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good).toMatchObject({ status: 'fulfilled', value: { kind: 'admitted', used: 1 } });
  });
});

describe("the admission's windows", () => {
  it('are trimmed and given their TTL on the first batch, then read and written only, until a second has passed', async () => {
    let now = Date.now();
    const { g, check: windowCheck } = governor(10_000, 0, () => now);
    const check = (member: string) => windowCheck({ callsCap: 5, member });
    const key = check('').callsKey;
    await redis.zadd(key, (await redisMs()) - 10_000, 'stale');
    // The process's first batch: the entry older than the window is trimmed, and the TTL outlasts the upkeeps.
    const first = await commandsOf(redis, () => g.admit(1, false, check('a')));
    expect(first).toMatchObject({ zremrangebyscore: 1, pexpire: 2 });
    expect(await redis.zrange(key, 0, -1)).toEqual(['a']);
    expect(await redis.pttl(key)).toBeGreaterThan(10_000);
    // Within the second: the window read and written, nothing else.
    await redis.zadd(key, (await redisMs()) - 10_000, 'stale');
    now += 999;
    expect(await commandsOf(redis, () => g.admit(1, false, check('b')))).toEqual({
      evalsha: 1,
      time: 1,
      hmget: 1,
      zrange: 1,
      zadd: 1,
      hincrby: 1,
    });
    expect(await redis.zcard(key)).toBe(3);
    // A second after the last upkeep: the next batch trims and renews the TTL.
    now += 1;
    await redis.pexpire(key, 5000);
    expect(await commandsOf(redis, () => g.admit(1, false, check('c')))).toMatchObject({
      zremrangebyscore: 1,
      pexpire: 1,
    });
    expect(await redis.zrange(key, 0, -1)).toEqual(['a', 'b', 'c']);
    expect(await redis.pttl(key)).toBeGreaterThan(10_000);
  });

  it("apply the answered calls' arrivals to the entries read, and write them with the new entries in one ZADD", async () => {
    const { g, check } = governor();
    const key = check().callsKey;
    const [a, b] = await Promise.all([
      g.admit(1, false, check({ member: 'a', pendingMs: 1000 })),
      g.admit(1, false, check({ member: 'b', pendingMs: 1000 })),
    ]);
    if (a?.kind !== 'admitted' || b?.kind !== 'admitted') throw new Error('not admitted');
    // Both answered 50 ms after their admission: the window is free 2 s after that, not 2 s after a second on
    // the wire.
    let next: Admission | undefined;
    const commands = await commandsOf(redis, async () => {
      next = await g.admit(1, false, check({ takeCorrections: () => ['a', a.atMs + 50, 'b', b.atMs + 50] }));
    });
    expect(commands.zadd).toBe(1);
    expect(sendTimes([next])).toEqual([Math.min(a.atMs, b.atMs) + 50 + 2001]);
    expect(Number(await redis.zscore(key, 'a'))).toBe(a.atMs + 50);
  });

  it('move an entry older than all they read by its arrival, and leave out a call that left the window', async () => {
    const { g, check } = governor();
    const key = check().callsKey;
    const t = await redisMs();
    // Cap 1 and two corrections: the admission reads the three latest entries; `old` lies below them.
    await redis.zadd(key, t - 1500, 'old', t - 1200, 'w', t - 1000, 'x', t - 500, 'y');
    const next = await g.admit(
      1,
      false,
      check({ callsCap: 1, takeCorrections: () => ['old', t + 100, 'gone', t - 1800] }),
    );
    // `old` arrived later than its entry said (a slow answer): the next call waits for it.
    expect(sendTimes([next])).toEqual([t + 100 + 2001]);
    expect(Number(await redis.zscore(key, 'old'))).toBe(t + 100);
    expect(await redis.zscore(key, 'gone')).toBeNull();
  });
});

describe('a worker process calling at once', () => {
  it("keeps its calls within the token's window at the server, admitting them in batches", async () => {
    // Premium: 100 requests per 2 s, so the local limiter lets calls go 5 at a time.
    const sandbox = await testSandbox({ plan: 'premium', latencyMs: 20, requestLogSize: 1000 });
    const prefix = uniquePrefix('batch');
    const pipedrive = { baseUrl: sandbox.url, apiToken: sandbox.apiToken };
    const limit = burstLimitPer2s('premium', 'api_token');
    const { limiter, gateway } = await workerGateway({
      redis,
      plan: 'premium',
      prefix,
      pipedrive,
      companyKey: 'c1',
      margin: 1,
      reserve: 0,
    });
    const api = new PipedriveClient(pipedrive);
    try {
      const calls = 250;
      const startedAt = Date.now();
      let results: PromiseSettledResult<unknown>[] = [];
      const commands = await commandsOf(redis, async () => {
        results = await Promise.allSettled(
          Array.from({ length: calls }, () =>
            gateway.call('leadSources.list', { tokens: 0 }, (o) => api.getLeadSources(o)),
          ),
        );
      });
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const log = sandbox.requests().filter((e) => !e.path.startsWith('/_sandbox') && e.at >= startedAt);
      const figures = `${sandbox.state().rateLimited} 429s; ${log.length} requests, at most ${peakInWindow(admittedAt(log), 2000)} in 2 s; ${commands.evalsha} scripts`;
      expect(sandbox.state().rateLimited, figures).toBe(0);
      expect(
        log.filter((e) => e.status === 200),
        figures,
      ).toHaveLength(calls);
      expect(peakInWindow(admittedAt(log), 2000), figures).toBeLessThanOrEqual(limit);
      // 2.5 windows' worth of calls cannot all be served in less than two windows.
      expect(Math.max(...log.map((e) => e.at)) - startedAt, figures).toBeGreaterThanOrEqual(2 * 2000 - 100);
      // Far fewer admission scripts than calls (one each before batches).
      expect(commands.evalsha ?? 0, figures).toBeLessThanOrEqual(calls / 2);
    } finally {
      await limiter.close();
    }
  }, 60_000);
});
