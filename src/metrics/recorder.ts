import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import { keyScope, keysFor } from '../queue/names.js';

/** Upper bounds (ms) of the Pipedrive call latency histogram. */
export const LATENCY_BUCKETS_MS = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

export type OutcomeKind =
  | 'created'
  | 'deadLettered'
  | 'rejected'
  | 'personCreated'
  | 'personReused'
  | 'organizationCreated'
  | 'organizationReused'
  /** `fill-empty` gave an existing contact values it did not have. */
  | 'personFilled'
  | 'organizationFilled';

/**
 * How long a connection's per-minute hash lives after its last write: a budget day (24 h) past the hour it
 * holds, so the burn-down can read back to the start of the budget day, and no longer.
 */
export const RATE_TTL_MS = 26 * 60 * 60 * 1000;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** `YYYYMMDDHH` of the UTC hour `ms` falls in: the per-minute hash it belongs to. */
export function rateHour(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, '');
}

/** `MM`, the minute of the hour `ms` falls in: its field in the hour's hash. */
function rateMinute(ms: number): string {
  return String(new Date(ms).getUTCMinutes()).padStart(2, '0');
}

/** One operation's calls between two flushes. */
interface CallTally {
  /** HTTP status (0: no response) → calls. */
  statuses: Map<number, number>;
  tokens: number;
  /** Calls per latency bucket, not cumulative: slot i for `LATENCY_BUCKETS_MS[i]`, the last for longer ones. */
  buckets: number[];
  /** Sum of the calls' rounded durations, as `latency_sum` adds them. */
  sumMs: number;
}

/** What one connection's workers count. */
export interface ConnectionMetrics {
  /** One Pipedrive call; `status` 0 means no HTTP response (network error or timeout). */
  recordCall(operation: string, status: number, durationMs: number, tokens: number): void;
  recordRateLimited(scope: 'burst' | 'daily' | 'search'): void;
  recordOutcome(kind: OutcomeKind, count?: number): void;
  /** Sends what is counted so far to Redis now (every connection's: one recorder, one flush). */
  flush(): Promise<void>;
}

/**
 * Counters shared by every worker process: each process adds to one Redis hash per connection
 * (`connectionMetrics`: `{prefix}:metrics` for `default`, `{prefix}:metrics:{name}` for the others),
 * buffered and flushed every few seconds (a worker: `WORKER_METRICS_FLUSH_MS`) in one transaction for all of them
 * (a call is only tallied where it happens, per operation, and becomes its fields at the flush), and the dashboard
 * turns the hashes into Prometheus metrics (with a `connection` label once the deployment serves
 * several companies). So `/metrics` is the sum over all workers on all machines, and survives
 * worker restarts.
 *
 * Field names (`|`-separated): `calls|{operation}|{status}`, `tokens|{operation}`,
 * `latency_in|{operation}|{le}` (the calls in that bucket alone, `+Inf` for those past the last; only buckets
 * calls fell in are written: two or three a flush for a steady latency, where the cumulative buckets Prometheus
 * shows were nine to eleven fields, ≈ half the recorder's commands, issue #12), `latency_sum|{operation}`,
 * `rate_limited|{scope}`, `outcome|{kind}`. Hashes written by earlier versions hold cumulative
 * `latency|{operation}|{le}` fields too; the dashboard adds both.
 *
 * The same flush adds each connection's leads created and tokens charged per minute (`connectionRate`: one hash
 * per connection per UTC hour, expiring after {@link RATE_TTL_MS}) for the imports page's charts: two `HINCRBY`
 * and a `PEXPIRE` per connection per flush, whatever the number of leads — no command of its own per lead.
 *
 * The recorder's own `record…` methods count for `default`; {@link MetricsRecorder.connection}
 * gives another connection's counters.
 */
export class MetricsRecorder implements ConnectionMetrics {
  /** Hash key → field → increment. */
  private pending = new Map<string, Map<string, number>>();
  /** Hash key → operation → its calls since the last flush, turned into fields by {@link flush}. */
  private calls = new Map<string, Map<string, CallTally>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly keys: ReturnType<typeof keysFor>;
  private readonly views = new Map<string, ConnectionMetrics>();
  /** Per-minute hashes written since the last flush: each gets its expiry renewed once per flush. */
  private expiring = new Set<string>();
  private readonly now: () => number;
  private minute = Number.NaN;
  private hour = '';
  private minuteField = '';

