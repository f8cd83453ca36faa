import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { isRetryable, type PipedriveError, PipedriveRedirectError } from '../../src/pipedrive/errors.js';
import { type CannedServer, json, startCannedServer } from './canned-server.js';

const TOKEN = 'f3b1c9d2e4a5968778695a4b3c2d1e0f11223344';
const CLIENT_ID = 'c1a2b3c4d5e6f708';
const CLIENT_SECRET = 'cs-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const REFRESH_TOKEN = '1:1:2a5496a8bdd0f829dcb09dc8ba82b188f0ea4481';

/** Another origin (another port), standing in for the host a hostile or broken redirect points at. */
let elsewhere: CannedServer;
/** The configured "Pipedrive": answers every request with a redirect to `elsewhere`. */
let redirector: CannedServer;
let status: number;

beforeAll(async () => {
  elsewhere = await startCannedServer((req, res) => {
    if (req.url.startsWith('/oauth/token')) {
      return json(res, 200, { access_token: 'v1u:stolen-0123456789', expires_in: 3599 });
    }
    return json(res, 200, { success: true, data: { id: 1, name: 'Elsewhere', company_id: 9 } });
  });
  redirector = await startCannedServer((req, res) => {
    // The query carries a "secret" so the test can see the message never quotes it.
    res.writeHead(status, { location: `${elsewhere.url}${req.url}?api_token=${TOKEN}` });
    res.end('moved');
  });
});
afterAll(async () => {
  await Promise.all([elsewhere.close(), redirector.close()]);
});
beforeEach(() => {
  elsewhere.requests.length = 0;
  redirector.requests.length = 0;
});

/** What the call rejected with (undefined when it succeeded, i.e. the redirect was followed). */
function failureOf(promise: Promise<unknown>): Promise<PipedriveError> {
  return promise.then(
    () => undefined as unknown as PipedriveError,
    (err: unknown) => err as PipedriveError,
  );
}

/** The credentials each request to the other origin carried. */
const leaked = () =>
  elsewhere.requests.map((r) => ({
    url: r.url,
    'x-api-token': r.headers['x-api-token'],
    authorization: r.headers.authorization,
    body: r.body,
  }));

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])(
    'never follows a %i with the API token: a clear, non-retryable error names only the origin',
    async (code) => {
      status = code;
      const client = new PipedriveClient({ baseUrl: redirector.url, apiToken: TOKEN, timeoutMs: 2_000 });

      const err = await failureOf(client.addLead({ title: 'Redirected lead' }));

      expect(leaked()).toEqual([]);
      expect(redirector.requests).toHaveLength(1);
      expect(err).toBeInstanceOf(PipedriveRedirectError);
      expect(err.status).toBe(code);
      expect((err as PipedriveRedirectError).redirectOrigin).toBe(elsewhere.url);
      expect(err.message).toContain(`POST /api/v1/leads`);
      expect(err.message).toContain(`redirected to ${elsewhere.url}`);
      expect(err.message).toMatch(/not followed/);
      expect(err.message).toMatch(/PIPEDRIVE_BASE_URL/);
      expect(JSON.stringify({ ...err, message: err.message })).not.toContain(TOKEN);
      expect(err.message).not.toContain('?');
      expect(isRetryable(err)).toBe(false);
    },
  );

  it.each([307, 308])(
    'never re-sends the OAuth refresh (Basic credentials and refresh token) on a %i',
    async (code) => {
      status = code;
      const client = new PipedriveClient({
        baseUrl: elsewhere.url,
        oauth: {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          refreshToken: REFRESH_TOKEN,
          tokenUrl: `${redirector.url}/oauth/token`,
        },
        timeoutMs: 2_000,
      });

      const err = await failureOf(client.getCurrentUser());

      // Nothing reached the other origin: no Authorization header, no refresh body, no API call.
      expect(leaked()).toEqual([]);
      expect(redirector.requests.map((r) => r.url)).toEqual(['/oauth/token']);
      expect(redirector.requests[0]?.body).toContain('refresh_token=');
      expect(err).toBeInstanceOf(PipedriveRedirectError);
      expect(err.operation).toBe('oauth.token');
      expect(err.message).toMatch(/PIPEDRIVE_OAUTH_TOKEN_URL/);
      for (const secret of [CLIENT_SECRET, REFRESH_TOKEN, TOKEN]) {
        expect(JSON.stringify({ ...err, message: err.message })).not.toContain(secret);
      }
    },
  );
});
