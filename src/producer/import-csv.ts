import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve as resolvePath } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { burstLimitPer2s, type Config, connectionOf, DEFAULT_CONNECTION } from '../config/config.js';
import { CsvWriter } from '../csv/csv-writer.js';
import { checkOutputPath } from '../csv/output-path.js';
import { REJECTS_COLUMNS } from '../csv/own-columns.js';
import { UsageError } from '../errors/usage-error.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import { formatCount, formatUtc, lineSpan, printable } from '../ops/format.js';
import { PipedriveClient } from '../pipedrive/client.js';
import { clientOptionsForConnection } from '../pipedrive/client-options-from-config.js';
import { PipedriveRateLimitError } from '../pipedrive/errors.js';
import type { PipedriveApi } from '../pipedrive/types.js';
import {
  connectRedis,
  createRedis,
  isClusterRedis,
  RedisUnavailableError,
  redactRedisUrl,
} from '../queue/connection.js';
import type { LeadQueueJobData } from '../queue/job-data.js';
import { IMPORT_PRIORITY_DEFAULT, IMPORT_PRIORITY_MAX, importStartTurn } from '../queue/job-options.js';
import { ImportLedger, type ImportRecord, type ImportState, PRODUCER_HEARTBEAT_MS } from '../queue/ledger.js';
import { assertImportId, leadQueueName, queuePrefix } from '../queue/names.js';
import { nextLeadPriority } from '../queue/queue-head.js';
import { quietAfterClose } from '../queue/quiet-connection.js';
import { isTransientRedisError } from '../queue/transient-redis-error.js';
import { workersServing } from '../queue/workers-serving.js';
import { readControl } from '../worker/control.js';
import { type CsvFile, openCsv } from './csv-reader.js';
import { parseDelimiterOption } from './delimiter.js';
import { DistinctCounter } from './distinct-counter.js';
import { CSV_ENCODINGS, type CsvEncoding, parseEncodingName } from './encoding.js';
import { LeadEnqueuer } from './enqueuer.js';
import { CsvFormatError, ImportInterruptedError } from './errors.js';
import { type Estimate, estimateImport } from './estimate.js';
import { mapFile } from './map-file.js';
import { describeMapping, type MappingDescription } from './mapping.js';
import { printMapping } from './mapping-printer.js';
import { checkMappingSpec, loadMappingFile, locateMappingErrors, type MappingSpec } from './mapping-spec.js';
import { type DateOrder, type DecimalMark, parseDateOrder, parseDecimalMark } from './normalise.js';
import { createRowValidator, type RowReject } from './row-validator.js';
import { SectionTitleCheck } from './section-titles.js';
import { type CheckedRow, ShortRowCheck } from './short-rows.js';
import { WriteSettle } from './write-settle.js';

export interface ImportCsvOptions {
  /** Path of the CSV file. */
  file: string;
  config: Config;
  /**
   * The Pipedrive company to import into (a connection of `config`): its users, labels and fields bind the
   * mapping, its plan and budget make the estimate, and the rows go to its queue.
   * @defaultValue `config.defaultConnection` (`default` without a connections file)
   */
  connection?: string;
  /** A mapping file path (`.yaml`/`.yml`/`.json`) or a mapping object. @defaultValue automatic mapping */
  mapping?: string | MappingSpec;
  /** @defaultValue `imp-` + 12 hex of sha256(file bytes, mapping, options and, but for `default`, the connection) */
  importId?: string;
  /**
   * The import's weight among the imports of its connection, 1…100: its rows take `priority` turns for
   * every turn of a weight-1 import (see `leadPriority`). Kept on the import's record when it is created;
   * a re-run keeps the recorded one. @defaultValue 1
   */
  priority?: number;
  /** Read and validate everything, estimate the cost; enqueue nothing, touch no Redis. */
  dryRun?: boolean;
  /** Call no Pipedrive endpoint (names of labels, owners, custom fields stay unresolved). Dry runs only. */
  offline?: boolean;
  /** `{organization} – {name}` */
  titleTemplate?: string;
  /** `DD/MM/YYYY` or `MM/DD/YYYY` for ambiguous dates. */
  dateFormat?: string;
  /**
   * The decimal separator of the file's amounts, `,` or `.`: what a lone separator before three digits
   * means (`1.500`: 1500 with `,`, 1.5 with `.`). @defaultValue inferred from the file's other amounts
   * (and its dates), else thousands
   */
  decimal?: string;
  /**
   * `fill-empty`: a person or organization that exists in Pipedrive already gets the row's values
   * in the fields where it has none (never overwriting). @defaultValue `never`: existing contacts
   * are linked as they are.
   */
  updateContacts?: 'never' | 'fill-empty';
  /** Overrides encoding detection: utf-8, utf-16le, utf-16be, windows-1252, macintosh, windows-1250, windows-1251, cp850. */
  encoding?: string;
  /** Overrides delimiter detection: `,` `;` `|` `tab`. */
  delimiter?: string;
  /** Currency of amounts that name none. @defaultValue mapping's defaults.currency, else the API user's */
  currency?: string;
  /** Write rejected rows (original columns + line, column, reason) to this CSV file. */
  rejectsFile?: string;
  /** A Redis connection to use (not closed). @defaultValue a fail-fast connection to `config.redisUrl` */
  redis?: Redis;
  /** The Pipedrive API to read reference data from. @defaultValue a client of the connection */
  pipedrive?: PipedriveApi;
  /**
   * Stops the read between two batches of rows (the CLI aborts it on SIGINT or SIGTERM, with the signal as reason):
   * the rows read so far are enqueued, the import is marked failed, and an {@link ImportInterruptedError} says how far
   * it got and to run the same import again.
   */
  signal?: AbortSignal;
  /** Called about every `progressIntervalMs` while reading, and once at the end. */
  onProgress?: (progress: ImportProgress) => void;
  /** @defaultValue 250 */
  progressIntervalMs?: number;
  /** Rows per `addBulk`. @defaultValue 200 */
  batchSize?: number;
  /**
   * Rows per BullMQ job for a new import (kept with it; a re-run uses the recorded one).
   * @defaultValue `config.rowsPerJob` (`LEAD_IMPORTER_ROWS_PER_JOB`, 1)
   */
  rowsPerJob?: number;
  /** Batches in flight. @defaultValue 4 */
  maxInFlight?: number;
  /** How many rejects the summary keeps. @defaultValue 20 */
  maxRejectsInSummary?: number;
  /** Distinct people the repeated-person check of a Zoom or Eventbrite report holds (tests). @defaultValue 200,000 */
  repeatedPersonLimit?: number;
}

export interface ImportProgress {
  rowsRead: number;
  rejected: number;
  bytesRead: number;
  totalBytes: number;
  elapsedMs: number;
  done: boolean;
}

export interface RejectedRow {
  line: number;
  column?: string;
  reason: string;
}

