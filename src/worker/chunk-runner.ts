/*
 * Several rows per BullMQ job (`LEAD_IMPORTER_ROWS_PER_JOB` > 1, issue #12's "less work per lead").
 *
 * Why: BullMQ's own handling of a job (`addPrioritizedJob` when it is added, `moveToActive`, the lock's renewals,
 * `moveToFinished`) is 36 Redis commands and two round trips, whatever the job holds; with one row per job that
 * was almost half of a lead's Redis commands and a measurable share of the worker's CPU. A chunk of k consecutive
 * rows of one import shares it: 36 / k per row.
 *
 * What must not change: each row is still its own unit of work and of exactly-once. It takes one of the process's
 * permits (so `--concurrency` counts rows, and the fairness between connections in concurrency-permits.ts holds
 * row by row), passes its own limiter and admission, holds its own lease, writes its own checkpoints and records
 * its own outcome (created, or one DLQ entry with the row's own id `jobIdFor(importId, line)`). The rows of a
 * chunk run concurrently: a chunk never serialises its rows.
 *
 * The design:
 * - **Checkpoints per row, not per job.** A chunk row's checkpoint lives under its own key
 *   (`keys.rowCheckpoint`, `cpKey: 1` in the row's data), written only by the row's lease holder (SAVE_MANY_LUA in
 *   row-lease.ts reads the lease and writes in one step, as it does a job's data; the checkpoints asked in one turn
 *   share that step, each fenced by its own lease) and deleted by the same step that records the row's outcome.
 *   So an intent (`leadIntentAt`, `noteIntentAt`) is visible to whichever job runs the row next: its chunk again, or the single-row job it was
 *   split into. (A plain `SET` trusted as `RowLease.check` trusts the lease was tried and dropped: a write is not
 *   a read, and one delayed on the wire or re-sent by the client after a reconnect could land once the lease is
 *   someone else's, over their checkpoint.)
 * - **A row is taken only while it is Pending.** The lease's take reads the row's ledger state right after setting
 *   the lease, in the same write (`RowLeases.take` in row-lease.ts): a row finished by an earlier run of its chunk,
 *   by its split-out job or cancelled is skipped without any other work. Rows whose takes are asked in the same turn
 *   share those reads (one `BITFIELD_RO` per import, one `MGET`), each still after its own `SET`. Whoever recorded
 *   the outcome did so under a lease that had ended before this take, so the state read is final. This is what
 *   makes a chunk safe to run again (a worker SIGKILLed mid-chunk: BullMQ gives the stalled chunk to another worker,
 *   which redoes only the unfinished rows, from their checkpoints), and a row that is both in a chunk and alone (a
 *   producer re-run racing another) safe.
 * - **A row that must wait or retry is split out**, so the chunk's other rows neither wait for it nor redo
 *   anything: a rate-limit or budget re-queue, a lease held elsewhere, a transient failure with attempts left,
 *   Redis changed, a shutdown. The chunk adds the row as a single-row job with today's id
 *   `jobIdFor(importId, line)` (the row's data with `cpKey: 1`, its attempts so far in `priorAttempts`, the
 *   chunk's priority, the delay the row asked for: its backoff, or the lease's remaining time) and goes on. From
 *   then on the row runs as any single-row job does, reading its checkpoint from its key. A crash between the
 *   row's end and the add leaves the chunk active: it runs again, and the row with it, from its checkpoint.
 * - **A chunk that runs again** (BullMQ retried it, or it stalled) first asks which of its rows have a single-row
 *   job: those were split out and are that job's to run (with its backoff and attempt count). A chunk running for
 *   the first time cannot have any, and pays nothing for the question.
 * - **A chunk's rows look up their contacts together** as it starts (`rowsStarting`: one HMGET per kind for all of
 *   them), not each row on its own: rows that wait a while for their permits trust only the hits of that lookup.
 * - The chunk itself is never re-queued or delayed: it completes once each of its rows is finished, skipped or
 *   split out; it fails (and BullMQ retries it) only when Redis could not take a split-out row.
 */
import { setMaxListeners } from 'node:events';
import { Backoffs, type Job, type Queue } from 'bullmq';
import type { Logger } from '../logging/logger.js';
import {
  LEAD_JOB_NAME,
  type LeadChunkJobData,
  type LeadJobData,
  type LeadJobResult,
} from '../queue/job-data.js';
import { LEAD_JOB_ATTEMPTS, LEAD_JOB_BACKOFF, leadJobOptions } from '../queue/job-options.js';
import { jobsExist } from '../queue/jobs-exist.js';
import { RowState } from '../queue/ledger.js';
import { jobIdFor } from '../queue/names.js';
import { isDelayedError, isRequeueError, isUnrecoverableError } from './errors.js';

