import type { Logger } from '../logging/logger.js';

/**
 * The steps of one shutdown, each waited for until a common deadline at most. Every step runs, even past the
 * deadline (its synchronous part stops timers), but none is waited for then: BullMQ's close, a queue's close or
 * `quit` wait for Redis, which may never answer. What failed and what was cut short are kept for the account
 * the shutdown gives at its end.
 */
export class ShutdownSteps {
  /** Errors of steps that failed (each logged once). */
  readonly failed: unknown[] = [];
  /** Steps not finished by the deadline. */
  readonly cut: string[] = [];

  constructor(
    /** Epoch ms by which every step must have ended. */
    readonly deadline: number,
    private readonly logger: Logger,
  ) {}

  /** Runs one step; true when it ended (or failed) in time, false when the deadline cut it short. */
  async run(what: string, fn: () => Promise<unknown> | unknown): Promise<boolean> {
    try {
      const done = await settlesWithin(fn(), this.deadline - Date.now());
      if (!done) this.cut.push(what);
      return done;
    } catch (err) {
      this.failed.push(err);
      this.logger.warn({ err }, `Shutdown step failed: ${what}`);
      return true;
    }
  }
}

/** Whether `work` settles within `ms` (a rejection counts as settled and is thrown). */
export async function settlesWithin(work: unknown, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([Promise.resolve(work).then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
