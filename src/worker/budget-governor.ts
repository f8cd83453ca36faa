import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import type { RateLimitInfo } from '../pipedrive/types.js';
import { keyScope, keysFor } from '../queue/names.js';
import { budgetDay, nextBudgetReset } from './budget-day.js';

/**
 * Admission for one call, in one Redis round trip, at the moment it is about to be sent:
 * 1. the connection's pause after a 429 (its control hash, `rateLimitedUntil`);
 * 2. the token's rolling 2-s windows as Pipedrive counts them (sorted sets, for all calls and
 *    for searches; see "Windows by arrival" below);
 * 3. the company's daily token budget.
 * Times are Redis' own clock, so machines need not agree on the time.
 *
 * Windows by arrival: Pipedrive counts a request when it arrives, a network latency after we
 * send it, and latencies differ by tens of ms. So each entry's score is when the request reached
 * the server, at the latest: the send time plus an upper estimate of the latency (`pending`)
 * while it is on the wire, then the time its answer came back (`corrections`, sent with the
 * process's next admission, so they cost no round trip). A new call arrives `lead` ms after it
 * is sent at the earliest, so the entries that can still share its server window are those
 * scored after `send + lead − 2000`: the call is given the earliest send time at which fewer
 * than `cap` of them remain. Within `horizon` ms that time is reserved for it (the caller sleeps
 * until then and sends: one round trip per call, and no herd of waiters polling Redis); further
 * out it is told how long to wait before asking again. `horizon` 0 admits only at once.
 *
 * KEYS: budget hash, control hash, calls window, search window.
 * ARGV: cost, configured total, reserve, ttl ms, force, calls cap, search cap (0 = no window),
 * member, lead ms, pending ms, horizon ms, then pairs of (member, arrival) corrections.
 * Inner commands of an admitted call with one window: TIME, HGET, ZREMRANGEBYSCORE, ZRANGE, HMGET, ZADD,
 * PEXPIRE, HINCRBY, plus one ZADD XX when there are corrections and one PEXPIRE when the day's count starts.
 * Returns `{1, used, delayMs, now}` admitted (send after `delayMs`), `{0, used, limit}` budget
 * spent, `{2, waitMs}` paused, `{3, waitMs}` window full.
 */
