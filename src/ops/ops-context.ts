import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { authKindOf, burstLimitPer2s, type Config } from '../config/config.js';
import { connectRedis, createRedis } from '../queue/connection.js';
import type { DeadLetterJobData } from '../queue/dead-letter.js';
import type { LeadJobData } from '../queue/job-data.js';
import { ImportLedger } from '../queue/ledger.js';
import { DLQ_QUEUE, type Keys, keysFor, LEAD_QUEUE } from '../queue/names.js';
import { readBudget as readWorkersBudget } from '../worker/budget-reader.js';

/** What the budget governor knows about today's Pipedrive token budget. */
export interface BudgetSnapshot {
  /** Tokens this tool may spend per budget day (after the reserve for other integrations). */
  limit: number;
  /** Tokens left until the next reset. */
  left: number;
  /** Epoch ms of the next budget reset. */
  resetsAt: number;
}

/** Reads today's budget (null when it cannot tell); {@link budgetFromWorkers} is the real one. */
export type BudgetReader = () => Promise<BudgetSnapshot | null>;

/** The account limits an ETA is computed from. */
export interface AccountLimits {
  /** Requests per rolling 2 s for the configured plan and auth. */
  burstPer2s: number;
  /** Daily token budget (`PIPEDRIVE_DAILY_TOKENS` or plan × seats). */
  dailyTokens: number;
}

/**
 * Everything the operations need: one Redis connection, the ledger and both queues. The queues
 * share the connection, so closing the context closes one socket.
 */
export interface OpsContext {
  readonly redis: Redis;
  readonly prefix: string;
  readonly keys: Keys;
  readonly ledger: ImportLedger;
  readonly leadQueue: Queue<LeadJobData>;
  readonly deadLetterQueue: Queue<DeadLetterJobData>;
  readonly limits: AccountLimits;
  readonly readBudget: BudgetReader;
  /** Closes the queues, and the Redis connection when the context opened it. Idempotent. */
  close(): Promise<void>;
}

export interface OpsContextOptions {
  redis: Redis;
  /** Redis key prefix (`REDIS_PREFIX`). */
  prefix: string;
  limits: AccountLimits;
  /** @defaultValue a reader that knows nothing (budget shown as unknown) */
  readBudget?: BudgetReader;
  /** Disconnect `redis` on close. @defaultValue false */
  ownsRedis?: boolean;
}

export function createOpsContext(options: OpsContextOptions): OpsContext {
  const { redis, prefix } = options;
  const queueOptions = { connection: redis, prefix };
  const leadQueue = new Queue<LeadJobData>(LEAD_QUEUE, queueOptions);
  const deadLetterQueue = new Queue<DeadLetterJobData>(DLQ_QUEUE, queueOptions);
  // A command connection fails fast; queue errors surface as rejected calls, not as crashes.
  leadQueue.on('error', () => {});
  deadLetterQueue.on('error', () => {});
  let closing: Promise<void> | undefined;
  return {
    redis,
    prefix,
    keys: keysFor(prefix),
    ledger: new ImportLedger(redis, prefix),
    leadQueue,
    deadLetterQueue,
    limits: options.limits,
    readBudget: options.readBudget ?? (async () => null),
    close() {
      closing ??= (async () => {
        const results = await Promise.allSettled([leadQueue.close(), deadLetterQueue.close()]);
        if (options.ownsRedis) redis.disconnect();
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      })();
      return closing;
    },
  };
}

/** The account limits implied by the configuration. */
export function limitsFromConfig(config: Config): AccountLimits {
  return {
    burstPer2s: burstLimitPer2s(config.pipedrive.plan, authKindOf(config)),
    dailyTokens: config.pipedrive.dailyTokens,
  };
}

/**
 * Opens a fail-fast Redis connection (a clear error naming the URL when Redis is down) and the
 * context around it, for CLI commands.
 */
export async function openOps(
  config: Config,
  readBudget?: BudgetReader | 'from-workers',
): Promise<OpsContext> {
  const client = createRedis(config.redisUrl, 'command');
  // Failures surface as rejected commands with a clear message; without a listener ioredis
  // would also print "Unhandled error event" for each reconnect attempt.
  client.on('error', () => {});
  const redis = await connectRedis(client, config.redisUrl);
  return createOpsContext({
    redis,
    prefix: config.redisPrefix,
    limits: limitsFromConfig(config),
    readBudget: readBudget === 'from-workers' ? budgetFromWorkers(redis, config.redisPrefix) : readBudget,
    ownsRedis: true,
  });
}

/** Today's budget as the workers publish and count it (see `readBudget` in src/worker/budget-reader.ts). */
export function budgetFromWorkers(redis: Redis, prefix: string): BudgetReader {
  return () => readWorkersBudget(redis, prefix);
}

/** Opens a context for `fn` and closes it afterwards, whatever happens. */
export async function withOps<T>(
  config: Config,
  fn: (ctx: OpsContext) => Promise<T>,
  readBudget?: BudgetReader | 'from-workers',
): Promise<T> {
  const ctx = await openOps(config, readBudget);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close().catch(() => {});
  }
}
