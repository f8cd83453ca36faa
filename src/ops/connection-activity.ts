import { type MinuteCounts, readMinuteCounts } from '../metrics/recorder.js';
import { TOKEN_COSTS } from '../pipedrive/token-costs.js';
import { type ControlState, failingNow, readControl } from '../worker/control.js';
import { failingText, formatClockUtc, formatCount, formatUtc } from './format.js';
import type { BudgetSnapshot, OpsContext } from './ops-context.js';
import { type RowCounts, readRowCounts } from './row-counts.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The recent rate a projection uses: tokens charged over the last 15 minutes (the current one so far included). */
export const PROJECTION_WINDOW_MINUTES = 15;
/** Minutes a connection with queued rows may go without sending anything before it counts as starved. */
export const STARVED_AFTER_MINUTES = 5;
/** Step of the burn-down's points. */
export const BURN_DOWN_STEP_MINUTES = 10;

/**
 * What holds a connection back, or what it is doing, most urgent first:
 * - `blocked`: Pipedrive rejected its credentials (401); nothing runs until they are fixed;
 * - `paused`: an operator paused the queues (`lead-importer pause`);
 * - `rate-limited`: its calls wait after a 429 (burst, search or daily window);
 * - `edge-backoff`: its calls wait after an edge block (an HTML 403 from Pipedrive's CDN);
 * - `failing`: every call a worker made for a while failed (5xx answers, or none: Pipedrive or the way to it is
 *   down); the workers retry with back-off;
 * - `budget-spent`: today's budget is spent; rows wait for the next budget day;
 * - `starved`: rows have waited {@link STARVED_AFTER_MINUTES} minutes and nothing was sent to Pipedrive in them;
 * - `running`: rows are being imported;
 * - `idle`: nothing queued.
 */
export type ConnectionState =
  | 'blocked'
  | 'paused'
  | 'rate-limited'
  | 'edge-backoff'
  | 'failing'
  | 'budget-spent'
  | 'starved'
  | 'running'
  | 'idle';

/** How long today's budget lasts at the recent rate. */
export interface BudgetProjection {
  /**
   * `spent`: nothing left today, or the connection's state is `budget-spent` (the workers wait once what is left
   * cannot pay for a row, which can be more than 0); `runs-out`: the recent rate spends it before the reset (`runsOutAt`);
   * `lasts-the-day`: it lasts until the reset at the recent rate (or nothing was spent recently, or the
   * connection has nothing queued or in flight to spend it on, or is {@link BudgetProjection.held}).
   */
  verdict: 'spent' | 'runs-out' | 'lasts-the-day';
  /** Tokens per minute over the window. */
  tokensPerMinute: number;
  /** The window the rate was measured over, in minutes (shorter just after the budget day began). */
  windowMinutes: number;
  /** Epoch ms when the budget runs out at that rate (`runs-out` only). */
  runsOutAt: number | null;
  /**
   * The most the connection's rows waiting, delayed or in flight can spend (72 tokens a row at most); null when the
   * rows are not known. The projection stops there: spending ends with the rows.
   */
  queuedTokensAtMost: number | null;
  /**
   * The connection has no rows waiting, delayed or in flight: the recent rate was a finished import's, and is
   * not projected forward (no dotted line on the chart).
   */
  nothingQueued: boolean;
  /**
   * The connection is blocked, paused or starved: nothing goes to Pipedrive until a person acts, so the recent
   * rate is not projected forward either (no dotted line, no run-out time), as such an import shows no ETA.
   */
  held: boolean;
  /**
   * One line for people: "runs out ≈ 14:20 UTC at 1,200 tokens/min", "lasts the day at 300 tokens/min",
   * "lasts the day: nothing queued", "spent until …".
   */
  text: string;
}

/** Today's budget of a connection's company, with how it was spent and how long it lasts. */
export interface BudgetBurnDown {
  /** The company's daily tokens, reserve included. */
  total: number;
  /** What the importer may spend (total minus the reserve for the company's other integrations). */
  limit: number;
  /** Tokens held back for the company's other integrations: `total − limit`. */
  reserve: number;
  used: number;
  left: number;
  /** Epoch ms the budget day began and when it resets. */
  dayStartsAt: number;
  resetsAt: number;
  /**
   * Tokens spent since the budget day began, at every {@link BURN_DOWN_STEP_MINUTES} minutes and now (last point):
   * the importer's own charges per minute, added up, on top of what it did not record (spent by the company's
   * other integrations as Pipedrive's headers report them, or before the per-minute record began), so the last
   * point is `used`.
   */
  spent: { at: number; used: number }[];
  projection: BudgetProjection;
}