/** What happened, as `import --json` prints it. */
export interface ImportSummary {
  importId: string;
  /** The connection (Pipedrive company) the rows go to. */
  connection: string;
  /** The import's weight among its connection's imports (`--priority`; a re-run keeps the recorded one). */
  priority: number;
  file: string;
  fileSize: number;
  fileHash: string;
  encoding: CsvEncoding;
  delimiter: string;
  header: string[];
  dryRun: boolean;
  /** Data rows read (blank lines excluded). */
  rows: number;
  /** Rows that passed validation. */
  valid: number;
  /** Valid rows with a note for their lead (10 tokens each). */
  notes: number;
  /** Lines before the header that were skipped (a report's title, LinkedIn's notes, Excel's `sep=`). */
  preamble: { line: number; text: string }[];
  /** A header of two lines: the line of groups over the columns' names, read with them. */
  headerGroups?: { line: number; names: string[]; renamed: string[] };
  /** Lines after the header that are more of it (Qualtrics' import ids): skipped, no rows. */
  headerLinesAfter?: number[];
  /** Lines after the data that were skipped (a Salesforce report's footer). */
  footer: { line: number; text: string }[];
  /** The imported table's name in a report of several named tables (Zoom's `Attendee Details`). */
  table?: { line: number; text: string };
  /** Named tables before the imported one, not read (Zoom's summary, `Host Details`…): each its name, first and last line. */
  tablesBefore: { title: string; line: number; lastLine: number }[];
  /** Named tables after the rows, not read (Zoom's `Other Attended`): each its name, first and last line. */
  tablesAfter: { title: string; line: number; lastLine: number }[];
  /** The mapping as a mapping file (YAML) to start from: `--print-mapping`. */
  mappingFile: string;
  /** Rows enqueued by this run. */
  enqueued: number;
  /**
   * Valid rows an earlier run of this import already enqueued, queued or finished; not enqueued again. The sum of
   * `alreadyQueued` and `alreadyFinished`.
   */
  alreadyImported: number;
  /** Of those, rows still queued (pending) when this run read them: no worker had finished them yet. */
  alreadyQueued: number;
  /** Of those, rows that had finished (created, dead-lettered or cancelled). */
  alreadyFinished: number;
  /** Of those, rows whose job had been lost (killed producer) and was added again. */
  requeued: number;
  /**
   * Rows this run enqueued that a Redis restart under it lost and that it added again (the file read again: see
   * {@link importCsv}). Counted once in `enqueued` as well.
   */
  readded: number;
  rejected: number;
  /**
   * Of the rejected rows, those that only repeat a person of a report with a row per visit or ticket (a Zoom viewer
   * who rejoined): the person's lead comes from their first row, so these are not failures (the exit code is not 3).
   */
  repeated: number;
  /**
   * Of the rejected rows, the lines that are the sheet's layout, not data (a section's title and the header repeated
   * under it, an item's subitems, as monday.com writes a board): not failures either.
   */
  layout?: number;
  /**
   * Of the rejected rows, those of the file owner's own side that the report lists beside its people (a Teams
   * meeting's organizer): no leads, and not failures either.
   */
  ownSide?: number;
  distinctPersons: number;
  /** Distinct emails: counted by a dry run only (for its report); absent from a real import's summary. */
  distinctEmails?: number;
  distinctOrganizations: number;
  /** Whether the distinct counts are exact (they are estimates above 65,536 values). */
  distinctExact: boolean;
  firstRejects: RejectedRow[];
  /** Rejected rows per column at fault (the column's header; `(row)` for the row as a whole). */
  rejectsByColumn: Record<string, number>;
  mapping: MappingDescription;
  estimate: Estimate;
  /** Tokens spent reading reference data from Pipedrive (0 offline). */
  referenceTokens: number;
  /** The import's state after this run (absent for a dry run). */
  state?: ImportState;
  /**
   * Rows whose lead `lead-importer revert` deleted (absent when none). They stay finished: a re-run does not create
   * them again (a revert is undone only on purpose, by an import under another `--import-id`).
   */
  reverted?: number;
  /**
   * Worker processes taking rows from the connection's queue when the run ended (BullMQ's `getWorkersCount`, from
   * `CLIENT LIST`); absent for a dry run, a finished import, or where Redis does not list its clients (an ACL
   * refusing `CLIENT`, a managed Redis without it).
   */
  workersServing?: number;
  /** What holds the rows back while workers serve the connection: a pause, a block, a spent budget. */
  heldBack?: string;
  rejectsFile?: string;
  /** Things the user should know that did not stop the import. */
  warnings: string[];
  durationMs: number;
}

/**
 * Imports a CSV file: reads it as a stream, validates and normalises every row, writes one job
 * per valid row to the lead queue and every row's fate to the import ledger, and returns a
 * summary. Running it again with the same file and mapping enqueues nothing new; after a crash
 * it resumes. Throws a {@link UsageError} subclass for anything the user must fix (the CLI
 * exits 2), and lets a failure of Redis propagate after marking the import failed.
 *
 * A Redis that restarted while the import was written (a new `run_id` once its writes are on disk,
 * {@link WriteSettle}) may have lost the last of them: the file is read again, and the rows that went missing are
 * added again (`readded`), up to {@link MAX_PASSES} passes.
 */
export async function importCsv(options: ImportCsvOptions): Promise<ImportSummary> {
  const started = Date.now();
  const first = await importPass(options);
  let last = first;
  let readded = 0;
  let referenceTokens = first.referenceTokens;
  const warnings = [...first.warnings];
  for (let pass = 1; last.restart; pass++) {
    const server = `server ${last.restart.from.slice(0, 8)}… → ${last.restart.to.slice(0, 8)}…`;
    if (pass >= MAX_PASSES) {
      throw new RedisUnavailableError(
        `Redis restarted ${pass} times while import ${first.importId} was being written (${server}); rows may be missing. Run the same import command again once Redis is stable: rows already enqueued are not enqueued twice.`,
      );
    }
    // The same import: its id, and the same bytes (a file changed meanwhile would be another import, its rows again).
    // The rows an earlier run had enqueued are the first pass's count: this pass finds the first pass's own rows in
    // the ledger too, and its count would record them on the import as an earlier run's.
    last = await importPass({ ...options, importId: first.importId }, first.fileHash, first.alreadyImported);
    const added = last.enqueued + last.requeued;
    readded += added;
    referenceTokens += last.referenceTokens;
    warnings.push(
      added === 0
        ? `Redis restarted while this import was being written (${server}); the file was read again to check: Redis had every row.`
        : `Redis restarted while this import was being written (${server}) and lost some of it (a power loss or a failover loses the last second): the file was read again and the ${formatCount(added)} row${added === 1 ? '' : 's'} Redis no longer had ${added === 1 ? 'was' : 'were'} added again.`,
    );
  }
  const { restart: _, workersServing: __, heldBack: ___, ...summary } = first;
  return {
    ...summary,
    readded,
    referenceTokens,
    warnings,
    ...(last.state ? { state: last.state } : {}),
    ...(last.workersServing !== undefined ? { workersServing: last.workersServing } : {}),
    ...(last.heldBack !== undefined ? { heldBack: last.heldBack } : {}),
    durationMs: Date.now() - started,
  };
}

/** Imports, newest first, looked at for the same file sent to the same company through another connection. */
const SAME_FILE_IMPORTS_SCANNED = 500;

/**
 * The newest other import of the same file (same bytes) that created or still has rows, of the same Pipedrive
 * company when both companies are known (any company when this one is not). The default import id includes the
 * connection, so a connection renamed in the file gives the same file a new import — and creates its leads again in
 * the same company; so does another --import-id or mapping through the same connection. Cancelled imports, and ones
 * that created nothing, do not count.
 */
