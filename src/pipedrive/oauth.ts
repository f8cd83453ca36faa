import type { Logger } from '../logging/logger.js';
import { errorFromResponse, PipedriveAuthError, redactSecrets, unusableResponseError } from './errors.js';
import { JsonShapeError, parseBoundedJson } from './json-shape.js';
import { parseRateLimitHeaders } from './rate-limit.js';
import type { Send } from './transport.js';

/** Pipedrive's token endpoint (pipedrive-api.md §1.3). */
export const PIPEDRIVE_TOKEN_URL = 'https://oauth.pipedrive.com/oauth/token';
/** Refresh this long before the access token expires, so no call goes out with a token about to lapse. */
export const DEFAULT_REFRESH_SKEW_MS = 60_000;

/** What a refresh returned. Secret: hand it to a secret store, never to a logger. */
export interface OAuthTokens {
  accessToken: string;
  /** Pipedrive returns the same refresh token with its 60-day expiry extended; persist it anyway. */
  refreshToken: string;
  /** When the access token expires, in ms since the epoch. */
  expiresAtMs: number;
  /** `api_domain` from the response, e.g. `https://company.pipedrive.com`, when sent. */
  apiDomain?: string | undefined;
  scope?: string | undefined;
}

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** @defaultValue {@link PIPEDRIVE_TOKEN_URL} */
  tokenUrl?: string;
  /** A persisted access token to start with (skips the first refresh while it is valid). */
  accessToken?: string;
  /** Expiry of `accessToken`, ms since the epoch. Without it a given access token is refreshed before first use. */
  accessTokenExpiresAtMs?: number;
  /** Refresh this long before expiry. @defaultValue 60000 (60 s) */
  refreshSkewMs?: number;
  /**
   * Called after every successful refresh, so the caller can persist the (possibly new) refresh token. Awaited;
   * if it throws, the error is logged (without tokens) and the new token is used anyway.
   */
  onTokenRefresh?: (tokens: OAuthTokens) => void | Promise<void>;
}

interface Deps {
  send: Send;
  now: () => number;
  userAgent: string;
  logger: Logger;
}

/**
 * Keeps an OAuth access token fresh: refreshes before expiry and, once, after a 401. Concurrent callers share one
 * in-flight refresh (single-flight), so a burst of calls at expiry makes one token request, not fifty.
 *
 * The refresh ignores callers' abort signals: it serves every waiter, and its own timeout bounds it.
 */
export class OAuthTokenProvider {
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #tokenUrl: string;
  readonly #skewMs: number;
  readonly #onTokenRefresh: OAuthOptions['onTokenRefresh'];
  readonly #deps: Deps;
  #refreshToken: string;
  #accessToken: string | undefined;
  #expiresAtMs: number;
  /** When {@link getAccessToken} refreshes: the skew before expiry, or half-way through a token shorter-lived than twice it. */
  #refreshAtMs: number;
  #apiDomain: string | undefined;
  #inFlight: Promise<string> | undefined;

  constructor(options: OAuthOptions, deps: Deps) {
    for (const key of ['clientId', 'clientSecret', 'refreshToken'] as const) {
      if (typeof options[key] !== 'string' || options[key].trim() === '') {
        throw new TypeError(`OAuth option ${key} must be a non-empty string`);
      }
    }
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#refreshToken = options.refreshToken;
    this.#tokenUrl = options.tokenUrl ?? PIPEDRIVE_TOKEN_URL;
    this.#skewMs = options.refreshSkewMs ?? DEFAULT_REFRESH_SKEW_MS;
    this.#onTokenRefresh = options.onTokenRefresh;
    this.#accessToken = options.accessToken;
    this.#expiresAtMs = options.accessTokenExpiresAtMs ?? 0;
    this.#refreshAtMs = this.#expiresAtMs - this.#skewMs;
    this.#deps = deps;
  }

  /** `api_domain` from the last refresh, if Pipedrive sent one. */
  get apiDomain(): string | undefined {
    return this.#apiDomain;
  }

