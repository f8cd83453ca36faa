import { SEARCH_BURST_PER_2S } from '../config/config.js';

const DAY_MS = 24 * 3600 * 1000;

/** Tokens of the usual new row before anything is known: a person search (20), a new person (5), a lead (10). */
export const DEFAULT_TOKENS_PER_ROW = 35;

export interface EtaInput {
  /** Rows still to process. */
  pendingRows: number;
  /** Rows finished so far (created), and what they spent: used to learn the cost of a row. */
  finishedRows: number;
  tokensUsed: number;
  /** Persons and organizations this import created so far (each a 5-token call). */
  contactsCreated: number;
  /** Requests per rolling 2 s the account allows. */
  burstPer2s: number;
  dailyTokens: number;
  /** Tokens left today and the next reset, when the governor can tell. */
  budgetLeft?: number | null;
  budgetResetsAt?: number | null;
  now: number;
}

export interface Eta {
  /** Milliseconds until the pending rows are done, at best; 0 when nothing is pending. */
  ms: number;
  /** Tokens the pending rows are expected to spend. */
  tokens: number;
  /** True when the budget, not the burst limit, decides the ETA (the import will wait for a reset). */
  limitedByBudget: boolean;
}

/**
 * The earliest time the remaining rows can be done under Pipedrive's limits: the burst limit
 * (every call counts; searches also have their own 10 per 2 s) and the daily token budget.
 * It is a lower bound: it ignores latency, retries and the company's other integrations.
 *
 * The cost of a row is learned from the import so far (tokens per created row; creates cost 5,
 * a lead 10, searches 20, which gives the search rate); before any row finishes it assumes
 * {@link DEFAULT_TOKENS_PER_ROW}.
 */
export function estimateEta(input: EtaInput): Eta {
  const { pendingRows, finishedRows } = input;
  if (pendingRows <= 0) return { ms: 0, tokens: 0, limitedByBudget: false };
  const learned = finishedRows > 0 && input.tokensUsed > 0;
  const tokensPerRow = learned ? input.tokensUsed / finishedRows : DEFAULT_TOKENS_PER_ROW;
  const createsPerRow = learned ? input.contactsCreated / finishedRows : 1;
  const searchesPerRow = Math.max(0, (tokensPerRow - 10 - 5 * createsPerRow) / 20);
  const callsPerRow = 1 + createsPerRow + searchesPerRow;
  const rowsPerSecond = Math.min(
    input.burstPer2s / 2 / callsPerRow,
    searchesPerRow > 0 ? SEARCH_BURST_PER_2S / 2 / searchesPerRow : Number.POSITIVE_INFINITY,
  );
  const tokens = Math.round(pendingRows * tokensPerRow);
  const burstMs = (pendingRows / rowsPerSecond) * 1000;
  const left = input.budgetLeft;
  if (left === null || left === undefined || tokens <= left || input.dailyTokens <= 0) {
    return { ms: Math.round(burstMs), tokens, limitedByBudget: false };
  }
  // Spend what is left today, then whole budget days, each at most one day long.
  const untilReset = Math.max(0, (input.budgetResetsAt ?? input.now + DAY_MS) - input.now);
  const rowsPerDay = input.dailyTokens / tokensPerRow;
  const rowsAfterToday = pendingRows - left / tokensPerRow;
  const fullDays = Math.floor(rowsAfterToday / rowsPerDay);
  const lastDayRows = rowsAfterToday - fullDays * rowsPerDay;
  const ms = untilReset + fullDays * DAY_MS + (lastDayRows / rowsPerSecond) * 1000;
  return { ms: Math.round(Math.max(ms, burstMs)), tokens, limitedByBudget: true };
}

/** `3 h 12 min`, `45 s`: a duration for people. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return ms <= 0 ? '0 s' : '< 1 s';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
