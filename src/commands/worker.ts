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
import { createLogger, flushLogger } from '../logging/logger.js';
import { clientOptionsForConnection } from '../pipedrive/client-options-from-config.js';
import { isPipedriveError } from '../pipedrive/errors.js';
import { parseResetUtc } from '../worker/budget-day.js';
import { ConnectionsWatch } from '../worker/connections-watch.js';
import {
  type ConnectionChange,
  type LeadWorkerOptions,
  LeadWorkerProcess,
  tokenFingerprint,
  type WarmCacheMode,
  type WorkerCloseResult,
  type WorkerConnection,
  type WorkerProcessOptions,
} from '../worker/index.js';
import { applyTheFile } from '../worker/reload-hint.js';

const HELP = `Usage: lead-importer worker [--connections a,b] [options]

Processes import jobs: finds or creates each row's organization and person in Pipedrive and
adds the lead, within the burst limits and the daily token budget, exactly once. Run one or
many (on many machines) against one Redis; they share limits, budget, caches and locks.
With PIPEDRIVE_CONNECTIONS_FILE it serves every company of the file (or those --connections
names), each on its own queue with its own limiters, budget, 429 pause and token block, so
one company's revoked token or spent budget never holds another's rows. A connection whose
secret cannot be read (variable not set, token file missing) or whose base_url is not
Pipedrive's is logged and the others are served; exit 2 only when none can start. An
unreachable Pipedrive is tried again (back-off up to 30 s), never a reason to exit.
SIGTERM/SIGINT: stop taking rows, let in-flight ones finish, exit 0; a second signal forces.
Shutdown ends within --drain-timeout-ms whatever Redis does; rows it could not hand back
(Redis gone) are logged, exit 1, and resume on another worker once their lock expires.
SIGHUP: read the connections file (and the token files it names) again: start new
connections, drain removed ones, restart those whose credentials or limits changed; a file
that does not validate is reported and the running connections are kept; a connection whose
secret cannot be read is reported alone (a running one keeps its old credentials) and the
rest of the file is applied. --watch does the same by itself when the connections file or a
secret file it names changes (an editor's save, a rotated Kubernetes secret), once the files
have held still for one more look.

Options:
  --connections a,b            serve only these connections of the file         [all of them]
  --concurrency N              rows worked on at once by this process, shared in turn by
                               the connections with work             [WORKER_CONCURRENCY or 8]
  --warm-cache MODE            auto | always | never: fill the contact cache by listing the
                               company's contacts when that is cheaper than searching  [auto]
  --rate-limit-margin F        share of the plan's burst limits to use (0-1); lower it
                               when other integrations share the token                  [1]
  --no-rate-limit              no client-side spacing at all (a sandbox started with
                               --no-limits, overhead benchmarks); 429s are still handled
  --budget-reserve F           share of the daily budget left to other integrations, for
                               every connection served   [the connection's, or PIPEDRIVE_BUDGET_RESERVE or 0.1]
  --budget-reset-utc HH:MM     when Pipedrive's budget day starts, in UTC, for every
                               connection served   [the connection's, or PIPEDRIVE_BUDGET_RESET_UTC or 00:00]
  --drain-timeout-ms MS        the whole shutdown takes at most this long; in-flight
                               rows are aborted 5 s before its end                  [30000]
  --watch                      reload when the connections file or a secret file it names
                               changes, as SIGHUP does (needs PIPEDRIVE_CONNECTIONS_FILE)

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
  --watch-interval-ms MS       with --watch, how often the files are looked at         [2000]
  --intent-replicas N          replicas that must hold a create's intent before it is sent
                               (WAIT; Redis with failover) [REDIS_INTENT_REPLICAS, 1 with a
                               Sentinel URL, else 0]
  --intent-durability MODE     auto: WAITAOF before each create where Redis has it (≥ 7.2);
                               off: never wait (the Redis epoch still catches a lost intent)
                               [REDIS_INTENT_DURABILITY, auto]

Environment: REDIS_URL, REDIS_PREFIX, PIPEDRIVE_BASE_URL, PIPEDRIVE_API_TOKEN (or the three
PIPEDRIVE_OAUTH_* variables), PIPEDRIVE_PLAN, PIPEDRIVE_SEATS, PIPEDRIVE_DAILY_TOKENS,
PIPEDRIVE_TIMEOUT_MS, PIPEDRIVE_BUDGET_RESERVE, PIPEDRIVE_BUDGET_RESET_UTC, WORKER_CONCURRENCY, LOG_LEVEL,
REDIS_INTENT_REPLICAS, REDIS_INTENT_DURABILITY, LEAD_IMPORTER_ROWS_PER_JOB (the chunk size the
imports use, so a worker's first fetch takes the right number of jobs; chunks of any size are served);
or PIPEDRIVE_CONNECTIONS_FILE (then the PIPEDRIVE_* variables are not read). A token in a file
(api_token_file) can be rotated with SIGHUP; one in a variable needs a restart.

Examples:
  lead-importer worker
  lead-importer worker --concurrency 16 --budget-reserve 0.2 --budget-reset-utc 23:00
  PIPEDRIVE_CONNECTIONS_FILE=connections.yaml lead-importer worker --connections acme,globex
  kill -HUP <pid>                 # after editing connections.yaml or rotating a token file`;

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
  'intent-replicas',
  'watch-interval-ms',
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

