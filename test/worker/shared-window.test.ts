import { describe, expect, it } from 'vitest';
import { burstLimitPer2s } from '../../src/config/config.js';
import { openGuardedPipedrive } from '../../src/ops/guarded-pipedrive.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { sleep } from '../../src/worker/sleep.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { admittedAt, peakInWindow, testSandbox, workerGateway } from './helpers.js';

const WINDOW_MS = 2000;

describe('one burst window in Redis for every process on a token', () => {
  it("keeps a worker's calls and an operator command's calls, on separate Redis clients, within the token's window", async () => {
    // Lite: 20 requests per 2 s. Each side alone is spaced by its own (local) limiter at 20 per 2 s,
    // so together they would send 40 per 2 s if the admission's windows did not hold them.
    const sandbox = await testSandbox({ plan: 'lite', latencyMs: 20, requestLogSize: 1000 });
    const prefix = uniquePrefix('win');
    const pipedrive = { baseUrl: sandbox.url, apiToken: sandbox.apiToken };
    const limit = burstLimitPer2s('lite', 'api_token');

    // The worker's side, as `connection-worker.ts` builds it, on its own Redis client.
    const { limiter, gateway } = await workerGateway({
      redis: testRedis(),
      prefix,
      pipedrive,
      companyKey: 'c1',
      margin: 1,
      reserve: 0,
    });
    const api = new PipedriveClient(pipedrive);
    // An operator command (`revert`, `verify`, `dlq retry`) beside it, on another client.
    const operator = await openGuardedPipedrive({
      redis: testRedis(),
      prefix,
      pipedrive,
      plan: 'lite',
      auth: 'api_token',
      dailyTokens: 30_000,
      rateLimitMargin: 1,
    });
    try {
      // The operator's `GET /users/me` is sent before its limiter exists: let it leave the window.
      await sleep(WINDOW_MS + 100);
      const startedAt = Date.now();
      const calls = 30;
      const results = await Promise.allSettled([
        ...Array.from({ length: calls }, () =>
          gateway.call('leadSources.list', { tokens: 0 }, (o) => api.getLeadSources(o)),
        ),
        ...Array.from({ length: calls }, () =>
          operator.call('leadSources.list', (o) => operator.api.getLeadSources(o)),
        ),
      ]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

      const log = sandbox.requests().filter((e) => !e.path.startsWith('/_sandbox') && e.at >= startedAt);
      const figures = `${sandbox.state().rateLimited} 429s; ${log.length} requests, at most ${peakInWindow(admittedAt(log), WINDOW_MS)} in 2 s`;
      expect(sandbox.state().rateLimited, figures).toBe(0);
      expect(
        log.filter((e) => e.status === 200),
        figures,
      ).toHaveLength(2 * calls);
      expect(peakInWindow(admittedAt(log), WINDOW_MS), figures).toBeLessThanOrEqual(limit);
      // Three windows' worth of calls cannot all be served in less than two windows.
      expect(Math.max(...log.map((e) => e.at)) - startedAt, figures).toBeGreaterThanOrEqual(
        2 * WINDOW_MS - 100,
      );
    } finally {
      await Promise.all([limiter.close(), operator.close()]);
    }
  }, 60_000);
});
