import type { Queue } from 'bullmq';
import type { ConnectionMetrics } from '../metrics/recorder.js';
import {
  LEAD_CHUNK_JOB_NAME,
  LEAD_JOB_NAME,
  type LeadChunkJobData,
  type LeadJobData,
  type LeadQueueJobData,
  turnOf,
} from '../queue/job-data.js';
import { leadChunkJobOptions, leadJobOptions, leadPriority } from '../queue/job-options.js';
import { jobsExist } from '../queue/jobs-exist.js';
import { type ImportLedger, RowState } from '../queue/ledger.js';
import { chunkJobIdFor, jobIdFor } from '../queue/names.js';
import type { RowReject } from './row-validator.js';

/** A rejected row's cell is kept this long for `report`: a note, Pipedrive's longest text, fits. */
export const MAX_KEPT_CELL_CHARS = 65_536;
/** Characters of rejected rows' cells an import run keeps in full before it keeps {@link MAX_SPARE_CELL_CHARS} a cell. */
export const MAX_KEPT_REJECT_CHARS = 32 * 1024 * 1024;
/** A rejected row's cell is kept this long once the run has kept {@link MAX_KEPT_REJECT_CHARS}. */
export const MAX_SPARE_CELL_CHARS = 1024;

export interface EnqueuerOptions {
  /** Characters of rejected rows' cells kept whole before {@link MAX_SPARE_CELL_CHARS} a cell. @defaultValue {@link MAX_KEPT_REJECT_CHARS} */
  maxKeptRejectChars?: number;
  queue: Queue<LeadQueueJobData>;
  ledger: ImportLedger;
  importId: string;
  /**
   * The import's weight (`--priority`, as its ledger record holds it): each job's BullMQ priority is
   * `leadPriority(turn, weight, startTurn)`, the same whether a row is added for the first time or again.
   * @defaultValue 1
   */
  weight?: number;
  /** The import's start turn on its connection's queue (`importStartTurn`, as its record holds it). @defaultValue 0 */
  startTurn?: number;
  /**
   * Rows per `addBulk` (and per ledger call). Larger batches are not faster, and their pipelines
   * live long enough to reach the old generation, which V8 frees lazily: peak RSS grows.
   * @defaultValue 200
   */
  batchSize?: number;
  /** Batches sent to Redis before the next one waits for the oldest. @defaultValue 4 */
  maxInFlight?: number;
  /**
   * The counters of the import's connection (`MetricsRecorder.connection`): each batch's newly rejected rows are
   * counted there (`lead_importer_rows_rejected_total`) and flushed with the batch, in the workers' format.
   */
  metrics: ConnectionMetrics;
  /**
   * Rows per BullMQ job (the import's recorded `rowsPerJob`): with k > 1, the rows of turns `c × k + 1` …
   * `(c + 1) × k` go in one chunk job `chunkJobIdFor(importId, c)`. @defaultValue 1
   */
  rowsPerJob?: number;
}

export interface EnqueueCounts {
  /** Rows newly enqueued by this run. */
  enqueued: number;
  /**
   * Valid rows an earlier run had already enqueued (pending or finished): not enqueued again. The sum of
   * `alreadyQueued` and `alreadyFinished`.
   */
  alreadyImported: number;
  /** Of those, rows still pending when this run read them (queued, not yet finished by a worker). */
  alreadyQueued: number;
  /** Of those, rows that had finished (created, dead-lettered, cancelled). */
  alreadyFinished: number;
  /** Rows an earlier run had enqueued whose job was missing (a producer killed between ledger and queue), added again. */
  requeued: number;
  /** Rejected rows recorded in the ledger (including ones an earlier run had recorded). */
  rejected: number;
}

interface Batch {
  jobs: LeadJobData[];
  /** With rows per job > 1: whole chunks (a chunk never spans two batches, so its lines are marked together). */
  chunks: LeadJobData[][];
  rejects: { line: number; reject: RowReject; cells: string[] }[];
}