function sameFileElsewhere(
  records: readonly ImportRecord[],
  wanted: { importId: string; fileHash: string; connection: string; companyId: number | undefined },
): ImportRecord | undefined {
  return records.find(
    (r) =>
      r.importId !== wanted.importId &&
      r.fileHash === wanted.fileHash &&
      leadsAtStake(r) &&
      (wanted.companyId === undefined || r.companyId === undefined || r.companyId === wanted.companyId),
  );
}

/** An import whose leads a new import of its file would create again: not cancelled, with leads or rows pending. */
function leadsAtStake(r: ImportRecord): boolean {
  return r.state !== 'cancelled' && r.created - r.reverted + r.pending > 0;
}

/** The imports {@link sameFileElsewhere} and {@link grownFrom} look among: the newest, of every connection. */
function recentImports(ledger: ImportLedger): Promise<ImportRecord[]> {
  return ledger.listImports(SAME_FILE_IMPORTS_SCANNED);
}

/** What an earlier import of the same file did, and why a new one would do it again. */
function sameFileText(
  earlier: ImportRecord,
  displayName: string,
  connection: string,
  companyId: number | undefined,
): string {
  const company =
    earlier.connection === connection
      ? `through ${connection}`
      : companyId !== undefined && earlier.companyId === companyId
        ? `into the same Pipedrive company (${companyId})`
        : `through connection ${earlier.connection}${earlier.companyId !== undefined ? ` (company ${earlier.companyId})` : ''}, which may be the same Pipedrive company`;
  const done = `${earlier.created - earlier.reverted} lead${earlier.created - earlier.reverted === 1 ? '' : 's'} created${earlier.pending > 0 ? `, ${earlier.pending} rows pending` : ''}`;
  return `${displayName} was imported before ${company}, as import ${earlier.importId} (connection ${earlier.connection}: ${done}): a new import ${earlier.connection === connection ? 'of it' : `through ${connection}`} creates those leads again.`;
}

interface ImportIdentity {
  importId: string;
  fileHash: string;
  connection: string;
  companyId: number | undefined;
}

/**
 * A new import of a file imported before (see {@link sameFileElsewhere}): refused (a {@link UsageError}) when it goes
 * through another connection of the same company and nothing asked for a second import, else the warning to give
 * (the same connection with a new id: --import-id, another mapping), or undefined.
 */
async function sameFileCheck(
  ledger: ImportLedger,
  wanted: ImportIdentity,
  options: Pick<ImportCsvOptions, 'importId' | 'file'>,
  displayName: string,
  companyOf?: () => Promise<number | undefined>,
): Promise<string | undefined> {
  const records = await recentImports(ledger);
  const earlier = sameFileElsewhere(records, wanted);
  if (!earlier) return grownFileCheck(records, wanted, options, displayName, companyOf);
  const { connection, companyId } = wanted;
  const text = sameFileText(earlier, displayName, connection, companyId);
  // Another connection known to be of the same company, and nothing asked for a second import: refused before
  // anything is written. Through the same connection a new id was asked for (--import-id, another mapping).
  if (options.importId === undefined && companyId !== undefined && earlier.connection !== connection) {
    throw new UsageError(
      `${text} If ${connection} is ${earlier.connection} renamed, name it ${earlier.connection} again in the connections file and run the import with --connection ${earlier.connection} to go on with that one; to import the file again anyway, pass --import-id with a new id.`,
    );
  }
  return text;
}

/**
 * The newest import of an earlier state of this file: rows appended since (a list that grew, an export run again later
 * and saved under a new name beside the old one). Its first `fileSize` bytes hash to that import's hash, so its lines
 * are that import's lines, and a new import (the default id names the whole file's bytes) would create their leads
 * again. Imports of the same connection, and of another connection of the same Pipedrive company (both companies
 * known); whatever their file's name. The file is read once, up to the largest candidate size (see
 * {@link prefixHashes}). `companyOf`: the company when `wanted` does not know it (the dry run asks only when an import
 * of another connection of a known company matched).
 */
async function grownFrom(
  records: readonly ImportRecord[],
  wanted: ImportIdentity,
  file: string,
  companyOf?: () => Promise<number | undefined>,
): Promise<ImportRecord | undefined> {
  const size = (await stat(file)).size;
  const candidates = records.filter(
    (r) =>
      r.importId !== wanted.importId &&
      leadsAtStake(r) &&
      r.fileSize > 0 &&
      r.fileSize < size &&
      r.fileHash !== '' &&
      (r.connection === wanted.connection ||
        (r.companyId !== undefined && (wanted.companyId === undefined || r.companyId === wanted.companyId))),
  );
  if (candidates.length === 0) return undefined;
  const hashes = await prefixHashes(
    file,
    candidates.map((r) => r.fileSize),
  );
  let companyId = wanted.companyId;
  let asked = companyId !== undefined;
  for (const r of candidates) {
    if (hashes.get(r.fileSize) !== r.fileHash) continue;
    if (r.connection === wanted.connection) return r;
    if (!asked && companyOf) {
      asked = true;
      companyId = await companyOf();
    }
    if (companyId !== undefined && r.companyId === companyId) return r;
  }
  return undefined;
}

/**
 * sha256 (hex, as {@link hashFile} gives it) of the file's first `sizes` bytes, each size: one read of the file, up to
 * the largest, through one hash, its state copied at each size (`hash.copy()`), so that 500 earlier imports cost one
 * read of the file, not 500.
 */
export async function prefixHashes(path: string, sizes: readonly number[]): Promise<Map<number, string>> {
  const bounds = [...new Set(sizes)].filter((n) => n > 0).sort((a, b) => a - b);
  const hashes = new Map<number, string>();
  if (bounds.length === 0) return hashes;
  const hash = createHash('sha256');
  let at = 0;
  let next = 0;
  const end = bounds[bounds.length - 1] as number;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, start: 0, end: end - 1 })) {
    let buf = chunk as Buffer;
    while (next < bounds.length && at + buf.length >= (bounds[next] as number)) {
      const take = (bounds[next] as number) - at;
      hash.update(buf.subarray(0, take));
      at += take;
      buf = buf.subarray(take);
      hashes.set(at, hash.copy().digest('hex'));
      next++;
    }
    if (buf.length > 0) {
      hash.update(buf);
      at += buf.length;
    }
  }
  return hashes;
}

/**
 * A file that is an earlier import's file with rows added: refused (a {@link UsageError}) unless an import id was
 * given, saying how to add only the new rows (`--import-id` of that import, and its connection: lines are matched by
 * number); with one, the warning.
 */
async function grownFileCheck(
  records: readonly ImportRecord[],
  wanted: ImportIdentity,
  options: Pick<ImportCsvOptions, 'importId' | 'file'>,
  displayName: string,
  companyOf?: () => Promise<number | undefined>,
): Promise<string | undefined> {
  const earlier = await grownFrom(records, wanted, options.file, companyOf);
  if (!earlier) return undefined;
  const leads = earlier.created - earlier.reverted;
  const named = earlier.fileName !== displayName ? ` (${earlier.fileName})` : '';
  const through =
    earlier.connection !== wanted.connection ? `, through connection ${earlier.connection},` : '';
  const text = `${displayName} is the file of import ${earlier.importId}${named}${through} with rows added after it (its first ${formatCount(earlier.fileSize)} bytes are that import's file, which created ${formatCount(leads)} lead${leads === 1 ? '' : 's'}${earlier.pending > 0 ? ` and has ${formatCount(earlier.pending)} rows pending` : ''}): a new import creates those leads again.`;
  if (options.importId === undefined) {
    const how =
      earlier.connection !== wanted.connection
        ? `with --connection ${earlier.connection} --import-id ${earlier.importId}`
        : `with --import-id ${earlier.importId}`;
    throw new UsageError(
      `${text} To add only the new rows, run the same command ${how} (rows are matched by line number: lines already enqueued are not enqueued again). To import every row again anyway, pass --import-id with a new id.`,
    );
  }
  return text;
}

