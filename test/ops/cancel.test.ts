import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { cancelImport } from '../../src/ops/cancel.js';
import { getStatus } from '../../src/ops/status.js';
import { LEAD_JOB_NAME, type LeadJobData } from '../../src/queue/job-data.js';
import { leadJobOptions, leadPriority } from '../../src/queue/job-options.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { testRedis } from '../helpers/redis.js';
import { balance, jobData, type SeedRow, seedImport, testOps } from './seed.js';

const redis = testRedis();
const contexts: ReturnType<typeof testOps>[] = [];
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
});

const row = (line: number, outcome: 'pending' | 'created' = 'pending'): SeedRow =>
  outcome === 'created'
    ? {
        line,
        cells: [`P${line}`, `p${line}@example.com`, 'Acme'],
        outcome,
        leadId: `L${line}`,
        personId: line,
      }
    : { line, cells: [`P${line}`, `p${line}@example.com`, 'Acme'], outcome };

describe('cancelImport', () => {
  it('removes waiting and delayed jobs, counts their rows as cancelled and lets the active row finish', async () => {
    const ctx = testOps(redis);
    contexts.push(ctx);
    await seedImport(ctx, 'can-1', [row(2, 'created'), row(3), row(4), row(5)]);
    // Line 6 waits between attempts (delayed), as a row that hit a transient error does.
    await ctx.ledger.markEnqueued('can-1', [6]);
    await ctx.ledger.setCounters('can-1', { rows: 5 });
    await ctx.leadQueue.add(LEAD_JOB_NAME, jobData('can-1', 6, ['P6', 'p6@example.com', 'Acme']), {
      ...leadJobOptions('can-1', 6, leadPriority(6 - 1)),
      delay: 60_000,
    });

    // A worker holds line 3 until we let it finish.
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let started!: () => void;
    const isActive = new Promise<void>((r) => {
      started = r;
    });
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker<LeadJobData>(
      LEAD_QUEUE,
      async (job) => {
        started();
        await released;
        await ctx.ledger.recordCreated('can-1', job.data.line, { leadId: `L${job.data.line}` });
      },
      { connection, prefix: ctx.prefix, concurrency: 1, autorun: false },
    );
    void worker.run();
    await isActive;
    await worker.pause(true); // take nothing else; the active job stays active

    const summary = await cancelImport(ctx, 'can-1');

    expect(summary).toEqual({ importId: 'can-1', cancelled: 3, inFlight: 1 });
    expect(await ctx.leadQueue.getJobCounts('waiting', 'delayed', 'active')).toMatchObject({
      waiting: 0,
      delayed: 0,
      active: 1,
    });
    expect(await balance(ctx, 'can-1')).toMatchObject({
      rows: 5,
      sum: 5,
      created: 1,
      cancelled: 3,
      pending: 1,
    });
    expect((await getStatus(ctx, 'can-1')).stateText).toBe('cancelled (1 rows in flight)');

    release();
    await new Promise<void>((resolve) => worker.once('completed', () => resolve()));
    await worker.close();
    connection.disconnect();
    expect(await balance(ctx, 'can-1')).toMatchObject({
      rows: 5,
      sum: 5,
      created: 2,
      cancelled: 3,
      pending: 0,
    });
    expect((await getStatus(ctx, 'can-1')).state).toBe('cancelled');
  });

  it('cancels a pending row whose job is already gone, and is safe to run twice', async () => {
    const ctx = testOps(redis);
    contexts.push(ctx);
    await seedImport(ctx, 'can-2', [row(2), row(3)]);
    await ctx.leadQueue.remove('can-2-3'); // as if a first cancel died between removing and recording
    expect(await cancelImport(ctx, 'can-2')).toEqual({ importId: 'can-2', cancelled: 2, inFlight: 0 });
    expect(await cancelImport(ctx, 'can-2')).toEqual({ importId: 'can-2', cancelled: 0, inFlight: 0 });
    expect(await balance(ctx, 'can-2')).toMatchObject({ rows: 2, sum: 2, cancelled: 2, pending: 0 });
  });

  it('counts as in flight, not cancelled, a chunk row a runner takes just before cancel moves it', async () => {
    const ctx = testOps(redis);
    contexts.push(ctx);
    await seedImport(ctx, 'can-4', [row(2), row(3)]);
    // Rows of a chunk job: no job of their own.
    await ctx.leadQueue.remove('can-4-2');
    await ctx.leadQueue.remove('can-4-3');
    // A chunk's runner takes line 3 after cancel looked at it and before the ledger moves it (the race: cancel said
    // "Cancelled 538 rows" and the ledger counted 537, the other one created). Both ways cancel may move a row are
    // wrapped, so the runner wins the race whichever one cancel takes.
    const lease = ctx.ledger.keys.lease('can-4', 3);
    const ledger = ctx.ledger as unknown as Record<string, (id: string, line: number) => Promise<unknown>>;
    for (const method of ['recordCancelled', 'recordCancelledUnlessLeased']) {
      const move = ledger[method]?.bind(ctx.ledger);
      if (!move) continue;
      ledger[method] = async (id, line) => {
        if (line === 3) await redis.set(lease, 'runner:0000000000000001', 'PX', 60_000);
        return move(id, line);
      };
    }
    const summary = await cancelImport(ctx, 'can-4');
    // The runner goes on and creates its lead (Pending or Cancelled → Created).
    await ctx.ledger.recordCreated('can-4', 3, { leadId: 'L3' });
    await redis.del(lease);
    const record = await ctx.ledger.getImport('can-4');
    expect(summary).toEqual({ importId: 'can-4', cancelled: record?.cancelled, inFlight: 1 });
    expect(record).toMatchObject({ created: 1, cancelled: 1, pending: 0 });
    expect(await balance(ctx, 'can-4')).toMatchObject({ rows: 2, sum: 2 });
  });

  it('leaves a finished import as it is', async () => {
    const ctx = testOps(redis);
    contexts.push(ctx);
    await seedImport(ctx, 'can-3', [row(2, 'created')]);
    expect(await cancelImport(ctx, 'can-3')).toEqual({ importId: 'can-3', cancelled: 0, inFlight: 0 });
    expect((await getStatus(ctx, 'can-3')).state).toBe('completed');
  });
});
