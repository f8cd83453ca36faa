import type { ImportLedger, ImportRecord } from '../queue/ledger.js';

export interface WaitOptions {
  /** Poll interval in ms. @defaultValue 1000 */
  intervalMs?: number;
  /** Called after every poll with the current record (awaited, so it may read more). */
  onUpdate?: (record: ImportRecord) => void | Promise<void>;
  /** Stops waiting (the promise resolves with the last record seen). */
  signal?: AbortSignal;
}

/**
 * Follows an import until no row is pending (the workers created or dead-lettered every
 * enqueued row, or an operator cancelled it) and returns its final record. Polls the ledger:
 * cheap (one HGETALL), and it works whichever process runs the workers.
 */
export async function waitForImport(
  ledger: ImportLedger,
  importId: string,
  options: WaitOptions = {},
): Promise<ImportRecord> {
  const intervalMs = options.intervalMs ?? 1000;
  for (;;) {
    const record = await ledger.getImport(importId);
    if (!record) throw new Error(`Import ${importId} does not exist`);
    await options.onUpdate?.(record);
    const finished =
      record.state === 'completed' ||
      record.state === 'cancelled' ||
      (record.state === 'enqueued' && record.pending === 0);
    if (finished || options.signal?.aborted) return record;
    await sleep(intervalMs, options.signal);
  }
}

/**
 * Resolves after `ms`, or at once when `signal` aborts. Its abort listener goes when the sleep ends, however it
 * ends: one left behind per poll passes Node's limit of 10 listeners on the signal after ten seconds of `--wait`
 * (MaxListenersExceededWarning), and holds every finished sleep's closure for as long as the signal lives.
 */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
