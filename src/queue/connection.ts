import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections by role, following BullMQ's production guide:
 * - `command` (producer, CLI commands): fail fast when Redis is down (`enableOfflineQueue: false`,
 *   few retries), so the user gets a clear message instead of a hang.
 * - `worker`: wait forever (`maxRetriesPerRequest: null`); a worker survives a Redis restart.
 */
export type RedisRole = 'command' | 'worker';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra }
      : {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 5_000,
          retryStrategy: (times) => (times > 3 ? null : 200 * times),
          ...extra,
        };
  return new Redis(url, { lazyConnect: true, ...options });
}

/**
 * Query parameters shown as they are. ioredis takes every other one as a connection option, and some of
 * those are secrets (`password`, `sentinelPassword`, …), so anything not listed here is hidden.
 */
const SHOWN_QUERY_KEYS = new Set(['db', 'family', 'username', 'connectionname', 'name', 'role']);

function redactQuery(query: string): string {
  const params = new URLSearchParams(query);
  for (const key of new Set(params.keys())) {
    if (!SHOWN_QUERY_KEYS.has(key.toLowerCase())) params.set(key, '***');
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** A Redis URL fit for messages: the password, if any, and every query value that may be a secret replaced. */
export function redactRedisUrl(url: string): string {
  if (url.startsWith('/') && !url.startsWith('//')) {
    // A Unix socket path, as ioredis accepts it: `/run/redis.sock?password=…`.
    const q = url.indexOf('?');
    return q === -1 ? url : `${url.slice(0, q)}${redactQuery(url.slice(q + 1))}`;
  }
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.search) u.search = redactQuery(u.search);
    return u.toString();
  } catch {
    return '(invalid REDIS_URL)';
  }
}

/**
 * Connects and pings; throws {@link RedisUnavailableError} naming the URL (without password)
 * and the fix when Redis cannot be reached.
 */
export async function connectRedis(redis: Redis, url: string): Promise<Redis> {
  try {
    if (redis.status === 'wait') await redis.connect();
    await redis.ping();
    return redis;
  } catch (err) {
    redis.disconnect();
    const reason = err instanceof Error ? err.message : String(err);
    throw new RedisUnavailableError(
      `Cannot reach Redis at ${redactRedisUrl(url)} (${reason}). Start Redis (e.g. \`redis-server\`) or set REDIS_URL.`,
    );
  }
}
