import { type Config, connectionOf, DEFAULT_CONNECTION } from '../config/config.js';
import { CONNECTIONS_FILE_VAR } from '../config/connections.js';
import { type ImportRecord, PRODUCER_HEARTBEAT_MS } from '../queue/ledger.js';
import { workersServing } from '../queue/workers-serving.js';
import { type Failing, failingNow, msOrUndefined, readControl } from '../worker/control.js';
import { STARVED_AFTER_MINUTES } from './connection-activity.js';
import { estimateEta, formatDuration } from './eta.js';
import { failingText, formatUtc, reimportCommand } from './format.js';
import { ImportConnectionError } from './import-connection-error.js';
import { ImportNotFoundError } from './import-not-found-error.js';
import type { BudgetSnapshot, OpsContext } from './ops-context.js';

/**
 * What an operator sees of an import:
 * - `reading`: the producer is still enqueuing rows;
 * - `running`: rows are being processed;
 * - `stalled`: rows are pending but none finished for {@link STALLED_AFTER_MINUTES} minutes, and nothing else
 *   (a block, a pause, a budget wait) explains it: most often no worker serves the import's connection;
 * - `waiting-for-budget`: today's token budget is spent; workers resume at the reset;
 * - `blocked`: workers stopped on an error only a person can fix (e.g. a rejected API token);
 * - `paused`: an operator ran `lead-importer pause`;
 * - `waiting-for-reimport`: its pending rows are the ones `verify --repair` put back (their leads were gone): they
 *   have no job, and wait for the import to be run again with its file ({@link awaitsReimport});
 * - `completed`: nothing pending; `cancelled`: an operator cancelled it; `failed`: the producer failed.
 */
export type ImportDisplayState =
  | 'reading'
  | 'running'
  | 'stalled'
  | 'waiting-for-budget'
  | 'blocked'
  | 'paused'
  | 'waiting-for-reimport'
  | 'completed'
  | 'cancelled'
  | 'failed';

/**
 * Minutes an import with pending rows may go without a row finishing before it shows as stalled: the span after
 * which a connection with queued rows and nothing sent shows as starved, so that the card and its rows agree.
 */
export const STALLED_AFTER_MINUTES = STARVED_AFTER_MINUTES;

/**
 * How long an import with pending rows may go without a row finishing, while no worker takes rows from its
 * connection's queue, before it shows as stalled (when the status was asked to look: {@link StatusFilter.checkServed}).
 * Longer than a connection's restart on a reload or a supervisor's restart of a worker, so that neither shows.
 */
export const UNSERVED_AFTER_MS = 30_000;

/**
 * How long a reading import's producer may go without marking it alive before `status` says it stopped (killed with
 * SIGKILL, its machine lost): 30 of its beats ({@link PRODUCER_HEARTBEAT_MS}). The beat runs on a timer of its own, so
 * a producer held up by a slow Redis or disk, or reading a huge file, keeps beating; only a Redis that answers nothing
 * for a minute (then `status` is held up too) or a stopped process goes this long without one.
 */
export const PRODUCER_SILENT_AFTER_MS = 30 * PRODUCER_HEARTBEAT_MS;

/**
 * The flags workers and operators share: `paused` (every connection) in the `control` hash; the blocked reason and
 * the budget wait in the connection's own (`connectionControl`, which is `control` for `default`), as
 * worker/control.ts's `readControl` reads them for the workers.
 */
export interface ControlFlags {
  paused: boolean;
  pausedAt?: number;
  blockedReason?: string;
  blockedAt?: number;
  budgetWaitUntil?: number;
  /** Every call of the connection waits until then (after a 429 or an edge block). */
  rateLimitedUntil?: number;
  /** A worker's calls have all failed since then (5xx, no answer); the latest at `failingAt` (worker/control.ts). */
  failingSince?: number;
  failingAt?: number;
  failingReason?: string;
  /**
   * Worker processes taking rows from the connection's queue now ({@link workersServing}); undefined when not asked
   * ({@link StatusFilter.checkServed}) or when Redis does not list its clients.
   */
  workersServing?: number;
}

