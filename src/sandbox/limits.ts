/**
 * Pipedrive's limits as the sandbox models them (pipedrive-api.md §3.7):
 * - a rolling 2-second request window per token (limit by plan and auth type),
 * - a separate 10-per-2-s window per token for search paths,
 * - a per-company daily token budget, reset at a configurable "server midnight",
 * - escalation to Cloudflare's HTML 403 after many 429s in a row without a pause.
 *
 * Choices where Pipedrive's behaviour is undocumented (each can be observed in tests):
 * - A request rejected with 429 or 403 does not enter any window and is not charged.
 * - A search request counts against both the general and the search window.
 * - On search paths the `x-ratelimit-*` headers describe the search window (the tighter one).
 * - A request is admitted while the budget has any tokens left; the request that crosses zero is
 *   served (its cost is charged in full) and every later one gets 429 until the next day, so the
 *   headers of a daily 429 always show `x-daily-ratelimit-token-remaining: 0`.
 * - The daily budget is checked before the burst window, so a daily 429 keeps
 *   `x-ratelimit-remaining > 0` (the heuristic clients use to tell the two apart).
 */
import {
  BURST_WINDOW_MS,
  burstLimitOf,
  dailyBudgetOf,
  type ResolvedOptions,
  SEARCH_BURST_LIMIT,
} from './options.js';

const DAY_MS = 86_400_000;
/** The legacy POST/PUT fair-use counter behind `x-daily-requests-left` (pipedrive-api.md §3.5). */
const DAILY_WRITE_REQUESTS = 10_000;

/** Timestamps of admitted requests within the last window, oldest first. */
class RollingWindow {
  private hits: number[] = [];
  private head = 0;

  private evict(now: number): void {
    const from = now - BURST_WINDOW_MS;
    while (this.head < this.hits.length && this.hits[this.head]! <= from) this.head++;
    if (this.head > 256 && this.head * 2 > this.hits.length) {
      this.hits = this.hits.slice(this.head);
      this.head = 0;
    }
  }

  count(now: number): number {
    this.evict(now);
    return this.hits.length - this.head;
  }

  add(now: number): void {
    this.hits.push(now);
  }

  /** Whole seconds until the oldest hit leaves the window (at least 1); 2 when empty. */
  resetSeconds(now: number): number {
    return Math.max(1, Math.ceil(this.resetMs(now) / 1000));
  }

  /** Milliseconds until the oldest hit leaves the window (at least 1); 2,000 when empty. */
  resetMs(now: number): number {
    this.evict(now);
    const oldest = this.hits[this.head];
    if (oldest === undefined) return BURST_WINDOW_MS;
    return Math.max(1, Math.ceil(oldest + BURST_WINDOW_MS - now));
  }
}

interface Escalation {
  consecutive429: number;
  lastRejectedAt: number;
}

export type Admission =
  | { kind: 'ok' }
  | { kind: 'burst' | 'search' | 'daily'; retryAfterSeconds: number }
  | { kind: 'blocked' };

export interface RequestIdentity {
  /** Whose windows this request uses: one per API token or OAuth client. */
  key: string;
  viaOAuth: boolean;
}

export class Limits {
  private readonly windows = new Map<string, RollingWindow>();
  private readonly searchWindows = new Map<string, RollingWindow>();
  private readonly escalations = new Map<string, Escalation>();
  private readonly writesToday = new Map<string, number>();
  private dayKey: number;
  /** Tokens charged since the start of the budget day. */
  tokensUsed = 0;
  /** Tokens charged since the sandbox started or was reset (across days). */
  tokensUsedTotal = 0;
  /** Budget days started since the sandbox started (1 on the first day). */
  day = 1;

  constructor(private readonly options: () => ResolvedOptions) {
    this.dayKey = this.dayKeyAt(options().now());
  }

  private dayKeyAt(now: number): number {
    return Math.floor((now - this.options().budgetResetHourUtc * 3_600_000) / DAY_MS);
  }

  /** Starts a new budget day when the clock has passed server midnight. */
  private rollDay(now: number): void {
    const key = this.dayKeyAt(now);
    if (key !== this.dayKey) {
      this.dayKey = key;
      this.newDay();
    }
  }

  newDay(): void {
    this.tokensUsed = 0;
    this.writesToday.clear();
    this.day++;
  }

