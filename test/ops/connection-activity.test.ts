import { afterAll, describe, expect, it } from 'vitest';
import { burnDownSvg } from '../../src/dashboard/charts.js';
import { MetricsRecorder, RATE_TTL_MS, readMinuteCounts } from '../../src/metrics/recorder.js';
import {
  buildBurnDown,
  buildLeadsPerMinute,
  connectionState,
  projectBudget,
  readConnectionActivity,
  type StateInput,
} from '../../src/ops/connection-activity.js';
import { budgetFromWorkers, createOpsContext } from '../../src/ops/ops-context.js';
import { keysFor } from '../../src/queue/names.js';
import { seedTwoCompanies } from '../dashboard/two-companies.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { seedImport } from './seed.js';

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);

describe('projectBudget: when today’s budget runs out at the recent rate', () => {
  const resetsAt = at('2026-12-02T00:00:00Z');
  const now = at('2026-12-01T12:00:00Z');

  it('left ÷ (tokens in the window ÷ its minutes) from now, before the reset', () => {
    // 3,000 tokens in 15 min = 200/min; 24,000 left → 120 min → 14:00.
    const p = projectBudget({ now, left: 24_000, resetsAt, windowTokens: 3_000, windowMinutes: 15 });
    expect(p.verdict).toBe('runs-out');
    expect(p.tokensPerMinute).toBe(200);
    expect(p.runsOutAt).toBe(at('2026-12-01T14:00:00Z'));
    expect(p.text).toBe('runs out ≈ 14:00 UTC at 200 tokens/min');
  });

  it('lasts the day when the rate does not reach the limit before the reset', () => {
    // 100/min for the 720 minutes left = 72,000 < 80,000 left.
    const p = projectBudget({ now, left: 80_000, resetsAt, windowTokens: 1_500, windowMinutes: 15 });
    expect(p).toMatchObject({
      verdict: 'lasts-the-day',
      runsOutAt: null,
      text: 'lasts the day at 100 tokens/min',
    });
    // Exactly at the reset still lasts the day.
    expect(
      projectBudget({ now, left: 72_000, resetsAt, windowTokens: 1_500, windowMinutes: 15 }).verdict,
    ).toBe('lasts-the-day');
    expect(
      projectBudget({ now, left: 71_999, resetsAt, windowTokens: 1_500, windowMinutes: 15 }).verdict,
    ).toBe('runs-out');
  });

  it('lasts the day when the rows queued cannot spend what is left, whatever the rate', () => {
    // An import about to finish: 350/min would spend 48,748 by 14:19, but 50 rows cost at most 72 tokens each
    // (lead, note, and a search and a create or a read and an update for the person and for the organization).
    const ending = { now, left: 48_748, resetsAt, windowTokens: 5_250, windowMinutes: 15 };
    expect(projectBudget({ ...ending, pending: 50 })).toMatchObject({
      verdict: 'lasts-the-day',
      runsOutAt: null,
      queuedTokensAtMost: 3_600,
      text: 'lasts the day: the 50 rows queued need at most 3,600 tokens (350 tokens/min over the last 15 min)',
    });
    expect(projectBudget({ ...ending, pending: 1 }).text).toBe(
      'lasts the day: the 1 row queued needs at most 72 tokens (350 tokens/min over the last 15 min)',
    );
    // 678 rows may cost 48,816: more than is left, so the rate decides.
    expect(projectBudget({ ...ending, pending: 678 }).verdict).toBe('runs-out');
    expect(projectBudget({ ...ending, pending: 677 }).verdict).toBe('lasts-the-day');
  });

  it('lasts the day when nothing was spent recently, and is spent when nothing is left', () => {
    expect(projectBudget({ now, left: 10, resetsAt, windowTokens: 0, windowMinutes: 15 })).toMatchObject({
      verdict: 'lasts-the-day',
      tokensPerMinute: 0,
      text: 'lasts the day (nothing spent in the last 15 min)',
    });
    // A window whose last minute is under way is still the last 15 minutes.
    expect(projectBudget({ now, left: 10, resetsAt, windowTokens: 0, windowMinutes: 14.5 }).text).toBe(
      'lasts the day (nothing spent in the last 15 min)',
    );
    expect(projectBudget({ now, left: 0, resetsAt, windowTokens: 900, windowMinutes: 15 })).toMatchObject({
      verdict: 'spent',
      runsOutAt: null,
      text: 'spent until 2026-12-02 00:00 UTC',
    });
  });
});