/** The `--connections` flag: comma-separated names, each at most once. */
function connectionNames(args: ParsedArgs): string[] | undefined {
  const raw = args.values.connections;
  if (raw === undefined) return undefined;
  const names = String(raw)
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.length === 0) {
    throw new UsageError(
      '--connections needs one or more connection names, separated by commas (e.g. acme,globex).',
    );
  }
  return [...new Set(names)];
}

/** Flags that override what the connections say, for every connection served. */
interface ConnectionOverrides {
  budgetReserve?: number;
  budgetResetUtc?: string;
}

/** A connection the worker was asked to serve but cannot start: its secret could not be read. */
export interface UnusableConnection {
  connection: string;
  /** Names the file, the connection, the field and the fix; never the secret. */
  reason: string;
}

/**
 * The connections a worker serves: every connection of the configuration (the connections file's, or `default`
 * from the `PIPEDRIVE_*` variables), or those `--connections` names. One whose secret cannot be read (a variable
 * not set, a token file missing) is left out and reported in `unusable`, so it never stops the others; the
 * caller decides what none at all means.
 *
 * `unknown`: what to do with a name `--connections` lists that the configuration lacks: `refuse` (at start: a
 * {@link UsageError} listing the valid names) or `skip` (on a reload: the connection left the file, so it is
 * no longer served; reported in `missing`).
 */
export function connectionsToServe(
  config: Config,
  names: readonly string[] | undefined,
  overrides: ConnectionOverrides = {},
  unknown: 'refuse' | 'skip' = 'refuse',
): {
  connections: WorkerConnection[];
  served: ConnectionConfig[];
  missing: string[];
  unusable: UnusableConnection[];
} {
  const defined = [...config.connections.keys()];
  const missing = (names ?? []).filter((n) => !config.connections.has(n));
  if (missing.length > 0 && unknown === 'refuse') {
    const source = config.connectionsFile
      ? `${CONNECTIONS_FILE_VAR} (${config.connectionsFile}) defines`
      : `without ${CONNECTIONS_FILE_VAR} the PIPEDRIVE_* variables define one connection,`;
    throw new UsageError(
      `--connections names ${missing.map((n) => `"${n}"`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not defined: ${source} ${defined.join(', ')}. Name some of those, or leave --connections out to serve them all.`,
    );
  }
  const served: ConnectionConfig[] = [];
  const unusable: UnusableConnection[] = [];
  for (const name of names ?? defined) {
    const connection = config.connections.get(name);
    if (!connection) continue;
    try {
      connection.requireCredentials();
      served.push(connection);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      unusable.push({ connection: name, reason: err.message });
    }
  }
  const connections = served.map((connection) => ({
    name: connection.name,
    pipedrive: clientOptionsForConnection(connection),
    plan: connection.plan,
    auth: connection.auth,
    dailyTokens: connection.dailyTokens,
    budgetReserve: overrides.budgetReserve ?? connection.budgetReserve,
    budgetResetUtc: overrides.budgetResetUtc ?? connection.budgetResetUtc,
    connectionsFile: config.connectionsFile,
    ...(connection.secretVariables.length > 0 ? { secretVariables: connection.secretVariables } : {}),
  }));
  return { connections, served, missing, unusable };
}

/** The line logged for a connection that cannot start; the process serves the others. */
export function cannotStartLine(unusable: UnusableConnection): string {
  return `Connection ${unusable.connection} cannot start; the other connections go on. ${unusable.reason}`;
}