/** How one row of a chunk ended in this run. */
export type ChunkRowEnd = 'done' | 'skipped' | 'split';

/** What a chunk job returns (kept small: BullMQ stores it until the job is removed). */
export interface LeadChunkResult {
  /** Rows created or dead-lettered by this run. */
  done: number;
  /** Rows already finished (or cancelled, or split out by an earlier run) when this run came to them. */
  skipped: number;
  /** Rows split out as single-row jobs to wait or retry. */
  split: number;
}

/**
 * One row of a chunk, shaped as the processor sees a job: the row's own id (`jobIdFor`), its data, its attempts.
 * `moveToDelayed` (a lease held elsewhere) records when the row wants to run again instead of moving the chunk.
 */
export class ChunkRow {
  readonly id: string;
  readonly attemptsMade = 0;
  readonly opts = { attempts: LEAD_JOB_ATTEMPTS };
  readonly processedOn: number;
  /** When the row asked to run again (ms epoch), through `moveToDelayed`. */
  delayUntil: number | undefined;

  constructor(
    public data: LeadJobData,
    /** The chunk job whose lock the row's lease lives with. */
    readonly chunkJobId: string,
    readonly queueQualifiedName: string,
  ) {
    this.id = jobIdFor(data.importId, data.line);
    this.processedOn = Date.now();
  }

  async moveToDelayed(timestamp: number): Promise<void> {
    this.delayUntil = timestamp;
  }

  /** As the processor takes it. */
  asJob(): Job<LeadJobData, LeadJobResult> {
    return this as unknown as Job<LeadJobData, LeadJobResult>;
  }
}

export interface ChunkRunnerOptions {
  /** The connection's lead queue: where split-out rows go. */
  queue: Queue;
  /** Runs one row (waits for its permit, then the processor); rejects as the processor does. */
  runRow: (row: ChunkRow, token: string | undefined, signal: AbortSignal | undefined) => Promise<unknown>;
  /**
   * Told of the rows a run is about to run, before any of them waits for its permit, and of the same rows once the
   * run is over: the processor looks up their contacts together (`LeadProcessor.rowsStarting`).
   */
  rowsStarting?: (rows: ChunkRow[]) => void;
  rowsEnded?: (rows: ChunkRow[]) => void;
  /** The ledger's states of an import's lines (`ImportLedger.rowStates`): read once a chunk's rows have ended. */
  rowStates: (importId: string, lines: number[]) => Promise<RowState[]>;
  logger: Logger;
}

/** Runs chunk jobs: each row on its own, concurrently; a row that must wait or retry is split out. */
export class ChunkRunner {
  constructor(private readonly options: ChunkRunnerOptions) {}

  async run(
    job: Job<LeadChunkJobData>,
    token: string | undefined,
    signal: AbortSignal | undefined,
    /** Called as each row ends (finished, skipped or split out): the rows its connection holds. */
    onRowEnd: () => void = () => {},
  ): Promise<LeadChunkResult> {
    const { rows } = job.data;
    // Each row links its own signal to the chunk's and may wait for a permit on it: two listeners a row.
    if (signal) setMaxListeners(rows.length * 2 + 10, signal);
    const result: LeadChunkResult = { done: 0, skipped: 0, split: 0 };
    const moved = await this.splitBefore(job);
    const toRun = rows.map((data, i) =>
      moved[i] ? undefined : new ChunkRow({ ...data, cpKey: 1 }, job.id as string, job.queueQualifiedName),
    );
    const running = toRun.filter((row): row is ChunkRow => row !== undefined);
    this.options.rowsStarting?.(running);
    const failures: unknown[] = [];
    const ended = { done: [] as ChunkRow[], split: [] as ChunkRow[] };
    await Promise.all(
      toRun.map(async (row) => {
        try {
          if (!row) {
            result.skipped++;
            return;
          }
          const end = await this.runOne(row, job, token, signal);
          result[end]++;
          if (end !== 'skipped') ended[end].push(row);
        } catch (err) {
          failures.push(err);
        } finally {
          onRowEnd();
        }
      }),
    );
    this.options.rowsEnded?.(running);
    // A row that could be neither finished nor split out (Redis gone): the chunk fails, BullMQ runs it again.
    if (failures.length > 0) throw failures[0];
    await this.keepLostEnds(job, ended);
    return result;
  }

