import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import type { Logger } from '../logging/logger.js';
import { keyScope, keysFor } from '../queue/names.js';
import type { RedisEpoch } from '../queue/redis-epoch.js';
import type { EpochReconciler, ReconcileStats } from './epoch-reconciler.js';
import type { KeyLocks } from './key-lock.js';
import { sleep } from './sleep.js';

/**
 * The reconciliation lock's TTL, extended every third of it while the reconciliation runs: how long a worker killed
 * while reconciling holds back every create of its company's other workers (they take the lock over once it
 * expires). As BullMQ's lock duration. It was 60 s, as long as the chaos test's stall limit: a worker killed right
 * after Redis came back (the chaos test's kill 4, on a busy machine) stalled the import for that minute.
 */
export const RECONCILE_LOCK_TTL_MS = 30_000;

export interface DurabilityGateOptions {
  redis: Redis;
  prefix: string;
  companyKey: string;
  /** The connection the company is served through (its hash tag on a Redis Cluster). @defaultValue `default` */
  connection?: string;
  epoch: RedisEpoch;
  reconciler: EpochReconciler;
  locks: KeyLocks;
  logger: Logger;
  /**
   * Subtracted from the durable point before listing what Pipedrive holds (ms): the clock skew
   * allowed between Redis's host and Pipedrive, plus the time a create takes to land.
   */
  marginMs: number;
  /** How long what a reconciliation found stays adoptable by rows (ms). */
  adoptionTtlMs: number;
  /** How often this worker moves the durable point (ms): the loss window is at most this much older. @defaultValue 1000 */
  markIntervalMs?: number;
  /** Aborted on shutdown. */
  signal: AbortSignal;
}

/**
 * Rows create nothing while Redis may have rolled back, until Pipedrive has been reconciled.
 *
 * Redis with `appendfsync everysec` loses up to the last second of acknowledged writes when its
 * machine crashes, and a failover loses what the replica had not received: intents included, so
 * a create that reached Pipedrive could be made again. A restart after a clean shutdown or a
 * process crash loses nothing, but a worker cannot tell them apart, so every new redis-server
 * (`run_id`, see {@link RedisEpoch}) is treated as possibly lossy, and only the window that could
 * be lost is paid for:
 *
 * 1. The gate closes whenever the connection drops, so no create leaves on decisions taken
 *    against a server that may be gone; it opens again once the server is known.
 * 2. Same server (a network blip): it opens at once. A new one: the first worker of the company
 *    to see it takes a lock and lists what Pipedrive holds changed since the company's durable
 *    point minus `marginMs` ({@link EpochReconciler}), filling the contact cache and the adoption
 *    book, then commits the new epoch. The others wait for the commit.
 * 3. The generation goes up when the server changed under this worker; a row that started in an
 *    older generation stops before its next create and starts again from its checkpoint
 *    (`RowRestartError`), so it decides afresh against the reconciled state.
 */
export class DurabilityGate {
  private open = false;
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private checking: Promise<void> | undefined;
  private knownRunId: string | undefined;
  private adoptUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private generationValue = 0;
  /** Connection drops seen: a status read across one is read again. */
  private drops = 0;
  private readonly onClose = () => {
    this.open = false;
    this.drops++;
  };
  private readonly onReady = () => {
    void this.check();
  };
  /** The last reconciliation this worker ran, for tests and operators. */
  lastReconcile: ReconcileStats | undefined;

  constructor(private readonly options: DurabilityGateOptions) {}

  get isOpen(): boolean {
    return this.open;
  }

  /** Goes up each time this worker finds the Redis server changed under it. */
  get generation(): number {
    return this.generationValue;
  }

  /** Rows look in the adoption book before creating (a reconciliation filled it lately). */
  get adoptionActive(): boolean {
    return Date.now() < this.adoptUntil;
  }

