import { describe, expect, it } from 'vitest';
import { keysFor } from '../../src/queue/names.js';
import { budgetDay, nextBudgetReset, parseResetUtc } from '../../src/worker/budget-day.js';
import { BudgetGovernor } from '../../src/worker/budget-governor.js';
import { publishBudget, readBudget } from '../../src/worker/budget-reader.js';
import { redisClockMs, testRedis, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

function governor(options: { dailyTokens?: number; reserve?: number; now?: () => number } = {}) {
  const prefix = uniquePrefix();
  return {
    prefix,
    governor: new BudgetGovernor({
      redis,
      prefix,
      companyKey: 'c1',
      dailyTokens: options.dailyTokens ?? 100,
      reserve: options.reserve ?? 0.1,
      resetOffsetMs: 0,
      ...(options.now ? { now: options.now } : {}),
    }),
  };
}

describe('budget days', () => {
  it('names a budget day by the UTC date it started on, honouring a reset time', () => {
    const at = Date.parse('2026-05-14T21:00:00Z');
    expect(budgetDay(at, parseResetUtc('00:00'))).toBe('2026-05-14');
    expect(budgetDay(at, parseResetUtc('22:30'))).toBe('2026-05-13');
    expect(new Date(nextBudgetReset(at, parseResetUtc('00:00'))).toISOString()).toBe(
      '2026-05-15T00:00:00.000Z',
    );
    expect(new Date(nextBudgetReset(at, parseResetUtc('22:30'))).toISOString()).toBe(
      '2026-05-14T22:30:00.000Z',
    );
  });

  it('refuses a reset time that is not HH:MM', () => {
    expect(() => parseResetUtc('25:00')).toThrow(/HH:MM/);
    expect(() => parseResetUtc('noon')).toThrow(/HH:MM/);
  });
});

describe('BudgetGovernor', () => {
  it('admits calls until the budget minus the reserve is spent, then says until when to wait', async () => {
    const { governor: g } = governor({ dailyTokens: 100, reserve: 0.1 });
    expect(g.limit).toBe(90);
    for (let i = 0; i < 9; i++) expect((await g.admit(10)).kind).toBe('admitted');
    const spent = await g.admit(10);
    expect(spent).toMatchObject({ kind: 'spent', used: 90, limit: 90 });
    expect(spent.kind === 'spent' && spent.untilMs).toBe(g.nextResetAt());
    expect(await g.status()).toMatchObject({ used: 90, left: 0 });
  });

  it('lets a forced probe through a spent budget', async () => {
    const { governor: g } = governor({ dailyTokens: 10, reserve: 0 });
    await g.admit(10);
    expect((await g.admit(2)).kind).toBe('spent');
    expect((await g.admit(2, true)).kind).toBe('admitted');
  });

  it('raises its count when the daily-token header shows other integrations spent tokens, never lowers it', async () => {
    const { governor: g } = governor({ dailyTokens: 1000 });
    await g.admit(10);
    await g.observe({ dailyTokenRemaining: 700 });
    expect((await g.status()).used).toBe(300);
    await g.observe({ dailyTokenRemaining: 990 });
    expect((await g.status()).used).toBe(300);
  });

  it('stops admitting after a daily 429 from Pipedrive, and reopens when a probe is accepted', async () => {
    const { governor: g } = governor({ dailyTokens: 1000 });
    await g.markSpentByServer();
    expect((await g.admit(10)).kind).toBe('spent');
    expect(await g.reopenAfterProbe({}, 10)).toBe(true);
    expect((await g.admit(10)).kind).toBe('admitted');
  });

  it('reopens from the header only when enough tokens are left above the reserve', async () => {
    const { governor: g } = governor({ dailyTokens: 1000, reserve: 0.1 });
    await g.markSpentByServer();
    expect(await g.reopenAfterProbe({ dailyTokenRemaining: 105 }, 10)).toBe(false);
    expect(await g.reopenAfterProbe({ dailyTokenRemaining: 1000, dailyTokenLimit: 1000 }, 10)).toBe(true);
    expect(await g.status()).toMatchObject({ used: 0, exhaustedByServer: false });
  });

  it('pauses every call for a while after a 429, and never shortens a longer pause', async () => {
    const { governor: g, prefix } = governor();
    await g.pauseCalls(5_000, 'burst');
    await g.pauseCalls(1_000, 'burst');
    const paused = await g.admit(10);
    expect(paused.kind).toBe('paused');
    expect(paused.kind === 'paused' && paused.waitMs).toBeGreaterThan(4_000);
    expect(await redis.hget(keysFor(prefix).control, 'rateLimitScope')).toBe('burst');
    expect((await g.status()).used).toBe(0);
  });

  it("holds a pause begun just before the budget day's turn in the new day, and for a process whose clock is behind", async () => {
    let now = Date.parse('2026-05-14T23:59:59.500Z');
    let behind = now - 30_000;
    const { governor: g, prefix } = governor({ now: () => now });
    const other = new BudgetGovernor({
      redis,
      prefix,
      companyKey: 'c1',
      dailyTokens: 100,
      reserve: 0.1,
      resetOffsetMs: 0,
      now: () => behind,
    });
    await g.pauseCalls(5_000, 'burst');
    now += 1_000;
    behind += 1_000;
    expect(budgetDay(now, 0)).toBe('2026-05-15');
    expect((await g.admit(1)).kind).toBe('paused');
    expect((await other.admit(1)).kind).toBe('paused');
    // The pause alone does not start a day's count: its first admission still sets the hash's TTL.
    expect((await g.admit(1, true)).kind).toBe('admitted');
    expect(await redis.pttl(g.currentKey())).toBeGreaterThan(24 * 60 * 60 * 1000);
  });

  it('keeps each budget day apart', async () => {
    let now = Date.parse('2026-05-14T23:59:00Z');
    const { governor: g } = governor({ dailyTokens: 20, reserve: 0, now: () => now });
    await g.admit(20);
    expect((await g.admit(1)).kind).toBe('spent');
    now = Date.parse('2026-05-15T00:00:01Z');
    expect((await g.admit(1)).kind).toBe('admitted');
  });
});

describe('readBudget', () => {
  it('reads what the workers count, once a worker has published where the budget lives', async () => {
    const prefix = uniquePrefix();
    expect(await readBudget(redis, prefix)).toBeNull();
    await publishBudget(redis, prefix, {
      companyKey: 'c9',
      dailyTokens: 1000,
      reserve: 0.2,
      resetUtc: '00:00',
    });
    const g = new BudgetGovernor({
      redis,
      prefix,
      companyKey: 'c9',
      dailyTokens: 1000,
      reserve: 0.2,
      resetOffsetMs: 0,
    });
    await g.admit(300);
    expect(await readBudget(redis, prefix)).toMatchObject({
      limit: 800,
      used: 300,
      left: 500,
      resetsAt: g.nextResetAt(),
    });
  });
});

describe('budgets of several connections', () => {
  it("reads each connection's budget where its workers published it: one company's spending is not another's", async () => {
    const prefix = uniquePrefix();
    const publish = (connection: string, companyKey: string, dailyTokens: number) =>
      publishBudget(redis, prefix, { companyKey, dailyTokens, reserve: 0, resetUtc: '00:00' }, connection);
    await publish('acme', 'c1', 1000);
    await publish('globex', 'c2', 500);
    // A second connection of acme's company (another token) shares its budget.
    await publish('acme-eu', 'c1', 1000);
    await new BudgetGovernor({
      redis,
      prefix,
      companyKey: 'c1',
      dailyTokens: 1000,
      reserve: 0,
      resetOffsetMs: 0,
    }).admit(300);

    expect(await readBudget(redis, prefix, 'acme')).toMatchObject({ limit: 1000, used: 300, left: 700 });
    expect(await readBudget(redis, prefix, 'acme-eu')).toMatchObject({ used: 300, left: 700 });
    expect(await readBudget(redis, prefix, 'globex')).toMatchObject({ limit: 500, used: 0, left: 500 });
    expect(await readBudget(redis, prefix)).toBeNull();
  });

  it("keeps a connection's 429 pause to that connection", async () => {
    const prefix = uniquePrefix();
    const of = (connection: string) =>
      new BudgetGovernor({
        redis,
        prefix,
        companyKey: 'c1',
        dailyTokens: 1000,
        reserve: 0,
        resetOffsetMs: 0,
        connection,
      });
    await of('acme').pauseCalls(5000, 'burst');
    expect((await of('acme').admit(1)).kind).toBe('paused');
    expect((await of('globex').admit(1)).kind).toBe('admitted');
    expect((await of('default').admit(1)).kind).toBe('admitted');
  });
});

describe('BudgetGovernor rolling windows', () => {
  it('admits at most the cap of calls in any 2 s, and says how long until the oldest leaves', async () => {
    const { governor: g, prefix } = governor({ dailyTokens: 1000 });
    const window = { callsKey: `${prefix}:window:test:calls`, callsCap: 3 };
    const admitted = [];
    for (let i = 0; i < 3; i++) admitted.push(await g.admit(1, false, window));
    expect(admitted.map((a) => a.kind)).toEqual(['admitted', 'admitted', 'admitted']);
    const oldest = admitted[0]?.kind === 'admitted' ? admitted[0].atMs : Number.NaN;
    const before = await redisClockMs(redis);
    const full = await g.admit(1, false, window);
    const after = await redisClockMs(redis);
    expect(full.kind).toBe('window');
    // Until the oldest leaves (2 s and 1 ms after it was sent), reckoned on the Redis clock between before and after.
    const waitMs = full.kind === 'window' ? full.waitMs : -1;
    expect(waitMs).toBeGreaterThanOrEqual(oldest + 2001 - after);
    expect(waitMs).toBeLessThanOrEqual(oldest + 2001 - before);
    // A refused call is not charged.
    expect((await g.status()).used).toBe(3);
  });
});
