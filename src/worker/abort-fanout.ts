import { setMaxListeners } from 'node:events';
import { MAX_ROWS_PER_JOB } from '../queue/job-data.js';

/**
 * One `abort` listener per signal, however many wait on it: for the worker's long-lived signals (a connection's
 * shutdown signal), which every running row and every row waiting for a permit listens to until it ends.
 *
 * Node's `EventTarget` keeps a signal's listeners in a linked list and walks it on every `addEventListener` (the
 * duplicate check) and `removeEventListener`: with a connection's rows in flight and waiting (tens, up to the
 * process's concurrency) each row paid two walks of that list on its start and two on its end, in
 * `event_target` and `abort_controller` ≈ 2.7 % of a worker's CPU in `bench:many-companies` at k = 10 (perf, bench/README.md,
 * branch cpu2 of 2026-12-02). Here a row's callback goes into a `Set` kept beside the signal (O(1) to add and
 * to delete) and the signal holds one listener, added the first time anyone waits on it and left in place: it
 * is garbage with the signal, and a long-lived signal gains one listener in all, never one per row.
 *
 * The callbacks run in the order they were added, when the signal aborts (all of them at the place of the
 * signal's first waiter among its other listeners); a callback added twice runs once, as with `addEventListener`.
 * A signal already aborted runs nothing: check `aborted` first, as with `addEventListener`.
 */
const waitersBySignal = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `onAbort` once when `signal` aborts, unless the returned function (idempotent) is called first. */
export function onAbortOf(signal: AbortSignal, onAbort: () => void): () => void {
  let waiters = waitersBySignal.get(signal);
  if (!waiters) {
    const created = new Set<() => void>();
    waiters = created;
    waitersBySignal.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        waitersBySignal.delete(signal);
        for (const waiter of created) waiter();
        created.clear();
      },
      { once: true },
    );
  }
  waiters.add(onAbort);
  const registered = waiters;
  return () => {
    registered.delete(onAbort);
  };
}

/** The signals linked for the rows running on one job's signal (a chunk's rows share its job's), and how many use it. */
interface SharedLink {
  signal: AbortSignal;
  rows: number;
  unlink(): void;
}
const linksByJobSignal = new WeakMap<AbortSignal, SharedLink>();

/**
 * A signal that aborts with the job's (`a`) or the connection's shutdown signal (`b`). Every running row of the
 * connection waits on `b`: through abort-fanout.ts, one listener on it for all of them rather than one per row
 * added and removed (each a walk of its listener list). The rows of one chunk run on its job's signal and share one
 * linked signal (the same two sources, so the same aborts and reasons): one `AbortController` and one listener on
 * each source per chunk instead of per row, which a row's start paid for in `createAbortSignal` and the walk of the
 * chunk signal's listeners (bench/README.md, branch cpu3). Unlinked from both when the last of its rows ends.
 */
export function linkSignals(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; unlink(): void } {
  let link = linksByJobSignal.get(a);
  if (!link) {
    const controller = new AbortController();
    // Each of the chunk's rows may wait on it at once (a call, its retry's backoff, a sleep).
    setMaxListeners(MAX_ROWS_PER_JOB * 4 + 10, controller.signal);
    const onA = () => controller.abort(a.reason);
    if (a.aborted) onA();
    else if (b.aborted) controller.abort(b.reason);
    a.addEventListener('abort', onA, { once: true });
    const unlinkB = onAbortOf(b, () => controller.abort(b.reason));
    const created: SharedLink = {
      signal: controller.signal,
      rows: 0,
      unlink() {
        a.removeEventListener('abort', onA);
        unlinkB();
        linksByJobSignal.delete(a);
      },
    };
    link = created;
    linksByJobSignal.set(a, created);
  }
  const shared = link;
  shared.rows++;
  let linked = true;
  return {
    signal: shared.signal,
    unlink() {
      if (!linked) return;
      linked = false;
      if (--shared.rows === 0) shared.unlink();
    },
  };
}
