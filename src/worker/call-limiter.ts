import { createHash } from 'node:crypto';
import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';
import { SEARCH_BURST_PER_2S } from '../config/config.js';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import type { PipedriveClientOptions } from '../pipedrive/client.js';
import { keyScope, keysFor } from '../queue/names.js';
import type { WindowCheck } from './budget-governor.js';
import { LatencySpread } from './latency-spread.js';

/** Pipedrive's burst windows are rolling 2-second windows (pipedrive-api.md §3.4). */
const WINDOW_MS = 2000;

/**
 * Paces one process's Pipedrive calls: the admission's windows in Redis (see `windowFor`) hold the
 * token's limits across every process; the local pace keeps this process's waiting callers from
 * asking Redis over and over, and lets them go in small groups whose admissions share one batch.
 */
export interface CallLimiter {
  /**
   * Runs `fn` in this process's turn: calls (and, for searches, searches) paced by what the window
   * allows one process, calls in groups of up to {@link groupFor}'s size started in one turn of the
   * event loop. Across processes, only the admission that `fn` makes holds the window.
   *
   * `progress` orders the waiting calls: a call with more goes before those with less, and calls of the
   * same progress go in the order they came. The gateway passes the tokens its row has spent, so that a
   * row's later calls go before other rows' first ones ({@link createCallLimiter}). @defaultValue 0
   */
  schedule<T>(kind: 'call' | 'search', fn: () => Promise<T>, progress?: number): Promise<T>;
  /** Adapts when the server's `x-ratelimit-limit` differs from what the plan implied. */
  observeLimit(limit: number): void;
  /**
   * A burst 429 despite the windows: first assume requests can arrive earlier than the fastest
   * answer showed (network jitter); from the third within 30 s, another integration is using the
   * token, so use 10 % less of the window (compounding, down to 60 %). Both end after 30 s
   * without one.
   */
  backOff(): void;
  /** Requests per 2 s currently allowed for ordinary calls (after the margin). */
  readonly callsPerWindow: number;
  /**
   * The exact rolling-window check for one call, made just before it is sent (see the admission
   * in `budget-governor.ts`); `undefined` when nothing is limited. A fresh one per call.
   */
  windowFor(kind: 'call' | 'search'): WindowCheck | undefined;
  /** The server answered a call admitted with `check`: when it arrived tells the windows. */
  answered(check: WindowCheck, answer: CallAnswer): void;
  close(): Promise<void>;
}

/** What the gateway saw of one answered call. */
export interface CallAnswer {
  /** Redis' clock when the call was admitted (`Admission.atMs`). */
  admittedAtMs: number;
  /** Local ms from asking for the admission to the answer (never shorter than Redis saw). */
  sinceAdmitMs: number;
  /** Local ms from sending the request to its answer. */
  roundTripMs: number;
}

export interface CallLimiterOptions {
  /**
   * The connection the admission uses: it tells the window keys' layout (one Redis or a cluster).
   * The limiter itself sends nothing to Redis.
   */
  redis: Redis;
  /**
   * Shared by every process using the same token (it names the token's window keys): derive it
   * from the prefix and a fingerprint of the token, never the token itself ({@link callLimiterId}).
   */
  id: string;
  /** Requests per 2 s the plan allows this token (`burstLimitPer2s(plan, auth)`). */
  burstLimit: number;
  /**
   * Fraction of the limit to use, 0–1. Network jitter is handled by the windows by arrival, so
   * the default uses all of it; lower it to leave room for other integrations on the token.
   * @defaultValue 1
   */
  margin: number;
  /** Search API requests per 2 s. @defaultValue 10 */
  searchLimit?: number;
  /** Key prefix for the rolling-window sets. @defaultValue `lpi` */
  prefix?: string;
  /** The connection the token is used by: the window keys' hash tag on a Redis Cluster. @defaultValue `default` */
  connection?: string;
  onError?: (err: unknown) => void;
}

