import { DEFAULT_CONNECTION } from '../config/config.js';
import type { DeadLetterEntry } from '../ops/dead-letters.js';
import { countDeadLettersOf, firstDeadLettersOf } from '../ops/dead-letters.js';
import { formatUtc } from '../ops/format.js';
import { sharedImportTotals } from '../ops/import-totals.js';
import type { BudgetSnapshot, OpsContext } from '../ops/ops-context.js';
import { QUEUED, type RowCounts, readRowCounts } from '../ops/row-counts.js';
import {
  type ControlFlags,
  describeImports,
  getStatus,
  type ImportStatus,
  readControlFlags,
  recentImportsWithin,
  type StatusFilter,
} from '../ops/status.js';
import { type LastVerification, readLastVerification } from '../ops/verify.js';
import type { MappingDescription } from '../producer/mapping.js';
import { countLiveWorkers } from './health.js';

export interface Overview {
  generatedAt: number;
  /** One line when something holds imports back (paused; a connection blocked or waiting for budget). */
  notice: string | null;
  /** An operator's `pause` holds the connections shown (not a worker's own pause of a blocked connection's queue). */
  paused: boolean;
  workers: number;
  /** The shown connection's budget today (the only connection's, without a filter); null when unknown. */
  budget: BudgetSnapshot | null;
  /**
   * Lead jobs by state (the shown connection's queue, or every connection's summed), and the dead-letter queue's
   * (the shown connection's entries of it, or all of them).
   * BullMQ's counts: with several rows per job a lead job holds up to that many rows; {@link Overview.rows} counts rows.
   */
  queues: { lead: Record<string, number>; deadLetter: Record<string, number> };
  /** Rows queued and in flight (the shown connection's, or every connection's summed): {@link readRowCounts}. */
  rows: RowCounts;
  /** The most rows per BullMQ job among the imports listed (1 when each job is one row). */
  rowsPerJob: number;
  imports: ImportStatus[];
  /** The configured connections, for the page's filter. */
  connections: readonly string[];
  /** The connection the page shows (`?connection=`), or null for all. */
  connection: string | null;
  /** Where in the imports (0 = the newest) the list starts (`?from=`, the page's "show older"). */
  from: number;
  /**
   * With a connection filter: where the look for the connection's imports stopped, having read
   * {@link OVERVIEW_SCAN_WINDOW} imports of every connection with older ones left (`?from=` this shows them); null
   * when nothing is left unread.
   */
  olderFrom: number | null;
  /**
   * Whether the page names each import's connection: once the deployment serves more than the one `default`
   * company (a single-company page looks as it always did).
   */
  showConnections: boolean;
}

/** Whether a deployment serves more than the one `default` company (then pages name each import's connection). */
export function servesManyCompanies(connections: readonly string[]): boolean {
  return !(connections.length === 1 && connections[0] === DEFAULT_CONNECTION);
}

/**
 * Imports of every connection a filtered page reads at most per poll, newest first: the ledger keeps no index by
 * connection, and without a bound a connection with few imports among many read every import ever kept on each poll
 * (30,000 imports: 1.3 s, `bench:dashboard-many-imports`). Older ones are a "show older" away (`?from=`).
 */
export const OVERVIEW_SCAN_WINDOW = 1_000;

// Every state readRowCounts counts as queued, and more.
const COUNTED = [...QUEUED, 'active', 'failed'] as const;

/**
 * What the imports page shows, as served by `/api/imports`: every connection's imports, or one connection's
 * (`filter.connection`, which the caller has checked is configured).
 */
