import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../../src/metrics/recorder.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { DLQ_QUEUE, leadQueueName } from '../../src/queue/names.js';
import { readBudget } from '../../src/worker/budget-reader.js';
import { describeControl, readControl } from '../../src/worker/control.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { expectEachHoldsItsOwn, rowsOf, startThreeCompanies } from '../helpers/three-companies.js';
import { enqueueImport, eventually, FAST_WORKER_FLAGS, finished, jobsFor, spawnWorker } from './helpers.js';

const redis = testRedis();

describe('one worker process serving three companies', () => {
  it('keeps a spent budget and a revoked token to their own company: A finishes, B waits for its new day, C blocks until its token file is fixed and SIGHUP, and no lead lands in another company', async () => {
    // A: Growth with latency. B: its daily budget runs out mid-import. C: its token is revoked mid-import.
    const companies = await startThreeCompanies({ latencyMs: 40, latencyJitterMs: 40 });
    const { b, c, dir, connectionsFile } = companies;

    const prefix = uniquePrefix('iso');
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(redis, prefix, 'imp-a', jobsFor('imp-a', rowsOf('a', 150)), { connection: 'a' });
    await enqueueImport(redis, prefix, 'imp-b', jobsFor('imp-b', rowsOf('b', 60)), { connection: 'b' });
    await enqueueImport(redis, prefix, 'imp-c', jobsFor('imp-c', rowsOf('c', 60)), { connection: 'c' });
    const queues = Object.fromEntries(
      ['a', 'b', 'c'].map((n) => [n, new Queue(leadQueueName(n), { connection: redis, prefix })]),
    );
    const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix });

    const worker = spawnWorker(
      { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PIPEDRIVE_CONNECTIONS_FILE: connectionsFile },
      [
        ...FAST_WORKER_FLAGS,
        '--concurrency',
        '6',
        '--budget-probe-interval-ms',
        '300',
        '--auth-probe-interval-ms',
        '300',
      ],
    );
    try {
      const created = async (id: string) => (await ledger.getImport(id))?.created ?? 0;
      // Mid-import: B's budget runs out, C's token is revoked (the sandbox answers 401 to it from now on).
      await eventually(async () => (await created('imp-b')) >= 10, { what: 'B to create 10 leads' });
      b.exhaustBudget();
      await eventually(async () => (await created('imp-c')) >= 10, { what: 'C to create 10 leads' });
      c.setApiToken('token-c-rotated');

      // A finishes, untouched by either.
      const doneA = await finished(ledger, 'imp-a', 60_000);
      expect(doneA).toMatchObject({ created: 150, deadLettered: 0 });

      // B waits for budget, on its own queue and in its own flags, and nothing of it fails.
      const waitLine = await worker.waitForLine(/Waiting for budget until/);
      expect(JSON.parse(waitLine)).toMatchObject({ connection: 'b' });
      expect(describeControl(await readControl(redis, prefix, 'b'))).toMatch(/^waiting for budget until /);
      // Each company's budget is published where status and the imports page read it: B's is gone, A's is not.
      expect(await readBudget(redis, prefix, 'b')).toMatchObject({ left: 0, limit: 30_000 });
      expect(await readBudget(redis, prefix, 'a')).toMatchObject({ limit: 60_000, left: expect.any(Number) });
      expect((await readBudget(redis, prefix, 'a'))!.left).toBeGreaterThan(50_000);
      // C is blocked, says so once, names its company, and dead-letters nothing.
      await eventually(() => queues.c!.isPaused(), { what: "C's queue to pause" });
      const control = await readControl(redis, prefix, 'c');
      expect(control.blockedReason).toMatch(/rejected the API token of connection "c" \(401\).*SIGHUP/);
      const paused = worker.lines.filter((l) => l.includes('Processing paused'));
      expect(paused).toHaveLength(1);
      // An error, not fatal: the process goes on serving A and B.
      expect(JSON.parse(paused[0]!)).toMatchObject({ level: 50, connection: 'c' });
      expect(worker.lines.filter((l) => l.includes('"level":60'))).toEqual([]);
      expect(paused[0]).not.toContain('token-c');
      // A's flags and queue were never touched by B's budget or C's token.
      expect(await readControl(redis, prefix, 'a')).toEqual({});
      expect(await readControl(redis, prefix, 'default')).toEqual({});
      expect(await queues.a!.isPaused()).toBe(false);

      const [waitingB, blockedC] = await Promise.all([ledger.getImport('imp-b'), ledger.getImport('imp-c')]);
      expect(waitingB!.pending).toBeGreaterThan(0);
      expect(blockedC!.pending).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 1500));
      // They stay put: the budget is spent, the token rejected; nothing fails meanwhile.
      expect(await created('imp-b')).toBe(waitingB!.created);
      expect(await created('imp-c')).toBe(blockedC!.created);
      expect(await dlq.count()).toBe(0);

      // B's new budget day: its worker finds the budget back and finishes.
      b.newDay();
      expect(await finished(ledger, 'imp-b', 60_000)).toMatchObject({ created: 60, deadLettered: 0 });
      expect(await readControl(redis, prefix, 'b')).not.toHaveProperty('budgetWaitUntil');
      // C still waits for a person: its probe uses the token it was given.
      expect(await queues.c!.isPaused()).toBe(true);

      // The token file is fixed; SIGHUP makes the worker read it and restart C alone.
      writeFileSync(join(dir, 'c.token'), 'token-c-rotated\n');
      worker.proc.kill('SIGHUP');
      const restarted = await worker.waitForLine(/Connection c: restarted/);
      expect(restarted).not.toContain('token-c-rotated');
      expect(worker.lines.filter((l) => /Connection [ab]: /.test(l))).toEqual([]);
      expect(await finished(ledger, 'imp-c', 60_000)).toMatchObject({ created: 60, deadLettered: 0 });
      expect(await queues.c!.isPaused()).toBe(false);
      expect(await readControl(redis, prefix, 'c')).not.toHaveProperty('blockedReason');
      expect(await dlq.count()).toBe(0);

      // No lead (person, organization) landed in another company, none twice.
      expectEachHoldsItsOwn(companies, { a: 150, b: 60, c: 60 });
      // Each company's counters are its own: B's daily 429 and C's 401s are not A's.
      expect(await worker.stop()).toBe(0);
      const [ma, mb, mc] = (await Promise.all(['a', 'b', 'c'].map((n) => readMetrics(redis, prefix, n)))) as [
        Record<string, number>,
        Record<string, number>,
        Record<string, number>,
      ];
      expect(ma).toMatchObject({ 'outcome|created': 150 });
      expect(mb).toMatchObject({ 'outcome|created': 60, 'rate_limited|daily': expect.any(Number) });
      expect(mc['outcome|created']).toBe(60);
      expect(Object.keys(mc).some((k) => /^calls\|.*\|401$/.test(k))).toBe(true);
      // (A may meet a burst 429 of its own now and then; never B's daily one or C's 401.)
      expect(Object.keys(ma).filter((k) => k === 'rate_limited|daily' || /^calls\|.*\|401$/.test(k))).toEqual(
        [],
      );
      expect(await readMetrics(redis, prefix)).toEqual({});
    } finally {
      await worker.stop();
      await Promise.all([...Object.values(queues).map((q) => q.close()), dlq.close()]);
    }
  }, 150_000);
});
