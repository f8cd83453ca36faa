import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { cancelImport } from '../../src/ops/cancel.js';
import { listDeadLetters, retryDeadLetters } from '../../src/ops/dead-letters.js';
import { createOpsContext } from '../../src/ops/ops-context.js';
import {
  type PipedriveErrorFields,
  PipedriveRateLimitError,
  PipedriveServerError,
  PipedriveValidationError,
} from '../../src/pipedrive/errors.js';
import { LeadEnqueuer } from '../../src/producer/enqueuer.js';
import type { DeadLetterJobData } from '../../src/queue/dead-letter.js';
import { isChunkJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { DLQ_QUEUE, LEAD_QUEUE } from '../../src/queue/names.js';
import { createLeadWorker, type LeadWorkerOptions } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import {
  bareImport,
  beforeAddLead,
  enqueueImport,
  eventually,
  finished,
  jobsFor,
  sharedContactRows,
  testSandbox,
} from './helpers.js';

const redis = testRedis();

function workerFor(prefix: string, url: string, extra: Partial<LeadWorkerOptions> = {}) {
  return createLeadWorker({
    redisUrl: testRedisUrl(),
    prefix,
    pipedrive: { baseUrl: url, apiToken: 'sandbox-token', timeoutMs: 2000 },
    rateLimit: false,
    retry: { callRetries: 0, callRetryMinMs: 5, callRetryMaxMs: 10 },
    controlPollMs: 100,
    concurrency: 4,
    ...extra,
  });
}

/** Jobs ever added to the lead queue (BullMQ counts every add in its `id` key, custom ids too). */
async function jobsAdded(prefix: string): Promise<number> {
  return Number((await redis.get(`${prefix}:${LEAD_QUEUE}:id`)) ?? 0);
}

const fields = (status: number): PipedriveErrorFields => ({
  operation: 'leads.add',
  method: 'POST',
  path: '/api/v1/leads',
  status,
});

/** A client whose `addLead` fails once for the titles given, before the request leaves. */
function failingOnce(failures: Record<string, () => Error>): LeadWorkerOptions['createClient'] {
  const left = new Map(Object.entries(failures));
  return beforeAddLead((title) => {
    const fail = left.get(title);
    if (fail) {
      left.delete(title);
      throw fail();
    }
  });
}

/** A client whose `addLead` waits for `gate` for the titles given (the row holds its permit meanwhile). */
function holdingUntil(titles: string[], gate: Promise<void>): LeadWorkerOptions['createClient'] {
  const held = new Set(titles);
  return beforeAddLead(async (title) => {
    if (held.has(title)) await gate;
  });
}

describe('several rows per BullMQ job (LEAD_IMPORTER_ROWS_PER_JOB)', () => {
  it('creates every row of chunk jobs once, with one BullMQ job per chunk', async () => {
    const sandbox = await testSandbox({ limits: false, latencyMs: 5 });
    const prefix = uniquePrefix();
    const rows = sharedContactRows(23, 4, 9);
    await enqueueImport(redis, prefix, 'imp-chunks', jobsFor('imp-chunks', rows), { rowsPerJob: 5 });
    // 23 rows in chunks of 5: 5 jobs.
    expect(await jobsAdded(prefix)).toBe(5);
    const worker = workerFor(prefix, sandbox.url);
    const ledger = new ImportLedger(redis, prefix);
    try {
      const record = await finished(ledger, 'imp-chunks');
      expect(record).toMatchObject({ rows: 23, created: 23, deadLettered: 0, pending: 0 });
      const state = sandbox.state();
      expect(state).toMatchObject({
        leads: 23,
        duplicateLeads: 0,
        duplicatePersons: 0,
        duplicateOrganizations: 0,
      });
      // Nothing was split out: every row ran in its chunk.
      expect(await jobsAdded(prefix)).toBe(5);
      // Each row's own checkpoint went with its outcome.
      expect(await redis.keys(`${prefix}:imp:imp-chunks:cp:*`)).toEqual([]);
    } finally {
      await worker.close();
    }
  }, 60_000);

  it('splits out the row that gets a 429 or a 5xx and dead-letters the one Pipedrive refuses, while the others are created', async () => {
    const sandbox = await testSandbox({ limits: false, latencyMs: 5 });
    const prefix = uniquePrefix();
    const rows = Array.from({ length: 10 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 3}` }));
    rows[2] = { title: 'Rate limited', org: 'Org 2' };
    rows[5] = { title: 'Flaky', org: 'Org 2' };
    rows[7] = { title: 'Bad owner', org: 'Org 1', lead: { owner_id: 999_999 } } as (typeof rows)[number];
    await enqueueImport(redis, prefix, 'imp-split', jobsFor('imp-split', rows), { rowsPerJob: 10 });
    expect(await jobsAdded(prefix)).toBe(1);
    const worker = workerFor(prefix, sandbox.url, {
      createClient: failingOnce({
        'Rate limited': () =>
          new PipedriveRateLimitError('Too many requests', {
            ...fields(429),
            scope: 'burst',
            retryAfterMs: 50,
          }),
        Flaky: () => new PipedriveServerError('Bad gateway', fields(502)),
      }),
    });
    const ledger = new ImportLedger(redis, prefix);
    const dlq = new Queue<DeadLetterJobData>(DLQ_QUEUE, { connection: redis, prefix });
    try {
      const record = await finished(ledger, 'imp-split');
      expect(record).toMatchObject({ rows: 10, created: 9, deadLettered: 1, pending: 0 });
      expect(sandbox.state()).toMatchObject({ leads: 9, duplicateLeads: 0 });
      // The chunk, then the two rows split out as single-row jobs; the refused row is not retried.
      expect(await jobsAdded(prefix)).toBe(3);
      const [entry] = await dlq.getJobs(['waiting']);
      expect(entry?.id).toBe('imp-split-9');
      expect(entry?.data).toMatchObject({ line: 9, errorClass: 'PipedriveValidationError', attempts: 1 });
      const outcomes = await ledger.outcomes('imp-split', [4, 7]);
      expect(outcomes.map((o) => o.state)).toEqual(['created', 'created']);
    } finally {
      await Promise.all([worker.close(), dlq.close()]);
    }
  }, 60_000);

  it('cancels the rows of chunks that have not run, and leaves the rows in flight to finish', async () => {
    const sandbox = await testSandbox({ limits: false, latencyMs: 150 });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const rows = Array.from({ length: 40 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 4}` }));
    await enqueueImport(redis, prefix, 'imp-cancel', jobsFor('imp-cancel', rows), { rowsPerJob: 10 });
    expect(await jobsAdded(prefix)).toBe(4);
    const worker = workerFor(prefix, sandbox.url, { concurrency: 2, warmCache: 'never' });
    const ops = createOpsContext({ redis, prefix, limits: { burstPer2s: 20, dailyTokens: 30_000 } });
    try {
      await eventually(async () => ((await ledger.getImport('imp-cancel'))?.created ?? 0) >= 2);
      const summary = await cancelImport(ops, 'imp-cancel');
      expect(summary.inFlight).toBeGreaterThan(0);
      expect(summary.inFlight).toBeLessThanOrEqual(2);
      const record = await eventually(async () => {
        const r = await ledger.getImport('imp-cancel');
        return r && r.pending === 0 && (await redis.keys(`${prefix}:imp:imp-cancel:lease:*`)).length === 0
          ? r
          : undefined;
      });
      // Let the chunks left in the queue run: they skip their cancelled rows.
      await eventually(
        async () => (await new Queue(LEAD_QUEUE, { connection: redis, prefix }).count()) === 0,
      );
      const after = (await ledger.getImport('imp-cancel'))!;
      expect(after).toMatchObject({ created: record.created, cancelled: record.cancelled });
      expect(after.created + after.cancelled).toBe(40);
      expect(after.cancelled).toBeGreaterThanOrEqual(30);
      expect(sandbox.state()).toMatchObject({ leads: after.created, duplicateLeads: 0 });
    } finally {
      await worker.close();
    }
  }, 60_000);

  it('retries a dead-lettered row of a chunk as its own job (dlq retry), once', async () => {
    const sandbox = await testSandbox({ limits: false, latencyMs: 5 });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const rows = Array.from({ length: 6 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 2}` }));
    rows[3] = { title: 'Refused once', org: 'Org 1' };
    await enqueueImport(redis, prefix, 'imp-retry', jobsFor('imp-retry', rows), { rowsPerJob: 6 });
    expect(await jobsAdded(prefix)).toBe(1);
    const worker = workerFor(prefix, sandbox.url, {
      createClient: failingOnce({
        'Refused once': () =>
          new PipedriveValidationError('Bad request', { ...fields(400), errorText: 'owner unknown' }),
      }),
    });
    const ops = createOpsContext({ redis, prefix, limits: { burstPer2s: 20, dailyTokens: 30_000 } });
    try {
      expect(await finished(ledger, 'imp-retry')).toMatchObject({ created: 5, deadLettered: 1 });
      const listed = await listDeadLetters(ops, { importId: 'imp-retry' });
      expect(listed.map((e) => e.line)).toEqual([5]);
      expect(await retryDeadLetters(ops, { importId: 'imp-retry' })).toMatchObject({ requeued: 1 });
      const record = await eventually(async () => {
        const r = await ledger.getImport('imp-retry');
        return r?.created === 6 ? r : undefined;
      });
      expect(record).toMatchObject({ rows: 6, created: 6, deadLettered: 0, pending: 0 });
      expect(sandbox.state()).toMatchObject({ leads: 6, duplicateLeads: 0 });
    } finally {
      await worker.close();
    }
  }, 60_000);
});

describe('how many jobs a connection takes', () => {
  it("sizes its fetch by the rows per job of the import's record, not by its own setting or the last chunk it saw", async () => {
    const sandbox = await testSandbox({ limits: false, latencyMs: 40 });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    // LEAD_IMPORTER_ROWS_PER_JOB=10 set for the worker; concurrency 4.
    const worker = workerFor(prefix, sandbox.url, { rowsPerJob: 10 });
    try {
      // An import made with 1 row per job (its record says so, whatever the worker's variable): single-row jobs.
      const rows = Array.from({ length: 60 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 6}` }));
      await enqueueImport(redis, prefix, 'imp-single', jobsFor('imp-single', rows));
      let most = 0;
      let done = false;
      const watching = (async () => {
        while (!done) {
          most = Math.max(most, await queue.getActiveCount());
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const record = await finished(ledger, 'imp-single');
      done = true;
      await watching;
      expect(record).toMatchObject({ created: 60, pending: 0 });
      expect(sandbox.state()).toMatchObject({ leads: 60, duplicateLeads: 0 });
      // Sized for 10 rows a job, it takes ⌈2 × 8 ÷ 10⌉ + 1 = 3 single-row jobs: 3 rows for 4 permits. For 1 row
      // a job, the rows it can start soon: its 4 permits and more.
      expect(most).toBeGreaterThanOrEqual(4);
    } finally {
      await worker.close();
      await queue.close();
    }
  }, 60_000);
  it('takes more chunks while the chunks it holds wait for their last rows: its fetch counts rows, not jobs', async () => {
    const sandbox = await testSandbox({ limits: false, latencyMs: 5 });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    // 60 rows in chunks of 10; the first row of each of the first three chunks waits (its call is held).
    const rows = Array.from({ length: 60 }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 6}` }));
    await enqueueImport(redis, prefix, 'imp-tails', jobsFor('imp-tails', rows), { rowsPerJob: 10 });
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    // Concurrency 4: three permits held by the waiting rows, one free.
    const worker = workerFor(prefix, sandbox.url, {
      rowsPerJob: 10,
      createClient: holdingUntil(['Deal 0', 'Deal 10', 'Deal 20'], gate),
    });
    try {
      // Every other row is created while the three wait: the connection holds three chunks of which one row
      // each is left, and takes the next chunks for its free permit. Sized in jobs (⌈2 × 8 ÷ 10⌉ + 1 = 3) it
      // took no chunk more until one of the three ended, and stopped at 27 rows.
      await eventually(async () => sandbox.state().leads >= 57, {
        timeoutMs: 40_000,
        what: 'the rows of the chunks after the waiting ones',
      });
      expect(sandbox.state().leads).toBe(57);
      open();
      const record = await finished(ledger, 'imp-tails');
      expect(record).toMatchObject({ created: 60, pending: 0 });
      expect(sandbox.state()).toMatchObject({ leads: 60, duplicateLeads: 0 });
    } finally {
      open();
      await worker.close();
    }
  }, 90_000);
});

describe('the producer with several rows per job', () => {
  it('re-adds alone the rows of a chunk a killed run marked but never added, and nothing twice', async () => {
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
    const jobs = jobsFor('imp-resume', sharedContactRows(25, 3, 7));
    try {
      await ledger.createImport({ ...bareImport('imp-resume'), rowsPerJob: 10 });
      // A first run killed between the ledger and the queue: chunk 1 (turns 11-20) marked, never added.
      await ledger.markEnqueued(
        'imp-resume',
        jobs.slice(10, 20).map((j) => j.line),
      );
      const run = async () => {
        const enqueuer = new LeadEnqueuer({
          queue,
          ledger,
          importId: 'imp-resume',
          rowsPerJob: 10,
          batchSize: 7,
          metrics: new MetricsRecorder(redis, prefix, 0).connection('default'),
        });
        for (const job of jobs) await enqueuer.add(job);
        return enqueuer.finish();
      };
      expect(await run()).toMatchObject({ enqueued: 15, alreadyImported: 10, requeued: 10 });
      // A second run adds nothing.
      expect(await run()).toMatchObject({ enqueued: 0, alreadyImported: 25, requeued: 0 });
      const waiting = await queue.getJobs(['prioritized', 'waiting']);
      const ids = waiting.map((j) => j.id).sort();
      expect(ids).toEqual(
        ['imp-resume-c0', 'imp-resume-c2', ...jobs.slice(10, 20).map((j) => `imp-resume-${j.line}`)].sort(),
      );
      // Every line is in exactly one job.
      const lines = waiting.flatMap((j) =>
        isChunkJobData(j.data) ? j.data.rows.map((r) => r.line) : [j.data.line],
      );
      expect(lines.sort((a, b) => a - b)).toEqual(jobs.map((j) => j.line));
    } finally {
      await queue.close();
    }
  });
});