describe('projectBudget: never a run-out time beside a spent budget', () => {
  const resetsAt = at('2026-12-02T00:00:00Z');
  const now = at('2026-12-01T12:00:00Z');

  it('is spent whenever the connection is budget-spent, though a few tokens are left', () => {
    // 40 tokens left, less than a row costs: the workers wait for the next budget day.
    expect(
      projectBudget({
        now,
        left: 40,
        resetsAt,
        windowTokens: 3_000,
        windowMinutes: 15,
        state: 'budget-spent',
      }),
    ).toMatchObject({ verdict: 'spent', runsOutAt: null, text: 'spent until 2026-12-02 00:00 UTC' });
  });

  it('never says it runs out at 0 tokens/min', () => {
    // 6 tokens over 15 minutes: 0.4 a minute spends the 20 left in 50 minutes.
    const p = projectBudget({ now, left: 20, resetsAt, windowTokens: 6, windowMinutes: 15 });
    expect(p.verdict).toBe('runs-out');
    expect(p.text).toBe('runs out ≈ 12:50 UTC at 0.4 tokens/min');
    const trickle = projectBudget({ now, left: 1, resetsAt, windowTokens: 0.3, windowMinutes: 15 });
    expect(trickle.text).not.toMatch(/ 0 tokens/);
  });
});

describe('projectBudget: no run-out time while nothing is sent', () => {
  const resetsAt = at('2026-12-02T00:00:00Z');
  const now = at('2026-12-01T12:00:00Z');
  // 200 tokens a minute would spend the 24,000 left by 14:00.
  const input = { now, left: 24_000, resetsAt, windowTokens: 3_000, windowMinutes: 15 };

  it('projects nothing for a blocked, paused or starved connection', () => {
    for (const state of ['blocked', 'paused', 'starved'] as const) {
      expect(projectBudget({ ...input, state })).toMatchObject({
        verdict: 'lasts-the-day',
        runsOutAt: null,
        held: true,
        text: `lasts the day: ${state}, nothing is sent (200 tokens/min over the last 15 min)`,
      });
    }
    // A 429 pause or a back-off ends by itself: the rate goes on after it.
    for (const state of ['running', 'rate-limited', 'edge-backoff'] as const) {
      expect(projectBudget({ ...input, state })).toMatchObject({ verdict: 'runs-out', held: false });
    }
  });
});

