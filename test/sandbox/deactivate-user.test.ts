import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ limits: false });
});
afterAll(() => sandbox.close());

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { 'x-api-token': sandbox.apiToken, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('sandbox control: deactivate a user', () => {
  it('makes Pipedrive refuse leads assigned to a rep who left, as it refuses any deactivated owner', async () => {
    const users = (await call('GET', '/api/v1/users')).body.data as { id: number; email: string }[];
    const dana = users.find((u) => u.email === 'dana@sandbox.example')!;
    const org = (await call('POST', '/api/v2/organizations', { name: 'Departures Inc' })).body.data as {
      id: number;
    };
    const lead = { title: 'Before', organization_id: org.id, owner_id: dana.id };
    expect((await call('POST', '/api/v1/leads', lead)).status).toBe(201);

    const off = await call('POST', '/_sandbox/deactivate-user?email=dana@sandbox.example');
    expect(off).toEqual({ status: 200, body: { deactivated: 'dana@sandbox.example' } });
    const refused = await call('POST', '/api/v1/leads', { ...lead, title: 'After' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ success: false, error: expect.stringMatching(/deactivated user/) });

    expect((await call('POST', '/_sandbox/deactivate-user?email=nobody@x.example')).status).toBe(404);
    expect(sandbox.deactivateUser('nobody@x.example')).toBe(false);
  });
});
