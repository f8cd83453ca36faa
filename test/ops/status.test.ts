import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOKENS_PER_ROW, estimateEta, formatDuration } from '../../src/ops/eta.js';
import { formatStatusTable } from '../../src/ops/format.js';
import { createOpsContext } from '../../src/ops/ops-context.js';
import { getStatus, listStatuses } from '../../src/ops/status.js';
import { leadQueueName } from '../../src/queue/names.js';
import { readControl } from '../../src/worker/control.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { type SeedRow, seedImport, testOps } from './seed.js';

const redis = testRedis();
const contexts: ReturnType<typeof testOps>[] = [];
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
});
/** Polls `read` until it returns `want` (the workers' client names show in CLIENT LIST once connected). */
async function eventually<T>(read: () => Promise<T>, want: T, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let got = await read();
  while (got !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    got = await read();
  }
  expect(got).toBe(want);
}

function ops() {
  const ctx = testOps(redis);
  contexts.push(ctx);
  return ctx;
}

const rows: SeedRow[] = [
  {
    line: 2,
    cells: ['A', 'a@example.com', 'Acme'],
    outcome: 'created',
    leadId: 'L2',
    personId: 1,
    organizationId: 5,
    personCreated: true,
  },
  {
    line: 3,
    cells: ['B', 'b@example.com', 'Acme'],
    outcome: 'created',
    leadId: 'L3',
    personId: 2,
    organizationId: 5,
  },
  { line: 4, cells: ['C', 'bad', ''], outcome: 'rejected', reason: 'no email' },
  { line: 5, cells: ['D', 'd@example.com', ''], outcome: 'pending' },
  { line: 6, cells: ['E', 'e@example.com', ''], outcome: 'pending' },
];