/** What `lead-importer worker` runs: the process's settings, the connections it serves, and how they were chosen. */
export interface WorkerPlan {
  process: WorkerProcessOptions;
  connections: WorkerConnection[];
  /** The `--connections` names, when given (a reload serves those of them the file still defines). */
  names: string[] | undefined;
  overrides: ConnectionOverrides;
  config: Config;
  /** Connections to serve whose secret cannot be read: logged, not served (never all of them). */
  unusable: UnusableConnection[];
  /** `--watch`: reload when the connections file or a secret file it names changes, looking this often. */
  watch?: { intervalMs: number };
}

function intentDurabilityFlag(args: ParsedArgs): 'auto' | 'off' | undefined {
  const raw = args.values['intent-durability'];
  if (raw === undefined) return undefined;
  if (raw !== 'auto' && raw !== 'off')
    throw new UsageError(`--intent-durability must be auto or off, got "${String(raw)}".`);
  return raw;
}

/** Turns flags and the environment into what the worker runs (exported for tests). */
export function workerPlanFromArgs(args: ParsedArgs, env: Record<string, string | undefined>): WorkerPlan {
  const config = loadConfig(env);
  const warm = args.values['warm-cache'];
  if (warm !== undefined && !['auto', 'always', 'never'].includes(String(warm))) {
    throw new UsageError(`--warm-cache must be auto, always or never, got "${String(warm)}".`);
  }
  const overrides: ConnectionOverrides = {};
  if (typeof args.values['budget-reset-utc'] === 'string') {
    try {
      parseResetUtc(args.values['budget-reset-utc']);
    } catch (err) {
      throw new UsageError(`--budget-reset-utc: ${(err as Error).message}`);
    }
    overrides.budgetResetUtc = args.values['budget-reset-utc'];
  }
  const reserve = numberFlag(args, 'budget-reserve', { min: 0, max: 0.95, integer: false });
  if (reserve !== undefined) overrides.budgetReserve = reserve;
  const names = connectionNames(args);
  const { connections, unusable } = connectionsToServe(config, names, overrides);
  // Exit 2 only when nothing can start; otherwise each that cannot is logged and the others are served.
  if (connections.length === 0 && unusable.length > 0) {
    throw new ConfigError(
      unusable.length === 1
        ? unusable[0]!.reason
        : `No connection can start: ${unusable.map((u) => u.reason).join(' ')}`,
    );
  }
  const margin = numberFlag(args, 'rate-limit-margin', { min: 0.05, max: 1, integer: false });
  const retry: LeadWorkerOptions['retry'] = {};
  const retries = numberFlag(args, 'call-retries');
  if (retries !== undefined) retry.callRetries = retries;
  const minMs = numberFlag(args, 'call-retry-min-ms');
  if (minMs !== undefined) retry.callRetryMinMs = minMs;
  const maxMs = numberFlag(args, 'call-retry-max-ms');
  if (maxMs !== undefined) retry.callRetryMaxMs = maxMs;

  const options: WorkerProcessOptions = {
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    concurrency: numberFlag(args, 'concurrency', { min: 1, max: 1000 }) ?? config.worker.concurrency,
    rowsPerJob: config.rowsPerJob,
    warmCache: (warm as WarmCacheMode | undefined) ?? 'auto',
    rateLimit: args.values['no-rate-limit'] !== true,
    retry,
    intentReplicas: numberFlag(args, 'intent-replicas', { max: 16 }) ?? config.worker.intentReplicas,
    intentDurability: intentDurabilityFlag(args) ?? config.worker.intentDurability,
  };
  if (margin !== undefined) options.rateLimitMargin = margin;
  const plain: [string, keyof WorkerProcessOptions][] = [
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
  let watch: WorkerPlan['watch'];
  if (args.values.watch === true) {
    if (!config.connectionsFile) {
      throw new UsageError(
        `--watch watches the connections file, and ${CONNECTIONS_FILE_VAR} is not set: the PIPEDRIVE_* variables cannot change under a running process. Set ${CONNECTIONS_FILE_VAR}, or leave --watch out.`,
      );
    }
    watch = { intervalMs: numberFlag(args, 'watch-interval-ms', { min: 100 }) ?? 2000 };
    options.watchesConnectionsFile = true;
  } else if (args.values['watch-interval-ms'] !== undefined) {
    throw new UsageError('--watch-interval-ms goes with --watch.');
  }
  return { process: options, connections, names, overrides, config, unusable, ...(watch ? { watch } : {}) };
}

/**
 * The options of a worker serving one connection, for {@link createLeadWorker} (the demo runs one in its own
 * process): the flags and environment must leave exactly one connection to serve.
 */
export function workerOptionsFromArgs(
  args: ParsedArgs,
  env: Record<string, string | undefined>,
): LeadWorkerOptions {
  const plan = workerPlanFromArgs(args, env);
  // One connection only: the one asked for must be able to start.
  if (plan.unusable[0]) throw new ConfigError(plan.unusable[0].reason);
  const [only, ...more] = plan.connections;
  if (!only || more.length > 0) {
    throw new UsageError(
      `This worker runs one connection, and there are ${plan.connections.length} to serve (${plan.connections.map((c) => c.name).join(', ')}): name one with --connections NAME.`,
    );
  }
  return {
    ...plan.process,
    connection: only.name,
    pipedrive: only.pipedrive,
    plan: only.plan,
    auth: only.auth,
    dailyTokens: only.dailyTokens,
    budgetReserve: only.budgetReserve,
    budgetResetUtc: only.budgetResetUtc,
  };
}

/** Something a reload did not change that the operator should know about, on one connection. */
interface ReloadNote {
  connection: string;
  text: string;
}

/**
 * What a reload tells beyond its changes, each a warning: a connection the file now defines that this worker does not
 * serve (`--connections` leaves it out: nothing takes its rows unless another worker does); a connection started with
 * the base URL and credentials of one the file no longer defines (renamed: its imports stay with the old name, and the
 * new one does not take their rows: said when rows were pending); a blocked connection whose token comes from an environment variable, which a
 * reload cannot read again.
 */
export function reloadNotes(
  label: string,
  config: Config,
  previous: Config,
  names: readonly string[] | undefined,
  before: ReadonlyMap<string, WorkerConnection>,
  changes: readonly ConnectionChange[],
  served: ReadonlyMap<string, { isBlocked: boolean; connection: WorkerConnection }>,
  /** The worker applies the file by itself (`--watch`): the notes say to save it, not to send SIGHUP. */
  watching = false,
): ReloadNote[] {
  const notes: ReloadNote[] = [];
  if (names) {
    for (const name of config.connections.keys()) {
      if (names.includes(name) || previous.connections.has(name)) continue;
      notes.push({
        connection: name,
        text: `${label}: connection ${name} is new in ${config.connectionsFile ?? 'the configuration'}, but this worker serves only ${names.join(', ')} (--connections): it does not take ${name}'s rows. Serve it with another worker, or add it to this one's --connections and restart it.`,
      });
    }
  }
  const sameCompany = (a: WorkerConnection, b: WorkerConnection) =>
    a.pipedrive.baseUrl === b.pipedrive.baseUrl &&
    tokenFingerprint(a.pipedrive) === tokenFingerprint(b.pipedrive);
  for (const { connection: gone, change, pendingRows } of changes) {
    const old = before.get(gone);
    // Said when rows are left behind: a rename of an idle connection loses nothing.
    if (change !== 'stopped' || !pendingRows || !old || config.connections.has(gone)) continue;
    for (const { connection: added, change: addedChange } of changes) {
      const now = served.get(added)?.connection;
      if (addedChange !== 'started' || !now || !sameCompany(old, now)) continue;
      notes.push({
        connection: added,
        text: `${label}: connection ${added} has the base URL and credentials connection ${gone} had: renamed? An import stays with the connection it was made with, so ${gone}'s ${pendingRows} pending row${pendingRows === 1 ? ' is' : 's are'} kept on its queue and ${added} does not take them. To finish them, name it ${gone} again (or define both) and ${applyTheFile(watching)}; to drop them, \`lead-importer cancel ID\` (\`lead-importer status --connection ${gone}\` lists them).`,
      });
    }
  }
  for (const [name, worker] of served) {
    const variables = worker.connection.secretVariables ?? [];
    if (!worker.isBlocked || variables.length === 0 || changes.some((c) => c.connection === name)) continue;
    const shown = variables.filter((v) => /^[A-Z_][A-Z0-9_]*$/.test(v));
    notes.push({
      connection: name,
      text: `${label}: connection ${name} stays blocked (Pipedrive rejected its credentials): they come from ${shown.length > 0 ? `the environment variable${shown.length === 1 ? '' : 's'} ${shown.join(', ')}` : 'environment variables'}, which this process read when it started and a reload does not read again. Restart the worker with the new value, or put the secret in a file, name it in the connection's entry (api_token_file, or the oauth *_file keys) and ${applyTheFile(watching)}.`,
    });
  }
  return notes;
}

export const command: Command = {
  name: 'worker',
  summary: 'process import jobs: find or create contacts, add leads',
  help: HELP,
  options: {
    ...Object.fromEntries(NUMBER_FLAGS.map((f) => [f, { type: 'string' as const }])),
    connections: { type: 'string' },
    'warm-cache': { type: 'string' },
    'budget-reset-utc': { type: 'string' },
    'no-rate-limit': { type: 'boolean' },
    'intent-durability': { type: 'string' },
    watch: { type: 'boolean' },
  },
  async run(args, io) {
    const plan = workerPlanFromArgs(args, io.env);
    // A line per row: buffered, and written out before every exit below (flushLogger).
    const logger = createLogger({ level: plan.config.logLevel, name: 'lead-importer', buffered: true });
    const warnInsecure = (config: Config, names: readonly string[]) => {
      for (const name of names) {
        const connection = config.connections.get(name);
        const insecure = connection && insecureHttpWarning(config, connection);
        if (insecure) logger.warn({ connection: name, origins: connection.insecureHttpOrigins }, insecure);
      }
    };
    warnInsecure(
      plan.config,
      plan.connections.map((c) => c.name),
    );
    for (const unusable of plan.unusable)
      logger.error({ connection: unusable.connection }, cannotStartLine(unusable));
    const worker = new LeadWorkerProcess({ ...plan.process, logger });
    // A connection the process stops before it started (a reload restarts one whose token was rejected from the
    // start) did not fail to start: its `ready` rejects with the stop's reason, and is not counted below.
    const readies = plan.connections.map((c) => {
      let served: ReturnType<typeof worker.serve>;
      try {
        served = worker.serve(c);
      } catch (err) {
        // Its parts could not be built (a setting the configuration's checks let through): this connection
        // cannot start; the others go on, and the process ends below if none can.
        logger.error(
          { err, connection: c.name },
          cannotStartLine({ connection: c.name, reason: err instanceof Error ? err.message : String(err) }),
        );
        return Promise.reject(err);
      }
      return served.ready.catch((err: unknown) =>
        served.isClosing ? new Promise<never>(() => {}) : Promise.reject(err),
      );
    });
    if (plan.connections.length > 1 || plan.connections[0]?.name !== DEFAULT_CONNECTION) {
      const left = [...plan.config.connections.keys()].filter(
        (c) => !plan.connections.some((s) => s.name === c),
      );
      logger.info(
        { connections: plan.connections.map((c) => c.name), unserved: left },
        `Serving ${plan.connections.length} connection${plan.connections.length === 1 ? '' : 's'}: ${plan.connections.map((c) => c.name).join(', ')} (concurrency ${plan.process.concurrency} in all, shared in turn)${left.length ? `; not served here: ${left.join(', ')}` : ''}`,
      );
    }

    // SIGHUP (or, with --watch, a change of the files): read the connections file (and the token files it names)
    // again, and serve what it says now. `label` starts each line the reload logs.
    let known = plan.config;
    let watch: ConnectionsWatch | undefined;
    const reload = async (label: string) => {
      let next: ReturnType<typeof connectionsToServe>;
      let config: Config;
      try {
        config = loadConfig(io.env);
        next = connectionsToServe(config, plan.names, plan.overrides, 'skip');
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        logger.error(
          { reason: message },
          `${label}: the connections could not be read again; the ${worker.connections.size} running connection${worker.connections.size === 1 ? ' is kept as it was' : 's are kept as they were'}. ${message}`,
        );
        return;
      }
      for (const name of next.missing) {
        logger.warn(
          { connection: name },
          `${label}: connection ${name}, named by --connections, is no longer defined; it is no longer served`,
        );
      }
      // One whose secret cannot be read now is reported; if it runs, it keeps running as it was.
      for (const unusable of next.unusable) {
        const running = worker.connections.has(unusable.connection);
        logger.error(
          { connection: unusable.connection },
          `${label}: connection ${unusable.connection} cannot ${running ? 'be reloaded; it keeps running as it was' : 'start'}; the other connections are applied. ${unusable.reason}`,
        );
      }
      const before = new Map([...worker.connections].map(([name, w]) => [name, w.connection]));
      const changes = await worker.update(
        next.connections,
        next.unusable.map((u) => u.connection),
      );
      warnInsecure(
        config,
        changes.filter((c) => c.change !== 'stopped' && !before.has(c.connection)).map((c) => c.connection),
      );
      const said = reloadNotes(
        label,
        config,
        known,
        plan.names,
        before,
        changes,
        worker.connections,
        plan.watch !== undefined,
      );
      for (const note of said) logger.warn({ connection: note.connection }, note.text);
      known = config;
      if (changes.length === 0 && next.unusable.length === 0 && said.length === 0)
        logger.info(`${label}: the connections are unchanged`);
    };
    let reloading = Promise.resolve();
    const reloadOn = (label: string, received: string) => {
      logger.info(received);
      reloading = reloading
        .then(() => reload(label))
        .catch((err: unknown) => logger.error({ err }, `${label}: reload failed`))
        // What was just read is what the watch compares with next (a SIGHUP after an edit is not followed by a
        // second reload of the same edit).
        .then(() => watch?.sync())
        .catch(() => {});
    };
    const onHangup = () => reloadOn('SIGHUP', 'SIGHUP received: reading the connections again');
    process.on('SIGHUP', onHangup);
    if (plan.watch) {
      const files = () => [
        ...(known.connectionsFile ? [known.connectionsFile] : []),
        ...[...known.connections.values()].flatMap((c) => c.secretFiles),
      ];
      watch = new ConnectionsWatch({
        paths: files,
        intervalMs: plan.watch.intervalMs,
        onChange: () =>
          reloadOn(
            'Reload (files changed)',
            'The connections file or a secret file it names changed: reading the connections again',
          ),
      });
      await watch.start();
      logger.info(
        { files: files(), intervalMs: plan.watch.intervalMs },
        `Watching ${known.connectionsFile} and the ${files().length - 1} secret file${files().length === 2 ? '' : 's'} it names: a change is applied once they hold still for ${plan.watch.intervalMs} ms (SIGHUP still works)`,
      );
    }

    let signals = 0;
    const stopped = new Promise<WorkerCloseResult | undefined>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          logger.warn(
            `Second ${signal}: exiting now; in-flight rows will be picked up again by another worker`,
          );
          void flushLogger(logger, 1000).then(() => process.exit(ExitCode.Failure));
          return;
        }
        logger.info(`${signal} received: finishing in-flight rows (send it again to force)`);
        process.off('SIGHUP', onHangup);
        watch?.stop();
        worker.close().then(resolve, () => resolve(undefined));
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    // A worker none of whose connections can start (Redis unreachable, a bug) ends the process with a clear
    // line; one company that cannot start (a wrong URL) is logged and the others go on. What waiting can fix
    // never ends up here: an unreachable Pipedrive, a 429 or a rejected token are waited for in the connection.
    const failed = Promise.allSettled(readies).then((results) => {
      const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (reasons.length < results.length) return new Promise<never>(() => {});
      // Pipedrive answered, but not as a company's API (a wrong base_url): configuration, exit 2.
      if (reasons.every(isPipedriveError)) {
        return new ConfigError(
          `No connection can start: ${plan.connections
            .map(
              (c, i) => `connection "${c.name}" (${c.pipedrive.baseUrl}): ${(reasons[i] as Error).message}.`,
            )
            .join(' ')} Check its base_url (https://yourcompany.pipedrive.com or https://api.pipedrive.com).`,
        );
      }
      return reasons[0];
    });
    const outcome = await Promise.race([stopped.then(() => 'stopped' as const), failed]);
    if (outcome !== 'stopped' && signals === 0) {
      process.off('SIGHUP', onHangup);
      watch?.stop();
      await worker.close();
      await flushLogger(logger);
      throw outcome;
    }
    const closed = await stopped;
    logger.info('Worker stopped');
    await flushLogger(logger);
    // Rows left in flight (Redis gone) are not lost, but a supervisor should know the stop was not clean.
    return closed?.handedBack === false ? ExitCode.Failure : ExitCode.Ok;
  },
};