/**
 * Writes rows to the ledger and the queue in batches, with a few batches in flight; `add` and
 * `reject` return a promise that resolves when the caller may go on, so a file is read only as
 * fast as Redis takes it (backpressure), whatever its size.
 *
 * Nothing lost, nothing doubled, whenever the process dies. For each batch:
 * 1. the ledger marks the lines enqueued (None → Pending, atomically; returns which are new);
 * 2. `addBulk` adds the new lines' jobs, with deterministic ids (`${importId}-${line}`) and
 *    priorities (`leadPriority`: the row's turn in its job data, the import's weight and start turn).
 * A kill between 1 and 2 leaves lines Pending without a job. A re-run finds them: for lines the
 * ledger already knows, it checks which jobs exist *first* and reads the row states *after*, and
 * re-adds only rows that are still Pending with no job. The worker records a row as created
 * before its job completes and is removed, so a job seen missing while its row is still Pending
 * afterwards never ran to completion; adding it cannot double the row. Adding a job whose id
 * exists is a no-op in BullMQ, so a concurrent re-run cannot double it either.
 *
 * With rows per job k > 1 the same holds chunk by chunk: a chunk's id comes from its rows' turns and the k kept on
 * the import's record, so a re-run computes the same chunks; a chunk is marked in one ledger step, so its lines are
 * all new (the chunk is added) or all known (each is looked for in its chunk and as a single-row job, and one
 * found in neither while still Pending is added alone, as a single-row job). A row that ends up both in a chunk
 * and alone (a re-run racing another) still runs once: a chunk row is taken only while Pending, under its lease
 * (`src/worker/chunk-runner.ts`).
 */
export class LeadEnqueuer {
  readonly counts: EnqueueCounts = {
    enqueued: 0,
    alreadyImported: 0,
    alreadyQueued: 0,
    alreadyFinished: 0,
    requeued: 0,
    rejected: 0,
  };
  private batch: Batch = { jobs: [], chunks: [], rejects: [] };
  /** The chunk being filled (k > 1), and its index. */
  private open: LeadJobData[] = [];
  private openIndex = -1;
  private readonly rowsPerJob: number;
  private readonly inFlight: Promise<void>[] = [];
  private failure: unknown;
  private readonly batchSize: number;
  private readonly maxInFlight: number;

  constructor(private readonly options: EnqueuerOptions) {
    this.batchSize = options.batchSize ?? 200;
    this.maxInFlight = options.maxInFlight ?? 4;
    this.rowsPerJob = Math.max(1, Math.floor(options.rowsPerJob ?? 1));
  }

  /** Buffers a job; returns a promise only when a batch was sent (await it: backpressure). */
  add(job: LeadJobData): Promise<void> | undefined {
    if (this.rowsPerJob === 1) {
      this.batch.jobs.push(job);
    } else {
      const index = this.chunkOf(job);
      if (index !== this.openIndex) this.closeChunk();
      this.openIndex = index;
      this.open.push(job);
    }
    return this.buffered() >= this.batchSize ? this.flush() : undefined;
  }

  /** Buffers a rejected row; returns a promise only when a batch was sent. */
  reject(line: number, reject: RowReject, cells: string[]): Promise<void> | undefined {
    this.batch.rejects.push({ line, reject, cells: this.keptCells(cells) });
    return this.buffered() >= this.batchSize ? this.flush() : undefined;
  }

  /** Characters of rejected rows' cells the ledger has been given so far by this run. */
  private keptRejectChars = 0;

  /**
   * What the ledger keeps of a rejected row's cells, for `report` (`--rejects` writes them whole, from the file): each
   * cell at most {@link MAX_KEPT_CELL_CHARS}, which every field Pipedrive takes fits, and, once this run has kept
   * {@link MAX_KEPT_REJECT_CHARS} of them, {@link MAX_SPARE_CELL_CHARS}. A cut cell says so at its end. Every import
   * shares the Redis: 600 rejected rows of one 900,000-character cell each took 550 MB of it.
   */
  private keptCells(cells: string[]): string[] {
    const whole = this.options.maxKeptRejectChars ?? MAX_KEPT_REJECT_CHARS;
    const max = this.keptRejectChars < whole ? MAX_KEPT_CELL_CHARS : MAX_SPARE_CELL_CHARS;
    const kept = cells.map((c) =>
      c.length > max ? `${c.slice(0, max)}… [cut: ${c.length - max} more characters in the file]` : c,
    );
    for (const c of kept) this.keptRejectChars += c.length;
    return kept;
  }

