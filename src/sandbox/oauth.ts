/**
 * `POST /oauth/token` (pipedrive-api.md §1.3): form-encoded, Basic client credentials,
 * `grant_type=refresh_token`. A refresh returns a new access token and the same refresh token.
 */
import { randomBytes } from 'node:crypto';
import { error, type Reply } from './envelopes.js';
import type { ResolvedOptions } from './options.js';

/** Access tokens kept at most; the oldest are dropped first (bounded memory). */
const MAX_ACCESS_TOKENS = 1_000;

export class OAuthTokens {
  /** access token → expiry (epoch ms) */
  private readonly tokens = new Map<string, number>();

  /** True when `token` was issued here and has not expired. */
  isValid(token: string, now: number): boolean {
    const expiresAt = this.tokens.get(token);
    return expiresAt !== undefined && now < expiresAt;
  }

  /** Issues an access token directly (for tests that skip the token endpoint). */
  issue(options: ResolvedOptions, now: number): { accessToken: string; expiresIn: number } {
    for (const [token, expiresAt] of this.tokens) {
      if (expiresAt <= now || this.tokens.size >= MAX_ACCESS_TOKENS) this.tokens.delete(token);
      else break;
    }
    const accessToken = `v1u:${randomBytes(48).toString('base64url')}`;
    const expiresIn = options.oauth.accessTokenTtlSeconds;
    this.tokens.set(accessToken, now + expiresIn * 1000);
    return { accessToken, expiresIn };
  }

  handle(
    options: ResolvedOptions,
    authorization: string | undefined,
    form: URLSearchParams,
    apiDomain: string,
    now: number,
  ): Reply {
    const credentials = parseBasic(authorization);
    if (!credentials) return error(400, 'Invalid request: malformed authorization header');
    if (
      credentials.clientId !== options.oauth.clientId ||
      credentials.clientSecret !== options.oauth.clientSecret
    ) {
      return error(400, 'Invalid client: client is invalid');
    }
    const grantType = form.get('grant_type');
    if (grantType !== 'refresh_token') {
      return error(400, `Invalid grant type: ${grantType ?? '(missing)'} is not supported by the sandbox`);
    }
    if (form.get('refresh_token') !== options.oauth.refreshToken) {
      return error(400, 'Invalid grant: refresh_token is invalid');
    }
    const { accessToken, expiresIn } = this.issue(options, now);
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: expiresIn,
        refresh_token: options.oauth.refreshToken,
        scope: 'base leads:full contacts:full search:read users:read',
        api_domain: apiDomain,
      },
    };
  }

  clear(): void {
    this.tokens.clear();
  }
}

function parseBasic(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header) : null;
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}
