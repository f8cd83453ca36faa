import { setTimeout as delay } from 'node:timers/promises';
import type { ImportLedger, ImportRecord } from '../queue/ledger.js';
import { isTransientRedisError } from '../queue/transient-redis-error.js';

export interface WaitOptions {
  /** Poll interval in ms. @defaultValue 1000 */
  intervalMs?: number;
  /** Called after every poll with the current record (awaited, so it may read more). */
  onUpdate?: (record: ImportRecord) => void | Promise<void>;
  /** Stops waiting (the promise resolves with the last record seen). */
  signal?: AbortSignal;
  /**
   * How long polls may keep failing because Redis is away (a restart, a Sentinel or cluster failover: see
   * `isTransientRedisError`) before the wait gives up with {@link ImportFollowLostError}, in ms. A failover
   * takes the cluster's node timeout plus an election: seconds, rarely more than a few tens of them.
   * @defaultValue 60000
   */
  outageToleranceMs?: number;
}

/**
 * Raised by {@link waitForImport} when Redis stayed away longer than `outageToleranceMs`. Only the following
 * stopped: the import goes on in the workers, and `lead-importer status ID` follows it once Redis is back.
 */
export class ImportFollowLostError extends Error {
  override name = 'ImportFollowLostError';
  constructor(
    readonly importId: string,
    readonly outageMs: number,
    override readonly cause: unknown,
  ) {
    super(
      `Lost Redis for ${Math.round(outageMs / 1000)} s while following import ${importId} (last error: ${cause instanceof Error ? cause.message : String(cause)})`,
    );
  }
}

/**
 * Follows an import until no row is pending (the workers created or dead-lettered every
 * enqueued row, or an operator cancelled it) and returns its final record. Polls the ledger:
 * cheap (one HGETALL), and it works whichever process runs the workers.
 *
 * A poll that fails because Redis is away is tried again at the next interval, for up to
 * `outageToleranceMs`: the workers ride through a failover, so the follower does too.
 */
export async function waitForImport(
  ledger: ImportLedger,
  importId: string,
  options: WaitOptions = {},
): Promise<ImportRecord> {
  const intervalMs = options.intervalMs ?? 1000;
  const toleranceMs = options.outageToleranceMs ?? 60_000;
  let failingSince: number | undefined;
  let last: ImportRecord | undefined;
  for (;;) {
    try {
      const record = await ledger.getImport(importId);
      if (!record) throw new Error(`Import ${importId} does not exist`);
      await options.onUpdate?.(record);
      failingSince = undefined;
      last = record;
      const finished =
        record.state === 'completed' ||
        record.state === 'cancelled' ||
        (record.state === 'enqueued' && record.pending === 0);
      if (finished) return record;
    } catch (err) {
      if (!isTransientRedisError(err)) throw err;
      failingSince ??= Date.now();
      const outageMs = Date.now() - failingSince;
      // Stopped (Ctrl-C) with nothing read yet: there is no record to return, only the outage to report.
      if (outageMs >= toleranceMs || (options.signal?.aborted && !last)) {
        throw new ImportFollowLostError(importId, outageMs, err);
      }
    }
    if (options.signal?.aborted && last) return last;
    // Node's own timer removes its abort listener when it ends: one left per poll would pass the signal's limit of
    // 10 after ten seconds of `--wait` (MaxListenersExceededWarning). An abort ends the sleep; the loop returns.
    await delay(intervalMs, undefined, { signal: options.signal }).catch((err: unknown) => {
      if ((err as Error)?.name !== 'AbortError') throw err;
    });
  }
}