describe('readConnectionActivity: the projection follows the connection’s state', () => {
  const redis = testRedis();
  const limits = { burstPer2s: 40, dailyTokens: 20_000 };
  const prefix = uniquePrefix('activity');
  const ctx = createOpsContext({
    redis,
    prefix,
    // The budget as the workers publish and count it, as the dashboard reads it.
    readBudget: budgetFromWorkers(redis, prefix),
    limits,
    connectionLimits: new Map([
      ['acme', limits],
      ['globex', { burstPer2s: 100, dailyTokens: 100_000 }],
    ]),
  });
  afterAll(() => ctx.close());

  it('says budget spent, and no run-out time, while the workers wait for budget with tokens left', async () => {
    const now = Date.now();
    await seedTwoCompanies(redis, ctx, now);
    // acme: 1,000 of its 18,000 left at 200 tokens a minute, running out in minutes.
    const [before] = await readConnectionActivity(ctx, ['acme'], now);
    expect(before?.budget?.projection.verdict).toBe('runs-out');
    // Its workers found the 1,000 too few for the next row and wait for the next budget day.
    await redis.hset(ctx.keys.connectionControl('acme'), 'budgetWaitUntil', now + 3_600_000);
    const [after] = await readConnectionActivity(ctx, ['acme'], now);
    expect(after?.state).toBe('budget-spent');
    expect(after?.budget?.left).toBe(1_000);
    expect(after?.budget?.projection).toMatchObject({ verdict: 'spent', runsOutAt: null });
  });

  it('draws no projection while the connection’s queue is paused', async () => {
    const now = Date.now();
    await redis.hdel(ctx.keys.connectionControl('acme'), 'budgetWaitUntil');
    const [before] = await readConnectionActivity(ctx, ['acme'], now);
    expect(before?.budget?.projection.verdict).toBe('runs-out');
    await ctx.leadQueueOf('acme').pause();
    try {
      const [paused] = await readConnectionActivity(ctx, ['acme'], now);
      expect(paused?.state).toBe('paused');
      expect(paused?.budget?.projection).toMatchObject({
        verdict: 'lasts-the-day',
        runsOutAt: null,
        held: true,
      });
      const svg = burnDownSvg('b', 'acme', paused!.budget!, now);
      expect(svg).not.toContain('class="projection"');
      expect(svg).not.toContain('class="runs-out"');
    } finally {
      await ctx.leadQueueOf('acme').resume();
    }
  });
});

describe('readConnectionActivity: starved only once rows have waited 5 minutes unserved', () => {
  const redis = testRedis();
  const limits = { burstPer2s: 20, dailyTokens: 30_000 };
  const ctx = createOpsContext({
    redis,
    prefix: uniquePrefix('starved'),
    limits,
    connectionLimits: new Map([['initech', limits]]),
  });
  afterAll(() => ctx.close());

  it('says running while a new import waits for its first call, starved once it has waited 5 minutes', async () => {
    const pending = (i: number) => ({
      line: 2 + i,
      cells: [`P${i}`, `p${i}@initech.example`, 'Initech'],
      outcome: 'pending' as const,
    });
    await seedImport(ctx, 'initech-new', [0, 1, 2].map(pending), { connection: 'initech' });
    const now = Date.now();
    const [fresh] = await readConnectionActivity(ctx, ['initech'], now);
    expect(fresh?.queued).toBe(3);
    expect(fresh?.state).toBe('running');
    // Nothing changed in the import for 6 minutes, and nothing was sent: no worker serves it.
    await redis.hset(ctx.keys.import('initech-new'), { createdAt: now - 6 * MIN, updatedAt: now - 6 * MIN });
    const [later] = await readConnectionActivity(ctx, ['initech'], now);
    expect(later?.state).toBe('starved');
  });
});

