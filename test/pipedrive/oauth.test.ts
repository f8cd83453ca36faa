import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PipedriveClient, type PipedriveClientOptions } from '../../src/pipedrive/client.js';
import { PipedriveAuthError, PipedriveServerError } from '../../src/pipedrive/errors.js';
import type { OAuthTokens } from '../../src/pipedrive/oauth.js';
import type { ResponseEvent } from '../../src/pipedrive/types.js';
import {
  type CannedHandler,
  type CannedServer,
  json,
  type RecordedRequest,
  startCannedServer,
} from './canned-server.js';

const CLIENT_ID = 'c1a2b3c4d5e6f708';
const CLIENT_SECRET = 'cs-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const REFRESH_TOKEN = '1:1:2a5496a8bdd0f829dcb09dc8ba82b188f0ea4481';

let server: CannedServer;
/** Access tokens the API accepts right now. */
let validTokens: Set<string>;
/** Each refresh issues the next token: at-1, at-2, … */
let issued: number;
let expiresInSeconds: number;
let rotatedRefreshToken: string | undefined;
let releaseToken: Promise<void> | undefined;
let clock: number;
let events: ResponseEvent[];

const tokenRequests = (): RecordedRequest[] => server.requests.filter((r) => r.url === '/oauth/token');
const apiRequests = (): RecordedRequest[] => server.requests.filter((r) => r.url.startsWith('/api/'));

/** A token endpoint and an API that accepts only the tokens it issued. */
const tokenAndApi: CannedHandler = async (req, res) => {
  if (req.url === '/oauth/token') {
    await releaseToken;
    issued += 1;
    const accessToken = `v1u:at-${issued}-0123456789abcdef`;
    validTokens.add(accessToken);
    return json(res, 200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresInSeconds,
      refresh_token: rotatedRefreshToken ?? new URLSearchParams(req.body).get('refresh_token'),
      scope: 'base,leads:full',
      api_domain: server.url,
    });
  }
  const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
  if (!validTokens.has(bearer)) {
    return json(res, 401, { success: false, error: 'unauthorized access', errorCode: 401 });
  }
  return json(res, 200, { success: true, data: { id: 1, name: 'Sandbox User' } });
};

beforeAll(async () => {
  server = await startCannedServer(tokenAndApi);
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  validTokens = new Set();
  issued = 0;
  expiresInSeconds = 3599;
  rotatedRefreshToken = undefined;
  releaseToken = undefined;
  clock = Date.parse('2026-03-01T09:00:00Z');
  events = [];
});

function oauthClient(extra: Partial<PipedriveClientOptions['oauth']> = {}, withBaseUrl = true) {
  return new PipedriveClient({
    baseUrl: withBaseUrl ? server.url : undefined,
    oauth: {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      refreshToken: REFRESH_TOKEN,
      tokenUrl: `${server.url}/oauth/token`,
      ...extra,
    },
    now: () => clock,
    onResponse: (event) => events.push(event),
  });
}

