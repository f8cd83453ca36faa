import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { createOpsContext } from '../../src/ops/ops-context.js';
import { DEAD_LETTER_JOB_NAME } from '../../src/queue/dead-letter.js';
import { FAILING_FIELDS } from '../../src/worker/failure-streak.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { jobData, type SeedRow, seedImport } from '../ops/seed.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

/** A deployment serving three companies, with an import into each. */
const redis = testRedis();
const lite = { burstPer2s: 20, dailyTokens: 30_000 };
const connectionLimits = new Map([
  ['default', lite],
  ['acme', lite],
  ['globex', { burstPer2s: 100, dailyTokens: 150_000 }],
]);
const ctx = createOpsContext({ redis, prefix: uniquePrefix('dashconn'), limits: lite, connectionLimits });
let dashboard: Dashboard;

const rows = (tag: string, pending: number): SeedRow[] => [
  { line: 2, cells: ['A', `a@${tag}.example`, tag], outcome: 'created', leadId: `L-${tag}`, personId: 1 },
  ...Array.from({ length: pending }, (_, i) => ({
    line: 3 + i,
    cells: [`P${i}`, `p${i}@${tag}.example`, tag],
    outcome: 'pending' as const,
  })),
];

beforeAll(async () => {
  await seedImport(ctx, 'imp-default', rows('default', 1));
  await seedImport(ctx, 'imp-acme', rows('acme', 2), { connection: 'acme' });
  await seedImport(ctx, 'imp-globex', rows('globex', 3), { connection: 'globex' });
  dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits: lite, connectionLimits, port: 0 });
});
afterAll(async () => {
  await dashboard?.close();
  await ctx.close();
});

const json = async (path: string) => {
  const res = await fetch(`${dashboard.url}${path}`);
  return { status: res.status, body: await res.json() };
};

