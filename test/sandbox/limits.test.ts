import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { manualClock, sandboxClient } from './sandbox-client.js';

let sandbox: RunningSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions = {}) {
  const clock = manualClock();
  sandbox = await startSandbox({ now: clock.now, ...options });
  return { sandbox, api: sandboxClient(sandbox), clock };
}

describe('burst window', () => {
  it('answers the 21st request within 2 s on Lite with an API token with 429 and the documented body', async () => {
    const { api } = await start();
    for (let i = 1; i <= 20; i++) {
      const res = await api.get('/v1/users/me');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(20 - i));
    }
    const limited = await api.get('/v1/users/me');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      success: false,
      error: 'Request over limit',
      error_info: 'Please check developers.pipedrive.com',
      data: null,
      additional_data: null,
    });
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-limit')).toBe('20');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset')).toBe('2');
    expect(sandbox?.state().rateLimited).toBe(1);
  });

  it('rolls: requests leave the window 2 s after they were made', async () => {
    const { api, clock } = await start();
    for (let i = 0; i < 10; i++) await api.get('/v1/users/me');
    clock.advance(1_000);
    for (let i = 0; i < 10; i++) await api.get('/v1/users/me');
    expect((await api.get('/v1/users/me')).status).toBe(429);
    clock.advance(1_000); // the first ten are now 2 s old
    const res = await api.get('/v1/users/me');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('9');
    expect(res.headers.get('x-ratelimit-reset')).toBe('1');
  });

  it('allows 80 requests per 2 s for an OAuth app on Lite (4× the API-token limit)', async () => {
    const { api } = await start({ auth: 'oauth' });
    for (let i = 0; i < 80; i++) expect((await api.get('/v1/users/me')).status).toBe(200);
    const limited = await api.get('/v1/users/me');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('80');
  });

  it('gives bearer requests the OAuth limit and scales by plan', async () => {
    const { api, sandbox: sb } = await start({ plan: 'growth' });
    expect((await api.get('/v1/users/me')).headers.get('x-ratelimit-limit')).toBe('40');
    const bearer = sandboxClient(sb, '');
    const res = await bearer.get('/v1/users/me', {
      anonymous: true,
      headers: { authorization: `Bearer ${sb.issueAccessToken()}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe('160');
  });

  it('enforces nothing with limits off, but still counts tokens', async () => {
    const { api, sandbox: sb } = await start({ limits: false });
    for (let i = 0; i < 30; i++) expect((await api.get('/v1/users/me')).status).toBe(200);
    expect(sb.state()).toMatchObject({ rateLimited: 0, tokensUsed: 60 });
  });
});

describe('search window', () => {
  it('answers the 11th search within 2 s with 429 while other requests still pass', async () => {
    const { api } = await start({ plan: 'ultimate' });
    for (let i = 1; i <= 10; i++) {
      const res = await api.get('/api/v2/persons/search?term=jane');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('10');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(10 - i));
    }
    const limited = await api.get('/api/v2/organizations/search?term=acme');
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('Request over limit');
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await api.get('/v1/users/me')).status).toBe(200);
  });

  it('counts v1 lead search as a search', async () => {
    const { api } = await start({ plan: 'ultimate' });
    for (let i = 0; i < 10; i++) await api.get('/v1/leads/search?term=abc');
    expect((await api.get('/api/v2/leads/search?term=abc')).status).toBe(429);
  });
});

describe('daily token budget', () => {
  it('runs out at exactly the budget: ten 10-token leads fit in 100 tokens, the eleventh gets 429', async () => {
    const { api, sandbox: sb } = await start({ dailyTokens: 105, limits: true });
    sb.configure({ dailyTokens: 105 + 5 }); // room for the org (5 tokens)
    const org = await api.org('Acme');
    for (let i = 0; i < 10; i++) {
      expect((await api.post('/v1/leads', { title: `L${i}`, organization_id: org })).status).toBe(201);
      if (i === 4) expect(sb.state().tokensRemaining).toBe(55);
    }
    // 110 - 5 - 100 = 5 tokens left: a request is admitted while any are left, and overdraws.
    const crossing = await api.post('/v1/leads', { title: 'L10', organization_id: org });
    expect(crossing.status).toBe(201);
    expect(crossing.headers.get('x-daily-ratelimit-token-remaining')).toBe('0');
    const refused = await api.post('/v1/leads', { title: 'L11', organization_id: org });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('Request over limit');
    expect(Number(refused.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-daily-ratelimit-token-remaining')).toBe('0');
    expect(refused.headers.get('x-daily-ratelimit-token-limit')).toBe('110');
    expect(sb.state()).toMatchObject({ leads: 11, tokensUsedToday: 115, tokensRemaining: 0 });
  });

  it('uses 30,000 × plan multiplier × seats by default', async () => {
    const { api } = await start({ plan: 'premium', seats: 3 });
    const res = await api.get('/v1/users/me');
    expect(res.headers.get('x-daily-ratelimit-token-limit')).toBe('450000');
    expect(res.headers.get('x-daily-ratelimit-token-remaining')).toBe('449998');
  });

  it('charges the documented token costs per endpoint', async () => {
    const { api, sandbox: sb } = await start({ limits: false });
    const spent = async (fn: () => Promise<unknown>) => {
      const before = sb.state().tokensUsed;
      await fn();
      return sb.state().tokensUsed - before;
    };
    const org = await api.org('Acme');
    expect(await spent(() => api.org('B'))).toBe(5);
    expect(await spent(() => api.person('P'))).toBe(5);
    expect(await spent(() => api.post('/v1/leads', { title: 'T', organization_id: org }))).toBe(10);
    expect(await spent(() => api.get('/api/v2/persons/search?term=pp'))).toBe(20);
    expect(await spent(() => api.get('/v1/leads/search?term=pp'))).toBe(40);
    expect(await spent(() => api.get('/api/v2/persons'))).toBe(10);
    expect(await spent(() => api.get('/api/v2/persons/1'))).toBe(1);
    expect(await spent(() => api.del('/api/v2/persons/1'))).toBe(3);
    expect(await spent(() => api.get('/v1/leads'))).toBe(20);
    expect(await spent(() => api.get('/v1/leadLabels'))).toBe(10);
    expect(await spent(() => api.get('/v1/leadSources'))).toBe(2);
    expect(await spent(() => api.get('/v1/users'))).toBe(20);
    expect(await spent(() => api.get('/v1/currencies'))).toBe(20);
    expect(await spent(() => api.get('/v1/dealFields'))).toBe(20);
    // Documented choice: a handled 4xx is charged; 401, 404 routes and /_sandbox are not.
    expect(await spent(() => api.post('/v1/leads', {}))).toBe(10);
    expect(await spent(() => api.get('/v1/users/me', { anonymous: true }))).toBe(0);
    expect(await spent(() => api.get('/api/v2/nothing'))).toBe(0);
    expect(await spent(() => api.get('/_sandbox/state'))).toBe(0);
  });

  it('restores the budget on POST /_sandbox/new-day', async () => {
    const { api, sandbox: sb } = await start({ dailyTokens: 4 });
    await api.get('/v1/users/me');
    await api.get('/v1/users/me');
    expect((await api.get('/v1/users/me')).status).toBe(429);
    const state = (await api.post('/_sandbox/new-day', undefined, { anonymous: true })).body;
    expect(state).toMatchObject({ day: 2, tokensUsedToday: 0, tokensRemaining: 4, tokensUsed: 4 });
    expect((await api.get('/v1/users/me')).status).toBe(200);
    expect(sb.state().tokensUsed).toBe(6);
  });

  it('resets at the configured server midnight', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 5, 22, 59, 0));
    sandbox = await startSandbox({ now: clock.now, dailyTokens: 2, budgetResetHourUtc: 23 });
    const api = sandboxClient(sandbox);
    expect((await api.get('/v1/users/me')).status).toBe(200);
    const refused = await api.get('/v1/users/me');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    clock.advance(60_000);
    expect((await api.get('/v1/users/me')).status).toBe(200);
    expect(sandbox.state().day).toBe(2);
  });

  it('spends the rest of the budget on POST /_sandbox/exhaust-budget', async () => {
    const { api } = await start();
    await api.post('/_sandbox/exhaust-budget', undefined, { anonymous: true });
    const res = await api.get('/v1/users/me');
    expect(res.status).toBe(429);
    expect(res.headers.get('x-daily-ratelimit-token-remaining')).toBe('0');
  });
});

describe('headers', () => {
  it('sends the rate-limit headers on every API response, and x-daily-requests-left on POST', async () => {
    const { api } = await start();
    const get = await api.get('/v1/leadLabels');
    for (const h of [
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'x-daily-ratelimit-token-limit',
      'x-daily-ratelimit-token-remaining',
    ]) {
      expect(get.headers.get(h), h).toMatch(/^\d+$/);
    }
    expect(get.headers.get('x-daily-requests-left')).toBeNull();
    const post = await api.post('/api/v2/organizations', { name: 'Acme' });
    expect(post.headers.get('x-daily-requests-left')).toBe('9999');
    const invalid = await api.post('/api/v2/organizations', {});
    expect(invalid.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
  });
});

describe('Cloudflare escalation', () => {
  it('answers 403 with an HTML page after many ignored 429s, and lets a client that pauses back in', async () => {
    const { api, clock, sandbox: sb } = await start({ maxIgnored429: 5 });
    for (let i = 0; i < 20; i++) await api.get('/v1/users/me');
    for (let i = 0; i < 5; i++) expect((await api.get('/v1/users/me')).status).toBe(429);
    const blocked = await api.get('/v1/users/me');
    expect(blocked.status).toBe(403);
    expect(blocked.headers.get('content-type')).toMatch(/text\/html/);
    expect(blocked.text).toMatch(/Cloudflare/);
    expect(sb.state().blocked).toBe(1);
    clock.advance(1_000);
    expect((await api.get('/v1/users/me')).status).toBe(403); // still hammering
    clock.advance(2_000); // a full window without requests
    expect((await api.get('/v1/users/me')).status).toBe(200);
  });

  it('counts only 429s in a row: a request that succeeds in between starts the count again', async () => {
    const { api, clock } = await start({ maxIgnored429: 3 });
    for (let i = 0; i < 20; i++) await api.get('/v1/users/me');
    for (let i = 0; i < 2; i++) expect((await api.get('/v1/users/me')).status).toBe(429);
    clock.advance(1_500);
    expect((await api.get('/v1/users/me')).status).toBe(429); // third in a row, within a window of the last
    clock.advance(500); // the window has rolled, but the client did not pause after its last 429
    expect((await api.get('/v1/users/me')).status).toBe(403);
    clock.advance(2_000);
    for (let i = 0; i < 20; i++) expect((await api.get('/v1/users/me')).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await api.get('/v1/users/me')).status).toBe(429);
    expect((await api.get('/v1/users/me')).status).toBe(403);
  });
});