describe('getStatus', () => {
  it('reports the counts, which add up, the reused contacts, tokens and an ETA', async () => {
    const ctx = ops();
    await seedImport(ctx, 'st-1', rows);
    const s = await getStatus(ctx, 'st-1');
    expect(s).toMatchObject({
      importId: 'st-1',
      fileName: 'st-1.csv',
      state: 'running',
      rows: 5,
      enqueued: 4,
      rejected: 1,
      created: 2,
      deadLettered: 0,
      cancelled: 0,
      pending: 2,
      createdPersons: 1,
      reusedPersons: 1,
      reusedOrganizations: 2,
      reusedContacts: 3,
      tokensUsed: 45,
      balanced: true,
      progress: 3 / 5,
    });
    expect(s.etaMs).toBeGreaterThan(0);
    expect(s.etaText).toMatch(/s$/);
  });

  it('says paused, blocked or waiting for budget from the shared control flags', async () => {
    const ctx = ops();
    await seedImport(ctx, 'st-2', rows);
    expect((await getStatus(ctx, 'st-2')).etaMs).toBeGreaterThan(0);
    await ctx.leadQueue.pause();
    // Paused or blocked, it waits for a person: no ETA (it showed the seconds the limits allow).
    expect(await getStatus(ctx, 'st-2')).toMatchObject({ state: 'paused', etaMs: null, etaText: null });
    await ctx.leadQueue.resume();
    const until = Date.UTC(2030, 0, 2);
    await redis.hset(ctx.keys.control, 'budgetWaitUntil', until);
    expect(await getStatus(ctx, 'st-2')).toMatchObject({
      state: 'waiting-for-budget',
      stateText: 'waiting for budget until 2030-01-02 00:00 UTC',
      budgetWaitUntil: until,
    });
    // No row moves before the wait ends: the ETA is at least that far off (the limits alone said seconds).
    expect((await getStatus(ctx, 'st-2')).etaMs).toBeGreaterThanOrEqual(until - Date.now());
    await redis.hset(ctx.keys.control, 'blockedReason', 'Pipedrive rejected the API token (401)');
    expect(await getStatus(ctx, 'st-2')).toMatchObject({
      stateText: 'blocked: Pipedrive rejected the API token (401)',
      etaMs: null,
    });
  });

  it('says every call to Pipedrive fails, with no ETA, while the workers find it so, and forgets a stale report', async () => {
    const ctx = ops();
    await seedImport(ctx, 'st-6', rows);
    const since = Date.UTC(2026, 11, 5, 4, 15, 2);
    await redis.hset(ctx.keys.control, {
      failingSince: since,
      failingAt: Date.now() - 1000,
      failingReason: '503 Service Unavailable to POST /api/v1/leads',
    });
    try {
      expect(await getStatus(ctx, 'st-6')).toMatchObject({
        state: 'running',
        stateText:
          'running, but every call to Pipedrive has failed since 04:15:02 UTC (the latest: 503 Service Unavailable to POST /api/v1/leads): the workers retry with back-off, and a row whose attempts run out goes to the dead-letter queue',
        failingSince: since,
        failingReason: '503 Service Unavailable to POST /api/v1/leads',
        etaMs: null,
      });
      // The list of imports says it under its table, as it does a stalled import's reason.
      const table = formatStatusTable(await listStatuses(ctx));
      expect(table).toContain(
        '\nEvery call to Pipedrive has failed since 04:15:02 UTC (the latest: 503 Service Unavailable to POST /api/v1/leads): the workers retry with back-off, and a row whose attempts run out goes to the dead-letter queue\n',
      );
      // Stalled as well: why, and where to look.
      await redis.hset(
        ctx.keys.import('st-6'),
        'updatedAt',
        Date.now() - 6 * 60_000,
        'createdAt',
        Date.now() - 7 * 60_000,
      );
      expect((await getStatus(ctx, 'st-6')).stateText).toMatch(
        /^stalled: no row finished in the last 5 min, and every call to Pipedrive has failed since 04:15:02 UTC .*status\.pipedrive\.com/,
      );
      // A report no worker renewed for minutes (its worker stopped) is not news.
      await redis.hset(ctx.keys.import('st-6'), 'updatedAt', Date.now(), 'createdAt', Date.now());
      await redis.hset(ctx.keys.control, 'failingAt', Date.now() - 3 * 60_000);
      const stale = await getStatus(ctx, 'st-6');
      expect(stale).toMatchObject({ state: 'running', stateText: 'running' });
      expect(stale.etaMs).toBeGreaterThan(0);
      expect(stale).not.toHaveProperty('failingReason');
    } finally {
      await redis.hdel(ctx.keys.control, 'failingSince', 'failingAt', 'failingReason');
    }
  });

  it('ignores a time in the control hash that is not a number, as the workers do', async () => {
    const ctx = ops();
    await seedImport(ctx, 'st-5', rows);
    await redis.hset(ctx.keys.control, {
      budgetWaitUntil: 'tomorrow',
      rateLimitedUntil: '',
      blockedAt: '12x',
    });
    try {
      const status = await getStatus(ctx, 'st-5');
      expect(status).toMatchObject({ state: 'running' });
      expect(status.budgetWaitUntil).toBeUndefined();
      // The workers' reader of the same hash (worker/control.ts) gives the same: no wait, no time.
      expect(await readControl(redis, ctx.prefix)).toEqual({});
    } finally {
      await redis.hdel(ctx.keys.control, 'budgetWaitUntil', 'rateLimitedUntil', 'blockedAt');
    }
  });

  it('says stalled, with no ETA, when no row finished for five minutes and nothing else holds the rows', async () => {
    const ctx = ops();
    await seedImport(ctx, 'st-4', rows);
    const { updatedAt } = await getStatus(ctx, 'st-4');
    const later = updatedAt + 5 * 60_000;
    // Four minutes without a row finishing: running, with the limits' ETA.
    expect(await getStatus(ctx, 'st-4', later - 60_000)).toMatchObject({ state: 'running' });
    // Five: nothing serves it (no worker for the connection, most often); not the seconds the limits allow.
    expect(await getStatus(ctx, 'st-4', later)).toMatchObject({
      state: 'stalled',
      stateText: 'stalled: no row finished in the last 5 min; is a worker running? (`lead-importer worker`)',
      etaMs: null,
      etaText: null,
    });
    // What its rows will spend is still told (it read "about 0 to go").
    expect((await getStatus(ctx, 'st-4', later)).tokensRemaining).toBeGreaterThan(0);
    expect((await listStatuses(ctx, 20, later)).find((s) => s.importId === 'st-4')?.state).toBe('stalled');
    // A spent budget holds the rows too, even before the workers set their wait.
    const spent = {
      ...ctx,
      readBudget: async () => ({ limit: 30_000, left: 0, resetsAt: later + 3_600_000 }),
    };
    expect(await getStatus(spent, 'st-4', later)).toMatchObject({ state: 'running' });
    // A 429 pause that ended two minutes ago explains the wait: running again.
    await redis.hset(ctx.keys.control, 'rateLimitedUntil', later - 2 * 60_000);
    expect(await getStatus(ctx, 'st-4', later)).toMatchObject({ state: 'running' });
    await redis.hdel(ctx.keys.control, 'rateLimitedUntil');
    // A row finishing makes it running again.
    await redis.hset(ctx.keys.import('st-4'), 'updatedAt', later - 1000);
    expect(await getStatus(ctx, 'st-4', later)).toMatchObject({ state: 'running' });
  });

  it('says stalled at once, naming the file and the fix, when no worker serves a connection the file no longer defines', async () => {
    // The operator removed (or renamed) acme in the file and the workers reloaded it: its import's rows are kept
    // on its queue, and nothing will take them. Said at once, not "running" with an ETA for five minutes.
    const ctx = createOpsContext({
      redis,
      prefix: uniquePrefix('ops'),
      limits: { burstPer2s: 20, dailyTokens: 30_000 },
      connectionLimits: new Map([['globex', { burstPer2s: 20, dailyTokens: 30_000 }]]),
      connectionsFile: '/etc/lead-importer/connections.yaml',
    });
    contexts.push(ctx);
    await seedImport(ctx, 'st-gone', rows, { connection: 'acme' });
    const s = await getStatus(ctx, 'st-gone', Date.now(), { checkServed: true });
    expect(s).toMatchObject({
      state: 'stalled',
      stateText:
        'stalled: connection acme is not defined in /etc/lead-importer/connections.yaml, and no worker serves it: its 2 pending rows are kept on its queue. Removed or renamed? Define it again as acme and send the workers SIGHUP, or drop them: `lead-importer cancel st-gone`',
      etaMs: null,
    });
    expect((await listStatuses(ctx, 20, Date.now(), { checkServed: true }))[0]?.state).toBe('stalled');
    // A worker elsewhere (its own file still defines acme) takes its rows: running.
    const worker = new Worker(leadQueueName('acme'), null, { connection: redis, prefix: ctx.prefix });
    try {
      await worker.waitUntilReady();
      await eventually(
        async () => (await getStatus(ctx, 'st-gone', Date.now(), { checkServed: true })).state,
        'running',
      );
    } finally {
      await worker.close();
    }
  });

  it('says stalled, naming the connection, once no worker has served it for 30 s', async () => {
    const ctx = ops();
    await seedImport(ctx, 'st-unserved', rows, { connection: 'default' });
    const { updatedAt } = await getStatus(ctx, 'st-unserved');
    const served = { checkServed: true };
    // A worker restarting its connection (a reload) leaves the queue for a moment: still running.
    expect(await getStatus(ctx, 'st-unserved', updatedAt + 10_000, served)).toMatchObject({
      state: 'running',
    });
    // The list of imports says why under its table, as the import's own status does.
    expect(formatStatusTable(await listStatuses(ctx, 20, updatedAt + 10_000, served))).toContain(
      '\nNo worker is running: its rows wait on the queue. Start one: `lead-importer worker`\n',
    );
    expect(await getStatus(ctx, 'st-unserved', updatedAt + 30_000, served)).toMatchObject({
      state: 'stalled',
      stateText:
        'stalled: no worker is running: its 2 pending rows are kept on the queue. Start one: `lead-importer worker`',
      etaMs: null,
    });
    // Not asked about the workers, the status says what it said before.
    expect(await getStatus(ctx, 'st-unserved', updatedAt + 30_000)).toMatchObject({ state: 'running' });
    const worker = new Worker(leadQueueName('default'), null, { connection: redis, prefix: ctx.prefix });
    try {
      await worker.waitUntilReady();
      await eventually(
        async () => (await getStatus(ctx, 'st-unserved', updatedAt + 30_000, served)).state,
        'running',
      );
    } finally {
      await worker.close();
    }
  });

  it('calls an import with nothing pending completed', async () => {
    const ctx = ops();
    await seedImport(ctx, 'st-3', rows.slice(0, 3));
    expect(await getStatus(ctx, 'st-3')).toMatchObject({ state: 'completed', progress: 1, etaMs: null });
  });

  it('lists recent imports, newest first', async () => {
    const ctx = ops();
    await seedImport(ctx, 'st-old', rows);
    await new Promise((r) => setTimeout(r, 2)); // distinct creation times
    await seedImport(ctx, 'st-new', rows);
    expect((await listStatuses(ctx)).map((s) => s.importId)).toEqual(['st-new', 'st-old']);
  });
});

