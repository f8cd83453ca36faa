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

/**
 * Counts the commands `redis` sends from now on, by name: the benchmark's own (its polls of the import record,
 * its INFO), left out of "Redis commands per lead", which are the importer's. Pipelines and MULTI send through
 * `sendCommand` too, so they are counted as well.
 */
export function countSent(redis: Redis): Map<string, number> {
  const sent = new Map<string, number>();
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command, stream) => {
    const name = command.name.toLowerCase();
    sent.set(name, (sent.get(name) ?? 0) + 1);
    return send(command, stream);
  }) as Redis['sendCommand'];
  return sent;
}

/** `byCommand` (name, count) less what `own` holds (the benchmark's own commands), largest first, without zeros. */
export function withoutOwn(byCommand: [string, number][], own: Map<string, number>): [string, number][] {
  return byCommand
    .map(([name, n]) => [name, n - (own.get(name) ?? 0)] as [string, number])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
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
