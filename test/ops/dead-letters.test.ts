import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import {
  exportDeadLetters,
  listDeadLetters,
  purgeDeadLetters,
  retryDeadLetters,
} from '../../src/ops/dead-letters.js';
import { createOpsContext } from '../../src/ops/ops-context.js';
import { replayProblem } from '../../src/ops/replay-check.js';
import { importCsv } from '../../src/producer/import-csv.js';
import { isChunkJobData, type LeadJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { LEAD_JOB_ATTEMPTS } from '../../src/queue/job-options.js';
import { RowState } from '../../src/queue/ledger.js';
import { jobIdFor, LEAD_QUEUE } from '../../src/queue/names.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { runCli } from './run-cli.js';
import { balance, HEADER, jobData, type SeedRow, seedImport, testOps } from './seed.js';

const redis = testRedis();
const contexts: ReturnType<typeof testOps>[] = [];
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
});

function ops() {
  const ctx = testOps(redis);
  contexts.push(ctx);
  return ctx;
}

const ROWS: SeedRow[] = [
  { line: 2, cells: ['Ana', 'ana@example.com', 'Acme'], outcome: 'created', leadId: 'L2', personId: 1 },
  {
    line: 3,
    cells: ['=HYPERLINK("http://evil.example","click")', 'bob@example.com', '+Acme'],
    outcome: 'dead-lettered',
    errorClass: 'PipedriveValidationError',
    httpStatus: 400,
    message: 'Title is required',
  },
  {
    line: 5,
    cells: ['Cy', 'cy@example.com', 'Öl GmbH'],
    outcome: 'dead-lettered',
    errorClass: 'PipedriveServerError',
    httpStatus: 503,
    message: 'Service unavailable',
    checkpoint: { personId: 77, personCreated: true },
  },
  {
    line: 6,
    cells: ['Di', 'not-an-email', ''],
    outcome: 'rejected',
    column: 'Email',
    reason: 'not an email address',
  },
  { line: 7, cells: ['Ed', 'ed@example.com', 'Initech'], outcome: 'pending' },
];

describe('dlq list', () => {
  it('lists an import’s dead-lettered rows in line order with their errors', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-a', ROWS);
    await seedImport(ctx, 'imp-b', [
      {
        line: 2,
        cells: ['X', 'x@example.com', 'X'],
        outcome: 'dead-lettered',
        errorClass: 'PipedriveNotFoundError',
        httpStatus: 404,
        message: 'Owner not found',
      },
    ]);
    const entries = await listDeadLetters(ctx, { importId: 'imp-a' });
    expect(entries.map((e) => [e.line, e.errorClass, e.httpStatus, e.message])).toEqual([
      [3, 'PipedriveValidationError', 400, 'Title is required'],
      [5, 'PipedriveServerError', 503, 'Service unavailable'],
    ]);
    const all = await listDeadLetters(ctx);
    expect(all.map((e) => `${e.importId}:${e.line}`).sort()).toEqual(['imp-a:3', 'imp-a:5', 'imp-b:2']);
    const servers = await listDeadLetters(ctx, { errorClass: 'PipedriveServerError' });
    expect(servers.map((e) => e.line)).toEqual([5]);
  });

  it('names the unknown import instead of listing nothing', async () => {
    await expect(listDeadLetters(ops(), { importId: 'nope' })).rejects.toThrow(/No import "nope"/);
  });
});

describe('dlq export', () => {
  it('writes original columns plus error columns, Excel-safe, so the file can be fixed and re-imported', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-x', ROWS);
    const out = join(tmpdir(), `${ctx.prefix}-failed.csv`);
    const result = await exportDeadLetters(ctx, { importId: 'imp-x', out });
    expect(result.rows).toBe(2);
    const text = await readFile(out, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe([...HEADER, 'error_class', 'error_message', 'http_status', 'line'].join(','));
    // The formula a hostile CSV smuggled in is neutralised, not executed by a spreadsheet.
    expect(lines[1]).toBe(
      `"'=HYPERLINK(""http://evil.example"",""click"")",bob@example.com,'+Acme,PipedriveValidationError,Title is required,400,3`,
    );
    expect(lines[2]).toBe('Cy,cy@example.com,Öl GmbH,PipedriveServerError,Service unavailable,503,5');
  });
});