  /** The index of the chunk a row goes in (k > 1): turns `c × k + 1` … `(c + 1) × k` make chunk c. */
  private chunkOf(row: LeadJobData): number {
    return Math.floor((turnOf(row) - 1) / this.rowsPerJob);
  }

  /** Rows in the batch (the chunk being filled waits for its last row). */
  private buffered(): number {
    let rows = this.batch.jobs.length + this.batch.rejects.length;
    for (const chunk of this.batch.chunks) rows += chunk.length;
    return rows;
  }

  private closeChunk(): void {
    if (this.open.length > 0) this.batch.chunks.push(this.open);
    this.open = [];
  }

  /** Sends what is buffered and waits for every batch. Throws the first failure. */
  async finish(): Promise<EnqueueCounts> {
    this.closeChunk();
    await this.flush();
    while (this.inFlight.length) await this.inFlight.shift();
    if (this.failure) throw this.failure;
    return this.counts;
  }

  /**
   * Sends what is buffered but the chunk still being filled, and waits for every batch: for a read stopped midway
   * (Ctrl-C). That chunk's rows are not in the ledger yet, so the re-run forms the chunk whole rather than adding the
   * rest of its rows one job each.
   */
  async stop(): Promise<EnqueueCounts> {
    this.open = [];
    this.openIndex = -1;
    return this.finish();
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    const batch = this.batch;
    if (batch.jobs.length === 0 && batch.chunks.length === 0 && batch.rejects.length === 0) return;
    this.batch = { jobs: [], chunks: [], rejects: [] };
    const sending = this.send(batch).catch((err: unknown) => {
      this.failure ??= err;
    });
    this.inFlight.push(sending);
    while (this.inFlight.length >= this.maxInFlight) await this.inFlight.shift();
    if (this.failure) throw this.failure;
  }

  private async send(batch: Batch): Promise<void> {
    const { ledger, importId, queue } = this.options;
    const rejecting = Promise.all(
      batch.rejects.map(({ line, reject, cells }) => ledger.recordRejected(importId, line, reject, cells)),
    );
    if (batch.jobs.length > 0) {
      const fresh = await ledger.markEnqueued(
        importId,
        batch.jobs.map((j) => j.line),
      );
      const toAdd: LeadJobData[] = [];
      const known: LeadJobData[] = [];
      batch.jobs.forEach((job, i) => {
        if (fresh[i]) toAdd.push(job);
        else known.push(job);
      });
      this.counts.enqueued += toAdd.length;
      this.counts.alreadyImported += known.length;
      if (known.length > 0) {
        const lost = await this.findLostJobs(known);
        this.counts.requeued += lost.length;
        toAdd.push(...lost);
      }
      if (toAdd.length > 0) {
        await queue.addBulk(
          toAdd.map((data) => ({
            name: LEAD_JOB_NAME,
            data,
            opts: leadJobOptions(
              importId,
              data.line,
              leadPriority(turnOf(data), this.options.weight, this.options.startTurn),
            ),
          })),
        );
      }
    }
    if (batch.chunks.length > 0) await this.sendChunks(batch.chunks);
    // Only rows whose rejection this run recorded: a re-run of the same import counts nothing again.
    const newlyRejected = (await rejecting).filter((r) => r.applied).length;
    if (newlyRejected > 0) {
      this.options.metrics.recordOutcome('rejected', newlyRejected);
      await this.options.metrics.flush();
    }
    this.counts.rejected += batch.rejects.length;
  }

