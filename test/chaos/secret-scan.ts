/**
 * Looks for a secret everywhere it must never be: every Redis key and value (whatever its type),
 * and files (logs, the AOF on disk).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

export interface SecretScan {
  /** Keys looked at (Redis) or files read. */
  scanned: number;
  /** Where the secret was found: `key <name>`, `value of <key>`, or a file path. */
  found: string[];
}

/** SCANs the whole database and reads every value: strings, hashes, lists, sets, zsets, streams. */
export async function scanRedisForSecret(redis: Redis, secret: string): Promise<SecretScan> {
  const found: string[] = [];
  let scanned = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scanBuffer(cursor, 'COUNT', 1000);
    cursor = String(next);
    for (const raw of keys) {
      const key = raw.toString('latin1');
      scanned++;
      if (key.includes(secret)) found.push(`key ${key}`);
      if (valueHolds(await readValue(redis, raw), secret)) found.push(`value of ${key}`);
    }
  } while (cursor !== '0');
  return { scanned, found };
}

async function readValue(redis: Redis, key: Buffer): Promise<unknown> {
  const type = await redis.type(key);
  switch (type) {
    case 'string':
      return redis.getBuffer(key);
    case 'hash':
      return redis.hgetallBuffer(key);
    case 'list':
      return redis.lrangeBuffer(key, 0, -1);
    case 'set':
      return redis.smembersBuffer(key);
    case 'zset':
      return redis.zrangeBuffer(key, 0, -1, 'WITHSCORES');
    case 'stream':
      return redis.xrangeBuffer(key, '-', '+');
    case 'none':
      return null;
    default:
      // A module type or something new: DUMP still shows its bytes.
      return redis.dumpBuffer(key);
  }
}

function valueHolds(value: unknown, secret: string): boolean {
  if (value === null || value === undefined) return false;
  if (Buffer.isBuffer(value)) return value.includes(secret);
  if (Array.isArray(value)) return value.some((v) => valueHolds(v, secret));
  if (typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k.includes(secret) || valueHolds(v, secret));
  }
  return String(value).includes(secret);
}

/** Reads each file whole (as bytes, so binary files such as the AOF work too). */
export function scanFilesForSecret(files: string[], secret: string): SecretScan {
  const found = files.filter((file) => readFileSync(file).includes(secret));
  return { scanned: files.length, found };
}
