import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config/config.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { TOKEN_COSTS } from '../../src/pipedrive/token-costs.js';
import { importCsv } from '../../src/producer/index.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { BudgetGovernor } from '../../src/worker/budget-governor.js';
import { publishBudget } from '../../src/worker/budget-reader.js';
import { DEFAULT_RATE_LIMIT_MARGIN } from '../../src/worker/options.js';
import { sleep } from '../../src/worker/sleep.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { testSandbox, workerGateway } from '../worker/helpers.js';

const WINDOW_MS = 2000;

/** Two leads whose import reads the account's currencies and lead labels (and `users/me`). */
function leadsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lpi-ref-burst-'));
  const file = join(dir, 'leads.csv');
  writeFileSync(
    file,
    'Title,Organization,Value,Currency,Labels\nOne,Org 1,100,EUR,Hot\nTwo,Org 2,200,EUR,Cold\n',
  );
  return file;
}

/** The `default` connection on a Lite sandbox (20 requests per rolling 2 s for an API token). */
function liteConfig(sandbox: RunningSandbox, prefix: string): Config {
  return loadConfig({
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    PIPEDRIVE_BASE_URL: sandbox.url,
    PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    PIPEDRIVE_PLAN: 'lite',
  });
}

const redis = testRedis();
let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, plan: 'lite' });
});
afterAll(async () => {
  await sandbox.close();
});

describe("the producer's reference reads beside another integration on the token", () => {
  it('wait out the burst 429s of a token whose window something outside the windows fills, and the import goes on', async () => {
    const prefix = uniquePrefix('refburst');
    // As another integration on the token leaves it: the whole window used a moment ago, unknown to Redis.
    const busy = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken });
    const filled = await Promise.allSettled(Array.from({ length: 20 }, () => busy.getLeadSources()));
    expect(filled.filter((r) => r.status === 'rejected')).toEqual([]);
    const limitedBefore = sandbox.state().rateLimited;

    const summary = await importCsv({ file: leadsFile(), config: liteConfig(sandbox, prefix), redis });
    expect(sandbox.state().rateLimited).toBeGreaterThan(limitedBefore);
    expect(summary).toMatchObject({ enqueued: 2, rejected: 0 });
  }, 60_000);
});

describe("the producer's reference reads in the token's windows", () => {
  it('wait for room in the burst window a worker keeps full (no 429 at all), and are charged to the budget', async () => {
    // Lite: 20 requests per rolling 2 s for an API token.
    const sandbox = await testSandbox({ plan: 'lite', latencyMs: 20, requestLogSize: 5000 });
    const prefix = uniquePrefix('refwin');
    const pipedrive = { baseUrl: sandbox.url, apiToken: sandbox.apiToken };
    const me = await new PipedriveClient(pipedrive).getCurrentUser();
    const companyKey = `c${me.company_id}`;

    // A worker on the token, as `connection-worker.ts` builds it (its own Redis client, the workers' margin),
    // having published its company as a worker does at start.
    const workerRedis = testRedis();
    await publishBudget(workerRedis, prefix, {
      companyKey,
      dailyTokens: 30_000,
      reserve: 0.1,
      resetUtc: '00:00',
    });
    const { limiter, governor, gateway } = await workerGateway({
      redis: workerRedis,
      prefix,
      pipedrive,
      companyKey,
      margin: DEFAULT_RATE_LIMIT_MARGIN,
      reserve: 0.1,
    });
    const api = new PipedriveClient(pipedrive);
    // `users/me` above must leave the window before the worker's own calls are counted from it.
    await sleep(WINDOW_MS + 100);
    const startedAt = Date.now();
    let workerTokens = 0;
    let workerCalls = 0;
    let stop = false;
    // Eight rows at a time, each calling as soon as the admission lets it: the window stays full.
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const ctx = { tokens: 0 };
        try {
          await gateway.call('leadSources.list', ctx, (o) => api.getLeadSources(o), { retry: false });
          workerCalls++;
        } catch {
          // A 429 (which the producer's unadmitted reads provoke): the gateway has paused the connection.
        }
        workerTokens += ctx.tokens;
      }
    });

    const producerRedis = testRedis();
    try {
      // The worker's window is full before the import starts.
      await sleep(WINDOW_MS);
      const summary = await importCsv({
        file: leadsFile(),
        config: liteConfig(sandbox, prefix),
        redis: producerRedis,
      });
      expect(summary).toMatchObject({ enqueued: 2, rejected: 0 });
      expect(summary.referenceTokens).toBeGreaterThan(0);
      // The worker goes on a little after the import, as it would.
      await sleep(500);
      stop = true;
      await Promise.all(loops);

      const log = sandbox.requests().filter((e) => !e.path.startsWith('/_sandbox') && e.at >= startedAt);
      const rejected = log.filter((e) => e.status === 429);
      const figures = `${rejected.length} 429s (${rejected.map((e) => e.path).join(', ')}); ${log.length} requests, ${workerCalls} of the worker`;
      expect(workerCalls, figures).toBeGreaterThan(20);
      expect(rejected, figures).toEqual([]);
      // Every token the producer read with is in the company's budget, beside the worker's.
      expect((await governor.status()).used, figures).toBe(workerTokens + summary.referenceTokens);
    } finally {
      stop = true;
      await Promise.all(loops);
      await limiter.close();
      producerRedis.disconnect();
      workerRedis.disconnect();
    }
  }, 90_000);

  it('work before any worker has named the budget (a fresh prefix): the first call is not charged, the rest are', async () => {
    const sandbox = await testSandbox({ plan: 'lite', requestLogSize: 1000 });
    const prefix = uniquePrefix('refwin-fresh');
    const pipedrive = { baseUrl: sandbox.url, apiToken: sandbox.apiToken };
    const me = await new PipedriveClient(pipedrive).getCurrentUser();
    const redis = testRedis();
    try {
      const summary = await importCsv({ file: leadsFile(), config: liteConfig(sandbox, prefix), redis });
      expect(summary).toMatchObject({ enqueued: 2, rejected: 0, state: 'enqueued' });
      const budget = new BudgetGovernor({
        redis,
        prefix,
        companyKey: `c${me.company_id}`,
        dailyTokens: 30_000,
        reserve: 0.1,
        resetOffsetMs: 0,
      });
      // `users/me` named the company before any budget could be: counted in the token's window, not charged.
      expect((await budget.status()).used).toBe(summary.referenceTokens - TOKEN_COSTS['users.me']);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('use the reserve when the budget is spent: a handful of reads, and the rows they let in wait in the workers', async () => {
    const prefix = uniquePrefix('refspent');
    const me = await new PipedriveClient({
      baseUrl: sandbox.url,
      apiToken: sandbox.apiToken,
    }).getCurrentUser();
    const companyKey = `c${me.company_id}`;
    await publishBudget(redis, prefix, { companyKey, dailyTokens: 30_000, reserve: 0.1, resetUtc: '00:00' });
    const budget = new BudgetGovernor({
      redis,
      prefix,
      companyKey,
      dailyTokens: 30_000,
      reserve: 0.1,
      resetOffsetMs: 0,
    });
    await redis.hset(budget.currentKey(), 'used', budget.limit);

    const summary = await importCsv({ file: leadsFile(), config: liteConfig(sandbox, prefix), redis });
    expect(summary).toMatchObject({ enqueued: 2, rejected: 0 });
    expect((await budget.status()).used).toBe(budget.limit + summary.referenceTokens);
  }, 60_000);
});
