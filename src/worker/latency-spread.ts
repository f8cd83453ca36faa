/**
 * How long this process's recent requests took to reach Pipedrive and come back, for the
 * limiter's windows by arrival (see `ADMIT_LUA` in `budget-governor.ts`): the fastest answer
 * bounds how early a request can arrive (`leadMs`), the slowest how late one on the wire can
 * (`pendingMs`).
 *
 * Both come from round trips (send → answer), because arrival is not observable: a request
 * arrives at most a round trip after it is sent, and at least `leadMs` after it only if the
 * server's side of the fastest round trip was as fast. That holds when, as in the sandbox, the
 * latency lies on the way in; when half of it lies on the way back the arrival scores (answer
 * times) are late by as much, which makes up for it. A burst 429 despite this adds
 * {@link SAFETY_STEP_MS} to the safety until {@link QUIET_MS} pass without one.
 */

/** Round trips remembered. */
const SAMPLES = 64;
/** Round trips needed before the spread is trusted; until then {@link UNKNOWN_PENDING_MS} is assumed. */
const MIN_SAMPLES = 8;
/** What a request on the wire is assumed to take before any answer came back. */
export const UNKNOWN_PENDING_MS = 1000;
/** Subtracted from the fastest round trip: the server's handler and the answer's way back. */
export const BASE_SAFETY_MS = 10;
/** Added to the safety after each burst 429. */
export const SAFETY_STEP_MS = 25;
/** The safety never exceeds this. */
export const MAX_SAFETY_MS = 250;
/** A request is never assumed to stay on the wire longer than the window itself. */
export const MAX_PENDING_MS = 2000;
/** The safety returns to {@link BASE_SAFETY_MS} after this long without a burst 429. */
export const QUIET_MS = 30_000;

export class LatencySpread {
  private readonly samples: number[] = [];
  private next = 0;
  private safetyMs = BASE_SAFETY_MS;
  private last429At = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = Date.now) {}

  /** One answered request: `roundTripMs` from sending it to its answer. */
  record(roundTripMs: number): void {
    if (!Number.isFinite(roundTripMs) || roundTripMs < 0) return;
    if (this.samples.length < SAMPLES) this.samples.push(roundTripMs);
    else this.samples[this.next] = roundTripMs;
    this.next = (this.next + 1) % SAMPLES;
  }

  /** A burst 429 although the windows had room: assume requests can arrive earlier. */
  rejected(): void {
    this.safetyMs = Math.min(MAX_SAFETY_MS, this.currentSafety() + SAFETY_STEP_MS);
    this.last429At = this.now();
  }

  private currentSafety(): number {
    if (this.now() - this.last429At >= QUIET_MS) this.safetyMs = BASE_SAFETY_MS;
    return this.safetyMs;
  }

  /** The earliest a request arrives after it is sent, in ms: 0 until enough answers came back. */
  get leadMs(): number {
    if (this.samples.length < MIN_SAMPLES) return 0;
    return Math.max(0, Math.floor(Math.min(...this.samples) - this.currentSafety()));
  }

  /** The latest a request on the wire arrives after it is sent, in ms. */
  get pendingMs(): number {
    if (this.samples.length < MIN_SAMPLES) return UNKNOWN_PENDING_MS;
    return Math.min(MAX_PENDING_MS, Math.ceil(Math.max(...this.samples)));
  }
}
