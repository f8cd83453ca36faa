/**
 * Shapes of the Pipedrive objects and calls the importer uses (pipedrive-api.md §4–§6, checked
 * against ../shared/pipedrive-openapi). The client (`client.ts`) implements {@link PipedriveApi};
 * the sandbox answers with these shapes.
 */

/** Every call the client makes, named for the cost table, metrics and logs. */
export type Operation =
  | 'leads.add'
  | 'leads.get'
  | 'leads.delete'
  | 'leads.list'
  | 'leads.search'
  | 'leadLabels.list'
  | 'leadSources.list'
  | 'users.me'
  | 'users.list'
  | 'currencies.list'
  | 'dealFields.list'
  | 'persons.add'
  | 'persons.search'
  | 'persons.list'
  | 'persons.delete'
  | 'organizations.add'
  | 'organizations.search'
  | 'organizations.list'
  | 'organizations.delete'
  | 'oauth.token';

/** Rate-limit headers of one response (pipedrive-api.md §3.5); each is absent when not sent. */
export interface RateLimitInfo {
  /** `x-ratelimit-limit`: requests per 2-second window for this token. */
  limit?: number;
  /** `x-ratelimit-remaining`. */
  remaining?: number;
  /** `x-ratelimit-reset`, in seconds (unit assumed; undocumented). */
  resetSeconds?: number;
  /** `Retry-After`, in seconds. */
  retryAfterSeconds?: number;
  /** `x-daily-requests-left` (legacy POST/PUT fair-use counter). */
  dailyRequestsLeft?: number;
  /** `x-daily-ratelimit-token-limit` (undocumented, optional). */
  dailyTokenLimit?: number;
  /** `x-daily-ratelimit-token-remaining` (undocumented, optional). */
  dailyTokenRemaining?: number;
}

export type VisibleToV1 = '1' | '3' | '5' | '7';
export type VisibleToV2 = 1 | 3 | 5 | 7;

export interface LeadValue {
  amount: number;
  currency: string;
}

export interface Lead {
  id: string;
  title: string;
  owner_id: number;
  creator_id: number;
  label_ids: string[];
  person_id: number | null;
  organization_id: number | null;
  source_name: string;
  origin: string;
  origin_id: string | null;
  channel: number | null;
  channel_id: string | null;
  source_deal_id?: number | null;
  is_archived: boolean;
  was_seen: boolean;
  value: LeadValue | null;
  expected_close_date: string | null;
  next_activity_id: number | null;
  add_time: string;
  update_time: string;
  visible_to: VisibleToV1;
  cc_email: string;
  /** Custom fields come back at the root under their 40-hex keys. */
  [customKey: string]: unknown;
}

export interface AddLeadBody {
  title: string;
  owner_id?: number;
  label_ids?: string[];
  person_id?: number;
  organization_id?: number;
  value?: LeadValue | null;
  expected_close_date?: string;
  visible_to?: VisibleToV1;
  was_seen?: boolean;
  origin_id?: string | null;
  channel?: number | null;
  channel_id?: string | null;
  /** Custom fields: 40-hex key at the root of the body. */
  [customKey: string]: unknown;
}

export interface ContactDetail {
  value: string;
  primary: boolean;
  label: string;
}

export interface Person {
  id: number;
  name: string;
  first_name?: string | null;
  last_name?: string | null;
  owner_id: number;
  org_id: number | null;
  emails: ContactDetail[];
  phones: ContactDetail[];
  is_deleted: boolean;
  visible_to: VisibleToV2;
  label_ids: number[];
  add_time: string;
  update_time: string;
  custom_fields: Record<string, unknown>;
  [key: string]: unknown;
}

export interface AddPersonBody {
  name: string;
  owner_id?: number;
  org_id?: number;
  emails?: { value: string; primary?: boolean; label?: string }[];
  phones?: { value: string; primary?: boolean; label?: string }[];
  visible_to?: VisibleToV2;
  label_ids?: number[];
  custom_fields?: Record<string, unknown>;
}

export interface Organization {
  id: number;
  name: string;
  owner_id: number;
  is_deleted: boolean;
  visible_to: VisibleToV2;
  label_ids: number[];
  address: { value: string; [key: string]: unknown } | null;
  add_time: string;
  update_time: string;
  custom_fields: Record<string, unknown>;
  [key: string]: unknown;
}

export interface AddOrganizationBody {
  name: string;
  owner_id?: number;
  visible_to?: VisibleToV2;
  label_ids?: number[];
  custom_fields?: Record<string, unknown>;
}

export interface SearchResult<T> {
  result_score: number;
  item: T;
}

export interface PersonSearchItem {
  id: number;
  type: 'person';
  name: string;
  /** Plain strings in search results (not objects). */
  phones: string[];
  emails: string[];
  visible_to: VisibleToV2;
  owner: { id: number };
  organization: { id: number; name: string; address: string | null } | null;
  custom_fields: string[];
  notes: string[];
}

export interface OrganizationSearchItem {
  id: number;
  type: 'organization';
  name: string;
  address: string | null;
  visible_to: VisibleToV2;
  owner: { id: number };
  custom_fields: string[];
  notes: string[];
}