  /**
   * Checks, as the chunk is about to complete, that what its rows' ends wrote is still in Redis, and splits out
   * again each row whose end is not: one `BITFIELD_RO` for the rows it finished (and an `EXISTS` for each row it
   * split out, with its state when the job is gone).
   *
   * Why: Redis with `appendfsync everysec` that loses power comes back without the last second of acknowledged
   * writes. A row's outcome (or the add of its split-out job) can be among them while its chunk, still running
   * other rows, completes on the new server: the row would stay Pending with no job to run it, its lead in
   * Pipedrive owned by no row (the chaos power-loss run at 10 rows per job, 2026-12-02). A one-row job has the
   * same gap only between its outcome and BullMQ's `moveToFinished`, one round trip; a chunk had it from its first
   * row's end to its last. Read here, after the ends, the states come from the server the completion will reach
   * (a read sent to a dead server is sent again by the client once it reconnects), so the gap is back to the round
   * trip from this read to the completion. The row split out again waits for the reconciliation with Pipedrive
   * (the durability gate) and adopts the lead that lost its owner, as any row whose intent Redis lost does.
   */
  private async keepLostEnds(
    chunk: Job<LeadChunkJobData>,
    ended: { done: ChunkRow[]; split: ChunkRow[] },
  ): Promise<void> {
    const { done, split } = ended;
    if (done.length === 0 && split.length === 0) return;
    // A split-out job is removed once its row is recorded: existence first, states after (as the producer's
    // re-run reads them), so a row whose job is gone counts as lost only if it is still Pending afterwards.
    const exist = await jobsExist(
      this.options.queue,
      split.map((row) => row.id),
    );
    const asked = [...done, ...split.filter((_, i) => !exist[i])];
    if (asked.length === 0) return;
    const states = await this.options.rowStates(
      chunk.data.rows[0]?.importId as string,
      asked.map((row) => row.data.line),
    );
    const lost = asked.filter((_, i) => states[i] === RowState.Pending);
    // No attempt spent: the row did its work, Redis forgot it.
    for (const row of lost) {
      this.options.logger.warn(
        { importId: row.data.importId, line: row.data.line, chunk: chunk.id },
        `Redis lost the end of import ${row.data.importId} line ${row.data.line} (a restart without its last writes); the row runs again as a job of its own and adopts what it made`,
      );
      await this.splitOut(row, chunk, 0, 0);
    }
  }

  /**
   * For a chunk that ran before (retried or stalled): which rows an earlier run split out (their single-row job
   * exists). One round trip; none for a chunk's first run.
   */
  private async splitBefore(job: Job<LeadChunkJobData>): Promise<boolean[]> {
    const { rows } = job.data;
    if (job.attemptsMade === 0 && (job.stalledCounter ?? 0) === 0) return rows.map(() => false);
    return jobsExist(
      this.options.queue,
      rows.map((row) => jobIdFor(row.importId, row.line)),
    );
  }

  private async runOne(
    row: ChunkRow,
    chunk: Job<LeadChunkJobData>,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ChunkRowEnd> {
    try {
      const out = (await this.options.runRow(row, token, signal)) as LeadJobResult | undefined;
      return out?.alreadyFinished ? 'skipped' : 'done';
    } catch (err) {
      // Dead-lettered: the row's DLQ entry and outcome are written.
      if (isUnrecoverableError(err)) return 'done';
      if (isDelayedError(err)) {
        await this.splitOut(row, chunk, Math.max(0, (row.delayUntil ?? Date.now()) - Date.now()), 0);
      } else if (isRequeueError(err)) {
        // A re-queue spends no attempt: the row waits in the queue as a re-queued job does (a 429 hold holds it).
        await this.splitOut(row, chunk, 0, 0);
      } else {
        // A transient failure with attempts left (the processor dead-letters the last one itself): the delay
        // BullMQ's backoff of lead jobs gives a first retry.
        const delay = await Backoffs.calculate(LEAD_JOB_BACKOFF, 1, err as Error, chunk);
        await this.splitOut(row, chunk, delay ?? 0, 1);
      }
      return 'split';
    }
  }

  /** Adds the row as a single-row job (today's id), carrying its attempts; a job that exists already is kept. */
  private async splitOut(
    row: ChunkRow,
    chunk: Job<LeadChunkJobData>,
    delayMs: number,
    spent: number,
  ): Promise<void> {
    const priorAttempts = (row.data.priorAttempts ?? 0) + spent;
    const data: LeadJobData = { ...row.data, cpKey: 1, ...(priorAttempts > 0 ? { priorAttempts } : {}) };
    await this.options.queue.add(LEAD_JOB_NAME, data, {
      ...leadJobOptions(data.importId, data.line, chunk.opts.priority ?? 1),
      attempts: Math.max(1, LEAD_JOB_ATTEMPTS - priorAttempts),
      ...(delayMs > 0 ? { delay: Math.ceil(delayMs) } : {}),
    });
  }
}