/** Leads created per minute over the last hour, oldest minute first; the last minute is the current one, so far. */
export interface LeadsPerMinute {
  /** Epoch ms of the first minute. */
  from: number;
  counts: number[];
  /** Leads created over the hour. */
  total: number;
  /** The most in one minute. */
  peak: number;
}

/** One connection (one Pipedrive company) on the imports page and in `/api/connections`. */
export interface ConnectionActivity {
  connection: string;
  state: ConnectionState;
  /** The state in words, with what it waits for and until when. */
  stateText: string;
  /** The connection's rows not yet started (waiting, delayed, prioritized, paused), and in flight: rows, not jobs. */
  queued: number;
  active: number;
  /** Today's budget, or null before a worker has served the connection (nothing to show yet). */
  budget: BudgetBurnDown | null;
  leadsPerMinute: LeadsPerMinute;
}

/**
 * Projects when the budget runs out from the rate of the last minutes: `left ÷ (tokens in the window ÷ the
 * window's minutes)` from now. A rate of 0 (nothing spent recently) lasts the day; so does a run-out time at or
 * after the reset, and so does any rate when nothing is queued or in flight (`pending` 0: the rate was an import
 * that has finished). Pure, for tests.
 */
export function projectBudget(input: {
  now: number;
  left: number;
  resetsAt: number;
  /** Tokens charged in the window that ends now. */
  windowTokens: number;
  windowMinutes: number;
  /** Rows of the connection waiting, delayed or in flight; unknown (undefined) projects the rate regardless. */
  pending?: number;
  /** The connection's state ({@link connectionState}), when known. */
  state?: ConnectionState;
}): BudgetProjection {
  const { now, left, resetsAt, windowTokens, windowMinutes } = input;
  const tokensPerMinute = windowMinutes > 0 ? windowTokens / windowMinutes : 0;
  const rate = rateText(tokensPerMinute);
  const queuedAtMost = input.pending === undefined ? null : input.pending * MAX_TOKENS_PER_ROW;
  const base = {
    tokensPerMinute,
    windowMinutes,
    runsOutAt: null,
    queuedTokensAtMost: queuedAtMost,
    nothingQueued: false,
    held: false,
  };
  // The workers call the budget spent when what is left cannot pay for the next row (the governor's
  // `used + cost > limit`), not only at 0: a card must not say "budget spent" and "runs out ≈ …" at once.
  if (left <= 0 || input.state === 'budget-spent') {
    return { ...base, verdict: 'spent', text: `spent until ${formatUtc(resetsAt)}` };
  }
  if (input.state && HELD_STATES.includes(input.state) && tokensPerMinute > 0) {
    return {
      ...base,
      held: true,
      verdict: 'lasts-the-day',
      text: `lasts the day: ${input.state}, nothing is sent (${rate} over the last ${formatMinutes(windowMinutes)})`,
    };
  }
  if (input.pending === 0 && tokensPerMinute > 0) {
    return {
      ...base,
      nothingQueued: true,
      verdict: 'lasts-the-day',
      text: `lasts the day: nothing queued (${rate} over the last ${formatMinutes(windowMinutes)})`,
    };
  }
  if (tokensPerMinute <= 0) {
    return {
      ...base,
      verdict: 'lasts-the-day',
      text: `lasts the day (nothing spent in the last ${formatMinutes(windowMinutes)})`,
    };
  }
  // The rate says when the budget would end if spending went on; the rows queued say whether it can: an import
  // about to finish must not read "runs out ≈ 19:27" with 48,000 tokens left and 50 rows to go.
  if (queuedAtMost !== null && queuedAtMost <= left) {
    return {
      ...base,
      verdict: 'lasts-the-day',
      text: `lasts the day: the ${formatCount(input.pending ?? 0)} ${input.pending === 1 ? 'row queued needs' : 'rows queued need'} at most ${formatCount(queuedAtMost)} tokens (${rate} over the last ${formatMinutes(windowMinutes)})`,
    };
  }
  const runsOutAt = now + (left / tokensPerMinute) * MINUTE_MS;
  if (runsOutAt >= resetsAt) return { ...base, verdict: 'lasts-the-day', text: `lasts the day at ${rate}` };

  return {
    ...base,
    verdict: 'runs-out',
    runsOutAt,
    // To the nearest minute.
    text: `runs out ≈ ${new Date(Math.round(runsOutAt / MINUTE_MS) * MINUTE_MS).toISOString().slice(11, 16)} UTC at ${rate}`,
  };
}