export interface LeadSearchItem {
  id: string;
  type: 'lead';
  title: string;
  owner: { id: number };
  person: { id: number; name: string } | null;
  organization: { id: number; name: string } | null;
  phones: string[];
  emails: string[];
  custom_fields: string[];
  notes: string[];
  value: number | null;
  currency: string | null;
  visible_to: VisibleToV2;
  is_archived: boolean;
}

export interface LeadLabel {
  id: string;
  name: string;
  color: string;
  add_time: string;
  update_time: string;
}

export interface LeadSource {
  name: string;
}

export interface User {
  id: number;
  name: string;
  email: string;
  default_currency: string;
  locale: string;
  lang: number;
  active_flag: boolean;
  is_admin: number;
  company_id: number;
  company_name: string;
  company_domain: string;
  timezone_name: string;
  timezone_offset: string;
  [key: string]: unknown;
}

export interface Currency {
  id: number;
  code: string;
  name: string;
  decimal_points: number;
  symbol: string;
  active_flag: boolean;
  is_custom_flag: boolean;
}

export interface DealFieldOption {
  id: number | string;
  label: string;
}

export interface DealField {
  id: number;
  key: string;
  name: string;
  field_type: string;
  edit_flag: boolean;
  active_flag: boolean;
  mandatory_flag: boolean | Record<string, unknown>;
  options?: DealFieldOption[] | null;
  [key: string]: unknown;
}

/** One page of a v2 cursor-paged list. */
export interface CursorPage<T> {
  items: T[];
  /** `null` at the end. */
  nextCursor: string | null;
}

/** One page of a v1 offset-paged list. */
export interface OffsetPage<T> {
  items: T[];
  start: number;
  limit: number;
  moreItems: boolean;
  nextStart?: number;
}

export interface CallOptions {
  /** Aborts the request (e.g. on worker shutdown). */
  signal?: AbortSignal;
  /** Overrides the client's per-request timeout. */
  timeoutMs?: number;
}

export interface ListLeadsQuery {
  start?: number;
  limit?: number;
  owner_id?: number;
  person_id?: number;
  organization_id?: number;
  updated_since?: string;
  sort?: string;
}

export interface SearchQuery<F extends string> {
  term: string;
  fields?: F[];
  exact_match?: boolean;
  limit?: number;
  cursor?: string;
}

export interface ListContactsQuery {
  limit?: number;
  cursor?: string;
  updated_since?: string;
  sort_by?: 'id' | 'update_time' | 'add_time';
  sort_direction?: 'asc' | 'desc';
}

/** What the importer calls. Methods resolve with `data` (unwrapped) and reject with a PipedriveError. */
export interface PipedriveApi {
  addLead(body: AddLeadBody, options?: CallOptions): Promise<Lead>;
  getLead(id: string, options?: CallOptions): Promise<Lead>;
  deleteLead(id: string, options?: CallOptions): Promise<{ id: string }>;
  listLeads(query?: ListLeadsQuery, options?: CallOptions): Promise<OffsetPage<Lead>>;
  /** v2 `GET /api/v2/leads/search`. */
  searchLeads(
    query: SearchQuery<'custom_fields' | 'notes' | 'title'> & {
      person_id?: number;
      organization_id?: number;
    },
    options?: CallOptions,
  ): Promise<CursorPage<SearchResult<LeadSearchItem>>>;
  getLeadLabels(options?: CallOptions): Promise<LeadLabel[]>;
  getLeadSources(options?: CallOptions): Promise<LeadSource[]>;
  getCurrentUser(options?: CallOptions): Promise<User>;
  getUsers(options?: CallOptions): Promise<User[]>;
  getCurrencies(query?: { term?: string }, options?: CallOptions): Promise<Currency[]>;
  getDealFields(
    query?: { start?: number; limit?: number },
    options?: CallOptions,
  ): Promise<OffsetPage<DealField>>;
  addPerson(body: AddPersonBody, options?: CallOptions): Promise<Person>;
  addOrganization(body: AddOrganizationBody, options?: CallOptions): Promise<Organization>;
  searchPersons(
    query: SearchQuery<'custom_fields' | 'email' | 'notes' | 'phone' | 'name'> & { organization_id?: number },
    options?: CallOptions,
  ): Promise<CursorPage<SearchResult<PersonSearchItem>>>;
  searchOrganizations(
    query: SearchQuery<'address' | 'custom_fields' | 'notes' | 'name'>,
    options?: CallOptions,
  ): Promise<CursorPage<SearchResult<OrganizationSearchItem>>>;
  listPersons(
    query?: ListContactsQuery & { org_id?: number },
    options?: CallOptions,
  ): Promise<CursorPage<Person>>;
  listOrganizations(query?: ListContactsQuery, options?: CallOptions): Promise<CursorPage<Organization>>;
  deletePerson(id: number, options?: CallOptions): Promise<{ id: number }>;
  deleteOrganization(id: number, options?: CallOptions): Promise<{ id: number }>;
}

/** Reported after every call, success or failure (metrics, the budget governor, limiter tuning). */
export interface ResponseEvent {
  operation: Operation;
  method: string;
  /** Path without query string and without credentials, e.g. `/api/v2/persons/search`. */
  path: string;
  /** HTTP status; 0 when no response arrived (network error or timeout). */
  status: number;
  durationMs: number;
  /** Tokens this call costs by the cost table (what Pipedrive charges for it). */
  tokenCost: number;
  rateLimit: RateLimitInfo;
}
