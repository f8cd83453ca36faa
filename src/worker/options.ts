import type { Redis } from 'ioredis';
import type { AuthKind, DEFAULT_ROWS_PER_JOB, Plan } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { PipedriveClientOptions } from '../pipedrive/client.js';
import type { PipedriveApi } from '../pipedrive/types.js';
import type { IntentDurability } from '../queue/durable-writes.js';

/** When to warm the contact cache by listing the company's persons and organizations. */
export type WarmCacheMode = 'auto' | 'always' | 'never';

/**
 * How transient failures are retried, and the worst case it adds up to.
 *
 * Inside one job attempt, each Pipedrive call that fails transiently (5xx, network error,
 * timeout: `isRetryable`) is tried `callRetries + 1` times by p-retry, waiting
 * `callRetryMinMs × 2^n` (randomised ×1–2, capped at `callRetryMaxMs`) in between. Creates are
 * never blindly re-sent: before each new try of a POST whose outcome is unknown, the worker looks
 * for the object first (see `contact-resolver.ts`, `lead-writer.ts`).
 *
 * Across attempts, BullMQ retries the job `attempts` times (`leadJobOptions`: 8) with exponential
 * backoff from 5 s and jitter 0.5: waits of at most 5, 10, 20, 40, 80, 160 and 320 s (635 s).
 *
 * Worst case for one row with the defaults, every request hanging until the 30 s timeout:
 * a read is tried 3 times (≈ 93 s with pauses); a create is sent at most 3 times with a look-up
 * list (3 tries) before each re-send, 9 requests. Organization (search + create), person (the
 * same) and lead (look-up + create) add up to at most 36 requests ≈ 18 min per attempt; 8
 * attempts ≈ 2 h 25 min, plus 10.6 min of BullMQ backoff: **≈ 2 h 35 min** before the row is
 * dead-lettered. That bound needs Pipedrive to hang on every request for hours; a 5xx burst or
 * a few lost packets are absorbed by p-retry within seconds, an outage of minutes by the
 * attempts' backoff. (With a cache warmed by listing there is no search, so fewer requests.)
 * Rate limits spend neither retries nor attempts: they pause the queue and re-queue the row,
 * at most `maxRateLimitRequeues` times.
 */
export interface RetryOptions {
  /** Extra tries of one call after a transient failure. @defaultValue 2 */
  callRetries: number;
  /** First pause between tries, in ms. @defaultValue 500 */
  callRetryMinMs: number;
  /** Longest pause between tries, in ms. @defaultValue 4000 */
  callRetryMaxMs: number;
}

