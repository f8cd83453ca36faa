import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

/**
 * When Pipedrive itself answers that the company's daily budget is spent (its other integrations spend it too), the
 * worker's own count is far from its limit. Its warning said "daily token budget spent (40 of 27,000 tokens)", which
 * an operator reads as a contradiction; it now says that Pipedrive answered so.
 */
describe('the budget wait line when Pipedrive says the budget is spent', () => {
  it('names Pipedrive as the one that says so, beside our own count', async () => {
    const sandbox = await testSandbox({ plan: 'lite' });
    const prefix = uniquePrefix('spentby');
    const rows = Array.from({ length: 20 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i}` }));
    await enqueueImport(redis, prefix, 'imp-spent', jobsFor('imp-spent', rows));
    const lines: string[] = [];
    const worker = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: 'sandbox-token', timeoutMs: 2000 },
      plan: 'lite',
      warmCache: 'never',
      concurrency: 2,
      controlPollMs: 100,
      logger: createLogger({ destination: { write: (line: string) => lines.push(line) } }),
    });
    const ledger = new ImportLedger(redis, prefix);
    try {
      await worker.ready;
      await eventually(async () => ((await ledger.getImport('imp-spent'))?.created ?? 0) >= 2 || undefined, {
        what: 'two leads',
      });
      sandbox.exhaustBudget();
      const line = await eventually(async () => lines.find((l) => l.includes('Waiting for budget until')), {
        what: 'the budget wait line',
      });
      const parsed = JSON.parse(line);
      expect(parsed.level).toBe(40);
      expect(parsed.used).toBeLessThan(parsed.limit);
      expect(parsed.msg).toContain("Pipedrive answered that the company's daily token budget is spent");
      expect(parsed.msg).not.toMatch(/: daily token budget spent \(/);
    } finally {
      await worker.close();
    }
  }, 60_000);
});
