/**
 * The only module that reads `process.env`. Everything else receives a frozen {@link Config}.
 *
 * Values are validated once; an invalid value raises a {@link ConfigError} that names the
 * environment variable (and the flag, where one exists) and how to fix it.
 */

import { isLoopbackHost } from './loopback-host.js';
import {
  formatSentinelUrl,
  isSentinelUrl,
  parseRedisTarget,
  parseSentinelList,
  parseSentinelUrl,
  RedisTargetError,
  type SentinelTarget,
} from './redis-target.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export type Plan = 'lite' | 'growth' | 'premium' | 'ultimate';
export type AuthKind = 'api_token' | 'oauth';
export const PLANS: readonly Plan[] = ['lite', 'growth', 'premium', 'ultimate'];

/** Daily token budget multiplier per plan (pipedrive-api.md §3.2). */
export const PLAN_MULTIPLIER: Record<Plan, number> = { lite: 1, growth: 2, premium: 5, ultimate: 7 };

/** Requests per rolling 2-second window with an API token (pipedrive-api.md §3.4). OAuth apps get 4×. */
export const PLAN_BURST_PER_2S: Record<Plan, number> = { lite: 20, growth: 40, premium: 100, ultimate: 120 };

/** Search API: 10 requests per 2 s on every plan and auth type. */
export const SEARCH_BURST_PER_2S = 10;

export function burstLimitPer2s(plan: Plan, auth: AuthKind): number {
  return PLAN_BURST_PER_2S[plan] * (auth === 'oauth' ? 4 : 1);
}

export function dailyTokenBudget(plan: Plan, seats: number): number {
  return 30_000 * PLAN_MULTIPLIER[plan] * seats;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The variable that lets plain HTTP carry credentials beyond loopback (a rehearsal against a remote sandbox). */
export const ALLOW_INSECURE_HTTP_VAR = 'PIPEDRIVE_ALLOW_INSECURE_HTTP';

export interface OAuthConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  /** Token endpoint; defaults to Pipedrive's, configurable so the sandbox can serve it. */
  readonly tokenUrl: string;
}

export interface Config {
  /**
   * Redis connection URL: `redis://…` for one server, `redis+sentinel://…` for a primary found through
   * Sentinel (built from `REDIS_SENTINELS` and `REDIS_SENTINEL_NAME` when those are set). Carries passwords:
   * print it only through `redactRedisUrl`. @defaultValue `redis://127.0.0.1:6379`
   */
  readonly redisUrl: string;
  /** Prefix of every Redis key this tool writes (BullMQ's and ours). @defaultValue `lpi` */
  readonly redisPrefix: string;
  readonly pipedrive: {
    /** e.g. `https://yourcompany.pipedrive.com`; v1 lives at `/api/v1`, v2 at `/api/v2`. */
    readonly baseUrl: string;
    /** API token; never logged, never stored in Redis. */
    readonly apiToken: string | undefined;
    readonly oauth: OAuthConfig | undefined;
    readonly plan: Plan;
    readonly seats: number;
    /** Overrides the computed daily budget (`PIPEDRIVE_DAILY_TOKENS`). */
    readonly dailyTokens: number;
    /** Per-request timeout in ms. @defaultValue 30000 */
    readonly requestTimeoutMs: number;
    /** Share of the daily budget left for the company's other integrations, 0–1. @defaultValue 0.1 */
    readonly budgetReserve: number;
    /** When Pipedrive's budget day starts, `HH:MM` in UTC (Pipedrive's "server midnight"). @defaultValue `00:00` */
    readonly budgetResetUtc: string;
    /**
     * Origins (never credentials) of the configured URLs that use plain `http://` to a host beyond loopback,
     * allowed by `PIPEDRIVE_ALLOW_INSECURE_HTTP`. Commands that talk to Pipedrive warn about each.
     * @defaultValue `[]`
     */
    readonly insecureHttpOrigins: readonly string[];
  };
  readonly worker: {
    /** Jobs processed at once by one worker process. @defaultValue 8 */
    readonly concurrency: number;
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
    throw new ConfigError(`${name} must be a whole number ≥ ${min}, got "${raw}". Fix or unset ${name}.`);
  }
  return value;
}

function readFraction(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new ConfigError(`${name} must be a fraction from 0 to below 1 (e.g. 0.1 for 10 %), got "${raw}".`);
  }
  return value;
}

function readUtcTime(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(raw);
  if (!match) throw new ConfigError(`${name} must be a UTC time of day as HH:MM (e.g. 00:00), got "${raw}".`);
  return `${match[1]!.padStart(2, '0')}:${match[2]}`;
}

function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${env[name]}".`);
  }
  return raw as T;
}

function readUrl(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  try {
    const url = new URL(raw);
    return url.toString().replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`${name} must be a URL such as ${fallback}, got "${raw}".`);
  }
}