export interface LeadWorkerOptions {
  /** Redis URL (the worker opens its own connections). */
  redisUrl: string;
  /** Prefix of every key (BullMQ's and ours). @defaultValue `lpi` */
  prefix?: string;
  /** How to reach Pipedrive (base URL, token or OAuth, timeout); the worker adds its `onResponse` hook. */
  pipedrive: Omit<PipedriveClientOptions, 'onResponse'>;
  /**
   * The connection (Pipedrive company) served: its queue (`lead-import` for `default`, `lead-import-<name>`
   * otherwise), control hash and counters. @defaultValue `default`
   */
  connection?: string;
  /** Pipedrive plan: burst limit and default daily budget. @defaultValue `lite` */
  plan?: Plan;
  /** API token or OAuth: OAuth apps get 4× the burst limit. @defaultValue `api_token` */
  auth?: AuthKind;
  /** The company's daily token budget. @defaultValue 30,000 × plan multiplier × 1 seat */
  dailyTokens?: number;
  /**
   * Rows one process works on at once, in all: the connections it serves share them in turn
   * (see `concurrency-permits.ts`). @defaultValue 8
   */
  concurrency?: number;
  /**
   * The rows per job to expect (`LEAD_IMPORTER_ROWS_PER_JOB`), until a chunk arrives: how many jobs make the rows a
   * connection takes at start (BullMQ fetches all it may take before it starts the first). Once a job of an import
   * came, the import's record says (1 for imports enqueued before the default became 10).
   * @defaultValue 10 ({@link DEFAULT_ROWS_PER_JOB}, as `LEAD_IMPORTER_ROWS_PER_JOB` unset)
   */
  rowsPerJob?: number;
  /** @defaultValue `auto` */
  warmCache?: WarmCacheMode;
  /** Fraction of the burst limits to use, 0–1. @defaultValue 1 (see {@link DEFAULT_RATE_LIMIT_MARGIN}) */
  rateLimitMargin?: number;
  /** `false` turns all client-side spacing off (a sandbox without limits, overhead benchmarks). @defaultValue true */
  rateLimit?: boolean;
  /** Share of the daily budget left for the company's other integrations, 0–1. @defaultValue 0.1 */
  budgetReserve?: number;
  /** When Pipedrive's budget day starts, `HH:MM` UTC. @defaultValue `00:00` */
  budgetResetUtc?: string;
  /** Transient-failure retries inside a job; see {@link RetryOptions} for the worst case. */
  retry?: Partial<RetryOptions>;
  /** A row re-queued by rate limits more often than this is dead-lettered. @defaultValue 50 */
  maxRateLimitRequeues?: number;
  /** Pause after Cloudflare's HTML 403 before anyone calls again, in ms. @defaultValue 60000 */
  edgeBlockBackoffMs?: number;
  /**
   * After this long of every call failing (5xx, no answer), the connection is shown as failing in `status` and on
   * the imports page, until a call is answered. @defaultValue 5000
   */
  failingAfterMs?: number;
  /** While the budget is spent or the token rejected, look again this often (ms). @defaultValue 300000 budget, 60000 auth */
  budgetProbeIntervalMs?: number;
  authProbeIntervalMs?: number;
  /**
   * A contact cache filled by listing is trusted for this long; after that a miss lists what
   * changed (`updated_since`, 10 tokens) before creating. @defaultValue 60000
   */
  cacheFreshnessMs?: number;
  /** Clock skew allowed between us and Pipedrive when listing `updated_since` (ms). @defaultValue 60000 */
  clockSkewMs?: number;
  /** Heartbeat period (ms). @defaultValue 5000 */
  heartbeatIntervalMs?: number;
  /** A contact creation lock expires this long after its holder died (ms). @defaultValue 30000 */
  contactLockTtlMs?: number;
  /**
   * BullMQ job lock (ms); a dead worker's rows run again after it expires. Each row's lease
   * (`row-lease.ts`) lives as long and is renewed with the lock. @defaultValue 30000
   */
  lockDurationMs?: number;
  /** How often BullMQ looks for rows whose worker died (ms). @defaultValue 30000 */
  stalledIntervalMs?: number;
  /**
   * The longest `close()` takes, in ms, whatever Redis does. In-flight rows may run until 5 s before
   * its end (a third of a shorter timeout), then they are aborted and handed back to the queue.
   * @defaultValue 30000
   */
  drainTimeoutMs?: number;
  /**
   * A connection whose BullMQ worker stops with an error (it would take no more rows) is restarted after this
   * (ms), twice as long after each further failure in a row, up to `connectionRestartMaxMs`; the process's other
   * connections go on meanwhile. @defaultValue 1000
   */
  connectionRestartMinMs?: number;
  /** The longest wait before such a restart (ms). @defaultValue 60000 */
  connectionRestartMaxMs?: number;
  /** How often idle workers look at the control hash (ms). @defaultValue 2000 */
  controlPollMs?: number;
  /**
   * Make each intent durable before the create it announces is sent: `auto` uses `WAITAOF` where
   * the server has it (Redis ≥ 7.2, AOF on), `off` never waits. On Redis 7.0 there is nothing to
   * use, and the Redis epoch alone catches a lost intent (see `durability-gate.ts`).
   * @defaultValue `auto`
   */
  intentDurability?: IntentDurability;
  /**
   * Replicas that must hold an intent before its create is sent (`WAITAOF 1 n`, or `WAIT n` on
   * Redis < 7.2): for a Redis with failover, so a promoted replica knows the intent. @defaultValue 0
   */
  intentReplicas?: number;
  /** Longest wait for one intent to become durable (ms); the create goes ahead afterwards. @defaultValue 1000 */
  intentDurabilityTimeoutMs?: number;
  /**
   * After Redis changed (restart, failover), Pipedrive is listed from the durable point minus this
   * (ms): the clock skew allowed between Redis's host and Pipedrive, plus the time a create takes
   * to land. A wider margin costs list pages, never correctness. @defaultValue `clockSkewMs`
   */
  epochMarginMs?: number;
  /** How often each worker moves its company's durable point (ms). @defaultValue 1000 */
  durableMarkIntervalMs?: number;
  /** What a reconciliation found stays adoptable this long (ms). @defaultValue 24 hours */
  adoptionTtlMs?: number;
  /**
   * How long after its intent a create sent by a runner that then stopped (killed, frozen, cut
   * off from Redis) may still land in Pipedrive, in ms. A row or contact that inherits a younger
   * intent waits until it is this old before it looks, so the look sees a create that was on the
   * wire. @defaultValue the Pipedrive request timeout + 1000
   */
  inFlightWindowMs?: number;
  /** Stable name for logs and the heartbeat. @defaultValue `<hostname>-<pid>-<random>` */
  workerId?: string;
  logger?: Logger;
  /** Builds the client from the options (with the worker's hook). @defaultValue `new PipedriveClient(options)` */
  createClient?: (options: PipedriveClientOptions) => PipedriveApi;
  /** An ioredis connection to copy instead of opening one from `redisUrl`. */
  redis?: Redis;
}

/**
 * Share of the burst limits the workers use. Network jitter no longer needs headroom: the
 * windows count each request from when it reached Pipedrive (answer times, the fastest round
 * trip as the earliest arrival; `budget-governor.ts`), so all of the window can be used. Lower
 * it when other integrations share the token.
 */
export const DEFAULT_RATE_LIMIT_MARGIN = 1;

export const DEFAULT_RETRY: RetryOptions = { callRetries: 2, callRetryMinMs: 500, callRetryMaxMs: 4000 };
