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

/** What one connection's workers count. */
export interface ConnectionMetrics {
  /** One Pipedrive call; `status` 0 means no HTTP response (network error or timeout). */
  recordCall(operation: string, status: number, durationMs: number, tokens: number): void;
  recordRateLimited(scope: 'burst' | 'daily' | 'search'): void;
  recordOutcome(kind: OutcomeKind, count?: number): void;
}

/**
 * Counters shared by every worker process: each process adds to one Redis hash per connection
 * (`connectionMetrics`: `{prefix}:metrics` for `default`, `{prefix}:metrics:{name}` for the others),
 * buffered and flushed about once a second in one transaction for all of them, and the dashboard
 * turns the hashes into Prometheus metrics (with a `connection` label once the deployment serves
 * several companies). So `/metrics` is the sum over all workers on all machines, and survives
 * worker restarts.
 *
 * Field names (`|`-separated): `calls|{operation}|{status}`, `tokens|{operation}`,
 * `latency|{operation}|{le}` (cumulative buckets, `+Inf` included), `latency_sum|{operation}`,
 * `rate_limited|{scope}`, `outcome|{kind}`.
 *
 * The recorder's own `record…` methods count for `default`; {@link MetricsRecorder.connection}
 * gives another connection's counters.
 */
export class MetricsRecorder implements ConnectionMetrics {
  /** Hash key → field → increment. */
  private pending = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly keys: ReturnType<typeof keysFor>;
  private readonly views = new Map<string, ConnectionMetrics>();

  constructor(
    private readonly redis: Redis,
    prefix: string,
    flushIntervalMs = 1000,
  ) {
    this.keys = keysFor(prefix, keyScope(redis));
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
          this.add(key, `calls|${operation}|${status}`, 1);
          if (tokens) this.add(key, `tokens|${operation}`, tokens);
          for (const le of LATENCY_BUCKETS_MS) {
            if (durationMs <= le) this.add(key, `latency|${operation}|${le}`, 1);
          }
          this.add(key, `latency|${operation}|+Inf`, 1);
          this.add(key, `latency_sum|${operation}`, Math.round(durationMs));
        },
        recordRateLimited: (scope) => this.add(key, `rate_limited|${scope}`, 1),
        recordOutcome: (kind, count = 1) => this.add(key, `outcome|${kind}`, count),
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
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    if (this.keys.cluster) {
      // Each connection's counters are in its own slot on a cluster: one MULTI per hash.
      await Promise.all(
        [...batch].map(([key, fields]) => {
          const multi = this.redis.multi();
          for (const [field, value] of fields) multi.hincrby(key, field, value);
          return multi.exec();
        }),
      );
      return;
    }
    const multi = this.redis.multi();
    for (const [key, fields] of batch) {
      for (const [field, value] of fields) multi.hincrby(key, field, value);
    }
    await multi.exec();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
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
