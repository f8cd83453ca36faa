import type { Redis } from 'ioredis';
import { keyScope, keysFor } from '../queue/names.js';

export interface HeartbeatOptions {
  redis: Redis;
  prefix: string;
  workerId: string;
  /** @defaultValue 5000 */
  intervalMs?: number;
  /** Entries older than this are removed by any worker's beat. @defaultValue 1 hour */
  forgetAfterMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * `ZADD {prefix}:workers <now ms> <workerId>` every few seconds; the dashboard's `/healthz`
 * reads it ("workers seen recently"). A clean stop removes the entry; a crashed worker's entry
 * simply ages.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly key: string;

  constructor(private readonly options: HeartbeatOptions) {
    this.key = keysFor(options.prefix, keyScope(options.redis)).workers;
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((err) => this.options.onError?.(err));
    }, this.options.intervalMs ?? 5000);
    this.timer.unref();
  }

  async beat(): Promise<void> {
    const now = Date.now();
    await this.options.redis
      .multi()
      .zadd(this.key, now, this.options.workerId)
      .zremrangebyscore(this.key, '-inf', now - (this.options.forgetAfterMs ?? 3_600_000))
      .exec();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.options.redis.zrem(this.key, this.options.workerId);
  }
}

/** Worker ids seen within `withinMs` (for `/healthz`). */
export async function recentWorkers(redis: Redis, prefix: string, withinMs = 30_000): Promise<string[]> {
  return redis.zrangebyscore(keysFor(prefix, keyScope(redis)).workers, Date.now() - withinMs, '+inf');
}
