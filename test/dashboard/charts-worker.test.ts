import { describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { readMetrics, readMinuteCounts } from '../../src/metrics/recorder.js';
import type { ConnectionActivity } from '../../src/ops/connection-activity.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, jobsFor, sharedContactRows, testSandbox } from '../worker/helpers.js';

const redis = testRedis();

describe('the charts’ counts come from a real worker', () => {
  it('a worker importing into the sandbox leaves the leads per minute and the tokens the burn-down adds up', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix('chartswk');
    await enqueueImport(redis, prefix, 'imp-charts', jobsFor('imp-charts', sharedContactRows(12, 3, 5)));
    const worker = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: 'sandbox-token', timeoutMs: 2000 },
      rateLimit: false,
      retry: { callRetries: 2, callRetryMinMs: 10, callRetryMaxMs: 50 },
    });
    const ledger = new ImportLedger(redis, prefix);
    try {
      await worker.ready;
      await eventually(
        async () => ((await ledger.getImport('imp-charts'))?.state === 'completed' ? true : undefined),
        { what: 'the import to complete' },
      );
    } finally {
      // Closing flushes the metrics recorder.
      await worker.close();
    }

    const now = Date.now();
    const minutes = await readMinuteCounts(redis, prefix, 'default', now - 10 * 60_000, now);
    const perMinuteTokens = minutes.tokens.reduce((a, b) => a + b, 0);
    const counters = await readMetrics(redis, prefix);
    const chargedTokens = Object.entries(counters)
      .filter(([k]) => k.startsWith('tokens|'))
      .reduce((a, [, v]) => a + v, 0);
    expect(minutes.leads.reduce((a, b) => a + b, 0)).toBe(12);
    expect(perMinuteTokens).toBeGreaterThan(0);
    // The per-minute tokens are the same charges as the metrics' counters.
    expect(perMinuteTokens).toBe(chargedTokens);

    const dashboard: Dashboard = await startDashboard({
      redis,
      prefix,
      limits: { burstPer2s: 20, dailyTokens: 30_000 },
      port: 0,
    });
    try {
      const body = (await (await fetch(`${dashboard.url}/api/connections`)).json()) as {
        connections: ConnectionActivity[];
      };
      const [only] = body.connections;
      expect(only?.connection).toBe('default');
      expect(only?.leadsPerMinute.total).toBe(12);
      expect(only?.state).toBe('idle');
      // The budget the worker published and counted, drawn up to what it counts: the same charges, give or take
      // the start-up `/users/me` (2 tokens; counted in the budget or not depending on when its answer lands
      // relative to the governor's start — seen both ways).
      expect(counters['tokens|users.me']).toBe(2);
      expect(only?.budget?.used).toBeGreaterThanOrEqual(perMinuteTokens - 2);
      expect(only?.budget?.used).toBeLessThanOrEqual(perMinuteTokens);
      expect(only?.budget?.spent.every((p) => p.used <= (only?.budget?.used ?? 0))).toBe(true);
      expect(only?.budget?.spent.at(-1)?.used).toBe(only?.budget?.used);
      expect(only?.budget?.projection.verdict).toBe('lasts-the-day');
    } finally {
      await dashboard.close();
    }
  }, 60_000);
});
