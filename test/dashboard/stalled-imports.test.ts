import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import type { ImportStatus } from '../../src/ops/status.js';
import { leadQueueName } from '../../src/queue/names.js';
import { testRedis } from '../helpers/redis.js';
import { type SeedRow, seedImport, testOps } from '../ops/seed.js';

const redis = testRedis();
const limits = { burstPer2s: 20, dailyTokens: 30_000 };
const rows: SeedRow[] = [
  { line: 2, cells: ['A', 'a@example.com', 'Acme'], outcome: 'created', leadId: 'L2', personId: 1 },
  { line: 3, cells: ['B', 'b@example.com', 'Acme'], outcome: 'pending' },
  { line: 4, cells: ['C', 'c@example.com', 'Acme'], outcome: 'pending' },
];

const json = async <T>(url: string) => (await (await fetch(url)).json()) as T;

describe('the imports page, when no worker serves an import', () => {
  const ctx = testOps(redis);
  let dashboard: Dashboard;
  beforeAll(async () => {
    await seedImport(ctx, 'unserved', rows);
    // Its last row finished a minute ago, and no worker has taken one since: none runs.
    const minuteAgo = Date.now() - 60_000;
    await redis.hset(ctx.keys.import('unserved'), 'createdAt', minuteAgo, 'updatedAt', minuteAgo);
    dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0 });
  });
  afterAll(async () => {
    await dashboard?.close();
    await ctx.close();
  });

  it('shows it stalled, saying why, as `status` does; running again once a worker serves its queue', async () => {
    const listed = await json<{ imports: ImportStatus[] }>(`${dashboard.url}/api/imports`);
    expect(listed.imports[0]).toMatchObject({
      importId: 'unserved',
      state: 'stalled',
      stateText:
        'stalled: no worker is running: its 2 pending rows are kept on the queue. Start one: `lead-importer worker`',
      etaMs: null,
    });
    expect(await json<ImportStatus>(`${dashboard.url}/api/imports/unserved`)).toMatchObject({
      state: 'stalled',
    });
    expect(await (await fetch(`${dashboard.url}/`)).text()).toContain('class="badge s-stalled"');
    expect(await (await fetch(`${dashboard.url}/imports/unserved`)).text()).toContain('no worker is running');

    const worker = new Worker(leadQueueName('default'), null, { connection: redis, prefix: ctx.prefix });
    try {
      await worker.waitUntilReady();
      await expect
        .poll(async () => (await json<ImportStatus>(`${dashboard.url}/api/imports/unserved`)).state)
        .toBe('running');
      expect(
        (await json<{ imports: ImportStatus[] }>(`${dashboard.url}/api/imports`)).imports[0]?.state,
      ).toBe('running');
    } finally {
      await worker.close();
    }
  });
});

describe('the imports page, when an import’s connection has left the connections file', () => {
  const ctx = testOps(redis);
  let dashboard: Dashboard;
  beforeAll(async () => {
    await seedImport(ctx, 'orphan', rows, { connection: 'acme' });
    dashboard = await startDashboard({
      redis,
      prefix: ctx.prefix,
      limits,
      connectionLimits: new Map([['globex', limits]]),
      connectionsFile: '/etc/lead-importer/connections.yaml',
      port: 0,
    });
  });
  afterAll(async () => {
    await dashboard?.close();
    await ctx.close();
  });

  it('shows it stalled at once, naming the file and the fix', async () => {
    expect(await json<ImportStatus>(`${dashboard.url}/api/imports/orphan`)).toMatchObject({
      state: 'stalled',
      stateText:
        'stalled: connection acme is not defined in /etc/lead-importer/connections.yaml, and no worker serves it: its 2 pending rows are kept on its queue. Removed or renamed? Define it again as acme and send the workers SIGHUP, or drop them: `lead-importer cancel orphan`',
    });
  });
});
