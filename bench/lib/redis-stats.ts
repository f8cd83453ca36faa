/** Redis memory as `INFO memory` reports it, for "Redis memory at the peak" figures. */
import { Redis } from 'ioredis';

export interface RedisMemory {
  /** `used_memory`: bytes allocated by Redis for data and overhead now. */
  usedBytes: number;
  /** `used_memory_peak`: the highest `used_memory` since redis-server started. */
  peakBytes: number;
  /** `used_memory_rss`: what the OS sees. */
  rssBytes: number;
}

export async function redisMemory(redis: Redis): Promise<RedisMemory> {
  const info = await redis.info('memory');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return {
    usedBytes: field('used_memory'),
    peakBytes: field('used_memory_peak'),
    rssBytes: field('used_memory_rss'),
  };
}

/** Opens a plain connection for INFO and polling (the caller closes it with `quit()`). */
export function benchRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3 });
}

/** `total_commands_processed` from `INFO stats`: commands served since redis-server started. */
export async function redisCommandsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/^total_commands_processed:(\d+)/m.exec(info)?.[1] ?? 0);
}

/** Calls per command name from `INFO commandstats` (commands run inside scripts count too). */
export async function redisCommandStats(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const calls: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1] as string] = Number(m[2]);
  return calls;
}
