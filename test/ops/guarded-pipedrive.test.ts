import { afterAll, describe, expect, it } from 'vitest';
import { openGuardedPipedrive } from '../../src/ops/guarded-pipedrive.js';
import { keysFor } from '../../src/queue/names.js';
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

  it("pauses only its own company's workers when Pipedrive answers 429, and counts in that company's metrics", async () => {
    const sandbox = await startSandbox({ plan: 'lite' });
    cleanups.push(() => sandbox.close());
    const prefix = uniquePrefix('gpc');
    const guarded = await openGuardedPipedrive({
      redis,
      prefix,
      connection: 'acme',
      pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
      plan: 'lite',
      auth: 'api_token',
      dailyTokens: 30_000,
      rateLimit: false,
    });
    cleanups.push(() => guarded.close());
    await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        guarded.call('leadSources.list', (o) => guarded.api.getLeadSources(o)),
      ),
    );
    expect(sandbox.state().rateLimited).toBeGreaterThan(0);
    await guarded.close();
    const keys = keysFor(prefix);
    // acme's control hash holds the pause; default's (the workers of another company) does not.
    expect(Number(await redis.hget(keys.connectionControl('acme'), 'rateLimitedUntil'))).toBeGreaterThan(0);
    expect(await redis.hget(keys.connectionControl('default'), 'rateLimitedUntil')).toBeNull();
    expect(await redis.exists(keys.connectionMetrics('acme'))).toBe(1);
    expect(await redis.exists(keys.metrics)).toBe(0);
  }, 60_000);
});