export interface ImportStatus {
  importId: string;
  /** The connection (Pipedrive company) the import's rows go to. */
  connection: string;
  /** The import's weight among its connection's imports (`import --priority N`; 1 by default). */
  priority: number;
  /** Rows per BullMQ job of the import (`LEAD_IMPORTER_ROWS_PER_JOB` when it was created; 1 by default). */
  rowsPerJob: number;
  fileName: string;
  state: ImportDisplayState;
  /** One line for people: "waiting for budget until 2026-05-02 00:00 UTC", "blocked: …". */
  stateText: string;
  rows: number;
  enqueued: number;
  rejected: number;
  alreadyImported: number;
  created: number;
  /** Of the created rows, those whose lead `revert` deleted or found gone (their rows still count as created). */
  reverted: number;
  /** Of `reverted`, the leads that were gone before revert came (converted into a deal, or deleted by hand). */
  revertFoundGone: number;
  deadLettered: number;
  cancelled: number;
  pending: number;
  createdPersons: number;
  reusedPersons: number;
  createdOrganizations: number;
  reusedOrganizations: number;
  /** Persons and organizations found in Pipedrive rather than created. */
  reusedContacts: number;
  /** Notes added to the import's leads, and notes Pipedrive refused (their leads stand). */
  createdNotes: number;
  failedNotes: number;
  tokensUsed: number;
  /** Finished share of the rows, 0…1. */
  progress: number;
  /** Best-case milliseconds until done under the burst limit and budget; null when done. */
  etaMs: number | null;
  etaText: string | null;
  /** Tokens the pending rows are expected to spend. */
  tokensRemaining: number;
  budget: BudgetSnapshot | null;
  blockedReason?: string;
  budgetWaitUntil?: number;
  /**
   * Every call to Pipedrive has failed since then (5xx answers, or none), as the workers found it in the last two
   * minutes; `failingReason` names the latest ("500 Internal Server Error to POST /api/v1/leads"). The rows are
   * retried with back-off meanwhile; the import has no ETA.
   */
  failingSince?: number;
  failingReason?: string;
  /**
   * Worker processes taking rows from the import's connection queue now, when the status was asked to look
   * ({@link StatusFilter.checkServed}); with none, a running import says so at once, and has no ETA.
   */
  workersServing?: number;
  /** `rows = created + rejected + deadLettered + cancelled + pending` (always true once reading is done). */
  balanced: boolean;
  createdAt: number;
  updatedAt: number;
  error?: string;
}

/**
 * Whether an import has finished: it ended (completed, cancelled, or its producer failed) and no row is pending.
 * Nothing is left to cancel then (`cancelImport` changes nothing); a cancelled or failed import with rows still
 * pending (in flight when it was cancelled, or enqueued before the producer failed) has not.
 */
export function hasFinished(s: Pick<ImportStatus, 'state' | 'pending'>): boolean {
  return (s.state === 'completed' || s.state === 'cancelled' || s.state === 'failed') && s.pending === 0;
}

/** The flags that hold back a connection's rows (the `default` connection's when none is named). */
export async function readControlFlags(
  ctx: OpsContext,
  connection: string = DEFAULT_CONNECTION,
  options: { checkServed?: boolean } = {},
): Promise<ControlFlags> {
  // First, before any read is under way: it throws for a name no connection can have (a record edited by hand), and
  // a throw in the list below would leave the reads already started with no one to take their rejection.
  const queue = ctx.leadQueueOf(connection);
  const [pausedAt, state, queuePaused, workers] = await Promise.all([
    ctx.redis.hget(ctx.keys.control, 'paused'),
    // The connection's hash as the workers read it (worker/control.ts): one parser of its fields.
    readControl(ctx.redis, ctx.prefix, connection),
    queue.isPaused(),
    options.checkServed ? workersServing(queue) : undefined,
  ]);
  return {
    paused: queuePaused,
    pausedAt: msOrUndefined(pausedAt),
    blockedReason: state.blockedReason,
    blockedAt: state.blockedAt,
    budgetWaitUntil: state.budgetWaitUntil,
    rateLimitedUntil: state.rateLimitedUntil,
    failingSince: state.failingSince,
    failingAt: state.failingAt,
    failingReason: state.failingReason,
    ...(workers !== undefined ? { workersServing: workers } : {}),
  };
}

export interface StatusFilter {
  /** Only imports into this connection; every connection's when omitted. */
  connection?: string;
  /**
   * Also ask Redis which workers take rows from each import's connection queue (one `CLIENT LIST` per connection),
   * so that an import no worker serves shows as stalled after {@link UNSERVED_AFTER_MS} — at once when its connection
   * is not in the configuration any more (removed from the connections file, or renamed) — with what to do, rather
   * than as running for {@link STALLED_AFTER_MINUTES} minutes. @defaultValue false
   */
  checkServed?: boolean;
}

