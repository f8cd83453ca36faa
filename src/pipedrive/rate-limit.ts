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
  if (reset !== undefined) info.resetSeconds = reset;
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
 */
export function retryAfterMsFor(info: RateLimitInfo, scope: RateLimitScope = rateLimitScope(info)): number {
  const seconds = info.retryAfterSeconds ?? info.resetSeconds;
  const askedMs = seconds === undefined ? DEFAULT_RETRY_AFTER_MS : Math.ceil(seconds * 1000);
  const capMs = scope === 'daily' ? MAX_DAILY_RETRY_AFTER_MS : MAX_BURST_RETRY_AFTER_MS;
  return Math.min(capMs, Math.max(MIN_RETRY_AFTER_MS, askedMs));
}
