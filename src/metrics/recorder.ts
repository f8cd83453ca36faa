import type { Redis } from 'ioredis';
import { keysFor } from '../queue/names.js';

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
 * Counters shared by every worker process: each process adds to one Redis hash
 * (`{prefix}:metrics`), buffered and flushed about once a second, and the dashboard turns the
 * hash into Prometheus metrics. So `/metrics` is the sum over all workers on all machines, and
 * survives worker restarts.
 *
 * Field names (`|`-separated): `calls|{operation}|{status}`, `tokens|{operation}`,
 * `latency|{operation}|{le}` (cumulative buckets, `+Inf` included), `latency_sum|{operation}`,
 * `rate_limited|{scope}`, `outcome|{kind}`.
 */
export class MetricsRecorder {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    flushIntervalMs = 1000,
  ) {
    this.key = keysFor(prefix).metrics;
    if (flushIntervalMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => {}), flushIntervalMs);
      this.timer.unref();
    }
  }

  /** One Pipedrive call; `status` 0 means no HTTP response (network error or timeout). */
  recordCall(operation: string, status: number, durationMs: number, tokens: number): void {
    this.add(`calls|${operation}|${status}`, 1);
    if (tokens) this.add(`tokens|${operation}`, tokens);
    for (const le of LATENCY_BUCKETS_MS) if (durationMs <= le) this.add(`latency|${operation}|${le}`, 1);
    this.add(`latency|${operation}|+Inf`, 1);
    this.add(`latency_sum|${operation}`, Math.round(durationMs));
  }

  recordRateLimited(scope: 'burst' | 'daily' | 'search'): void {
    this.add(`rate_limited|${scope}`, 1);
  }

  recordOutcome(kind: OutcomeKind, count = 1): void {
    this.add(`outcome|${kind}`, count);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const multi = this.redis.multi();
    for (const [field, value] of batch) multi.hincrby(this.key, field, value);
    await multi.exec();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private add(field: string, value: number): void {
    this.pending.set(field, (this.pending.get(field) ?? 0) + value);
  }
}

/** Reads the aggregated counters back (for the dashboard and tests). */
export async function readMetrics(redis: Redis, prefix: string): Promise<Record<string, number>> {
  const raw = await redis.hgetall(keysFor(prefix).metrics);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
}