/** Hosts `PIPEDRIVE_ALLOW_INSECURE_HTTP` names (`sandbox`, `sandbox,10.0.0.5`), or `'any'` for `1`/`true`/`*`. */
function readInsecureHosts(env: Env): ReadonlySet<string> | 'any' {
  const raw = env[ALLOW_INSECURE_HTTP_VAR]?.trim().toLowerCase() ?? '';
  if (raw === '' || raw === '0' || raw === 'false' || raw === 'no') return new Set();
  if (raw === '1' || raw === 'true' || raw === 'yes' || raw === '*') return 'any';
  const hosts = raw.split(',').map((h) => h.trim().replace(/^\[|\]$/g, ''));
  const bad = hosts.find((h) => !/^[a-z0-9._:-]+$/.test(h));
  if (bad !== undefined) {
    throw new ConfigError(
      `${ALLOW_INSECURE_HTTP_VAR} must be 1 or a comma-separated list of host names (e.g. sandbox), got "${env[ALLOW_INSECURE_HTTP_VAR]}".`,
    );
  }
  return new Set(hosts);
}

/**
 * A Pipedrive URL (API or token endpoint): `https://`, or plain `http://` to a loopback host (the local
 * sandbox) — anything else would send the API token, OAuth secrets and lead data unencrypted across a network.
 * A rehearsal against a sandbox on another host opts in with `PIPEDRIVE_ALLOW_INSECURE_HTTP`; the URL's origin
 * is then returned as `insecureOrigin` so commands can say so in their logs.
 */
