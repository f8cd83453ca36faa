/**
 * Options of the local Pipedrive sandbox. Every knob has a default that behaves like a Lite
 * company with one seat and an API token, with no latency and no faults.
 */
import { COMPANY } from './seed.js';

export type SandboxPlan = 'lite' | 'growth' | 'premium' | 'ultimate';
export type SandboxAuth = 'api_token' | 'oauth';

/** How `GET /v1/leads` reports pagination; the real shape is unverified (pipedrive-api.md §4.2, §12.6). */
export type LeadListPagination = 'flat' | 'nested' | 'both';
export type RateLimitResetUnit = 'seconds' | 'milliseconds';

export interface SandboxOAuthOptions {
  /** Client id accepted in the Basic credentials of `POST /oauth/token`. @defaultValue 'sandbox-client' */
  clientId: string;
  /** Client secret accepted in the Basic credentials. @defaultValue 'sandbox-secret' */
  clientSecret: string;
  /** The one refresh token the endpoint accepts (it returns the same one, as Pipedrive does). @defaultValue 'sandbox-refresh-token' */
  refreshToken: string;
  /** Lifetime of issued access tokens, in seconds (`expires_in`). Pipedrive: 3599. @defaultValue 3599 */
  accessTokenTtlSeconds?: number;
}

export interface SandboxOptions {
  /** TCP port; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Interface to bind. @defaultValue '127.0.0.1' */
  host?: string;
  /** Pipedrive plan: sets the burst limit and the daily budget multiplier. @defaultValue 'lite' */
  plan?: SandboxPlan;
  /** Number of seats (multiplies the daily budget). @defaultValue 1 */
  seats?: number;
  /**
   * Auth type the burst limit is computed for: OAuth apps get 4× the API-token limit. Requests that
   * carry an OAuth bearer token always get the OAuth limit. @defaultValue 'api_token'
   */
  auth?: SandboxAuth;
  /** Daily token budget. @defaultValue 30,000 × plan multiplier × seats */
  dailyTokens?: number;
  /** Added latency per API request, in milliseconds. @defaultValue 0 */
  latencyMs?: number;
  /** Uniform random extra latency in [0, latencyJitterMs), in milliseconds. @defaultValue 0 */
  latencyJitterMs?: number;
  /** Probability (0–1) that an API request fails with 500/502/503. @defaultValue 0 */
  faultRate?: number;
  /** Probability (0–1) that an API request is never answered (held until the client gives up). @defaultValue 0 */
  timeoutRate?: number;
  /** Probability (0–1) that the connection is destroyed instead of answered. @defaultValue 0 */
  resetRate?: number;
  /**
   * For writes (POST/PATCH/DELETE), the share of injected faults that happen after the write was applied:
   * the object exists but the response is lost. @defaultValue 0.5
   */
  faultAfterWriteRatio?: number;
  /** Seed of the fault and jitter generators, for reproducible runs. @defaultValue 1 */
  seed?: number;
  /**
   * The API token accepted in `x-api-token` or `?api_token=`; {@link Sandbox.setApiToken} (`POST /_sandbox/api-token`)
   * replaces it at runtime, as when a company revokes a token. @defaultValue 'sandbox-token'
   */
  apiToken?: string;
  /**
   * The company's id (`company_id` of `GET /v1/users/me`): workers keep budgets, caches and locks per company, so
   * sandboxes that stand for different companies need different ids. A positive integer. @defaultValue 7654321
   */
  companyId?: number;
  /** `false` turns off burst, search and daily limits (tokens are still counted). @defaultValue true */
  limits?: boolean;
  /** OAuth client accepted by `POST /oauth/token`. */
  oauth?: Partial<SandboxOAuthOptions>;
  /** Created persons, organizations and leads become searchable only after this delay, in milliseconds. @defaultValue 0 */
  searchLagMs?: number;
  /** UTC hour at which the daily budget resets ("server midnight"). @defaultValue 0 */
  budgetResetHourUtc?: number;
  /** Clock in epoch milliseconds; inject one to test windows without sleeping. @defaultValue Date.now */
  now?: () => number;
  /**
   * After this many 429s in a row without a pause of one window (2 s), answer 403 with an HTML page
   * as Pipedrive's Cloudflare edge does. 0 disables it. @defaultValue 50
   */
  maxIgnored429?: number;
  /** How long a hanging request (timeoutRate) is held before its socket is destroyed, in milliseconds. @defaultValue 300,000 */
  timeoutHoldMs?: number;
  /** How `GET /v1/leads` reports pagination. @defaultValue 'flat' (SPEC-v1 and the SDK type) */
  leadListPagination?: LeadListPagination;
  /** Entries kept in the request log (a ring buffer). @defaultValue 10,000 */
  requestLogSize?: number;
  /**
   * Unit of `x-ratelimit-reset`: Pipedrive's docs give no unit and show the value `2`, read as
   * seconds (pipedrive-api.md §3.5, §12.3); `milliseconds` tries the exact wait a client sees
   * when the server is finer. `Retry-After` stays in whole seconds either way. @defaultValue 'seconds'
   */
  rateLimitResetUnit?: RateLimitResetUnit;
  /**
   * Whether the company uses Pipedrive Campaigns: only then does `GET /v1/personFields` list
   * `marketing_status` and do person writes accept it (SPEC-v1 `getPersonFields`, SPEC-v2 `PATCH /persons/{id}`).
   * @defaultValue true
   */
  campaigns?: boolean;
}

