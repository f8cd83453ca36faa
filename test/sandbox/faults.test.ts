import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { sandboxClient } from './sandbox-client.js';

const started: RunningSandbox[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function start(options: SandboxOptions) {
  const sandbox = await startSandbox({ limits: false, ...options });
  started.push(sandbox);
  return { sandbox, api: sandboxClient(sandbox) };
}

async function statuses(options: SandboxOptions, n: number): Promise<number[]> {
  const { api } = await start(options);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await api.get('/v1/users/me')).status);
  return out;
}

describe('seeded faults', () => {
  it('injects the same faults for the same seed and request order', async () => {
    const a = await statuses({ faultRate: 0.3, seed: 42 }, 40);
    const b = await statuses({ faultRate: 0.3, seed: 42 }, 40);
    const c = await statuses({ faultRate: 0.3, seed: 43 }, 40);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const faults = a.filter((s) => s >= 500);
    expect(faults.length).toBeGreaterThan(3);
    expect(faults.length).toBeLessThan(25);
    for (const s of faults) expect([500, 502, 503]).toContain(s);
  });

  it('answers faults with the error envelope, or an HTML page for some 503s', async () => {
    const { api } = await start({ faultRate: 1, seed: 3 });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const res = await api.get('/v1/users/me');
      if (res.headers.get('content-type')?.includes('html')) {
        expect(res.status).toBe(503);
        seen.add('html');
      } else {
        expect(res.body).toMatchObject({ success: false, error: expect.any(String), data: null });
        seen.add(String(res.status));
      }
    }
    expect(seen).toEqual(new Set(['500', '502', '503', 'html']));
  });

  it('starts the same fault sequence again after a reset', async () => {
    const { api, sandbox } = await start({ faultRate: 0.5, seed: 9 });
    const run = async () => {
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await api.get('/v1/users/me')).status);
      return out;
    };
    const first = await run();
    sandbox.reset();
    expect(await run()).toEqual(first);
  });

  it('never faults the control API', async () => {
    const { api } = await start({ faultRate: 1, resetRate: 0 });
    for (let i = 0; i < 10; i++) expect((await api.get('/_sandbox/state')).status).toBe(200);
  });
});

describe('writes whose response is lost', () => {
  it('applies the write and then fails the response when the fault comes after the write', async () => {
    const { api, sandbox } = await start({ faultRate: 1, faultAfterWriteRatio: 1 });
    const res = await api.post('/api/v2/organizations', { name: 'Acme' });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(sandbox.state()).toMatchObject({ organizations: 1, tokensUsed: 5 });
    expect(sandbox.state().faultsInjected).toMatchObject({ error: 1, afterWrite: 1 });
    expect(sandbox.requests().at(-1)).toMatchObject({ fault: 'error', afterWrite: true });
  });

  it('does not apply the write when the fault comes before it', async () => {
    const { api, sandbox } = await start({ faultRate: 1, faultAfterWriteRatio: 0 });
    expect((await api.post('/api/v2/organizations', { name: 'Acme' })).status).toBeGreaterThanOrEqual(500);
    expect(sandbox.state()).toMatchObject({ organizations: 0, tokensUsed: 0 });
  });

  it('splits write faults between before and after by faultAfterWriteRatio', async () => {
    const { api, sandbox } = await start({ faultRate: 1, seed: 5 });
    for (let i = 0; i < 40; i++) await api.post('/api/v2/organizations', { name: `Org ${i}` });
    const created = sandbox.state().organizations;
    expect(created).toBeGreaterThan(8);
    expect(created).toBeLessThan(32);
    expect(sandbox.state().faultsInjected.afterWrite).toBe(created);
  });

  it('creates the object even when the connection is reset after the write', async () => {
    const { sandbox } = await start({ resetRate: 1, faultAfterWriteRatio: 1 });
    await expect(
      fetch(`${sandbox.url}/api/v2/persons`, {
        method: 'POST',
        headers: { 'x-api-token': 'sandbox-token', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Jane', emails: [{ value: 'jane@acme.test' }] }),
      }),
    ).rejects.toThrow();
    expect(sandbox.state().persons).toBe(1);
    expect(sandbox.requests().at(-1)).toMatchObject({ status: 0, fault: 'reset', afterWrite: true });
  });
});

describe('timeouts and resets', () => {
  it('holds a request until the client gives up', async () => {
    const { sandbox } = await start({ timeoutRate: 1 });
    const headers = { 'x-api-token': 'sandbox-token' };
    await expect(
      fetch(`${sandbox.url}/v1/users/me`, { headers, signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow(/abort|timeout/i);
    expect(sandbox.requests().at(-1)).toMatchObject({ status: 0, fault: 'timeout' });
    expect(sandbox.state().faultsInjected.timeout).toBe(1);
  });

  it('frees a held request when the sandbox closes', async () => {
    const { sandbox } = await start({ timeoutRate: 1 });
    const pending = fetch(`${sandbox.url}/v1/users/me`, { headers: { 'x-api-token': 'sandbox-token' } });
    // Wait until the sandbox holds the request, then close: the client sees the connection drop.
    while (sandbox.state().faultsInjected.timeout === 0) await new Promise((r) => setImmediate(r));
    await sandbox.close();
    await expect(pending).rejects.toThrow();
  });

  it('destroys the connection for a reset fault', async () => {
    const { sandbox } = await start({ resetRate: 1 });
    await expect(
      fetch(`${sandbox.url}/v1/users/me`, { headers: { 'x-api-token': 'sandbox-token' } }),
    ).rejects.toThrow(/fetch failed/);
  });
});

describe('latency', () => {
  it('delays responses by latencyMs', async () => {
    const { api, sandbox } = await start({ latencyMs: 60 });
    await api.get('/v1/users/me');
    expect(sandbox.requests().at(-1)?.ms).toBeGreaterThanOrEqual(55);
    sandbox.configure({ latencyMs: 0 });
    await api.get('/v1/users/me');
    expect(sandbox.requests().at(-1)?.ms).toBeLessThan(55);
  });
});