describe('dlq retry', () => {
  it('puts rows back with fresh attempts and their checkpoint, and keeps the ledger balanced', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-r', ROWS);
    expect(await balance(ctx, 'imp-r')).toMatchObject({ rows: 5, sum: 5, deadLettered: 2, pending: 1 });
    // The failed jobs still hold their ids on the lead queue, as BullMQ keeps failed jobs a week.
    expect(await ctx.leadQueue.getJobState(jobIdFor('imp-r', 3))).toBe('failed');

    const summary = await retryDeadLetters(ctx, { importId: 'imp-r' });

    expect(summary).toEqual({
      requeued: 2,
      stale: 0,
      busy: 0,
      refused: 0,
      refusals: [],
      exported: 0,
      exports: [],
    });
    expect(await balance(ctx, 'imp-r')).toMatchObject({ rows: 5, sum: 5, deadLettered: 0, pending: 3 });
    expect(await ctx.ledger.rowStates('imp-r', [3, 5])).toEqual([RowState.Pending, RowState.Pending]);
    expect(await ctx.deadLetterQueue.count()).toBe(0);
    const job = (await ctx.leadQueue.getJob(jobIdFor('imp-r', 5)))!;
    // Every lead job has a priority (fair turns between imports), so it waits in the prioritized set.
    expect(await job.getState()).toBe('prioritized');
    // The priority it was first added with: its turn (line 5 → 4, from before turns were in job data), weight 1.
    expect(job.opts.priority).toBe(4);
    expect(job.attemptsMade).toBe(0);
    expect(job.opts.attempts).toBe(LEAD_JOB_ATTEMPTS);
    expect(job.data.checkpoint).toEqual({ personId: 77, personCreated: true });
    expect(job.data.cells).toEqual(['Cy', 'cy@example.com', 'Öl GmbH']);
  });

  it("re-adds a row with the priority its turn and its import's --priority give it", async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-p', ROWS, { priority: 4 });
    // The producer writes each row's turn among the valid rows into its job data.
    const entry = (await ctx.deadLetterQueue.getJob(jobIdFor('imp-p', 5)))!;
    await entry.updateData({ ...entry.data, job: { ...entry.data.job, turn: 40 } });

    expect(await retryDeadLetters(ctx, { importId: 'imp-p' })).toMatchObject({ requeued: 2, refused: 0 });
    const turned = (await ctx.leadQueue.getJob(jobIdFor('imp-p', 5)))!;
    expect(turned.data.turn).toBe(40);
    expect(turned.opts.priority).toBe(10); // ceil(40 / 4)
    // Line 3's entry has no turn (a job from before turns): its line less the header's stands in.
    expect((await ctx.leadQueue.getJob(jobIdFor('imp-p', 3)))?.opts.priority).toBe(1); // ceil(2 / 4)
  });

  it('re-adds a row after the start turn its import was created with', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-s', ROWS, { priority: 4, startTurn: 5_000 });
    const entry = (await ctx.deadLetterQueue.getJob(jobIdFor('imp-s', 5)))!;
    await entry.updateData({ ...entry.data, job: { ...entry.data.job, turn: 40 } });

    expect(await retryDeadLetters(ctx, { importId: 'imp-s' })).toMatchObject({ requeued: 2, refused: 0 });
    expect((await ctx.leadQueue.getJob(jobIdFor('imp-s', 5)))?.opts.priority).toBe(5_010); // 5,000 + ceil(40 / 4)
  });

  it('retries only the error class asked for', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-c', ROWS);
    expect(await retryDeadLetters(ctx, { importId: 'imp-c', errorClass: 'PipedriveServerError' })).toEqual({
      requeued: 1,
      stale: 0,
      busy: 0,
      refused: 0,
      refusals: [],
      exported: 0,
      exports: [],
    });
    expect((await listDeadLetters(ctx, { importId: 'imp-c' })).map((e) => e.line)).toEqual([3]);
    expect(await balance(ctx, 'imp-c')).toMatchObject({ sum: 5, deadLettered: 1, pending: 2 });
  });

  it('leaves rows `dlq export` wrote to a file since they failed: their fixed file may have been imported again', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-e', ROWS);
    const out = join(tmpdir(), `${ctx.prefix}-exported.csv`);
    expect((await exportDeadLetters(ctx, { importId: 'imp-e', out })).rows).toBe(2);
    const left = await retryDeadLetters(ctx, { importId: 'imp-e' });
    expect(left).toMatchObject({ requeued: 0, exported: 2, exports: [{ importId: 'imp-e', rows: 2 }] });
    // Nothing moved: both rows still dead-lettered and in the queue.
    expect(await balance(ctx, 'imp-e')).toMatchObject({ sum: 5, deadLettered: 2, pending: 1 });
    expect((await listDeadLetters(ctx, { importId: 'imp-e' })).map((e) => e.line)).toEqual([3, 5]);
    // Asked for, they go back.
    expect(await retryDeadLetters(ctx, { importId: 'imp-e', includeExported: true })).toMatchObject({
      requeued: 2,
      exported: 0,
    });
    expect(await balance(ctx, 'imp-e')).toMatchObject({ sum: 5, deadLettered: 0, pending: 3 });
  });

  it('finishes a retry that was interrupted after the ledger moved, without doubling the row', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-i', ROWS);
    // A previous `dlq retry` died right after step 1: the row is pending, its DLQ entry still there, no job.
    await ctx.ledger.recordRequeued('imp-i', 5);
    await ctx.leadQueue.remove(jobIdFor('imp-i', 5));

    const summary = await retryDeadLetters(ctx, { importId: 'imp-i', errorClass: 'PipedriveServerError' });

    expect(summary.requeued).toBe(1);
    expect(await ctx.leadQueue.getJobState(jobIdFor('imp-i', 5))).toBe('prioritized');
    expect(await ctx.deadLetterQueue.getJob(jobIdFor('imp-i', 5))).toBeUndefined();
    expect(await balance(ctx, 'imp-i')).toMatchObject({ sum: 5, deadLettered: 1, pending: 2 });
  });

  it('drops a left-over DLQ entry of a row that was created since, without re-running it', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-s', ROWS);
    await ctx.ledger.recordRequeued('imp-s', 3);
    await ctx.ledger.recordCreated('imp-s', 3, { leadId: 'L3' });

    expect(
      await retryDeadLetters(ctx, { importId: 'imp-s', errorClass: 'PipedriveValidationError' }),
    ).toEqual({
      requeued: 0,
      stale: 1,
      busy: 0,
      refused: 0,
      refusals: [],
      exported: 0,
      exports: [],
    });
    expect(await ctx.leadQueue.getJobState(jobIdFor('imp-s', 3))).toBe('failed');
    expect(await balance(ctx, 'imp-s')).toMatchObject({ sum: 5, created: 2, deadLettered: 1 });
  });
});