  /** Checks the epoch (reconciling if needed) and follows the connection from now on. */
  async start(): Promise<void> {
    const { redis } = this.options;
    redis.on('close', this.onClose);
    redis.on('ready', this.onReady);
    await this.check();
    this.timer = setInterval(() => void this.mark(), this.options.markIntervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.options.redis.off('close', this.onClose);
    this.options.redis.off('ready', this.onReady);
    for (const w of this.waiters.splice(0))
      w.reject(this.options.signal.reason ?? new Error('Worker is stopping'));
  }

  /** Resolves when creates may go out. */
  whenOpen(signal?: AbortSignal): Promise<void> {
    if (this.open) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    void this.check();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Finds out which server answers and opens the gate once it is reconciled (one check at a time). */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    const { epoch, companyKey, signal, logger } = this.options;
    for (let n = 0; !signal.aborted; n++) {
      try {
        const drops = this.drops;
        const status = await epoch.status(companyKey);
        // The connection dropped while we asked: the answer may be the old server's.
        if (drops !== this.drops) continue;
        if (status.companyRunId === undefined) {
          // A company never seen: none of its writes can have been lost. Its epoch starts now.
          if (await epoch.commit(companyKey, status.liveRunId)) return this.openFor(status.liveRunId, 0);
        } else if (status.companyRunId === status.liveRunId) {
          return this.openFor(status.liveRunId, status.adoptUntil ?? 0);
        } else {
          await this.reconcileUnderLock();
        }
      } catch (err) {
        if (signal.aborted) return;
        logger.warn(
          { err, attempt: n + 1 },
          'Could not check the Redis epoch (or reconcile with Pipedrive); creates wait, trying again',
        );
        await sleep(Math.min(30_000, 250 * 2 ** Math.min(n, 7)), signal).catch(() => {});
      }
    }
  }

  private openFor(runId: string, adoptUntil: number): void {
    if (this.knownRunId !== undefined && this.knownRunId !== runId) this.generationValue++;
    this.knownRunId = runId;
    this.adoptUntil = adoptUntil;
    this.open = true;
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private async reconcileUnderLock(): Promise<void> {
    const { epoch, companyKey, locks, signal, logger, prefix, redis } = this.options;
    const keys = keysFor(prefix, keyScope(redis, this.options.connection ?? DEFAULT_CONNECTION));
    const settled = async () => {
      const s = await epoch.status(companyKey);
      return s.companyRunId === s.liveRunId ? true : undefined;
    };
    const got = await locks.acquire<true>(keys.lock(companyKey, 'epoch', 'reconcile'), {
      ttlMs: RECONCILE_LOCK_TTL_MS,
      waitMs: 30 * 60_000,
      poll: settled,
      signal,
    });
    // Someone else committed (the caller checks again), or is still at it.
    if (!('lock' in got)) return;
    const { lock } = got;
    const keepAlive = setInterval(() => void lock.extend().catch(() => {}), RECONCILE_LOCK_TTL_MS / 3);
    keepAlive.unref();
    try {
      const status = await epoch.status(companyKey);
      if (status.companyRunId === status.liveRunId) return;
      const durableAt = status.durableAt ?? status.serverNow;
      const sinceMs = durableAt - this.options.marginMs;
      logger.warn(
        {
          previousRunId: status.companyRunId,
          runId: status.liveRunId,
          durableAt: new Date(durableAt).toISOString(),
          since: new Date(sinceMs).toISOString(),
        },
        `Redis is a new server (run_id ${short(status.companyRunId)} → ${short(status.liveRunId)}: restarted or failed over); writes after ${new Date(durableAt).toISOString()} may be lost, so nothing is created until Pipedrive is reconciled`,
      );
      const stats = await this.options.reconciler.run(sinceMs, { signal, tokens: 0 });
      this.lastReconcile = stats;
      const adoptUntil = status.serverNow + this.options.adoptionTtlMs;
      const committed = await epoch.commit(companyKey, status.liveRunId, {
        adoptUntil,
        previousRunId: status.companyRunId ?? '',
        lastSince: sinceMs,
        lastOrganizations: stats.organizations,
        lastPersons: stats.persons,
        lastLeads: stats.leadsKept,
        lastNotes: stats.notes,
        lastPages: stats.pages,
        lastTokens: stats.tokens,
        lastDurationMs: stats.durationMs,
      });
      logger.warn(
        { ...stats, committed },
        `Reconciled with Pipedrive after the Redis change: ${stats.organizations} organizations, ${stats.persons} persons, ${stats.leadsKept} leads and ${stats.notes} notes changed since ${new Date(sinceMs).toISOString()} (${stats.pages} pages, ${stats.tokens} tokens, ${stats.durationMs} ms)${committed ? '' : '; Redis changed again meanwhile, reconciling once more'}`,
      );
    } finally {
      clearInterval(keepAlive);
      await lock.release().catch(() => {});
    }
  }

  /** Moves the durable point; a server that is not the epoch's closes the gate until it is checked. */
  private async mark(): Promise<void> {
    if (!this.open) return;
    try {
      if (!(await this.options.epoch.markDurable(this.options.companyKey))) {
        this.open = false;
        void this.check();
      }
    } catch {
      // Redis unreachable: the connection events close the gate; the next tick tries again.
    }
  }
}

function short(runId: string | undefined): string {
  return runId ? runId.slice(0, 8) : 'none';
}
