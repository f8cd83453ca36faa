/**
 * Where an import's time goes against the physical limit, from the sandbox's request log: the
 * start before the first request, the span of requests, the tail after the last one, and inside
 * the span how full the server's rolling window was and how long 429s stopped everyone.
 */
import type { RequestLogEntry } from '../../src/sandbox/index.js';

const WINDOW_MS = 2000;

export interface PacingBreakdown {
  /** Producer start → the first import request the server admitted. */
  startMs: number;
  /** First → last admitted import request. */
  spanMs: number;
  /** Last admitted request → the last row's outcome. */
  tailMs: number;
  admitted: number;
  rejected: number;
  /** What `admitted` requests need at the limit (n × 2 s ÷ limit). */
  idealSpanMs: number;
  /** Mean of the server's window count seen by each admitted request (itself included) ÷ limit. */
  meanFill: number;
  /** Admitted requests that found the window full to the limit (the fill was exactly `limit`). */
  atLimit: number;
  /**
   * Time no request was admitted after a 429, beyond the even spacing (2 s ÷ limit): what the
   * pauses after 429s cost.
   */
  after429Ms: number;
  /** Gaps between admitted requests longer than 250 ms that did not follow a 429 (stalls). */
  stallMs: number;
  /** Admitted requests per 2-s bucket from the first one (for a timeline). */
  perBucket: number[];
}

/**
 * The server admits a request when its latency has passed, just before it answers: `at + ms` is
 * the admission time to within the handler's few milliseconds (the log's `at` is the arrival,
 * before the simulated latency).
 */
export function admittedAt(entry: RequestLogEntry): number {
  return entry.at + entry.ms;
}

export function pacingBreakdown(
  log: RequestLogEntry[],
  options: { limitPer2s: number; startedAtMs: number; endedAtMs: number },
): PacingBreakdown {
  const requests = log
    .filter((e) => !e.path.startsWith('/_sandbox'))
    .map((e) => ({ t: admittedAt(e), ok: e.status !== 429 }))
    .sort((a, b) => a.t - b.t);
  const admitted = requests.filter((r) => r.ok).map((r) => r.t);
  const first = admitted[0] ?? options.startedAtMs;
  const last = admitted.at(-1) ?? first;
  const spacing = WINDOW_MS / options.limitPer2s;

  let fillSum = 0;
  let atLimit = 0;
  let head = 0;
  for (let i = 0; i < admitted.length; i++) {
    const t = admitted[i] as number;
    while ((admitted[head] as number) <= t - WINDOW_MS) head++;
    const fill = i - head + 1;
    fillSum += fill;
    if (fill >= options.limitPer2s) atLimit++;
  }

  let after429Ms = 0;
  let stallMs = 0;
  let lastOk: number | undefined;
  let sawReject = false;
  for (const r of requests) {
    if (!r.ok) {
      sawReject = true;
      continue;
    }
    if (lastOk !== undefined) {
      const extra = r.t - lastOk - spacing;
      if (sawReject && extra > 0) after429Ms += extra;
      else if (r.t - lastOk > 250) stallMs += extra;
    }
    sawReject = false;
    lastOk = r.t;
  }

  const perBucket: number[] = [];
  for (const t of admitted) {
    const b = Math.floor((t - first) / WINDOW_MS);
    perBucket[b] = (perBucket[b] ?? 0) + 1;
  }
  return {
    startMs: first - options.startedAtMs,
    spanMs: last - first,
    tailMs: options.endedAtMs - last,
    admitted: admitted.length,
    rejected: requests.length - admitted.length,
    idealSpanMs: (admitted.length * WINDOW_MS) / options.limitPer2s,
    meanFill: admitted.length ? fillSum / admitted.length / options.limitPer2s : 0,
    atLimit,
    after429Ms,
    stallMs,
    perBucket: Array.from(perBucket, (n) => n ?? 0),
  };
}
