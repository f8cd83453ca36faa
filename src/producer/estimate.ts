import { TOKEN_COSTS } from '../pipedrive/token-costs.js';

/**
 * The cost model of an import: Pipedrive tokens and time, from the counts the producer knows.
 * Pure, so the dry run, the dashboard and the worker's list-or-search choice agree.
 *
 * Costs (pipedrive-api.md §3.3): `POST /v1/leads` 10, `POST /api/v2/persons|organizations` 5,
 * v2 search 20, v2 list page (up to 500 items) 10. Limits (§3.4): the plan's burst per 2 s for
 * all calls, 10 searches per 2 s, and the company's daily token budget.
 */

/** Costs by call, from the client's cost table (one source of truth). */
export const TOKEN_COST = {
  addLead: TOKEN_COSTS['leads.add'],
  addNote: TOKEN_COSTS['notes.add'],
  getContact: TOKEN_COSTS['persons.get'],
  updateContact: TOKEN_COSTS['persons.update'],
  addPerson: TOKEN_COSTS['persons.add'],
  addOrganization: TOKEN_COSTS['organizations.add'],
  search: TOKEN_COSTS['persons.search'],
  listPage: TOKEN_COSTS['persons.list'],
} as const;

/** Items per v2 list page. */
export const LIST_PAGE_SIZE = 500;
export const SEARCH_PER_2S = 10;

export interface EstimateInput {
  /** Valid rows (one lead each). */
  leads: number;
  /** Leads that get a note (`POST /v1/notes`, 10 tokens each). @defaultValue 0 */
  notes?: number;
  /**
   * `--update-contacts fill-empty`: each existing person and organization is read (1 token) and,
   * when the row fills one of its empty fields, updated (5). @defaultValue false
   */
  fillEmpty?: boolean;
  /** Distinct persons of the file (by match key). */
  distinctPersons: number;
  /** Distinct organizations of the file. */
  distinctOrganizations: number;
  /** Requests per 2 s the plan allows this token (`burstLimitPer2s`). */
  burstPer2s: number;
  /** Tokens per day for the company (`config.pipedrive.dailyTokens`). */
  dailyTokens: number;
  /** Share of the daily budget left for the company's other integrations. @defaultValue 0.1 */
  reserveShare?: number;
  /**
   * Persons and organizations already in the company, when known: listing them all may be
   * cheaper than searching every key. Unknown → searching is assumed.
   */
  existingPersons?: number;
  existingOrganizations?: number;
  /** Share of the burst limit the workers use (they keep a safety margin). @defaultValue 0.9 */
  burstUtilisation?: number;
}

export interface LookupPlan {
  strategy: 'search' | 'list';
  /** Requests for the lookups (searches or list pages). */
  requests: number;
  tokens: number;
  /**
   * The company's count of contacts is not known: searching is the most the lookups cost, and the workers list
   * the contacts instead when that costs less (cache-warmer.ts), down to one page (10 tokens).
   */
  atMost?: true;
}

export interface Estimate {
  leads: number;
  notes: number;
  /** Tokens of the notes (in both the best and the worst case). */
  noteTokens: number;
  /** Tokens `fill-empty` adds at most (read and update every contact that exists). */
  fillTokens: number;
  /** Best case: every person and organization found (nothing to create). */
  minTokens: number;
  /** Worst case: every distinct person and organization is new and created. */
  maxTokens: number;
  persons: LookupPlan;
  organizations: LookupPlan;
  /** Requests in the worst case. */
  requests: number;
  /** Requests in the best case (the one {@link minTokens} counts): leads, notes and the fewest lookups. */
  minRequests: number;
  /** API time at the burst limits in the worst case (every contact searched for, and created), ignoring the daily budget, in ms. */
  apiTimeMs: number;
  /**
   * API time at the burst limits in the best case ({@link minTokens}: every contact exists, found by listing when
   * that is cheap), in ms. A 2,000-row file of new contacts (sandbox, growth plan) took 3.6 min where this said 2 min
   * and {@link apiTimeMs} 8 min: the workers listed the contacts, and created each.
   */
  minApiTimeMs: number;
  /** Tokens per day this import may use (budget minus the reserve). */
  usableTokensPerDay: number;
  /** Budget days the worst case needs (1 = fits in one day's budget). */
  days: number;
  /** Budget days the best case needs. */
  minDays: number;
  /** Wall-clock time to the end in the worst case, in ms: full days of waiting plus API time. */
  totalTimeMs: number;
}

