import { afterAll, describe, expect, it } from 'vitest';
import { openGuardedPipedrive } from '../../src/ops/guarded-pipedrive.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

describe("operators' calls on the workers' path", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('waits out a burst 429 and tries again instead of failing the call', async () => {
    const sandbox = await startSandbox({ plan: 'lite' });
    cleanups.push(() => sandbox.close());
    const guarded = await openGuardedPipedrive({
      redis,
      prefix: uniquePrefix(),
      pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
      plan: 'lite',
      auth: 'api_token',
      dailyTokens: 30_000,
      // No client-side spacing: 30 calls at once must meet Lite's 20 per 2 s.
      rateLimit: false,
    });
    cleanups.push(() => guarded.close());

    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        guarded.call('leadSources.list', (o) => guarded.api.getLeadSources(o)),
      ),
    );
    expect(sandbox.state().rateLimited).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  }, 60_000);

  it("counts its calls in the workers' burst window, under the workers' prefix", async () => {
    const sandbox = await startSandbox({ limits: false });
    cleanups.push(() => sandbox.close());
    const prefix = uniquePrefix('gp');
    const guarded = await openGuardedPipedrive({
      redis,
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
      plan: 'lite',
      auth: 'api_token',
      dailyTokens: 30_000,
    });
    cleanups.push(() => guarded.close());
    await guarded.call('leadSources.list', (o) => guarded.api.getLeadSources(o));
    const windows = await redis.keys(`*:window:${prefix}-*`);
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((k) => k.startsWith(`${prefix}:`))).toBe(true);
  }, 30_000);
});