/** An import that exists already, run again: refused when it is another connection's or cancelled; else warnings. */
function existingImportCheck(
  record: ImportRecord,
  wanted: Pick<ImportIdentity, 'fileHash' | 'connection'>,
  options: Pick<ImportCsvOptions, 'priority'>,
  displayName: string,
  mapping: MappingDescription,
): string[] {
  const { importId } = record;
  const changed = mappingChanges(record.mapping, mapping);
  if (changed.length > 0) {
    // Only an explicit --import-id gets here (the default id includes the mapping file and the options): its rows
    // would be read unlike those already imported (`verify --repair`'s re-run without the import's --mapping).
    throw new UsageError(
      `Import ${importId} was made with another mapping: ${changed.slice(0, 3).join('; ')}${changed.length > 3 ? `; and ${changed.length - 3} more` : ''}. Run it again with the --mapping file and options of its first run (\`lead-importer status ${importId} --json\` shows its mapping), or pass another --import-id to import ${displayName} as a new import.`,
    );
  }
  if (record.connection !== wanted.connection) {
    // Only an explicit --import-id gets here (the default id includes the connection).
    throw new UsageError(
      `Import ${importId} goes to connection "${record.connection}", not "${wanted.connection}": pass another --import-id to import ${displayName} into "${wanted.connection}".`,
    );
  }
  if (record.state === 'cancelled') {
    throw new UsageError(
      `Import ${importId} was cancelled; pass another --import-id to import ${displayName} again.`,
    );
  }
  const warnings: string[] = [];
  if (record.fileHash !== wanted.fileHash) {
    // Only an explicit --import-id gets here (the default id includes the hash): the user
    // fixed the file in place to continue an import. Rows are matched by line number.
    warnings.push(
      `${displayName} differs from the file import ${importId} started with (${record.fileName}); rows are matched by line number, and lines already enqueued are not enqueued again.`,
    );
  }
  if (options.priority !== undefined && record.priority !== options.priority) {
    warnings.push(
      `Import ${importId} keeps priority ${record.priority}, the one it started with (--priority ${options.priority} applies to new imports only).`,
    );
  }
  return warnings;
}

/**
 * How a run's mapping differs from the one an import was made with, in words (`column "Title": lead.title then,
 * lead.note now`): the field of each column, the constants and the defaults. The reasons are left out (they may
 * quote the sample rows of a file fixed in place). Empty when they agree, or when the record has none to compare.
 */
function mappingChanges(recorded: unknown, now: MappingDescription): string[] {
  if (!recorded || typeof recorded !== 'object') return [];
  const before = recorded as Partial<MappingDescription>;
  if (!Array.isArray(before.columns)) return [];
  const fieldsBefore = new Map(before.columns.map((c) => [c.column, c.field]));
  const fieldsNow = new Map(now.columns.map((c) => [c.column, c.field]));
  const changes: string[] = [];
  for (const column of new Set([...fieldsBefore.keys(), ...fieldsNow.keys()])) {
    const then = fieldsBefore.get(column) ?? 'not imported';
    const field = fieldsNow.get(column) ?? 'not imported';
    if (then !== field) changes.push(`column ${JSON.stringify(column)}: ${then} then, ${field} now`);
  }
  for (const [what, a, b] of [
    ['constants', before.constants, now.constants],
    ['defaults', before.defaults, now.defaults],
  ] as const) {
    if (JSON.stringify(sortKeys(a ?? {})) !== JSON.stringify(sortKeys(b ?? {})))
      changes.push(`its ${what} differ`);
  }
  return changes;
}

/**
 * The dry run's identity with the company named: the real run learns it from `users/me` (its reference reads always
 * make that call), a dry run's reads do not. Asked (2 tokens) only when it decides something: an earlier import of the
 * same file through another connection, of a known company; offline or without credentials it stays unknown (then
 * the dry run warns where the real run may refuse).
 */
async function withCompany(
  wanted: ImportIdentity,
  ledger: ImportLedger,
  options: ImportCsvOptions,
): Promise<ImportIdentity> {
  if (wanted.companyId !== undefined || options.offline) return wanted;
  const earlier = sameFileElsewhere(await recentImports(ledger), wanted);
  if (!earlier || earlier.connection === wanted.connection || earlier.companyId === undefined) return wanted;
  const companyId = await companyOfConnection(options, wanted.connection);
  return companyId === undefined ? wanted : { ...wanted, companyId };
}

/**
 * The connection's Pipedrive company (`users/me`, 2 tokens), for a check the reference reads did not name it for;
 * undefined offline, without credentials, or on failure. The call goes outside the workers' windows (as a dry run's
 * reads do): a burst limit just hit (an import a moment before) is waited out once, when it asks for a few seconds.
 */
async function companyOfConnection(options: ImportCsvOptions, name: string): Promise<number | undefined> {
  if (options.offline) return undefined;
  const connection = connectionOf(options.config, name);
  if (!connection.hasCredentials) return undefined;
  const api = options.pipedrive ?? new PipedriveClient(clientOptionsForConnection(connection));
  for (let attempt = 1; ; attempt++) {
    try {
      return (await api.getCurrentUser()).company_id;
    } catch (err) {
      if (attempt === 1 && err instanceof PipedriveRateLimitError && err.retryAfterMs <= 5_000) {
        await new Promise((resolve) => setTimeout(resolve, err.retryAfterMs));
        continue;
      }
      // The dry run's reference reads would have said what is wrong with the credentials; here, only a warning is lost.
      return undefined;
    }
  }
}

/** How long a dry run waits for Redis before it reports what it could not check. */
const DRY_RUN_REDIS_DEADLINE_MS = 5_000;

/**
 * The dry run's look at the imports in Redis (reads only): what the real run would refuse or warn about this file and
 * import id, and, for an import that exists already, that the real run only goes on with it. Redis out of reach is
 * not the dry run's failure: it says what it could not check.
 */
async function dryRunImportChecks(
  config: Config,
  options: ImportCsvOptions,
  wanted: ImportIdentity,
  displayName: string,
  mapping: MappingDescription,
): Promise<string[]> {
  let redis = options.redis;
  let own: Redis | undefined;
  try {
    if (!redis) {
      own = createRedis(config.redisUrl, 'command');
      own.on('error', () => {});
      // A dry run does not wait long for a Redis it only reads: it says what it could not check instead.
      redis = await connectRedis(own, config.redisUrl, DRY_RUN_REDIS_DEADLINE_MS);
    }
  } catch (err) {
    own?.disconnect();
    const why = err instanceof Error ? err.message : String(err);
    return [
      `Could not check whether ${displayName} was imported before (Redis: ${why}): the real run refuses the same file sent to the same Pipedrive company through another connection.`,
    ];
  }
  try {
    const ledger = new ImportLedger(redis, config.redisPrefix);
    const record = await ledger.getImport(wanted.importId);
    if (record === null) {
      const said = await sameFileCheck(
        ledger,
        await withCompany(wanted, ledger, options),
        options,
        displayName,
        // A grown file of another connection's import decides something only in a known company: asked then.
        () => companyOfConnection(options, wanted.connection),
      );
      return said ? [said] : [];
    }
    return [
      ...existingImportCheck(record, wanted, options, displayName, mapping),
      `Import ${wanted.importId} exists already (${formatCount(record.created)} created, ${formatCount(record.pending)} pending): the real run goes on with it and enqueues only the rows it has not enqueued yet.`,
    ];
  } finally {
    own?.disconnect();
  }
}

