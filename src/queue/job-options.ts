import type { JobsOptions } from 'bullmq';
import { chunkJobIdFor, jobIdFor } from './names.js';

/**
 * Attempts and backoff for lead jobs, used by the producer and by `dlq retry`. Transient errors
 * inside one attempt are retried by p-retry in the worker; these attempts cover longer outages.
 * Rate limits do not spend attempts (the worker uses `Worker.RateLimitError`).
 */
export const LEAD_JOB_ATTEMPTS = 8;
export const LEAD_JOB_BACKOFF_MS = 5_000;

/** BullMQ's backoff of a lead job's retries (and of a row split out of its chunk to be retried). */
export const LEAD_JOB_BACKOFF = { type: 'exponential', delay: LEAD_JOB_BACKOFF_MS, jitter: 0.5 } as const;

/** `import --priority N`: the import's weight among the imports of its connection. */
export const IMPORT_PRIORITY_DEFAULT = 1;
export const IMPORT_PRIORITY_MAX = 100;

/**
 * BullMQ's largest job priority (`PRIORITY_LIMIT` in bullmq's job.ts: 2^21 − 1; a larger one makes
 * `add` throw). Lower numbers run first; 0 means "no priority", and such jobs would run before every
 * prioritized one, so a lead job never gets 0.
 */
export const MAX_JOB_PRIORITY = 2 ** 21 - 1;

/**
 * How many turns a new import may take ahead of the imports already under way on its connection
 * before it shares turns with them (see {@link importStartTurn}).
 *
 * Why a head start, and why this size: a small import started during a huge one should finish in
 * about the time it takes alone, so its rows go ahead of the huge one's; but a second huge import
 * started late must not hold the first one back until it has caught up with it row for row (at 20
 * leads/s on Growth, a 500,000-row import is 7 hours ahead). With 1,000 turns, an import of up to
 * 1,000 rows (× its weight) runs as if alone, and the imports under way wait at most 1,000 rows of
 * the newcomer (≈ 1–2 minutes on Growth) before both take turns.
 */
export const IMPORT_HEAD_START_TURNS = 1_000;

/**
 * The turn the first import on an empty queue starts from: room below it for the head starts of the imports that
 * arrive while it runs. Were it 0 (as until this constant), a newcomer's head start would be cut to the turns the
 * imports under way had served: a 100-row import started once a 20,000-row one had served 56 rows went only 56
 * turns ahead, then shared row for row (2.3× its time alone in `bench:fairness -- --start-after 0`). Ten head
 * starts deep: imports arriving one after another, each during the previous one's head start, each still get
 * their full head start. It costs the first import 10,000 of BullMQ's 2,097,151 priorities.
 */
export const IMPORT_FIRST_START_TURN = 10 * IMPORT_HEAD_START_TURNS;

/**
 * The turn a new import's rows count from on its connection's queue: the priority of the row its connection serves
 * next (the lowest priority waiting) less the head start, never below 0; {@link IMPORT_FIRST_START_TURN} when no
 * row waits. Start-time fair queuing: the new import's turn 1 falls where the imports under way are, minus
 * {@link IMPORT_HEAD_START_TURNS}, so it neither waits behind their rows nor stalls them for longer than the head
 * start. Kept on the import's record (`startTurn`), so a re-run and `dlq retry` give every row the priority it was
 * first added with. (Imports created before {@link IMPORT_FIRST_START_TURN} count from 0, so a newcomer beside
 * them gets at most the turns they have served ahead.)
 */
export function importStartTurn(nextPriority: number): number {
  if (!Number.isFinite(nextPriority) || nextPriority < 1) return IMPORT_FIRST_START_TURN;
  if (nextPriority <= IMPORT_HEAD_START_TURNS) return 0;
  return Math.min(MAX_JOB_PRIORITY - 1, Math.floor(nextPriority) - IMPORT_HEAD_START_TURNS);
}

/**
 * The BullMQ priority of a lead job: its import's start turn plus its row's turn within the import
 * divided by the import's weight, rounded up (`startTurn + ceil(turn / weight)`), clamped to
 * 1…{@link MAX_JOB_PRIORITY}.
 *
 * Every import's k-th row gets priority startTurn + k (with weight 1), and BullMQ takes the lowest
 * priority first (first in, first out among equals), so imports sharing a connection's queue take
 * turns, row by row: a 20,000-row import started on an empty queue counts from turn 10,000
 * ({@link IMPORT_FIRST_START_TURN}); a 100-row import started once it is at its row 5,000 starts at turn 14,000
 * (the head start), has its rows ahead of that import's rest and finishes in about the time it takes alone. An import of weight 3 has three rows for every turn of a weight-1 import. Rows past
 * priority 2,097,151 all share the last one (first in, first out among them).
 *
 * Deterministic: the same row of the same import always gets the same priority, whoever (re-)adds it.
 */
export function leadPriority(turn: number, weight: number = IMPORT_PRIORITY_DEFAULT, startTurn = 0): number {
  const t = Number.isFinite(turn) && turn >= 1 ? Math.floor(turn) : 1;
  const w = Number.isInteger(weight) && weight >= 1 ? Math.min(weight, IMPORT_PRIORITY_MAX) : 1;
  const s = Number.isFinite(startTurn) && startTurn >= 0 ? Math.floor(startTurn) : 0;
  return Math.min(MAX_JOB_PRIORITY, s + Math.ceil(t / w));
}

/**
 * Parses `--priority`: an integer from 1 to {@link IMPORT_PRIORITY_MAX}; `undefined` for anything else.
 */
export function parseImportPriority(value: string): number | undefined {
  if (!/^\d{1,3}$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return n >= 1 && n <= IMPORT_PRIORITY_MAX ? n : undefined;
}

/**
 * Options of a lead job. `priority` comes from {@link leadPriority}: the producer, its re-run and
 * `dlq retry` all give a row the same one (its `turn` is in its job data, the import's weight on its
 * record).
 */
export function leadJobOptions(importId: string, line: number, priority: number): JobsOptions {
  return {
    jobId: jobIdFor(importId, line),
    priority: Math.max(1, Math.min(MAX_JOB_PRIORITY, Math.floor(priority))),
    attempts: LEAD_JOB_ATTEMPTS,
    backoff: LEAD_JOB_BACKOFF,
    // The ledger keeps every row's outcome, so finished jobs need not stay in Redis.
    removeOnComplete: true,
    // Failed jobs are moved to the dead-letter queue by the worker; keep a week for inspection.
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * Options of a chunk job (several rows, `LEAD_IMPORTER_ROWS_PER_JOB`): a lead job's, with the chunk's id and the
 * priority of its first row. Its attempts cover only a chunk that could not hand a row on (Redis gone); a row's own
 * retries are single-row jobs split out of it (`src/worker/chunk-runner.ts`).
 */
export function leadChunkJobOptions(importId: string, chunk: number, priority: number): JobsOptions {
  return { ...leadJobOptions(importId, 0, priority), jobId: chunkJobIdFor(importId, chunk) };
}
