import type { DeadLetterEntry } from '../ops/dead-letters.js';
import { listDeadLetters } from '../ops/dead-letters.js';
import { formatUtc } from '../ops/format.js';
import type { BudgetSnapshot, OpsContext } from '../ops/ops-context.js';
import { getStatus, type ImportStatus, listStatuses, readControlFlags } from '../ops/status.js';
import { type LastVerification, readLastVerification } from '../ops/verify.js';
import { countLiveWorkers } from './health.js';

export interface Overview {
  generatedAt: number;
  /** One line when something holds every import back (paused, blocked, waiting for budget). */
  notice: string | null;
  paused: boolean;
  workers: number;
  budget: BudgetSnapshot | null;
  queues: { lead: Record<string, number>; deadLetter: Record<string, number> };
  imports: ImportStatus[];
}

const COUNTED = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed'] as const;

/** What the imports page shows, as served by `/api/imports`. */
export async function readOverview(ctx: OpsContext, workerFreshMs: number, limit = 50): Promise<Overview> {
  const now = Date.now();
  const [imports, flags, workers, budget, lead, deadLetter] = await Promise.all([
    listStatuses(ctx, limit, now),
    readControlFlags(ctx),
    countLiveWorkers(ctx, workerFreshMs, now),
    ctx.readBudget(),
    ctx.leadQueue.getJobCounts(...COUNTED),
    ctx.deadLetterQueue.getJobCounts('waiting', 'paused', 'delayed', 'prioritized'),
  ]);
  let notice: string | null = null;
  if (flags.blockedReason) notice = `Blocked: ${flags.blockedReason}`;
  else if (flags.paused) notice = 'Paused: no worker starts new rows until `lead-importer resume`.';
  else if (flags.budgetWaitUntil && flags.budgetWaitUntil > now) {
    notice = `Today's token budget is spent: waiting until ${formatUtc(flags.budgetWaitUntil)}.`;
  }
  return {
    generatedAt: now,
    notice,
    paused: flags.paused,
    workers,
    budget,
    queues: { lead, deadLetter },
    imports,
  };
}

export interface ImportDetail {
  status: ImportStatus;
  deadLetters: DeadLetterEntry[];
  /** Dead-lettered rows beyond the ones listed. */
  moreDeadLetters: number;
  /** The last `lead-importer verify` of this import, if any. */
  verification: LastVerification | null;
}

export async function readImportDetail(
  ctx: OpsContext,
  importId: string,
  limit = 500,
): Promise<ImportDetail> {
  const status = await getStatus(ctx, importId);
  const [all, verification] = await Promise.all([
    listDeadLetters(ctx, { importId }),
    readLastVerification(ctx, importId),
  ]);
  return {
    status,
    deadLetters: all.slice(0, limit),
    moreDeadLetters: Math.max(0, all.length - limit),
    verification,
  };
}