/** Options that `configure()` and `POST /_sandbox/config` may change at runtime. */
export type RuntimeOptions = Pick<
  SandboxOptions,
  | 'latencyMs'
  | 'latencyJitterMs'
  | 'faultRate'
  | 'timeoutRate'
  | 'resetRate'
  | 'faultAfterWriteRatio'
  | 'seed'
  | 'limits'
  | 'plan'
  | 'seats'
  | 'auth'
  | 'dailyTokens'
  | 'searchLagMs'
  | 'maxIgnored429'
  | 'leadListPagination'
  | 'budgetResetHourUtc'
  | 'campaigns'
  | 'rateLimitResetUnit'
>;

export const RUNTIME_OPTION_KEYS: readonly (keyof RuntimeOptions)[] = [
  'latencyMs',
  'latencyJitterMs',
  'faultRate',
  'timeoutRate',
  'resetRate',
  'faultAfterWriteRatio',
  'seed',
  'limits',
  'plan',
  'seats',
  'auth',
  'dailyTokens',
  'searchLagMs',
  'maxIgnored429',
  'leadListPagination',
  'budgetResetHourUtc',
  'campaigns',
  'rateLimitResetUnit',
];

export const PLAN_MULTIPLIER: Readonly<Record<SandboxPlan, number>> = {
  lite: 1,
  growth: 2,
  premium: 5,
  ultimate: 7,
};

/** API-token burst limit per rolling 2-s window (pipedrive-api.md §3.4); OAuth apps get 4×. */
export const PLAN_BURST_LIMIT: Readonly<Record<SandboxPlan, number>> = {
  lite: 20,
  growth: 40,
  premium: 100,
  ultimate: 120,
};

export const SEARCH_BURST_LIMIT = 10;
export const BURST_WINDOW_MS = 2_000;
export const DAILY_TOKENS_PER_SEAT = 30_000;

/** Resolved options: every knob has a value. `dailyTokens` stays undefined when computed from plan × seats. */
export interface ResolvedOptions {
  port: number;
  host: string;
  plan: SandboxPlan;
  seats: number;
  auth: SandboxAuth;
  dailyTokens: number | undefined;
  latencyMs: number;
  latencyJitterMs: number;
  faultRate: number;
  timeoutRate: number;
  resetRate: number;
  faultAfterWriteRatio: number;
  seed: number;
  apiToken: string;
  companyId: number;
  limits: boolean;
  oauth: Required<SandboxOAuthOptions>;
  searchLagMs: number;
  budgetResetHourUtc: number;
  now: () => number;
  maxIgnored429: number;
  timeoutHoldMs: number;
  leadListPagination: LeadListPagination;
  requestLogSize: number;
  campaigns: boolean;
  rateLimitResetUnit: RateLimitResetUnit;
}

const PLANS = Object.keys(PLAN_MULTIPLIER) as SandboxPlan[];

/** Thrown for an option value the sandbox cannot honour; the message names the option and the fix. */
export class SandboxOptionError extends Error {
  override name = 'SandboxOptionError';
}

function rate(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new SandboxOptionError(`${name} must be a number between 0 and 1, got ${String(value)}`);
  }
  return v;
}

function nonNegative(name: string, value: number | undefined, fallback: number, integer = false): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw new SandboxOptionError(
      `${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${String(value)}`,
    );
  }
  return v;
}

