import { STATUS_CODES } from 'node:http';
import type { Logger } from '../logging/logger.js';
import type { ResponseEvent } from '../pipedrive/types.js';

/** How long every call must have failed before the streak is published. */
export const FAILING_AFTER_MS = 5000;
/** Least time between two writes of a published streak (its last failure and reason) by one worker. */
const REWRITE_EVERY_MS = 1000;

/** The control hash's fields a streak is published in (worker/control.ts reads them). */
export const FAILING_FIELDS = ['failingSince', 'failingAt', 'failingReason'] as const;

export interface FailureStreakOptions {
  /** Writes the fields to the connection's control hash. */
  publish(fields: Record<(typeof FAILING_FIELDS)[number], string>): Promise<unknown>;
  /** Removes them. */
  clear(): Promise<unknown>;
  logger: Logger;
  /** @defaultValue {@link FAILING_AFTER_MS} */
  afterMs?: number;
  now?: () => number;
}

/**
 * Tells operators that Pipedrive fails every call of a connection: after {@link FAILING_AFTER_MS} of 5xx answers and
 * calls that got none (timeouts, resets, refused connections), with no other answer between, the streak goes to the
 * connection's control hash, where `status` and the imports page read it; the next answer removes it. Without it,
 * rows retried with back-off (or a worker whose start-up check keeps failing) read as "running, ETA 11 s" for as
 * long as their attempts last.
 *
 * It writes nothing while calls succeed, nor for failures among successes (a 5xx now and then is retried and is
 * no streak); a 429 and a call the worker itself aborted say nothing either way. Fed by the client's
 * `onResponse` hook, synchronously: the writes are sent without waiting, in order on the worker's Redis connection.
 */
export class FailureStreak {
  readonly #options: FailureStreakOptions;
  readonly #afterMs: number;
  readonly #now: () => number;
  /** When the current streak's first failure came; undefined while calls get answers. */
  #since: number | undefined;
  #published = false;
  #writtenAt = 0;

  constructor(options: FailureStreakOptions) {
    this.#options = options;
    this.#afterMs = options.afterMs ?? FAILING_AFTER_MS;
    this.#now = options.now ?? Date.now;
  }

  observe(event: ResponseEvent): void {
    const reason = failureReason(event);
    if (reason === null) return;
    if (reason === undefined) {
      this.#since = undefined;
      if (this.#published) {
        this.#published = false;
        this.#send(this.#options.clear(), 'clear');
      }
      return;
    }
    const now = this.#now();
    this.#since ??= now;
    if (now - this.#since < this.#afterMs) return;
    if (this.#published && now - this.#writtenAt < REWRITE_EVERY_MS) return;
    this.#published = true;
    this.#writtenAt = now;
    this.#send(
      this.#options.publish({
        failingSince: String(this.#since),
        failingAt: String(now),
        failingReason: reason,
      }),
      'publish',
    );
  }

  /** Removes a published streak (the connection stops): another worker still failing publishes it again. */
  async close(): Promise<void> {
    if (!this.#published) return;
    this.#published = false;
    this.#since = undefined;
    await this.#options.clear().catch(() => {});
  }

  #send(write: Promise<unknown>, what: string): void {
    write.catch((err: unknown) => this.#options.logger.debug({ err }, `Could not ${what} the failing calls`));
  }
}

/**
 * What a call's event says of Pipedrive: a failure's one-line reason, `undefined` when Pipedrive answered (any status
 * but 5xx and 429), `null` when it says nothing (a 429 has its own pause; a call aborted here or never built).
 */
export function failureReason(event: ResponseEvent): string | undefined | null {
  const { status, method, path } = event;
  if (status === 429) return null;
  if (status >= 500) return `${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() + ` to ${method} ${path}`;
  if (status !== 0) return undefined;
  if (event.failure === 'timeout') return `no answer to ${method} ${path} in time (timeout)`;
  if (event.failure === 'network' || event.failure === undefined) {
    return `no answer to ${method} ${path} (${networkFailure(event.errorCode)})`;
  }
  return null;
}

/** Why a call got no answer, from its system error code: where to look first (DNS, a firewall, the server). */
function networkFailure(code: string | undefined): string {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `its host name did not resolve: ${code}`;
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return `connection reset: ${code}`;
    case 'ETIMEDOUT':
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return `not reachable: ${code}`;
    default:
      return `connection refused, reset or closed${code ? `: ${code}` : ''}`;
  }
}
