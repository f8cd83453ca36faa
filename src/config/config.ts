/**
 * The only module that reads `process.env`. Everything else receives a frozen {@link Config}.
 *
 * Values are validated once; an invalid value raises a {@link ConfigError} that names the
 * environment variable (and the flag, where one exists) and how to fix it.
 *
 * Defaults are the measured best for a deployment that sets nothing: 10 rows per BullMQ job
 * ({@link DEFAULT_ROWS_PER_JOB}) halves the Redis commands per lead, and each import keeps the value it was
 * created with, so changing it never re-chunks an import under way.
 */

import { MAX_ROWS_PER_JOB } from '../queue/job-data.js';
import { ConfigError } from './config-error.js';
import { ConnectionConfig, DEFAULT_CONNECTION, type OAuthConfig } from './connection-config.js';
import { CONNECTIONS_FILE_VAR, loadConnectionsFile } from './connections.js';
import {
  ALLOW_INSECURE_HTTP_VAR,
  checkPipedriveUrl,
  type InsecureHosts,
  readInsecureHosts,
} from './pipedrive-url.js';
import { type AuthKind, dailyTokenBudget, PLANS } from './plans.js';
import { readRedisUrl } from './redis-url.js';
import { shownValue } from './shown-value.js';

export { ConfigError } from './config-error.js';
export {
  CONNECTION_NAME,
  ConnectionConfig,
  type ConnectionSettings,
  DEFAULT_CONNECTION,
  type OAuthConfig,
} from './connection-config.js';
export { CONNECTIONS_FILE_VAR } from './connections.js';
export { ALLOW_INSECURE_HTTP_VAR } from './pipedrive-url.js';
export {
  type AuthKind,
  burstLimitPer2s,
  dailyTokenBudget,
  PLAN_BURST_PER_2S,
  PLAN_MULTIPLIER,
  PLANS,
  type Plan,
  SEARCH_BURST_PER_2S,
} from './plans.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export interface Config {
  /**
   * Redis connection URL: `redis://…` for one server, `redis+sentinel://…` for a primary found through
   * Sentinel (built from `REDIS_SENTINELS` and `REDIS_SENTINEL_NAME` when those are set). Carries passwords:
   * print it only through `redactRedisUrl`. @defaultValue `redis://127.0.0.1:6379`
   */
  readonly redisUrl: string;
  /** Prefix of every Redis key this tool writes (BullMQ's and ours). @defaultValue `lpi` */
  readonly redisPrefix: string;
  /**
   * Every Pipedrive company this deployment serves, by name: the connections file's
   * (`PIPEDRIVE_CONNECTIONS_FILE`), or one named `default` from the `PIPEDRIVE_*` variables. In the file's order.
   */
  readonly connections: ReadonlyMap<string, ConnectionConfig>;
  /** The connections file, when the connections come from one. @defaultValue undefined (the `PIPEDRIVE_*` variables) */
  readonly connectionsFile: string | undefined;
  /**
   * The connection commands use when none is named: `default` when it is defined, else the only one; undefined
   * when the file defines several and none is named `default` (then every command that needs one asks for it).
   */
  readonly defaultConnection: string | undefined;
  /**
   * The {@link Config.defaultConnection | default} connection's settings (with several connections and no
   * `default`, the file's first). Kept so code that serves one company works unchanged; code that knows about
   * connections picks one with {@link connectionOf}.
   */
  readonly pipedrive: ConnectionConfig;
  /**
   * Rows per BullMQ job (`LEAD_IMPORTER_ROWS_PER_JOB`, 1…100): the producer enqueues chunks of this many
   * consecutive rows of an import (kept with the import: a re-run forms the same chunks); a worker takes it as
   * the size of the chunks to expect, until one arrives. 1 (one job per row) is still there for whoever wants each
   * row's job under its own `import-line` id in bull-board. An import's record keeps its k; a record written before
   * the field existed reads as 1, so imports enqueued before the default changed keep their one-row jobs.
   * @defaultValue {@link DEFAULT_ROWS_PER_JOB} (10)
   */
  readonly rowsPerJob: number;
  readonly worker: {
    /** Rows processed at once by one worker process. @defaultValue 8 */
    readonly concurrency: number;
    /**
     * Replicas that must hold an intent before its create is sent (`REDIS_INTENT_REPLICAS`).
     * @defaultValue 1 with a Sentinel URL, else 0
     */
    readonly intentReplicas: number;
    /** `auto` (WAITAOF where the server has it, WAIT for replicas) or `off` (`REDIS_INTENT_DURABILITY`). @defaultValue `auto` */
    readonly intentDurability: 'auto' | 'off';
  };
  readonly logLevel: string;
  readonly dashboard: {
    readonly user: string | undefined;
    readonly password: string | undefined;
  };
}