  constructor(
    private readonly redis: Redis,
    prefix: string,
    flushIntervalMs = 1000,
    /** Clock of the per-minute counts, for tests. @defaultValue Date.now */
    now: () => number = Date.now,
  ) {
    this.keys = keysFor(prefix, keyScope(redis));
    this.now = now;
    if (flushIntervalMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => {}), flushIntervalMs);
      this.timer.unref();
    }
  }

  /** The counters of one connection, flushed with the others. */
  connection(name: string): ConnectionMetrics {
    let view = this.views.get(name);
    if (!view) {
      const key = this.keys.connectionMetrics(name);
      view = {
        recordCall: (operation, status, durationMs, tokens) => {
          this.tallyCall(key, operation, status, durationMs, tokens);
          if (tokens) this.addPerMinute(name, 'tokens', tokens);
        },
        recordRateLimited: (scope) => this.add(key, `rate_limited|${scope}`, 1),
        recordOutcome: (kind, count = 1) => {
          this.add(key, `outcome|${kind}`, count);
          if (kind === 'created') this.addPerMinute(name, 'leads', count);
        },
        flush: () => this.flush(),
      };
      this.views.set(name, view);
    }
    return view;
  }

  recordCall(operation: string, status: number, durationMs: number, tokens: number): void {
    this.connection(DEFAULT_CONNECTION).recordCall(operation, status, durationMs, tokens);
  }

  recordRateLimited(scope: 'burst' | 'daily' | 'search'): void {
    this.connection(DEFAULT_CONNECTION).recordRateLimited(scope);
  }

  recordOutcome(kind: OutcomeKind, count = 1): void {
    this.connection(DEFAULT_CONNECTION).recordOutcome(kind, count);
  }

  async flush(): Promise<void> {
    this.fieldsFromCalls();
    if (this.pending.size === 0) return;
    const batch = this.pending;
    const expiring = this.expiring;
    this.pending = new Map();
    this.expiring = new Set();
    if (this.keys.cluster) {
      // Each connection's counters (and its per-minute hash) are in its own slot on a cluster: one MULTI per hash.
      await Promise.all(
        [...batch].map(([key, fields]) => {
          const multi = this.redis.multi();
          for (const [field, value] of fields) multi.hincrby(key, field, value);
          if (expiring.has(key)) multi.pexpire(key, RATE_TTL_MS);
          return multi.exec();
        }),
      );
      return;
    }
    const multi = this.redis.multi();
    for (const [key, fields] of batch) {
      for (const [field, value] of fields) multi.hincrby(key, field, value);
    }
    for (const key of expiring) multi.pexpire(key, RATE_TTL_MS);
    await multi.exec();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /**
   * One call, counted in place: its status, tokens and duration go in the operation's tally (one histogram
   * bucket's slot), and {@link fieldsFromCalls} writes the fields once per flush. Building the field
   * names per call (up to 13 strings and map updates for a fast call) was most of the recorder's cost per lead.
   */
  private tallyCall(
    key: string,
    operation: string,
    status: number,
    durationMs: number,
    tokens: number,
  ): void {
    let byOperation = this.calls.get(key);
    if (!byOperation) {
      byOperation = new Map();
      this.calls.set(key, byOperation);
    }
    let tally = byOperation.get(operation);
    if (!tally) {
      tally = {
        statuses: new Map(),
        tokens: 0,
        buckets: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0),
        sumMs: 0,
      };
      byOperation.set(operation, tally);
    }
    tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
    tally.tokens += tokens || 0;
    let bucket = 0;
    // Written as "not ≤" so a duration that is not a number lands where it did before: only in `+Inf`.
    while (bucket < LATENCY_BUCKETS_MS.length && !(durationMs <= (LATENCY_BUCKETS_MS[bucket] as number)))
      bucket++;
    tally.buckets[bucket] = (tally.buckets[bucket] as number) + 1;
    tally.sumMs += Math.round(durationMs);
  }

  /** The calls tallied since the last flush, as the hash fields the class comment lists. */
  private fieldsFromCalls(): void {
    if (this.calls.size === 0) return;
    const calls = this.calls;
    this.calls = new Map();
    for (const [key, byOperation] of calls) {
      for (const [operation, tally] of byOperation) {
        for (const [status, count] of tally.statuses) this.add(key, `calls|${operation}|${status}`, count);
        if (tally.tokens) this.add(key, `tokens|${operation}`, tally.tokens);
        // Each bucket's own count, only where calls fell (the dashboard sums them into cumulative buckets).
        tally.buckets.forEach((count, i) => {
          if (count > 0) this.add(key, `latency_in|${operation}|${LATENCY_BUCKETS_MS[i] ?? '+Inf'}`, count);
        });
        this.add(key, `latency_sum|${operation}`, tally.sumMs);
      }
    }
  }

  /** Counts `value` in this minute's field of the connection's per-minute hash (flushed with the rest). */
  private addPerMinute(connection: string, what: 'leads' | 'tokens', value: number): void {
    const minute = Math.floor(this.now() / 60_000);
    // The hour's key and the minute's field, worked out once a minute rather than once a lead.
    if (minute !== this.minute) {
      this.minute = minute;
      this.hour = rateHour(minute * 60_000);
      this.minuteField = rateMinute(minute * 60_000);
    }
    const key = this.keys.connectionRate(connection, this.hour);
    this.add(key, `${what}|${this.minuteField}`, value);
    this.expiring.add(key);
  }

  private add(key: string, field: string, value: number): void {
    let fields = this.pending.get(key);
    if (!fields) {
      fields = new Map();
      this.pending.set(key, fields);
    }
    fields.set(field, (fields.get(field) ?? 0) + value);
  }
}

