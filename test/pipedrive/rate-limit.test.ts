import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_AFTER_MS,
  MAX_BURST_RETRY_AFTER_MS,
  MAX_DAILY_RETRY_AFTER_MS,
  MIN_RETRY_AFTER_MS,
  parseRateLimitHeaders,
  parseRetryAfterSeconds,
  rateLimitScope,
  retryAfterMsFor,
} from '../../src/pipedrive/rate-limit.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('parseRateLimitHeaders', () => {
  it('reads every documented and reported header into numbers', () => {
    const headers = new Headers({
      'x-ratelimit-limit': '20',
      'x-ratelimit-remaining': '7',
      'x-ratelimit-reset': '2',
      'retry-after': '3',
      'x-daily-requests-left': '9998',
      'x-daily-ratelimit-token-limit': '30000',
      'x-daily-ratelimit-token-remaining': '29950',
    });
    expect(parseRateLimitHeaders(headers, NOW)).toEqual({
      limit: 20,
      remaining: 7,
      resetSeconds: 2,
      retryAfterSeconds: 3,
      dailyRequestsLeft: 9998,
      dailyTokenLimit: 30000,
      dailyTokenRemaining: 29950,
    });
  });

  it('leaves out headers that are absent, empty or not numbers', () => {
    const headers = new Headers({
      'x-ratelimit-limit': 'lots',
      'x-ratelimit-remaining': '',
      'x-ratelimit-reset': '1',
    });
    expect(parseRateLimitHeaders(headers, NOW)).toEqual({ resetSeconds: 1 });
  });

  it('reads headers case-insensitively, as fetch Headers do', () => {
    expect(parseRateLimitHeaders(new Headers({ 'X-RateLimit-Remaining': '0' }), NOW)).toEqual({
      remaining: 0,
    });
  });
});

describe('parseRetryAfterSeconds', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfterSeconds('120', NOW)).toBe(120);
  });

  it('reads an HTTP date as seconds from now, rounded up', () => {
    expect(parseRetryAfterSeconds('Sun, 01 Mar 2026 12:00:30 GMT', NOW)).toBe(30);
  });

  it('reads a date in the past as zero', () => {
    expect(parseRetryAfterSeconds('Sun, 01 Mar 2026 11:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores a missing or unreadable value', () => {
    expect(parseRetryAfterSeconds(null, NOW)).toBeUndefined();
    expect(parseRetryAfterSeconds('soon', NOW)).toBeUndefined();
    expect(parseRetryAfterSeconds('-5', NOW)).toBeUndefined();
  });
});

describe('rateLimitScope', () => {
  it('calls a 429 with no headers a burst', () => {
    expect(rateLimitScope({})).toBe('burst');
  });

  it('calls a 429 with an empty burst window a burst', () => {
    expect(rateLimitScope({ limit: 20, remaining: 0, dailyTokenRemaining: 120 })).toBe('burst');
  });

  it('calls a 429 with no daily tokens left the daily budget', () => {
    expect(rateLimitScope({ remaining: 0, dailyTokenRemaining: 0 })).toBe('daily');
  });

  it('calls a 429 while the burst window still has room the daily budget', () => {
    expect(rateLimitScope({ limit: 20, remaining: 13 })).toBe('daily');
  });

  it('calls a 429 a burst when the daily header shows tokens left, even with room in the window', () => {
    expect(rateLimitScope({ limit: 40, remaining: 1, dailyTokenRemaining: 50_000 })).toBe('burst');
  });

  it('does not read room in the window as the daily budget on a search call', () => {
    expect(rateLimitScope({ limit: 20, remaining: 13 }, { search: true })).toBe('burst');
    expect(rateLimitScope({ remaining: 13, dailyTokenRemaining: 0 }, { search: true })).toBe('daily');
  });

  it('calls a 429 with the legacy POST/PUT counter at zero the daily budget', () => {
    expect(rateLimitScope({ remaining: 0, dailyRequestsLeft: 0 })).toBe('daily');
  });
});

describe('retryAfterMsFor', () => {
  it('prefers Retry-After over x-ratelimit-reset', () => {
    expect(retryAfterMsFor({ retryAfterSeconds: 5, resetSeconds: 2 }, 'burst')).toBe(5_000);
  });

  it('falls back to x-ratelimit-reset', () => {
    expect(retryAfterMsFor({ resetSeconds: 2 }, 'burst')).toBe(2_000);
  });

  it('falls back to the 2-second window when neither header came', () => {
    expect(retryAfterMsFor({}, 'burst')).toBe(DEFAULT_RETRY_AFTER_MS);
  });

  it('never asks for an immediate retry', () => {
    expect(retryAfterMsFor({ retryAfterSeconds: 0 }, 'burst')).toBe(MIN_RETRY_AFTER_MS);
  });

  it('caps a burst wait and a daily wait separately', () => {
    expect(retryAfterMsFor({ retryAfterSeconds: 3600 }, 'burst')).toBe(MAX_BURST_RETRY_AFTER_MS);
    expect(retryAfterMsFor({ retryAfterSeconds: 30_000 }, 'daily')).toBe(MAX_DAILY_RETRY_AFTER_MS);
    expect(retryAfterMsFor({ retryAfterSeconds: 600 }, 'daily')).toBe(600_000);
  });
});
