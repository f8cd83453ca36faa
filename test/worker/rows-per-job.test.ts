import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import {
  type PipedriveErrorFields,
  PipedriveRateLimitError,
  PipedriveServerError,
} from '../../src/pipedrive/errors.js';
import type { AddLeadBody, CallOptions, PipedriveApi } from '../../src/pipedrive/types.js';
import type { DeadLetterJobData } from '../../src/queue/dead-letter.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { DLQ_QUEUE, LEAD_QUEUE } from '../../src/queue/names.js';
import { createLeadWorker, type LeadWorkerOptions } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, finished, jobsFor, sharedContactRows, testSandbox } from './helpers.js';

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

/** Counts every job BullMQ was ever given on the lead queue (its id counter) and the chunk jobs among them. */
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
  return (options) => {
    const client = new PipedriveClient(options);
    return new Proxy(client, {
      get(target, property, receiver) {
        if (property === 'addLead') {
          return async (body: AddLeadBody, o?: CallOptions) => {
            const fail = left.get(body.title);
            if (fail) {
              left.delete(body.title);
              throw fail();
            }
            return target.addLead(body, o);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as PipedriveApi;
  };
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
});
