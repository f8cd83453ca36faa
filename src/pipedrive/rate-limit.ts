import type { RateLimitInfo } from './types.js';

/** Anything with a case-insensitive `get`, like fetch's `Headers`. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** A 429 that is not the daily budget is the rolling 2-second window (pipedrive-api.md §3.4). */
export type RateLimitScope = 'burst' | 'daily';

/** Used when a 429 carries neither `Retry-After` nor `x-ratelimit-reset`: the length of the burst window. */
export const DEFAULT_RETRY_AFTER_MS = 2_000;
/**
 * Never ask for an immediate retry after a 429: a tight loop is what earns an API token Cloudflare's
 * HTML 403 block (pipedrive-api.md §3.6).
 */
export const MIN_RETRY_AFTER_MS = 1_000;
/** A burst window is 2 s; a server asking for more than this is capped so one odd header cannot park a worker. */
export const MAX_BURST_RETRY_AFTER_MS = 60_000;
/**
 * The daily budget resets at server midnight, which we cannot see. Waits are capped at an hour so the caller
 * looks again (and sees a fresh budget soon after midnight) rather than sleeping on a guess.
 */
export const MAX_DAILY_RETRY_AFTER_MS = 60 * 60_000;

/** Pipedrive's burst window, in seconds (pipedrive-api.md §3.4). */
const BURST_WINDOW_S = 2;
/**
 * After a reset given to the millisecond, the retry waits this much longer, so it lands after
 * the server's window has moved rather than on its edge.
 */
export const FINE_RESET_MARGIN_MS = 50;
/** The shortest wait after a 429 whose reset was given to the millisecond. */
export const MIN_FINE_RETRY_AFTER_MS = 100;

/**
 * `x-ratelimit-reset` in ms, by the value's form: its unit is undocumented and Pipedrive's only
 * example is `2` (pipedrive-api.md §3.5, §12.3). A fraction is seconds; a whole number up to 2
 * is seconds (the example; and if it were ms, waiting seconds is the safe misreading); a whole
 * number above 2 and up to 2,000 is milliseconds, because a 2-s window never resets more than
 * 2 s away; anything larger is seconds again (a longer limit's reset: waiting longer is safe).
 * `fine` says whether the value was finer than whole seconds. Exported for tests.
 */
export function resetMsOf(value: number): { ms: number; fine: boolean } | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  if (!Number.isInteger(value)) return { ms: Math.ceil(value * 1000), fine: true };
  if (value > BURST_WINDOW_S && value <= BURST_WINDOW_S * 1000) return { ms: value, fine: true };
  return { ms: value * 1000, fine: false };
}

function readNumber(headers: HeaderSource, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  return Number.isFinite(value) ? value : undefined;
}

/**
 * `Retry-After` in seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3), measured from `nowMs`.
 * A date in the past reads as 0; anything unreadable as `undefined`.
 */
