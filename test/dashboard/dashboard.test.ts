import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../ops/run-cli.js';
import { type SeedRow, seedImport, testOps } from '../ops/seed.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

const redis = testRedis();
const limits = { burstPer2s: 20, dailyTokens: 30_000 };
const AUTH = { user: 'ops', password: 'correct horse battery staple' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const ROWS: SeedRow[] = [
  {
    line: 2,
    cells: ['A', 'a@example.com', 'Acme'],
    outcome: 'created',
    leadId: 'L2',
    personId: 1,
    personCreated: true,
  },
  { line: 3, cells: ['B', 'b@example.com', 'Acme'], outcome: 'pending' },
  {
    line: 4,
    cells: ['C', 'c@example.com', 'Acme'],
    outcome: 'dead-lettered',
    errorClass: 'PipedriveValidationError',
    httpStatus: 400,
    message: 'Owner <b>9</b> does not exist',
  },
];

describe('dashboard without credentials', () => {
  const ctx = testOps(redis);
  let dashboard: Dashboard;
  beforeAll(async () => {
    await seedImport(ctx, 'dash-1', ROWS);
    // A hostile file name must stay text on the page.
    await redis.hset(ctx.keys.import('dash-1'), 'fileName', '<img src=x onerror=alert(1)>.csv');
    dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0 });
  });
  afterAll(async () => {
    await dashboard.close();
    await ctx.close();
  });

  it('refuses to listen beyond loopback', async () => {
    await expect(
      startDashboard({ redis, prefix: ctx.prefix, limits, host: '0.0.0.0', port: 0 }),
    ).rejects.toThrow(/Refusing to serve the dashboard on 0\.0\.0\.0 without a password/);
    const cli = await runCli(['dashboard', '--host', '0.0.0.0', '--port', '0'], {
      REDIS_URL: testRedisUrl(),
    });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('Set DASHBOARD_USER and DASHBOARD_PASSWORD');
  });

  it('refuses a short password beyond loopback, naming its length and never the password', async () => {
    await expect(
      startDashboard({
        redis,
        prefix: ctx.prefix,
        limits,
        host: '0.0.0.0',
        port: 0,
        auth: { user: 'ops', password: 'hunter2hunt' },
      }),
    ).rejects.toThrow(/on 0\.0\.0\.0 with a DASHBOARD_PASSWORD of 11 characters: .*at least 12/);
    const cli = await runCli(['dashboard', '--host', '0.0.0.0', '--port', '0'], {
      REDIS_URL: testRedisUrl(),
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'päßwörd',
    });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('of 7 characters');
    expect(cli.stderr + cli.stdout).not.toContain('päßwörd');
    // On loopback (an SSH tunnel's end) it is the operator's call.
    const local = await startDashboard({
      redis,
      prefix: ctx.prefix,
      limits,
      port: 0,
      auth: { user: 'ops', password: 'pw' },
    });
    await local.close();
  });

  it('serves the imports page with the import, its counts and escaped text', async () => {
    const res = await fetch(`${dashboard.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    const html = await res.text();
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;.csv');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('data-import="dash-1"');
    expect(html).toContain('<a href="/queues">Queues</a>');
  });

  it('serves the imports as JSON for the page to poll', async () => {
    const body = await (await fetch(`${dashboard.url}/api/imports`)).json();
    expect(body.imports).toMatchObject([
      { importId: 'dash-1', rows: 3, created: 1, deadLettered: 1, pending: 1 },
    ]);
    expect(body.queues.lead.prioritized).toBe(1); // lead jobs wait with a priority (turns between imports)
    expect(body.queues.deadLetter.waiting).toBe(1);
  });

  it('lists an import’s dead-lettered rows with their errors, and 404s an unknown one', async () => {
    const html = await (await fetch(`${dashboard.url}/imports/dash-1`)).text();
    expect(html).toContain('PipedriveValidationError');
    expect(html).toContain('Owner &lt;b&gt;9&lt;/b&gt; does not exist');
    expect((await fetch(`${dashboard.url}/imports/nope`)).status).toBe(404);
    expect((await fetch(`${dashboard.url}/api/imports/nope`)).status).toBe(404);
  });

  it('answers a malformed %-escape in the address with 400, not as a Redis outage (503)', async () => {
    const page = await fetch(`${dashboard.url}/imports/%E0%A4%A`);
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await page.text()).toBe('Bad Request: the address is not valid (a malformed %-escape?).\n');
    const api = await fetch(`${dashboard.url}/api/imports/%ff`);
    expect(api.status).toBe(400);
    expect(await api.json()).toEqual({
      error: 'Bad Request: the address is not valid (a malformed %-escape?).',
    });
  });

  it('is read-only: no action, ours or bull-board’s, changes anything', async () => {
    expect((await fetch(`${dashboard.url}/api/pause`, { method: 'POST' })).status).toBe(403);
    const clean = await fetch(`${dashboard.url}/queues/api/queues/lead-import-dlq/clean/waiting`, {
      method: 'PUT',
    });
    expect(clean.status).toBe(403);
    expect(await ctx.leadQueue.isPaused()).toBe(false);
    expect(await ctx.deadLetterQueue.count()).toBe(1);
  });

  it('serves bull-board with both queues', async () => {
    const res = await fetch(`${dashboard.url}/queues/api/queues`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(body.queues.map((q) => [q.name, q.readOnlyMode]).sort()).toEqual([
      ['lead-import', true],
      ['lead-import-dlq', true],
    ]);
  });
});

describe('dashboard with credentials', () => {
  const ctx = testOps(redis);
  let dashboard: Dashboard;
  beforeAll(async () => {
    await seedImport(ctx, 'dash-2', ROWS);
    dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0, auth: AUTH });
  });
  afterAll(async () => {
    await dashboard.close();
    await ctx.close();
  });

  it('answers 401 without or with wrong credentials, on every page but /healthz', async () => {
    for (const path of ['/', '/api/imports', '/api/health', '/metrics', '/queues', '/imports/dash-2']) {
      const res = await fetch(`${dashboard.url}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    }
    const wrong = await fetch(`${dashboard.url}/`, { headers: { authorization: basic('ops', 'wrong') } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${dashboard.url}/`, {
      headers: { authorization: basic(AUTH.user, AUTH.password) },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).not.toContain(AUTH.password);
    expect([200, 503]).toContain((await fetch(`${dashboard.url}/healthz`)).status);
  });

  it('lets an authenticated operator act, and refuses the same request from another site', async () => {
    // As a script acts (curl -H 'X-Lead-Importer: 1'): no Origin, the header no cross-site form can send.
    const headers = { authorization: basic(AUTH.user, AUTH.password), 'x-lead-importer': '1' };
    const forged = await fetch(`${dashboard.url}/api/imports/dash-2/cancel`, {
      method: 'POST',
      headers: { ...headers, origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
    const res = await fetch(`${dashboard.url}/api/imports/dash-2/dlq/retry`, { method: 'POST', headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ requeued: 1 });
    const cancel = await fetch(`${dashboard.url}/api/imports/dash-2/cancel`, { method: 'POST', headers });
    expect(await cancel.json()).toMatchObject({ cancelled: 2, inFlight: 0 });
    const bullBoard = (await (await fetch(`${dashboard.url}/queues/api/queues`, { headers })).json()) as {
      queues: { name: string; readOnlyMode: boolean }[];
    };
    // Read-only for everyone: DLQ actions go through the imports page and `lead-importer dlq` (issue #10).
    expect(bullBoard.queues.find((q) => q.name === 'lead-import-dlq')?.readOnlyMode).toBe(true);
    expect(bullBoard.queues.find((q) => q.name === 'lead-import')?.readOnlyMode).toBe(true);
  });

  it('offers Cancel only until an import has finished, Retry only while it has dead-lettered rows, and refuses them otherwise', async () => {
    const headers = { authorization: basic(AUTH.user, AUTH.password), 'x-lead-importer': '1' };
    const post = async (path: string) => {
      const res = await fetch(`${dashboard.url}${path}`, { method: 'POST', headers });
      return { status: res.status, body: (await res.json()) as { error?: string; message?: string } };
    };
    const buttons = async (id: string) => {
      const html = await (await fetch(`${dashboard.url}/imports/${id}`, { headers })).text();
      return [...html.matchAll(/<button [^>]*data-role="(\w+)"/g)].map((m) => m[1]);
    };
    // Finished with a dead-lettered row: retrying it is what is left to do; cancelling does nothing.
    await seedImport(ctx, 'done-dlq', [ROWS[0]!, ROWS[2]!]);
    // Finished, every row created: nothing to do.
    await seedImport(ctx, 'done-clean', [ROWS[0]!]);
    // Running, with a dead-lettered row: both.
    await seedImport(ctx, 'running', ROWS);
    expect(await buttons('running')).toEqual(['retry', 'cancel']);
    expect(await buttons('done-dlq')).toEqual(['retry']);
    expect(await buttons('done-clean')).toEqual([]);

    const cancelDone = await post('/api/imports/done-clean/cancel');
    expect(cancelDone.status).toBe(409);
    expect(cancelDone.body.error).toBe(
      'Import done-clean has finished (completed, no row pending): there is nothing to cancel.',
    );
    expect((await ctx.ledger.getImport('done-clean'))?.state).toBe('enqueued');
    const retryNone = await post('/api/imports/done-clean/dlq/retry');
    expect(retryNone.status).toBe(409);
    expect(retryNone.body.error).toBe(
      'Import done-clean has no dead-lettered rows in the dead-letter queue: there is nothing to retry.',
    );
    expect((await post('/api/imports/nope/dlq/retry')).status).toBe(404);
    expect((await post('/api/imports/nope/cancel')).status).toBe(404);

    // A finished import's dead-lettered row can still be retried; then it is pending again, and cancellable.
    expect(await post('/api/imports/done-dlq/dlq/retry')).toMatchObject({
      status: 200,
      body: { requeued: 1 },
    });
    expect(await buttons('done-dlq')).toEqual(['cancel']);
    expect(await post('/api/imports/done-dlq/cancel')).toMatchObject({ status: 200, body: { cancelled: 1 } });
    // Cancelled with nothing pending: finished.
    expect(await buttons('done-dlq')).toEqual([]);
    expect((await post('/api/imports/done-dlq/cancel')).status).toBe(409);
  });
});

describe('/metrics and /healthz', () => {
  const prefix = uniquePrefix('met');
  let dashboard: Dashboard;
  beforeAll(async () => {
    dashboard = await startDashboard({
      redis,
      prefix,
      limits,
      port: 0,
      workerFreshMs: 10_000,
      readBudget: async () => ({ limit: 27_000, left: 26_000, resetsAt: Date.now() + 3_600_000 }),
    });
  });
  afterAll(() => dashboard.close());

  it('serves valid Prometheus text summing what two worker processes recorded', async () => {
    const a = new MetricsRecorder(redis, prefix, 0);
    const b = new MetricsRecorder(redis, prefix, 0);
    a.recordCall('leads.add', 201, 80, 10);
    a.recordCall('persons.search', 200, 300, 20);
    b.recordCall('leads.add', 201, 40, 10);
    b.recordCall('leads.add', 500, 1200, 10);
    b.recordRateLimited('burst');
    a.recordOutcome('created');
    b.recordOutcome('created', 2);
    b.recordOutcome('personReused');
    await Promise.all([a.close(), b.close()]);

    const res = await fetch(`${dashboard.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const { types, samples } = parsePrometheusText(await res.text());

    expect(types.get('lead_importer_pipedrive_call_duration_seconds')).toBe('histogram');
    expect(sampleValue(samples, 'lead_importer_leads_created_total')).toBe(3);
    expect(
      sampleValue(samples, 'lead_importer_pipedrive_calls_total', { operation: 'leads.add', status: '201' }),
    ).toBe(2);
    expect(
      sampleValue(samples, 'lead_importer_pipedrive_calls_total', { operation: 'leads.add', status: '500' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'lead_importer_pipedrive_tokens_spent_total', { operation: 'leads.add' }),
    ).toBe(30);
    expect(sampleValue(samples, 'lead_importer_pipedrive_rate_limited_total', { scope: 'burst' })).toBe(1);
    expect(sampleValue(samples, 'lead_importer_contacts_total', { kind: 'person', result: 'reused' })).toBe(
      1,
    );
    expect(sampleValue(samples, 'lead_importer_budget_tokens_left')).toBe(26_000);
    const bucket = (le: string) =>
      sampleValue(samples, 'lead_importer_pipedrive_call_duration_seconds_bucket', {
        operation: 'leads.add',
        le,
      });
    expect([bucket('0.05'), bucket('0.1'), bucket('1'), bucket('2.5'), bucket('+Inf')]).toEqual([
      1, 2, 2, 3, 3,
    ]);
    expect(
      sampleValue(samples, 'lead_importer_pipedrive_call_duration_seconds_sum', { operation: 'leads.add' }),
    ).toBe(1.32);
    expect(sampleValue(samples, 'lead_importer_queue_jobs', { queue: 'lead-import', state: 'waiting' })).toBe(
      0,
    );
  });

  it('adds the cumulative latency buckets an earlier version wrote to the per-bucket counts written now', async () => {
    // An earlier worker wrote every bucket from a call's own up, +Inf included (a 300 ms call and a 3 s call).
    const cumulative = {
      25: 0,
      50: 0,
      100: 0,
      250: 0,
      500: 1,
      1000: 1,
      2500: 1,
      5000: 2,
      10000: 2,
      '+Inf': 2,
    };
    for (const [le, count] of Object.entries(cumulative)) {
      if (count > 0) await redis.hincrby(`${prefix}:metrics`, `latency|organizations.add|${le}`, count);
    }
    await redis.hincrby(`${prefix}:metrics`, 'latency_sum|organizations.add', 3_300);
    // This version writes each bucket's own calls: 40 ms, 400 ms and 20 s.
    const now = new MetricsRecorder(redis, prefix, 0);
    now.recordCall('organizations.add', 201, 40, 10);
    now.recordCall('organizations.add', 201, 400, 10);
    now.recordCall('organizations.add', 0, 20_000, 10);
    await now.close();

    const { samples } = parsePrometheusText(await (await fetch(`${dashboard.url}/metrics`)).text());
    const bucket = (le: string) =>
      sampleValue(samples, 'lead_importer_pipedrive_call_duration_seconds_bucket', {
        operation: 'organizations.add',
        le,
      });
    expect(['0.025', '0.05', '0.25', '0.5', '1', '5', '10', '+Inf'].map(bucket)).toEqual([
      0, 1, 1, 3, 3, 4, 4, 5,
    ]);
    expect(
      sampleValue(samples, 'lead_importer_pipedrive_call_duration_seconds_count', {
        operation: 'organizations.add',
      }),
    ).toBe(5);
    expect(
      sampleValue(samples, 'lead_importer_pipedrive_call_duration_seconds_sum', {
        operation: 'organizations.add',
      }),
    ).toBe(23.74);
  });

  it('/healthz is 503 until a worker has been seen recently, then 200', async () => {
    const keys = `${prefix}:workers`;
    await redis.zadd(keys, Date.now() - 60_000, 'old-worker');
    let res = await fetch(`${dashboard.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'unhealthy',
      redis: { ok: true },
      workers: { seen: 0 },
    });
    await redis.zadd(keys, Date.now(), 'worker-1');
    res = await fetch(`${dashboard.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', workers: { seen: 1, withinMs: 10_000 } });
  });

  it('/healthz is 503 when Redis is gone', async () => {
    const lost = redis.duplicate({
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    await lost.connect();
    const d = await startDashboard({ redis: lost, prefix, limits, port: 0 });
    lost.disconnect();
    const res = await fetch(`${d.url}/healthz`);
    expect(res.status).toBe(503);
    // Without a login it learns that Redis did not answer, not Redis's own error text (which may name hosts).
    expect(await res.json()).toMatchObject({
      status: 'unhealthy',
      redis: { ok: false, error: 'Redis did not answer' },
    });
    await d.close();
  });
});