describe('buildBurnDown: spent over the budget day, and the projection from the last 15 minutes', () => {
  // A budget day that resets at 06:00 UTC; now is 09:07:30, so the day began at 06:00.
  const now = at('2026-12-01T09:07:30Z');
  const resetsAt = at('2026-12-02T06:00:00Z');
  const dayStart = at('2026-12-01T06:00:00Z');

  /** Per-minute tokens from `from`, `perMinute` each minute from `activeFrom` to now. */
  function minutes(from: number, activeFrom: number, perMinute: number) {
    const n = (Math.floor(now / MIN) * MIN - from) / MIN + 1;
    return {
      from,
      tokens: Array.from({ length: n }, (_, i) => (from + i * MIN >= activeFrom ? perMinute : 0)),
    };
  }

  it('adds up the minutes of this budget day only, every 10 min, ending at what the governor counts', () => {
    // 100 tokens a minute since 08:00 (and some the day before, which belong to yesterday's budget).
    const m = minutes(at('2026-12-01T05:00:00Z'), at('2026-12-01T05:30:00Z'), 100);
    for (let i = 0; i < 30; i++) m.tokens[60 + i] = 0; // 06:00–06:29 idle
    for (let i = 30; i < 120; i++) m.tokens[60 + i] = 0; // idle until 08:00
    // 08:00 … 09:07 = 68 minutes × 100 = 6,800 recorded today; the governor counts 7,000 (200 by others).
    const b = buildBurnDown({
      now,
      budget: { total: 30_000, limit: 27_000, used: 7_000, left: 20_000, resetsAt },
      minutes: m,
    });
    expect(b.dayStartsAt).toBe(dayStart);
    expect(b.reserve).toBe(3_000);
    // Points at 06:00, 06:10, …, 09:00 and now.
    expect(b.spent).toHaveLength(20);
    expect(b.spent[0]).toEqual({ at: dayStart, used: 200 });
    expect(b.spent.find((p) => p.at === at('2026-12-01T08:00:00Z'))?.used).toBe(200);
    expect(b.spent.find((p) => p.at === at('2026-12-01T08:30:00Z'))?.used).toBe(200 + 3_000);
    expect(b.spent.find((p) => p.at === at('2026-12-01T09:00:00Z'))?.used).toBe(200 + 6_000);
    expect(b.spent.at(-1)).toEqual({ at: now, used: 7_000 });
    // The last 15 minutes: 08:53 … 09:07:30 = 14.5 min, 1,500 tokens → 103.4/min; 20,000 left → 193 min → 12:21.
    expect(b.projection.windowMinutes).toBe(14.5);
    expect(b.projection.tokensPerMinute).toBeCloseTo(1_500 / 14.5, 6);
    expect(b.projection.verdict).toBe('runs-out');
    expect(b.projection.text).toMatch(/^runs out ≈ 12:21 UTC at 103 tokens\/min$/);
  });

  it('never draws more than the governor counts, and measures the rate only since the day began', () => {
    const justAfterReset = at('2026-12-01T06:04:30Z');
    const m = {
      from: at('2026-12-01T05:50:00Z'),
      // 1,000 a minute before the reset (yesterday's), 50 a minute since.
      tokens: Array.from({ length: 15 }, (_, i) => (i < 10 ? 1_000 : 50)),
    };
    const b = buildBurnDown({
      now: justAfterReset,
      budget: { total: 30_000, limit: 27_000, used: 100, left: 26_900, resetsAt },
      minutes: m,
    });
    expect(b.spent.every((p) => p.used <= 100)).toBe(true);
    expect(b.projection.windowMinutes).toBe(4.5);
    expect(b.projection.tokensPerMinute).toBeCloseTo(250 / 4.5, 6);
  });
});

describe('buildLeadsPerMinute', () => {
  it('is the last 60 minutes, the current one last, zeros where nothing was written', () => {
    const now = at('2026-12-01T10:30:20Z');
    const from = at('2026-12-01T09:00:00Z');
    const leads = Array.from({ length: 91 }, () => 0);
    leads[90] = 4; // 10:30 (so far)
    leads[89] = 12; // 10:29
    leads[31] = 7; // 09:31: the first minute of the hour shown
    leads[30] = 99; // 09:30: more than an hour ago
    const l = buildLeadsPerMinute(now, { from, leads });
    expect(l.from).toBe(at('2026-12-01T09:31:00Z'));
    expect(l.counts).toHaveLength(60);
    expect(l.counts[0]).toBe(7);
    expect(l.counts.slice(-2)).toEqual([12, 4]);
    expect(l.total).toBe(23);
    expect(l.peak).toBe(12);
  });
});

