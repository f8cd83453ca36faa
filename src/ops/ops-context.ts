import { Queue } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { burstLimitPer2s, type Config, type ConnectionConfig, DEFAULT_CONNECTION } from '../config/config.js';
import { connectRedis, createRedis } from '../queue/connection.js';
import type { DeadLetterJobData } from '../queue/dead-letter.js';
import type { LeadJobData } from '../queue/job-data.js';
import { ImportLedger } from '../queue/ledger.js';
import {
  DLQ_QUEUE,
  deadLetterPrefix,
  type Keys,
  keyScope,
  keysFor,
  leadQueueName,
  queuePrefix,
} from '../queue/names.js';
import { quietAfterClose } from '../queue/quiet-connection.js';
import { readBudget as readWorkersBudget } from '../worker/budget-reader.js';

/** What the budget governor knows about today's Pipedrive token budget. */
export interface BudgetSnapshot {
  /** Tokens this tool may spend per budget day (after the reserve for other integrations). */
  limit: number;
  /** Tokens left until the next reset. */
  left: number;
  /** Epoch ms of the next budget reset. */
  resetsAt: number;
  /** Tokens spent today as the workers count them (`limit − left` when the reader does not say). */
  used?: number;
  /** The company's daily tokens, reserve included (`limit` when the reader does not say). */
  total?: number;
  /** Pipedrive itself answered with a daily 429 today. */
  exhaustedByServer?: boolean;
}

/**
 * Reads today's budget of a connection (`default` when not named; null when it cannot tell);
 * {@link budgetFromWorkers} is the real one.
 */
export type BudgetReader = (connection?: string) => Promise<BudgetSnapshot | null>;

/** The account limits an ETA is computed from. */
export interface AccountLimits {
  /** Requests per rolling 2 s for the configured plan and auth. */
  burstPer2s: number;
  /** Daily token budget (`PIPEDRIVE_DAILY_TOKENS` or plan × seats). */
  dailyTokens: number;
}

/**
 * Everything the operations need: one Redis connection, the ledger, the dead-letter queue and each
 * connection's lead queue. The queues share the connection, so closing the context closes one socket.
 *
 * An import's rows are on its own connection's queue: operations that touch an import's jobs take the queue
 * from {@link OpsContext.leadQueueOf} with the import record's `connection`.
 */
export interface OpsContext {
  readonly redis: Redis;
  readonly prefix: string;
  readonly keys: Keys;
  readonly ledger: ImportLedger;
  /** The `default` connection's lead queue (`lead-import`). */
  readonly leadQueue: Queue<LeadJobData>;
  /** The configured connections, in the configuration's order (`default` alone without a connections file). */
  readonly connections: readonly string[];
  /** The connections file that defines {@link OpsContext.connections} (`PIPEDRIVE_CONNECTIONS_FILE`), if any. */
  readonly connectionsFile?: string | undefined;
  /**
   * A connection's lead queue, opened on first use and closed with the context. Any valid name works, configured
   * or not: an import's rows stay on its queue after its connection leaves the file.
   */
  leadQueueOf(connection: string): Queue<LeadJobData>;
  /** Every connection's dead-lettered rows (each entry's import names its connection). */
  readonly deadLetterQueue: Queue<DeadLetterJobData>;
  /** The `default` connection's limits. */
  readonly limits: AccountLimits;
  /** A connection's limits, for ETAs and revert's estimate; {@link OpsContext.limits} for one not configured. */
  limitsOf(connection: string): AccountLimits;
  readonly readBudget: BudgetReader;
  /** Closes the queues, and the Redis connection when the context opened it. Idempotent. */
  close(): Promise<void>;
}

export interface OpsContextOptions {
  redis: Redis;
  /** Redis key prefix (`REDIS_PREFIX`). */
  prefix: string;
  /** The `default` connection's limits (and those of a connection `connectionLimits` does not name). */
  limits: AccountLimits;
  /**
   * Every configured connection's limits, by name, in order: {@link limitsByConnection}.
   * @defaultValue `default` alone, with `limits`
   */
  connectionLimits?: ReadonlyMap<string, AccountLimits>;
  /** @defaultValue a reader that knows nothing (budget shown as unknown) */
  readBudget?: BudgetReader;
  /** Disconnect `redis` on close. @defaultValue false */
  ownsRedis?: boolean;
  /** The connections file the configuration was read from, if any (what messages name). */
  connectionsFile?: string | undefined;
  /**
   * The connections as they are now, asked each time they are used, in place of `limits` and `connectionLimits`: for
   * a long-running reader (the dashboard) that reads its connections file again when it changes.
   */
  liveConnections?: () => ConnectionsNow;
}

/** The connections a context serves: the `default` connection's limits and every configured connection's. */
export interface ConnectionsNow {
  limits: AccountLimits;
  connectionLimits: ReadonlyMap<string, AccountLimits>;
}