/**
 * Status of one import, with its connection's flags, budget and limits; throws {@link ImportNotFoundError} for an
 * unknown id, and {@link ImportConnectionError} when `filter.connection` names another connection than the import's.
 */
export async function getStatus(
  ctx: OpsContext,
  importId: string,
  now = Date.now(),
  filter: StatusFilter = {},
): Promise<ImportStatus> {
  const record = await ctx.ledger.getImport(importId);
  if (!record) throw new ImportNotFoundError(importId, ctx.prefix);
  ImportConnectionError.check(record, filter.connection);
  const [flags, budget] = await Promise.all([
    readControlFlags(ctx, record.connection, filter),
    ctx.readBudget(record.connection),
  ]);
  return describeImport(ctx, record, flags, budget, now);
}

/** Imports read per round trip while a connection filter skips the others. */
const LIST_PAGE = 100;

/** Status of the most recent imports (into one connection, with `filter.connection`), newest first. */
export async function listStatuses(
  ctx: OpsContext,
  limit = 20,
  now = Date.now(),
  filter: StatusFilter = {},
): Promise<ImportStatus[]> {
  return describeImports(ctx, await recentImports(ctx, limit, filter), now, filter);
}

/** The status of each record, with its connection's flags and budget (read once per connection). */
export async function describeImports(
  ctx: OpsContext,
  records: readonly ImportRecord[],
  now: number,
  filter: StatusFilter = {},
): Promise<ImportStatus[]> {
  const connections = [...new Set(records.map((r) => r.connection))];
  const [flags, budgets] = await Promise.all([
    Promise.all(connections.map((c) => readControlFlags(ctx, c, filter))),
    Promise.all(connections.map((c) => ctx.readBudget(c))),
  ]);
  const of = (connection: string) => connections.indexOf(connection);
  return records.map((r) =>
    describeImport(ctx, r, flags[of(r.connection)]!, budgets[of(r.connection)]!, now),
  );
}

/**
 * The connection a command's `--connection NAME` filters by: one the configuration defines, or one it no longer
 * defines whose imports are still stored (removed from the file with imports in flight: they can still be listed,
 * reported and cancelled). Any other name is a {@link connectionOf} error naming those defined.
 */
export async function connectionFilter(
  ctx: OpsContext,
  config: Config,
  name: string | undefined,
): Promise<string | undefined> {
  if (name === undefined || config.connections.has(name)) return name;
  if ((await recentImports(ctx, 1, { connection: name })).length > 0) return name;
  return connectionOf(config, name).name;
}

/** The `limit` most recent import records that pass the filter, newest first. */
export async function recentImports(
  ctx: OpsContext,
  limit: number,
  filter: StatusFilter = {},
): Promise<ImportRecord[]> {
  return (await recentImportsWithin(ctx, limit, filter)).records;
}

/** What {@link recentImportsWithin} found. */
export interface RecentImports {
  records: ImportRecord[];
  /**
   * Where in the index (0 = the newest import) the scan stopped with imports left unread, because it had read
   * `scanAtMost` of them: older imports of the connection may be there. Null when every import was read, or
   * `limit` were found.
   */
  olderFrom: number | null;
}

/**
 * {@link recentImports}, reading at most `scanAtMost` entries of the index from `from` (0 = the newest import): with a
 * connection filter the ledger keeps no index by connection, so a connection with few recent imports (or none)
 * would read every import ever kept. Without a filter it reads `limit` from `from`.
 */
export async function recentImportsWithin(
  ctx: OpsContext,
  limit: number,
  filter: StatusFilter = {},
  scanAtMost = Number.POSITIVE_INFINITY,
  from = 0,
): Promise<RecentImports> {
  if (filter.connection === undefined) {
    const ids = await ctx.redis.zrevrange(ctx.keys.imports, from, from + limit - 1);
    const records = await Promise.all(ids.map((id) => ctx.ledger.getImport(id)));
    return { records: records.filter((r): r is ImportRecord => r !== null), olderFrom: null };
  }
  const found: ImportRecord[] = [];
  const end = from + scanAtMost;
  for (let start = from; found.length < limit; start += LIST_PAGE) {
    if (start >= end) {
      // Stopped by the bound: say so only when older imports remain.
      const more = await ctx.redis.zrevrange(ctx.keys.imports, start, start);
      return { records: found, olderFrom: more.length > 0 ? start : null };
    }
    const ids = await ctx.redis.zrevrange(ctx.keys.imports, start, Math.min(start + LIST_PAGE, end) - 1);
    const connections = await connectionsOf(ctx, ids);
    // Only the records of the connection are read whole.
    const records = await Promise.all(
      ids.map((id, i) => (connections[i] === filter.connection ? ctx.ledger.getImport(id) : null)),
    );
    for (const r of records)
      if (r && r.connection === filter.connection && found.length < limit) found.push(r);
    if (ids.length < Math.min(LIST_PAGE, end - start)) break;
  }
  return { records: found, olderFrom: null };
}

