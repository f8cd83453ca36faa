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