describe('OAuth', () => {
  it('gets an access token with the refresh grant and Basic client credentials, then calls with Bearer', async () => {
    const client = oauthClient();
    await expect(client.getCurrentUser()).resolves.toMatchObject({ name: 'Sandbox User' });

    const [tokenRequest] = tokenRequests();
    expect(tokenRequest?.method).toBe('POST');
    expect(tokenRequest?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
    );
    expect(tokenRequest?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest?.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: REFRESH_TOKEN,
    });
    const [apiRequest] = apiRequests();
    expect(apiRequest?.headers.authorization).toBe('Bearer v1u:at-1-0123456789abcdef');
    expect(apiRequest?.headers['x-api-token']).toBeUndefined();
    expect(events.map((e) => [e.operation, e.path, e.status, e.tokenCost])).toEqual([
      ['oauth.token', '/oauth/token', 200, 0],
      ['users.me', '/api/v1/users/me', 200, 2],
    ]);
  });

  it('reuses the access token until 60 s before it expires, then refreshes', async () => {
    const client = oauthClient();
    await client.getCurrentUser();
    clock += 3599_000 - 61_000;
    await client.getCurrentUser();
    expect(tokenRequests()).toHaveLength(1);
    clock += 2_000;
    await client.getCurrentUser();
    expect(tokenRequests()).toHaveLength(2);
    expect(apiRequests().at(-1)?.headers.authorization).toBe('Bearer v1u:at-2-0123456789abcdef');
  });

  it('reuses a token that lives less than twice the skew for half its life, rather than refreshing before every call', async () => {
    // A token server issuing 20-s tokens (a proxy's, the sandbox's --access-token-ttl-seconds 20) was asked for a new
    // one before nearly every call: 60 s before expiry is always.
    expiresInSeconds = 20;
    const client = oauthClient();
    await client.getCurrentUser();
    clock += 9_000;
    await client.getCurrentUser();
    await client.getCurrentUser();
    expect(tokenRequests()).toHaveLength(1);
    clock += 2_000;
    await client.getCurrentUser();
    expect(tokenRequests()).toHaveLength(2);
    expect(apiRequests().at(-1)?.headers.authorization).toBe('Bearer v1u:at-2-0123456789abcdef');
  });

  it('starts from a persisted access token while it is valid', async () => {
    validTokens.add('persisted-access-token');
    const client = oauthClient({
      accessToken: 'persisted-access-token',
      accessTokenExpiresAtMs: clock + 3600_000,
    });
    await client.getCurrentUser();
    expect(tokenRequests()).toHaveLength(0);
    expect(apiRequests()[0]?.headers.authorization).toBe('Bearer persisted-access-token');
  });

  it('refreshes once and repeats the call when Pipedrive answers 401', async () => {
    const client = oauthClient({ accessToken: 'revoked-token', accessTokenExpiresAtMs: clock + 3600_000 });
    await expect(client.getCurrentUser()).resolves.toMatchObject({ id: 1 });
    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests().map((r) => r.headers.authorization)).toEqual([
      'Bearer revoked-token',
      'Bearer v1u:at-1-0123456789abcdef',
    ]);
    expect(events.map((e) => e.status)).toEqual([401, 200, 200]);
  });

  it('gives up with an auth error when the fresh token is refused too', async () => {
    const client = oauthClient();
    server.handle(async (req, res) => {
      if (req.url === '/oauth/token') {
        issued += 1;
        return json(res, 200, { access_token: `useless-${issued}`, expires_in: 3599 });
      }
      return json(res, 401, { success: false, error: 'unauthorized access', errorCode: 401 });
    });
    try {
      await expect(client.getUsers()).rejects.toBeInstanceOf(PipedriveAuthError);
      // One refresh before the first call (no token yet), one after the 401; never a loop.
      expect(tokenRequests()).toHaveLength(2);
      expect(apiRequests()).toHaveLength(2);
    } finally {
      server.handle(tokenAndApi);
    }
  });

  it('shares one refresh among concurrent calls', async () => {
    let release!: () => void;
    releaseToken = new Promise<void>((resolve) => {
      release = resolve;
    });
    const client = oauthClient();
    const calls = Array.from({ length: 10 }, () => client.getCurrentUser());
    // Let every call reach the token provider before the token endpoint answers.
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all(calls);
    expect(tokenRequests()).toHaveLength(1);
    expect(new Set(apiRequests().map((r) => r.headers.authorization))).toEqual(
      new Set(['Bearer v1u:at-1-0123456789abcdef']),
    );
  });

  it('shares one refresh among concurrent calls that all got 401', async () => {
    const client = oauthClient({ accessToken: 'revoked-token', accessTokenExpiresAtMs: clock + 3600_000 });
    await Promise.all(Array.from({ length: 8 }, () => client.getCurrentUser()));
    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests().filter((r) => r.headers.authorization === 'Bearer revoked-token')).toHaveLength(8);
  });

  it('hands a rotated refresh token to onTokenRefresh and uses it next time', async () => {
    const refreshed: OAuthTokens[] = [];
    const client = oauthClient({ onTokenRefresh: (tokens) => void refreshed.push(tokens) });
    rotatedRefreshToken = '1:1:rotated000000000000000000000000000000';
    await client.getCurrentUser();
    expect(refreshed).toEqual([
      {
        accessToken: 'v1u:at-1-0123456789abcdef',
        refreshToken: rotatedRefreshToken,
        expiresAtMs: clock + 3599_000,
        apiDomain: server.url,
        scope: 'base,leads:full',
      },
    ]);
    clock += 3600_000;
    await client.getCurrentUser();
    expect(new URLSearchParams(tokenRequests()[1]?.body).get('refresh_token')).toBe(rotatedRefreshToken);
  });

  it('keeps working when onTokenRefresh fails', async () => {
    const client = oauthClient({
      onTokenRefresh: () => {
        throw new Error('vault is down');
      },
    });
    await expect(client.getCurrentUser()).resolves.toMatchObject({ id: 1 });
  });

  it('uses the api_domain of the token response when no base URL is configured', async () => {
    const client = oauthClient({}, false);
    expect(client.baseUrl).toBe('https://api.pipedrive.com');
    await client.getCurrentUser();
    expect(client.baseUrl).toBe(server.url);
    expect(apiRequests()).toHaveLength(1);
  });

  it('turns a refused refresh into an auth error that says what to do, without the secrets', async () => {
    server.handle((req, res) => {
      if (req.url === '/oauth/token') {
        return json(res, 400, {
          success: false,
          error: 'Invalid grant: refresh_token is invalid',
          echoed: `${REFRESH_TOKEN} ${CLIENT_SECRET}`,
        });
      }
      return json(res, 500, {});
    });
    try {
      const err = await oauthClient()
        .getCurrentUser()
        .catch((e: unknown) => e as PipedriveAuthError);
      expect(err).toBeInstanceOf(PipedriveAuthError);
      expect(err.operation).toBe('oauth.token');
      expect(err.message).toBe(
        'Pipedrive refused to refresh the OAuth token (POST /oauth/token with 400): "Invalid grant: refresh_token is invalid"; re-authorize the app and set a new refresh token',
      );
      const everything = `${err.message} ${err.stack} ${JSON.stringify(err)}`;
      expect(everything).not.toContain(REFRESH_TOKEN);
      expect(everything).not.toContain(CLIENT_SECRET);
      expect(apiRequests()).toHaveLength(0);
    } finally {
      server.handle(tokenAndApi);
    }
  });

  it('reports a token endpoint that answers garbage as a server error', async () => {
    server.handle((req, res) => {
      if (req.url === '/oauth/token') return json(res, 200, { token_type: 'Bearer' });
      return json(res, 500, {});
    });
    try {
      await expect(oauthClient().getCurrentUser()).rejects.toBeInstanceOf(PipedriveServerError);
    } finally {
      server.handle(tokenAndApi);
    }
  });
});