/** Applies defaults and checks every value; `base` supplies values not given (for `configure`). */
export function resolveOptions(options: SandboxOptions = {}, base?: ResolvedOptions): ResolvedOptions {
  const plan = options.plan ?? base?.plan ?? 'lite';
  if (!PLANS.includes(plan)) {
    throw new SandboxOptionError(`plan must be one of ${PLANS.join(', ')}, got ${String(plan)}`);
  }
  const auth = options.auth ?? base?.auth ?? 'api_token';
  if (auth !== 'api_token' && auth !== 'oauth') {
    throw new SandboxOptionError(`auth must be api_token or oauth, got ${String(auth)}`);
  }
  const seats = nonNegative('seats', options.seats, base?.seats ?? 1, true);
  if (seats < 1) throw new SandboxOptionError('seats must be at least 1');
  const pagination = options.leadListPagination ?? base?.leadListPagination ?? 'flat';
  if (!['flat', 'nested', 'both'].includes(pagination)) {
    throw new SandboxOptionError(
      `leadListPagination must be flat, nested or both, got ${String(pagination)}`,
    );
  }
  const resetUnit = options.rateLimitResetUnit ?? base?.rateLimitResetUnit ?? 'seconds';
  if (resetUnit !== 'seconds' && resetUnit !== 'milliseconds') {
    throw new SandboxOptionError(
      `rateLimitResetUnit must be seconds or milliseconds, got ${String(resetUnit)}`,
    );
  }
  const resetHour = nonNegative(
    'budgetResetHourUtc',
    options.budgetResetHourUtc,
    base?.budgetResetHourUtc ?? 0,
    true,
  );
  if (resetHour > 23) throw new SandboxOptionError('budgetResetHourUtc must be between 0 and 23');
  const companyId = nonNegative('companyId', options.companyId, base?.companyId ?? COMPANY.id, true);
  if (companyId < 1 || companyId > Number.MAX_SAFE_INTEGER) {
    throw new SandboxOptionError(`companyId must be a positive integer, got ${String(options.companyId)}`);
  }
  const campaigns = options.campaigns ?? base?.campaigns ?? true;
  if (typeof campaigns !== 'boolean') {
    throw new SandboxOptionError(`campaigns must be true or false, got ${String(options.campaigns)}`);
  }
  const dailyTokens =
    'dailyTokens' in options && options.dailyTokens !== undefined
      ? nonNegative('dailyTokens', options.dailyTokens, 0, true)
      : base?.dailyTokens;
  return {
    port: nonNegative('port', options.port, base?.port ?? 0, true),
    host: options.host ?? base?.host ?? '127.0.0.1',
    plan,
    seats,
    auth,
    dailyTokens,
    latencyMs: nonNegative('latencyMs', options.latencyMs, base?.latencyMs ?? 0),
    latencyJitterMs: nonNegative('latencyJitterMs', options.latencyJitterMs, base?.latencyJitterMs ?? 0),
    faultRate: rate('faultRate', options.faultRate, base?.faultRate ?? 0),
    timeoutRate: rate('timeoutRate', options.timeoutRate, base?.timeoutRate ?? 0),
    resetRate: rate('resetRate', options.resetRate, base?.resetRate ?? 0),
    faultAfterWriteRatio: rate(
      'faultAfterWriteRatio',
      options.faultAfterWriteRatio,
      base?.faultAfterWriteRatio ?? 0.5,
    ),
    seed: nonNegative('seed', options.seed, base?.seed ?? 1, true),
    apiToken: options.apiToken ?? base?.apiToken ?? 'sandbox-token',
    companyId,
    limits: options.limits ?? base?.limits ?? true,
    oauth: {
      clientId: options.oauth?.clientId ?? base?.oauth.clientId ?? 'sandbox-client',
      clientSecret: options.oauth?.clientSecret ?? base?.oauth.clientSecret ?? 'sandbox-secret',
      refreshToken: options.oauth?.refreshToken ?? base?.oauth.refreshToken ?? 'sandbox-refresh-token',
      accessTokenTtlSeconds: nonNegative(
        'oauth.accessTokenTtlSeconds',
        options.oauth?.accessTokenTtlSeconds,
        base?.oauth.accessTokenTtlSeconds ?? 3599,
      ),
    },
    searchLagMs: nonNegative('searchLagMs', options.searchLagMs, base?.searchLagMs ?? 0),
    budgetResetHourUtc: resetHour,
    now: options.now ?? base?.now ?? Date.now,
    maxIgnored429: nonNegative('maxIgnored429', options.maxIgnored429, base?.maxIgnored429 ?? 50, true),
    timeoutHoldMs: nonNegative('timeoutHoldMs', options.timeoutHoldMs, base?.timeoutHoldMs ?? 300_000),
    leadListPagination: pagination as LeadListPagination,
    requestLogSize: Math.max(
      1,
      nonNegative('requestLogSize', options.requestLogSize, base?.requestLogSize ?? 10_000, true),
    ),
    campaigns,
    rateLimitResetUnit: resetUnit as RateLimitResetUnit,
  };
}

/** The daily budget in tokens: explicit, or 30,000 × plan multiplier × seats (pipedrive-api.md §3.2). */
export function dailyBudgetOf(options: ResolvedOptions): number {
  return options.dailyTokens ?? DAILY_TOKENS_PER_SEAT * PLAN_MULTIPLIER[options.plan] * options.seats;
}

/** Requests per 2-s window for one request (OAuth bearer requests always get the OAuth limit). */
export function burstLimitOf(options: ResolvedOptions, viaOAuth: boolean): number {
  const base = PLAN_BURST_LIMIT[options.plan];
  return options.auth === 'oauth' || viaOAuth ? base * 4 : base;
}