/**
 * The most one row can cost: its lead and note, and for each of its person and organization a search and either a
 * create or, with fill-empty, a read and an update (pipedrive-api.md §3.3).
 */
const MAX_TOKENS_PER_ROW =
  TOKEN_COSTS['leads.add'] +
  TOKEN_COSTS['notes.add'] +
  2 *
    (TOKEN_COSTS['persons.search'] +
      Math.max(TOKEN_COSTS['persons.add'], TOKEN_COSTS['persons.get'] + TOKEN_COSTS['persons.update']));

/** States in which nothing is sent until a person acts (a token fixed, a `resume`, a worker started). */
export const HELD_STATES: readonly ConnectionState[] = ['blocked', 'paused', 'starved'];

/** Tokens a minute in words; below 1 with a decimal, so a slow trickle never reads as "0 tokens/min". */
function rateText(tokensPerMinute: number): string {
  if (tokensPerMinute >= 0.95) return `${formatCount(Math.round(tokensPerMinute))} tokens/min`;
  if (tokensPerMinute >= 0.05) return `${tokensPerMinute.toFixed(1)} tokens/min`;
  return 'under 0.1 tokens/min';
}

function formatMinutes(minutes: number): string {
  // The window's minutes as begun: 14.5 (the current one under way) is the last 15.
  const m = Math.ceil(minutes - 1e-9);
  return m === 1 ? 'minute' : `${m} min`;
}

/**
 * The burn-down of one budget day from the per-minute token counts (`tokens`, whose first minute is `from`):
 * cumulative tokens at every `stepMinutes` from `dayStartsAt`, and at `now`, offset so the last point is
 * `used` (what the governor counts, which also holds what the importer did not record), never above it; and the
 * projection from the last {@link PROJECTION_WINDOW_MINUTES} minutes. Pure, for tests.
 */
export function buildBurnDown(input: {
  now: number;
  budget: { total: number; limit: number; used: number; left: number; resetsAt: number };
  minutes: Pick<MinuteCounts, 'from' | 'tokens'>;
  stepMinutes?: number;
  /** Rows waiting, delayed or in flight (see {@link projectBudget}). */
  pending?: number;
  /** The connection's state (see {@link projectBudget}). */
  state?: ConnectionState;
}): BudgetBurnDown {
  const { now, budget, minutes } = input;
  const step = (input.stepMinutes ?? BURN_DOWN_STEP_MINUTES) * MINUTE_MS;
  const dayStartsAt = budget.resetsAt - DAY_MS;
  // Minutes of this budget day up to now (the current one included), as recorded.
  const inDay = (i: number) => {
    const at = minutes.from + i * MINUTE_MS;
    return at >= dayStartsAt && at <= now;
  };
  const recorded = minutes.tokens.reduce((sum, t, i) => (inDay(i) ? sum + t : sum), 0);
  const offset = Math.max(0, budget.used - recorded);
  const spent: { at: number; used: number }[] = [];
  let cumulative = offset;
  let i = 0;
  // Every step's point holds the tokens of the minutes before it.
  for (let at = dayStartsAt; at < now; at += step) {
    for (; i < minutes.tokens.length && minutes.from + i * MINUTE_MS < at; i++) {
      if (inDay(i)) cumulative += minutes.tokens[i] ?? 0;
    }
    spent.push({ at, used: Math.min(cumulative, budget.used) });
  }
  spent.push({ at: now, used: budget.used });

  const windowStart = Math.max(
    dayStartsAt,
    Math.floor(now / MINUTE_MS) * MINUTE_MS - (PROJECTION_WINDOW_MINUTES - 1) * MINUTE_MS,
  );
  let windowTokens = 0;
  minutes.tokens.forEach((t, j) => {
    const at = minutes.from + j * MINUTE_MS;
    if (at >= windowStart && at <= now) windowTokens += t;
  });
  const windowMinutes = Math.max(1 / 60, (now - windowStart) / MINUTE_MS);
  return {
    total: budget.total,
    limit: budget.limit,
    reserve: Math.max(0, budget.total - budget.limit),
    used: budget.used,
    left: budget.left,
    dayStartsAt,
    resetsAt: budget.resetsAt,
    spent,
    projection: projectBudget({
      now,
      left: budget.left,
      resetsAt: budget.resetsAt,
      windowTokens,
      windowMinutes,
      ...(input.pending === undefined ? {} : { pending: input.pending }),
      ...(input.state === undefined ? {} : { state: input.state }),
    }),
  };
}