export function parseRetryAfterSeconds(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  // An HTTP date names its month; without this, Date.parse would read "-5" as the year -5.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

/**
 * Reads Pipedrive's rate-limit headers (pipedrive-api.md §3.5). A header that is absent or unreadable leaves
 * its field out: the daily-token headers are undocumented and sometimes missing, so callers must treat every
 * field as optional.
 */
export function parseRateLimitHeaders(headers: HeaderSource, nowMs: number = Date.now()): RateLimitInfo {
  const info: RateLimitInfo = {};
  const limit = readNumber(headers, 'x-ratelimit-limit');
  if (limit !== undefined) info.limit = limit;
  const remaining = readNumber(headers, 'x-ratelimit-remaining');
  if (remaining !== undefined) info.remaining = remaining;
  const reset = readNumber(headers, 'x-ratelimit-reset');
  const resetRead = reset === undefined ? undefined : resetMsOf(reset);
  if (resetRead) {
    info.resetSeconds = resetRead.ms / 1000;
    if (resetRead.fine) info.resetIsFine = true;
  }
  const retryAfter = parseRetryAfterSeconds(headers.get('retry-after'), nowMs);
  if (retryAfter !== undefined) info.retryAfterSeconds = retryAfter;
  const dailyRequestsLeft = readNumber(headers, 'x-daily-requests-left');
  if (dailyRequestsLeft !== undefined) info.dailyRequestsLeft = dailyRequestsLeft;
  const dailyTokenLimit = readNumber(headers, 'x-daily-ratelimit-token-limit');
  if (dailyTokenLimit !== undefined) info.dailyTokenLimit = dailyTokenLimit;
  const dailyTokenRemaining = readNumber(headers, 'x-daily-ratelimit-token-remaining');
  if (dailyTokenRemaining !== undefined) info.dailyTokenRemaining = dailyTokenRemaining;
  return info;
}

/**
 * Which limit a 429 hit. Pipedrive sends no field that says so (pipedrive-api.md §3.6, §12.2), so this is a
 * heuristic: an exhausted daily token budget (`x-daily-ratelimit-token-remaining: 0`), an exhausted legacy
 * POST/PUT counter (`x-daily-requests-left: 0`), or a 429 while the burst window still has room
 * (`x-ratelimit-remaining > 0`, unless the daily token header shows tokens left) mean the daily budget;
 * anything else is the burst window.
 *
 * For a search call (`options.search`) the last rule is skipped: searches have their own 10-per-2-s window, and
 * which window the `x-ratelimit-*` headers describe on a search path is undocumented, so room in them proves
 * nothing. Calling a search-window 429 "daily" would park an import for an hour; calling a daily 429 "burst"
 * costs one short wait before the next call shows the empty budget.
 */
export function rateLimitScope(info: RateLimitInfo, options: { search?: boolean } = {}): RateLimitScope {
  if (info.dailyTokenRemaining === 0) return 'daily';
  if (info.dailyRequestsLeft === 0) return 'daily';
  // Tokens left today means the budget did not cause it, whatever the window shows: the window
  // may have moved on between the rejection and its headers. Mistaking a burst for the daily
  // budget would park an import until tomorrow; the reverse costs one short wait.
  if (info.dailyTokenRemaining !== undefined && info.dailyTokenRemaining > 0) return 'burst';
  if (!options.search && info.remaining !== undefined && info.remaining > 0) return 'daily';
  return 'burst';
}

/**
 * How long to wait after a 429: `Retry-After`, else `x-ratelimit-reset`, else {@link DEFAULT_RETRY_AFTER_MS}
 * (pipedrive-api.md §3.5), never less than {@link MIN_RETRY_AFTER_MS} and capped by scope.
 *
 * A burst window's reset given to the millisecond is the server's exact wait: it is used (plus
 * {@link FINE_RESET_MARGIN_MS}, at least {@link MIN_FINE_RETRY_AFTER_MS}) when there is no
 * `Retry-After`, or when `Retry-After` is the same wait rounded up to whole seconds. Waiting
 * the full second instead would stop every worker of the token for up to a second per 429.
 */
export function retryAfterMsFor(info: RateLimitInfo, scope: RateLimitScope = rateLimitScope(info)): number {
  const capMs = scope === 'daily' ? MAX_DAILY_RETRY_AFTER_MS : MAX_BURST_RETRY_AFTER_MS;
  const retryAfterMs = info.retryAfterSeconds === undefined ? undefined : info.retryAfterSeconds * 1000;
  const resetMs = info.resetSeconds === undefined ? undefined : Math.ceil(info.resetSeconds * 1000);
  if (scope === 'burst' && info.resetIsFine && resetMs !== undefined) {
    const sameWait = retryAfterMs === undefined || (resetMs <= retryAfterMs && resetMs > retryAfterMs - 1000);
    if (sameWait) return Math.min(capMs, Math.max(MIN_FINE_RETRY_AFTER_MS, resetMs + FINE_RESET_MARGIN_MS));
  }
  const askedMs = retryAfterMs ?? resetMs ?? DEFAULT_RETRY_AFTER_MS;
  return Math.min(capMs, Math.max(MIN_RETRY_AFTER_MS, Math.ceil(askedMs)));
}
