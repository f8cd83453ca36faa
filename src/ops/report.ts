import { DEFAULT_CONNECTION } from '../config/config.js';
import { CsvWriter } from '../csv/csv-writer.js';
import type { DeadLetterJobData } from '../queue/dead-letter.js';
import type { LeadJobData } from '../queue/job-data.js';
import type { RowOutcome } from '../queue/ledger.js';
import { jobIdFor } from '../queue/names.js';
import { ImportConnectionError } from './import-connection-error.js';
import { ImportNotFoundError } from './import-not-found-error.js';
import type { OpsContext } from './ops-context.js';
import { linesInState, readRowStates } from './row-scan.js';

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
  byOutcome: Record<'created' | 'rejected' | 'dead-lettered' | 'cancelled' | 'pending', number>;
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
  const writer = await CsvWriter.create(options.out, [...REPORT_COLUMNS, ...header], { option: '--out' });
  const summary: ReportSummary = {
    importId,
    out: options.out,
    rows: 0,
    byOutcome: { created: 0, rejected: 0, 'dead-lettered': 0, cancelled: 0, pending: 0 },
    rowsWithInput: 0,
  };
  try {
    const snapshot = await readRowStates(ctx.redis, ctx.ledger, importId);
    for (const lines of linesInState(snapshot, undefined, options.batchSize ?? 1000)) {
      const outcomes = await ctx.ledger.outcomes(importId, lines);
      const cells = await originalCells(ctx, importId, lines, outcomes, record.connection);
      for (const [i, line] of lines.entries()) {
        const outcome = outcomes[i]!;
        if (outcome.state === 'unknown') continue;
        const input = cells[i];
        if (input) summary.rowsWithInput++;
        summary.rows++;
        summary.byOutcome[outcome.state]++;
        await writer.write([...outcomeColumns(line, outcome), ...fitToHeader(input, header.length)]);
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

/** The original cells of each line where Redis still has them (null elsewhere); pending rows' from `connection`'s queue. */
export async function originalCells(
  ctx: OpsContext,
  importId: string,
  lines: number[],
  outcomes: RowOutcome[],
  connection: string = DEFAULT_CONNECTION,
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
          return (job?.data as LeadJobData | undefined)?.cells ?? null;
        }
        default:
          return null;
      }
    }),
  );
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

export function rejectionText(outcome: { column?: string; reason: string }): string {
  return outcome.column && !outcome.reason.includes(outcome.column)
    ? `${outcome.column}: ${outcome.reason}`
    : outcome.reason;
}

export function failureText(outcome: { errorClass: string; message: string; httpStatus?: number }): string {
  const status = outcome.httpStatus ? ` (HTTP ${outcome.httpStatus})` : '';
  return `${outcome.errorClass}${status}: ${outcome.message}`;
}

/** Cells padded or cut to the header's width, so every line of the file has the same columns. */
export function fitToHeader(cells: string[] | null | undefined, width: number): string[] {
  const out = (cells ?? []).slice(0, width);
  while (out.length < width) out.push('');
  return out;
}
