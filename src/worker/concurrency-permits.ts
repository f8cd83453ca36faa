import { onAbortOf } from './abort-fanout.js';

/** Gives the permit back; idempotent. */
export type ReleasePermit = () => void;

/** The fewest rows a connection's BullMQ worker takes beyond the permits it holds ({@link ConcurrencyPermits.rowsToTake}). */
export const ROWS_AHEAD = 4;

interface Waiter {
  grant: (release: ReleasePermit) => void;
}

/**
 * A worker process's concurrency (`--concurrency N`: rows worked on at once by the process, whatever the
 * connections), shared fairly by the connections it serves.
 *
 * Each connection has its own BullMQ worker on its own queue (that is what keeps one company's 429 pause or
 * budget wait from holding another's rows), and each takes a few jobs more than it holds permits: a row then
 * waits here for one of the N permits. A free permit goes to a waiting row at once. When rows wait, a permit given back goes to the
 * waiting connection that holds the fewest permits, and among those to the one whose turn came first (a
 * connection that gets one goes to the back of the line): round-robin over the connections with work, with
 * no connection holding more than an equal share while another waits for one. So a busy company's hundred
 * waiting rows never stand in front of another company's one, and a company whose rows are slow (its own
 * rate limit spaces its calls, its Pipedrive answers slowly) cannot gather the permits a faster one gives
 * back; a connection alone uses all of them, up to its cap.
 *
 * Why fewest-held rather than plain turns: with turns alone each connection gets permits at the same *rate*,
 * and a connection keeps a permit as long as its row runs, so a connection whose rows wait long in its
 * limiter (Lite's 20 calls per 2 s) ends up holding most of them while a Growth company beside it idles:
 * in `bench:isolation` (200 rows, concurrency 8) the Growth company took 1.25× its time alone beside two
 * Lite ones with turns alone, 1.02× with fewest-held.
 *
 * Why a small scheduler in the process rather than in Redis or in BullMQ: BullMQ's open-source edition has
 * no group or fair-share scheduling across queues (groups are BullMQ Pro), its priorities order jobs within
 * one queue only, and its rate limit is per queue (which is what the isolation uses). Concurrency is a
 * process's own resource (its sockets, CPU and memory), so sharing it needs no coordination between
 * processes; the Pipedrive limits that every process shares (burst windows, budgets) are already kept in
 * Redis per token and per company. The cost: a row waiting for a permit counts as active in BullMQ (its lock
 * is renewed as for any active row), so each connection's BullMQ worker takes only the rows it can start soon:
 * {@link ConcurrencyPermits.rowsToTake}.
 *
 * A connection's **cap** ({@link ConcurrencyPermits.cap}) bounds the permits it may hold at once, whatever is
 * free. For a rate-limited company it is what its burst window admits in 2 s: a row beyond that only waits in
 * its own limiter, holding a permit another company could use. Without it, the first company whose rows
 * arrive takes every free permit and keeps them as long as its limiter spaces its rows (in
 * `bench:many-companies -- --plan growth`, 200 permits for 13 rows/s: the nine companies whose producers
 * came a moment later waited 12 s for their first rows).
 *
 * A waiting row listens for its own signal and its connection's shutdown signal through abort-fanout.ts: one
 * listener on the shutdown signal for all the rows waiting on it, not one each (Node's `EventTarget` walks its
 * list of listeners on every add and remove).
 */
export class ConcurrencyPermits {
  private free: number;
  /** Waiting rows by connection; a connection is in `turns` exactly while it has waiting rows. */
  private readonly waiting = new Map<string, Waiter[]>();
  /** Connections with waiting rows, in the order of their turns. */
  private readonly turns: string[] = [];
  private readonly held = new Map<string, number>();
  private readonly caps = new Map<string, number>();

  constructor(
    /** Permits in all: the process's concurrency. */
    readonly total: number,
  ) {
    if (!Number.isInteger(total) || total < 1)
      throw new RangeError(`total must be a whole number ≥ 1, got ${total}`);
    this.free = total;
  }

  /** Permits a connection holds now. */
  heldBy(connection: string): number {
    return this.held.get(connection) ?? 0;
  }

  /** Rows of a connection waiting for a permit. */
  waitingFor(connection: string): number {
    return this.waiting.get(connection)?.length ?? 0;
  }

  /**
   * Sets the most permits `connection` may hold at once (a whole number ≥ 1; `Infinity`, the default, for
   * none but the total). Lowering it takes nothing back: the connection gets no more until it holds less.
   */
  cap(connection: string, max: number): void {
    if (max !== Number.POSITIVE_INFINITY && (!Number.isInteger(max) || max < 1))
      throw new RangeError(`max must be a whole number ≥ 1 or Infinity, got ${max}`);
    // Set again at every row's start and end (connection-worker.ts), and only a change can free a permit:
    // every other change of state dispatches already.
    if (this.caps.get(connection) === max) return;
    this.caps.set(connection, max);
    this.dispatch();
  }

