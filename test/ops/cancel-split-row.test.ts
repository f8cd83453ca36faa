import { type Job, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { cancelImport } from '../../src/ops/cancel.js';
import { LEAD_JOB_NAME, type LeadJobData } from '../../src/queue/job-data.js';
import { leadJobOptions } from '../../src/queue/job-options.js';
import { jobsExist } from '../../src/queue/jobs-exist.js';
import { RowState } from '../../src/queue/ledger.js';
import { jobIdFor, LEAD_QUEUE } from '../../src/queue/names.js';
import { type RowLease, RowLeases } from '../../src/worker/row-lease.js';
import { testRedis } from '../helpers/redis.js';
import { balance, enqueueChunked, jobData, testOps } from './seed.js';

/**
 * `cancel` racing the runners of a row that a 10-row chunk split out as its own job (a transient failure: the row
 * retries alone, `cpKey: 1`, its checkpoint under its own key). Whoever runs the row (its single-row job, or its chunk
 * run again, which runs every row that has no job of its own) takes it only while it is Pending; `cancel` must never
 * report a row cancelled that the ledger ends up counting as created.
 */
const redis = testRedis();
const contexts: ReturnType<typeof testOps>[] = [];
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
});

const LINES = Array.from({ length: 10 }, (_, i) => i + 2); // lines 2–11: one chunk of 10
const SPLIT = 5;
const cellsOf = (line: number) => [`Row ${line}`, `r${line}@example.com`, `Org ${line}`];

/** The row as its chunk had it, split out as a job of its own as ChunkRunner.splitOut adds it. */
function splitRowData(importId: string, line: number): LeadJobData {
  return { ...jobData(importId, line, cellsOf(line)), cpKey: 1, priorAttempts: 1 };
}

/** The chunk ran: three rows created, line 5 failed transiently and was split out, the others not reached yet. */
async function chunkWithSplitRow(
  ctx: ReturnType<typeof testOps>,
  importId: string,
  delayMs: number,
): Promise<void> {
  await enqueueChunked(ctx, importId, 10, LINES, cellsOf);
  await ctx.ledger.setCounters(importId, { rows: LINES.length });
  for (const line of [2, 3, 4]) await ctx.ledger.recordCreated(importId, line, { leadId: `L${line}` });
  await ctx.leadQueue.add(LEAD_JOB_NAME, splitRowData(importId, SPLIT), {
    ...leadJobOptions(importId, SPLIT, 1),
    attempts: 4,
    ...(delayMs > 0 ? { delay: delayMs } : {}),
  });
}

/** A runner's view of the row: what `RowLeases.take` reads of a job (a chunk's row looks the same). */
function rowJob(importId: string, line: number): Job<LeadJobData> {
  return {
    id: jobIdFor(importId, line),
    data: splitRowData(importId, line),
    queueQualifiedName: `${LEAD_QUEUE}`,
  } as unknown as Job<LeadJobData>;
}

/** Runs the row as the processor does: take it (only while Pending), create its lead, record it under the lease. */
async function runRow(
  ctx: ReturnType<typeof testOps>,
  leases: RowLeases,
  job: Job<LeadJobData>,
  beforeCreate: () => Promise<void> = async () => {},
): Promise<'created' | 'skipped' | 'busy'> {
  const taken = await leases.take(job);
  if ('finished' in taken) return 'skipped';
  if ('busy' in taken) return 'busy';
  const lease = taken as RowLease;
  await beforeCreate();
  const { importId, line } = job.data;
  const moved = await ctx.ledger.recordCreated(importId, line, { leadId: `L${line}` }, {}, lease.fence, {
    finish: true,
  });
  expect(moved.applied).toBe(true);
  return 'created';
}

