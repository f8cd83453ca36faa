import { describe, expect, it } from 'vitest';
import { createCallLimiter, minTimeFor } from '../../src/worker/call-limiter.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

/** Most calls that started within any `windowMs`. */
function peakInWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let peak = 0;
  let from = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[from]! >= windowMs) from++;
    peak = Math.max(peak, i - from + 1);
  }
  return peak;
}

describe('createCallLimiter', () => {
  it('derives the spacing from the plan limit and the margin', () => {
    expect(minTimeFor(20, 0.9)).toBe(112);
    expect(minTimeFor(40, 1)).toBe(50);
  });

  it('spaces calls across two limiters sharing one id, as two worker processes would', async () => {
    const id = uniquePrefix('lim');
    // 10 requests per 2 s at margin 1 → one call every 200 ms, whichever process makes it.
    const [a, b] = await Promise.all([
      createCallLimiter({ redis, id, burstLimit: 10, margin: 1 }),
      createCallLimiter({ redis, id, burstLimit: 10, margin: 1 }),
    ]);
    try {
      const starts: number[] = [];
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? a : b).schedule('call', async () => {
            starts.push(Date.now());
          }),
        ),
      );
      expect(starts).toHaveLength(8);
      // Spacing is computed in Redis and applied with local timers, so gaps jitter by a few ms.
      expect(peakInWindow(starts, 950)).toBeLessThanOrEqual(5);
      const span = Math.max(...starts) - Math.min(...starts);
      expect(span).toBeGreaterThanOrEqual(7 * 200 - 50);
    } finally {
      await Promise.all([a.close(), b.close()]);
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

  it("keeps working when its state in Redis is gone (expired after idling, or lost with Redis's last writes)", async () => {
    const id = uniquePrefix('lim');
    const limiter = await createCallLimiter({ redis, id, burstLimit: 1000, margin: 1 });
    try {
      await limiter.schedule('call', async () => undefined);
      // What a 10-minute idle expiry or a Redis rollback leaves: no bottleneck keys for this id.
      const keys = await redis.keys(`b_${id}-*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
      await expect(limiter.schedule('call', async () => 'ran')).resolves.toBe('ran');
      await expect(limiter.schedule('search', async () => 'ran')).resolves.toBe('ran');
    } finally {
      await limiter.close();
    }
  });
});
