import type { Redis } from 'ioredis';
import { keyScope, keysFor, parseDownEntryField } from '../queue/names.js';

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
 * simply ages, and once it is forgotten (`forgetAfterMs`) any worker's beat also removes the
 * connections that worker had recorded as down (`workersDown`): a worker killed while one of its
 * connections was down cannot clear them itself.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly key: string;
  private readonly downKey: string;

  constructor(private readonly options: HeartbeatOptions) {
    const keys = keysFor(options.prefix, keyScope(options.redis));
    this.key = keys.workers;
    this.downKey = keys.workersDown;
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
    const replies = await this.options.redis
      .multi()
      .zadd(this.key, now, this.options.workerId)
      .zremrangebyscore(this.key, '-inf', now - (this.options.forgetAfterMs ?? 3_600_000))
      .zrange(this.key, 0, -1)
      .hkeys(this.downKey)
      .exec();
    const known = new Set((replies?.[2]?.[1] as string[] | undefined) ?? []);
    const down = (replies?.[3]?.[1] as string[] | undefined) ?? [];
    const forgotten = down.filter((field) => !known.has(parseDownEntryField(field)?.worker ?? ''));
    if (forgotten.length > 0) await this.options.redis.hdel(this.downKey, ...forgotten);
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
