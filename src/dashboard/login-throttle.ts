export interface LoginThrottleOptions {
  /** Failed logins (requests with wrong credentials) one client address may make per window. @defaultValue 10 */
  maxFailures?: number;
  /** Length of the window, in ms, counted from the first failure in it. @defaultValue 60000 (1 min) */
  windowMs?: number;
  /** Clock, in ms since the epoch. @defaultValue `Date.now` */
  now?: () => number;
}

/** Addresses tracked at once; beyond this, expired entries go first, then the oldest ones. */
const MAX_TRACKED = 10_000;

/**
 * Counts failed Basic-auth logins per client address and says how long an address must wait once it has
 * used up its failures. While it waits, every request from it is refused, right credentials included:
 * otherwise a guesser could keep guessing and tell a hit by the answer. In memory, per process.
 */
export class LoginThrottle {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, { count: number; resetAt: number }>();

  constructor(options: LoginThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxFailures) || this.maxFailures < 1) {
      throw new TypeError(`maxFailures must be a whole number ≥ 1, got ${this.maxFailures}`);
    }
    if (!Number.isFinite(this.windowMs) || this.windowMs <= 0) {
      throw new TypeError(`windowMs must be a positive number of milliseconds, got ${this.windowMs}`);
    }
  }

  /** How long `client` must wait before it may try again, in ms; 0 when it may try now. */
  retryAfterMs(client: string): number {
    const entry = this.#failures.get(client);
    if (!entry) return 0;
    const left = entry.resetAt - this.#now();
    if (left <= 0) {
      this.#failures.delete(client);
      return 0;
    }
    return entry.count >= this.maxFailures ? left : 0;
  }

  /** Records a failed login; returns true when this failure used up the client's allowance. */
  recordFailure(client: string): boolean {
    const now = this.#now();
    let entry = this.#failures.get(client);
    if (!entry || entry.resetAt <= now) {
      this.#prune(now);
      entry = { count: 0, resetAt: now + this.windowMs };
      this.#failures.set(client, entry);
    }
    entry.count++;
    return entry.count === this.maxFailures;
  }

  #prune(now: number): void {
    if (this.#failures.size < MAX_TRACKED) return;
    for (const [client, entry] of this.#failures) if (entry.resetAt <= now) this.#failures.delete(client);
    // Still full (a flood of addresses): forget the oldest, which are the closest to expiring anyway.
    for (const client of this.#failures.keys()) {
      if (this.#failures.size < MAX_TRACKED) break;
      this.#failures.delete(client);
    }
  }
}