describe('connectionState: what holds a connection back, in words', () => {
  const now = at('2026-12-01T10:00:00Z');
  const base: StateInput = {
    now,
    control: {},
    queuePaused: false,
    queued: 40,
    active: 2,
    budget: { left: 5_000, resetsAt: at('2026-12-02T00:00:00Z') },
    recentLeads: 30,
    recentTokens: 900,
    leadsPerMinute: 6.25,
  };
  const state = (over: Partial<StateInput>) => connectionState({ ...base, ...over });

  it('blocked before anything else', () => {
    expect(
      state({
        control: { blockedReason: 'Pipedrive rejected the API token', rateLimitedUntil: now + 5_000 },
      }),
    ).toEqual({ state: 'blocked', stateText: 'blocked: Pipedrive rejected the API token' });
  });

  it('failing while the workers find every call failing, until their report is two minutes old', () => {
    const control = {
      failingSince: now - 90_000,
      failingAt: now - 1_000,
      failingReason: 'no answer to GET /api/v1/users/me (connection refused, reset or closed)',
    };
    expect(state({ control })).toEqual({
      state: 'failing',
      stateText:
        'failing: every call to Pipedrive has failed since 09:58:30 UTC (the latest: no answer to GET /api/v1/users/me (connection refused, reset or closed)); the workers retry with back-off',
    });
    // A 429 pause says more (the calls wait); a block more still.
    expect(state({ control: { ...control, rateLimitedUntil: now + 7_000 } }).state).toBe('rate-limited');
    expect(state({ control: { ...control, failingAt: now - 2 * 60_000 - 1 } }).state).toBe('running');
  });

  it('a 429 pause and an edge back-off, until when', () => {
    expect(state({ control: { rateLimitedUntil: now + 7_000, rateLimitScope: 'burst' } })).toEqual({
      state: 'rate-limited',
      stateText: 'paused after a 429 (burst) until 10:00:07 UTC',
    });
    expect(state({ control: { rateLimitedUntil: now + 60_000, rateLimitScope: 'edge' } })).toEqual({
      state: 'edge-backoff',
      stateText: 'backing off after an edge block (HTML 403) until 10:01:00 UTC',
    });
    // A pause that has ended holds nothing.
    expect(state({ control: { rateLimitedUntil: now - 1, rateLimitScope: 'burst' } }).state).toBe('running');
  });

  it('budget spent: the workers’ wait, or nothing left with rows queued', () => {
    expect(state({ control: { budgetWaitUntil: at('2026-12-02T00:00:00Z') } })).toEqual({
      state: 'budget-spent',
      stateText: 'budget spent: rows wait until 2026-12-02 00:00 UTC',
    });
    expect(state({ budget: { left: 0, resetsAt: at('2026-12-02T00:00:00Z') } }).state).toBe('budget-spent');
    expect(state({ budget: { left: 0, resetsAt: 0 }, queued: 0, active: 0, recentLeads: 0 }).state).toBe(
      'idle',
    );
  });

  it('starved when rows are queued and nothing went to Pipedrive for 5 minutes; running otherwise', () => {
    expect(state({ recentLeads: 0, recentTokens: 0 })).toEqual({
      state: 'starved',
      stateText: 'starved: rows queued, nothing sent to Pipedrive in the last 5 min',
    });
    // Searching for contacts is work too.
    expect(state({ recentLeads: 0, recentTokens: 20 }).state).toBe('running');
    expect(state({})).toEqual({
      state: 'running',
      stateText: 'running: 6.3 leads/min over the last 5 min',
    });
    // Done: idle, however busy the last minutes were.
    expect(state({ queued: 0, active: 0 }).state).toBe('idle');
    expect(state({ queued: 0, active: 0, recentLeads: 0, recentTokens: 0 })).toEqual({
      state: 'idle',
      stateText: 'idle: nothing queued',
    });
    expect(state({ queuePaused: true }).state).toBe('paused');
  });

  it('not starved before its rows have waited 5 minutes: an import just started, or a budget wait just over', () => {
    const quiet = { recentLeads: 0, recentTokens: 0, leadsPerMinute: 0 };
    // Enqueued a minute ago, nothing sent yet: the card said "starved: … nothing sent to Pipedrive in the last 5 min"
    // while the import's own row said running (stalled comes after 5 minutes without a change).
    expect(state({ ...quiet, waitingSince: now - 60_000 })).toEqual({
      state: 'running',
      stateText: 'running: 0 leads/min over the last 5 min',
    });
    expect(state({ ...quiet, waitingSince: now - 5 * 60_000 }).state).toBe('starved');
    // The budget day began a minute ago: the rows waited for it, they were not left unserved.
    const waitedForBudget = { ...quiet, waitingSince: now - 3_600_000 };
    expect(state({ ...waitedForBudget, control: { budgetWaitUntil: now - 60_000 } }).state).toBe('running');
    expect(state({ ...waitedForBudget, control: { rateLimitedUntil: now - 60_000 } }).state).toBe('running');
    expect(state({ ...waitedForBudget, control: { budgetWaitUntil: now - 5 * 60_000 } }).state).toBe(
      'starved',
    );
  });
});

