import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import { keyScope, keysFor } from '../queue/names.js';
import { parseResetUtc } from './budget-day.js';
import { BudgetGovernor } from './budget-governor.js';

/** Today's budget as the workers count it, for `status` and the dashboard. */
export interface BudgetReading {
  /** Tokens the importer may spend per budget day (after the reserve). */
  limit: number;
  /** Tokens left until the next reset. */
  left: number;
  used: number;
  /** Epoch ms of the next budget reset. */
  resetsAt: number;
  /** The company's daily tokens: `limit` plus the reserve kept for its other integrations. */
  total: number;
  /** Pipedrive itself answered with a daily 429 today (nothing more today, whatever the count says). */
  exhaustedByServer: boolean;
}

/** Fields a worker publishes in its connection's control hash so readers can find the company's budget. */
export interface PublishedBudget {
  companyKey: string;
  dailyTokens: number;
  reserve: number;
  resetUtc: string;
}

/**
 * Publishes where a connection's budget is kept, in the connection's own control hash (`connectionControl`:
 * `control` itself for `default`). Two connections of one company publish the same company key, so both read
 * the one budget they share.
 */
export async function publishBudget(
  redis: Redis,
  prefix: string,
  budget: PublishedBudget,
  connection: string = DEFAULT_CONNECTION,
): Promise<void> {
  await redis.hset(keysFor(prefix, keyScope(redis)).connectionControl(connection), {
    companyKey: budget.companyKey,
    budgetDailyTokens: budget.dailyTokens,
    budgetReserve: budget.reserve,
    budgetResetUtc: budget.resetUtc,
  });
}

/**
 * Reads a connection's budget today exactly as its workers count it (`null` before any worker of the connection
 * has started): the one reader behind `status`, the imports page and `/metrics`. It takes the company, daily
 * tokens, reserve and reset time from what the workers published, not from the reader's own
 * configuration, which may differ (another machine, another `--budget-reserve`).
 */
export async function readBudget(
  redis: Redis,
  prefix: string,
  connection: string = DEFAULT_CONNECTION,
  now = Date.now(),
): Promise<BudgetReading | null> {
  const published = await readPublishedBudget(redis, prefix, connection);
  if (!published) return null;
  const governor = new BudgetGovernor({
    redis,
    prefix,
    companyKey: published.companyKey,
    connection,
    dailyTokens: published.dailyTokens,
    reserve: published.reserve,
    resetOffsetMs: parseResetUtc(published.resetUtc),
    now: () => now,
  });
  const status = await governor.status();
  return {
    limit: status.limit,
    // Pipedrive's own daily 429 ends the day whatever our count says.
    left: status.exhaustedByServer ? 0 : status.left,
    used: status.used,
    resetsAt: status.nextResetAt,
    total: status.total,
    exhaustedByServer: status.exhaustedByServer,
  };
}

/**
 * What {@link publishBudget} wrote for a connection (`null` before any worker of the connection has started):
 * the company whose budget its calls are charged to, known without asking Pipedrive.
 */
export async function readPublishedBudget(
  redis: Redis,
  prefix: string,
  connection: string = DEFAULT_CONNECTION,
): Promise<PublishedBudget | null> {
  const [companyKey, dailyTokens, reserve, resetUtc] = await redis.hmget(
    keysFor(prefix, keyScope(redis)).connectionControl(connection),
    'companyKey',
    'budgetDailyTokens',
    'budgetReserve',
    'budgetResetUtc',
  );
  if (!companyKey || !dailyTokens) return null;
  return {
    companyKey,
    dailyTokens: Number(dailyTokens),
    reserve: Number(reserve ?? 0.1),
    resetUtc: resetUtc ?? '00:00',
  };
}
