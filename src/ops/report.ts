import type { Queue } from 'bullmq';
import { DEFAULT_CONNECTION } from '../config/config.js';
import { CsvWriter } from '../csv/csv-writer.js';
import type { DeadLetterJobData } from '../queue/dead-letter.js';
import { isChunkJobData, type LeadJobData, type LeadQueueJobData } from '../queue/job-data.js';
import { type RowOutcome, RowState } from '../queue/ledger.js';
import { chunkJobIdFor, jobIdFor } from '../queue/names.js';
import { ImportConnectionError } from './import-connection-error.js';
import { ImportNotFoundError } from './import-not-found-error.js';
import type { OpsContext } from './ops-context.js';
import { lastLine, linesInState, readRowStates, stateAt } from './row-scan.js';

export const REPORT_COLUMNS = [
  'line',
  'outcome',
  'lead_id',
  'note_id',
  'person_id',
  'organization_id',
  'person',
  'organization',
  'error',
] as const;

export interface ReportOptions {
  importId: string;
  /** Path of the CSV file to write (overwritten). */
  out: string;
  /** Lines per Redis round trip. @defaultValue 1000 */
  batchSize?: number;
  /** Refuse unless the import goes to this connection (`--connection NAME`). @defaultValue any */
  connection?: string;
}

export interface ReportSummary {
  importId: string;
  out: string;
  /** Lines written (one per input row). */
  rows: number;
  /** `reverted`: created rows whose lead `revert` deleted (not counted as `created` here). */
  byOutcome: Record<'created' | 'reverted' | 'rejected' | 'dead-lettered' | 'cancelled' | 'pending', number>;
  /** Rows whose original cells were still in Redis and went into the file. */
  rowsWithInput: number;
}

/**
 * Writes one line per input row, in input order (a row the import read: blank lines and rows of empty cells
 * are skipped by the CSV reader and counted nowhere): the outcome and Pipedrive ids, then the row's
 * original columns where Redis still holds them.
 *
 * Original cells are kept only for rows that may need a person's attention: rejected rows
 * (ledger), dead-lettered rows (their DLQ job) and pending rows (their queued job). Created and
 * cancelled rows keep only ids: storing every row's cells would cost as much Redis memory as the
 * file itself, for data the user already has — join on `line` with the source file.
 */
export async function writeReport(ctx: OpsContext, options: ReportOptions): Promise<ReportSummary> {
  const record = await ctx.ledger.getImport(options.importId);
  if (!record) throw new ImportNotFoundError(options.importId, ctx.prefix);
  ImportConnectionError.check(record, options.connection);
  const { importId } = options;
  const header = record.header;
  const writer = await CsvWriter.create(options.out, [...REPORT_COLUMNS, ...inputColumnNames(header)], {
    option: '--out',
  });
  const summary: ReportSummary = {
    importId,
    out: options.out,
    rows: 0,
    byOutcome: { created: 0, reverted: 0, rejected: 0, 'dead-lettered': 0, cancelled: 0, pending: 0 },
    rowsWithInput: 0,
  };
  try {
    const snapshot = await readRowStates(ctx.redis, ctx.ledger, importId);
    // A reverted row stays Created in the ledger; its lead is gone, and a report calling it created would send the
    // reader to a deleted lead.
    const reverted = await ctx.ledger.revertedLeads(importId);
    const goneBefore = await ctx.ledger.leadsGoneBeforeRevert(importId);
    const chunks =
      record.rowsPerJob > 1
        ? new ChunkCells(ctx.leadQueueOf(record.connection), importId, record.rowsPerJob, snapshot)
        : undefined;
    for (const lines of linesInState(snapshot, undefined, options.batchSize ?? 1000)) {
      const outcomes = await ctx.ledger.outcomes(importId, lines);
      const cells = await originalCells(ctx, importId, lines, outcomes, record.connection, chunks);
      for (const [i, line] of lines.entries()) {
        const outcome = outcomes[i]!;
        if (outcome.state === 'unknown') continue;
        const input = cells[i];
        if (input) summary.rowsWithInput++;
        summary.rows++;
        const wasReverted = outcome.state === 'created' && reverted.has(outcome.leadId);
        summary.byOutcome[wasReverted ? 'reverted' : outcome.state]++;
        await writer.write([
          ...(wasReverted
            ? revertedColumns(line, outcome, goneBefore.has(outcome.leadId))
            : outcomeColumns(line, outcome)),
          ...fitToHeader(input, header.length),
        ]);
      }
    }
  } catch (err) {
    // A report cut short by an error would pass for a whole one: keep the previous file instead.
    await writer.abort();
    throw err;
  }
  await writer.close();
  return summary;
}

/**
 * The original cells of each line where Redis still has them (null elsewhere); pending rows' from `connection`'s
 * queue: the row's own job, or (an import of several rows per job) the chunk job that holds it.
 */
export async function originalCells(
  ctx: OpsContext,
  importId: string,
  lines: number[],
  outcomes: RowOutcome[],
  connection: string = DEFAULT_CONNECTION,
  chunks?: ChunkCells,
): Promise<(string[] | null)[]> {
  const rejectedLines = lines.filter((_, i) => outcomes[i]?.state === 'rejected');
  const rejected = new Map<number, string[] | null>();
  const rejectedCells = await ctx.ledger.rejectedCells(importId, rejectedLines);
  rejectedLines.forEach((line, i) => void rejected.set(line, rejectedCells[i] ?? null));
  return Promise.all(
    lines.map(async (line, i) => {
      switch (outcomes[i]?.state) {
        case 'rejected':
          return rejected.get(line) ?? null;
        case 'dead-lettered': {
          const job = await ctx.deadLetterQueue.getJob(jobIdFor(importId, line));
          return (job?.data as DeadLetterJobData | undefined)?.job.cells ?? null;
        }
        case 'pending': {
          const job = await ctx.leadQueueOf(connection).getJob(jobIdFor(importId, line));
          const own = (job?.data as LeadJobData | undefined)?.cells;
          // A chunk's row has a job of its own only once split out of it (to wait or retry).
          return own ?? (await chunks?.cellsOf(line)) ?? null;
        }
        default:
          return null;
      }
    }),
  );
}

