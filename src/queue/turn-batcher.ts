/**
 * Requests to Redis that go together: those asked in the same turn of the event loop, and those asked while the
 * step before is on its way, leave in one step. No timer: a request asked alone leaves at once (at the end of its
 * turn), and one asked meanwhile waits at most for the step before it, one round trip. The worker's outcomes
 * (`ImportLedger`) and admissions (`BudgetGovernor`) are batched this way; what differs is how a step is split into
 * script calls (`split`: by hash tag on a cluster, one call on one Redis) and what one call sends (`send`).
 *
 * A request `split` leaves for later (one that may not share a call with another of the step) goes first in the
 * next step, before those asked meanwhile, so the order asked is kept. A call that fails rejects its requests.
 */
export interface TurnRequest {
  reject(err: unknown): void;
}

/** What a request's `resolve` is given: its answer. */
export type AnswerOf<T> = T extends { resolve(answer: infer A): void } ? A : never;

/** How one step's requests go: the script calls (sent at the same time), and what waits for the next step. */
export interface TurnStep<T> {
  calls: T[][];
  later?: T[];
}

export class TurnBatcher<T extends TurnRequest> {
  private waiting: T[] = [];
  /** A step is on its way: what is asked meanwhile goes in the next. */
  private sending = false;

  /**
   * @param lingerMs - how long the first request of an idle batcher waits for others before its step leaves
   *   (0: the end of its turn). For requests off a row's critical path only, where a few milliseconds cost nothing
   *   and the steps they save are the Redis commands a step shares. Requests asked while a step is on its way leave
   *   as soon as it is back, as without it.
   */
  constructor(
    private readonly split: (taken: T[]) => TurnStep<T>,
    private readonly send: (call: T[]) => Promise<void>,
    private readonly lingerMs = 0,
  ) {}

  /**
   * Queues the request made of `fields` for the next step, and resolves with its answer (its call's `send` settles
   * it) or rejects with its call's failure.
   */
  ask(fields: Omit<T, 'resolve' | 'reject'>): Promise<AnswerOf<T>> {
    return new Promise((resolve, reject) => {
      this.add({ ...fields, resolve, reject } as unknown as T);
    });
  }

  /** Queues a request for the next step; its `send` settles it. */
  add(request: T): void {
    this.waiting.push(request);
    if (this.waiting.length !== 1 || this.sending) return;
    if (this.lingerMs > 0) setTimeout(() => void this.drain(), this.lingerMs);
    else setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        const { calls, later = [] } = this.split(this.waiting);
        this.waiting = later;
        await Promise.all(
          calls.map((call) =>
            this.send(call).catch((err: unknown) => {
              for (const r of call) r.reject(err);
            }),
          ),
        );
      }
    } finally {
      this.sending = false;
    }
  }
}
