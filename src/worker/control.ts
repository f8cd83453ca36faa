import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import { keyScope, keysFor } from '../queue/names.js';

/**
 * A connection's control hash (`connectionControl`: `{prefix}:control` for `default`,
 * `{prefix}:control:{name}` for the others): the flags every worker of the connection, `status` and the
 * dashboard read. Workers write the fields below; an operator's `pause`/`resume` adds its own to
 * `{prefix}:control` (every connection's).
 *
 * | field               | meaning                                                                    |
 * |---------------------|----------------------------------------------------------------------------|
 * | `blockedReason`     | why processing is blocked (a rejected token); shown as "blocked: …"        |
 * | `blockedKind`       | `auth` (401)                                                               |
 * | `blockedAt`         | ms epoch                                                                   |
 * | `pausedBy`          | `auth` when the worker paused the queue itself (so only it resumes it)     |
 * | `budgetWaitUntil`   | ms epoch: jobs wait for the next budget day until then                     |
 * | `budgetWaitReason`  | one sentence, e.g. "daily token budget spent (27,000 of 27,000)"          |
 * | `rateLimitedUntil`  | ms epoch: every call waits until then (after a 429 or an edge block)      |
 * | `rateLimitScope`    | `burst`, `search`, `daily` or `edge`                                       |
 * | `failingSince`      | ms epoch: every call of a worker has failed since then (5xx, no answer)    |
 * | `failingAt`, `failingReason` | the latest such failure, and what it was (`FailureStreak`)        |
 * | `companyKey`, `budgetDailyTokens`, `budgetReserve`, `budgetResetUtc` | where the budget is kept (`readBudget`) |
 */
export interface ControlState {
  blockedReason?: string;
  blockedKind?: 'auth';
  blockedAt?: number;
  pausedBy?: 'auth';
  budgetWaitUntil?: number;
  budgetWaitReason?: string;
  rateLimitedUntil?: number;
  rateLimitScope?: string;
  /** A worker's calls have all failed since then (5xx, no answer), the latest at `failingAt`: {@link failingNow}. */
  failingSince?: number;
  failingAt?: number;
  failingReason?: string;
}

/** Since when every call of a connection's workers has failed, and the latest failure. */
export interface Failing {
  since: number;
  reason: string;
}

/** A published streak of failures older than this is a stopped worker's, not news. */
export const FAILING_FRESH_MS = 2 * 60_000;

/**
 * The failures a connection's workers published, when the latest is recent ({@link FAILING_FRESH_MS}): "since 04:15:02
 * UTC (latest: 500 Internal Server Error to GET /api/v1/users/me)"; undefined otherwise.
 */
export function failingNow(
  state: Pick<ControlState, 'failingSince' | 'failingAt' | 'failingReason'>,
  now: number,
): Failing | undefined {
  const { failingSince, failingAt, failingReason } = state;
  if (failingSince === undefined || failingAt === undefined || !failingReason) return undefined;
  if (now - failingAt > FAILING_FRESH_MS) return undefined;
  return { since: failingSince, reason: failingReason };
}

/** A connection's flags (`default`'s when none is named). */
export async function readControl(
  redis: Redis,
  prefix: string,
  connection: string = DEFAULT_CONNECTION,
): Promise<ControlState> {
  const raw = await redis.hgetall(keysFor(prefix, keyScope(redis)).connectionControl(connection));
  const state: ControlState = {};
  if (raw.blockedReason) state.blockedReason = raw.blockedReason;
  if (raw.blockedKind === 'auth') state.blockedKind = 'auth';
  const blockedAt = msOrUndefined(raw.blockedAt);
  if (blockedAt !== undefined) state.blockedAt = blockedAt;
  if (raw.pausedBy === 'auth') state.pausedBy = 'auth';
  const budgetWaitUntil = msOrUndefined(raw.budgetWaitUntil);
  if (budgetWaitUntil !== undefined) state.budgetWaitUntil = budgetWaitUntil;
  if (raw.budgetWaitReason) state.budgetWaitReason = raw.budgetWaitReason;
  const rateLimitedUntil = msOrUndefined(raw.rateLimitedUntil);
  if (rateLimitedUntil !== undefined) state.rateLimitedUntil = rateLimitedUntil;
  if (raw.rateLimitScope) state.rateLimitScope = raw.rateLimitScope;
  const failingSince = msOrUndefined(raw.failingSince);
  if (failingSince !== undefined) state.failingSince = failingSince;
  const failingAt = msOrUndefined(raw.failingAt);
  if (failingAt !== undefined) state.failingAt = failingAt;
  if (raw.failingReason) state.failingReason = raw.failingReason;
  return state;
}

/** A time field of the hash (ms epoch), or undefined when absent, empty or not a number. */
export function msOrUndefined(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Number(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * One line for `status` and the imports page, or `undefined` when nothing holds processing back:
 * "blocked: Pipedrive rejected the API token …" or "waiting for budget until 2026-05-15 00:00 UTC".
 */
export function describeControl(state: ControlState, now = Date.now()): string | undefined {
  if (state.blockedReason) return `blocked: ${state.blockedReason}`;
  if (state.budgetWaitUntil && state.budgetWaitUntil > now) {
    return `waiting for budget until ${formatUtc(state.budgetWaitUntil)}`;
  }
  return undefined;
}

/** `2026-05-15 00:00 UTC` */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
