/**
 * The best any importer could do for a file on a plan: the fewest requests and tokens that
 * create its leads, persons and organizations, and the time those requests need under the burst
 * limits (pipedrive-api.md §3.3–3.4). Nothing can beat it, so "importer ÷ limit" says how much
 * is left on the table.
 */
import { PLAN_BURST_LIMIT, type SandboxPlan, SEARCH_BURST_LIMIT } from '../../src/sandbox/index.js';

const WINDOW_S = 2;
/** v2 list pages hold up to 500 items (pipedrive-api.md §3.3). */
const LIST_PAGE_SIZE = 500;
const COST = { lead: 10, create: 5, search: 20, listPage: 10 } as const;

export interface PhysicalLimitInput {
  rows: number;
  /** Distinct persons and organizations the file needs that the company does not have yet. */
  newPersons: number;
  newOrganizations: number;
  /** Persons and organizations the company already has (listing them costs pages). @defaultValue 0 */
  existingPersons?: number;
  existingOrganizations?: number;
  plan: SandboxPlan;
  /** OAuth apps get 4× the API-token burst limit. @defaultValue 'api_token' */
  auth?: 'api_token' | 'oauth';
}

export interface Strategy {
  name: 'list' | 'search';
  /** Requests in the general window (searches count there too, as the sandbox models it). */
  requests: number;
  searches: number;
  tokens: number;
  /** Seconds the requests need: general window and, separately, the search window. */
  seconds: number;
}

export interface PhysicalLimit {
  burstLimitPer2s: number;
  searchLimitPer2s: number;
  /** Knowing the company's contacts by listing them: one page per 500 (at least one per type). */
  list: Strategy;
  /** Knowing them by one exact search per distinct person and organization. */
  search: Strategy;
  /** The better of the two (fewer seconds; then fewer tokens). */
  best: Strategy;
  /** The fewest tokens of the two. */
  minTokens: number;
}

/**
 * Time for n requests under a rolling window of `limit` per 2 s, at best: the window admits
 * `limit` at once and `limit` more every 2 s, so n requests need n ÷ (limit / 2 s) seconds
 * (latency of the last request ignored: it is small against minutes).
 */
export function secondsFor(requests: number, limitPer2s: number): number {
  return (requests * WINDOW_S) / limitPer2s;
}

export function physicalLimit(input: PhysicalLimitInput): PhysicalLimit {
  const burst = PLAN_BURST_LIMIT[input.plan] * (input.auth === 'oauth' ? 4 : 1);
  const writes = input.rows + input.newPersons + input.newOrganizations;
  const writeTokens = input.rows * COST.lead + (input.newPersons + input.newOrganizations) * COST.create;

  const pages =
    Math.max(1, Math.ceil((input.existingPersons ?? 0) / LIST_PAGE_SIZE)) +
    Math.max(1, Math.ceil((input.existingOrganizations ?? 0) / LIST_PAGE_SIZE));
  const list: Strategy = {
    name: 'list',
    requests: writes + pages,
    searches: 0,
    tokens: writeTokens + pages * COST.listPage,
    seconds: secondsFor(writes + pages, burst),
  };

  const searches = input.newPersons + input.newOrganizations;
  const search: Strategy = {
    name: 'search',
    requests: writes + searches,
    searches,
    tokens: writeTokens + searches * COST.search,
    seconds: Math.max(secondsFor(writes + searches, burst), secondsFor(searches, SEARCH_BURST_LIMIT)),
  };

  const best =
    list.seconds < search.seconds || (list.seconds === search.seconds && list.tokens <= search.tokens)
      ? list
      : search;
  return {
    burstLimitPer2s: burst,
    searchLimitPer2s: SEARCH_BURST_LIMIT,
    list,
    search,
    best,
    minTokens: Math.min(list.tokens, search.tokens),
  };
}