function readPipedriveUrl(
  env: Env,
  name: string,
  fallback: string,
  insecureHosts: ReadonlySet<string> | 'any',
): { url: string; insecureOrigin?: string } {
  const url = readUrl(env, name, fallback);
  const parsed = new URL(url);
  // The origin never carries `user:password@`, so messages may quote it.
  const origin = `${parsed.protocol}//${parsed.host}`;
  if (parsed.username || parsed.password) {
    // fetch refuses such a URL with an error that quotes it, password and all.
    throw new ConfigError(
      `${name} must not contain a user name or password (user:password@), got "${origin}": put the API token in PIPEDRIVE_API_TOKEN or the OAuth credentials in the PIPEDRIVE_OAUTH_* variables.`,
    );
  }
  if (parsed.protocol === 'https:') return { url };
  if (parsed.protocol !== 'http:') {
    throw new ConfigError(`${name} must be an https:// URL such as ${fallback}, got "${origin}".`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isLoopbackHost(host)) return { url };
  if (insecureHosts === 'any' || insecureHosts.has(host)) return { url, insecureOrigin: origin };
  throw new ConfigError(
    `${name} must use https:// (got "${origin}"): over plain HTTP the API token and lead data cross the network unencrypted. ` +
      `Use https:// (e.g. ${fallback}); plain HTTP is accepted only for loopback (127.0.0.1, localhost, ::1), or, for a rehearsal against a sandbox on another host, with ${ALLOW_INSECURE_HTTP_VAR}=${host}.`,
  );
}

/**
 * The warning line commands that talk to Pipedrive log when `PIPEDRIVE_ALLOW_INSECURE_HTTP` let plain HTTP
 * through to a host beyond loopback; undefined otherwise.
 */
export function insecureHttpWarning(config: Config): string | undefined {
  const origins = config.pipedrive.insecureHttpOrigins;
  if (origins.length === 0) return undefined;
  return `Plain HTTP to ${origins.join(' and ')} (allowed by ${ALLOW_INSECURE_HTTP_VAR}): the API token and lead data cross the network unencrypted. Use this for a rehearsal against a sandbox only; Pipedrive itself is https://.`;
}

/**
 * The Redis URL from `REDIS_URL`, or from `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`; `REDIS_SENTINEL_PASSWORD`
 * goes to the sentinels of either form. A Sentinel setup comes out as one canonical `redis+sentinel://` URL, so
 * every process (producer, workers, dashboard, commands) connects through the same code from one string.
 */
function readRedisUrl(env: Env): string {
  const url = env.REDIS_URL?.trim() || undefined;
  const sentinels = env.REDIS_SENTINELS?.trim() || undefined;
  const name = env.REDIS_SENTINEL_NAME?.trim() || undefined;
  const sentinelPassword = env.REDIS_SENTINEL_PASSWORD || undefined;
  try {
    let target: SentinelTarget | undefined;
    if (sentinels !== undefined || name !== undefined) {
      if (sentinels === undefined || name === undefined) {
        throw new ConfigError(
          `Sentinel needs both REDIS_SENTINELS (host:port,host:port) and REDIS_SENTINEL_NAME (the master group name); ${sentinels === undefined ? 'REDIS_SENTINELS' : 'REDIS_SENTINEL_NAME'} is not set.`,
        );
      }
      if (url !== undefined) {
        throw new ConfigError(
          "REDIS_URL and REDIS_SENTINELS both say where Redis is: unset REDIS_URL, or unset REDIS_SENTINELS and REDIS_SENTINEL_NAME and write redis+sentinel://[:password@]host:port,host:port/mastername in REDIS_URL (the form that can also carry the primary's password and db).",
        );
      }
      target = { kind: 'sentinel', sentinels: parseSentinelList(sentinels, 'REDIS_SENTINELS'), name, db: 0 };
    } else if (url !== undefined && isSentinelUrl(url)) {
      target = parseSentinelUrl(url, 'REDIS_URL');
    } else if (url !== undefined) {
      parseRedisTarget(url, 'REDIS_URL'); // refuses rediss+sentinel://
    }
    if (sentinelPassword !== undefined) {
      if (!target) {
        throw new ConfigError(
          'REDIS_SENTINEL_PASSWORD is set but no Sentinel is configured: set REDIS_SENTINELS and REDIS_SENTINEL_NAME, or a redis+sentinel:// REDIS_URL, or unset REDIS_SENTINEL_PASSWORD.',
        );
      }
      if (target.sentinelPassword !== undefined && target.sentinelPassword !== sentinelPassword) {
        throw new ConfigError(
          "The sentinels' password is given twice (REDIS_SENTINEL_PASSWORD and sentinelPassword= in REDIS_URL), differently: keep one.",
        );
      }
      target.sentinelPassword = sentinelPassword;
    }
    if (target) return formatSentinelUrl(target);
    return url ?? 'redis://127.0.0.1:6379';
  } catch (err) {
    if (err instanceof RedisTargetError) throw new ConfigError(err.message);
    throw err;
  }
}

/** Builds the configuration from an environment (default: `process.env`). Throws {@link ConfigError}. */
export function loadConfig(env: Env = process.env): Config {
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
  const insecureHosts = readInsecureHosts(env);
  const baseUrl = readPipedriveUrl(env, 'PIPEDRIVE_BASE_URL', 'https://api.pipedrive.com', insecureHosts);
  // Checked only when OAuth is configured: without it the token endpoint is never called.
  const tokenUrl =
    oauthParts === 3
      ? readPipedriveUrl(
          env,
          'PIPEDRIVE_OAUTH_TOKEN_URL',
          'https://oauth.pipedrive.com/oauth/token',
          insecureHosts,
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
  if (oauth && env.PIPEDRIVE_API_TOKEN?.trim()) {
    throw new ConfigError(
      'Set either PIPEDRIVE_API_TOKEN or the PIPEDRIVE_OAUTH_* variables, not both: they have different burst limits and the importer must know which one it spends.',
    );
  }
  const redisPrefix = env.REDIS_PREFIX?.trim() || 'lpi';
  if (redisPrefix.includes(':')) {
    throw new ConfigError(
      `REDIS_PREFIX must not contain ":" (BullMQ uses it as a separator), got "${redisPrefix}".`,
    );
  }
  const config: Config = {
    redisUrl: readRedisUrl(env),
    redisPrefix,
    pipedrive: {
      baseUrl: baseUrl.url,
      apiToken: env.PIPEDRIVE_API_TOKEN?.trim() || undefined,
      oauth,
      plan,
      seats,
      dailyTokens: readInt(env, 'PIPEDRIVE_DAILY_TOKENS', dailyTokenBudget(plan, seats), 1),
      requestTimeoutMs: readInt(env, 'PIPEDRIVE_TIMEOUT_MS', 30 * SECOND, 1),
      budgetReserve: readFraction(env, 'PIPEDRIVE_BUDGET_RESERVE', 0.1),
      budgetResetUtc: readUtcTime(env, 'PIPEDRIVE_BUDGET_RESET_UTC', '00:00'),
      insecureHttpOrigins: [
        ...new Set([baseUrl.insecureOrigin, tokenUrl?.insecureOrigin].filter((o): o is string => !!o)),
      ],
    },
    worker: { concurrency: readInt(env, 'WORKER_CONCURRENCY', 8, 1) },
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

/** The auth kind a config implies: OAuth when its three variables are set, else the API token. */
export function authKindOf(config: Config): AuthKind {
  return config.pipedrive.oauth ? 'oauth' : 'api_token';
}

/** Throws a {@link ConfigError} unless the config can call Pipedrive. */
export function requirePipedriveAuth(config: Config): void {
  if (!config.pipedrive.apiToken && !config.pipedrive.oauth) {
    throw new ConfigError(
      'No Pipedrive credentials: set PIPEDRIVE_API_TOKEN (Settings → Personal preferences → API) or the three PIPEDRIVE_OAUTH_* variables.',
    );
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