/** Reads one connection's aggregated counters back (`default`'s when none is named; for the dashboard and tests). */
export async function readMetrics(
  redis: Redis,
  prefix: string,
  connection: string = DEFAULT_CONNECTION,
): Promise<Record<string, number>> {
  const raw = await redis.hgetall(keysFor(prefix, keyScope(redis)).connectionMetrics(connection));
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
}

/** A connection's leads created and tokens charged per minute, oldest minute first. */
export interface MinuteCounts {
  /** Epoch ms of the first minute (a whole minute). */
  from: number;
  leads: number[];
  tokens: number[];
}

/**
 * Reads a connection's per-minute counts for the minutes from `fromMs` to `toMs` (both included, whole minutes):
 * one `HGETALL` per UTC hour, sent together. Minutes nobody wrote (no worker, or older than {@link RATE_TTL_MS})
 * count 0.
 */
export async function readMinuteCounts(
  redis: Redis,
  prefix: string,
  connection: string,
  fromMs: number,
  toMs: number,
): Promise<MinuteCounts> {
  const keys = keysFor(prefix, keyScope(redis));
  const from = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
  const to = Math.floor(toMs / MINUTE_MS) * MINUTE_MS;
  const n = Math.max(0, (to - from) / MINUTE_MS + 1);
  const leads = new Array<number>(n).fill(0);
  const tokens = new Array<number>(n).fill(0);
  const hours: number[] = [];
  for (let h = Math.floor(from / HOUR_MS) * HOUR_MS; h <= to; h += HOUR_MS) hours.push(h);
  const hashes = await Promise.all(
    hours.map((h) => redis.hgetall(keys.connectionRate(connection, rateHour(h)))),
  );
  hours.forEach((h, i) => {
    for (const [field, raw] of Object.entries(hashes[i] ?? {})) {
      const match = /^(leads|tokens)\|(\d{2})$/.exec(field);
      const value = Number(raw);
      if (!match || !Number.isFinite(value)) continue;
      const index = (h + Number(match[2]) * MINUTE_MS - from) / MINUTE_MS;
      if (index < 0 || index >= n) continue;
      const series = match[1] === 'leads' ? leads : tokens;
      series[index] = (series[index] ?? 0) + value;
    }
  });
  return { from, leads, tokens };
}
