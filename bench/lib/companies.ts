/**
 * What the benchmarks that run a worker for several companies or imports share (isolation, many-companies, fairness):
 * waiting for a condition, and when an import is done (the connections file: `src/dev/connections-file.ts`).
 */
import type { ImportRecord } from '../../src/queue/ledger.js';

/** Waits until `check` gives a value, polling every `intervalMs`; throws with `what` after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20 * 60_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Every row of the import has its outcome (completed, or nothing pending any more). */
export const importDone = (r: ImportRecord | null) =>
  r !== null && (r.state === 'completed' || (r.state === 'enqueued' && r.pending === 0));