/** How often the producer checks that the file it reads is still the one it hashed (a `stat`). */
const FILE_CHECK_INTERVAL_MS = 2_000;

/** Passes over the file before an import whose Redis keeps restarting under it fails. */
export const MAX_PASSES = 3;

/**
 * One read of the file into Redis, and whether the server changed under it (see {@link importCsv}). `sameBytesAs`:
 * the hash the first pass read; a file that no longer has it is refused before any row is written.
 * `alreadyImportedBefore`: the rows an earlier run had enqueued, as the first pass counted them, which a later pass
 * records on the import in place of its own count.
 */
async function importPass(
  options: ImportCsvOptions,
  sameBytesAs?: string,
  alreadyImportedBefore?: number,
): Promise<ImportSummary & { restart?: { from: string; to: string } }> {
  const started = Date.now();
  const { config } = options;
  // First: an unknown --connection must not cost a read of the file.
  const connection = connectionOf(config, options.connection);
  const displayName = basename(options.file);
  const encoding = options.encoding !== undefined ? encodingOption(options.encoding) : undefined;
  const delimiter = options.delimiter !== undefined ? delimiterOption(options.delimiter) : undefined;
  const dateOrder = options.dateFormat !== undefined ? dateFormatOption(options.dateFormat) : undefined;
  const decimalMark = options.decimal !== undefined ? decimalOption(options.decimal) : undefined;
  if (options.importId !== undefined) importIdOption(options.importId);
  if (options.priority !== undefined) priorityOption(options.priority);
  if (options.offline && !options.dryRun) {
    throw new UsageError('--offline only works with --dry-run: an import needs Pipedrive to resolve names.');
  }
  const spec =
    typeof options.mapping === 'string'
      ? await loadMappingFile(options.mapping)
      : checkMappingSpec(options.mapping ?? {}, 'mapping');
  const mappingName = typeof options.mapping === 'string' ? basename(options.mapping) : 'mapping';

  // Before anything is read or written: the rejects file must never replace the input or the mapping.
  const rejectsOutput = {
    option: '--rejects',
    inputs: [options.file, ...(typeof options.mapping === 'string' ? [options.mapping] : [])],
  };
  if (options.rejectsFile) await checkOutputPath(options.rejectsFile, rejectsOutput);

  const csv = await openCsv(options.file, {
    displayName,
    ...(encoding ? { encoding } : {}),
    ...(delimiter ? { delimiter } : {}),
  });
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => csv.close()];
  try {
    let redis: Redis | undefined;
    if (!options.dryRun) {
      // Before the reference reads: they wait for room in the token's windows in Redis, as every call on it does.
      redis = options.redis;
      if (!redis) {
        const own = createRedis(config.redisUrl, 'command');
        // Connection failures surface as rejected calls (connectRedis words them); not as events.
        own.on('error', () => {});
        cleanups.push(() => own.disconnect());
        redis = await connectRedis(own, config.redisUrl);
      }
    }
    // Before the import writes anything: the server its writes go to.
    const settle = redis
      ? await WriteSettle.begin({
          redis,
          prefix: config.redisPrefix,
          connection: connection.name,
          ...(options.redis ? {} : { url: config.redisUrl }),
        })
      : undefined;
    // A mistake the file's header or Pipedrive reveals (a column the file lacks, a custom field the company lacks)
    // is named at its line and column in the mapping file, as the file's own checks are.
    const { mapping, referenceTokens, companyId } = await locateMappingErrors(spec, () =>
      mapFile(csv, spec, {
        ...options,
        ...(redis ? { redis } : {}),
        connection,
        mappingName,
        displayName,
        ...(dateOrder ? { dateOrder } : {}),
        ...(decimalMark ? { decimalMark } : {}),
      }),
    );
    const described = describeMapping(mapping);

    // The hash names the import, and the rows come from the reader opened before it: the file must be the same
    // through both, and through the read (checked again every 2 s and at the end: a file still being written
    // would give an import named by some of its bytes and rows of others, and its next run, of the finished
    // file, a new import that enqueues every row again).
    const beforeHash = await stat(options.file);
    const fileHash = await hashFile(options.file);
    const hashed = await stat(options.file);
    const fileChange = (now: { size: number; mtimeMs: number }, from = hashed) =>
      now.size !== from.size || now.mtimeMs !== from.mtimeMs
        ? `${displayName} changed while it was being read (${formatCount(from.size)} → ${formatCount(now.size)} bytes${now.size === from.size ? ', modified' : ''}): is something still writing it?`
        : undefined;
    const changedEarly =
      fileChange(beforeHash) ??
      (csv.size !== hashed.size ? fileChange(hashed, { ...hashed, size: csv.size }) : undefined);
    if (changedEarly) {
      throw new CsvFormatError(
        `${changedEarly} Nothing was enqueued. Wait until the file is complete, then run the same command again.`,
      );
    }
    if (sameBytesAs !== undefined && fileHash !== sameBytesAs) {
      throw new UsageError(
        `${displayName} changed while it was being imported, and Redis restarted meanwhile: the rows Redis lost cannot be read again from it. Put the file back as it was and run the same import command again (rows already enqueued are not enqueued twice).`,
      );
    }
    const importId =
      options.importId ?? defaultImportId(fileHash, spec, { ...options, connection: connection.name }, csv);
    const updateContacts = updateContactsOption(options.updateContacts);
    const validate = createRowValidator(mapping, importId, {
      ...(updateContacts === 'fill-empty' ? { updateContacts } : {}),
      ...(options.repeatedPersonLimit !== undefined
        ? { repeatedPersonLimit: options.repeatedPersonLimit }
        : {}),
    });

    const warnings: string[] = [];
    // A header and nothing else (an export whose filter matched nothing, the wrong file): refused before anything is
    // written, as an empty file is; the dry run says so, and still shows the mapping (--print-mapping from a header).
    if (!(await csv.hasRows())) {
      const none = `${displayName} has a header line (line ${csv.headerLine}) but no data rows: nothing to import`;
      if (!options.dryRun) {
        throw new CsvFormatError(
          `${none}. Check that it is the file you meant, or export it again with its rows (a filter that matched nothing?); no import was created.`,
        );
      }
      warnings.push(
        `${none}. The real import refuses it (exit 2) and creates no import. The mapping below is read from the header alone: with no values to look at, a column is mapped by its name and its neighbours only (e.g. a "Title" beside a person's columns reads as the job title).`,
      );
    }
    if (options.dryRun) {
      // What the real run would say about this file and import id: refused (the same file into the same company
      // through another connection, an import cancelled or of another connection) or warned.
      warnings.push(
        ...(await dryRunImportChecks(
          config,
          options,
          { importId, fileHash, connection: connection.name, companyId },
          displayName,
          described,
        )),
      );
    }
    let priority = options.priority ?? IMPORT_PRIORITY_DEFAULT;
    let ledger: ImportLedger | undefined;
    let enqueuer: LeadEnqueuer | undefined;
    let queue: Queue<LeadQueueJobData> | undefined;
    if (redis) {
      ledger = new ImportLedger(redis, config.redisPrefix);
      queue = new Queue<LeadQueueJobData>(leadQueueName(connection.name), {
        connection: redis,
        prefix: queuePrefix(config.redisPrefix, connection.name, isClusterRedis(redis)),
      });
      // A command connection fails fast: errors surface as rejected calls, not as 'error' events.
      queue.on('error', () => {});
      quietAfterClose(queue);
      cleanups.push(() => queue?.close());
      if ((await ledger.getImport(importId)) === null) {
        const said = await sameFileCheck(
          ledger,
          { importId, fileHash, connection: connection.name, companyId },
          options,
          displayName,
          // No reference read named the company (a mapping that needs none): asked, as the dry run does, only when a
          // grown file's earlier import is another connection's, so that the dry run and the import decide alike.
          () => companyOfConnection(options, connection.name),
        );
        if (said) warnings.push(said);
      }
      const readArgs = readArgsOf(options);
      const { record } = await ledger.createImport({
        importId,
        connection: connection.name,
        priority: options.priority ?? IMPORT_PRIORITY_DEFAULT,
        // Where the connection's imports under way are (kept only when the import is new).
        startTurn: importStartTurn(await nextLeadPriority(queue)),
        rowsPerJob: options.rowsPerJob ?? config.rowsPerJob,
        ...(companyId !== undefined ? { companyId } : {}),
        fileName: displayName,
        fileSize: csv.size,
        fileHash,
        mapping: described,
        ...(readArgs ? { readArgs } : {}),
        header: csv.header,
        createdAt: Date.now(),
      });
      warnings.push(
        ...existingImportCheck(
          record,
          { fileHash, connection: connection.name },
          options,
          displayName,
          described,
        ),
      );
      priority = record.priority;
      if (record.state === 'failed') {
        // Alive first: the failed run's last beat, reading again, would show this run as stopped until its first beat.
        await ledger.markProducerAlive(importId);
        await ledger.setState(importId, 'reading');
      }
      cleanups.push(beatWhileReading(ledger, importId));
      enqueuer = new LeadEnqueuer({
        queue,
        ledger,
        importId,
        weight: record.priority,
        startTurn: record.startTurn,
        // The import's own, as it was created: a re-run forms the same chunks whatever the variable says now.
        rowsPerJob: record.rowsPerJob,
        // Its rejected rows count where the workers count the connection's outcomes; flushed by each batch.
        metrics: new MetricsRecorder(redis, config.redisPrefix, 0).connection(connection.name),
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
        ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
      });
    }

    let rejectsWriter: CsvWriter | undefined;
    if (options.rejectsFile) {
      rejectsWriter = await CsvWriter.create(
        options.rejectsFile,
        [...csv.header, ...REJECTS_COLUMNS],
        rejectsOutput,
      );
      const writer = rejectsWriter;
      cleanups.push(() => writer.close());
    }

    const persons = new DistinctCounter();
    const emails = new DistinctCounter();
    const organizations = new DistinctCounter();
    const firstRejects: RejectedRow[] = [];
    const rejectsByColumn: Record<string, number> = {};
    const maxRejects = options.maxRejectsInSummary ?? 20;
    let rows = 0;
    let valid = 0;
    let notes = 0;
    const rowWarnings = new Map<
      string,
      { column: string; message: string; lines: number[]; count: number }
    >();
    let rejected = 0;
    let repeated = 0;
    let layout = 0;
    let ownSide = 0;
    const interval = options.progressIntervalMs ?? 250;
    let nextProgressAt = Date.now() + interval;
    let nextLedgerUpdateAt = Date.now() + 2_000;
    let nextFileCheckAt = Date.now() + FILE_CHECK_INTERVAL_MS;
    /** Stops the import, what was read enqueued, when the file is not the one hashed any more (see `fileChange`). */
    const stopIfChanged = async () => {
      const changed = fileChange(await stat(options.file));
      if (!changed) return;
      const enqueued = enqueuer ? (await enqueuer.stop()).enqueued : 0;
      const how = `${formatCount(rows)} row${rows === 1 ? '' : 's'} read${enqueuer ? `, ${formatCount(enqueued)} enqueued` : ''}`;
      throw new CsvFormatError(
        options.dryRun
          ? `${changed} Stopped after ${how}. Wait until the file is complete, then run the dry run again.`
          : `${changed} Import ${importId} stopped after ${how}. Once the file is complete, go on with this import: \`lead-importer import ${displayName} --import-id ${importId}\` with the same options (rows are matched by line number; those enqueued are not enqueued again). Run without --import-id, the finished file would be a new import and every row would be enqueued again.`,
      );
    };
    const report = (done: boolean) =>
      options.onProgress?.({
        rowsRead: rows,
        rejected,
        bytesRead: done ? csv.size : Math.min(csv.bytesRead(), csv.size),
        totalBytes: csv.size,
        elapsedMs: Date.now() - started,
        done,
      });

    const onReject = async (line: number, cells: string[], reject: RowReject) => {
      rejected++;
      if (reject.repeatOf !== undefined) repeated++;
      if (reject.layout) layout++;
      if (reject.ownSide) ownSide++;
      if (firstRejects.length < maxRejects) firstRejects.push({ line, ...reject });
      const column = reject.column ?? '(row)';
      rejectsByColumn[column] = (rejectsByColumn[column] ?? 0) + 1;
      await rejectsWriter?.write([...cells, line, reject.column ?? '', reject.reason]);
      await enqueuer?.reject(line, reject, cells);
    };

    // Short lines (Excel's rows without their trailing empty cells) are read padded; the check tells
    // them from a row broken in two by a line break that is not in quotes (short-rows.ts).
    const shortRows = new ShortRowCheck(csv.header, validate);
    let padded = 0;
    const paddedLines: number[] = [];
    /** Counts and enqueues (or rejects) one row; a promise only when it has to wait (Redis: backpressure). */
    const take = ({ row, result }: CheckedRow): Promise<void> | undefined => {
      rows++;
      // A line the reader could not read is rejected with its reason, unless the short-row check found
      // it to be a piece of a broken row (its result then says so).
      if (result && 'reject' in result) return onReject(row.line, row.cells, result.reject);
      if (row.error !== undefined || !result) {
        return onReject(row.line, row.cells, {
          ...(row.column !== undefined ? { column: row.column } : {}),
          reason: row.error ?? 'cannot be read',
        });
      }
      if (row.fields !== undefined) {
        padded++;
        if (paddedLines.length < 5) paddedLines.push(row.line);
      }
      valid++;
      // Its turn among the valid rows makes its queue priority: deterministic for the same file.
      result.ok.turn = valid;
      if (result.ok.note) notes++;
      for (const w of result.warnings ?? []) {
        const key = `${w.column}\u0000${w.message}`;
        const entry = rowWarnings.get(key) ?? { ...w, lines: [], count: 0 };
        entry.count++;
        if (entry.lines.length < 5) entry.lines.push(row.line);
        rowWarnings.set(key, entry);
      }
      if (result.personKey) persons.add(result.personKey);
      // Distinct emails are for the dry run's report; the worker needs persons and organizations.
      if (options.dryRun && result.ok.person?.email) emails.add(result.ok.person.email);
      if (result.organizationKey) organizations.add(result.organizationKey);
      // Only a full batch returns a promise (the wait for Redis: backpressure).
      return enqueuer?.add(result.ok);
    };
    // A section's title (monday.com's group) is held until the next row, which says whether it is one.
    const sections = new SectionTitleCheck(csv.header);
    const takeAll = (checked: CheckedRow[]): Promise<void> | undefined => {
      for (let i = 0; i < checked.length; i++) {
        const waiting = take(checked[i] as CheckedRow);
        if (waiting) return waiting.then(() => takeAll(checked.slice(i + 1)));
      }
      return undefined;
    };
    const decide = (checked: CheckedRow): Promise<void> | undefined => takeAll(sections.push(checked));

    try {
      for await (const batch of csv.rowBatches()) {
        if (options.signal?.aborted) {
          // Every row the ledger was given gets its job before the process ends: a re-run then has none to add back.
          await enqueuer?.stop();
          const signal = typeof options.signal.reason === 'string' ? options.signal.reason : 'SIGINT';
          throw new ImportInterruptedError(
            `interrupted (${signal}) after ${formatCount(rows)} row${rows === 1 ? '' : 's'} of ${displayName}${enqueuer ? `, ${formatCount(enqueuer.counts.enqueued)} of them enqueued by this run` : ''}. Run the same import command again to enqueue the rest: rows already enqueued are not enqueued twice.`,
            signal as NodeJS.Signals,
          );
        }
        for (const row of batch) {
          if (row.fields === undefined && shortRows.idle) {
            const waiting = decide({
              row,
              ...(row.error === undefined ? { result: validate(row.line, row.cells) } : {}),
            });
            if (waiting) await waiting;
            continue;
          }
          for (const checked of shortRows.push(row)) {
            const waiting = decide(checked);
            if (waiting) await waiting;
          }
        }
        const now = Date.now();
        if (now >= nextProgressAt) {
          nextProgressAt = now + interval;
          report(false);
        }
        if (now >= nextFileCheckAt) {
          nextFileCheckAt = now + FILE_CHECK_INTERVAL_MS;
          await stopIfChanged();
        }
        if (ledger && now >= nextLedgerUpdateAt) {
          nextLedgerUpdateAt = now + 2_000;
          await ledger.setCounters(importId, {
            rows,
            distinctPersons: persons.count,
            distinctOrganizations: organizations.count,
          });
        }
      }
      for (const checked of shortRows.flush()) {
        const waiting = decide(checked);
        if (waiting) await waiting;
      }
      const lastHeld = takeAll(sections.flush());
      if (lastHeld) await lastHeld;
      await stopIfChanged();
      const counts = await enqueuer?.finish();
      report(true);
      if (padded > 0) {
        warnings.push(
          `${formatCount(padded)} row${padded === 1 ? '' : 's'} (line${paddedLines.length === 1 ? '' : 's'} ${paddedLines.join(', ')}${padded > paddedLines.length ? ', …' : ''}) had fewer fields than the header, as Excel writes a row whose last cells are empty: the missing last cells were read as empty. (Two short lines that make one row only when joined, a value broken by a line break that is not in quotes, are rejected instead.)`,
        );
      }
      // The dry run names them in its reading of the file; an import says so once its rows are in.
      if (!options.dryRun) {
        for (const t of csv.tablesAfter()) {
          warnings.push(
            `the table "${printable(t.title)}" (${lineSpan(t)}) after the one imported was not read: to import its rows too, save that table as a file of its own and import it.`,
          );
        }
      }
      for (const w of rowWarnings.values()) {
        warnings.push(
          `${w.count} row${w.count === 1 ? '' : 's'} (line${w.lines.length === 1 ? '' : 's'} ${w.lines.join(', ')}${w.count > w.lines.length ? ', …' : ''}): column "${w.column}" ${w.message}.`,
        );
      }
      // What the validator says once of the whole file (a check it could not take to every row).
      warnings.push(...validate.notes());

      let state: ImportState | undefined;
      let reverted = 0;
      if (ledger) {
        await ledger.setCounters(importId, {
          rows,
          alreadyImported: alreadyImportedBefore ?? counts?.alreadyImported ?? 0,
          distinctPersons: persons.count,
          distinctOrganizations: organizations.count,
        });
        const before = await ledger.getImport(importId);
        if (before && (before.state === 'reading' || (counts?.enqueued ?? 0) + (counts?.requeued ?? 0) > 0)) {
          await ledger.setState(importId, 'enqueued');
        }
        // The worker completes an import when it finishes its last row; if that happened while
        // we were still reading (or nothing was left to do), completing it falls to us.
        const after = await ledger.getImport(importId);
        if (after && after.state === 'enqueued' && after.pending === 0)
          await ledger.setState(importId, 'completed');
        const final = await ledger.getImport(importId);
        state = final?.state;
        reverted = final?.reverted ?? 0;
      }
      // Every write above on disk, on the server the import began on; or another pass.
      const settled = await settle?.settle();
      const serving = queue && state && state !== 'completed' ? await workersServing(queue) : undefined;
      const heldBack =
        queue && redis && serving !== undefined && serving > 0
          ? await heldBackBy(queue, redis, config.redisPrefix, connection.name)
          : undefined;

      const leads = options.dryRun ? valid : (counts?.enqueued ?? 0) + (counts?.requeued ?? 0);
      const estimate = estimateImport({
        leads,
        // Notes in proportion, when a re-run enqueues only some of the valid rows.
        notes: valid > 0 ? Math.round((notes * leads) / valid) : 0,
        fillEmpty: updateContacts === 'fill-empty',
        distinctPersons: persons.count,
        distinctOrganizations: organizations.count,
        burstPer2s: burstLimitPer2s(connection.plan, connection.auth),
        dailyTokens: connection.dailyTokens,
        reserveShare: connection.budgetReserve,
      });
      return {
        importId,
        connection: connection.name,
        priority,
        file: displayName,
        fileSize: csv.size,
        fileHash,
        encoding: csv.encoding,
        delimiter: csv.delimiter,
        header: csv.header,
        dryRun: Boolean(options.dryRun),
        rows,
        valid,
        notes,
        preamble: csv.preamble,
        ...(csv.headerGroups ? { headerGroups: csv.headerGroups } : {}),
        ...(csv.headerLinesAfter ? { headerLinesAfter: csv.headerLinesAfter } : {}),
        footer: csv.footer(),
        ...(csv.title ? { table: csv.title } : {}),
        tablesBefore: csv.tablesBefore,
        tablesAfter: csv.tablesAfter(),
        mappingFile: printMapping(mapping, spec),
        enqueued: counts?.enqueued ?? 0,
        alreadyImported: counts?.alreadyImported ?? 0,
        alreadyQueued: counts?.alreadyQueued ?? 0,
        alreadyFinished: counts?.alreadyFinished ?? 0,
        requeued: counts?.requeued ?? 0,
        readded: 0,
        rejected,
        repeated,
        ...(layout ? { layout } : {}),
        ...(ownSide ? { ownSide } : {}),
        distinctPersons: persons.count,
        ...(options.dryRun ? { distinctEmails: emails.count } : {}),
        distinctOrganizations: organizations.count,
        distinctExact: persons.isExact && emails.isExact && organizations.isExact,
        firstRejects,
        rejectsByColumn,
        mapping: described,
        estimate,
        referenceTokens,
        ...(state ? { state } : {}),
        ...(reverted > 0 ? { reverted } : {}),
        ...(serving !== undefined ? { workersServing: serving } : {}),
        ...(heldBack !== undefined ? { heldBack } : {}),
        ...(options.rejectsFile ? { rejectsFile: options.rejectsFile } : {}),
        warnings,
        durationMs: Date.now() - started,
        ...(settled?.restarted ? { restart: { from: settled.from, to: settled.to } } : {}),
      };
    } catch (err) {
      if (ledger) {
        const message = err instanceof Error ? err.message : String(err);
        await ledger.setState(importId, 'failed', message).catch(() => undefined);
      }
      // Redis gone mid-file (restarted, killed, network): a usage-level exit 2 that says what to do, not ioredis's
      // "max retries per request" as an unexpected error. What reached Redis stays; the same command goes on.
      if (redis && isTransientRedisError(err)) {
        throw new RedisUnavailableError(
          `Lost Redis at ${redactRedisUrl(config.redisUrl)} while import ${importId} was being enqueued, after ${formatCount(rows)} row${rows === 1 ? '' : 's'} of ${displayName} (${redisLostReason(err as Error)}). Rows already enqueued are kept; once Redis is back, run the same import command again to enqueue the rest (nothing is enqueued twice).`,
        );
      }
      throw err;
    }
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Every cleanup runs; a failing one must not hide the result or the first error.
      }
    }
  }
}

