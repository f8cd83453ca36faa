import { afterAll, describe, expect, it } from 'vitest';
import { COMPANY, type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { sandboxClient } from './sandbox-client.js';

const started: RunningSandbox[] = [];
afterAll(() => Promise.all(started.map((s) => s.close())));

async function sandbox(options: Parameters<typeof startSandbox>[0] = {}) {
  const s = await startSandbox({ limits: false, ...options });
  started.push(s);
  return s;
}

describe('a sandbox standing for one company among several', () => {
  it('reports its own company id in /users/me (the default one when none is given)', async () => {
    const [plain, acme] = await Promise.all([sandbox(), sandbox({ companyId: 1001 })]);
    const me = async (s: RunningSandbox) => (await sandboxClient(s).get('/v1/users/me')).body.data.company_id;
    expect(await me(plain)).toBe(COMPANY.id);
    expect(await me(acme)).toBe(1001);
    expect(acme.companyId).toBe(1001);
    // A lead's BCC address names its company, as Pipedrive's do.
    const lead = await sandboxClient(acme).post('/v1/leads', {
      title: 'Expo lead',
      person_id: await sandboxClient(acme).person('Ann'),
    });
    expect(lead.body.data.cc_email).toMatch(/^[a-z0-9-]+\+1001\+lead[0-9a-f]{22}@/);
  });

  it('refuses a company id that is not a positive integer', async () => {
    await expect(sandbox({ companyId: 0 })).rejects.toThrow(/companyId must be a positive integer/);
    await expect(sandbox({ companyId: 1.5 })).rejects.toThrow(/companyId/);
  });
});

describe('revoking the API token', () => {
  it('answers 401 to the old token and 200 to the new one once the control API rotates it, without echoing it', async () => {
    const s = await sandbox({ apiToken: 'old-token' });
    expect((await sandboxClient(s, 'old-token').get('/v1/users/me')).status).toBe(200);

    const res = await fetch(`${s.url}/_sandbox/api-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiToken: 'new-token' }),
    });
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(text).not.toContain('new-token');
    expect((await sandboxClient(s, 'old-token').get('/v1/users/me')).status).toBe(401);
    expect((await sandboxClient(s, 'new-token').get('/v1/users/me')).status).toBe(200);
    expect(s.apiToken).toBe('new-token');
    // The runtime options never show the token either.
    expect(JSON.stringify(await (await fetch(`${s.url}/_sandbox/config`)).json())).not.toContain('new-token');
  });

  it('refuses an empty token, and setApiToken rotates it in process', async () => {
    const s = await sandbox();
    const res = await fetch(`${s.url}/_sandbox/api-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiToken: '' }),
    });
    expect(res.status).toBe(400);
    s.setApiToken('rotated');
    expect((await sandboxClient(s, 'sandbox-token').get('/v1/users/me')).status).toBe(401);
    expect((await sandboxClient(s, 'rotated').get('/v1/users/me')).status).toBe(200);
  });
});