export function createOpsContext(options: OpsContextOptions): OpsContext {
  const { redis, prefix } = options;
  const scope = keyScope(redis);
  const leadQueues = new Map<string, Queue<LeadJobData>>();
  const leadQueueOf = (connection: string) => {
    let queue = leadQueues.get(connection);
    if (!queue) {
      queue = new Queue<LeadJobData>(leadQueueName(connection), {
        connection: redis,
        prefix: queuePrefix(prefix, connection, scope.cluster),
      });
      // A command connection fails fast; queue errors surface as rejected calls, not as crashes.
      queue.on('error', () => {});
      quietAfterClose(queue);
      leadQueues.set(connection, queue);
    }
    return queue;
  };
  // Queues open on first use: BullMQ starts each (asks Redis its version) in the background, and a start a command
  // never waited for, failing once the command has dropped Redis, was thrown with no one to catch it (an unhandled
  // 'Connection is closed.' from status or report on a Redis Cluster, whose node connections open lazily).
  let deadLetterQueue: Queue<DeadLetterJobData> | undefined;
  const deadLetterQueueOnce = () => {
    if (!deadLetterQueue) {
      deadLetterQueue = new Queue<DeadLetterJobData>(DLQ_QUEUE, {
        connection: redis,
        prefix: deadLetterPrefix(prefix, scope.cluster),
      });
      deadLetterQueue.on('error', () => {});
      quietAfterClose(deadLetterQueue);
    }
    return deadLetterQueue;
  };
  const fixed: ConnectionsNow = {
    limits: options.limits,
    connectionLimits: options.connectionLimits ?? new Map([[DEFAULT_CONNECTION, options.limits]]),
  };
  const now = options.liveConnections ?? (() => fixed);
  // The names, listed again only when the connections changed (they are read on every page).
  let named: { from: ReadonlyMap<string, AccountLimits>; names: readonly string[] } | undefined;
  let closing: Promise<void> | undefined;
  return {
    redis,
    prefix,
    keys: keysFor(prefix, scope),
    ledger: new ImportLedger(redis, prefix),
    get leadQueue() {
      return leadQueueOf(DEFAULT_CONNECTION);
    },
    get connections() {
      const { connectionLimits } = now();
      if (named?.from !== connectionLimits)
        named = { from: connectionLimits, names: [...connectionLimits.keys()] };
      return named.names;
    },
    connectionsFile: options.connectionsFile,
    leadQueueOf,
    get deadLetterQueue() {
      return deadLetterQueueOnce();
    },
    get limits() {
      return now().limits;
    },
    limitsOf: (connection) => {
      const { limits, connectionLimits } = now();
      return connectionLimits.get(connection) ?? limits;
    },
    readBudget: options.readBudget ?? (async () => null),
    close() {
      closing ??= (async () => {
        const results = await Promise.allSettled(
          [...leadQueues.values(), ...(deadLetterQueue ? [deadLetterQueue] : [])].map((q) => q.close()),
        );
        if (options.ownsRedis) redis.disconnect();
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      })();
      return closing;
    },
  };
}

/** The account limits of the configuration's default connection. */
export function limitsFromConfig(config: Config): AccountLimits {
  return limitsOfConnection(config.pipedrive);
}

/** The account limits of one connection: its plan's burst limit for its kind of credentials, its daily budget. */
export function limitsOfConnection(connection: ConnectionConfig): AccountLimits {
  return {
    burstPer2s: burstLimitPer2s(connection.plan, connection.auth),
    dailyTokens: connection.dailyTokens,
  };
}

/** Every configured connection's limits, by name, in the configuration's order. */
export function limitsByConnection(config: Config): ReadonlyMap<string, AccountLimits> {
  return new Map([...config.connections].map(([name, c]) => [name, limitsOfConnection(c)]));
}

/**
 * Opens a fail-fast Redis connection (a clear error naming the URL when Redis is down) and the
 * context around it, for CLI commands.
 */
export async function openOps(
  config: Config,
  readBudget?: BudgetReader | 'from-workers',
  redisOptions: RedisOptions = {},
): Promise<OpsContext> {
  const client = createRedis(config.redisUrl, 'command', redisOptions);
  // Failures surface as rejected commands with a clear message; without a listener ioredis
  // would also print "Unhandled error event" for each reconnect attempt.
  client.on('error', () => {});
  const redis = await connectRedis(client, config.redisUrl);
  return createOpsContext({
    redis,
    prefix: config.redisPrefix,
    limits: limitsFromConfig(config),
    connectionLimits: limitsByConnection(config),
    readBudget: readBudget === 'from-workers' ? budgetFromWorkers(redis, config.redisPrefix) : readBudget,
    ownsRedis: true,
    connectionsFile: config.connectionsFile,
  });
}

/**
 * Today's budget of a connection as its workers publish and count it (see `readBudget` in
 * src/worker/budget-reader.ts), from the connection's `connectionControl` hash; unknown until a worker serves it.
 */
export function budgetFromWorkers(redis: Redis, prefix: string): BudgetReader {
  return async (connection = DEFAULT_CONNECTION) => readWorkersBudget(redis, prefix, connection);
}

/**
 * Opens a context for `fn` and closes it afterwards, whatever happens. `redisOptions` override the command
 * client's (`import --wait` reconnects for as long as it follows).
 */
export async function withOps<T>(
  config: Config,
  fn: (ctx: OpsContext) => Promise<T>,
  readBudget?: BudgetReader | 'from-workers',
  redisOptions: RedisOptions = {},
): Promise<T> {
  const ctx = await openOps(config, readBudget, redisOptions);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close().catch(() => {});
  }
}