/** Each import's connection (`default` for a record from before connections; null for one gone): one round trip. */
async function connectionsOf(ctx: OpsContext, ids: readonly string[]): Promise<(string | null)[]> {
  if (ids.length === 0) return [];
  if (ctx.keys.cluster) {
    // The index by import (`imports:connection`) is what a cluster keeps; the record may say otherwise only if
    // edited by hand, and the record read afterwards is checked again.
    const connections = await ctx.redis.hmget(ctx.keys.importConnections, ...ids);
    return connections.map((c) => c || DEFAULT_CONNECTION);
  }
  const pipeline = ctx.redis.pipeline();
  for (const id of ids) pipeline.hmget(ctx.keys.import(id), 'importId', 'connection');
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, values]) => {
    if (err) throw err;
    const [importId, connection] = values as (string | null)[];
    return importId ? connection || DEFAULT_CONNECTION : null;
  });
}

export function describeImport(
  ctx: Pick<OpsContext, 'limitsOf'> & Partial<Pick<OpsContext, 'connections' | 'connectionsFile'>>,
  record: ImportRecord,
  flags: ControlFlags,
  budget: BudgetSnapshot | null,
  now: number,
): ImportStatus {
  // Known only when the workers were asked about: a configuration without the connection says nothing on its own
  // (another worker's file may define it), but with no worker on its queue it is why nothing moves.
  const undefinedHere =
    flags.workersServing === 0 &&
    ctx.connections !== undefined &&
    !ctx.connections.includes(record.connection);
  const state = displayState(record, flags, budget, now, undefinedHere);
  const ended = state === 'completed' || state === 'cancelled' || state === 'failed';
  const estimate = ended
    ? null
    : estimateEta({
        pendingRows: record.pending,
        finishedRows: record.created,
        tokensUsed: record.tokensUsed,
        contactsCreated: record.createdPersons + record.createdOrganizations,
        burstPer2s: ctx.limitsOf(record.connection).burstPer2s,
        dailyTokens: budget?.limit ?? ctx.limitsOf(record.connection).dailyTokens,
        budgetLeft: budget?.left,
        budgetResetsAt: flags.budgetWaitUntil ?? budget?.resetsAt,
        now,
      });
  // No ETA while it waits for a person: a blocked connection until its token is fixed, a paused queue until resumed,
  // rows put back by verify --repair until the import is run again, a stalled import until a worker serves it (the
  // limits' figure, seconds, read as if it were running). The tokens its rows will spend are the same either way.
  // Rows pending and no worker on the queue: not stalled yet (a worker restarting shows so for a moment:
  // UNSERVED_AFTER_MS), but no ETA, and the state text says so at once.
  const unserved = state === 'running' && flags.workersServing === 0;
  const waitsForPerson =
    unserved ||
    state === 'blocked' ||
    state === 'paused' ||
    state === 'stalled' ||
    state === 'waiting-for-reimport';
  // Nor while Pipedrive fails every call: the limits' figure would read as if rows were moving.
  const failing: Failing | undefined =
    state === 'running' || state === 'stalled' ? failingNow(flags, now) : undefined;
  const waited = waitsForPerson || failing ? null : estimate;
  // While the workers wait for budget, no row moves before the wait ends, whatever the budget snapshot says (a
  // process that reads none, as `import --wait` may, took the burst limit's minutes for the ETA).
  const eta =
    waited && flags.budgetWaitUntil !== undefined && flags.budgetWaitUntil > now && waited.ms > 0
      ? { ...waited, ms: Math.max(waited.ms, flags.budgetWaitUntil - now), limitedByBudget: true }
      : waited;
  const finished = record.created + record.rejected + record.deadLettered + record.cancelled;
  const total = Math.max(record.rows, finished + record.pending);
  return {
    importId: record.importId,
    connection: record.connection,
    priority: record.priority,
    rowsPerJob: record.rowsPerJob,
    fileName: record.fileName,
    state,
    stateText: stateText(
      state,
      record,
      flags,
      now,
      failing,
      undefinedHere ? (ctx.connectionsFile ?? null) : undefined,
    ),
    rows: record.rows,
    enqueued: record.enqueued,
    rejected: record.rejected,
    alreadyImported: record.alreadyImported,
    created: record.created,
    reverted: record.reverted,
    revertFoundGone: record.revertFoundGone,
    deadLettered: record.deadLettered,
    cancelled: record.cancelled,
    pending: record.pending,
    createdPersons: record.createdPersons,
    reusedPersons: record.reusedPersons,
    createdOrganizations: record.createdOrganizations,
    reusedOrganizations: record.reusedOrganizations,
    reusedContacts: record.reusedPersons + record.reusedOrganizations,
    createdNotes: record.createdNotes,
    failedNotes: record.failedNotes,
    tokensUsed: record.tokensUsed,
    progress: total > 0 ? finished / total : state === 'completed' ? 1 : 0,
    etaMs: eta && eta.ms > 0 ? eta.ms : null,
    etaText: eta && eta.ms > 0 ? formatDuration(eta.ms) : null,
    tokensRemaining: estimate?.tokens ?? 0,
    budget,
    blockedReason: flags.blockedReason,
    budgetWaitUntil: flags.budgetWaitUntil,
    ...(failing ? { failingSince: failing.since, failingReason: failing.reason } : {}),
    ...(flags.workersServing !== undefined ? { workersServing: flags.workersServing } : {}),
    balanced: record.rows === finished + record.pending,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    error: record.error,
  };
}