type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(
      `${name} must be a whole number ≥ ${min}, got ${shownValue(raw, env)}. Fix or unset ${name}.`,
    );
  }
  return value;
}

function readRowsPerJob(env: Env): number {
  const raw = env[ROWS_PER_JOB_VAR];
  if (raw === undefined || raw.trim() === '') return DEFAULT_ROWS_PER_JOB;
  const value = Number(raw);
  // One message with the whole range for every bad value: readInt's "≥ 1" for 0 said nothing of the upper bound.
  if (!Number.isInteger(value) || value < 1 || value > MAX_ROWS_PER_JOB) {
    throw new ConfigError(
      `${ROWS_PER_JOB_VAR} must be a whole number from 1 to ${MAX_ROWS_PER_JOB} (rows per BullMQ job), got ${shownValue(raw, env)}. Fix or unset ${ROWS_PER_JOB_VAR}.`,
    );
  }
  return value;
}

/** Rows per BullMQ job: see {@link Config.rowsPerJob}. */
export const ROWS_PER_JOB_VAR = 'LEAD_IMPORTER_ROWS_PER_JOB';

/**
 * Rows per BullMQ job when `LEAD_IMPORTER_ROWS_PER_JOB` is unset. 10 since 2026-12-02: BullMQ's own work per job
 * (≈ 36 Redis commands) shared by 10 rows took `bench:many-companies` from ≈ 61 to ≈ 32 Redis commands per lead
 * at the same worker CPU, with chaos kill/power-loss runs losing and doubling nothing (bench/README.md, "Ten rows
 * per job by default"; a power loss under a running chunk, found in CI and fixed the same day: "The evening merges
 * measured together").
 */
export const DEFAULT_ROWS_PER_JOB = 10;

function readFraction(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new ConfigError(
      `${name} must be a fraction from 0 to below 1 (e.g. 0.1 for 10 %), got ${shownValue(raw, env)}.`,
    );
  }
  return value;
}

function readUtcTime(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(raw);
  if (!match) {
    throw new ConfigError(
      `${name} must be a UTC time of day as HH:MM (e.g. 00:00), got ${shownValue(raw, env)}.`,
    );
  }
  return `${match[1]!.padStart(2, '0')}:${match[2]}`;
}

function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(
      `${name} must be one of ${allowed.join(', ')}, got ${shownValue(env[name] ?? '', env)}.`,
    );
  }
  return raw as T;
}

/** A Pipedrive URL from the environment: {@link checkPipedriveUrl}'s rule, naming the variable. */
function readPipedriveUrl(
  env: Env,
  name: string,
  fallback: string,
  insecureHosts: InsecureHosts,
  apiBase: boolean,
): { url: string; insecureOrigin?: string } {
  return checkPipedriveUrl(env[name]?.trim() || fallback, {
    subject: name,
    example: fallback,
    credentialsHint:
      'put the API token in PIPEDRIVE_API_TOKEN or the OAuth credentials in the PIPEDRIVE_OAUTH_* variables',
    insecureHosts,
    apiBase,
  });
}

/**
 * The warning line commands that talk to Pipedrive log when `PIPEDRIVE_ALLOW_INSECURE_HTTP` let plain HTTP
 * through to a host beyond loopback; undefined otherwise. About one connection, or about every connection.
 */
export function insecureHttpWarning(
  config: Config,
  connection?: Pick<ConnectionConfig, 'insecureHttpOrigins'>,
): string | undefined {
  const origins = connection
    ? connection.insecureHttpOrigins
    : [...new Set([...config.connections.values()].flatMap((c) => c.insecureHttpOrigins))];
  if (origins.length === 0) return undefined;
  return `Plain HTTP to ${origins.join(' and ')} (allowed by ${ALLOW_INSECURE_HTTP_VAR}): the API token and lead data cross the network unencrypted. Use this for a rehearsal against a sandbox only; Pipedrive itself is https://.`;
}