describe('dlq retry and the producer’s validation', () => {
  it('refuses an entry whose data the producer would never have enqueued, and leaves it dead-lettered', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-v', ROWS);
    const entry = (await ctx.deadLetterQueue.getJob(jobIdFor('imp-v', 5)))!;
    // Edited in Redis (or, before it was read-only, in bull-board): no title, a bad email, an unknown field.
    await entry.updateData({
      ...entry.data,
      job: {
        ...entry.data.job,
        lead: { title: '', owner_id: 'me' as unknown as number, note: 'x' } as LeadJobData['lead'],
        person: { name: 'Cy', email: 'cy at example' },
      },
    });

    const summary = await retryDeadLetters(ctx, { importId: 'imp-v' });

    expect(summary).toMatchObject({ requeued: 1, stale: 0, busy: 0, refused: 1 });
    expect(summary.refusals).toEqual([
      {
        importId: 'imp-v',
        line: 5,
        reason:
          'lead.note is not a field the importer writes; lead.title is empty; lead.owner_id must be a positive whole number; person.email is not an email address',
      },
    ]);
    // Nothing moved for the refused row: still dead-lettered, still in the DLQ, no job to run.
    expect(await ctx.ledger.rowStates('imp-v', [3, 5])).toEqual([RowState.Pending, RowState.DeadLettered]);
    expect(await balance(ctx, 'imp-v')).toMatchObject({ rows: 5, sum: 5, deadLettered: 1, pending: 2 });
    expect(await ctx.leadQueue.getJobState(jobIdFor('imp-v', 5))).toBe('failed');
    expect((await listDeadLetters(ctx, { importId: 'imp-v' })).map((e) => e.line)).toEqual([5]);
  });

  it("refuses an entry whose organization's website or LinkedIn is a script or data link, not a web address", () => {
    const job = (website: string, linkedin?: string) => ({
      ...jobData('imp-w', 2, ['Ana', 'ana@example.com', 'Acme']),
      organization: { name: 'Acme', website, ...(linkedin ? { linkedin } : {}) },
    });
    const problem = (data: LeadJobData) => replayProblem(jobIdFor('imp-w', 2), entryOf(data));
    expect(problem(job('https://acme.example', 'linkedin.com/company/acme'))).toBeUndefined();
    expect(problem(job('javascript:alert(1)'))).toBe('organization.website is not a web address');
    expect(problem(job('acme.example', ' data:text/html,x'))).toBe(
      'organization.linkedin is not a web address',
    );
  });

  it('refuses an entry whose data names another row than the one it is filed under', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-w', ROWS);
    const entry = (await ctx.deadLetterQueue.getJob(jobIdFor('imp-w', 3)))!;
    await entry.updateData({ ...entry.data, line: 5, job: { ...entry.data.job, line: 5 } });

    const summary = await retryDeadLetters(ctx, {
      importId: 'imp-w',
      errorClass: 'PipedriveValidationError',
    });

    expect(summary).toMatchObject({ requeued: 0, refused: 1 });
    expect(summary.refusals[0]?.reason).toBe('the entry "imp-w-3" does not belong to import "imp-w" line 5');
    expect(await ctx.ledger.rowStates('imp-w', [3, 5])).toEqual([
      RowState.DeadLettered,
      RowState.DeadLettered,
    ]);
  });

  it('says so on the command line and exits 3, naming the row and the fix', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-cli', ROWS);
    const entry = (await ctx.deadLetterQueue.getJob(jobIdFor('imp-cli', 3)))!;
    await entry.updateData({ ...entry.data, job: { ...entry.data.job, v: 2 as 1 } });

    const run = await runCli(['dlq', 'retry', '--import', 'imp-cli'], {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: ctx.prefix,
    });

    expect(run.code).toBe(3);
    expect(run.stdout).toContain('Re-queued 1 rows with fresh attempts.');
    expect(run.stderr).toContain(
      'Refused 1 rows whose data does not pass validation; they stay in the dead-letter queue:\n  imp-cli line 3: job data version 2 is not one this version reads (1)\n',
    );
    expect(run.stderr).toContain('lead-importer dlq export --import imp-cli --out failed.csv');
  });

  it('replays what the producer and a real worker wrote (labels, owners, custom fields, checkpoints)', async () => {
    const sandbox = await startSandbox({ port: 0, limits: false });
    const prefix = uniquePrefix('replay');
    const ctx = createOpsContext({ redis, prefix, limits: { burstPer2s: 20, dailyTokens: 30_000 } });
    contexts.push(ctx);
    const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
    let worker: ReturnType<typeof createLeadWorker> | undefined;
    try {
      const config = loadConfig({
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_BASE_URL: sandbox.url,
        PIPEDRIVE_API_TOKEN: sandbox.apiToken,
      });
      const examples = join(import.meta.dirname, '../../examples');
      const summary = await importCsv({
        file: join(examples, 'leads.csv'),
        mapping: join(examples, 'mapping.yaml'),
        config,
        redis,
      });
      // At the default of 10 rows per job: the rows wait in chunks, and each parked row gets its own DLQ entry.
      expect(
        (await queue.getJobs(['waiting', 'prioritized'], 0, -1)).every((j) => isChunkJobData(j.data)),
      ).toBe(true);
      const rows = await enqueuedRows(queue);
      expect(rows.length).toBe(summary.enqueued);
      expect(rows.some((r) => r.lead.custom_fields && r.lead.label_ids && r.lead.owner_id)).toBe(true);
      const problems = rows
        .map((r) => [r.line, replayProblem(jobIdFor(r.importId, r.line), entryOf(r))])
        .filter(([, problem]) => problem !== undefined);
      expect(problems).toEqual([]);

      // A rep leaves: Pipedrive refuses her rows and the worker parks them, with their checkpoints.
      expect(sandbox.deactivateUser('dana@sandbox.example')).toBe(true);
      worker = createLeadWorker({
        redisUrl: testRedisUrl(),
        prefix,
        pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
        rateLimit: false,
      });
      await worker.ready;
      for (let waited = 0; (await ctx.ledger.getImport(summary.importId))!.pending > 0; waited += 100) {
        if (waited > 60_000) throw new Error('the worker did not finish the example import in 60 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      await worker.close();
      worker = undefined;
      const parked = await listDeadLetters(ctx, { importId: summary.importId });
      expect(parked.length).toBeGreaterThan(0);

      const retried = await retryDeadLetters(ctx, { importId: summary.importId });

      expect(retried).toMatchObject({ requeued: parked.length, refused: 0, refusals: [] });
    } finally {
      await worker?.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await sandbox.close();
    }
  }, 90_000);
});

