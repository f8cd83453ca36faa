import type { Redis } from 'ioredis';
import { connectedReplicas, isClusterRedis } from './connection.js';

/** Whether intents are made durable before the create they announce is sent. */
export type IntentDurability = 'auto' | 'off';

export interface DurableWritesOptions {
  /**
   * `auto`: after an intent is written and before its create is sent, wait until the intent is in
   * the AOF on disk (`WAITAOF 1 0`) when the server has the command (Redis ≥ 7.2) and AOF is on,
   * and on `replicas` replicas (`WAIT`) when asked; `off`: never wait (the epoch alone catches a
   * loss). @defaultValue `auto`
   */
  mode?: IntentDurability;
  /**
   * Replicas that must hold an intent before its create is sent: `WAITAOF 1 n` (or `WAIT n` where
   * WAITAOF is missing). For a Redis with failover (Sentinel), so a promoted replica has the
   * intent. @defaultValue 0
   */
  replicas?: number;
  /** Longest wait for one intent, ms; the create is sent anyway afterwards (the epoch still covers it). @defaultValue 1000 */
  timeoutMs?: number;
}

/** What the server offers, found once. */
export interface DurabilitySupport {
  /** `WAITAOF` exists (Redis ≥ 7.2). */
  waitaof: boolean;
  /** AOF persistence is on (`aof_enabled:1`). */
  aof: boolean;
  /** `appendfsync` as the server reports it, when CONFIG is allowed. */
  appendfsync?: string;
}

/** The outcome of one {@link DurableWrites.makeDurable}. */
export type DurableResult = 'not-needed' | 'durable' | 'timed-out';

/**
 * "Make this write durable": the one place the worker asks Redis to keep what it has just written
 * (an intent) before it acts on it (a create in Pipedrive).
 *
 * On Redis 7.0 (what Debian ships) there is nothing to ask: `WAITAOF` came in 7.2, and `WAIT`
 * only counts replicas. Then {@link makeDurable} is free and returns `not-needed`; the Redis epoch
 * (`redis-epoch.ts`) is what notices a lost intent, and `appendfsync always` is what prevents one.
 *
 * Where it is needed, it runs on a connection of its own, so the worker's shared connection never
 * blocks on an fsync: `WAITAOF` (and `WAIT`) wait for the calling client's own writes, and the
 * replication offset is one sequence for the whole server, so a write on this connection made
 * after the intent was acknowledged (`INCR` of a tick key) carries the intent's offset with it.
 * Callers that arrive while a round is on the wire share the next round (a group commit): one
 * fsync wait (≤ 1 s with `everysec`, none with `always`) serves every intent written meanwhile.
 * Not exercised by the tests here (Redis 7.0); the epoch is.
 */
export class DurableWrites {
  private support: Promise<DurabilitySupport> | undefined;
  private connection: Redis | undefined;
  private current: Promise<DurableResult> | undefined;
  private next: Promise<DurableResult> | undefined;

  /**
   * @param redis - the worker's connection: asked what the server supports, and duplicated for the waits
   * @param tickKey - a key of ours the dedicated connection writes to carry the offset
   */
  constructor(
    private readonly redis: Redis,
    private readonly tickKey: string,
    private readonly options: DurableWritesOptions = {},
  ) {}

  /** Asks the server once what it supports (`COMMAND INFO waitaof`, `INFO persistence`). */
  detect(): Promise<DurabilitySupport> {
    this.support ??= (async () => {
      const [info, persistence] = await Promise.all([
        this.redis.call('COMMAND', 'INFO', 'waitaof') as Promise<unknown[]>,
        this.redis.info('persistence'),
      ]);
      const support: DurabilitySupport = {
        waitaof: Array.isArray(info) && info[0] !== null && info[0] !== undefined,
        aof: /^aof_enabled:1\s*$/m.test(persistence),
      };
      try {
        const [, value] = (await this.redis.call('CONFIG', 'GET', 'appendfsync')) as string[];
        if (value) support.appendfsync = value;
      } catch {
        // CONFIG may be renamed or refused on a managed Redis: nothing depends on it.
      }
      return support;
    })().catch((err: unknown) => {
      this.support = undefined;
      throw err;
    });
    return this.support;
  }

  /** What {@link makeDurable} will ask for, given what the server supports. */
  async plan(): Promise<'waitaof' | 'wait' | 'none'> {
    if (this.options.mode === 'off') return 'none';
    // On a cluster WAIT / WAITAOF answer for the node this connection last wrote to, and the tick key's slot
    // is not the intents' (they carry each connection's tag): no wait, the per-connection epoch covers it.
    if (isClusterRedis(this.redis)) return 'none';
    const replicas = this.options.replicas ?? 0;
    const support = await this.detect();
    if (support.waitaof && support.aof) return 'waitaof';
    return replicas > 0 ? 'wait' : 'none';
  }

  /**
   * Waits until what was written before the call is durable as configured. Never throws for a
   * timeout: the create goes ahead, and the epoch catches what a crash then loses.
   */
  async makeDurable(): Promise<DurableResult> {
    const plan = await this.plan();
    if (plan === 'none') return 'not-needed';
    // A round on the wire may have taken its offset before our write: join the one after it.
    if (!this.current) {
      this.current = this.round(plan).finally(() => {
        this.current = undefined;
      });
      return this.current;
    }
    this.next ??= this.current
      .catch(() => 'timed-out' as const)
      .then(() => {
        this.next = undefined;
        this.current = this.round(plan).finally(() => {
          this.current = undefined;
        });
        return this.current;
      });
    return this.next;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await connection.quit().catch(() => connection.disconnect());
  }

  private async round(plan: 'waitaof' | 'wait'): Promise<DurableResult> {
    this.connection ??= this.redis.duplicate();
    const replicas = this.options.replicas ?? 0;
    const timeoutMs = this.options.timeoutMs ?? 1000;
    await this.connection.incr(this.tickKey);
    if (plan === 'waitaof') {
      const [local, copies] = (await this.connection.call('WAITAOF', 1, replicas, timeoutMs)) as [
        number,
        number,
      ];
      return local >= 1 && copies >= replicas ? 'durable' : 'timed-out';
    }
    // Right after a failover (or with no replica at all) nothing can answer: waiting the full
    // timeout on every intent would only slow the creates the epoch covers anyway.
    const connected = await connectedReplicas(this.connection, 1000);
    if (connected === 0) return 'timed-out';
    const copies = (await this.connection.call('WAIT', Math.min(replicas, connected), timeoutMs)) as number;
    return copies >= replicas ? 'durable' : 'timed-out';
  }
}
