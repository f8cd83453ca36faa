import { isRateLimitError } from './errors.js';

/** Burst 429s one call may meet before it fails. */
export const MAX_BURST_RETRIES = 20;

/** Longest wait for one burst 429, ms (Pipedrive's window is 2 s; its answer says how long). */
const MAX_BURST_WAIT_MS = 10_000;

/**
 * Runs `fn`, waiting out burst 429s as Pipedrive asks (`Retry-After` / the reset header), at most
 * {@link MAX_BURST_RETRIES} times; a spent daily budget, and every other error, fails at once.
 *
 * For the few calls made outside the workers' rolling windows: a dry run's reference reads (it touches no
 * Redis), and the `users/me` that names the company's budget for an import or an operator command before any
 * worker of the connection has published it. While something else uses a token's whole burst window, such a
 * call meets a 429 as a matter of course; it is an answer to wait for, not a failure of the import.
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
