import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import type { RateLimitInfo } from '../pipedrive/types.js';
import { groupByHashTag, keyScope, keysFor } from '../queue/names.js';
import { TurnBatcher, type TurnRequest } from '../queue/turn-batcher.js';
import { budgetDay, nextBudgetReset } from './budget-day.js';

/**
 * Admission for a call, in one Redis round trip (shared with the calls asked at the same moment, see
 * "Batches"), at the moment it is about to be sent:
 * 1. the connection's pause after a 429 (`rateLimitedUntil:<connection>` in the budget hash, read with the
 *    budget: see `pauseCalls`; operators see it in the connection's control hash);
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
 * Batches: the calls one process asks to admit at about the same moment (see {@link BudgetGovernor.admit})
 * go in one script call that admits them one after another, in the order asked, exactly as that many
 * single admissions would have: each is placed in the windows after those before it (by their reserved
 * arrival), charged against what those before it left of the budget, and the 429 pause holds them all. So
 * a batch of N costs one round trip and the inner commands of one admission, not N of each. Since
 * 2026-12-02 the governors of every connection on one Redis client share the batching (src/queue/turn-batcher.ts):
 * on one Redis a call carries a group per governor, budget day and token, admitted one after another as separate
 * calls would have been (groups of one company share its budget hash, and see each other's charges in order), with
 * one `EVALSHA` and one `TIME` for all (2 commands saved per group beyond the first: a worker serving 10 companies
 * asked 10 calls where one does); on a cluster one call per hash tag, as a script runs in one slot.
 *
 * Each window's upkeep is housekeeping, not a check: an entry older than 2 s never decides a send time, and
 * the TTL only makes an idle token's window vanish. So a batch reads a window (one ZRANGE) and writes it (one
 * ZADD, its corrections included) and nothing else; trimming it and renewing its TTL are left to an upkeep
 * that each process asks for about once a second (`WINDOW_UPKEEP_MS`), with a TTL that outlasts the time
 * between upkeeps (`WINDOW_TTL_SLACK_MS`). The corrections are applied to the entries read (the latest 2 ×
 * cap, so the cap latest are still known after corrections moved some down) and written in the same ZADD;
 * only a correction for an entry older than all those read takes a ZADD XX of its own (XX: one for a call
 * that left the window is dropped, as it is when the window was read whole), and counts for this batch if it
 * may fall among the latest. Until 2026-12-02 every batch trimmed, set the TTL and wrote the corrections
 * with commands of their own: 10 commands for a batch of calls, 15 with a search, against 6 and 8 now.
 *
 * KEYS: per group, budget hash, control hash (unused: kept for the layout), calls window, search window.
 * ARGV: the number of groups; then per group the number of its arguments and its arguments: configured total,
 * reserve, ttl ms, N, upkeep ('1' or '0'), window TTL slack ms, the pause's field; then per call 8 values: cost,
 * force, calls cap, search cap (0 = no window), member, lead ms, pending ms, horizon ms; then pairs of (member,
 * arrival) corrections. Every group's numbers are checked before anything is written.
 * Inner commands of a batch with one window, whatever its size: TIME, HMGET (budget and pause), ZRANGE, ZADD,
 * HINCRBY, plus one PEXPIRE when the day's count starts, and on the window's upkeep (or when the key is new)
 * one ZREMRANGEBYSCORE and one PEXPIRE (a batch that is all paused stops after the HMGET, or writes its
 * corrections with a ZADD XX; one that admits none writes only corrections). Until 2026-12-02 the pause was
 * read from the control hash, one HGET more per batch.
 * TIME is read once per script call, whatever the number of groups.
 * Returns 4 numbers per call, in order (the groups' calls one group after another): `1, used, delayMs, now`
 * admitted (send after `delayMs`), `0, used, limit` budget spent, `2, waitMs` paused, `3, waitMs` window full
 * (unused places are 0).
 */
const ADMIT_LUA = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
-- The groups' arguments, checked before anything is written: one group's bad argument must not fail another's
-- after that one wrote.
local groups = tonumber(ARGV[1])
if not groups or groups < 1 or groups ~= math.floor(groups) or #KEYS ~= 4 * groups then
  return redis.error_reply('ERR bad admission batch')
