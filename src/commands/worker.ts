import type { Command, ParsedArgs } from '../cli/command.js';
import { ExitCode, UsageError } from '../cli/exit-codes.js';
import {
  CONNECTIONS_FILE_VAR,
  type Config,
  ConfigError,
  type ConnectionConfig,
  DEFAULT_CONNECTION,
  insecureHttpWarning,
  loadConfig,
} from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { clientOptionsForConnection } from '../pipedrive/client-options-from-config.js';
import { parseResetUtc } from '../worker/budget-day.js';
import {
  createLeadWorker,
  type LeadWorkerOptions,
  type WarmCacheMode,
  type WorkerCloseResult,
} from '../worker/index.js';

const HELP = `Usage: lead-importer worker [options]

Processes import jobs: finds or creates each row's organization and person in Pipedrive and
adds the lead, within the burst limits and the daily token budget, exactly once. Run one or
many (on many machines) against one Redis; they share limits, budget, caches and locks.
SIGTERM/SIGINT: stop taking rows, let in-flight ones finish, exit 0; a second signal forces.
Shutdown ends within --drain-timeout-ms whatever Redis does; rows it could not hand back
(Redis gone) are logged, exit 1, and resume on another worker once their lock expires.

Options:
  --concurrency N              rows worked on at once by this process   [WORKER_CONCURRENCY or 8]
  --warm-cache MODE            auto | always | never: fill the contact cache by listing the
                               company's contacts when that is cheaper than searching  [auto]
  --rate-limit-margin F        share of the plan's burst limits to use (0-1); lower it
                               when other integrations share the token               [0.95]
  --no-rate-limit              no client-side spacing at all (a sandbox started with
                               --no-limits, overhead benchmarks); 429s are still handled
  --budget-reserve F           share of the daily budget left to other integrations
                                                       [PIPEDRIVE_BUDGET_RESERVE or 0.1]
  --budget-reset-utc HH:MM     when Pipedrive's budget day starts, in UTC
                                                    [PIPEDRIVE_BUDGET_RESET_UTC or 00:00]
  --drain-timeout-ms MS        the whole shutdown takes at most this long; in-flight
                               rows are aborted 5 s before its end                  [30000]

Tuning (mostly for tests and benchmarks):
  --call-retries N             extra tries of a call after a 5xx/network error/timeout  [2]
  --call-retry-min-ms MS       first pause between tries                               [500]
  --call-retry-max-ms MS       longest pause between tries                            [4000]
  --max-rate-limit-requeues N  dead-letter a row re-queued by 429s more often           [50]
  --lock-duration-ms MS        BullMQ job lock; a dead worker's rows rerun after it   [30000]
  --stalled-interval-ms MS     how often rows of dead workers are looked for          [30000]
  --contact-lock-ttl-ms MS     a dead worker's contact creation lock expires after   [30000]
  --budget-probe-interval-ms MS  while the budget is spent, check Pipedrive this often [300000]
  --auth-probe-interval-ms MS  while the token is rejected, check it this often      [60000]
  --cache-freshness-ms MS      trust a listed contact cache this long                 [60000]
  --control-poll-ms MS         look at the shared control flags this often             [2000]
  --heartbeat-interval-ms MS   heartbeat period (the dashboard's /healthz)             [5000]

Environment: REDIS_URL, REDIS_PREFIX, PIPEDRIVE_BASE_URL, PIPEDRIVE_API_TOKEN (or the three
PIPEDRIVE_OAUTH_* variables), PIPEDRIVE_PLAN, PIPEDRIVE_SEATS, PIPEDRIVE_DAILY_TOKENS,
PIPEDRIVE_TIMEOUT_MS, PIPEDRIVE_BUDGET_RESERVE, PIPEDRIVE_BUDGET_RESET_UTC, WORKER_CONCURRENCY, LOG_LEVEL.
With PIPEDRIVE_CONNECTIONS_FILE, this version serves the connection named default (the
lead-import queue) with that connection's settings; other connections' rows wait on their queues.

Examples:
  lead-importer worker
  lead-importer worker --concurrency 16 --budget-reserve 0.2 --budget-reset-utc 23:00`;

const NUMBER_FLAGS = [
  'concurrency',
  'rate-limit-margin',
  'budget-reserve',
  'drain-timeout-ms',
  'call-retries',
  'call-retry-min-ms',
  'call-retry-max-ms',
  'max-rate-limit-requeues',
  'lock-duration-ms',
  'stalled-interval-ms',
  'contact-lock-ttl-ms',
  'budget-probe-interval-ms',
  'auth-probe-interval-ms',
  'cache-freshness-ms',
  'control-poll-ms',
  'heartbeat-interval-ms',
] as const;

function numberFlag(
  args: ParsedArgs,
  name: string,
  { min = 0, max = Number.POSITIVE_INFINITY, integer = true } = {},
) {
  const raw = args.values[name];
  if (typeof raw !== 'string') return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const kind = integer ? 'a whole number' : 'a number';
    const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `between ${min} and ${max}`;
    throw new UsageError(`--${name} must be ${kind} ${range}, got "${raw}".`);
  }
  return n;
}

/**
 * The connection this worker serves: `default`, on the `lead-import` queue. Workers for the other connections of a
 * connections file (one BullMQ worker per connection queue) come with the worker's part of issue #12; until then a
 * file without `default` is refused rather than served with another company's credentials.
 */
export function servedConnection(config: Config): ConnectionConfig {
  const connection = config.connections.get(DEFAULT_CONNECTION);
  if (!connection) {
    throw new ConfigError(
      `The worker serves only the connection named ${DEFAULT_CONNECTION} for now (on the lead-import queue); ${CONNECTIONS_FILE_VAR} (${config.connectionsFile}) defines ${[...config.connections.keys()].join(', ')}. Rename the connection this worker should serve to ${DEFAULT_CONNECTION}; workers for named connections come in a later version.`,
    );
  }
  return connection;
}