/** The one connection the `PIPEDRIVE_*` variables define (no connections file): `default`. */
function connectionFromEnv(env: Env, insecureHosts: InsecureHosts): ConnectionConfig {
  const plan = readEnum(env, 'PIPEDRIVE_PLAN', PLANS, 'lite');
  const seats = readInt(env, 'PIPEDRIVE_SEATS', 1, 1);
  const clientId = env.PIPEDRIVE_OAUTH_CLIENT_ID?.trim();
  const clientSecret = env.PIPEDRIVE_OAUTH_CLIENT_SECRET?.trim();
  const refreshToken = env.PIPEDRIVE_OAUTH_REFRESH_TOKEN?.trim();
  const oauthParts = [clientId, clientSecret, refreshToken].filter(Boolean).length;
  if (oauthParts > 0 && oauthParts < 3) {
    throw new ConfigError(
      'OAuth needs all three of PIPEDRIVE_OAUTH_CLIENT_ID, PIPEDRIVE_OAUTH_CLIENT_SECRET and PIPEDRIVE_OAUTH_REFRESH_TOKEN.',
    );
  }
  const baseUrl = readPipedriveUrl(
    env,
    'PIPEDRIVE_BASE_URL',
    'https://api.pipedrive.com',
    insecureHosts,
    true,
  );
  // Checked only when OAuth is configured: without it the token endpoint is never called.
  const tokenUrl =
    oauthParts === 3
      ? readPipedriveUrl(
          env,
          'PIPEDRIVE_OAUTH_TOKEN_URL',
          'https://oauth.pipedrive.com/oauth/token',
          insecureHosts,
          false,
        )
      : undefined;
  const oauth: OAuthConfig | undefined =
    oauthParts === 3
      ? {
          clientId: clientId!,
          clientSecret: clientSecret!,
          refreshToken: refreshToken!,
          tokenUrl: tokenUrl!.url,
        }
      : undefined;
  const apiToken = env.PIPEDRIVE_API_TOKEN?.trim() || undefined;
  if (oauth && apiToken) {
    throw new ConfigError(
      'Set either PIPEDRIVE_API_TOKEN or the PIPEDRIVE_OAUTH_* variables, not both: they have different burst limits and the importer must know which one it spends.',
    );
  }
  return new ConnectionConfig(
    {
      name: DEFAULT_CONNECTION,
      baseUrl: baseUrl.url,
      auth: oauth ? 'oauth' : 'api_token',
      plan,
      seats,
      dailyTokens: readInt(env, 'PIPEDRIVE_DAILY_TOKENS', dailyTokenBudget(plan, seats), 1),
      requestTimeoutMs: readInt(env, 'PIPEDRIVE_TIMEOUT_MS', 30 * SECOND, 1),
      budgetReserve: readFraction(env, 'PIPEDRIVE_BUDGET_RESERVE', 0.1),
      budgetResetUtc: readUtcTime(env, 'PIPEDRIVE_BUDGET_RESET_UTC', '00:00'),
      insecureHttpOrigins: [
        ...new Set([baseUrl.insecureOrigin, tokenUrl?.insecureOrigin].filter((o): o is string => !!o)),
      ],
      definedIn: 'the PIPEDRIVE_* variables',
    },
    {
      apiToken,
      oauth,
      missing:
        'No Pipedrive credentials: set PIPEDRIVE_API_TOKEN (Settings → Personal preferences → API) or the three PIPEDRIVE_OAUTH_* variables.',
    },
  );
}