  /** Every secret this provider holds, for redaction. */
  secrets(): string[] {
    return [this.#clientSecret, this.#refreshToken, this.#accessToken].filter((s): s is string => Boolean(s));
  }

  /** A valid access token, refreshing first when there is none or it expires within the skew. */
  async getAccessToken(): Promise<string> {
    if (this.#accessToken !== undefined && this.#deps.now() < this.#refreshAtMs) {
      return this.#accessToken;
    }
    return this.#refresh();
  }

  /**
   * Called after a 401 for `rejectedToken`. Refreshes unless another caller already replaced that token, and
   * returns the token to retry with.
   */
  async refreshAfterUnauthorized(rejectedToken: string): Promise<string> {
    if (this.#accessToken !== undefined && this.#accessToken !== rejectedToken) return this.#accessToken;
    if (this.#inFlight) return this.#inFlight;
    this.#accessToken = undefined;
    return this.#refresh();
  }

  #refresh(): Promise<string> {
    this.#inFlight ??= this.#requestToken().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #requestToken(): Promise<string> {
    const operation = 'oauth.token';
    const method = 'POST';
    const path = new URL(this.#tokenUrl).pathname;
    const basic = Buffer.from(`${this.#clientId}:${this.#clientSecret}`).toString('base64');
    const response = await this.#deps.send({
      operation,
      method,
      url: this.#tokenUrl,
      path,
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': this.#deps.userAgent,
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: this.#refreshToken,
      }).toString(),
    });
    const context = {
      operation,
      method,
      path,
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      bodyText: response.bodyText,
      url: this.#tokenUrl,
      secrets: [...this.secrets(), basic],
    } as const;

    if (response.status === 400 || response.status === 401) {
      // Pipedrive answers a bad grant or client with 400 (pipedrive-api.md §1.3): the grant needs a human.
      const parsed = errorFromResponse(context);
      const detail = parsed.errorText ?? parsed.errorInfo;
      throw new PipedriveAuthError(
        `Pipedrive refused to refresh the OAuth token (${method} ${path} with ${response.status})` +
          `${detail ? `: "${detail}"` : ''}; re-authorize the app and set a new refresh token`,
        {
          operation,
          method,
          path,
          status: response.status,
          errorText: parsed.errorText,
          errorInfo: parsed.errorInfo,
          code: parsed.code,
          rawBody: parsed.rawBody,
          rateLimit: parseRateLimitHeaders(response.headers),
        },
      );
    }
    if (response.status < 200 || response.status >= 300) throw errorFromResponse(context);

    let body: Record<string, unknown>;
    try {
      body = parseBoundedJson(response.bodyText) as Record<string, unknown>;
    } catch (err) {
      const reason =
        err instanceof JsonShapeError
          ? `the token response was not parsed: ${err.message}. Check PIPEDRIVE_OAUTH_TOKEN_URL points at Pipedrive.`
          : 'the token response is not JSON';
      throw unusableResponseError({ ...context, reason });
    }
    const accessToken = body?.access_token;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw unusableResponseError({ ...context, reason: 'the token response has no access_token' });
    }
    // Pipedrive's tokens live ~60 min (expires_in 3599); assume that if the field is missing.
    const expiresInSeconds = typeof body.expires_in === 'number' ? body.expires_in : 3599;
    const refreshToken =
      typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : undefined;
    this.#accessToken = accessToken;
    const lifetimeMs = expiresInSeconds * 1000;
    this.#expiresAtMs = this.#deps.now() + lifetimeMs;
    // A token server that issues tokens living less than twice the skew (a proxy's 60-s tokens) must not be asked
    // for a new one before every call: it was, 696 times for 1,284 calls.
    this.#refreshAtMs = this.#deps.now() + Math.max(lifetimeMs - this.#skewMs, lifetimeMs / 2);
    if (refreshToken) this.#refreshToken = refreshToken;
    if (typeof body.api_domain === 'string' && body.api_domain) this.#apiDomain = body.api_domain;

    if (this.#onTokenRefresh) {
      try {
        await this.#onTokenRefresh({
          accessToken,
          refreshToken: this.#refreshToken,
          expiresAtMs: this.#expiresAtMs,
          apiDomain: this.#apiDomain,
          scope: typeof body.scope === 'string' ? body.scope : undefined,
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.#deps.logger.warn(
          { reason: redactSecrets(message, this.secrets()) },
          'onTokenRefresh failed; using the new OAuth token anyway',
        );
      }
    }
    return accessToken;
  }
}