describe('dlq retry and real exports', () => {
  it('accepts what the producer writes for whole real files: emails and phones with labels, addresses, job titles, notes', async () => {
    const sandbox = await startSandbox({ port: 0, limits: false });
    const prefix = uniquePrefix('replay-real');
    const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
    try {
      const config = loadConfig({
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_BASE_URL: sandbox.url,
        PIPEDRIVE_API_TOKEN: sandbox.apiToken,
      });
      const fixtures = join(import.meta.dirname, '../fixtures/real-exports');
      let enqueued = 0;
      for (const file of [
        'google-contacts.csv',
        'apollo-people.csv',
        'salesforce-report.csv',
        'hubspot-contacts.csv',
      ]) {
        enqueued += (
          await importCsv({ file: join(fixtures, file), config, redis, updateContacts: 'fill-empty' })
        ).enqueued;
      }
      const rows = await enqueuedRows(queue);
      expect(rows.length).toBe(enqueued);
      // The new fields are there to check.
      expect(rows.some((r) => r.note && r.person?.emails && r.person.job_title)).toBe(true);
      expect(rows.some((r) => r.organization?.address && r.person?.phones)).toBe(true);
      const problems = rows
        .map((r) => [r.line, replayProblem(jobIdFor(r.importId, r.line), entryOf(r))])
        .filter(([, problem]) => problem !== undefined);
      expect(problems).toEqual([]);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await sandbox.close();
    }
  }, 60_000);
});