  /** Chunks of rows (k > 1): see the class comment. */
  private async sendChunks(chunks: LeadJobData[][]): Promise<void> {
    const { ledger, importId, queue } = this.options;
    const lines = chunks.flat().map((j) => j.line);
    const fresh = await ledger.markEnqueued(importId, lines);
    const whole: LeadJobData[][] = [];
    const alone: LeadJobData[] = [];
    const known: { row: LeadJobData; chunk: number }[] = [];
    let at = 0;
    for (const rows of chunks) {
      const flags = fresh.slice(at, at + rows.length);
      at += rows.length;
      const chunk = this.chunkOf(rows[0]!);
      if (flags.every(Boolean)) whole.push(rows);
      else
        rows.forEach((row, i) => {
          if (flags[i]) alone.push(row);
          else known.push({ row, chunk });
        });
    }
    this.counts.enqueued += fresh.filter(Boolean).length;
    this.counts.alreadyImported += known.length;
    if (known.length > 0) {
      const lost = await this.findLostChunkRows(known);
      this.counts.requeued += lost.length;
      alone.push(...lost);
    }
    const { weight, startTurn } = this.options;
    const adds: Parameters<typeof queue.addBulk>[0] = whole.map((rows) => {
      const chunk = this.chunkOf(rows[0]!);
      const data: LeadChunkJobData = { v: 1, importId, chunk, rows };
      return {
        name: LEAD_CHUNK_JOB_NAME,
        data,
        opts: leadChunkJobOptions(importId, chunk, leadPriority(turnOf(rows[0]!), weight, startTurn)),
      };
    });
    for (const row of alone) {
      adds.push({
        name: LEAD_JOB_NAME,
        // Its checkpoint under its own key and taken only while Pending, as a chunk's row: it may meet its chunk.
        data: { ...row, cpKey: 1 },
        opts: leadJobOptions(importId, row.line, leadPriority(turnOf(row), weight, startTurn)),
      });
    }
    if (adds.length > 0) await queue.addBulk(adds);
  }

  /**
   * Known rows of chunks the ledger has as Pending with neither their chunk nor a single-row job of theirs: the
   * existence of both is read first and the row states after, as {@link findLostJobs} does (a chunk completes only
   * once each of its rows is recorded or split out as a single-row job, and that job is removed only once the row is
   * recorded).
   */
  private async findLostChunkRows(known: { row: LeadJobData; chunk: number }[]): Promise<LeadJobData[]> {
    const { importId } = this.options;
    const exist = await jobsExist(this.options.queue, [
      ...known.map(({ chunk }) => chunkJobIdFor(importId, chunk)),
      ...known.map(({ row }) => jobIdFor(importId, row.line)),
    ]);
    return this.stillPending(
      known.map((k) => k.row),
      known.map((_, i) => !exist[i] && !exist[known.length + i]),
    );
  }

  /** Rows the ledger has as Pending but whose job is gone (see the class comment for the order). */
  private async findLostJobs(known: LeadJobData[]): Promise<LeadJobData[]> {
    const { importId } = this.options;
    const exist = await jobsExist(
      this.options.queue,
      known.map((job) => jobIdFor(importId, job.line)),
    );
    return this.stillPending(
      known,
      exist.map((found) => !found),
    );
  }

  /**
   * Of known rows, those whose job was found missing (`missing[i]`) and that the ledger has as Pending, read after
   * the jobs' existence. Counts every known row as queued (Pending) or finished: "already imported" was printed for
   * rows no worker had taken yet.
   */
  private async stillPending(known: LeadJobData[], missing: boolean[]): Promise<LeadJobData[]> {
    if (known.length === 0) return [];
    const states = await this.options.ledger.rowStates(
      this.options.importId,
      known.map((j) => j.line),
    );
    const queued = states.filter((state) => state === RowState.Pending).length;
    this.counts.alreadyQueued += queued;
    this.counts.alreadyFinished += known.length - queued;
    return known.filter((_, i) => missing[i] && states[i] === RowState.Pending);
  }
}
