import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallSpacer, createCallLimiter, minTimeFor } from '../../src/worker/call-limiter.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { peakInWindow } from './helpers.js';

const redis = testRedis();

describe('createCallLimiter', () => {
  it('derives the spacing from the plan limit and the margin', () => {
    expect(minTimeFor(20, 0.9)).toBe(112);
    expect(minTimeFor(40, 1)).toBe(50);
  });

  it("spaces one process's calls by the window, keeping nothing in Redis itself", async () => {
    const id = uniquePrefix('lim');
    // 10 requests per 2 s at margin 1 → one call every 200 ms. Across processes the admission's
    // windows hold the token's limit (test/worker/shared-window.test.ts).
    const limiter = await createCallLimiter({ redis, id, burstLimit: 10, margin: 1 });
    try {
      const starts: number[] = [];
      await Promise.all(
        Array.from({ length: 8 }, () =>
          limiter.schedule('call', async () => {
            starts.push(Date.now());
          }),
        ),
      );
      expect(starts).toHaveLength(8);
      // Spacing is applied with local timers, so gaps jitter by a few ms.
      expect(peakInWindow(starts, 950)).toBeLessThanOrEqual(5);
      const span = Math.max(...starts) - Math.min(...starts);
      expect(span).toBeGreaterThanOrEqual(7 * 200 - 50);
      // Bottleneck's Redis datastore (its `b_<id>…` keys) cost ≈ 48 commands per call.
      expect(await redis.keys(`*${id}*`)).toEqual([]);
    } finally {
      await limiter.close();
    }
  });

  it('holds searches to the search window even when the token window has room', async () => {
    const limiter = await createCallLimiter({
      redis,
      id: uniquePrefix('lim'),
      burstLimit: 1000,
      searchLimit: 10,
      margin: 1,
    });
    try {
      const starts: number[] = [];
      await Promise.all(
        Array.from({ length: 4 }, () => limiter.schedule('search', async () => void starts.push(Date.now()))),
      );
      const span = Math.max(...starts) - Math.min(...starts);
      expect(span).toBeGreaterThanOrEqual(3 * 200 - 50);
    } finally {
      await limiter.close();
    }
  });
});

describe('CallSpacer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Schedules a call that records when it started (fake clock) and returns its number. */
  function call(spacer: CallSpacer, starts: number[], n: number) {
    return spacer.schedule(async () => {
      starts.push(Date.now());
      return n;
    });
  }

  it('starts calls in order, each minTime after the one before; a new minTime spaces the calls after it', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const spacer = new CallSpacer(200);
    const starts: number[] = [];
    const first = [1, 2, 3].map((n) => call(spacer, starts, n));
    // Never in the caller's own turn, even with no wait.
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([1_000_000]);
    await vi.advanceTimersByTimeAsync(400);
    expect(starts).toEqual([1_000_000, 1_000_200, 1_000_400]);
    expect(await Promise.all(first)).toEqual([1, 2, 3]);

    // The third call reserved 1_000_400 + 200; the new spacing applies from the next one on.
    spacer.minTime = 50;
    const later = [4, 5].map((n) => call(spacer, starts, n));
    await vi.advanceTimersByTimeAsync(250);
    expect(starts.slice(3)).toEqual([1_000_600, 1_000_650]);
    expect(await Promise.all(later)).toEqual([4, 5]);

    // A quiet spell: the next call starts at once.
    await vi.advanceTimersByTimeAsync(5_000);
    const alone = call(spacer, starts, 6);
    await vi.advanceTimersByTimeAsync(0);
    expect(starts.at(-1)).toBe(1_005_650);
    expect(await alone).toBe(6);
  });

  it('once stopped refuses new calls, and runs those already waiting in their turn', async () => {
    vi.useFakeTimers({ now: 0 });
    const spacer = new CallSpacer(100);
    const starts: number[] = [];
    const waiting = [1, 2].map((n) => call(spacer, starts, n));
    spacer.stop();
    await expect(call(spacer, starts, 3)).rejects.toThrow(/closed/);
    await vi.advanceTimersByTimeAsync(100);
    expect(await Promise.all(waiting)).toEqual([1, 2]);
    expect(starts).toEqual([0, 100]);
  });

  it('passes a failed call on to its caller and keeps the spacing', async () => {
    vi.useFakeTimers({ now: 0 });
    const spacer = new CallSpacer(100);
    const failed = spacer.schedule(async () => {
      throw new Error('HTTP 500');
    });
    const starts: number[] = [];
    const next = call(spacer, starts, 2);
    await expect(failed).rejects.toThrow('HTTP 500');
    await vi.advanceTimersByTimeAsync(100);
    expect(await next).toBe(2);
    expect(starts).toEqual([100]);
  });
});