describe('the imports page of a deployment serving several companies', () => {
  it('lists every import with its connection, and the connections to filter by', async () => {
    const { body } = await json('/api/imports');
    expect(body.connections).toEqual(['default', 'acme', 'globex']);
    expect(body.connection).toBeNull();
    expect(body.showConnections).toBe(true);
    expect(
      body.imports
        .map((s: { importId: string; connection: string }) => `${s.importId}:${s.connection}`)
        .sort(),
    ).toEqual(['imp-acme:acme', 'imp-default:default', 'imp-globex:globex']);
    // Every connection's queue counted.
    expect(body.queues.lead.prioritized).toBe(6); // lead jobs wait with a priority (turns between imports)

    const html = await (await fetch(`${dashboard.url}/`)).text();
    // Each import under its connection's heading row, in the connections' order; no column repeats the name (it
    // pushed the table past a 1,360-px window).
    const order = [...html.matchAll(/<tr (?:class="group" )?data-(group|import)="([^"]+)"/g)].map(
      (m) => `${m[1]}:${m[2]}`,
    );
    expect(order).toEqual([
      'group:default',
      'import:imp-default',
      'group:acme',
      'import:imp-acme',
      'group:globex',
      'import:imp-globex',
    ]);
    expect(html).not.toContain('<th>Connection</th>');
    expect(html).toContain('data-connections="1"');
    expect(html).toContain('<a href="/?connection=acme">acme</a>');
  });

  it('?connection=NAME shows one connection’s imports and queue, and polls for them', async () => {
    const { body } = await json('/api/imports?connection=acme');
    expect(body.connection).toBe('acme');
    expect(body.imports.map((s: { importId: string }) => s.importId)).toEqual(['imp-acme']);
    expect(body.queues.lead.prioritized).toBe(2);

    const html = await (await fetch(`${dashboard.url}/?connection=globex`)).text();
    expect(html).toContain('data-import="imp-globex"');
    expect(html).not.toContain('data-import="imp-acme"');
    expect(html).toContain('data-poll="/api/imports?connection=globex"');
    expect(html).toContain('<a href="/?connection=globex" class="active" aria-current="page">globex</a>');
  });

  it('answers 400 naming the connections it serves for one it does not, never echoing markup', async () => {
    const page = await fetch(`${dashboard.url}/?connection=initech`);
    expect(page.status).toBe(400);
    expect(await page.text()).toBe(
      'Unknown connection "initech": this dashboard serves default, acme, globex.\n',
    );
    const hostile = await json(`/api/imports?connection=${encodeURIComponent('<script>x</script>')}`);
    expect(hostile.status).toBe(400);
    expect(hostile.body.error).toMatch(/^Unknown connection/);
    expect(
      (await fetch(`${dashboard.url}/?connection=${encodeURIComponent('<b>')}`)).headers.get('content-type'),
    ).toMatch(/^text\/plain/);
  });

  it("names a blocked connection in the notice, and only on that connection's page", async () => {
    await redis.hset(ctx.keys.connectionControl('acme'), 'blockedReason', 'Pipedrive rejected the API token');
    try {
      expect((await json('/api/imports')).body.notice).toBe(
        'Blocked (acme): Pipedrive rejected the API token',
      );
      expect((await json('/api/imports?connection=acme')).body.notice).toBe(
        'Blocked (acme): Pipedrive rejected the API token',
      );
      expect((await json('/api/imports?connection=globex')).body.notice).toBeNull();
      const imports = (await json('/api/imports')).body.imports as { importId: string; state: string }[];
      expect(Object.fromEntries(imports.map((s) => [s.importId, s.state]))).toEqual({
        'imp-acme': 'blocked',
        'imp-default': 'running',
        'imp-globex': 'running',
      });
    } finally {
      await redis.hdel(ctx.keys.connectionControl('acme'), 'blockedReason');
    }
  });

  it('does not call a connection paused whose queue its worker paused on a rejected token, nor ask for `resume`', async () => {
    // As the worker blocks a connection (processing-control.ts blockForAuth): the reason, and its queue paused by it.
    const control = ctx.keys.connectionControl('acme');
    await redis.hset(control, {
      blockedReason: 'Pipedrive rejected the API token',
      blockedKind: 'auth',
      pausedBy: 'auth',
    });
    await ctx.leadQueueOf('acme').pause();
    try {
      const { body } = await json('/api/imports');
      // It said "· Paused: no worker starts new rows until `lead-importer resume`." too: nobody had paused anything,
      // and `resume` does not unblock a token.
      expect(body.notice).toBe('Blocked (acme): Pipedrive rejected the API token');
      expect(body.paused).toBe(false);
      // An operator's pause is still said beside the block.
      await redis.hset(ctx.keys.control, 'paused', Date.now());
      await Promise.all(['default', 'globex'].map((c) => ctx.leadQueueOf(c).pause()));
      expect((await json('/api/imports')).body.notice).toBe(
        'Blocked (acme): Pipedrive rejected the API token · Paused: no worker starts new rows until `lead-importer resume`.',
      );
      expect((await json('/api/imports?connection=globex')).body.paused).toBe(true);
    } finally {
      await Promise.all(['default', 'acme', 'globex'].map((c) => ctx.leadQueueOf(c).resume()));
      await redis.hdel(ctx.keys.control, 'paused');
      await redis.hdel(control, 'blockedReason', 'blockedKind', 'pausedBy');
    }
  });

  it('names a blocked connection and another waiting for its budget, both in the one notice', async () => {
    const until = Date.parse('2099-01-02T00:00:00Z');
    await redis.hset(ctx.keys.connectionControl('acme'), 'blockedReason', 'Pipedrive rejected the API token');
    await redis.hset(ctx.keys.connectionControl('globex'), 'budgetWaitUntil', until);
    try {
      // The block alone was said: globex's wait was out of sight until acme's token was fixed.
      expect((await json('/api/imports')).body.notice).toBe(
        "Blocked (acme): Pipedrive rejected the API token · Today's token budget (globex) is spent: waiting until 2099-01-02 00:00 UTC.",
      );
      const html = await (await fetch(`${dashboard.url}/`)).text();
      expect(html).toContain('<div class="notice bad" id="notice">Blocked (acme)');
      expect(html).toContain('Today&#39;s token budget (globex) is spent');
    } finally {
      await redis.hdel(ctx.keys.connectionControl('acme'), 'blockedReason');
      await redis.hdel(ctx.keys.connectionControl('globex'), 'budgetWaitUntil');
    }
  });

  it('shows an import no row of which finished for five minutes as stalled, asking whether a worker serves it', async () => {
    const key = ctx.keys.import('imp-globex');
    const before = await redis.hmget(key, 'createdAt', 'updatedAt');
    const tenMinutesAgo = Date.now() - 10 * 60_000;
    await redis.hset(key, { createdAt: tenMinutesAgo, updatedAt: tenMinutesAgo });
    try {
      const imports = (await json('/api/imports')).body.imports as { importId: string; state: string }[];
      expect(imports.find((s) => s.importId === 'imp-globex')).toMatchObject({
        state: 'stalled',
        etaText: null,
      });
      expect(imports.find((s) => s.importId === 'imp-acme')).toMatchObject({ state: 'running' });
      const html = await (await fetch(`${dashboard.url}/?connection=globex`)).text();
      const row = html.slice(html.indexOf('data-import="imp-globex"'));
      expect(row.slice(0, row.indexOf('</tr>'))).toMatch(
        // No worker runs here: the page asks the workers, as `status` does, and says so rather than asking.
        /<span class="badge s-stalled"[^>]*>stalled<\/span><div class="sub">no worker serves connection globex: its 3 pending rows are kept on its queue. Start one \(`lead-importer worker`\), or add globex to a worker&#39;s --connections<\/div>/,
      );
    } finally {
      await redis.hset(key, { createdAt: before[0]!, updatedAt: before[1]! });
    }
  });

  it("shows the import's connection on its page", async () => {
    const html = await (await fetch(`${dashboard.url}/imports/imp-globex`)).text();
    expect(html).toContain('Connection <a href="/?connection=globex">globex</a>');
  });

  it("shows every connection's queue in bull-board", async () => {
    const body = (await json('/queues/api/queues')).body as {
      queues: { name: string; readOnlyMode: boolean }[];
    };
    expect(body.queues.map((q) => [q.name, q.readOnlyMode]).sort()).toEqual([
      ['lead-import', true],
      ['lead-import-acme', true],
      ['lead-import-dlq', true],
      ['lead-import-globex', true],
    ]);
  });

  it('shows no `default` queue in bull-board when the connections file defines no `default` connection', async () => {
    const named = await startDashboard({
      redis,
      prefix: ctx.prefix,
      limits: lite,
      connectionLimits: new Map([...connectionLimits].filter(([name]) => name !== 'default')),
      port: 0,
    });
    try {
      const res = await fetch(`${named.url}/queues/api/queues`);
      const body = (await res.json()) as { queues: { name: string }[] };
      // No worker ever serves `lead-import` here: bull-board marked it "No workers", empty, beside the real ones.
      expect(body.queues.map((q) => q.name).sort()).toEqual([
        'lead-import-acme',
        'lead-import-dlq',
        'lead-import-globex',
      ]);
    } finally {
      await named.close();
    }
  });

  it('/metrics labels what is per connection', async () => {
    await redis.hset(ctx.keys.connectionControl('globex'), 'blockedReason', 'x');
    // acme's workers found every call failing a second ago; globex's report is a stopped worker's, minutes old.
    await redis.hset(ctx.keys.connectionControl('acme'), {
      failingSince: Date.now() - 60_000,
      failingAt: Date.now() - 1000,
      failingReason: '503 Service Unavailable to POST /api/v1/leads',
    });
    await redis.hset(ctx.keys.connectionControl('globex'), {
      failingSince: Date.now() - 600_000,
      failingAt: Date.now() - 300_000,
      failingReason: '503 Service Unavailable to POST /api/v1/leads',
    });
    try {
      const { samples } = parsePrometheusText(await (await fetch(`${dashboard.url}/metrics`)).text());
      const value = (name: string, labels: Record<string, string>) => sampleValue(samples, name, labels);
      expect(
        value('lead_importer_queue_jobs', {
          queue: 'lead-import-acme',
          connection: 'acme',
          state: 'prioritized',
        }),
      ).toBe(2);
      expect(
        value('lead_importer_queue_jobs', {
          queue: 'lead-import-globex',
          connection: 'globex',
          state: 'prioritized',
        }),
      ).toBe(3);
      expect(value('lead_importer_queue_jobs', { queue: 'lead-import-dlq', state: 'waiting' })).toBe(0);
      expect(value('lead_importer_blocked', { connection: 'globex' })).toBe(1);
      expect(value('lead_importer_blocked', { connection: 'acme' })).toBe(0);
      expect(value('lead_importer_pipedrive_failing', { connection: 'acme' })).toBe(1);
      expect(value('lead_importer_pipedrive_failing', { connection: 'globex' })).toBe(0);
      expect(value('lead_importer_queue_paused', { connection: 'acme' })).toBe(0);
      expect(value('lead_importer_imports', { connection: 'acme', state: 'enqueued' })).toBe(1);
      expect(value('lead_importer_imports', { connection: 'acme', state: 'completed' })).toBe(0);
      expect(value('lead_importer_import_rows', { connection: 'globex', outcome: 'pending' })).toBe(3);
      expect(value('lead_importer_import_rows', { connection: 'globex', outcome: 'created' })).toBe(1);
      expect(value('lead_importer_import_rows', { connection: 'default', outcome: 'pending' })).toBe(1);
    } finally {
      await redis.hdel(ctx.keys.connectionControl('globex'), 'blockedReason', ...FAILING_FIELDS);
      await redis.hdel(ctx.keys.connectionControl('acme'), ...FAILING_FIELDS);
    }
  });

  it("/metrics counts each connection's worker calls, tokens, latency, outcomes and rate limits under its name", async () => {
    const recorder = new MetricsRecorder(redis, ctx.prefix, 0);
    recorder.connection('acme').recordCall('leads.create', 201, 120, 10);
    recorder.connection('acme').recordOutcome('created');
    recorder.connection('globex').recordCall('leads.create', 201, 40, 10);
    recorder.connection('globex').recordCall('leads.create', 429, 5, 0);
    recorder.connection('globex').recordRateLimited('burst');
    recorder.recordOutcome('created', 2);
    await recorder.close();

    const { samples } = parsePrometheusText(await (await fetch(`${dashboard.url}/metrics`)).text());
    const value = (name: string, labels: Record<string, string>) => sampleValue(samples, name, labels);
    expect(value('lead_importer_leads_created_total', { connection: 'acme' })).toBe(1);
    expect(value('lead_importer_leads_created_total', { connection: 'globex' })).toBe(0);
    expect(value('lead_importer_leads_created_total', { connection: 'default' })).toBe(2);
    expect(
      value('lead_importer_pipedrive_calls_total', {
        connection: 'globex',
        operation: 'leads.create',
        status: '429',
      }),
    ).toBe(1);
    expect(
      samples.some(
        (s) =>
          s.name === 'lead_importer_pipedrive_calls_total' &&
          s.labels.connection === 'acme' &&
          s.labels.status === '429',
      ),
    ).toBe(false);
    expect(
      value('lead_importer_pipedrive_tokens_spent_total', { connection: 'acme', operation: 'leads.create' }),
    ).toBe(10);
    expect(
      value('lead_importer_pipedrive_rate_limited_total', { connection: 'globex', scope: 'burst' }),
    ).toBe(1);
    expect(
      value('lead_importer_pipedrive_call_duration_seconds_bucket', {
        connection: 'acme',
        operation: 'leads.create',
        le: '0.1',
      }),
    ).toBe(0);
    expect(
      value('lead_importer_pipedrive_call_duration_seconds_count', {
        connection: 'acme',
        operation: 'leads.create',
      }),
    ).toBe(1);
    // Every worker counter of a deployment of several companies carries the label.
    const unlabelled = samples.filter(
      (s) =>
        /^lead_importer_(pipedrive|leads|rows|contacts)_/.test(s.name) && s.labels.connection === undefined,
    );
    expect(unlabelled).toEqual([]);
  });
});

