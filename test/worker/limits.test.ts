import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../../src/metrics/recorder.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { DLQ_QUEUE, LEAD_QUEUE } from '../../src/queue/names.js';
import { describeControl, readControl } from '../../src/worker/control.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import {
  enqueueImport,
  eventually,
  FAST_WORKER_FLAGS,
  jobsFor,
  sharedContactRows,
  spawnWorker,
  testSandbox,
  workerEnv,
} from './helpers.js';

const redis = testRedis();

function completed(ledger: ImportLedger, importId: string, timeoutMs = 60_000) {
  return eventually(
    async () => {
      const r = await ledger.getImport(importId);
      return r?.state === 'completed' ? r : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `import ${importId} to complete` },
  );
}

/** Another integration on the same token: a call every 250 ms, backing off 2 s after a 429. */
function otherIntegration(url: string) {
  let running = true;
  let rateLimited = 0;
  const done = (async () => {
    while (running) {
      const res = await fetch(`${url}/api/v1/users/me`, { headers: { 'x-api-token': 'sandbox-token' } });
      await res.arrayBuffer();
      if (res.status === 429) rateLimited++;
      await new Promise((r) => setTimeout(r, res.status === 429 ? 2000 : 250));
    }
  })();
  return {
    get rateLimited() {
      return rateLimited;
    },
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe('limits', () => {
  it('never fails a row or spends an attempt on a 429 on Lite limits, even with another integration on the token', async () => {
    const sandbox = await testSandbox({ plan: 'lite', latencyJitterMs: 20 });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const jobs = jobsFor('imp-lite', sharedContactRows(40, 4, 12));
    await enqueueImport(redis, prefix, 'imp-lite', jobs, { removeOnComplete: false });
    const other = otherIntegration(sandbox.url);
    const worker = spawnWorker(workerEnv(testRedisUrl(), prefix, sandbox.url, { PIPEDRIVE_PLAN: 'lite' }), [
      ...FAST_WORKER_FLAGS,
      '--concurrency',
      '8',
    ]);

    const record = await completed(ledger, 'imp-lite');
    await Promise.all([worker.stop(), other.stop()]);

    expect(record).toMatchObject({ created: 40, deadLettered: 0 });
    const state = sandbox.state();
    expect(state).toMatchObject({ leads: 40, duplicateLeads: 0, duplicatePersons: 0, blocked: 0 });
    // Our worker met 429s (the sandbox counts every one), and not one of them cost an attempt.
    const metrics = await readMetrics(redis, prefix);
    const ours = Object.entries(metrics)
      .filter(([k]) => k.startsWith('calls|') && k.endsWith('|429'))
      .reduce((sum, [, v]) => sum + v, 0);
    expect(state.rateLimited).toBeGreaterThan(other.rateLimited);
    expect(ours).toBeGreaterThan(0);
    const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    try {
      const done = await queue.getJobs(['completed'], 0, -1);
      expect(done).toHaveLength(40);
      // BullMQ counts the attempt that completed; re-queues after 429s added none.
      expect(done.map((j) => j.attemptsMade)).toEqual(Array(40).fill(1));
      expect(done.some((j) => (j.data.checkpoint?.rateLimitRequeues ?? 0) > 0)).toBe(true);
    } finally {
      await queue.close();
    }
  }, 90_000);

  it('waits for the next budget day when the daily budget is spent, and finishes after a new day', async () => {
    const sandbox = await testSandbox({ limits: false, dailyTokens: 250 });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const rows = Array.from({ length: 24 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 3}` }));
    await enqueueImport(redis, prefix, 'imp-budget', jobsFor('imp-budget', rows));
    const worker = spawnWorker(
      workerEnv(testRedisUrl(), prefix, sandbox.url, { PIPEDRIVE_DAILY_TOKENS: '250' }),
      [...FAST_WORKER_FLAGS, '--no-rate-limit', '--budget-probe-interval-ms', '300'],
    );

    await worker.waitForLine(/Waiting for budget until/);
    const control = await readControl(redis, prefix);
    expect(describeControl(control)).toMatch(/^waiting for budget until \d{4}-\d\d-\d\d 00:00 UTC$/);
    // Rows admitted before the budget ran out may still be on the wire, and their outcomes on their way to the
    // ledger, when the line is logged: let them land (no write for 300 ms, the ledger counting what the sandbox holds).
    const writes = () => sandbox.requests().filter((r) => r.method !== 'GET').length;
    await eventually(
      async () => {
        const before = writes();
        await new Promise((r) => setTimeout(r, 300));
        return (
          writes() === before && (await ledger.getImport('imp-budget'))!.created === sandbox.state().leads
        );
      },
      { what: 'the rows written before the wait to land' },
    );
    // Then it stays put: while the budget is spent nothing is written to Pipedrive (the budget probe reads
    // users/me) and nothing fails.
    const leadsAtWait = sandbox.state().leads;
    const requestsAtWait = sandbox.requests().length;
    await new Promise((r) => setTimeout(r, 1000));
    const sentWhileWaiting = sandbox.requests().slice(requestsAtWait);
    expect(sentWhileWaiting.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(sandbox.state().leads).toBe(leadsAtWait);
    const waiting = await ledger.getImport('imp-budget');
    expect(waiting).toMatchObject({ created: leadsAtWait, deadLettered: 0 });
    expect(waiting!.pending).toBeGreaterThan(0);

    sandbox.newDay();
    const record = await completed(ledger, 'imp-budget');
    await worker.stop();

    expect(record).toMatchObject({ created: 24, deadLettered: 0 });
    expect(worker.lines.some((l) => l.includes('budget is back'))).toBe(true);
    expect(await readControl(redis, prefix)).not.toHaveProperty('budgetWaitUntil');
  }, 60_000);

  it('pauses everything with one clear message when the token is wrong, dead-letters nothing, and resumes with a good one', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(redis, prefix, 'imp-auth', jobsFor('imp-auth', sharedContactRows(10, 2, 4)));
    const bad = spawnWorker(
      workerEnv(testRedisUrl(), prefix, sandbox.url, { PIPEDRIVE_API_TOKEN: 'wrong-token-0123456789' }),
      [...FAST_WORKER_FLAGS, '--auth-probe-interval-ms', '300'],
    );

    const paused = await bad.waitForLine(/Processing paused/);
    // An error, not fatal (60): the process goes on, and resumes by itself once a token works.
    expect(JSON.parse(paused)).toMatchObject({ level: 50 });
    expect(paused).toContain('Pipedrive rejected the API token (401)');
    expect(paused).not.toContain('wrong-token');
    const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix });
    try {
      await eventually(() => queue.isPaused(), { what: 'the queue to pause' });
      expect(describeControl(await readControl(redis, prefix))).toMatch(
        /^blocked: Pipedrive rejected the API token/,
      );
      await new Promise((r) => setTimeout(r, 1000));
      expect(bad.lines.filter((l) => l.includes('Processing paused'))).toHaveLength(1);
      expect(bad.lines.filter((l) => l.includes('"level":60'))).toEqual([]);
      expect(await dlq.count()).toBe(0);
      expect(await ledger.getImport('imp-auth')).toMatchObject({ pending: 10, deadLettered: 0, created: 0 });

      const good = spawnWorker(workerEnv(testRedisUrl(), prefix, sandbox.url), FAST_WORKER_FLAGS);
      const record = await completed(ledger, 'imp-auth');
      await Promise.all([good.stop(), bad.stop()]);
      expect(record).toMatchObject({ created: 10, deadLettered: 0 });
      expect(await queue.isPaused()).toBe(false);
      expect(await readControl(redis, prefix)).not.toHaveProperty('blockedReason');
    } finally {
      await Promise.all([queue.close(), dlq.close()]);
    }
  }, 60_000);
});
