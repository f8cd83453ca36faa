import { DelayedError, RATE_LIMIT_ERROR, UnrecoverableError } from 'bullmq';

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

/**
 * The row's import went to another Pipedrive company than the one this worker's credentials belong to (the
 * connection's token was replaced by another company's): the row is dead-lettered without a call, since its
 * checkpointed person and organization ids, and everything it would create, belong to the other company.
 */
export class ImportCompanyMismatchError extends Error {
  override readonly name = 'ImportCompanyMismatchError';
  constructor(importId: string, recorded: number, served: number) {
    super(
      `Import ${importId} goes to Pipedrive company ${recorded}, but this worker's credentials for its connection belong to company ${served}: nothing was sent. Give the connection that company's credentials again and run \`lead-importer dlq retry --import ${importId}\`, or import the file again with another --import-id to send it to company ${served}.`,
    );
  }
}

export function isBudgetSpentError(err: unknown): err is BudgetSpentError {
  return err instanceof BudgetSpentError || (err as { name?: unknown } | null)?.name === 'BudgetSpentError';
}

/**
 * This runner no longer owns the row: its lease expired (a frozen process, an event-loop stall, a
 * Redis outage longer than the lock) and another runner may have taken it. The row stops at once
 * and writes nothing more: its checkpoints and outcome are the new owner's to write.
 */
export class RowLeaseLostError extends Error {
  override readonly name = 'RowLeaseLostError';
}

/**
 * Redis may have rolled back while the row was running (a restart or a failover, see
 * `durability-gate.ts`): what the row read before is not to be trusted, so it goes back to the
 * queue (no attempt spent) and starts again from its checkpoint once Pipedrive is reconciled.
 */
export class RowRestartError extends Error {
  override readonly name = 'RowRestartError';
}

export function isRowLeaseLostError(err: unknown): err is RowLeaseLostError {
  return err instanceof RowLeaseLostError || (err as { name?: unknown } | null)?.name === 'RowLeaseLostError';
}

export function isRowRestartError(err: unknown): err is RowRestartError {
  return err instanceof RowRestartError || (err as { name?: unknown } | null)?.name === 'RowRestartError';
}

/** BullMQ's `DelayedError`: the processor moved the job to delayed itself (a row held by another runner). */
export function isDelayedError(err: unknown): boolean {
  return err instanceof DelayedError || (err as { name?: unknown } | null)?.name === 'DelayedError';
}

/** `Worker.RateLimitError()`: the row goes back to the queue without spending an attempt. */
export function isRequeueError(err: unknown): boolean {
  return (err as { message?: unknown } | null)?.message === RATE_LIMIT_ERROR;
}

/** BullMQ's `UnrecoverableError`: the processor dead-lettered the row. */
export function isUnrecoverableError(err: unknown): boolean {
  return (
    err instanceof UnrecoverableError || (err as { name?: unknown } | null)?.name === 'UnrecoverableError'
  );
}