function displayState(
  record: ImportRecord,
  flags: ControlFlags,
  budget: BudgetSnapshot | null,
  now: number,
  undefinedHere: boolean,
): ImportDisplayState {
  if (record.state === 'failed') return 'failed';
  if (record.state === 'cancelled') return 'cancelled';
  if (record.state !== 'reading' && record.pending === 0) return 'completed';
  if (producerStopped(record, now)) return 'stalled';
  if (awaitsReimport(record)) return 'waiting-for-reimport';
  if (flags.blockedReason) return 'blocked';
  if (flags.paused) return 'paused';
  if (flags.budgetWaitUntil && flags.budgetWaitUntil > now) return 'waiting-for-budget';
  if (record.state === 'reading') return 'reading';
  // Every finished row updates the record: none for minutes, with rows pending, and no 429 pause or budget wait
  // that ended since, means nothing serves them.
  const lastChange = Math.max(
    record.updatedAt,
    record.createdAt,
    flags.rateLimitedUntil ?? 0,
    flags.budgetWaitUntil ?? 0,
  );
  // A spent budget holds the rows too (the workers' wait flag may not be set yet).
  const budgetSpent = budget !== null && budget.left <= 0;
  if (!budgetSpent && now - lastChange >= STALLED_AFTER_MINUTES * 60_000) return 'stalled';
  // No worker takes its connection's rows: nothing will move until one does. At once when the configuration no longer
  // defines the connection (removed or renamed in the file: the workers reading it stopped serving it).
  if (flags.workersServing === 0 && (undefinedHere || now - lastChange >= UNSERVED_AFTER_MS))
    return 'stalled';
  return 'running';
}

/**
 * Whether the import is `reading` but its producer stopped marking it alive ({@link PRODUCER_SILENT_AFTER_MS}): killed
 * (SIGKILL, the OOM killer, a machine lost) without the chance to mark it failed. A record without the mark (a
 * producer from before it) is not judged.
 */
export function producerStopped(
  record: Pick<ImportRecord, 'state' | 'producerSeenAt'>,
  now: number,
): boolean {
  return (
    record.state === 'reading' &&
    record.producerSeenAt !== undefined &&
    now - record.producerSeenAt >= PRODUCER_SILENT_AFTER_MS
  );
}

/**
 * Whether the import's pending rows are only the ones `verify --repair` put back, which have no job: nothing was
 * written to the record since (a re-run of the import writes its counters first, a row's outcome moves `updatedAt`
 * too). `verify --repair` refuses an import with pending rows, so right after it every pending row is one of those.
 */
