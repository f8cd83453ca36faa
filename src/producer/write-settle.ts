import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { connectRedis, createRedis, RedisUnavailableError } from '../queue/connection.js';
import { DurableWrites } from '../queue/durable-writes.js';
import { keyScope, keysFor } from '../queue/names.js';
import { RedisEpoch } from '../queue/redis-epoch.js';

/**
 * How long an `appendfsync everysec` Redis may hold an acknowledged write before it is on disk: the fsync runs once
 * a second, and Redis postpones its `write()` for up to 2 s while a slow fsync is still running
 * (docs/reliability.md). Waited out on Redis < 7.2, which has no `WAITAOF` to ask.
 */
export const FSYNC_WAIT_MS = 2_000;

export interface WriteSettleOptions {
  /** The producer's connection: its writes are the ones to settle. */
  redis: Redis;
  prefix: string;
  /** The connection (Pipedrive company) the import goes to: its keys' node is the one asked, on a cluster. */
  connection: string;
  /** Where to open a new connection when `redis` gave up reconnecting (a command connection does after ~1 s). */
  url?: string;
  /** @defaultValue {@link FSYNC_WAIT_MS} */
  fsyncWaitMs?: number;
  /** How long Redis may stay unreachable at the end before the import fails (ms). @defaultValue 30 000 */
  reachTimeoutMs?: number;
}

/** Whether the server that holds an import's writes at the end is the one it started on. */
export type SettleResult = { restarted: false } | { restarted: true; from: string; to: string };

/**
 * The producer's side of a Redis that loses its last second (a power loss of its machine with `appendfsync
 * everysec`, a failover to a replica that had not received everything): the ledger marks and jobs of the import's
 * last batches can vanish after the producer said they were enqueued, and no worker knows those rows exist.
 *
 * {@link begin} reads the server's `run_id` before the import writes anything; {@link settle}, after its last
 * write, waits until those writes are on disk (`WAITAOF` where Redis has it, else the fsync interval) and reads
 * `run_id` again. A different server means writes may be gone: the caller reads the file again, and the ledger
 * re-adds exactly the rows that are missing (`LeadEnqueuer`: unknown rows are enqueued, rows Pending without a job
 * are added again, the rest are skipped). The same server after the wait means every write of the run is durable.
 * A restart that breaks a call mid-file fails the import as before (run it again); this covers the ones that do not.
 */
export class WriteSettle {
  private constructor(
    private readonly options: WriteSettleOptions,
    private readonly startRunId: string,
  ) {}

  static async begin(options: WriteSettleOptions): Promise<WriteSettle> {
    return new WriteSettle(
      options,
      await new RedisEpoch(options.redis, options.prefix, options.connection).liveRunId(),
    );
  }

  async settle(): Promise<SettleResult> {
    await this.waitDurable();
    const now = await this.readRunId();
    return now === this.startRunId
      ? { restarted: false }
      : { restarted: true, from: this.startRunId, to: now };
  }

  /** Until what this connection wrote is on disk, as far as the server lets us know. */
  private async waitDurable(): Promise<void> {
    const { redis, prefix, connection } = this.options;
    const durable = new DurableWrites(redis, keysFor(prefix, keyScope(redis, connection)).durableTick, {
      timeoutMs: 5_000,
    });
    try {
      if ((await durable.makeDurable()) === 'durable') return;
      const support = await durable.detect();
      // No AOF: a crash loses everything since the last snapshot, and waiting saves nothing. `always`: on disk already.
      if (!support.aof || support.appendfsync === 'always') return;
    } catch {
      // Not known: an ACL that refuses COMMAND or INFO (a managed Redis), or Redis went away (the run id read after
      // tells whether it is a new server). Waited out as for `everysec`, the default.
    } finally {
      await durable.close();
    }
    await sleep(this.options.fsyncWaitMs ?? FSYNC_WAIT_MS);
  }

  private async readRunId(): Promise<string> {
    const deadline = Date.now() + (this.options.reachTimeoutMs ?? 30_000);
    let client = this.options.redis;
    let own: Redis | undefined;
    try {
      for (;;) {
        try {
          return await new RedisEpoch(client, this.options.prefix, this.options.connection).liveRunId();
        } catch (err) {
          if (Date.now() >= deadline) {
            throw new RedisUnavailableError(
              `Redis stopped answering right after the rows were written (${err instanceof Error ? err.message : String(err)}); if it lost power, it may have lost the last second of them. Run the same import command again once Redis is back: rows already enqueued are not enqueued twice.`,
            );
          }
          await sleep(500);
          // A command connection gives up reconnecting after about a second: open another.
          if (client.status === 'end' && this.options.url) {
            own?.disconnect();
            own = createRedis(this.options.url, 'command');
            own.on('error', () => {});
            client = await connectRedis(own, this.options.url).catch(() => client);
          }
        }
      }
    } finally {
      own?.disconnect();
    }
  }
}
