import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { readConnectionActivity } from '../../src/ops/connection-activity.js';
import { pauseAll, resumeAll } from '../../src/ops/control.js';
import { createOpsContext } from '../../src/ops/ops-context.js';
import { getStatus } from '../../src/ops/status.js';
import type { DeadLetterJobData } from '../../src/queue/dead-letter.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { DLQ_QUEUE, LEAD_QUEUE } from '../../src/queue/names.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { readControl } from '../../src/worker/control.js';
import { createLeadWorker, type LeadWorkerOptions } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, finished, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

function workerFor(prefix: string, url: string, extra: Partial<LeadWorkerOptions> = {}) {
  return createLeadWorker({
    redisUrl: testRedisUrl(),
    prefix,
    pipedrive: { baseUrl: url, apiToken: 'sandbox-token', timeoutMs: 1000 },
    rateLimit: false,
    retry: { callRetries: 0, callRetryMinMs: 5, callRetryMaxMs: 10 },
    authProbeIntervalMs: 200,
    controlPollMs: 100,
    ...extra,
  });
}

describe('rows that keep failing', () => {
  it('dead-letters a row after its last attempt, with the error, before BullMQ fails the job', async () => {
    const sandbox = await testSandbox({ limits: false, faultRate: 1, faultAfterWriteRatio: 0, seed: 3 });
    const prefix = uniquePrefix();
    await enqueueImport(
      redis,
      prefix,
      'imp-down',
      jobsFor('imp-down', [{ title: 'Doomed', org: 'Down Corp' }]),
      {
        attempts: 2,
        backoffMs: 10,
      },
    );
    const lines: string[] = [];
    const worker = workerFor(prefix, sandbox.url, {
      warmCache: 'never',
      logger: createLogger({ destination: { write: (line: string) => lines.push(line) } }),
    });
    const ledger = new ImportLedger(redis, prefix);
    const leadQueue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    const dlq = new Queue<DeadLetterJobData>(DLQ_QUEUE, { connection: redis, prefix });
    try {
      // The startup check itself faults until Pipedrive recovers: let it through once.
      sandbox.configure({ faultRate: 0 });
      await worker.ready;
      sandbox.configure({ faultRate: 1 });
      const record = await eventually(async () => {
        const r = await ledger.getImport('imp-down');
        return r?.state === 'completed' ? r : undefined;
      });
      expect(record).toMatchObject({ created: 0, deadLettered: 1, pending: 0 });
      const [entry] = await dlq.getJobs(['waiting']);
      expect(entry?.id).toBe('imp-down-2');
      expect(entry?.data).toMatchObject({
        importId: 'imp-down',
        line: 2,
        errorClass: 'PipedriveServerError',
        attempts: 2,
        job: { lead: { title: 'Doomed' }, organization: { name: 'Down Corp' } },
      });
      expect(entry!.data.httpStatus).toBeGreaterThanOrEqual(500);
      expect(entry!.data.lastAttemptAt).toBeGreaterThanOrEqual(entry!.data.firstAttemptAt);
      const failed = await eventually(async () => (await leadQueue.getJobs(['failed']))[0]);
      expect(failed.attemptsMade).toBe(2);
      // The retry's log line names the call and what came back, so an operator tailing it sees an outage for one.
      expect(lines.join('')).toMatch(
        /line 2 failed \(attempt 1 of 2\): PipedriveServerError \((GET|POST) \/api\/v\d\/[a-z/]+: 5\d\d\); will retry/,
      );
      expect((await ledger.outcomes('imp-down', [2]))[0]).toMatchObject({ state: 'dead-lettered' });
    } finally {
      await Promise.all([worker.close(), leadQueue.close(), dlq.close()]);
    }
  });

  it('tells status and the imports page that every call fails, while Pipedrive is down, and forgets it once it answers', async () => {
    // Down from the start: the worker's start-up check (GET /users/me) itself gets 5xx answers, so no row even starts.
    const sandbox = await testSandbox({ limits: false, faultRate: 1, faultAfterWriteRatio: 0, seed: 5 });
    const prefix = uniquePrefix();
    const rows = Array.from({ length: 6 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 2}` }));
    await enqueueImport(redis, prefix, 'imp-outage', jobsFor('imp-outage', rows));
    const ops = createOpsContext({ redis, prefix, limits: { burstPer2s: 100, dailyTokens: 1_000_000 } });
    const worker = workerFor(prefix, sandbox.url, { failingAfterMs: 300 });
    try {
      const status = await eventually(
        async () => {
          const s = await getStatus(ops, 'imp-outage');
          return s.failingReason ? s : undefined;
        },
        { what: 'the failing calls in status' },
      );
      expect(status.stateText).toMatch(
        /^running, but every call to Pipedrive has failed since \d\d:\d\d:\d\d UTC \(the latest: 5\d\d [A-Za-z ]+ to GET \/api\/v1\/users\/me\): the workers retry/,
      );
      expect(status.etaMs).toBeNull();
      const [activity] = await readConnectionActivity(ops, ['default']);
      expect(activity?.state).toBe('failing');
      // Pipedrive is back: the report goes with the next answer, and every row lands.
      sandbox.configure({ faultRate: 0 });
      await worker.ready;
      await eventually(async () => (await readControl(redis, prefix)).failingReason === undefined, {
        what: 'the report to go',
      });
      const record = await finished(new ImportLedger(redis, prefix), 'imp-outage');
      expect(record).toMatchObject({ created: 6, deadLettered: 0, pending: 0 });
      expect((await getStatus(ops, 'imp-outage')).stateText).toBe('completed');
    } finally {
      await worker.close();
      await ops.close();
    }
  });

  it('pauses instead of dead-lettering when the token is revoked mid-import', async () => {
    const first = await startSandbox({ port: 0, limits: false, latencyMs: 30 });
    const port = first.port;
    const prefix = uniquePrefix();
    const rows = Array.from({ length: 30 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 3}` }));
    await enqueueImport(redis, prefix, 'imp-revoked', jobsFor('imp-revoked', rows));
    const worker = workerFor(prefix, first.url, { concurrency: 2 });
    const leadQueue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix });
    // The same Pipedrive address, now refusing our token (an admin regenerated it).
    let second: Awaited<ReturnType<typeof startSandbox>> | undefined;
    try {
      await worker.ready;
      await eventually(async () => first.state().leads >= 3);
      await first.close();
      second = await startSandbox({ port, limits: false, apiToken: 'regenerated-token' });
      await eventually(() => leadQueue.isPaused(), { what: 'the queue to pause' });
      expect((await readControl(redis, prefix)).blockedReason).toMatch(/rejected the API token/);
      expect(await dlq.count()).toBe(0);
      const record = await new ImportLedger(redis, prefix).getImport('imp-revoked');
      expect(record!.deadLettered).toBe(0);
      expect(record!.created + record!.pending).toBe(30);
    } finally {
      await Promise.all([worker.close(), leadQueue.close(), dlq.close()]);
      await second?.close();
      await first.close();
    }
  });

  it('keeps an operator’s pause when its token works again: the queue stays paused until `resume`', async () => {
    const sandbox = await startSandbox({ port: 0, limits: false, latencyMs: 20 });
    const prefix = uniquePrefix();
    const rows = Array.from({ length: 20 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 3}` }));
    await enqueueImport(redis, prefix, 'imp-held', jobsFor('imp-held', rows));
    const ops = createOpsContext({ redis, prefix, limits: { burstPer2s: 100, dailyTokens: 1_000_000 } });
    const worker = workerFor(prefix, sandbox.url, { concurrency: 1 });
    const leadQueue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    try {
      await worker.ready;
      await eventually(async () => sandbox.state().leads >= 2);
      // The token is regenerated: the worker blocks the connection and pauses its queue itself.
      sandbox.setApiToken('regenerated-token');
      await eventually(async () => (await readControl(redis, prefix)).blockedReason, { what: 'the block' });
      // Meanwhile the operator pauses everything (an incident), then the token is given back.
      await pauseAll(ops);
      sandbox.setApiToken('sandbox-token');
      await eventually(async () => (await readControl(redis, prefix)).blockedReason === undefined, {
        what: 'the block to lift',
      });
      // Lifting the block resumed the queue it had paused, and with it this connection's rows, under the pause.
      const leadsAtLift = sandbox.state().leads;
      await new Promise((r) => setTimeout(r, 600));
      expect(await leadQueue.isPaused()).toBe(true);
      expect(sandbox.state().leads).toBe(leadsAtLift);
      await resumeAll(ops);
      await eventually(async () => sandbox.state().leads >= 20, { what: 'every lead after resume' });
    } finally {
      await Promise.all([worker.close(), leadQueue.close(), ops.close()]);
      await sandbox.close();
    }
  });
});