describe('the dead-letter queue tile of one connection’s page', () => {
  it('counts that connection’s entries of the shared DLQ, not every connection’s', async () => {
    // Parked on the DLQ as the worker parks a row (its job id is the import's and the line).
    const park = async (importId: string, connection: string, lines: number[]) => {
      await seedImport(ctx, importId, [], { connection });
      for (const line of lines) {
        await ctx.deadLetterQueue.add(
          DEAD_LETTER_JOB_NAME,
          {
            importId,
            line,
            job: jobData(importId, line, ['D', 'd@x.example', 'X']),
            errorClass: 'PipedriveValidationError',
            httpStatus: 400,
            message: 'Owner 41 does not exist',
            attempts: 1,
            firstAttemptAt: Date.now(),
            lastAttemptAt: Date.now(),
          },
          { jobId: `${importId}-${line}` },
        );
      }
    };
    await park('dlq-acme', 'acme', [2]);
    await park('dlq-globex', 'globex', [2, 3]);
    const total = (path: string) =>
      json(path).then(({ body }) =>
        (Object.values(body.queues.deadLetter) as number[]).reduce((a, b) => a + b, 0),
      );
    expect(await total('/api/imports')).toBe(3);
    // Every connection's page said 3: the DLQ is shared, and was counted whole.
    expect(await total('/api/imports?connection=acme')).toBe(1);
    expect(await total('/api/imports?connection=globex')).toBe(2);
    expect(await total('/api/imports?connection=default')).toBe(0);
    const html = await (await fetch(`${dashboard.url}/?connection=globex`)).text();
    expect(html).toContain('<div class="v" data-tile="dlq">2</div>');
  });
});