/** A fingerprint of a token's credentials, for Redis key names and digests: never the token itself. */
export function tokenFingerprint(options: Pick<PipedriveClientOptions, 'apiToken' | 'oauth'>): string {
  const secret = options.apiToken ?? `${options.oauth?.clientId}:${options.oauth?.refreshToken}`;
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/**
 * The limiter id of one token under one key prefix: it names the token's burst windows. Workers and
 * operator commands (`revert`) must use the same id to share those windows, so it is built here, next
 * to the limiter, and nowhere else. On a Redis Cluster the window keys take the connection's hash tag
 * from their own layout (`keysFor(…).window`), so the id carries none.
 */
export function callLimiterId(
  prefix: string,
  credentials: Pick<PipedriveClientOptions, 'apiToken' | 'oauth'>,
) {
  return `${prefix}-${tokenFingerprint(credentials)}`;
}

export function minTimeFor(limitPer2s: number, margin: number): number {
  return Math.ceil(WINDOW_MS / (limitPer2s * margin));
}

/**
 * The calls this process may start together, and how often: about a twentieth of the window every
 * 100 ms (6 calls at Ultimate's 120 per 2 s, 2 at Growth's 40, 1 at Lite's 20), so that their
 * admissions go to Redis as one batch (see `BudgetGovernor.admit`). The interval is rounded down: the
 * local pace may be a hair above the window, never below; the windows in the admission hold the limit.
 */
export function groupFor(limitPer2s: number, margin: number): { size: number; intervalMs: number } {
  const perWindow = limitPer2s * margin;
  const size = Math.max(1, Math.floor(perWindow / 20));
  return { size, intervalMs: Math.max(1, Math.floor((size * WINDOW_MS) / perWindow)) };
}

/**
 * How far ahead a call may reserve its send time (further out it waits and asks again). A
 * reserved call is sent even if a 429 pause or a block starts meanwhile, and its place was
 * computed from what the window knew then, so shorter is safer; but each caller beyond the
 * horizon asks Redis again: at 500 ms, bench:side-by-side (600 rows) ran 13.3 scripts per
 * request against 9.5 at 2 s and 10.0 before reservations.
 */
export const RESERVE_AHEAD_MS = 2000;

/**
 * How calls are paced, in two layers:
 * - the exact windows in the admission (`budget-governor.ts`), in Redis, for every process and
 *   operator command on the token: entries scored by when the request reached Pipedrive, and a
 *   reserved send time for each call within {@link RESERVE_AHEAD_MS} (one admission per call, the
 *   admissions asked in one turn of the event loop sent together as one batch);
 * - bottleneck, local to this process (no Redis datastore), one limiter for all calls and one for
 *   searches, pacing this process's calls as if it had the window to itself, so that waiting callers
 *   do not ask Redis over and over. Searches are spaced with `minTime`. Calls go in groups
 *   ({@link groupFor}): bottleneck spaces **slices** of the window with `minTime` (one job per group interval,
 *   only while calls wait), and each slice lets up to a group of waiting calls start together, so that their
 *   admissions make one batch: one script call instead of one per call. A call that finds the last slice not
 *   used up goes at once, alone if nothing else waits (no timer adds latency). With several processes on one
 *   token each asks at most that often, and the admission gives each its place in the shared window.
 *
 * Waiting calls go by progress ({@link CallLimiter.schedule}): a row's later calls before other rows' first ones.
 * In the order they came, a connection holding N rows sent every row's first call before any row's second, so
 * no row ended (and gave its permit back, concurrency-permits.ts) until about N calls later: in
 * `bench:many-companies` the two companies whose rows came first held 197 of the 200 permits for 2.2 s, and the
 * eight others waited that long for their first (window once enqueued 0.80–0.84). By progress, rows end one by
 * one from the first half second on: they waited 0.5 s (0.89–0.96). The window's fill is the same either way.
 *
 * Until 2026-12-02 calls were spaced one by one with `minTime`: bottleneck starts each job from a timer of
 * its own, a few ms apart, so no two admissions ever met in a batch (1.5 script calls per lead against
 * 0.54 with groups, `npm run bench:scale-out -- --rows 1000 --workers 1 --breakdown --rate-limit`).
 *
 * Until 2026-12-03 each group was a bottleneck job weighing its size, against a reservoir of one group that a
 * timer of ours refilled with `updateSettings` every group interval. Groups formed as calls trickled in (2.5
 * calls a group on average), so bottleneck ran 0.6 jobs and 0.27 refills a lead, each a chain of its async
 * events and `setTimeout(0)`s (14 events a lead, a quarter of the bytes the worker allocated). One job a slice
 * (0.26 a lead, no refills) makes 40 % of those events, and the worker 3–9 % less CPU a lead in
 * `bench:many-companies` (bench/README.md, "Slices of the window").
 *
 * Until 2026-12 bottleneck ran in its Redis clustering mode, spacing calls across processes too:
 * 3 Lua scripts (about 48 commands) per call that did again what the admission's windows do.
 */
export async function createCallLimiter(options: CallLimiterOptions): Promise<CallLimiter> {
  let limit = options.burstLimit;
  const searchLimit = options.searchLimit ?? SEARCH_BURST_PER_2S;
  let closed = false;
  // From the third burst 429 in 30 s (another integration on the token): multiplicative decrease,
  // restored after 30 quiet seconds.
  let factor = 1;
  let recent429s = 0;
  let restore: NodeJS.Timeout | undefined;
  const latency = new LatencySpread();
  let corrections: (string | number)[] = [];
  const margin = () => options.margin * factor;
  let pace = groupFor(limit, margin());
  // Calls: bottleneck runs one job per slice of the window, `pace.intervalMs` apart (its `minTime` counts from
  // the previous job's start, so the first slice after a quiet spell goes at once); a slice lets up to
  // `pace.size` calls start. What a slice left unused (`credit`) goes to the calls that come before the slice's
  // interval ends, not later: after a quiet spell a slice's worth goes at once, as it would alone.
  const calls = new Bottleneck({ maxConcurrent: null, minTime: pace.intervalMs });
  const search = new Bottleneck({ maxConcurrent: null, minTime: minTimeFor(searchLimit, options.margin) });
  for (const l of [calls, search]) l.on('error', (err) => options.onError?.(err));
  let credit = 0;
  let creditUntil = 0;
  const applyPace = () => {
    pace = groupFor(limit, margin());
    credit = Math.min(credit, pace.size);
    calls.updateSettings({ minTime: pace.intervalMs });
  };
  const keys = keysFor(
    options.prefix ?? 'lpi',
    keyScope(options.redis, options.connection ?? DEFAULT_CONNECTION),
  );
  const callsKey = keys.window(options.id, 'calls');
  const searchKey = keys.window(options.id, 'search');
  const takeCorrections = () => {
    const taken = corrections;
    corrections = [];
    return taken;
  };
  let seq = 0;
  const memberPrefix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  // Calls waiting for a slice, in order of progress. `release` takes slices from bottleneck while any wait and
  // starts each slice's calls in one turn of the event loop, so that their admissions share one batch.
  const waiting: { start: () => void; fail: (err: unknown) => void; progress: number }[] = [];
  let releasing = false;
  const release = async () => {
    if (releasing) return;
    releasing = true;
    while (waiting.length > 0) {
      if (credit > 0 && Date.now() >= creditUntil) credit = 0;
      if (credit === 0) {
        try {
          await calls.schedule(async () => {
            credit = pace.size;
            creditUntil = Date.now() + pace.intervalMs;
          });
        } catch (err) {
          // Stopped by `close`: those already waiting keep their turn, as bottleneck's own waiting jobs do
          // (see `close`); the admission still holds the window. Any other failure is theirs.
          if (closed) for (const w of waiting.splice(0)) w.start();
          else for (const w of waiting.splice(0, pace.size)) w.fail(err);
          continue;
        }
      }
      const size = Math.min(waiting.length, credit);
      credit -= size;
      for (const w of waiting.splice(0, size)) w.start();
    }
    releasing = false;
  };
  const inGroup = <T>(fn: () => Promise<T>, progress: number): Promise<T> => {
    // After `close`, bottleneck refuses it as it refuses any new call.
    if (closed) return calls.schedule(fn);
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        try {
          fn().then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      };
      // Behind every call of as much progress or more, before those of less: most calls are rows' first (0)
      // and go to the end at once; a later call passes at most the rows waiting for their first.
      let at = waiting.length;
      while (at > 0 && waiting[at - 1]!.progress < progress) at--;
      waiting.splice(at, 0, { start, fail: reject, progress });
      void release();
    });
  };
  return {
    get callsPerWindow() {
      return Math.floor(limit * margin());
    },
    windowFor(kind) {
      const check: WindowCheck = {
        callsKey,
        callsCap: Math.max(1, Math.floor(limit * margin())),
        member: `${memberPrefix}-${++seq}`,
        leadMs: latency.leadMs,
        pendingMs: latency.pendingMs,
        horizonMs: RESERVE_AHEAD_MS,
        takeCorrections,
      };
      if (kind === 'search') {
        check.searchKey = searchKey;
        check.searchCap = Math.max(1, Math.floor(searchLimit * options.margin));
      }
      return check;
    },
    answered(check, answer) {
      latency.record(answer.roundTripMs);
      if (check.member && corrections.length < 2000) {
        corrections.push(check.member, Math.round(answer.admittedAtMs + answer.sinceAdmitMs));
      }
    },
    schedule(kind, fn, progress = 0) {
      // A search counts against the search window and, conservatively, the token's window too
      // (whether it does is undocumented, pipedrive-api.md §3.4).
      if (kind === 'search') return search.schedule(() => inGroup(fn, progress));
      return inGroup(fn, progress);
    },
    observeLimit(serverLimit) {
      if (!Number.isFinite(serverLimit) || serverLimit <= 0 || serverLimit === limit) return;
      limit = serverLimit;
      applyPace();
    },
    backOff() {
      latency.rejected();
      recent429s++;
      if (recent429s >= 3) {
        factor = Math.max(0.6, factor * 0.9);
        applyPace();
      }
      if (restore) clearTimeout(restore);
      restore = setTimeout(() => {
        recent429s = 0;
        factor = 1;
        applyPace();
      }, 30_000);
      restore.unref();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (restore) clearTimeout(restore);
      // New calls are refused. Callers already waiting keep their turn rather than fail with an error
      // of the limiter's own (which the gateway would take for a sent call): a row stopped by the
      // shutdown ends there, unsent, on its abort signal. Nothing is waited for.
      for (const l of [calls, search]) l.stop({ dropWaitingJobs: false }).catch(() => {});
    },
  };
}

/** No spacing at all: for `--no-rate-limit` (a sandbox without limits, overhead benchmarks). */
export function unlimitedCallLimiter(): CallLimiter {
  return {
    callsPerWindow: Number.POSITIVE_INFINITY,
    windowFor: () => undefined,
    answered() {},
    schedule: (_kind, fn) => fn(),
    observeLimit() {},
    backOff() {},
    async close() {},
  };
}