  /** A connection the process no longer serves: its cap goes, and it no longer counts for the shares. */
  forget(connection: string): void {
    this.caps.delete(connection);
    this.dispatch();
  }

  /** The most permits a connection may hold now: its cap, and never more than the total. */
  private limitOf(connection: string): number {
    return Math.min(this.total, this.caps.get(connection) ?? this.total);
  }

  /**
   * How many rows a connection's BullMQ worker should hold active: the permits it holds plus rows waiting for
   * one, as many as an equal share of the permits among the connections served (those given a {@link cap}; at
   * least {@link ROWS_AHEAD}), within its cap. A row BullMQ takes is active until it ends: its lock is renewed
   * every `lockDuration / 2`, and BullMQ fetches the rows it may take one round trip at a time before starting
   * the first of them; so a connection taking every row it might one day run (10 connections × concurrency
   * 200: 2,000 active rows, 200 running) makes each one's first rows start late. The share ahead lets a
   * connection whose waiting rows are all granted at once (BullMQ notices a raised concurrency only when one
   * of its rows ends) still have rows waiting for the next permits; a connection alone takes as before.
   */
  rowsToTake(connection: string): number {
    const ahead = Math.max(ROWS_AHEAD, Math.ceil(this.total / Math.max(1, this.caps.size)));
    return Math.max(1, Math.min(this.limitOf(connection), this.heldBy(connection) + ahead));
  }

  /**
   * Resolves with a permit for one row of `connection`, at once when one is free, else in the connection's
   * turn. Rejects with the signal's reason when any of `signals` aborts first (the row is not counted).
   */
  acquire(connection: string, ...signals: (AbortSignal | undefined)[]): Promise<ReleasePermit> {
    const aborted = signals.find((s) => s?.aborted);
    if (aborted) return Promise.reject(aborted.reason);
    // A free permit is never left while an eligible row waits ({@link dispatch}), so none is passed over here.
    if (this.free > 0 && this.heldBy(connection) < this.limitOf(connection)) {
      this.free--;
      return Promise.resolve(this.permitFor(connection));
    }
    return new Promise<ReleasePermit>((resolve, reject) => {
      // The signals are the row's and its connection's shutdown signal, which every row of the connection waits
      // on: one listener on each signal, the rows in a set beside it (abort-fanout.ts), not one listener per row.
      const unlinks = signals.map((s) =>
        s
          ? onAbortOf(s, () => {
              this.remove(connection, waiter);
              unlink();
              reject(s.reason);
            })
          : undefined,
      );
      const unlink = () => {
        for (const u of unlinks) u?.();
      };
      const waiter: Waiter = {
        grant: (release) => {
          unlink();
          resolve(release);
        },
      };
      let queue = this.waiting.get(connection);
      if (!queue) {
        queue = [];
        this.waiting.set(connection, queue);
        this.turns.push(connection);
      }
      queue.push(waiter);
    });
  }

  private permitFor(connection: string): ReleasePermit {
    this.held.set(connection, this.heldBy(connection) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.heldBy(connection) - 1;
      if (left > 0) this.held.set(connection, left);
      else this.held.delete(connection);
      this.free++;
      this.dispatch();
    };
  }

  /**
   * Hands the free permits on: each to the waiting connection below its cap holding the fewest (the first in
   * turn among equals); a permit no such row waits for stays in the pool.
   */
  private dispatch(): void {
    while (this.free > 0) {
      let pick = -1;
      for (let i = 0; i < this.turns.length; i++) {
        const held = this.heldBy(this.turns[i]!);
        if (held < this.limitOf(this.turns[i]!) && (pick < 0 || held < this.heldBy(this.turns[pick]!)))
          pick = i;
      }
      if (pick < 0) return;
      const next = this.turns.splice(pick, 1)[0]!;
      const queue = this.waiting.get(next)!;
      const waiter = queue.shift()!;
      if (queue.length > 0) this.turns.push(next);
      else this.waiting.delete(next);
      this.free--;
      waiter.grant(this.permitFor(next));
    }
  }

  private remove(connection: string, waiter: Waiter): void {
    const queue = this.waiting.get(connection);
    if (!queue) return;
    const i = queue.indexOf(waiter);
    if (i >= 0) queue.splice(i, 1);
    if (queue.length === 0) {
      this.waiting.delete(connection);
      this.turns.splice(this.turns.indexOf(connection), 1);
    }
  }
}