/**
 * Marks the import alive now and every {@link PRODUCER_HEARTBEAT_MS} until the returned stop is called: a timer of its
 * own, so that a read held up by Redis (backpressure) or a slow disk still beats; one beat at a time, failures ignored
 * (the reads and writes of the import report Redis's).
 */
/**
 * The options that shape how the file is read and mapped, as `import` arguments (see `ImportMeta.readArgs`); undefined
 * when the mapping is an object given in code, which no argument can name.
 */
function readArgsOf(options: ImportCsvOptions): string[] | undefined {
  if (options.mapping !== undefined && typeof options.mapping !== 'string') return undefined;
  const args: string[] = [];
  if (typeof options.mapping === 'string') args.push('--mapping', resolvePath(options.mapping));
  if (options.titleTemplate !== undefined) args.push('--title-template', options.titleTemplate);
  if (options.dateFormat !== undefined) args.push('--date-format', options.dateFormat);
  if (options.decimal !== undefined) args.push('--decimal', options.decimal);
  if (options.currency !== undefined) args.push('--currency', options.currency);
  if (options.encoding !== undefined) args.push('--encoding', options.encoding);
  return args;
}

/**
 * What holds the connection's rows back right now, in words for the summary's next step (`the queue is paused: run
 * \`lead-importer resume\``), or undefined: workers serving it take them at once.
 */
