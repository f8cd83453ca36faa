import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { manualClock, sandboxClient } from './sandbox-client.js';

const UNAUTHORIZED = { success: false, error: 'unauthorized access', errorCode: 401 };
const clock = manualClock();
let sandbox: RunningSandbox;
let api: ReturnType<typeof sandboxClient>;

beforeAll(async () => {
  sandbox = await startSandbox({
    limits: false,
    now: clock.now,
    apiToken: 'tok-123',
    oauth: { clientId: 'cid', clientSecret: 'csecret', refreshToken: 'rt-1', accessTokenTtlSeconds: 60 },
  });
  api = sandboxClient(sandbox);
});
afterAll(() => sandbox.close());

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function token(form: Record<string, string>, authorization = basic('cid', 'csecret')) {
  const res = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('API token', () => {
  it('accepts the x-api-token header', async () => {
    expect((await api.get('/v1/users/me')).status).toBe(200);
  });

  it('accepts the legacy ?api_token= query parameter', async () => {
    expect((await api.get('/v1/users/me?api_token=tok-123', { anonymous: true })).status).toBe(200);
  });

  it('answers 401 with the documented body for a wrong or missing token', async () => {
    const wrong = await sandboxClient(sandbox, 'nope').get('/v1/users/me');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(UNAUTHORIZED);
    const missing = await api.get('/api/v2/persons', { anonymous: true });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual(UNAUTHORIZED);
  });

  it('lets the API token take precedence over a bearer token, as the SDK documents', async () => {
    const res = await sandboxClient(sandbox, 'nope').get('/v1/users/me', {
      headers: { authorization: `Bearer ${sandbox.issueAccessToken()}` },
    });
    expect(res.status).toBe(401);
  });
});

describe('OAuth', () => {
  it('issues an access token for the refresh_token grant and accepts it as a bearer token', async () => {
    const res = await token({ grant_type: 'refresh_token', refresh_token: 'rt-1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.stringMatching(/^v1u:/),
      token_type: 'Bearer',
      expires_in: 60,
      refresh_token: 'rt-1',
      scope: expect.stringContaining('leads:full'),
      api_domain: sandbox.url,
    });
    const me = await api.get('/api/v1/users/me', {
      anonymous: true,
      headers: { authorization: `Bearer ${res.body.access_token}` },
    });
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(1);
    expect(me.headers.get('x-ratelimit-limit')).toBe('80');
  });

  it('rejects an expired access token with 401', async () => {
    const { body } = await token({ grant_type: 'refresh_token', refresh_token: 'rt-1' });
    const headers = { authorization: `Bearer ${body.access_token}` };
    clock.advance(59_000);
    expect((await api.get('/v1/users/me', { anonymous: true, headers })).status).toBe(200);
    clock.advance(1_000);
    const expired = await api.get('/v1/users/me', { anonymous: true, headers });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(UNAUTHORIZED);
  });

  it.each([
    [
      'a wrong refresh token',
      { grant_type: 'refresh_token', refresh_token: 'rt-2' },
      undefined,
      /Invalid grant/,
    ],
    [
      'wrong client credentials',
      { grant_type: 'refresh_token', refresh_token: 'rt-1' },
      basic('cid', 'x'),
      /Invalid client/,
    ],
    ['no Basic credentials', { grant_type: 'refresh_token', refresh_token: 'rt-1' }, 'Bearer x', /malformed/],
    ['an unsupported grant type', { grant_type: 'password' }, undefined, /grant type/],
  ])('answers 400 for %s', async (_name, form, authorization, message) => {
    const res = await token(form, authorization);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: expect.stringMatching(message) });
  });

  it('does not charge the token endpoint', async () => {
    const before = sandbox.state().tokensUsed;
    await token({ grant_type: 'refresh_token', refresh_token: 'rt-1' });
    expect(sandbox.state().tokensUsed).toBe(before);
  });
});