/** The last hour's leads per minute (60 minutes, the current one last) out of the per-minute counts. Pure. */
export function buildLeadsPerMinute(
  now: number,
  minutes: Pick<MinuteCounts, 'from' | 'leads'>,
): LeadsPerMinute {
  const from = Math.floor(now / MINUTE_MS) * MINUTE_MS - 59 * MINUTE_MS;
  const counts = Array.from({ length: 60 }, (_, k) => {
    const i = (from + k * MINUTE_MS - minutes.from) / MINUTE_MS;
    return minutes.leads[i] ?? 0;
  });
  return {
    from,
    counts,
    total: counts.reduce((a, b) => a + b, 0),
    peak: Math.max(0, ...counts),
  };
}

/** What a connection's state is decided from. */
export interface StateInput {
  now: number;
  control: ControlState;
  /** The connection's queue is paused (an operator's `pause`, or the worker's own after a 401). */
  queuePaused: boolean;
  queued: number;
  active: number;
  budget: Pick<BudgetBurnDown, 'left' | 'resetsAt'> | null;
  /** Leads created and tokens charged over the last {@link STARVED_AFTER_MINUTES} minutes. */
  recentLeads: number;
  recentTokens: number;
  /** Leads per minute over the last {@link STARVED_AFTER_MINUTES} minutes, for the running line. */
  leadsPerMinute: number;
  /**
   * Since when its rows have waited unchanged ({@link RowCounts.waitingSince}): starved only once they have waited
   * {@link STARVED_AFTER_MINUTES} minutes, as an import is stalled. Unknown: from nothing sent alone.
   */
  waitingSince?: number;
}

/** The connection's state and the line that says it, most urgent first (see {@link ConnectionState}). Pure. */
export function connectionState(s: StateInput): { state: ConnectionState; stateText: string } {
  const work = s.queued + s.active;
  if (s.control.blockedReason) return { state: 'blocked', stateText: `blocked: ${s.control.blockedReason}` };
  if (s.queuePaused) {
    return { state: 'paused', stateText: 'paused: no worker starts new rows until `lead-importer resume`' };
  }
  const until = s.control.rateLimitedUntil;
  if (until && until > s.now) {
    if (s.control.rateLimitScope === 'edge') {
      return {
        state: 'edge-backoff',
        stateText: `backing off after an edge block (HTML 403) until ${formatClockUtc(until)}`,
      };
    }
    const scope = s.control.rateLimitScope ? ` (${s.control.rateLimitScope})` : '';
    return { state: 'rate-limited', stateText: `paused after a 429${scope} until ${formatClockUtc(until)}` };
  }
  const failing = failingNow(s.control, s.now);
  if (failing)
    return {
      state: 'failing',
      stateText: `failing: ${failingText(failing)}; the workers retry with back-off`,
    };
  const waitUntil = s.control.budgetWaitUntil;
  if (waitUntil && waitUntil > s.now) {
    return {
      state: 'budget-spent',
      stateText: `budget spent: rows wait until ${formatUtc(waitUntil)}`,
    };
  }
  if (s.budget && s.budget.left <= 0 && work > 0) {
    return {
      state: 'budget-spent',
      stateText: `budget spent: rows wait until ${formatUtc(s.budget.resetsAt)}`,
    };
  }
  // As an import's stalled: the rows have waited that long, since they were enqueued or last moved, and since any
  // 429 pause or budget wait ended (a new import's first minutes, or the first minutes of a budget day, are not).
  const waited =
    s.waitingSince === undefined ||
    s.now - Math.max(s.waitingSince, s.control.rateLimitedUntil ?? 0, s.control.budgetWaitUntil ?? 0) >=
      STARVED_AFTER_MINUTES * MINUTE_MS;
  if (work > 0 && s.recentLeads === 0 && s.recentTokens === 0 && waited) {
    return {
      state: 'starved',
      stateText: `starved: rows queued, nothing sent to Pipedrive in the last ${STARVED_AFTER_MINUTES} min`,
    };
  }
  if (work > 0) {
    const rate = s.leadsPerMinute.toLocaleString('en-US', { maximumFractionDigits: 1 });
    return {
      state: 'running',
      stateText: `running: ${rate} leads/min over the last ${STARVED_AFTER_MINUTES} min`,
    };
  }
  return { state: 'idle', stateText: 'idle: nothing queued' };
}

