import type { Job } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import type { LeadJobData } from '../../src/queue/job-data.js';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { isRowLeaseLostError } from '../../src/worker/errors.js';
import { type LeaseBusy, RowLeases } from '../../src/worker/row-lease.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { bareImport, held, rowJobs } from './helpers.js';

const redis = testRedis();
const newRowJob = rowJobs(() => redis);
const rowJob = (prefix: string, importId = 'imp-lease') => newRowJob(prefix, importId);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('row leases', () => {
  it('let one runner hold a row at a time, and tell the other who holds it and for how long', async () => {
    const prefix = uniquePrefix();
    const job = await rowJob(prefix);
    const a = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 5000 });
    const b = new RowLeases({ redis, prefix, workerId: 'worker-b', ttlMs: 5000 });

    const lease = held(await a.take(job));
    expect(lease.value).toMatch(/^worker-a:[0-9a-f]{16}$/);
    expect(await redis.get(`${prefix}:imp:imp-lease:lease:2`)).toBe(lease.value);
    const busy = await b.take(job);
    expect(busy).toMatchObject({ busy: true, holder: lease.value });
    expect((busy as LeaseBusy).remainingMs).toBeGreaterThan(4000);

    await lease.release();
    expect(await redis.exists(`${prefix}:imp:imp-lease:lease:2`)).toBe(0);
    expect(held(await b.take(job)).value).toMatch(/^worker-b:/);
  });

  it("take over a lease their own worker left behind, but never one an attempt of theirs still holds, nor another worker's", async () => {
    const prefix = uniquePrefix();
    const job = await rowJob(prefix);
    // An attempt of this worker ended without releasing (Redis was down): the lease is stale.
    await redis.set(`${prefix}:imp:imp-lease:lease:2`, 'worker-a:0123456789abcdef', 'PX', 30_000);
    const a = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 5000 });
    const first = held(await a.take(job));
    expect(first.value).not.toBe('worker-a:0123456789abcdef');
    // BullMQ handed the same job to this process again while the first attempt still runs.
    expect(await a.take(job)).toMatchObject({ busy: true, holder: first.value });
    const b = new RowLeases({ redis, prefix, workerId: 'worker-b', ttlMs: 5000 });
    expect(await b.take(job)).toMatchObject({ busy: true, holder: first.value });
  });

  it("refuse the checkpoint, the outcome and the dead letter of a runner whose lease ran out and was taken, and take the new owner's", async () => {
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const job = await rowJob(prefix);
    const a = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 150 });
    const b = new RowLeases({ redis, prefix, workerId: 'worker-b', ttlMs: 5000 });
    const stale = held(await a.take(job));
    await sleep(250);
    const owner = held(await b.take(job));

    // The stale runner's writes change nothing.
    const mine = { ...job.data, checkpoint: { leadIntentAt: 1 } };
    await expect(stale.save(job, mine)).rejects.toSatisfy(isRowLeaseLostError);
    expect(stale.isLost).toBe(true);
    await expect(stale.check()).rejects.toSatisfy(isRowLeaseLostError);
    const created = await ledger.recordCreated('imp-lease', 2, { leadId: 'stale-lead' }, {}, stale.fence);
    expect(created).toMatchObject({ applied: false, fenced: true });
    const dead = await ledger.recordDeadLettered(
      'imp-lease',
      2,
      { errorClass: 'Error', message: 'stale' },
      stale.fence,
    );
    expect(dead).toMatchObject({ applied: false, fenced: true });
    expect(await ledger.rowStates('imp-lease', [2])).toEqual([RowState.Pending]);
    expect(await ledger.getImport('imp-lease')).toBeNull();
    expect(JSON.parse((await redis.hget(`${prefix}:${LEAD_QUEUE}:${job.id}`, 'data')) ?? '{}')).toEqual(
      job.data,
    );

    // The owner's go through.
    const theirs = { ...job.data, checkpoint: { leadId: 'their-lead' } };
    await owner.save(job, theirs);
    expect(JSON.parse((await redis.hget(`${prefix}:${LEAD_QUEUE}:${job.id}`, 'data')) ?? '{}')).toEqual(
      theirs,
    );
    await owner.check();
    expect(
      await ledger.recordCreated('imp-lease', 2, { leadId: 'their-lead' }, { tokensUsed: 10 }, owner.fence),
    ).toMatchObject({ applied: true, previous: RowState.Pending });
    expect(await ledger.outcomes('imp-lease', [2])).toMatchObject([
      { state: 'created', leadId: 'their-lead' },
    ]);

    // Releasing a lease someone else holds leaves theirs alone.
    await stale.release();
    expect(await redis.get(`${prefix}:imp:imp-lease:lease:2`)).toBe(owner.value);
  });

  it("refuse a chunk row's checkpoint from a runner whose lease ran out and was taken: the new owner's stays", async () => {
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const job = await rowJob(prefix, 'imp-cp');
    job.data = { ...job.data, cpKey: 1 };
    const cpKey = ledger.keys.rowCheckpoint('imp-cp', job.data.line);
    const a = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 150 });
    const b = new RowLeases({ redis, prefix, workerId: 'worker-b', ttlMs: 5000 });
    const stale = held(await a.take(job));
    await stale.save(job, { ...job.data, checkpoint: { organizationId: 7 } });
    await sleep(250);
    const owner = held(await b.take(job));
    expect(owner.storedCheckpoint).toEqual({ organizationId: 7 });
    await owner.save(job, { ...job.data, checkpoint: { organizationId: 7, leadIntentAt: 5 } });

    await expect(stale.save(job, { ...job.data, checkpoint: { organizationId: 7 } })).rejects.toSatisfy(
      isRowLeaseLostError,
    );
    expect(JSON.parse((await redis.get(cpKey)) ?? '{}')).toEqual({ organizationId: 7, leadIntentAt: 5 });

    // The outcome's step deletes the lease and the checkpoint; a save after it (a failure on the way out) writes
    // nothing back.
    await ledger.recordCreated('imp-cp', job.data.line, { leadId: 'L' }, {}, owner.fence, { finish: true });
    owner.ended();
    expect(await redis.exists(cpKey)).toBe(0);
    await expect(owner.save(job, { ...job.data, checkpoint: { leadId: 'L' } })).rejects.toSatisfy(
      isRowLeaseLostError,
    );
    expect(await redis.exists(cpKey)).toBe(0);
  });

  it("refuse a stale runner's checkpoints sent in the same call as live ones: the new owners' stay, the live ones land", async () => {
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    // Two chunk rows (checkpoint under their own key) and two rows of their own (checkpoint in the job).
    const jobs = await Promise.all(['imp-b1', 'imp-b2', 'imp-b3', 'imp-b4'].map((id) => rowJob(prefix, id)));
    const [staleCp, liveCp, staleJob, liveJob] = jobs as [Job<LeadJobData>, ...Job<LeadJobData>[]];
    for (const job of [staleCp, liveCp]) job!.data = { ...job!.data, cpKey: 1 };
    const cpKeyOf = (job: Job<LeadJobData>) => ledger.keys.rowCheckpoint(job.data.importId, job.data.line);
    const jobDataOf = async (job: Job<LeadJobData>) =>
      JSON.parse((await redis.hget(`${prefix}:${LEAD_QUEUE}:${job.id}`, 'data')) ?? '{}');

    // Worker A's client, counting its script calls.
    const counting = redis.duplicate();
    let calls = 0;
    const send = counting.sendCommand.bind(counting);
    counting.sendCommand = ((command: { name: string }) => {
      if (command.name === 'evalsha' || command.name === 'eval') calls++;
      return send(command as never);
    }) as typeof counting.sendCommand;
    try {
      const a = new RowLeases({ redis: counting, prefix, workerId: 'worker-a', ttlMs: 5000 });
      const b = new RowLeases({ redis, prefix, workerId: 'worker-b', ttlMs: 5000 });
      const mine = await Promise.all(jobs.map(async (job) => held(await a.take(job))));
      // Two of A's leases ran out (A frozen or cut off) and B took those rows and checkpointed them.
      const theirs = new Map<Job<LeadJobData>, LeadJobData>();
      for (const [i, job] of [staleCp!, staleJob!].entries()) {
        await redis.del(mine[jobs.indexOf(job)]!.key);
        const owner = held(await b.take(job));
        const data = { ...job.data, checkpoint: { leadId: `their-lead-${i}` } };
        await owner.save(job, data);
        theirs.set(job, data);
      }

      // A wakes up and checkpoints all four rows in one turn: one call carries them.
      calls = 0;
      const ours = jobs.map((job) => ({ ...job.data, checkpoint: { leadIntentAt: 42 } }));
      const saved = await Promise.allSettled(jobs.map((job, i) => mine[i]!.save(job, ours[i]!)));
      expect(calls).toBe(1);
      expect(saved.map((s) => s.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
      for (const i of [0, 2]) {
        expect((saved[i] as PromiseRejectedResult).reason).toSatisfy(isRowLeaseLostError);
        expect(mine[i]!.isLost).toBe(true);
      }
      expect(mine[1]!.isLost).toBe(false);

      // The new owners' checkpoints stay as they wrote them; A's live rows have A's.
      expect(JSON.parse((await redis.get(cpKeyOf(staleCp!))) ?? '{}')).toEqual(
        theirs.get(staleCp!)!.checkpoint,
      );
      expect(await jobDataOf(staleJob!)).toEqual(theirs.get(staleJob!));
      expect(JSON.parse((await redis.get(cpKeyOf(liveCp!))) ?? '{}')).toEqual({ leadIntentAt: 42 });
      expect(await jobDataOf(liveJob!)).toEqual(ours[3]);
    } finally {
      counting.disconnect();
    }
  });

  it("end with the row's outcome in one step: the lease goes and the import completes with its last row; a stale runner's finish changes nothing", async () => {
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const job = await rowJob(prefix, 'imp-finish');
    await ledger.createImport(bareImport('imp-finish'));
    await ledger.setState('imp-finish', 'enqueued');
    const a = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 150 });
    const b = new RowLeases({ redis, prefix, workerId: 'worker-b', ttlMs: 5000 });
    const stale = held(await a.take(job));
    await sleep(250);
    const owner = held(await b.take(job));

    const refused = await ledger.recordCreated('imp-finish', 2, { leadId: 'stale' }, {}, stale.fence, {
      finish: true,
    });
    expect(refused).toMatchObject({ applied: false, fenced: true });
    expect(await redis.get(owner.key)).toBe(owner.value);
    expect((await ledger.getImport('imp-finish'))?.state).toBe('enqueued');

    const done = await ledger.recordCreated('imp-finish', 2, { leadId: 'L2' }, {}, owner.fence, {
      finish: true,
    });
    expect(done).toMatchObject({ applied: true, previous: RowState.Pending, completedImport: true });
    expect(await redis.exists(owner.key)).toBe(0);
    expect(await ledger.getImport('imp-finish')).toMatchObject({
      state: 'completed',
      created: 1,
      pending: 0,
    });
    // The lease is gone with the step: releasing it afterwards sends nothing and takes nobody's.
    owner.ended();
    expect(b.size).toBe(0);
    const next = held(await a.take(job));
    await owner.release();
    expect(await redis.get(next.key)).toBe(next.value);

    // Recorded already (a retry): the transition is refused, the lease still goes.
    const again = await ledger.recordCreated('imp-finish', 2, { leadId: 'L2' }, {}, next.fence, {
      finish: true,
    });
    expect(again).toMatchObject({ applied: false, previous: RowState.Created, completedImport: false });
    expect(await redis.exists(next.key)).toBe(0);
    expect(await ledger.rowStates('imp-finish', [2])).toEqual([RowState.Created]);
  });

  it('are checked before a create without a read while half their TTL since they were set or renewed has not passed, and read after', async () => {
    const prefix = uniquePrefix();
    const job = await rowJob(prefix, 'imp-trust');
    const counting = redis.duplicate();
    let gets = 0;
    const send = counting.sendCommand.bind(counting);
    counting.sendCommand = ((command: { name: string }) => {
      if (command.name === 'get') gets++;
      return send(command as never);
    }) as typeof counting.sendCommand;
    // The runner's clock (performance.now) moves only when told: a busy machine's pauses between two steps then
    // cannot pass half the TTL; timers and Redis keep real time.
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const leases = new RowLeases({ redis: counting, prefix, workerId: 'worker-a', ttlMs: 5000 });
      const lease = held(await leases.take(job));
      await lease.check();
      expect(gets).toBe(0);
      vi.advanceTimersByTime(2600);
      await lease.check();
      expect(gets).toBe(1);
      await leases.renew([job.id!]);
      await lease.check();
      expect(gets).toBe(1);
      // Seen lost (a renewal refused by BullMQ): no trust left, nothing read.
      leases.lost([job.id!]);
      await expect(lease.check()).rejects.toSatisfy(isRowLeaseLostError);
    } finally {
      vi.useRealTimers();
      counting.disconnect();
    }
  });

  it('are renewed when BullMQ renews the locks, and marked lost when a renewal finds them gone', async () => {
    const prefix = uniquePrefix();
    const jobA = await rowJob(prefix, 'imp-renew-a');
    const jobB = await rowJob(prefix, 'imp-renew-b');
    const leases = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 5000 });
    const a = held(await leases.take(jobA));
    const b = held(await leases.take(jobB));
    expect(leases.size).toBe(2);
    // Another worker took B's row meanwhile (its lease had expired), and A's lease has a second left.
    await redis.set(b.key, 'worker-b:feedfacefeedface', 'PX', 5000);
    await redis.pexpire(a.key, 1000);
    await leases.renew([jobA.id!, jobB.id!]);
    // Renewed to the full TTL (no sleep: a busy machine's pauses would only eat into the margin).
    expect(await redis.pttl(a.key)).toBeGreaterThan(1000);
    expect(a.isLost).toBe(false);
    expect(b.isLost).toBe(true);
    await expect(b.check()).rejects.toSatisfy(isRowLeaseLostError);

    // BullMQ says a lock could not be renewed: the lease counts as lost without asking Redis.
    leases.lost([jobA.id!]);
    await expect(a.check()).rejects.toSatisfy(isRowLeaseLostError);
    await Promise.all([a.release(), b.release()]);
    expect(leases.size).toBe(0);
  });
});