async function heldBackBy(
  queue: Queue<LeadQueueJobData>,
  redis: Redis,
  prefix: string,
  connection: string,
): Promise<string | undefined> {
  const [paused, control] = await Promise.all([queue.isPaused(), readControl(redis, prefix, connection)]);
  if (paused) return 'the queue is paused: they start after `lead-importer resume`';
  if (control.blockedReason) return `the connection is blocked (${control.blockedReason})`;
  if (control.budgetWaitUntil !== undefined && control.budgetWaitUntil > Date.now()) {
    return `the daily budget is spent: they wait until ${formatUtc(control.budgetWaitUntil)}`;
  }
  return undefined;
}

function beatWhileReading(ledger: ImportLedger, importId: string): () => void {
  let beating: Promise<void> | undefined;
  const beat = () => {
    if (beating) return;
    beating = ledger
      .markProducerAlive(importId)
      .catch(() => undefined)
      .finally(() => {
        beating = undefined;
      });
  };
  beat();
  const timer = setInterval(beat, PRODUCER_HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Why Redis is away, in words: ioredis's own ("Reached the max retries per request limit…") names an option, not the cause. */
function redisLostReason(err: Error): string {
  return /max retries per request|Connection is closed|Stream isn't writeable|aborted due to connection close/.test(
    err.message,
  )
    ? 'the connection was lost'
    : err.message;
}

/** sha256 of the file's bytes, streamed (fast: a first pass before parsing). */
export async function hashFile(path: string, bytes?: number): Promise<string> {
  const hash = createHash('sha256');
  const range = bytes === undefined ? {} : { start: 0, end: bytes - 1 };
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, ...range }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The same file with the same mapping and options always gets the same id, so running the same
 * command twice enqueues nothing new; a different mapping is a different import, and so is the same
 * file into another company. The `default` connection adds nothing to the identity: an import started
 * before connections existed keeps its id, and running its command again still resumes it.
 */
export function defaultImportId(
  fileHash: string,
  spec: MappingSpec,
  options: Pick<ImportCsvOptions, 'titleTemplate' | 'dateFormat' | 'decimal' | 'currency' | 'connection'>,
  csv: Pick<CsvFile, 'encoding' | 'delimiter'>,
): string {
  const connection = options.connection ?? DEFAULT_CONNECTION;
  const identity = JSON.stringify({
    ...(connection === DEFAULT_CONNECTION ? {} : { connection }),
    fileHash,
    spec: sortKeys(spec),
    titleTemplate: options.titleTemplate ?? null,
    dateFormat: options.dateFormat ?? null,
    // Only when given, so the ids of imports made without it stay what they were.
    ...(options.decimal !== undefined
      ? { decimal: parseDecimalMark(options.decimal) ?? options.decimal }
      : {}),
    currency: options.currency ?? null,
    encoding: csv.encoding,
    delimiter: csv.delimiter,
  });
  return `imp-${createHash('sha256').update(identity).digest('hex').slice(0, 12)}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

function updateContactsOption(value: string | undefined): 'never' | 'fill-empty' {
  if (value === undefined || value === 'never') return 'never';
  if (value === 'fill-empty') return value;
  throw new UsageError(`--update-contacts must be never or fill-empty, got "${value}".`);
}

function encodingOption(value: string): CsvEncoding {
  const encoding = parseEncodingName(value);
  if (!encoding)
    throw new UsageError(`--encoding must be one of ${CSV_ENCODINGS.join(', ')}, got "${value}".`);
  return encoding;
}

function delimiterOption(value: string): string {
  const d = parseDelimiterOption(value);
  if (!d)
    throw new UsageError(`--delimiter must be one character such as , ; | or the word tab, got "${value}".`);
  return d;
}

function dateFormatOption(value: string): DateOrder {
  const order = parseDateOrder(value);
  if (!order) throw new UsageError(`--date-format must be DD/MM/YYYY or MM/DD/YYYY, got "${value}".`);
  return order;
}

function decimalOption(value: string): DecimalMark {
  const mark = parseDecimalMark(value);
  if (!mark)
    throw new UsageError(
      `--decimal must be , or . (the separator before the cents in the file's amounts: , for 1.234,56 and . for 1,234.56), got "${value}".`,
    );
  return mark;
}

function priorityOption(value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > IMPORT_PRIORITY_MAX) {
    throw new UsageError(
      `--priority must be a whole number from 1 to ${IMPORT_PRIORITY_MAX} (an import of priority N takes N rows for every row of a priority-1 import on the same connection), got "${value}".`,
    );
  }
}

function importIdOption(value: string): void {
  try {
    assertImportId(value);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