export function awaitsReimport(
  record: Pick<ImportRecord, 'state' | 'pending' | 'updatedAt' | 'reimportNeededAt'>,
): boolean {
  return (
    record.reimportNeededAt !== undefined &&
    record.pending > 0 &&
    record.state === 'enqueued' &&
    record.updatedAt <= record.reimportNeededAt
  );
}

/**
 * `failing`: every call to Pipedrive failing, as {@link failingNow} read it for a running or stalled import.
 * `undefinedIn`: the connection is not defined by this configuration and no worker serves it: the connections file
 * read (null without one).
 */
function stateText(
  state: ImportDisplayState,
  record: ImportRecord,
  flags: ControlFlags,
  now: number,
  failing: Failing | undefined,
  undefinedIn?: string | null,
): string {
  switch (state) {
    case 'waiting-for-reimport':
      return `waiting for a re-run: ${record.pending} row${record.pending === 1 ? '' : 's'} put back by verify --repair (lead gone); \`${reimportCommand(record).command}\`${record.readArgs === undefined ? ', with the --mapping file and options of its first run' : ''}`;
    case 'waiting-for-budget':
      return `waiting for budget until ${formatUtc(flags.budgetWaitUntil ?? 0)}`;
    case 'blocked':
      return `blocked: ${flags.blockedReason}`;
    case 'paused':
      return 'paused (run `lead-importer resume`)';
    case 'cancelled':
      return record.pending > 0 ? `cancelled (${record.pending} rows in flight)` : 'cancelled';
    case 'failed':
      return record.error ? `failed: ${record.error}` : 'failed';
    case 'reading':
      return 'reading the file';
    case 'stalled':
      return stalledText(record, flags, undefinedIn, now, failing);
    case 'running':
      if (flags.workersServing === 0) {
        return record.connection === DEFAULT_CONNECTION
          ? 'running, but no worker is running: its rows wait on the queue. Start one: `lead-importer worker`'
          : `running, but no worker serves connection ${record.connection}: its rows wait on its queue. Start one (\`lead-importer worker\`), or add ${record.connection} to a worker's --connections`;
      }
      if (failing)
        return `running, but ${failingText(failing)}: the workers retry with back-off, and a row whose attempts run out goes to the dead-letter queue`;
      return state;
    default:
      return state;
  }
}

/** Why a stalled import does not move, and what to do, as precisely as the status knows. */
function stalledText(
  record: ImportRecord,
  flags: ControlFlags,
  undefinedIn: string | null | undefined,
  now: number,
  failing: Failing | undefined,
): string {
  const { connection, importId } = record;
  if (producerStopped(record, now)) {
    const silentS = Math.round((now - (record.producerSeenAt ?? now)) / 1000);
    return `stalled: the producer stopped while reading the file (no progress for ${silentS} s): run the same import command again (\`lead-importer import ${record.fileName || 'FILE'} …\` with the same options; it goes on where it stopped, nothing is enqueued twice)`;
  }
  const rows = `${record.pending} pending row${record.pending === 1 ? '' : 's'}`;
  if (undefinedIn !== undefined) {
    const where =
      undefinedIn === null
        ? `this configuration (${CONNECTIONS_FILE_VAR} is not set: the PIPEDRIVE_* variables define only ${DEFAULT_CONNECTION})`
        : undefinedIn;
    return `stalled: connection ${connection} is not defined in ${where}, and no worker serves it: its ${rows} are kept on its queue. Removed or renamed? Define it again as ${connection} and send the workers SIGHUP, or drop them: \`lead-importer cancel ${importId}\``;
  }
  if (flags.workersServing === 0) {
    return connection === DEFAULT_CONNECTION
      ? `stalled: no worker is running: its ${rows} are kept on the queue. Start one: \`lead-importer worker\``
      : `stalled: no worker serves connection ${connection}: its ${rows} are kept on its queue. Start one (\`lead-importer worker\`), or add ${connection} to a worker's --connections`;
  }
  if (failing) {
    return `stalled: no row finished in the last ${STALLED_AFTER_MINUTES} min, and ${failingText(failing)}: the workers retry with back-off. Is Pipedrive down (https://status.pipedrive.com), or the way to it from the workers (proxy, firewall, DNS)?`;
  }
  return `stalled: no row finished in the last ${STALLED_AFTER_MINUTES} min; ${
    connection === DEFAULT_CONNECTION
      ? 'is a worker running? (`lead-importer worker`)'
      : `is a worker serving ${connection}? (\`lead-importer worker\`)`
  }`;
}
