import { isRateLimitError, isRetryable, type PipedriveError } from '../pipedrive/errors.js';
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
  gateway: PipedriveGateway;
  ctx: CallContext;
}

/**
 * A create against an API without idempotency keys (pipedrive-api.md §9.5), exactly once: a
 * failure whose outcome is unknown (a timeout, a reset, a 5xx after the write) is followed by a
 * backoff and a look, and only what the look does not find is sent again. An answer that proves
 * nothing was created (a 4xx, a 429) ends it, telling the caller. The caller wrote an intent
 * before, so a process that dies in here leaves the next attempt something to look for.
 */
export async function createOnce<T>(options: CreateOnceOptions<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await options.send();
    } catch (err) {
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