/** Turns flags and the environment into worker options (exported for tests). */
export function workerOptionsFromArgs(
  args: ParsedArgs,
  env: Record<string, string | undefined>,
): LeadWorkerOptions {
  const config = loadConfig(env);
  const connection = servedConnection(config);
  connection.requireCredentials();
  const warm = args.values['warm-cache'];
  if (warm !== undefined && !['auto', 'always', 'never'].includes(String(warm))) {
    throw new UsageError(`--warm-cache must be auto, always or never, got "${String(warm)}".`);
  }
  const resetUtc =
    typeof args.values['budget-reset-utc'] === 'string'
      ? args.values['budget-reset-utc']
      : connection.budgetResetUtc;
  try {
    parseResetUtc(resetUtc);
  } catch (err) {
    throw new UsageError(`--budget-reset-utc: ${(err as Error).message}`);
  }
  const margin = numberFlag(args, 'rate-limit-margin', { min: 0.05, max: 1, integer: false });
  const reserve = numberFlag(args, 'budget-reserve', { min: 0, max: 0.95, integer: false });
  const retry: LeadWorkerOptions['retry'] = {};
  const retries = numberFlag(args, 'call-retries');
  if (retries !== undefined) retry.callRetries = retries;
  const minMs = numberFlag(args, 'call-retry-min-ms');
  if (minMs !== undefined) retry.callRetryMinMs = minMs;
  const maxMs = numberFlag(args, 'call-retry-max-ms');
  if (maxMs !== undefined) retry.callRetryMaxMs = maxMs;

  const options: LeadWorkerOptions = {
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    pipedrive: clientOptionsForConnection(connection),
    plan: connection.plan,
    auth: connection.auth,
    dailyTokens: connection.dailyTokens,
    concurrency: numberFlag(args, 'concurrency', { min: 1, max: 1000 }) ?? config.worker.concurrency,
    warmCache: (warm as WarmCacheMode | undefined) ?? 'auto',
    rateLimit: args.values['no-rate-limit'] !== true,
    budgetResetUtc: resetUtc,
    retry,
  };
  if (margin !== undefined) options.rateLimitMargin = margin;
  options.budgetReserve = reserve ?? connection.budgetReserve;
  const plain: [string, keyof LeadWorkerOptions][] = [
    ['drain-timeout-ms', 'drainTimeoutMs'],
    ['max-rate-limit-requeues', 'maxRateLimitRequeues'],
    ['lock-duration-ms', 'lockDurationMs'],
    ['stalled-interval-ms', 'stalledIntervalMs'],
    ['contact-lock-ttl-ms', 'contactLockTtlMs'],
    ['budget-probe-interval-ms', 'budgetProbeIntervalMs'],
    ['auth-probe-interval-ms', 'authProbeIntervalMs'],
    ['cache-freshness-ms', 'cacheFreshnessMs'],
    ['control-poll-ms', 'controlPollMs'],
    ['heartbeat-interval-ms', 'heartbeatIntervalMs'],
  ];
  for (const [flag, key] of plain) {
    const value = numberFlag(args, flag, { min: flag.endsWith('-ms') ? 1 : 0 });
    if (value !== undefined) (options as unknown as Record<string, unknown>)[key] = value;
  }
  return options;
}

export const command: Command = {
  name: 'worker',
  summary: 'process import jobs: find or create contacts, add leads',
  help: HELP,
  options: {
    ...Object.fromEntries(NUMBER_FLAGS.map((f) => [f, { type: 'string' as const }])),
    'warm-cache': { type: 'string' },
    'budget-reset-utc': { type: 'string' },
    'no-rate-limit': { type: 'boolean' },
  },
  async run(args, io) {
    const options = workerOptionsFromArgs(args, io.env);
    const config = loadConfig(io.env);
    const logger = createLogger({ level: config.logLevel, name: 'lead-importer' });
    const connection = servedConnection(config);
    const insecure = insecureHttpWarning(config, connection);
    if (insecure) logger.warn({ origins: connection.insecureHttpOrigins }, insecure);
    const unserved = [...config.connections.keys()].filter((c) => c !== DEFAULT_CONNECTION);
    if (unserved.length > 0) {
      logger.warn(
        { unserved },
        `This worker serves the ${DEFAULT_CONNECTION} connection only; rows imported into ${unserved.join(', ')} wait on their own queues`,
      );
    }
    const lead = createLeadWorker({ ...options, logger });

    let signals = 0;
    const stopped = new Promise<WorkerCloseResult | undefined>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          logger.warn(
            `Second ${signal}: exiting now; in-flight rows will be picked up again by another worker`,
          );
          logger.flush();
          process.exit(ExitCode.Failure);
        }
        logger.info(`${signal} received: finishing in-flight rows (send it again to force)`);
        lead.close().then(resolve, () => resolve(undefined));
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    // A worker that cannot start (Redis unreachable, a bug) ends the process with a clear line.
    const failed = lead.ready.then(
      () => new Promise<never>(() => {}),
      (err: unknown) => err,
    );
    const outcome = await Promise.race([stopped.then(() => 'stopped' as const), failed]);
    if (outcome !== 'stopped' && signals === 0) {
      await lead.close();
      throw outcome;
    }
    const closed = await stopped;
    logger.info('Worker stopped');
    logger.flush();
    // Rows left in flight (Redis gone) are not lost, but a supervisor should know the stop was not clean.
    return closed?.handedBack === false ? ExitCode.Failure : ExitCode.Ok;
  },
};