/**
 * Each connection's state, budget burn-down and leads per minute, as the imports page and `/api/connections`
 * show them: the budget from the one reader (`ctx.readBudget`), the flags from the connection's control hash,
 * the counts per minute from what the workers' metrics recorder writes.
 */
export async function readConnectionActivity(
  ctx: OpsContext,
  connections: readonly string[],
  now = Date.now(),
): Promise<ConnectionActivity[]> {
  // Rows, not jobs (a job may hold several rows): every connection's in one read of the import records.
  const rows = await readRowCounts(ctx, connections);
  return Promise.all(connections.map((c) => readOne(ctx, c, now, rows.get(c) ?? { queued: 0, active: 0 })));
}

async function readOne(
  ctx: OpsContext,
  connection: string,
  now: number,
  { queued, active, waitingSince }: RowCounts,
): Promise<ConnectionActivity> {
  const queue = ctx.leadQueueOf(connection);
  const [budget, control, queuePaused] = await Promise.all([
    ctx.readBudget(connection),
    readControl(ctx.redis, ctx.prefix, connection),
    queue.isPaused(),
  ]);
  const hourAgo = Math.floor(now / MINUTE_MS) * MINUTE_MS - 59 * MINUTE_MS;
  // Back to the start of the budget day for the burn-down, or an hour for the leads.
  const from = budget ? Math.min(budget.resetsAt - DAY_MS, hourAgo) : hourAgo;
  const minutes = await readMinuteCounts(ctx.redis, ctx.prefix, connection, from, now);
  const figures = budget ? budgetFigures(budget) : null;
  const leadsPerMinute = buildLeadsPerMinute(now, minutes);
  const recent = (series: number[]) => series.slice(-STARVED_AFTER_MINUTES).reduce((a, b) => a + b, 0);
  const recentLeads = recent(minutes.leads);
  const elapsed = STARVED_AFTER_MINUTES - 1 + (now % MINUTE_MS) / MINUTE_MS;
  // The state first: the projection follows it (a connection whose workers wait for budget has it spent).
  const state = connectionState({
    now,
    control,
    queuePaused,
    queued,
    active,
    budget: figures,
    recentLeads,
    recentTokens: recent(minutes.tokens),
    leadsPerMinute: recentLeads / elapsed,
    ...(waitingSince === undefined ? {} : { waitingSince }),
  });
  const burnDown = figures
    ? buildBurnDown({ now, budget: figures, minutes, pending: queued + active, state: state.state })
    : null;
  return {
    connection,
    ...state,
    queued,
    active,
    budget: burnDown,
    leadsPerMinute,
  };
}

/** The reader's figures, filling in what a reader that says less (tests, older workers) leaves out. */
function budgetFigures(b: BudgetSnapshot) {
  const left = b.exhaustedByServer ? 0 : Math.max(0, b.left);
  const used = b.used ?? Math.max(0, b.limit - b.left);
  return { total: Math.max(b.total ?? b.limit, b.limit), limit: b.limit, used, left, resetsAt: b.resetsAt };
}
