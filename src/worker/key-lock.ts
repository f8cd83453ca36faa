import type { Redis } from 'ioredis';
import { sendTogether } from '../queue/send-together.js';
import { sleep } from './sleep.js';
import { uniqueTokens } from './unique-token.js';

/** A lock's token: 12 random bytes for this process's locks, then a count (32 hex digits). */
const TOKEN_RANDOM_BYTES = 12;

/**
 * How long an intent written into a lock's key ({@link HeldLock.markIntent}) outlives its lock: a row whose
 * holder died is retried well within it. The key of a lock with an intent expires `INTENT_TTL_MS + ttlMs`
 * after its last write, so its lock is alive while the key has more than `INTENT_TTL_MS` left.
 */
export const INTENT_TTL_MS = 7 * 24 * 3_600_000;

/* Deletes or extends the lock only if it still holds our value (someone else may own it now). The release's
   text is the row lease's too (one SHA): keep them alike, or the breakdown names both. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
const EXTEND_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
/* Writes the intent into a lock still ours and extends it (the extend before a create), unless the older
   format's intent key (KEYS[2], when given) holds one: that is returned, nothing written. */
const MARK_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if KEYS[2] then
  local older = redis.call('GET', KEYS[2])
  if older then return older end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;
/* Takes over a lock with an intent (ARGV[1], as last seen) whose holder stopped extending it: the intent
   stays, now under our token. Returns 0 when taken, the ms its holder still has, or -1 when the key changed. */
const TAKE_OVER_LUA = `
local value = redis.call('GET', KEYS[1])
if value ~= ARGV[1] then return -1 end
local left = redis.call('PTTL', KEYS[1]) - tonumber(ARGV[3])
if left > 0 then return left end
redis.call('SET', KEYS[1], ARGV[2] .. string.sub(value, (string.find(value, '|', 1, true))), 'PX', tonumber(ARGV[3]) + tonumber(ARGV[4]))
return 0
`;

