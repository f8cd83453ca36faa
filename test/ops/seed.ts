import { createHash } from 'node:crypto';
import { type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { createOpsContext, type OpsContext } from '../../src/ops/ops-context.js';
import { LeadEnqueuer } from '../../src/producer/enqueuer.js';
import { DEAD_LETTER_JOB_NAME, type DeadLetterJobData } from '../../src/queue/dead-letter.js';
import { LEAD_JOB_NAME, type LeadJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { leadJobOptions, leadPriority } from '../../src/queue/job-options.js';
import type { CreatedOutcome } from '../../src/queue/ledger.js';
import { leadQueueName } from '../../src/queue/names.js';
import { uniquePrefix } from '../helpers/redis.js';

/** A context on its own key prefix, Lite limits. */
export function testOps(redis: Redis): OpsContext {
  return createOpsContext({
    redis,
    prefix: uniquePrefix('ops'),
    limits: { burstPer2s: 20, dailyTokens: 30_000 },
  });
}

export type SeedRow =
  | { line: number; cells: string[]; outcome: 'pending' }
  | ({ line: number; cells: string[]; outcome: 'created' } & CreatedOutcome)
  | { line: number; cells: string[]; outcome: 'rejected'; column?: string; reason: string }
  | {
      line: number;
      cells: string[];
      outcome: 'dead-lettered';
      errorClass: string;
      message: string;
      httpStatus?: number;
      checkpoint?: LeadJobData['checkpoint'];
    };

export const HEADER = ['Name', 'Email', 'Company'];

export function jobData(importId: string, line: number, cells: string[]): LeadJobData {
  return {
    v: 1,
    importId,
    line,
    lead: { title: `${cells[2] ?? 'x'} lead` },
    person: { name: cells[0] ?? 'x', email: cells[1] },
    organization: cells[2] ? { name: cells[2] } : undefined,
    cells,
  };
}

/**
 * Builds an import the way the producer and worker leave it, with the real ledger and real
 * queues: rejected rows recorded with their cells, created rows recorded (their jobs removed on
 * completion), dead-lettered rows failed by a real BullMQ worker that parks them on the DLQ as
 * ours does, pending rows waiting on the lead queue.
 */
export async function seedImport(
  ctx: OpsContext,
  importId: string,
  rows: SeedRow[],
  options: {
    state?: 'reading' | 'enqueued';
    header?: string[];
    connection?: string;
    priority?: number;
    startTurn?: number;
  } = {},
): Promise<void> {
  const connection = options.connection ?? 'default';
  await ctx.ledger.createImport({
    importId,
    connection,
    ...(options.priority ? { priority: options.priority } : {}),
    ...(options.startTurn ? { startTurn: options.startTurn } : {}),
    fileName: `${importId}.csv`,
    fileSize: 1000,
    fileHash: 'f'.repeat(64),
    mapping: null,
    header: options.header ?? HEADER,
    createdAt: Date.now(),
  });
  for (const row of rows) {
    if (row.outcome === 'rejected') {
      await ctx.ledger.recordRejected(
        importId,
        row.line,
        { column: row.column, reason: row.reason },
        row.cells,
      );
    }
  }
  const created = rows.filter((r) => r.outcome === 'created');
  await ctx.ledger.markEnqueued(
    importId,
    created.map((r) => r.line),
  );
  for (const row of created) {
    await ctx.ledger.recordCreated(importId, row.line, row, {
      tokensUsed: 10 + (row.personCreated ? 25 : 0) + (row.organizationCreated ? 25 : 0),
      createdPersons: row.personCreated ? 1 : 0,
      reusedPersons: row.personId !== undefined && !row.personCreated ? 1 : 0,
      createdOrganizations: row.organizationCreated ? 1 : 0,
      reusedOrganizations: row.organizationId !== undefined && !row.organizationCreated ? 1 : 0,
    });
  }
  const failed = rows.filter((r) => r.outcome === 'dead-lettered');
  if (failed.length > 0) await deadLetter(ctx, importId, failed, connection);
  const pending = rows.filter((r) => r.outcome === 'pending');
  await enqueue(ctx, importId, pending, connection);
  await ctx.ledger.setCounters(importId, { rows: rows.length });
  await ctx.ledger.setState(importId, options.state ?? 'enqueued');
}

/** Enqueues the rows on `connection`'s lead queue, as the producer does. */
export async function enqueue(
  ctx: OpsContext,
  importId: string,
  rows: { line: number; cells: string[]; note?: string }[],
  connection = 'default',
) {
  await ctx.ledger.markEnqueued(
    importId,
    rows.map((r) => r.line),
  );
  await ctx.leadQueueOf(connection).addBulk(
    rows.map((r) => ({
      name: LEAD_JOB_NAME,
      data: { ...jobData(importId, r.line, r.cells), ...(r.note ? { note: r.note } : {}) },
      opts: leadJobOptions(importId, r.line, leadPriority(r.line - 1)),
    })),
  );
}

/** Enqueues the rows and lets a real BullMQ worker fail each one into the DLQ, as the worker does. */
async function deadLetter(
  ctx: OpsContext,
  importId: string,
  rows: Extract<SeedRow, { outcome: 'dead-lettered' }>[],
  pipedriveConnection: string,
): Promise<void> {
  await enqueue(ctx, importId, rows, pipedriveConnection);
  const byLine = new Map(rows.map((r) => [r.line, r]));
  let remaining = rows.length;
  let done!: () => void;
  const allFailed = new Promise<void>((resolve) => {
    done = resolve;
  });
  const connection = ctx.redis.duplicate({ maxRetriesPerRequest: null });
  const worker = new Worker<LeadJobData>(
    leadQueueName(pipedriveConnection),
    async (job) => {
      const row = byLine.get(job.data.line)!;
      const data: DeadLetterJobData = {
        importId,
        line: row.line,
        job: { ...job.data, checkpoint: row.checkpoint },
        errorClass: row.errorClass,
        httpStatus: row.httpStatus,
        message: row.message,
        attempts: 1,
        firstAttemptAt: Date.now(),
        lastAttemptAt: Date.now(),
      };
      await ctx.deadLetterQueue.add(DEAD_LETTER_JOB_NAME, data, { jobId: job.id });
      await ctx.ledger.recordDeadLettered(importId, row.line, row);
      throw new UnrecoverableError(row.message);
    },
    { connection, prefix: ctx.prefix, concurrency: 4 },
  );
  worker.on('failed', () => {
    if (--remaining === 0) done();
  });
  await allFailed;
  await worker.close();
  connection.disconnect();
}

/** rows = created + rejected + deadLettered + cancelled + pending */
export async function balance(ctx: OpsContext, importId: string) {
  const r = (await ctx.ledger.getImport(importId))!;
  return {
    rows: r.rows,
    sum: r.created + r.rejected + r.deadLettered + r.cancelled + r.pending,
    created: r.created,
    rejected: r.rejected,
    deadLettered: r.deadLettered,
    cancelled: r.cancelled,
    pending: r.pending,
  };
}

/**
 * An import of `rowsPerJob` rows per BullMQ job, enqueued by the producer's own enqueuer: each of `lines` in turn,
 * with the cells `cellsOf` gives (a line in `rejected` is rejected for its Email instead, and takes no turn).
 */
export async function enqueueChunked(
  ctx: OpsContext,
  importId: string,
  rowsPerJob: number,
  lines: readonly number[],
  cellsOf: (line: number) => string[] = (line) => [`Row ${line}`, `r${line}@example.com`, `Org ${line}`],
  rejected: readonly number[] = [],
): Promise<void> {
  await ctx.ledger.createImport({
    importId,
    rowsPerJob,
    fileName: `${importId}.csv`,
    fileSize: 1000,
    fileHash: createHash('sha256').update(importId).digest('hex'),
    mapping: null,
    header: HEADER,
    createdAt: Date.now(),
  });
  const enqueuer = new LeadEnqueuer({
    // A lead queue holds rows and chunks (the context types it for rows).
    queue: ctx.leadQueue as unknown as Queue<LeadQueueJobData>,
    ledger: ctx.ledger,
    importId,
    rowsPerJob,
    metrics: new MetricsRecorder(ctx.redis, ctx.prefix, 0).connection('default'),
  });
  let turn = 0;
  for (const line of lines) {
    const cells = cellsOf(line);
    if (rejected.includes(line))
      await enqueuer.reject(line, { column: 'Email', reason: 'not an email address' }, cells);
    else await enqueuer.add({ ...jobData(importId, line, cells), turn: ++turn });
  }
  await enqueuer.finish();
}
