import { inspect } from 'node:util';
import { ConfigError } from './config-error.js';
import type { AuthKind, Plan } from './plans.js';

/** The connection the `PIPEDRIVE_*` variables define, and the one commands use when none is named. */
export const DEFAULT_CONNECTION = 'default';

/** Connection names go into Redis keys and queue names: lower-case letters, digits, `_` and `-`, at most 32. */
export const CONNECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Names no connection may have: `dlq`'s lead queue would be the dead-letter queue (`lead-import-dlq`). */
export const RESERVED_CONNECTION_NAMES: readonly string[] = ['dlq'];

export interface OAuthConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  /** Token endpoint; defaults to Pipedrive's, configurable so the sandbox can serve it. */
  readonly tokenUrl: string;
}

/** What a connection is, apart from its secrets. */
export interface ConnectionSettings {
  /** `default`, or a name from the connections file ({@link CONNECTION_NAME}). */
  readonly name: string;
  /** e.g. `https://yourcompany.pipedrive.com`; v1 lives at `/api/v1`, v2 at `/api/v2`. */
  readonly baseUrl: string;
  /** Which credentials the connection is set up with: they have different burst limits. */
  readonly auth: AuthKind;
  readonly plan: Plan;
  readonly seats: number;
  /** Tokens per budget day: plan × seats, unless overridden (`daily_tokens`, `PIPEDRIVE_DAILY_TOKENS`). */
  readonly dailyTokens: number;
  /** Per-request timeout in ms. @defaultValue 30000 */
  readonly requestTimeoutMs: number;
  /** Share of the daily budget left for the company's other integrations, 0–1. @defaultValue 0.1 */
  readonly budgetReserve: number;
  /** When Pipedrive's budget day starts, `HH:MM` in UTC (Pipedrive's "server midnight"). @defaultValue `00:00` */
  readonly budgetResetUtc: string;
  /**
   * Origins (never credentials) of the connection's URLs that use plain `http://` to a host beyond loopback,
   * allowed by `PIPEDRIVE_ALLOW_INSECURE_HTTP`. Commands that talk to Pipedrive warn about each.
   * @defaultValue `[]`
   */
  readonly insecureHttpOrigins: readonly string[];
  /** Where the connection is defined, for messages: `the PIPEDRIVE_* variables` or `connections.yaml:4:3`. */
  readonly definedIn: string;
  /**
   * Names (never values) of the environment variables the connection's secrets come from (`api_token_env`, the
   * OAuth `*_env` keys): a running process read them when it started and cannot read them again, so a rejected
   * token is fixed by a restart rather than SIGHUP. @defaultValue `[]`
   */
  readonly secretVariables?: readonly string[];
  /** Paths (resolved) of the files the connection's secrets come from: what `worker --watch` watches. @defaultValue `[]` */
  readonly secretFiles?: readonly string[];
}

/** The secrets of a connection, read from the environment or from files when the configuration is loaded. */
export interface ConnectionCredentials {
  apiToken?: string | undefined;
  oauth?: OAuthConfig | undefined;
  /** Why there are none (a variable not set, a file missing): the message {@link ConnectionConfig.requireCredentials} throws. */
  missing?: string;
}

/**
 * Connections' secrets, kept apart from the objects: a copy of a connection (a spread, the log redaction's, a
 * structured clone) carries none, and reading a secret from such a copy gives `undefined` rather than an error.
 */
const SECRETS = new WeakMap<ConnectionConfig, Readonly<ConnectionCredentials>>();

/**
 * One Pipedrive company: where it is, what its plan allows, and its credentials.
 *
 * The credentials live in a separate map behind getters, so they are never part of the object's JSON, of
 * `util.inspect`, of a copy or of a pino log line — a connection can be logged or shown whole. Code that calls
 * Pipedrive reads `apiToken` or `oauth` explicitly.
 */
export class ConnectionConfig implements ConnectionSettings {
  readonly name: string;
  readonly baseUrl: string;
  readonly auth: AuthKind;
  readonly plan: Plan;
  readonly seats: number;
  readonly dailyTokens: number;
  readonly requestTimeoutMs: number;
  readonly budgetReserve: number;
  readonly budgetResetUtc: string;
  readonly insecureHttpOrigins: readonly string[];
  readonly definedIn: string;
  readonly secretVariables: readonly string[];
  readonly secretFiles: readonly string[];

  constructor(settings: ConnectionSettings, credentials: ConnectionCredentials) {
    this.name = settings.name;
    this.baseUrl = settings.baseUrl;
    this.auth = settings.auth;
    this.plan = settings.plan;
    this.seats = settings.seats;
    this.dailyTokens = settings.dailyTokens;
    this.requestTimeoutMs = settings.requestTimeoutMs;
    this.budgetReserve = settings.budgetReserve;
    this.budgetResetUtc = settings.budgetResetUtc;
    this.insecureHttpOrigins = Object.freeze([...settings.insecureHttpOrigins]);
    this.definedIn = settings.definedIn;
    this.secretVariables = Object.freeze([...(settings.secretVariables ?? [])]);
    this.secretFiles = Object.freeze([...(settings.secretFiles ?? [])]);
    SECRETS.set(
      this,
      Object.freeze({
        apiToken: credentials.apiToken || undefined,
        oauth: credentials.oauth ? Object.freeze({ ...credentials.oauth }) : undefined,
        missing: credentials.missing,
      }),
    );
    Object.freeze(this);
  }

  /** API token; never logged, never stored in Redis. */
  get apiToken(): string | undefined {
    return SECRETS.get(this)?.apiToken;
  }

  /** The OAuth app and refresh token, when the connection uses OAuth. */
  get oauth(): OAuthConfig | undefined {
    return SECRETS.get(this)?.oauth;
  }

  /** Whether the connection can call Pipedrive. */
  get hasCredentials(): boolean {
    return this.apiToken !== undefined || this.oauth !== undefined;
  }

  /** Throws a {@link ConfigError} saying where to put the credentials unless the connection has them. */
  requireCredentials(): void {
    if (this.hasCredentials) return;
    throw new ConfigError(
      SECRETS.get(this)?.missing ??
        `No Pipedrive credentials for connection "${this.name}" (${this.definedIn}): reference an API token with api_token_env or api_token_file, or an OAuth app with oauth.`,
    );
  }

  /** The settings, never the secrets (`JSON.stringify` would skip the getters anyway; this says so). */
  toJSON(): ConnectionSettings & { credentials: string } {
    return { ...this, credentials: this.hasCredentials ? '[hidden]' : '[none]' };
  }

  [inspect.custom](depth: number, options: Parameters<typeof inspect>[1]): string {
    // Even `inspect(connection, { getters: true })` must not call the getters.
    return `ConnectionConfig ${inspect(this.toJSON(), { ...options, depth })}`;
  }
}
