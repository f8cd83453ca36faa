import type { Redis } from 'ioredis';
import { sendTogether } from '../queue/send-together.js';
import { sleep } from './sleep.js';
import { uniqueTokens } from './unique-token.js';

/** A lock's token: 12 random bytes for this process's locks, then a count (32 hex digits). */
const TOKEN_RANDOM_BYTES = 12;

/* Deletes or extends the lock only if it still holds our token (someone else may own it now). */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
const EXTEND_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

type LockRedis = Redis & {
  keyLockRelease(key: string, token: string): Promise<number>;
  keyLockExtend(key: string, token: string, ttlMs: number): Promise<number>;
};

export interface HeldLock {
  readonly key: string;
  /** Still ours? False after it expired and someone else took it. */
  extend(ttlMs?: number): Promise<boolean>;
  release(): Promise<void>;
  /**
   * Sends the commands `writes` issues and then the release in one write (one round trip,
   * {@link sendTogether}): what the holder did under the lock is written before the lock goes, as with
   * a write followed by {@link release}.
   */
  releaseAfter(writes: (redis: Redis) => Promise<unknown>[]): Promise<void>;
}

export interface AcquireOptions {
  /** The lock expires after this long if its holder dies. @defaultValue 30000 */
  ttlMs?: number;
  /** Give up after this long; `undefined` when it could not be had. @defaultValue 60000 */
  waitMs?: number;
  /**
   * Called between tries; when it returns a value, waiting stops and that value is returned
   * (e.g. the holder has put the id we need in the cache meanwhile).
   */
  poll?: () => Promise<unknown>;
  signal?: AbortSignal;
}

export type AcquireResult<T> = { lock: HeldLock } | { found: T } | { timedOut: true };

/**
 * A short Redis lock (`SET key token NX PX ttl`) with a random token and a safe release, to
 * serialise the creation of one organization or person across every worker process. A lock
 * whose holder died expires after `ttlMs`.
 */
export class KeyLocks {
  private readonly redis: LockRedis;
  private readonly nextToken = uniqueTokens(TOKEN_RANDOM_BYTES);

  constructor(redis: Redis) {
    if (!('keyLockRelease' in redis)) {
      redis.defineCommand('keyLockRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
      redis.defineCommand('keyLockExtend', { numberOfKeys: 1, lua: EXTEND_LUA });
    }
    this.redis = redis as LockRedis;
  }

  async tryAcquire(key: string, ttlMs = 30_000): Promise<HeldLock | undefined> {
    const token = this.nextToken();
    const ok = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return undefined;
    let released = false;
    return {
      key,
      extend: async (ms = ttlMs) => (await this.redis.keyLockExtend(key, token, ms)) === 1,
      release: async () => {
        if (released) return;
        released = true;
        await this.redis.keyLockRelease(key, token);
      },
      releaseAfter: async (writes) => {
        const release = !released;
        released = true;
        await sendTogether(this.redis, (r) => [
          ...writes(r),
          ...(release ? [(r as LockRedis).keyLockRelease(key, token)] : []),
        ]);
      },
    };
  }

  /**
   * Waits for the lock, polling with a growing pause (25 ms up to 250 ms). Between tries
   * `poll` may find that the work is done already.
   */
  async acquire<T>(key: string, options: AcquireOptions = {}): Promise<AcquireResult<T>> {
    const ttlMs = options.ttlMs ?? 30_000;
    const deadline = Date.now() + (options.waitMs ?? 60_000);
    let pauseMs = 25;
    for (;;) {
      const lock = await this.tryAcquire(key, ttlMs);
      if (lock) return { lock };
      if (options.poll) {
        const found = await options.poll();
        if (found !== undefined) return { found: found as T };
      }
      if (Date.now() >= deadline) return { timedOut: true };
      await sleep(pauseMs, options.signal);
      pauseMs = Math.min(250, pauseMs * 2);
    }
  }
}