end
local slices = {}
local p = 2
for g = 1, groups do
  local size, n = tonumber(ARGV[p]), tonumber(ARGV[p + 4])
  if not size or not n or n < 1 or n ~= math.floor(n) or size < 7 + 8 * n or p + size > #ARGV then
    return redis.error_reply('ERR bad admission batch')
  end
  for _, k in ipairs({ 1, 2, 3, 6 }) do
    if not tonumber(ARGV[p + k]) then return redis.error_reply('ERR bad admission batch') end
  end
  for j = 1, n do
    local o = p + 7 + (j - 1) * 8
    if not tonumber(ARGV[o + 1]) or not tonumber(ARGV[o + 3]) or not tonumber(ARGV[o + 4]) then
      return redis.error_reply('ERR bad admission batch')
    end
  end
  local argv = {}
  for k = 1, size do argv[k] = ARGV[p + k] end
  slices[g] = argv
  p = p + 1 + size
end
if p ~= #ARGV + 1 then return redis.error_reply('ERR bad admission batch') end
-- One group: one governor's calls of one budget day and one token's windows, as a script call of its own would
-- admit them (KEYS and ARGV are the group's).
local function admit(KEYS, ARGV)
  local n = tonumber(ARGV[4])
  local upkeep = ARGV[5] == '1'
  local slack = tonumber(ARGV[6])
  local calls = {}
  local maxCap = { 0, 0 }
  local anyActive = false
  -- The budget and the connection's 429 pause, in one read (the pause is kept in the day's budget hash too).
  local budget = redis.call('HMGET', KEYS[1], 'total', 'used', 'exhaustedBy', ARGV[7])
  local pausedUntil = tonumber(budget[4] or '0') or 0
  for j = 1, n do
    local o = 7 + (j - 1) * 8
    local c = {
      cost = tonumber(ARGV[o + 1]), force = ARGV[o + 2] == '1',
      caps = { tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4]) }, member = ARGV[o + 5],
      lead = tonumber(ARGV[o + 6]) or 0, pending = tonumber(ARGV[o + 7]) or 0, horizon = tonumber(ARGV[o + 8]) or 0,
    }
    for i = 1, 2 do
      if c.caps[i] > maxCap[i] then maxCap[i] = c.caps[i] end
    end
    if c.force or pausedUntil <= now then anyActive = true end
    calls[j] = c
  end
  -- The corrections: (member, arrival) pairs; one that is not a number is left out.
  local fixM, fixA = {}, {}
  for j = 8 + n * 8, #ARGV - 1, 2 do
    local a = tonumber(ARGV[j + 1])
    if a then
      fixM[#fixM + 1] = ARGV[j]
      fixA[#fixM] = a
    end
  end
  -- ZADD in slices (Lua's unpack has a stack limit); \`flag\` is 'XX' or nil.
  local function zadd(key, list, flag)
    for k = 1, #list, 200 do
      if flag then
        redis.call('ZADD', key, flag, unpack(list, k, math.min(k + 199, #list)))
      else
        redis.call('ZADD', key, unpack(list, k, math.min(k + 199, #list)))
      end
    end
  end
  local out = {}
  if not anyActive then
    -- Nothing read past the pause; the arrivals learnt are kept (XX: never for a call that left the window).
    if #fixM > 0 then
      local list = {}
      for c = 1, #fixM do list[#list + 1] = fixA[c]; list[#list + 1] = fixM[c] end
      for i = 1, 2 do
        if maxCap[i] > 0 then zadd(KEYS[2 + i], list, 'XX') end
      end
    end
    for j = 1, n do
      out[#out + 1] = 2; out[#out + 1] = pausedUntil - now; out[#out + 1] = 0; out[#out + 1] = 0
    end
    return out
  end
  -- Each window's latest entries, ascending: as many as the largest cap, and as many again (at least one per
  -- correction), so that the cap latest are still known after corrections moved some entries down. The
  -- corrections are applied to what was read; the calls of this batch are then placed among them one after
  -- another, as that many single admissions would have been.
  local scores = { {}, {} }
  local writes = { {}, {} }
  local existed = { false, false }
  for i = 1, 2 do
    if maxCap[i] > 0 then
      local want = maxCap[i] + math.max(maxCap[i], #fixM)
      local e = redis.call('ZRANGE', KEYS[2 + i], -want, -1, 'WITHSCORES')
      local full = #e >= 2 * want
      existed[i] = #e > 0
      local s = scores[i]
      local scoreOf = {}
      for k = 1, #e, 2 do
        local v = tonumber(e[k + 1])
        s[#s + 1] = v
        scoreOf[e[k]] = v
      end
      local unread = {}
      for c = 1, #fixM do
        local m, a = fixM[c], fixA[c]
        local old = scoreOf[m]
        if old then
          -- Read: move its score (binary search for the old one, insertion from the top for the new one).
          if old ~= a then
            local lo, hi = 1, #s
            while lo < hi do
              local mid = math.floor((lo + hi) / 2)
              if s[mid] < old then lo = mid + 1 else hi = mid end
            end
            table.remove(s, lo)
            local k = #s + 1
            while k > 1 and s[k - 1] > a do k = k - 1 end
            table.insert(s, k, a)
            scoreOf[m] = a
            writes[i][#writes[i] + 1] = a
            writes[i][#writes[i] + 1] = m
          end
        elseif full then
          -- Older than all that was read, or gone: XX keeps a gone call out of the window. For this batch,
          -- one that may now count among the latest does (whether or not it is still there).
          unread[#unread + 1] = a
          unread[#unread + 1] = m
          if a > s[1] then
            local k = #s + 1
            while k > 1 and s[k - 1] > a do k = k - 1 end
            table.insert(s, k, a)
          end
        end
        -- Not read and the window read whole: the call left the window, and its correction is dropped.
      end
      if #unread > 0 then zadd(KEYS[2 + i], unread, 'XX') end
      -- The trim is housekeeping (entries older than 2 s never decide a send time): only when the process asks
      -- (about once a second) and something is there to trim.
      if upkeep and (full or (s[1] and s[1] < now - 2000)) then
        redis.call('ZREMRANGEBYSCORE', KEYS[2 + i], '-inf', now - 2000)
      end
    end
  end
  local limit = math.floor(tonumber(budget[1] or ARGV[1]) * (1 - tonumber(ARGV[2])))
  local used = tonumber(budget[2] or '0')
  -- No count yet: this batch starts the day's (the pause alone does not).
  local startsDay = not budget[2]
  local charged, admitted = 0, 0
  local reach = { -1, -1 }
  for j = 1, n do
    local c = calls[j]
    if not c.force and pausedUntil > now then
      out[#out + 1] = 2; out[#out + 1] = pausedUntil - now; out[#out + 1] = 0; out[#out + 1] = 0
    else
      local sendAt = now
      for i = 1, 2 do
        -- The cap-th latest entry, the one a new call must wait out (none while fewer than cap are left).
        local s = scores[i][#scores[i] - c.caps[i] + 1]
        if c.caps[i] > 0 and s then
          local free = s + 2000 - c.lead + 1
          if free > sendAt then sendAt = free end
        end
      end
      if sendAt - now > c.horizon then
        out[#out + 1] = 3; out[#out + 1] = math.max(1, sendAt - now - c.horizon); out[#out + 1] = 0; out[#out + 1] = 0
      elseif not c.force and (budget[3] or used + c.cost > limit) then
        out[#out + 1] = 0; out[#out + 1] = used; out[#out + 1] = limit; out[#out + 1] = 0
      else
        for i = 1, 2 do
          if c.caps[i] > 0 then
            local score = sendAt + c.pending
            local s = scores[i]
            local k = #s + 1
            while k > 1 and s[k - 1] > score do k = k - 1 end
            table.insert(s, k, score)
            writes[i][#writes[i] + 1] = score
            writes[i][#writes[i] + 1] = c.member
            if score - now > reach[i] then reach[i] = score - now end
          end
        end
        used = used + c.cost
        charged = charged + c.cost
        admitted = admitted + 1
        out[#out + 1] = 1; out[#out + 1] = used; out[#out + 1] = sendAt - now; out[#out + 1] = now
      end
    end
  end
  for i = 1, 2 do
    if maxCap[i] > 0 then
      zadd(KEYS[2 + i], writes[i])
      -- The window's TTL: \`slack\` beyond its latest entry's need (2 s in the window, 2 s more for its answer's
      -- correction). Set when the key is new, on the process's upkeep (about once a second), or for an entry
      -- reaching further than half the slack; between upkeeps an entry relies on the last one's TTL, which the
      -- slack outlasts (an upkeep a second apart, and a batch's time on its way).
      if (existed[i] or #writes[i] > 0) and (upkeep or not existed[i] or reach[i] > slack / 2) then
        redis.call('PEXPIRE', KEYS[2 + i], math.max(reach[i], 0) + 4000 + slack)
      end
    end
  end
  if admitted > 0 then
    redis.call('HINCRBY', KEYS[1], 'used', charged)
    -- The day's hash lives ttl ms from when its count started: every other writer of the hash sets the TTL too.
    if startsDay then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
  end
  return out
end
local reply = {}
for g = 1, groups do
  local out = admit({ KEYS[4 * g - 3], KEYS[4 * g - 2], KEYS[4 * g - 1], KEYS[4 * g] }, slices[g])
  for _, v in ipairs(out) do reply[#reply + 1] = v end
end
return reply
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

/**
 * ARGV: millis to pause, scope, the budget hashes' pause field, their TTL. Sets `rateLimitedUntil` = Redis now +
 * millis in the connection's control hash (what operators see) and the pause field in each budget hash given
 * (what the admission reads, with the budget), unless already later.
 * KEYS: control hash, then the budget hashes of the days an admission may count in during the pause.
 */
const PAUSE_LUA = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local untilMs = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('HGET', KEYS[1], 'rateLimitedUntil') or '0') or 0
if untilMs > cur then
  redis.call('HSET', KEYS[1], 'rateLimitedUntil', untilMs, 'rateLimitScope', ARGV[2])
  cur = untilMs
end
for k = 2, #KEYS do
  if untilMs > (tonumber(redis.call('HGET', KEYS[k], ARGV[3]) or '0') or 0) then
    redis.call('HSET', KEYS[k], ARGV[3], untilMs)
    redis.call('PEXPIRE', KEYS[k], ARGV[4])
  end
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
  budgetAdmit(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  budgetObserve(budget: string, ...args: (string | number)[]): Promise<string>;
  budgetPause(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
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

/** One admission waiting for its batch. */
interface AdmitRequest extends TurnRequest {
  governor: BudgetGovernor;
  budgetKey: string;
  cost: number;
  force: boolean;
  window: WindowCheck | undefined;
  resolve: (admission: Admission) => void;
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
 * The admissions of every governor on one Redis client, sent together (src/queue/turn-batcher.ts): on one Redis all
 * of a step's groups go in one script call, so the calls of several connections that ask at the same moment pay
 * `EVALSHA` and `TIME` once; on a cluster one call per hash tag (a connection's keys carry its tag, and a script
 * runs in one slot).
 */
const admissionBatchers = new WeakMap<Redis, TurnBatcher<AdmitRequest>>();

function admissionsOf(redis: GovernorRedis, cluster: boolean): TurnBatcher<AdmitRequest> {
  let batcher = admissionBatchers.get(redis);
  if (!batcher) {
    batcher = new TurnBatcher<AdmitRequest>(
      (taken) => ({ calls: groupByHashTag(taken, (r) => r.budgetKey, cluster) }),
      (call) => sendAdmissions(redis, call),
    );
    admissionBatchers.set(redis, batcher);
  }
  return batcher;
}

/**
 * One script call for `call`'s admissions: a group per governor, budget day and token (calls and searches share a
 * group: a group has one budget key and one key per window), in the order asked.
 */
async function sendAdmissions(redis: GovernorRedis, call: AdmitRequest[]): Promise<void> {
  const groups: AdmitRequest[][] = [];
  for (const r of call) {
    const fits = (g: AdmitRequest[]) =>
      g.every(
        (o) =>
          o.governor === r.governor &&
          o.budgetKey === r.budgetKey &&
          o.window?.callsKey === r.window?.callsKey &&
          (!o.window?.searchKey || !r.window?.searchKey || o.window.searchKey === r.window.searchKey),
      );
    const group = groups.find(fits);
    if (group) group.push(r);
    else groups.push([r]);
  }
  const parts = groups.map((g) => g[0]!.governor.admissionGroup(g));
  const args: (string | number)[] = [parts.length];
  for (const part of parts) args.push(part.args.length, ...part.args);
  const reply = await redis.budgetAdmit(parts.length * 4, ...parts.flatMap((part) => part.keys), ...args);
  let at = 0;
  groups.forEach((g, i) => {
    parts[i]!.answer(reply.slice(at, at + g.length * 4));
    at += g.length * 4;
  });
}

/**
 * Keys live two budget days from when their count started (the admission that creates `used` sets the TTL; so
 * does every other write of the hash): long enough for a reset-time change, short enough to vanish.
 */
const BUDGET_TTL_MS = 2 * 24 * 60 * 60 * 1000;

/**
 * How often a process asks its admissions to trim a window and renew its TTL (see `ADMIT_LUA`): between
 * upkeeps an admission reads and writes the window and nothing else.
 */
const WINDOW_UPKEEP_MS = 1000;
/**
 * A window's TTL beyond its latest entry's need. It must outlast the time between one process's upkeeps
 * ({@link WINDOW_UPKEEP_MS}) plus a batch's time on its way to Redis; the script renews it at once for an
 * entry reaching further than half of it. An idle token's window lingers this long: a few hundred entries.
 */
const WINDOW_TTL_SLACK_MS = 10_000;

const DAY_MS = 24 * 60 * 60 * 1000;
/** How far apart two processes' clocks may be at a budget day's turn, for the pause (see `pauseCalls`). */
const PAUSE_CLOCK_SKEW_MS = 60_000;

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
  /** The connection's control hash: where its 429 pause is shown. */
  private readonly controlKey: string;
  /** The connection's 429 pause in a budget hash (two connections of one company share the hash). */
  private readonly pauseField: string;
  /** When this process last sent each window's upkeep (trim and TTL, see `ADMIT_LUA`), local ms. */
  private readonly upkeptAt = new Map<string, number>();

  constructor(private readonly options: BudgetGovernorOptions) {
    this.companyKey = options.companyKey;
    this.keys = keysFor(options.prefix, keyScope(options.redis, options.connection ?? DEFAULT_CONNECTION));
    this.controlKey = this.keys.connectionControl(options.connection ?? DEFAULT_CONNECTION);
    this.pauseField = `rateLimitedUntil:${options.connection ?? DEFAULT_CONNECTION}`;
    this.now = options.now ?? Date.now;
    const redis = options.redis;
    if (!('budgetAdmit' in redis)) {
      redis.defineCommand('budgetAdmit', { lua: ADMIT_LUA });
      redis.defineCommand('budgetObserve', { numberOfKeys: 1, lua: OBSERVE_LUA });
      redis.defineCommand('budgetPause', { lua: PAUSE_LUA });
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
   *
   * The calls asked for in the same turn of the event loop, and those asked while a batch is on its
   * way, go together in the next batch, with those of the other governors on the same Redis client: one
   * script call for all of them, each answered as if admitted alone in the order asked (see `ADMIT_LUA`).
   * No timer: a call asked alone is sent at once, and a call asked meanwhile waits at most for the batch
   * before it, one round trip.
   */
  admit(cost: number, force = false, window?: WindowCheck): Promise<Admission> {
    // A bad number would fail the whole call, other connections' admissions with it: refused here, alone.
    const numbers = [cost, window?.callsCap ?? 0, window?.searchCap ?? 0];
    if (!numbers.every(Number.isFinite))
      return Promise.reject(new RangeError(`Admission of a call costing ${cost} tokens: not a number`));
    return admissionsOf(this.redis, this.keys.cluster).ask({
      governor: this,
      budgetKey: this.currentKey(),
      cost,
      force,
      window,
    });
  }

  /**
   * One group of a script call (see `ADMIT_LUA`): its 4 keys and its arguments, for calls of this governor that share
   * a budget day and a token's windows. `answer` settles them from the group's part of the reply.
   */
  admissionGroup(group: AdmitRequest[]): {
    keys: string[];
    args: (string | number)[];
    answer: (reply: number[]) => void;
  } {
    const first = group[0] as AdmitRequest;
    const windowKeys = [first.window?.callsKey, group.find((r) => r.window?.searchKey)?.window?.searchKey];
    const sentAt = this.now();
    const upkeep = windowKeys.some(
      (k) => k !== undefined && sentAt - (this.upkeptAt.get(k) ?? 0) >= WINDOW_UPKEEP_MS,
    );
    const args: (string | number)[] = [
      this.options.dailyTokens,
      this.options.reserve,
      BUDGET_TTL_MS,
      group.length,
      upkeep ? '1' : '0',
      WINDOW_TTL_SLACK_MS,
      this.pauseField,
    ];
    const corrections: (string | number)[] = [];
    for (const { cost, force, window } of group) {
      args.push(
        cost,
        force ? '1' : '0',
        window?.callsCap ?? 0,
        window?.searchCap ?? 0,
        window?.member ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`,
        Math.round(window?.leadMs ?? 0),
        Math.round(window?.pendingMs ?? 0),
        Math.round(window?.horizonMs ?? 0),
      );
      corrections.push(...(window?.takeCorrections?.() ?? []));
    }
    const keys = [
      first.budgetKey,
      this.controlKey,
      windowKeys[0] ?? this.controlKey,
      windowKeys[1] ?? this.controlKey,
    ];
    const answer = (reply: number[]) => {
      // Only once the script ran: the TTL the next batches rely on is the one this upkeep set.
      if (upkeep) for (const k of windowKeys) if (k !== undefined) this.upkeptAt.set(k, sentAt);
      group.forEach((r, i) => {
        const [kind, a, b, c] = reply.slice(i * 4, i * 4 + 4);
        if (kind === 1) r.resolve({ kind: 'admitted', used: a ?? 0, delayMs: b ?? 0, atMs: c ?? Date.now() });
        else if (kind === 2) r.resolve({ kind: 'paused', waitMs: a ?? 0 });
        else if (kind === 3) r.resolve({ kind: 'window', waitMs: a ?? 0 });
        else r.resolve({ kind: 'spent', used: a ?? 0, limit: b ?? this.limit, untilMs: this.nextResetAt() });
      });
    };
    return { keys, args: [...args, ...corrections], answer };
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

  /**
   * Pauses every call of the connection's workers for `ms` (never shortens a longer pause). The admission
   * reads the pause from the budget hash of the day it counts in, so it is written to every day's hash that a
   * process may count in while it lasts: those of the pause's start and end, give or take a minute of clock
   * difference between processes.
   */
  async pauseCalls(ms: number, scope: string): Promise<number> {
    const pauseMs = Math.max(0, Math.round(ms));
    const now = this.now();
    const budgetKeys = new Set<string>();
    for (let at = now - PAUSE_CLOCK_SKEW_MS; ; at += DAY_MS / 2) {
      const last = at >= now + pauseMs + PAUSE_CLOCK_SKEW_MS;
      const day = budgetDay(last ? now + pauseMs + PAUSE_CLOCK_SKEW_MS : at, this.options.resetOffsetMs);
      budgetKeys.add(this.keys.budget(this.companyKey, day));
      if (last) break;
    }
    return this.redis.budgetPause(
      1 + budgetKeys.size,
      this.controlKey,
      ...budgetKeys,
      pauseMs,
      scope,
      this.pauseField,
      BUDGET_TTL_MS,
    );
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