/** Searching each key versus listing the company's contacts (page of 500 for 10 tokens). */
export function planLookups(distinct: number, existing: number | undefined): LookupPlan {
  const search: LookupPlan = {
    strategy: 'search',
    requests: distinct,
    tokens: distinct * TOKEN_COST.search,
  };
  if (distinct === 0) return search;
  if (existing === undefined) return { ...search, atMost: true };
  const pages = Math.max(1, Math.ceil(existing / LIST_PAGE_SIZE));
  const list: LookupPlan = { strategy: 'list', requests: pages, tokens: pages * TOKEN_COST.listPage };
  return list.tokens < search.tokens ? list : search;
}

export function estimateImport(input: EstimateInput): Estimate {
  const reserve = input.reserveShare ?? 0.1;
  const utilisation = input.burstUtilisation ?? 0.9;
  const persons = planLookups(input.distinctPersons, input.existingPersons);
  const organizations = planLookups(input.distinctOrganizations, input.existingOrganizations);
  const notes = input.notes ?? 0;
  const distinct = input.distinctPersons + input.distinctOrganizations;
  const leadTokens = input.leads * TOKEN_COST.addLead;
  const noteTokens = notes * TOKEN_COST.addNote;
  const createTokens =
    input.distinctPersons * TOKEN_COST.addPerson + input.distinctOrganizations * TOKEN_COST.addOrganization;
  // A contact is either created (5) or, existing, read and perhaps updated (1 + 5): never both.
  const fillTokens = input.fillEmpty ? distinct * (TOKEN_COST.getContact + TOKEN_COST.updateContact) : 0;
  const lookupTokens = persons.tokens + organizations.tokens;
  // At best the lookups are one list page of each kind: what the workers spend when the company has few contacts.
  const leastLookup = (plan: LookupPlan) =>
    plan.atMost ? Math.min(plan.tokens, TOKEN_COST.listPage) : plan.tokens;
  const minTokens =
    leadTokens +
    noteTokens +
    leastLookup(persons) +
    leastLookup(organizations) +
    (input.fillEmpty ? distinct * TOKEN_COST.getContact : 0);
  const maxTokens = leadTokens + noteTokens + lookupTokens + Math.max(createTokens, fillTokens);
  const searches =
    (persons.strategy === 'search' ? persons.requests : 0) +
    (organizations.strategy === 'search' ? organizations.requests : 0);
  const requests =
    input.leads +
    notes +
    (input.fillEmpty ? 2 * distinct : distinct) +
    persons.requests +
    organizations.requests;
  // At best as minTokens counts: no contact created, the lookups one list page of each kind when the company's
  // count is unknown (no search then), an existing contact read once with fill-empty.
  const leastRequests = (plan: LookupPlan) => (plan.atMost ? Math.min(plan.requests, 1) : plan.requests);
  const leastSearches = (plan: LookupPlan) => (plan.atMost || plan.strategy !== 'search' ? 0 : plan.requests);
  const minRequests =
    input.leads +
    notes +
    (input.fillEmpty ? distinct : 0) +
    leastRequests(persons) +
    leastRequests(organizations);
  const minSearches = leastSearches(persons) + leastSearches(organizations);
  const perSecond = Math.max(0.5, (input.burstPer2s * utilisation) / 2);
  const apiMs = (calls: number, searchCalls: number) =>
    Math.ceil(Math.max(calls / perSecond, searchCalls / (SEARCH_PER_2S / 2)) * 1000);
  const apiTimeMs = apiMs(requests, searches);
  const minApiTimeMs = apiMs(minRequests, minSearches);
  const usableTokensPerDay = Math.max(1, Math.floor(input.dailyTokens * (1 - reserve)));
  const days = Math.max(1, Math.ceil(maxTokens / usableTokensPerDay));
  const minDays = Math.max(1, Math.ceil(minTokens / usableTokensPerDay));
  const dayMs = 24 * 3600 * 1000;
  // With several budget days, each day's share runs at the burst rate, then waits for the reset.
  const lastDayShare = (maxTokens - (days - 1) * usableTokensPerDay) / Math.max(1, maxTokens);
  const totalTimeMs = days === 1 ? apiTimeMs : (days - 1) * dayMs + Math.ceil(apiTimeMs * lastDayShare);
  return {
    leads: input.leads,
    notes,
    noteTokens,
    fillTokens,
    minTokens,
    maxTokens,
    persons,
    organizations,
    requests,
    minRequests,
    apiTimeMs,
    minApiTimeMs,
    usableTokensPerDay,
    days,
    minDays,
    totalTimeMs,
  };
}
