import { afterAll, describe, expect, it } from 'vitest';
import { budgetFromWorkers } from '../../src/ops/ops-context.js';
import { BudgetGovernor } from '../../src/worker/budget-governor.js';
import { publishBudget } from '../../src/worker/budget-reader.js';
import { type DashboardProcess, startDashboardProcess } from '../helpers/dashboard-process.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { runCli } from './run-cli.js';

const redis = testRedis();
const dashboards = new Set<DashboardProcess>();
afterAll(() => {
  for (const dashboard of dashboards) dashboard.kill();
});

/**
 * What a worker leaves in Redis: it publishes where the company's budget lives and how it counts
 * it (1,000 tokens a day, its own --budget-reserve 0.2, reset at 06:00 UTC), then spends 300.
 */
async function workerSpent(prefix: string): Promise<BudgetGovernor> {
  await publishBudget(redis, prefix, {
    companyKey: 'c42',
    dailyTokens: 1000,
    reserve: 0.2,
    resetUtc: '06:00',
  });
  const governor = new BudgetGovernor({
    redis,
    prefix,
    companyKey: 'c42',
    dailyTokens: 1000,
    reserve: 0.2,
    resetOffsetMs: 6 * 3_600_000,
  });
  expect((await governor.admit(300)).kind).toBe('admitted');
  return governor;
}

/** The commands' own environment differs from the worker's: the budget shown must be the workers'. */
const commandEnv = (prefix: string) => ({
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: prefix,
  PIPEDRIVE_DAILY_TOKENS: '5000',
  PIPEDRIVE_BUDGET_RESERVE: '0.5',
});

describe('the budget status and the dashboard show', () => {
  it('is what the workers count: their daily tokens, reserve and reset time', async () => {
    const prefix = uniquePrefix('budget');
    const governor = await workerSpent(prefix);
    await redis.hset(`${prefix}:imp:b-1`, {
      importId: 'b-1',
      fileName: 'b.csv',
      state: 'enqueued',
      rows: 1,
      enqueued: 1,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
    await redis.zadd(`${prefix}:imports`, Date.now(), 'b-1');
    const run = await runCli(['status', 'b-1', '--json'], commandEnv(prefix));
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).budget).toMatchObject({
      limit: 800,
      left: 500,
      resetsAt: governor.nextResetAt(),
    });
  });

  it('is nothing left once Pipedrive itself refused the day with a daily 429, whatever the count says', async () => {
    const prefix = uniquePrefix('budget');
    const governor = await workerSpent(prefix);
    await governor.markSpentByServer();
    expect(await budgetFromWorkers(redis, prefix)()).toMatchObject({ limit: 800, left: 0, used: 300 });
  });

  it('on the dashboard started as `lead-importer dashboard` starts it', async () => {
    const prefix = uniquePrefix('budget');
    const governor = await workerSpent(prefix);
    const dashboard = await startDashboardProcess(commandEnv(prefix));
    dashboards.add(dashboard);
    const { url } = dashboard;
    try {
      const overview = (await (await fetch(`${url}/api/imports`)).json()) as { budget: unknown };
      expect(overview.budget).toMatchObject({ limit: 800, left: 500, resetsAt: governor.nextResetAt() });
      const page = await (await fetch(`${url}/`)).text();
      expect(page).toContain('500 / 800');
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^lead_importer_budget_tokens_left 500$/m);
    } finally {
      await dashboard.stop();
      dashboards.delete(dashboard);
    }
  });
});