/**
 * The cells of pending rows still inside their chunk job (an import of k > 1 rows per job). A chunk holds the rows
 * of turns `c × k + 1` … `(c + 1) × k`, a row's turn being its place among the import's valid rows: the lines the
 * ledger knows that were not rejected, counted from the snapshot. The chunk found is checked for the line (and
 * its neighbours tried: an import still being read may not have marked every earlier line yet). Chunks are read
 * once each; the lines come in order, so only the last few are kept.
 */
export class ChunkCells {
  private turns: Uint32Array | undefined;
  private readonly read = new Map<number, Promise<Map<number, string[]>>>();

  constructor(
    private readonly queue: Queue,
    private readonly importId: string,
    private readonly rowsPerJob: number,
    private readonly snapshot: Buffer,
  ) {}

  async cellsOf(line: number): Promise<string[] | null> {
    const turn = this.turnOf(line);
    if (turn === 0) return null;
    const chunk = Math.floor((turn - 1) / this.rowsPerJob);
    for (const c of [chunk, chunk - 1, chunk + 1]) {
      if (c < 0) continue;
      const cells = (await this.chunk(c)).get(line);
      if (cells) return cells;
    }
    return null;
  }

  private turnOf(line: number): number {
    if (!this.turns) {
      const last = lastLine(this.snapshot);
      this.turns = new Uint32Array(last + 1);
      let valid = 0;
      for (let l = 1; l <= last; l++) {
        const state = stateAt(this.snapshot, l);
        if (state !== RowState.None && state !== RowState.Rejected) valid++;
        this.turns[l] = valid;
      }
    }
    return this.turns[line] ?? 0;
  }

  private chunk(c: number): Promise<Map<number, string[]>> {
    let cells = this.read.get(c);
    if (!cells) {
      cells = this.queue.getJob(chunkJobIdFor(this.importId, c)).then((job) => {
        const data = job?.data as LeadQueueJobData | undefined;
        return new Map(
          data && isChunkJobData(data)
            ? data.rows.flatMap((row) => (row.cells ? [[row.line, row.cells] as const] : []))
            : [],
        );
      });
      this.read.set(c, cells);
      // Lines come in order: older chunks are not asked for again.
      if (this.read.size > 16) this.read.delete(this.read.keys().next().value as number);
    }
    return cells;
  }
}

function outcomeColumns(line: number, outcome: RowOutcome): unknown[] {
  switch (outcome.state) {
    case 'created':
      return [
        line,
        'created',
        outcome.leadId,
        outcome.noteId,
        outcome.personId,
        outcome.organizationId,
        outcome.personId === undefined ? '' : outcome.personCreated ? 'created' : 'reused',
        outcome.organizationId === undefined ? '' : outcome.organizationCreated ? 'created' : 'reused',
        outcome.noteError ? `the lead was created, but Pipedrive refused its note: ${outcome.noteError}` : '',
      ];
    case 'rejected':
      return [line, 'rejected', '', '', '', '', '', '', rejectionText(outcome)];
    case 'dead-lettered':
      return [line, 'dead-lettered', '', '', '', '', '', '', failureText(outcome)];
    default:
      return [line, outcome.state, '', '', '', '', '', '', ''];
  }
}

/**
 * A created row whose lead `revert` deleted, or found gone before it came: its ids as they were, for the record, and
 * what became of them.
 */
function revertedColumns(
  line: number,
  outcome: RowOutcome & { state: 'created' },
  goneBefore: boolean,
): unknown[] {
  const columns = outcomeColumns(line, outcome);
  columns[1] = 'reverted';
  columns[columns.length - 1] = goneBefore
    ? 'the lead was gone before lead-importer revert came (converted into a deal, or deleted by hand)'
    : 'the lead was deleted by lead-importer revert';
  return columns;
}

export function rejectionText(outcome: { column?: string; reason: string }): string {
  return outcome.column && !outcome.reason.includes(outcome.column)
    ? `${outcome.column}: ${outcome.reason}`
    : outcome.reason;
}

export function failureText(outcome: { errorClass: string; message: string; httpStatus?: number }): string {
  const status = outcome.httpStatus ? ` (HTTP ${outcome.httpStatus})` : '';
  return `${outcome.errorClass}${status}: ${outcome.message}`;
}

/**
 * The input's column names, after the report's own: one named like a report column (a `dlq export` file has its own
 * `line` and `error`) gets ` (input)` after it, so a join on `line` finds one column. Compared case-insensitively, as
 * spreadsheets and joins do.
 */
export function inputColumnNames(header: readonly string[]): string[] {
  const taken = new Set<string>(REPORT_COLUMNS);
  return header.map((h) => {
    let name = h;
    while (taken.has(name.toLowerCase())) name = `${name} (input)`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** Cells padded or cut to the header's width, so every line of the file has the same columns. */
export function fitToHeader(cells: string[] | null | undefined, width: number): string[] {
  const out = (cells ?? []).slice(0, width);
  while (out.length < width) out.push('');
  return out;
}