const ADMIT_LUA = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local force = ARGV[5] == '1'
local caps = { tonumber(ARGV[6]), tonumber(ARGV[7]) }
-- The corrections, as (arrival, member) pairs: one ZADD XX per window for all of them.
local corrections = {}
for j = 12, #ARGV - 1, 2 do
  corrections[#corrections + 1] = ARGV[j + 1]
  corrections[#corrections + 1] = ARGV[j]
end
for i = 1, 2 do
  if caps[i] > 0 then
    for k = 1, #corrections, 200 do
      redis.call('ZADD', KEYS[2 + i], 'XX', unpack(corrections, k, math.min(k + 199, #corrections)))
    end
  end
end
local pausedUntil = tonumber(redis.call('HGET', KEYS[2], 'rateLimitedUntil') or '0') or 0
if not force and pausedUntil > now then return { 2, pausedUntil - now } end
local lead = tonumber(ARGV[9]) or 0
local pending = tonumber(ARGV[10]) or 0
local horizon = tonumber(ARGV[11]) or 0
local sendAt = now
for i = 1, 2 do
  if caps[i] > 0 then
    local key = KEYS[2 + i]
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - 2000)
    -- The cap-th latest entry left, the one a new call must wait out (none while fewer than cap are left).
    local e = redis.call('ZRANGE', key, -caps[i], -caps[i], 'WITHSCORES')
    if e[2] then
      local free = tonumber(e[2]) + 2000 - lead + 1
      if free > sendAt then sendAt = free end
    end
  end
end
if sendAt - now > horizon then return { 3, math.max(1, sendAt - now - horizon) } end
local cost = tonumber(ARGV[1])
local budget = redis.call('HMGET', KEYS[1], 'total', 'used', 'exhaustedBy')
local total = tonumber(budget[1] or ARGV[2])
local limit = math.floor(total * (1 - tonumber(ARGV[3])))
local used = tonumber(budget[2] or '0')
if not force then
  if budget[3] or used + cost > limit then
    return { 0, used, limit }
  end
end
for i = 1, 2 do
  if caps[i] > 0 then
    redis.call('ZADD', KEYS[2 + i], sendAt + pending, ARGV[8])
    redis.call('PEXPIRE', KEYS[2 + i], sendAt - now + pending + 4000)
  end
end
used = redis.call('HINCRBY', KEYS[1], 'used', cost)
-- The day's hash lives ttl ms from when its count started: every other writer of the hash sets the TTL too.
if not budget[2] then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return { 1, used, sendAt - now, now }
`;

/**
 * Corrects the count from \`x-daily-ratelimit-token-remaining\`: the company as a whole has used
 * total − remaining, which includes other integrations; never lowers the count, because our
 * own in-flight calls are charged already but not yet reflected in the header.
 * ARGV: companyUsed, headerTotal ('' when absent), ttl.
 */
const OBSERVE_LUA = `
local used = redis.call('HGET', KEYS[1], 'used')
local fields = {}
if tonumber(ARGV[1]) > tonumber(used or '0') then
  used = ARGV[1]
  fields = { 'used', used }
end
if ARGV[2] ~= '' then
  fields[#fields + 1] = 'total'
  fields[#fields + 1] = ARGV[2]
end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return used
`;

/** ARGV: millis to pause; sets `rateLimitedUntil` = Redis now + millis unless already later. */
const PAUSE_LUA = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local untilMs = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('HGET', KEYS[1], 'rateLimitedUntil') or '0') or 0
if untilMs > cur then
  redis.call('HSET', KEYS[1], 'rateLimitedUntil', untilMs, 'rateLimitScope', ARGV[2])
  return untilMs
end
return cur
`;

/**
 * Puts a call that was sent without an admission into the token's calls window, at Redis' clock now (after
 * its answer, so never earlier than it arrived: the window only errs on the safe side). For the call that
 * identifies the company, which must be answered before the company's budget can be named.
 * KEYS: calls window. ARGV: member.
 */
const RECORD_LUA = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
if redis.call('PTTL', KEYS[1]) < 4000 then redis.call('PEXPIRE', KEYS[1], 4000) end
return now
`;

/**
 * Counts a call that was answered without an admission (the start-up `GET /users/me` of a worker or an
 * operator command) in the token's burst window, so the admissions right after it leave room for it: three
 * workers starting together otherwise sent 3 calls more than the window holds in their first 2 s.
 */
export async function recordUnadmittedCall(redis: Redis, window: WindowCheck | undefined): Promise<void> {
  if (!window?.callsCap) return;
  if (!('budgetRecordCall' in redis))
    redis.defineCommand('budgetRecordCall', { numberOfKeys: 1, lua: RECORD_LUA });
  await (
    redis as Redis & { budgetRecordCall(key: string, member: string): Promise<number> }
  ).budgetRecordCall(
    window.callsKey,
    window.member ?? `unadmitted-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
  );
}

type GovernorRedis = Redis & {
  budgetAdmit(
    budget: string,
    control: string,
    callsWindow: string,
    searchWindow: string,
    ...args: (string | number)[]
  ): Promise<number[]>;
  budgetObserve(budget: string, ...args: (string | number)[]): Promise<string>;
  budgetPause(control: string, ...args: (string | number)[]): Promise<number>;
};

export type Admission =
  /** Send after `delayMs` (a reserved place in the window); `atMs` is Redis' clock at admission. */
  | { kind: 'admitted'; used: number; delayMs: number; atMs: number }
  | { kind: 'paused'; waitMs: number }
  | { kind: 'window'; waitMs: number }
  | { kind: 'spent'; used: number; limit: number; untilMs: number };

/** The token's rolling windows a call must fit in (from the call limiter). */
export interface WindowCheck {
  callsKey: string;
  /** Calls allowed in any 2 s (0 = not checked). */
  callsCap: number;
  searchKey?: string;
  /** Searches allowed in any 2 s; 0 for a call that is not a search. */
  searchCap?: number;
  /** This call's entry in the windows. @defaultValue a random one */
  member?: string;
  /** Earliest latency of a request to the server, in ms (see `ADMIT_LUA`). @defaultValue 0 */
  leadMs?: number;
  /** Latest latency, in ms: a call on the wire counts until then at least. @defaultValue 0 */
  pendingMs?: number;
  /** How far ahead a send time may be reserved, in ms; 0 admits only at once. @defaultValue 0 */
  horizonMs?: number;
  /** Arrival times learnt since the last admission: `member, arrivalMs` pairs (Redis clock). */
  takeCorrections?: () => (string | number)[];
}

export interface BudgetGovernorOptions {
  redis: Redis;
  prefix: string;
  /**
   * Budget and caches are per company: `/users/me` → `company_id`. Two connections of one company share
   * the budget; different companies never do.
   */
  companyKey: string;
  /**
   * The connection whose calls a 429 pauses (`rateLimitedUntil` in its control hash): burst windows are per
   * token, so one company's 429 never holds another's calls. @defaultValue `default`
   */
  connection?: string;
  /** The company's daily tokens (30,000 × plan multiplier × seats, or `PIPEDRIVE_DAILY_TOKENS`). */
  dailyTokens: number;
  /** Share kept for the company's other integrations, 0–1. @defaultValue 0.1 */
  reserve: number;
  /** Budget day start as ms after 00:00 UTC (see {@link parseResetUtc}). @defaultValue 0 */
  resetOffsetMs: number;
  /** Clock, for tests. @defaultValue Date.now */
  now?: () => number;
}

export interface BudgetStatus {
  day: string;
  used: number;
  limit: number;
  /** The company's daily tokens (Pipedrive's own figure once a response carried it): `limit` plus the reserve. */
  total: number;
  /** Tokens we may still spend today (never negative). */
  left: number;
  /** Set when Pipedrive itself answered with a daily 429 today. */
  exhaustedByServer: boolean;
  nextResetAt: number;
}

/**
 * Keys live two budget days from when their count started (the admission that creates `used` sets the TTL; so
 * does every other write of the hash): long enough for a reset-time change, short enough to vanish.
 */
const BUDGET_TTL_MS = 2 * 24 * 60 * 60 * 1000;

/**
 * The daily token governor: every call is charged its cost from the client's table *before* it
 * is sent, per company per budget day, against `dailyTokens × (1 − reserve)`. When the budget is
 * spent, {@link admit} says until when, and jobs wait for the next budget day instead of failing.
 *
 * Limits: a charge is kept when the call fails without an answer (Pipedrive may have charged
 * it); a 429 is refunded (a rejected call is assumed free; undocumented, pipedrive-api.md §12.4).
 */
export class BudgetGovernor {
  readonly companyKey: string;
  private readonly redis: GovernorRedis;
  private readonly keys: ReturnType<typeof keysFor>;
  private readonly now: () => number;
  /** The connection's control hash: where its 429 pause is kept. */
  private readonly controlKey: string;

  constructor(private readonly options: BudgetGovernorOptions) {
    this.companyKey = options.companyKey;
    this.keys = keysFor(options.prefix, keyScope(options.redis, options.connection ?? DEFAULT_CONNECTION));
    this.controlKey = this.keys.connectionControl(options.connection ?? DEFAULT_CONNECTION);
    this.now = options.now ?? Date.now;
    const redis = options.redis;
    if (!('budgetAdmit' in redis)) {
      redis.defineCommand('budgetAdmit', { numberOfKeys: 4, lua: ADMIT_LUA });
      redis.defineCommand('budgetObserve', { numberOfKeys: 1, lua: OBSERVE_LUA });
      redis.defineCommand('budgetPause', { numberOfKeys: 1, lua: PAUSE_LUA });
    }
    this.redis = redis as GovernorRedis;
  }

  get limit(): number {
    return Math.floor(this.options.dailyTokens * (1 - this.options.reserve));
  }

  /** The budget key of the current day. */
  currentKey(): string {
    return this.keys.budget(this.companyKey, budgetDay(this.now(), this.options.resetOffsetMs));
  }

  nextResetAt(): number {
    return nextBudgetReset(this.now(), this.options.resetOffsetMs);
  }

  /**
   * Charges `cost` unless processing is paused, the token's burst window is full, or the budget
   * is spent. `force` skips the pause and budget checks (the probes that find out whether the
   * budget is back must be able to run).
   */
  async admit(cost: number, force = false, window?: WindowCheck): Promise<Admission> {
    const [kind, a, b, c] = await this.redis.budgetAdmit(
      this.currentKey(),
      this.controlKey,
      window?.callsKey ?? this.controlKey,
      window?.searchKey ?? this.controlKey,
      cost,
      this.options.dailyTokens,
      this.options.reserve,
      BUDGET_TTL_MS,
      force ? '1' : '0',
      window?.callsCap ?? 0,
      window?.searchCap ?? 0,
      window?.member ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`,
      Math.round(window?.leadMs ?? 0),
      Math.round(window?.pendingMs ?? 0),
      Math.round(window?.horizonMs ?? 0),
      ...(window?.takeCorrections?.() ?? []),
    );
    if (kind === 1) return { kind: 'admitted', used: a ?? 0, delayMs: b ?? 0, atMs: c ?? Date.now() };
    if (kind === 2) return { kind: 'paused', waitMs: a ?? 0 };
    if (kind === 3) return { kind: 'window', waitMs: a ?? 0 };
    return { kind: 'spent', used: a ?? 0, limit: b ?? this.limit, untilMs: this.nextResetAt() };
  }

  /** Gives back a charge for a call Pipedrive refused with 429. */
  async refund(cost: number): Promise<void> {
    // The TTL too: past a day's turn this starts the new day's hash, whose admissions set no TTL once `used` exists.
    const key = this.currentKey();
    await this.redis.multi().hincrby(key, 'used', -cost).pexpire(key, BUDGET_TTL_MS).exec();
  }

  /** Corrects the count from the optional daily-token headers of any response. */
  async observe(info: RateLimitInfo): Promise<void> {
    if (info.dailyTokenRemaining === undefined) return;
    const total = info.dailyTokenLimit ?? this.options.dailyTokens;
    await this.redis.budgetObserve(
      this.currentKey(),
      Math.max(0, total - info.dailyTokenRemaining),
      info.dailyTokenLimit ?? '',
      BUDGET_TTL_MS,
    );
  }

  /** Pipedrive answered with a daily 429: nothing more today, whatever our count says. */
  async markSpentByServer(): Promise<void> {
    const key = this.currentKey();
    await this.redis.multi().hset(key, 'exhaustedBy', 'server').pexpire(key, BUDGET_TTL_MS).exec();
  }

  /**
   * After a probe call that Pipedrive accepted while we were waiting: decides whether the budget
   * is back before our own reset time (Pipedrive's day may start at another hour, or someone
   * bought a top-up). With the daily-token headers we know exactly; without them, an accepted
   * call proves the budget is back only when it was Pipedrive (not our count) that stopped us.
   * Returns true when calls may resume.
   */
  async reopenAfterProbe(info: RateLimitInfo, minUseful: number): Promise<boolean> {
    const key = this.currentKey();
    const state = await this.redis.hmget(key, 'used', 'exhaustedBy', 'total');
    if (info.dailyTokenRemaining !== undefined) {
      const total = info.dailyTokenLimit ?? (Number(state[2]) || this.options.dailyTokens);
      const floor = Math.ceil(total * this.options.reserve);
      if (info.dailyTokenRemaining - floor < minUseful) return false;
      await this.redis
        .multi()
        .hset(key, 'used', total - info.dailyTokenRemaining, 'total', total)
        .hdel(key, 'exhaustedBy')
        .pexpire(key, BUDGET_TTL_MS)
        .exec();
      return true;
    }
    if (state[1] === 'server') {
      await this.redis
        .multi()
        .hset(key, 'used', 0)
        .hdel(key, 'exhaustedBy')
        .pexpire(key, BUDGET_TTL_MS)
        .exec();
      return true;
    }
    return false;
  }

  /** Pauses every call of the connection's workers for `ms` (never shortens a longer pause). */
  async pauseCalls(ms: number, scope: string): Promise<number> {
    return this.redis.budgetPause(this.controlKey, Math.max(0, Math.round(ms)), scope);
  }

  async status(): Promise<BudgetStatus> {
    const day = budgetDay(this.now(), this.options.resetOffsetMs);
    const [used, exhaustedBy, total] = await this.redis.hmget(
      this.keys.budget(this.companyKey, day),
      'used',
      'exhaustedBy',
      'total',
    );
    const totalN = total ? Number(total) : this.options.dailyTokens;
    const limit = total ? Math.floor(totalN * (1 - this.options.reserve)) : this.limit;
    const usedN = Number(used ?? 0);
    return {
      day,
      used: usedN,
      limit,
      total: totalN,
      left: Math.max(0, limit - usedN),
      exhaustedByServer: exhaustedBy === 'server',
      nextResetAt: this.nextResetAt(),
    };
  }
}
