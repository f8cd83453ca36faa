import Bottleneck from 'bottleneck';
import { describe, expect, it, vi } from 'vitest';
import { createCallLimiter, minTimeFor } from '../../src/worker/call-limiter.js';
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

  it('keeps letting calls go after a back-off and a new limit change its pace', async () => {
    const limiter = await createCallLimiter({ redis, id: uniquePrefix('lim'), burstLimit: 40, margin: 1 });
    try {
      const run = () =>
        Promise.all(Array.from({ length: 4 }, () => limiter.schedule('call', async () => Date.now())));
      expect(await run()).toHaveLength(4);
      for (let i = 0; i < 3; i++) limiter.backOff();
      expect(limiter.callsPerWindow).toBe(36);
      expect(await run()).toHaveLength(4);
      limiter.observeLimit(20);
      expect(await run()).toHaveLength(4);
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
  it('lets a call of more progress go before waiting calls of less, and calls of equal progress in their order', async () => {
    // 10 per 2 s: one call every 200 ms, the first at once.
    const limiter = await createCallLimiter({ redis, id: uniquePrefix('lim'), burstLimit: 10, margin: 1 });
    try {
      const order: string[] = [];
      const call = (name: string, progress?: number) =>
        limiter.schedule('call', async () => void order.push(name), progress);
      // Four rows' first calls; once the first has gone, the others wait while a row's second (10 tokens
      // spent) and third (20) and another's second come.
      const first = [call('a0'), call('b0'), call('c0'), call('d0')];
      await first[0];
      const later = [call('a10', 10), call('a20', 20), call('b10', 10)];
      await Promise.all([...first, ...later]);
      // The most progress first, the first-come among equals; the rows' first calls keep their order.
      expect(order).toEqual(['a0', 'a20', 'a10', 'b10', 'b0', 'c0', 'd0']);
    } finally {
      await limiter.close();
    }
  });

  it('lets calls go a group a slice of the window, one bottleneck job a slice, and keeps no timer once idle', async () => {
    // Every timer and the clock are faked, bottleneck's included: its `minTime` spaces the slices.
    vi.useFakeTimers();
    // 40 per 2 s: groups of 2 every 100 ms.
    const limiter = await createCallLimiter({ redis, id: uniquePrefix('lim'), burstLimit: 40, margin: 1 });
    const jobs = vi.spyOn(Bottleneck.prototype, 'schedule');
    try {
      const startedAt: number[] = [];
      const t0 = Date.now();
      const all = Promise.all(
        Array.from({ length: 7 }, () =>
          limiter.schedule('call', async () => void startedAt.push(Date.now() - t0)),
        ),
      );
      await vi.advanceTimersByTimeAsync(350);
      await all;
      // One group every 100 ms (bottleneck's own timers add a few ms to each).
      expect(startedAt[0]).toBeLessThan(10);
      expect(startedAt.map((t) => Math.round((t - startedAt[0]!) / 100))).toEqual([0, 0, 1, 1, 2, 2, 3]);
      // A job a slice (four), not one a group plus a refill each interval.
      expect(jobs).toHaveBeenCalledTimes(4);
      // The last slice let one of its two go: the other goes to a call that comes within its 100 ms, at once.
      let at = Date.now();
      await limiter.schedule('call', async () => {});
      expect(Date.now() - at).toBe(0);
      expect(jobs).toHaveBeenCalledTimes(4);
      // A connection with nothing to send has no timer waking it.
      await vi.advanceTimersByTimeAsync(1000);
      expect(vi.getTimerCount()).toBe(0);
      // After a quiet spell a call goes within bottleneck's few ms, in a slice of its own.
      at = Date.now();
      await Promise.all([limiter.schedule('call', async () => {}), vi.advanceTimersByTimeAsync(20)]);
      expect(jobs).toHaveBeenCalledTimes(5);
      expect(Date.now() - at).toBeLessThanOrEqual(20);
    } finally {
      jobs.mockRestore();
      await limiter.close();
      vi.useRealTimers();
    }
  });
});
