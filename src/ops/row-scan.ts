import type { Redis } from 'ioredis';
import { type ImportLedger, type RowState, RowState as States } from '../queue/ledger.js';

/**
 * Lines of an import by row state, read from the ledger's bitfield in one GET (a million rows
 * are 500 KB) instead of one BITFIELD call per line. The bitfield stores a u4 per line at bit
 * offset line × 4, most significant bits first (Redis BITFIELD order), so line L is the high
 * nibble of byte L/2 when L is even and the low nibble when it is odd.
 *
 * It is a snapshot: callers that act on a row re-check its state through an atomic ledger
 * transition.
 */
export async function readRowStates(redis: Redis, ledger: ImportLedger, importId: string): Promise<Buffer> {
  if ((await ledger.resolve(importId)) === undefined) return Buffer.alloc(0);
  return (await redis.getBuffer(ledger.keys.rowStates(importId))) ?? Buffer.alloc(0);
}

/** The state of `line` in a snapshot from {@link readRowStates}. */
export function stateAt(snapshot: Buffer, line: number): RowState {
  const byte = snapshot[line >> 1] ?? 0;
  return (line & 1 ? byte & 0x0f : byte >> 4) as RowState;
}

/** The highest line number the snapshot can hold. */
export function lastLine(snapshot: Buffer): number {
  return snapshot.length * 2 - 1;
}

/**
 * Yields, in input order and in batches of at most `batchSize`, the lines whose state is one of
 * `states` (all known rows when omitted; lines never seen, such as blank lines, are skipped).
 */
export function* linesInState(
  snapshot: Buffer,
  states?: readonly RowState[],
  batchSize = 1000,
): Generator<number[]> {
  let batch: number[] = [];
  const last = lastLine(snapshot);
  for (let line = 1; line <= last; line++) {
    const state = stateAt(snapshot, line);
    if (state === States.None) continue;
    if (states && !states.includes(state)) continue;
    batch.push(line);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