/** Builds the configuration from an environment (default: `process.env`). Throws {@link ConfigError}. */
export function loadConfig(env: Env = process.env): Config {
  const insecureHosts = readInsecureHosts(env);
  const connectionsFile = env[CONNECTIONS_FILE_VAR]?.trim() || undefined;
  // With a connections file, the PIPEDRIVE_* variables describe no connection (a connection may still name
  // one of them as where its token is: api_token_env: PIPEDRIVE_API_TOKEN).
  const connections = connectionsFile
    ? loadConnectionsFile(connectionsFile, { env, insecureHosts })
    : new Map([[DEFAULT_CONNECTION, connectionFromEnv(env, insecureHosts)]]);
  const defaultConnection = connections.has(DEFAULT_CONNECTION)
    ? DEFAULT_CONNECTION
    : connections.size === 1
      ? [...connections.keys()][0]
      : undefined;
  const redisPrefix = env.REDIS_PREFIX?.trim() || 'lpi';
  if (redisPrefix.includes(':')) {
    throw new ConfigError(
      `REDIS_PREFIX must not contain ":" (BullMQ uses it as a separator), got ${shownValue(redisPrefix, env)}.`,
    );
  }
  const redisUrl = readRedisUrl(env);
  if (redisUrl.startsWith('redis+cluster:') && /[{}]/.test(redisPrefix)) {
    throw new ConfigError(
      `REDIS_PREFIX must not contain "{" or "}" on a Redis Cluster: the importer adds its own hash tags (one per connection), got ${shownValue(redisPrefix, env)}.`,
    );
  }
  const config: Config = {
    redisUrl,
    redisPrefix,
    connections,
    connectionsFile,
    defaultConnection,
    pipedrive: connections.get(defaultConnection ?? '') ?? [...connections.values()][0]!,
    rowsPerJob: readRowsPerJob(env),
    worker: {
      concurrency: readInt(env, 'WORKER_CONCURRENCY', 8, 1),
      intentReplicas: readInt(
        env,
        'REDIS_INTENT_REPLICAS',
        redisUrl.startsWith('redis+sentinel:') ? 1 : 0,
        0,
      ),
      intentDurability: readEnum(env, 'REDIS_INTENT_DURABILITY', ['auto', 'off'] as const, 'auto'),
    },
    logLevel: readEnum(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    dashboard: {
      user: env.DASHBOARD_USER || undefined,
      password: env.DASHBOARD_PASSWORD || undefined,
    },
  };
  return deepFreeze(config);
}

/**
 * The connection named `name`, or the {@link Config.defaultConnection | default} one when `name` is undefined.
 * Throws a {@link ConfigError} listing the connections there are when there is no such connection, or when none
 * is named and the file defines several without a `default`.
 */
export function connectionOf(config: Config, name?: string): ConnectionConfig {
  const wanted = name ?? config.defaultConnection;
  const found = wanted === undefined ? undefined : config.connections.get(wanted);
  if (found) return found;
  const names = [...config.connections.keys()].join(', ');
  const source = config.connectionsFile
    ? `${CONNECTIONS_FILE_VAR} (${config.connectionsFile}) defines ${names}`
    : `without ${CONNECTIONS_FILE_VAR} the PIPEDRIVE_* variables define one connection, ${DEFAULT_CONNECTION}`;
  if (wanted === undefined) {
    throw new ConfigError(
      `Which Pipedrive company? ${source}, and none is named ${DEFAULT_CONNECTION}: name one with --connection NAME.`,
    );
  }
  throw new ConfigError(
    `Unknown connection "${wanted}": ${source}. Name one of them with --connection NAME.`,
  );
}

/**
 * The connection an import went to, for a command that calls its company (`revert`, `verify`): another
 * connection's credentials would act on another company, so a connection the configuration no longer defines is
 * a {@link ConfigError} saying to define it again.
 */
export function importConnectionOf(
  config: Config,
  importId: string,
  name: string,
  toDo: 'revert' | 'verify',
): ConnectionConfig {
  const found = config.connections.get(name);
  if (found) return found;
  throw new ConfigError(
    `Import ${importId} went to connection "${name}", which ${config.connectionsFile ? `${CONNECTIONS_FILE_VAR} (${config.connectionsFile})` : `the PIPEDRIVE_* variables (without ${CONNECTIONS_FILE_VAR})`} does not define: define it again, with the same company's URL and credentials, to ${toDo} this import.`,
  );
}

/** The auth kind of the default connection: OAuth when its OAuth app is configured, else the API token. */
export function authKindOf(config: Config): AuthKind {
  return config.pipedrive.auth;
}

/** Throws a {@link ConfigError} unless the default connection can call Pipedrive. */
export function requirePipedriveAuth(config: Config): void {
  config.pipedrive.requireCredentials();
}

/** Freezes plain objects and arrays; class instances (a {@link ConnectionConfig}) and maps freeze themselves or stay as built. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Map) && !(value instanceof ConnectionConfig)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