  reset(): void {
    this.windows.clear();
    this.searchWindows.clear();
    this.escalations.clear();
    this.writesToday.clear();
    this.tokensUsed = 0;
    this.tokensUsedTotal = 0;
    this.day = 1;
    this.dayKey = this.dayKeyAt(this.options().now());
  }

  get budget(): number {
    return dailyBudgetOf(this.options());
  }

  get tokensRemaining(): number {
    return Math.max(0, this.budget - this.tokensUsed);
  }

  /** Spends what is left of today's budget (for chaos tests). */
  exhaustBudget(): void {
    const left = this.tokensRemaining;
    this.tokensUsed += left;
    this.tokensUsedTotal += left;
  }

  private window(map: Map<string, RollingWindow>, key: string): RollingWindow {
    let w = map.get(key);
    if (!w) {
      w = new RollingWindow();
      map.set(key, w);
    }
    return w;
  }

  /** Decides whether a request may proceed and, when it may, enters it into its windows. */
  admit(who: RequestIdentity, isSearch: boolean, now: number): Admission {
    this.rollDay(now);
    const options = this.options();
    if (!options.limits) {
      this.window(this.windows, who.key).add(now);
      if (isSearch) this.window(this.searchWindows, who.key).add(now);
      return { kind: 'ok' };
    }

    const esc = this.escalations.get(who.key);
    if (esc && now - esc.lastRejectedAt >= BURST_WINDOW_MS) esc.consecutive429 = 0; // the client paused
    if (esc && options.maxIgnored429 > 0 && esc.consecutive429 >= options.maxIgnored429) {
      esc.lastRejectedAt = now;
      return { kind: 'blocked' };
    }

    let verdict: Admission = { kind: 'ok' };
    const general = this.window(this.windows, who.key);
    const search = isSearch ? this.window(this.searchWindows, who.key) : undefined;
    if (this.tokensUsed >= this.budget) {
      verdict = { kind: 'daily', retryAfterSeconds: this.secondsToNextDay(now) };
    } else if (general.count(now) >= burstLimitOf(options, who.viaOAuth)) {
      verdict = { kind: 'burst', retryAfterSeconds: general.resetSeconds(now) };
    } else if (search && search.count(now) >= SEARCH_BURST_LIMIT) {
      verdict = { kind: 'search', retryAfterSeconds: search.resetSeconds(now) };
    }

    if (verdict.kind === 'ok') {
      general.add(now);
      search?.add(now);
      if (esc) esc.consecutive429 = 0;
    } else {
      const e = esc ?? { consecutive429: 0, lastRejectedAt: now };
      e.consecutive429++;
      e.lastRejectedAt = now;
      this.escalations.set(who.key, e);
    }
    return verdict;
  }

  private secondsToNextDay(now: number): number {
    const next = (this.dayKeyAt(now) + 1) * DAY_MS + this.options().budgetResetHourUtc * 3_600_000;
    return Math.max(1, Math.ceil((next - now) / 1000));
  }

  charge(tokens: number): void {
    this.tokensUsed += tokens;
    this.tokensUsedTotal += tokens;
  }

  /** Counts a POST/PUT for the legacy `x-daily-requests-left` header. */
  countWrite(key: string): void {
    this.writesToday.set(key, (this.writesToday.get(key) ?? 0) + 1);
  }

  /** The rate-limit headers of a response to `who` (pipedrive-api.md §3.5). */
  headers(who: RequestIdentity, isSearch: boolean, isWrite: boolean, now: number): Record<string, string> {
    const options = this.options();
    const useSearch = isSearch;
    const map = useSearch ? this.searchWindows : this.windows;
    const limit = useSearch ? SEARCH_BURST_LIMIT : burstLimitOf(options, who.viaOAuth);
    const w = this.window(map, who.key);
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - w.count(now))),
      'x-ratelimit-reset': String(
        options.rateLimitResetUnit === 'milliseconds' ? w.resetMs(now) : w.resetSeconds(now),
      ),
      'x-daily-ratelimit-token-limit': String(this.budget),
      'x-daily-ratelimit-token-remaining': String(this.tokensRemaining),
    };
    if (isWrite && !who.viaOAuth) {
      headers['x-daily-requests-left'] = String(
        Math.max(0, DAILY_WRITE_REQUESTS - (this.writesToday.get(who.key) ?? 0)),
      );
    }
    return headers;
  }
}
