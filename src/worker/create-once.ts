import { isRateLimitError, isRetryable, type PipedriveError } from '../pipedrive/errors.js';
import { isRowLeaseLostError, isRowRestartError } from './errors.js';
import type { CallContext, PipedriveGateway } from './pipedrive-gateway.js';

export interface CreateOnceOptions<T> {
  /** Sends the create (once: the gateway must not retry it). */
  send: () => Promise<T>;
  /** Looks for what an earlier send may have created; undefined when it did not. */
  find: () => Promise<T | undefined>;
  /** Told when an answer proves nothing was created, so the caller's intent can go. */
  onNotCreated: () => Promise<void>;
  /** Extra sends after a failure whose outcome is unknown (each preceded by a look). */
  retries: number;
  /**
   * A check of the caller's own before each send, after the row's guard (a contact's creation lock still
   * held; the resolver checks the lock for the first send as it writes the intent, before the guard).
   */
  beforeCreate?: () => Promise<void>;
  gateway: PipedriveGateway;
  ctx: CallContext;
}

/**
 * A create against an API without idempotency keys (pipedrive-api.md §9.5), exactly once: a
 * failure whose outcome is unknown (a timeout, a reset, a 5xx after the write) is followed by a
 * backoff and a look, and only what the look does not find is sent again. An answer that proves
 * nothing was created (a 4xx, a 429) ends it, telling the caller. The caller wrote an intent
 * before, so a process that dies in here leaves the next attempt something to look for.
 *
 * Before each send, the row's guard (`ctx.guard`) waits while Redis may have rolled back and
 * makes the intent durable where the server can; the gateway checks the row's lease right before
 * the request leaves.
 */
export async function createOnce<T>(options: CreateOnceOptions<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      await options.ctx.guard?.beforeCreate();
    } catch (err) {
      // Stopped before anything was sent: the intent can go, so the row's next run need not wait
      // for a create that never left. (A lost lease writes nothing: the intent is the next owner's.)
      if (attempt === 0 && isRowRestartError(err)) await options.onNotCreated();
      throw err;
    }
    await options.beforeCreate?.();
    try {
      return await options.send();
    } catch (err) {
      if (attempt === 0 && isRowRestartError(err)) await options.onNotCreated();
      if (isRowRestartError(err) || isRowLeaseLostError(err)) throw err;
      const unknownOutcome = isRetryable(err) || (err as PipedriveError)?.outcomeUnknown === true;
      if (!unknownOutcome || isRateLimitError(err)) {
        await options.onNotCreated();
        throw err;
      }
      if (!isRetryable(err) || attempt >= options.retries) throw err;
      await options.gateway.backoff(attempt + 1, options.ctx.signal);
      const found = await options.find();
      if (found !== undefined) return found;
    }
  }
}
