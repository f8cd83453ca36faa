import { createHash } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { SEARCH_BURST_PER_2S } from '../config/config.js';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import type { PipedriveClientOptions } from '../pipedrive/client.js';
import { duplicateRedis } from '../queue/connection.js';
import { connectionTag, type KeyScope, keyScope, keysFor } from '../queue/names.js';
import type { WindowCheck } from './budget-governor.js';
import { LatencySpread } from './latency-spread.js';

/** Pipedrive's burst windows are rolling 2-second windows (pipedrive-api.md §3.4). */
const WINDOW_MS = 2000;

/** Spaces Pipedrive calls across every worker process that shares the token. */
export interface CallLimiter {
  /** Runs `fn` when the token's burst window (and, for searches, the search window) allows. */
  schedule<T>(kind: 'call' | 'search', fn: () => Promise<T>): Promise<T>;
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
  /** The connection to copy; the limiter opens its own two (commands and pub/sub). */
  redis: Redis;
  /**
   * Shared by every process using the same token: derive it from the prefix and a fingerprint
   * of the token, never the token itself (bottleneck stores it in Redis key names).
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

/** Bottleneck keys its state by id; a fingerprint keeps the token itself out of Redis. */
export function tokenFingerprint(options: Pick<PipedriveClientOptions, 'apiToken' | 'oauth'>): string {
  const secret = options.apiToken ?? `${options.oauth?.clientId}:${options.oauth?.refreshToken}`;
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/**
 * The limiter id of one token under one key prefix. Workers and operator commands (`revert`) must
 * use the same id to share one burst window, so it is built here, next to the limiter, and nowhere else.
 *
 * On a Redis Cluster (`scope.cluster`) the id starts with the connection's hash tag (`{prefix:connection}-…`):
 * bottleneck's scripts touch several `b_<id>_…` keys at once, which must share a slot, and the budget
 * governor's admission script reads the burst windows with the connection's budget and control hash.
 */
export function callLimiterId(
  prefix: string,
  credentials: Pick<PipedriveClientOptions, 'apiToken' | 'oauth'>,
  scope: KeyScope = { cluster: false },
) {
  const head = scope.cluster ? connectionTag(prefix, scope.connection ?? DEFAULT_CONNECTION) : prefix;
  return `${head}-${tokenFingerprint(credentials)}`;
}

export function minTimeFor(limitPer2s: number, margin: number): number {
  return Math.ceil(WINDOW_MS / (limitPer2s * margin));
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
 * - bottleneck in clustering mode (`datastore: 'ioredis'`), one limiter id per token for all
 *   calls and a second one for the search API, spacing calls with `minTime` across processes;
 *   it keeps waiting callers from polling Redis all at once;
 * - the exact windows in the admission (`budget-governor.ts`): entries scored by when the
 *   request reached Pipedrive, and a reserved send time for each call within
 *   {@link RESERVE_AHEAD_MS} (one admission per call).
 *
 * bottleneck defines its Lua scripts as commands named `init`, `done`, `free`…, so it gets its
 * own client (a `duplicate()` of ours) rather than decorating the shared one.
 */
/** Bottleneck's own Lua error codes, which it answers by re-creating its state in Redis. */
const BOTTLENECK_CODES = /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;

/**
 * Bottleneck 2.19.5 recognises `SETTINGS_KEY_NOT_FOUND` and `UNKNOWN_CLIENT` by the exact error
 * message and then re-creates its settings or re-registers the client. Redis 7 prefixes a Lua
 * script's error reply with `ERR `, so without this it never does: once its keys expire after
 * idling (`timeout`) or are lost with Redis's last writes, every call through the limiter fails.
 * Its scripts' callbacks pass through `__scriptArgs__`; the message is given back as Bottleneck
 * expects it there.
 */
function recogniseBottleneckErrors(connection: Bottleneck.IORedisConnection): void {
  type ScriptArgs = (
    name: string,
    id: string,
    args: unknown[],
    cb: (err: Error | null, replies: unknown) => void,
  ) => unknown[];
  const internals = connection as unknown as { __scriptArgs__: ScriptArgs };
  const original = internals.__scriptArgs__.bind(connection);
  internals.__scriptArgs__ = (name, id, args, cb) =>
    original(name, id, args, (err, replies) => {
      const code = err ? BOTTLENECK_CODES.exec(err.message) : null;
      if (err && code) err.message = code[1] as string;
      cb(err, replies);
    });
}

export async function createCallLimiter(options: CallLimiterOptions): Promise<CallLimiter> {
  const connection = new Bottleneck.IORedisConnection({
    client: duplicateRedis(options.redis, { maxRetriesPerRequest: null, lazyConnect: false }),
    Redis: Redis as unknown as NonNullable<Bottleneck.IORedisConnectionOptions['Redis']>,
  });
  connection.on('error', (err) => options.onError?.(err));
  recogniseBottleneckErrors(connection);
  let limit = options.burstLimit;
  const searchLimit = options.searchLimit ?? SEARCH_BURST_PER_2S;
  const common = {
    datastore: 'ioredis' as const,
    connection,
    maxConcurrent: null,
    // Forget a limiter's state after 10 idle minutes, so a changed margin applies next time.
    timeout: 10 * 60_000,
  };
  const calls = new Bottleneck({
    ...common,
    id: `${options.id}-calls`,
    minTime: minTimeFor(limit, options.margin),
  });
  const search = new Bottleneck({
    ...common,
    id: `${options.id}-search`,
    minTime: minTimeFor(searchLimit, options.margin),
  });
  for (const l of [calls, search]) l.on('error', (err) => options.onError?.(err));
  await Promise.all([calls.ready(), search.ready()]);
  // The first limiter of an id stores its settings in Redis and later ones adopt them; ours win.
  await Promise.all([
    calls.updateSettings({ minTime: minTimeFor(limit, options.margin) }),
    search.updateSettings({ minTime: minTimeFor(searchLimit, options.margin) }),
  ]);

  let closed = false;
  // From the third burst 429 in 30 s (another integration on the token): multiplicative decrease,
  // restored after 30 quiet seconds.
  let factor = 1;
  let recent429s = 0;
  let restore: NodeJS.Timeout | undefined;
  const latency = new LatencySpread();
  let corrections: (string | number)[] = [];
  const margin = () => options.margin * factor;
  const applyMinTime = () =>
    void Promise.resolve(calls.updateSettings({ minTime: minTimeFor(limit, margin()) })).catch(
      (err: unknown) => options.onError?.(err),
    );
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
    schedule(kind, fn) {
      // A search counts against the search window and, conservatively, the token's window too
      // (whether it does is undocumented, pipedrive-api.md §3.4).
      if (kind === 'search') return search.schedule(() => calls.schedule(fn));
      return calls.schedule(fn);
    },
    observeLimit(serverLimit) {
      if (!Number.isFinite(serverLimit) || serverLimit <= 0 || serverLimit === limit) return;
      limit = serverLimit;
      applyMinTime();
    },
    backOff() {
      latency.rejected();
      recent429s++;
      if (recent429s >= 3) {
        factor = Math.max(0.6, factor * 0.9);
        applyMinTime();
      }
      if (restore) clearTimeout(restore);
      restore = setTimeout(() => {
        recent429s = 0;
        factor = 1;
        applyMinTime();
      }, 30_000);
      restore.unref();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (restore) clearTimeout(restore);
      await connection.disconnect(false);
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