/** The rows waiting on the queue, each in its own job or in a chunk: a DLQ entry is filed under the row's own id. */
async function enqueuedRows(queue: Queue<LeadQueueJobData>): Promise<LeadJobData[]> {
  const jobs = await queue.getJobs(['waiting', 'prioritized'], 0, -1);
  return jobs.flatMap((j) => (isChunkJobData(j.data) ? j.data.rows : [j.data]));
}

function entryOf(job: LeadJobData) {
  return {
    importId: job.importId,
    line: job.line,
    job,
    errorClass: 'PipedriveServerError',
    message: 'x',
    attempts: 1,
    firstAttemptAt: 0,
    lastAttemptAt: 0,
  };
}

describe('dlq purge', () => {
  it('removes the import’s entries and leaves the rows counted as dead-lettered', async () => {
    const ctx = ops();
    await seedImport(ctx, 'imp-p', ROWS);
    await seedImport(ctx, 'imp-q', ROWS);
    expect(await purgeDeadLetters(ctx, { importId: 'imp-p' })).toEqual({ removed: 2 });
    expect(await listDeadLetters(ctx, { importId: 'imp-p' })).toEqual([]);
    expect(await listDeadLetters(ctx, { importId: 'imp-q' })).toHaveLength(2);
    expect(await balance(ctx, 'imp-p')).toMatchObject({ sum: 5, deadLettered: 2 });
  });
});
