/**
 * Signals the processor turns into queue actions. Like BullMQ's own errors, each is named for
 * what happens next, and is recognised by `instanceof` or by `name`.
 */

/** The daily budget is spent: the row waits for the next budget day (no attempt spent). */
export class BudgetSpentError extends Error {
  override readonly name = 'BudgetSpentError';
  constructor(
    readonly untilMs: number,
    readonly used: number,
    readonly limit: number,
  ) {
    super(
      `Daily token budget spent (${used} of ${limit} tokens); waiting until ${new Date(untilMs).toISOString()}`,
    );
  }
}

/** Another worker held a contact's creation lock for too long: retry the row later. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

export function isBudgetSpentError(err: unknown): err is BudgetSpentError {
  return err instanceof BudgetSpentError || (err as { name?: unknown } | null)?.name === 'BudgetSpentError';
}
