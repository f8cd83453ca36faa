import { afterEach, describe, expect, it } from 'vitest';
import {
  FINE_RESET_MARGIN_MS,
  MIN_FINE_RETRY_AFTER_MS,
  MIN_RETRY_AFTER_MS,
  parseRateLimitHeaders,
  resetMsOf,
  retryAfterMsFor,
} from '../../src/pipedrive/rate-limit.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { manualClock, sandboxClient } from '../sandbox/sandbox-client.js';

const headers = (h: Record<string, string>) => new Headers(h);

describe('x-ratelimit-reset, whose unit Pipedrive does not document', () => {
  it('reads a whole number up to 2 as seconds, as the docs example', () => {
    expect(resetMsOf(2)).toEqual({ ms: 2000, fine: false });
    expect(resetMsOf(1)).toEqual({ ms: 1000, fine: false });
    expect(resetMsOf(0)).toEqual({ ms: 0, fine: false });
  });

  it('reads a fraction as seconds to the millisecond', () => {
    expect(resetMsOf(0.35)).toEqual({ ms: 350, fine: true });
    expect(resetMsOf(1.0005)).toEqual({ ms: 1001, fine: true });
  });

  it('reads a whole number above 2 and up to 2,000 as milliseconds: a 2-s window never resets further away', () => {
    expect(resetMsOf(3)).toEqual({ ms: 3, fine: true });
    expect(resetMsOf(350)).toEqual({ ms: 350, fine: true });
    expect(resetMsOf(2000)).toEqual({ ms: 2000, fine: true });
  });

  it('reads anything larger as seconds again (waiting longer is the safe misreading)', () => {
    expect(resetMsOf(2001)).toEqual({ ms: 2_001_000, fine: false });
  });

  it('refuses negatives and non-numbers', () => {
    expect(resetMsOf(-1)).toBeUndefined();
    expect(resetMsOf(Number.NaN)).toBeUndefined();
  });

  it('keeps whole seconds as before, and marks a finer value', () => {
    expect(parseRateLimitHeaders(headers({ 'x-ratelimit-reset': '2' }))).toEqual({ resetSeconds: 2 });
    expect(parseRateLimitHeaders(headers({ 'x-ratelimit-reset': '350' }))).toEqual({
      resetSeconds: 0.35,
      resetIsFine: true,
    });
  });
});

describe('the wait after a burst 429 with a fine reset', () => {
  it('waits the exact reset plus a margin when Retry-After is the same wait in whole seconds', () => {
    const info = parseRateLimitHeaders(headers({ 'x-ratelimit-reset': '350', 'retry-after': '1' }));
    expect(retryAfterMsFor(info, 'burst')).toBe(350 + FINE_RESET_MARGIN_MS);
  });

  it('waits the exact reset when there is no Retry-After, never less than the fine minimum', () => {
    expect(retryAfterMsFor(parseRateLimitHeaders(headers({ 'x-ratelimit-reset': '700' })), 'burst')).toBe(
      700 + FINE_RESET_MARGIN_MS,
    );
    expect(retryAfterMsFor(parseRateLimitHeaders(headers({ 'x-ratelimit-reset': '3' })), 'burst')).toBe(
      MIN_FINE_RETRY_AFTER_MS,
    );
  });

  it('honours a Retry-After that asks for longer than the reset', () => {
    const info = parseRateLimitHeaders(headers({ 'x-ratelimit-reset': '350', 'retry-after': '5' }));
    expect(retryAfterMsFor(info, 'burst')).toBe(5000);
  });

  it('keeps the 1-s minimum for whole-second resets and for daily 429s', () => {
    expect(retryAfterMsFor(parseRateLimitHeaders(headers({ 'x-ratelimit-reset': '1' })), 'burst')).toBe(
      MIN_RETRY_AFTER_MS,
    );
    const daily = parseRateLimitHeaders(headers({ 'x-ratelimit-reset': '350', 'retry-after': '1' }));
    expect(retryAfterMsFor(daily, 'daily')).toBe(1000);
  });
});

describe('the sandbox knob for the reset unit', () => {
  let sandbox: RunningSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('sends x-ratelimit-reset in milliseconds when asked, and the client waits just that long', async () => {
    const clock = manualClock();
    sandbox = await startSandbox({ now: clock.now, rateLimitResetUnit: 'milliseconds' });
    const api = sandboxClient(sandbox);
    for (let i = 0; i < 20; i++) expect((await api.get('/v1/users/me')).status).toBe(200);
    clock.advance(1650);
    const limited = await api.get('/v1/users/me');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-reset')).toBe('350');
    expect(limited.headers.get('retry-after')).toBe('1');
    const info = parseRateLimitHeaders(limited.headers);
    expect(retryAfterMsFor(info, 'burst')).toBe(350 + FINE_RESET_MARGIN_MS);
  });
});