describe('estimateEta', () => {
  const base = {
    finishedRows: 0,
    tokensUsed: 0,
    contactsCreated: 0,
    burstPer2s: 20,
    dailyTokens: 30_000,
    now: 0,
  };

  it('is bound by the burst limit while the budget lasts', () => {
    // 35 tokens a row: a search, a new person and a lead = 3 calls; 10 calls/s → 3.33 rows/s,
    // but one search per row at 5 searches/s allows 5 rows/s: the burst limit decides.
    const eta = estimateEta({ ...base, pendingRows: 100, budgetLeft: 30_000 });
    expect(eta).toEqual({ ms: 30_000, tokens: 100 * DEFAULT_TOKENS_PER_ROW, limitedByBudget: false });
  });

  it('waits for the next budget days when the rows cost more than what is left today', () => {
    const eta = estimateEta({
      ...base,
      pendingRows: 2000,
      finishedRows: 100,
      tokensUsed: 1000, // 10 tokens a row: the contacts were all known
      budgetLeft: 5_000,
      dailyTokens: 10_000,
      budgetResetsAt: 3_600_000,
    });
    // 500 rows today; then 1,000 rows a day: one full day and 500 rows at 10 rows/s.
    expect(eta).toEqual({ ms: 3_600_000 + 86_400_000 + 50_000, tokens: 20_000, limitedByBudget: true });
  });

  it('formats durations for people', () => {
    expect([0, 400, 45_000, 600_000, 3 * 3_600_000 + 720_000, 3 * 86_400_000].map(formatDuration)).toEqual([
      '0 s',
      '< 1 s',
      '45 s',
      '10 min',
      '3 h 12 min',
      '3 d 0 h',
    ]);
  });
});