describe('the per-minute counts the workers’ metrics recorder writes', () => {
  const redis = testRedis();

  it('counts leads created and tokens charged per connection per minute, in hashes that expire', async () => {
    const prefix = uniquePrefix('rate');
    let clock = at('2026-12-01T10:58:10Z');
    const recorder = new MetricsRecorder(redis, prefix, 0, () => clock);
    const acme = recorder.connection('acme');
    acme.recordCall('leads.create', 201, 80, 10);
    acme.recordOutcome('created');
    acme.recordCall('persons.search', 200, 40, 20);
    acme.recordOutcome('personReused');
    recorder.connection('globex').recordOutcome('created', 3);
    clock = at('2026-12-01T11:00:05Z');
    acme.recordCall('leads.create', 201, 80, 10);
    acme.recordOutcome('created');
    acme.recordCall('leads.create', 429, 5, 0);
    await recorder.flush();

    const counts = await readMinuteCounts(redis, prefix, 'acme', at('2026-12-01T10:57:00Z'), clock);
    expect(counts.from).toBe(at('2026-12-01T10:57:00Z'));
    expect(counts.leads).toEqual([0, 1, 0, 1]);
    expect(counts.tokens).toEqual([0, 30, 0, 10]);
    expect((await readMinuteCounts(redis, prefix, 'globex', clock - 3 * MIN, clock)).leads).toEqual([
      0, 3, 0, 0,
    ]);
    const key = keysFor(prefix).connectionRate('acme', '2026120110');
    expect(await redis.hgetall(key)).toEqual({ 'leads|58': '1', 'tokens|58': '30' });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(RATE_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(RATE_TTL_MS);
  });

  it('adds two HINCRBY and one PEXPIRE per connection per flush, however many leads it counts', async () => {
    const prefix = uniquePrefix('rate');
    const recorder = new MetricsRecorder(redis, prefix, 0, () => at('2026-12-01T10:58:10Z'));
    const commands: string[] = [];
    const multi = redis.multi.bind(redis);
    const spy = redis as unknown as { multi: typeof redis.multi };
    spy.multi = ((...args: Parameters<typeof redis.multi>) => {
      const m = multi(...args);
      const hincrby = m.hincrby.bind(m);
      const pexpire = m.pexpire.bind(m);
      m.hincrby = ((key: string, ...rest: unknown[]) => {
        commands.push(`HINCRBY ${key.slice(prefix.length + 1)}`);
        return (hincrby as (...a: unknown[]) => typeof m)(key, ...rest);
      }) as typeof m.hincrby;
      m.pexpire = ((key: string, ...rest: unknown[]) => {
        commands.push(`PEXPIRE ${key.slice(prefix.length + 1)}`);
        return (pexpire as (...a: unknown[]) => typeof m)(key, ...rest);
      }) as typeof m.pexpire;
      return m;
    }) as typeof redis.multi;
    try {
      for (let i = 0; i < 200; i++) {
        recorder.connection('acme').recordCall('leads.create', 201, 50, 10);
        recorder.connection('acme').recordOutcome('created');
      }
      await recorder.flush();
    } finally {
      spy.multi = multi;
    }
    const perMinute = commands.filter((c) => c.includes('rate:'));
    expect(perMinute.sort()).toEqual([
      'HINCRBY rate:acme:2026120110',
      'HINCRBY rate:acme:2026120110',
      'PEXPIRE rate:acme:2026120110',
    ]);
  });
});