type LockRedis = Redis & {
  keyLockRelease(key: string, value: string): Promise<number>;
  keyLockExtend(key: string, value: string, ttlMs: number): Promise<number>;
  keyLockMark(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<number | string>;
  keyLockTakeOver(
    key: string,
    seen: string,
    token: string,
    intentTtlMs: number,
    ttlMs: number,
  ): Promise<number>;
};

/** What {@link HeldLock.markIntent} did. */
export type IntentMark =
  | { marked: true }
  /** The lock expired and may be someone else's: nothing was written. */
  | { lost: true }
  /** The older format's intent key holds an intent (its time): nothing was written. */
  | { olderIntentAt: number };

export interface HeldLock {
  readonly key: string;
  /**
   * The intent the key held when the lock was taken (its time): left by a holder that stopped (killed,
   * frozen, cut off) after {@link markIntent}, whose create may have been sent.
   */
  readonly intentAt: number | undefined;
  /** Still ours? False after it expired and someone else took it. */
  extend(ttlMs?: number): Promise<boolean>;
  /**
   * Writes an intent (a time) into the lock's key and extends the lock, in one script, if the lock is still
   * ours: from then on the key outlives the lock by {@link INTENT_TTL_MS}, so whoever takes the lock after a
   * holder that stopped gets the intent with it ({@link intentAt}). `olderIntentKey`: a key an older version
   * kept its intent in, looked at in the same script (a rolling upgrade).
   */
  markIntent(at: number, olderIntentKey?: string): Promise<IntentMark>;
  /** Lets the lock go; an intent stays in the key (as a lock nobody holds) until {@link INTENT_TTL_MS}. */
  release(): Promise<void>;
  /**
   * Sends the commands `writes` issues and then the release in one write (one round trip,
   * {@link sendTogether}): what the holder did under the lock is written before the lock goes, as with
   * a write followed by {@link release}. The key goes with its intent: `writes` record the outcome.
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

/** A key holding an intent, as a waiter last saw it: its holder lives at least until `aliveUntil` (our clock). */
interface SeenIntent {
  value: string;
  aliveUntil: number;
}

/**
 * A short Redis lock (`SET key token NX PX ttl GET`) with a random token and a safe release, to serialise
 * the creation of one organization or person across every worker process. A lock whose holder died expires
 * after `ttlMs`.
 *
 * The lock's key also carries the holder's **intent** once it has one ({@link HeldLock.markIntent}, before a
 * create): the value becomes `token|intentAt` and the key's TTL `INTENT_TTL_MS + ttlMs`, so the intent
 * outlives the lock. One key, not a lock and an intent key, to save commands (issue #12: a created contact
 * cost 10 over three keys, now 8 over two — 7 once the older intent key needs no look): the take's
 * `SET NX GET` returns an intent a stopped holder left; the intent's write and the extend before the create
 * are one script; the release deletes lock and intent in one script, after the caller's cache write.
 *
 * Liveness of a lock with an intent is the key's TTL on Redis's clock (no worker clock is compared): alive
 * while more than `INTENT_TTL_MS` is left, as a plain lock is alive while its key exists. A waiter that finds
 * an intent runs a script that takes it over when the holder has stopped extending it, and otherwise tells it
 * how long the holder has at most, so that it does not run the script at every poll.
 *
 * Older workers (a rolling upgrade) use the same key with `SET NX`: any key of this format makes them wait,
 * as for a held lock; they never create meanwhile. A bare intent (its holder died) makes them wait until
 * their lock wait ends (a retried row); new workers take it over.
 */
export class KeyLocks {
  private readonly redis: LockRedis;
  private readonly nextToken = uniqueTokens(TOKEN_RANDOM_BYTES);

  constructor(redis: Redis) {
    if (!('keyLockMark' in redis)) {
      redis.defineCommand('keyLockRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
      redis.defineCommand('keyLockExtend', { numberOfKeys: 1, lua: EXTEND_LUA });
      redis.defineCommand('keyLockMark', { lua: MARK_LUA });
      redis.defineCommand('keyLockTakeOver', { numberOfKeys: 1, lua: TAKE_OVER_LUA });
    }
    this.redis = redis as LockRedis;
  }

  async tryAcquire(key: string, ttlMs = 30_000): Promise<HeldLock | undefined> {
    return this.take(key, ttlMs, undefined);
  }

  /**
   * One try. A key holding an intent is taken over when its holder has stopped, looked at with a script only
   * when `seen` does not say its holder is alive (the waiter's memory between tries).
   */
  private async take(key: string, ttlMs: number, seen: { last?: SeenIntent } | undefined) {
    const token = this.nextToken();
    const held = await this.redis.set(key, token, 'PX', ttlMs, 'NX', 'GET');
    if (held === null) return this.held(key, token, ttlMs, undefined);
    const bar = held.indexOf('|');
    if (bar < 0) return undefined;
    if (seen?.last && seen.last.value === held && Date.now() < seen.last.aliveUntil) return undefined;
    const now = Date.now();
    const left = await this.redis.keyLockTakeOver(key, held, token, INTENT_TTL_MS, ttlMs);
    if (left === 0) return this.held(key, token, ttlMs, Number(held.slice(bar + 1)));
    if (seen) seen.last = { value: held, aliveUntil: left > 0 ? now + left : 0 };
    return undefined;
  }

  private held(key: string, token: string, ttlMs: number, inherited: number | undefined): HeldLock {
    const redis = this.redis;
    let value = inherited === undefined ? token : `${token}|${inherited}`;
    let marked = inherited !== undefined;
    let released = false;
    const lifeMs = (ms: number) => (marked ? INTENT_TTL_MS + ms : ms);
    return {
      key,
      intentAt: inherited,
      extend: async (ms = ttlMs) => (await redis.keyLockExtend(key, value, lifeMs(ms))) === 1,
      markIntent: async (at, olderIntentKey) => {
        const next = `${token}|${at}`;
        const keys = olderIntentKey ? [key, olderIntentKey] : [key];
        const reply = await redis.keyLockMark(keys.length, ...keys, value, next, INTENT_TTL_MS + ttlMs);
        if (reply === 0) return { lost: true };
        if (reply !== 1) return { olderIntentAt: Number(reply) };
        value = next;
        marked = true;
        return { marked: true };
      },
      release: async () => {
        if (released) return;
        released = true;
        // An intent stays: its lock ends now (the key keeps INTENT_TTL_MS), for whoever comes next to take over.
        if (marked) await redis.keyLockExtend(key, value, INTENT_TTL_MS);
        else await redis.keyLockRelease(key, value);
      },
      releaseAfter: async (writes) => {
        const release = !released;
        released = true;
        await sendTogether(redis, (r) => [
          ...writes(r),
          ...(release ? [(r as LockRedis).keyLockRelease(key, value)] : []),
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
    const seen: { last?: SeenIntent } = {};
    let pauseMs = 25;
    for (;;) {
      const lock = await this.take(key, ttlMs, seen);
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