export async function readOverview(
  ctx: OpsContext,
  workerFreshMs: number,
  limit = 50,
  filter: StatusFilter = {},
  from = 0,
): Promise<Overview> {
  const now = Date.now();
  const shown = filter.connection !== undefined ? [filter.connection] : ctx.connections;
  // One connection's budget, when the page is about one.
  const budgetOf = filter.connection ?? (ctx.connections.length === 1 ? ctx.connections[0] : undefined);
  // Read once: shown by state, and counted in rows by readRowCounts.
  const jobCounts = Promise.all(shown.map((c) => ctx.leadQueueOf(c).getJobCounts(...COUNTED)));
  const listed = recentImportsWithin(ctx, limit, filter, OVERVIEW_SCAN_WINDOW, from);
  const [imports, flags, workers, budget, leadCounts, deadLetter, rowCounts, { olderFrom }] =
    await Promise.all([
      // Asked which workers serve each connection, as `status` is: an import no worker serves shows stalled, and why.
      listed.then(({ records }) => describeImports(ctx, records, now, { ...filter, checkServed: true })),
      Promise.all(shown.map((c) => readControlFlags(ctx, c))),
      countLiveWorkers(ctx, workerFreshMs, now),
      budgetOf === undefined ? null : ctx.readBudget(budgetOf),
      jobCounts,
      // The DLQ is shared by every connection: one connection's page counts its imports' entries only.
      filter.connection === undefined
        ? ctx.deadLetterQueue.getJobCounts('waiting', 'paused', 'delayed', 'prioritized')
        : countDeadLettersOf(ctx, filter.connection),
      // The totals of every import: read once per IMPORT_TOTALS_MAX_AGE_MS for every tab and scrape.
      readRowCounts(ctx, shown, jobCounts, sharedImportTotals(ctx)),
      listed,
    ]);
  const rows: RowCounts = { queued: 0, active: 0 };
  for (const counts of rowCounts.values()) {
    rows.queued += counts.queued;
    rows.active += counts.active;
  }
  const lead: Record<string, number> = {};
  for (const counts of leadCounts) {
    for (const [state, n] of Object.entries(counts)) lead[state] = (lead[state] ?? 0) + n;
  }
  const showConnections = servesManyCompanies(ctx.connections);
  return {
    generatedAt: now,
    notice: noticeOf(
      shown.map((c, i) => [c, flags[i]!] as const),
      now,
      showConnections,
    ),
    paused: flags.some(operatorPaused),
    workers,
    budget,
    queues: { lead, deadLetter },
    rows,
    rowsPerJob: Math.max(1, ...imports.map((s) => s.rowsPerJob)),
    imports,
    connections: ctx.connections,
    connection: filter.connection ?? null,
    from,
    olderFrom,
    showConnections,
  };
}

/**
 * Whether an operator's `pause` holds the connection: the pause flag, or its queue paused while no block explains it.
 * A worker whose token is rejected pauses its connection's queue itself (and resumes it once the token works): that
 * is the block, which `lead-importer resume` does not lift.
 */
function operatorPaused(f: ControlFlags): boolean {
  return f.pausedAt !== undefined || (f.paused && !f.blockedReason);
}

/**
 * The line that says what holds imports back: each blocked connection first (the notice is red when it starts
 * with one), then a pause, then each connection waiting for budget. Every one is said: a blocked connection
 * must not hide that another waits for its budget.
 */
function noticeOf(
  flags: readonly (readonly [string, ControlFlags])[],
  now: number,
  nameConnections: boolean,
): string | null {
  // One company's page says what it always said; several name the connection each line is about.
  const who = (c: string) => (nameConnections ? ` (${c})` : '');
  const blocked = flags
    .filter(([, f]) => f.blockedReason)
    .map(([c, f]) => `Blocked${who(c)}: ${f.blockedReason}`);
  const paused = flags.some(([, f]) => operatorPaused(f))
    ? ['Paused: no worker starts new rows until `lead-importer resume`.']
    : [];
  const waiting = flags
    .filter(([, f]) => f.budgetWaitUntil && f.budgetWaitUntil > now)
    .map(
      ([c, f]) => `Today's token budget${who(c)} is spent: waiting until ${formatUtc(f.budgetWaitUntil!)}.`,
    );
  const lines = [...blocked, ...paused, ...waiting];
  return lines.length > 0 ? lines.join(' · ') : null;
}

export interface ImportDetail {
  status: ImportStatus;
  deadLetters: DeadLetterEntry[];
  /** Dead-lettered rows beyond the ones listed. */
  moreDeadLetters: number;
  /** How the producer read the file's columns (as the dry run shows it), when the record has it. */
  mapping?: MappingDescription;
  /** Whether the page names the import's connection ({@link servesManyCompanies}). */
  showConnections: boolean;
  /** The last `lead-importer verify` of this import, if any. */
  verification: LastVerification | null;
}

export async function readImportDetail(
  ctx: OpsContext,
  importId: string,
  limit = 500,
): Promise<ImportDetail> {
  const status = await getStatus(ctx, importId, Date.now(), { checkServed: true });
  const [dead, verification] = await Promise.all([
    firstDeadLettersOf(ctx, importId, limit),
    readLastVerification(ctx, importId),
  ]);
  const mapping = (await ctx.ledger.getImport(importId))?.mapping as
    | Partial<MappingDescription>
    | null
    | undefined;
  return {
    status,
    deadLetters: dead.entries,
    moreDeadLetters: Math.max(0, dead.total - dead.entries.length),
    showConnections: servesManyCompanies(ctx.connections),
    verification,
    // Imports recorded before the mapping said why have no columns list: nothing to show.
    ...(mapping && Array.isArray(mapping.columns) ? { mapping: mapping as MappingDescription } : {}),
  };
}