describe('cancel and a row split out of its chunk', () => {
  it('counts the row in flight, not cancelled, when its chunk runs it again between the job removal and the ledger move', async () => {
    const ctx = testOps(redis);
    contexts.push(ctx);
    await chunkWithSplitRow(ctx, 'split-1', 60_000);
    const leases = new RowLeases({ redis, prefix: ctx.prefix, workerId: 'chunk-rerun', ttlMs: 30_000 });
    const rerun = rowJob('split-1', SPLIT);

    // The chunk, run again (it stalled), asks whether line 5 has a job of its own right after cancel removed it:
    // it has not, so the chunk runs the row itself, and takes it while it is still Pending.
    const queue = ctx.leadQueueOf('default');
    const remove = queue.remove.bind(queue);
    let taken: Promise<RowLease> | undefined;
    queue.remove = async (id, opts) => {
      const removed = await remove(id, opts);
      if (id === jobIdFor('split-1', SPLIT) && removed === 1) {
        expect(await jobsExist(queue, [id])).toEqual([false]);
        const lease = await leases.take(rerun);
        expect('value' in lease).toBe(true);
        taken = Promise.resolve(lease as RowLease);
      }
      return removed;
    };
    const summary = await cancelImport(ctx, 'split-1');
    queue.remove = remove;
    expect(taken).toBeDefined();

    // The chunk's run of the row goes on and creates its lead.
    const lease = (await taken) as RowLease;
    await ctx.ledger.recordCreated('split-1', SPLIT, { leadId: 'L5' }, {}, lease.fence, { finish: true });

    const record = await ctx.ledger.getImport('split-1');
    // Lines 6–11 cancelled; line 5 created once, by its runner, and reported in flight.
    expect(summary).toEqual({ importId: 'split-1', cancelled: 6, inFlight: 1 });
    expect(record).toMatchObject({ created: 4, cancelled: 6, pending: 0 });
    expect(summary.cancelled).toBe(record?.cancelled);
    expect(await ctx.ledger.rowStates('split-1', [SPLIT])).toEqual([RowState.Created]);
    expect(await balance(ctx, 'split-1')).toMatchObject({ rows: 10, sum: 10 });
  });

  it('never counts a row both cancelled and created while a real worker runs the split-out job and the chunk runs again', async () => {
    const ctx = testOps(redis);
    contexts.push(ctx);
    const workerLeases = new RowLeases({ redis, prefix: ctx.prefix, workerId: 'worker-a', ttlMs: 30_000 });
    const chunkLeases = new RowLeases({ redis, prefix: ctx.prefix, workerId: 'worker-b', ttlMs: 30_000 });
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const ran = new Map<string, string>();
    // The split-out job's worker: BullMQ's lock against cancel's remove, then the lease against cancel's move.
    const worker = new Worker<LeadJobData>(
      LEAD_QUEUE,
      async (job) => {
        if (job.data.cpKey !== 1) return; // the chunk job itself: its rerun is played below
        const end = await runRow(ctx, workerLeases, job, () => new Promise((r) => setImmediate(r)));
        ran.set(job.data.importId, end);
      },
      { connection, prefix: ctx.prefix, concurrency: 4 },
    );
    try {
      const ROUNDS = 40;
      const outcomes: { cancelled: number; inFlight: number; importId: string; rerun: string }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const importId = `split-race-${round}`;
        // Half the rounds the row waits out its backoff (delayed: cancel removes it and races the chunk's rerun), half
        // it is due (waiting: the worker's lock races cancel's remove).
        await chunkWithSplitRow(ctx, importId, round % 2 === 0 ? 60_000 : 0);
        // The chunk run again: it runs the row as soon as the row's job is gone (removed by cancel, or done).
        const job = rowJob(importId, SPLIT);
        const rerun = (async () => {
          for (let i = 0; i < 200; i++) {
            const [exists] = await jobsExist(ctx.leadQueue, [jobIdFor(importId, SPLIT)]);
            if (!exists) return runRow(ctx, chunkLeases, job);
            await new Promise((r) => setImmediate(r));
          }
          return 'gave up';
        })();
        await new Promise((r) => setTimeout(r, round % 4));
        const summary = await cancelImport(ctx, importId);
        outcomes.push({ ...summary, rerun: await rerun });
      }
      // Every row's runner has finished.
      await new Promise((r) => setTimeout(r, 200));
      // Both ends of the race were run: rows cancel took before any runner, and rows a runner took first.
      expect(outcomes.some((o) => o.cancelled === 7)).toBe(true);
      expect(outcomes.some((o) => o.cancelled === 6 && o.inFlight === 1)).toBe(true);
      for (const o of outcomes) {
        const record = await ctx.ledger.getImport(o.importId);
        const [state] = await ctx.ledger.rowStates(o.importId, [SPLIT]);
        const where = `${o.importId}: ${JSON.stringify(o)} worker ${ran.get(o.importId)}`;
        expect(await balance(ctx, o.importId), where).toMatchObject({ rows: 10, sum: 10, pending: 0 });
        // What cancel reported as cancelled is what the ledger counts as cancelled: no row is counted both ways.
        expect(o.cancelled, where).toBe(record?.cancelled);
        expect(record!.created + record!.cancelled, where).toBe(10);
        expect([RowState.Created, RowState.Cancelled], where).toContain(state);
        // The row was created (by the worker or the rerun) only if cancel did not count it.
        const created = ran.get(o.importId) === 'created' || o.rerun === 'created';
        expect(state === RowState.Created, where).toBe(created);
        expect(ran.get(o.importId) === 'created' && o.rerun === 'created', where).toBe(false);
      }
    } finally {
      await worker.close();
      connection.disconnect();
    }
  }, 60_000);
});
