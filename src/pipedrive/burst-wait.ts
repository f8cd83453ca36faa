import { isRateLimitError } from './errors.js';

/** Burst 429s one call may meet before it fails. */
export const MAX_BURST_RETRIES = 20;

/** Longest wait for one burst 429, ms (Pipedrive's window is 2 s; its answer says how long). */
const MAX_BURST_WAIT_MS = 10_000;

/**
 * Runs `fn`, waiting out burst 429s as Pipedrive asks (`Retry-After` / the reset header), at most
 * {@link MAX_BURST_RETRIES} times; a spent daily budget, and every other error, fails at once.
 *
 * For the few calls made outside the workers' rolling windows: the producer's reference reads and an
 * operator command's first call. While workers use a token's whole burst window, such a call meets a
 * 429 as a matter of course; it is an answer to wait for, not a failure of the import.
 */
export async function afterBursts<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRateLimitError(err) || err.scope === 'daily' || attempt >= MAX_BURST_RETRIES) throw err;
      await new Promise((r) => setTimeout(r, Math.min(Math.max(err.retryAfterMs, 100), MAX_BURST_WAIT_MS)));
    }
  }
}
