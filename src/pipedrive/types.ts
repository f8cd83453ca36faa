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
  | 'personFields.list'
  | 'organizationFields.list'
  | 'notes.add'
  | 'notes.list'
  | 'notes.get'
  | 'notes.delete'
  | 'persons.add'
  | 'persons.get'
  | 'persons.update'
  | 'persons.search'
  | 'persons.list'
  | 'persons.delete'
  | 'organizations.add'
  | 'organizations.get'
  | 'organizations.update'
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
  /**
   * `x-ratelimit-reset`, in seconds. Its unit is undocumented: the value is read by its form
   * (`resetMsOf` in `rate-limit.ts`), whole seconds unless it can only be milliseconds.
   */
  resetSeconds?: number;
  /** Set when `x-ratelimit-reset` was finer than whole seconds (milliseconds or a fraction). */
  resetIsFine?: true;
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

/** An email or phone as v2 takes it: only `value` is required, `label` defaults to `work` (pipedrive-api.md §5.2). */
export interface ContactDetailInput {
  value: string;
  primary?: boolean;
  label?: string;
}

/**
 * A structured address: a person's `postal_address` or an organization's `address` (v2; SDK-33
 * `person-item-address.d.ts`, `organization-item-address.d.ts`). `value` is the full address as one line;
 * the parts are optional.
 */
export interface PostalAddress {
  value: string;
  country?: string;
  /** e.g. state */
  admin_area_level_1?: string;
  /** e.g. county */
  admin_area_level_2?: string;
  /** e.g. city */
  locality?: string;
  /** e.g. neighbourhood */
  sublocality?: string;
  /** e.g. street */
  route?: string;
  street_number?: string;
  /** e.g. apartment or suite number */
  subpremise?: string;
  postal_code?: string;
}

/** Campaigns consent of a person; accepted only when the company uses Campaigns (SPEC-v2 `PATCH /persons/{id}`). */
export type MarketingStatus = 'no_consent' | 'unsubscribed' | 'subscribed' | 'archived';

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
  /** Contact-sync fields: null when unset. */
  job_title?: string | null;
  /** `YYYY-MM-DD` */
  birthday?: string | null;
  postal_address?: PostalAddress | null;
  notes?: string | null;
  /** Only for companies with Campaigns. */
  marketing_status?: MarketingStatus;
  [key: string]: unknown;
}

/** `POST /api/v2/persons` (SDK-33 `v2/models/add-person-request.d.ts`; the v2 OpenAPI copy lacks some fields). */
export interface AddPersonBody {
  name: string;
  owner_id?: number;
  org_id?: number;
  emails?: ContactDetailInput[];
  phones?: ContactDetailInput[];
  visible_to?: VisibleToV2;
  /** Option ids of the `label_ids` person field (`GET /v1/personFields`). */
  label_ids?: number[];
  /** At most 255 characters. */
  job_title?: string;
  /** `YYYY-MM-DD` */
  birthday?: string;
  postal_address?: PostalAddress;
  /** Contact-sync notes, at most 10,000 characters (not a note of `POST /v1/notes`). */
  notes?: string;
  /** Only when the company uses Campaigns; otherwise Pipedrive refuses it. */
  marketing_status?: MarketingStatus;
  /** Keyed by 40-hex field key; monetary as `{ value, currency }`, set as option ids; `null` clears, `[]` is refused. */
  custom_fields?: Record<string, unknown>;
}

/**
 * `PATCH /api/v2/persons/{id}`: only the fields sent change, `null` clears a field, and `emails`/`phones`, when
 * sent, replace the whole list (SDK-33 `update-person-request.d.ts`).
 */
export type UpdatePersonBody = {
  [K in keyof AddPersonBody]?: K extends 'name' ? AddPersonBody[K] : AddPersonBody[K] | null;
};

export interface Organization {
  id: number;
  name: string;
  owner_id: number;
  is_deleted: boolean;
  visible_to: VisibleToV2;
  label_ids: number[];
  address: PostalAddress | null;
  add_time: string;
  update_time: string;
  custom_fields: Record<string, unknown>;
  website?: string | null;
  linkedin?: string | null;
  /** Option id of the `industry` organization field. */
  industry?: number | null;
  annual_revenue?: number | null;
  employee_count?: number | null;
  [key: string]: unknown;
}

/** `POST /api/v2/organizations` (SDK-33 `v2/models/add-organization-request.d.ts`). */
export interface AddOrganizationBody {
  name: string;
  owner_id?: number;
  visible_to?: VisibleToV2;
  /** Option ids of the `label_ids` organization field (`GET /v1/organizationFields`). */
  label_ids?: number[];
  address?: PostalAddress;
  website?: string;
  linkedin?: string;
  /** Option id of the `industry` organization field. */
  industry?: number;
  annual_revenue?: number;
  employee_count?: number;
  custom_fields?: Record<string, unknown>;
}

/** `PATCH /api/v2/organizations/{id}`: only the fields sent change, `null` clears a field. */
export type UpdateOrganizationBody = {
  [K in keyof AddOrganizationBody]?: K extends 'name'
    ? AddOrganizationBody[K]
    : AddOrganizationBody[K] | null;
};

/** Where a deal stands: open, or closed as won or lost; `deleted` once deleted (SPEC-v2 `GET /deals` `status`). */
export type DealStatus = 'open' | 'won' | 'lost' | 'deleted';

/**
 * A deal as API v2 answers it (SPEC-v2 `DealItem`). The importer never writes deals; it reads how many a contact
 * has before `revert --include-contacts` deletes the contact (see {@link ContactDealCounts}).
 */
export interface Deal {
  id: number;
  title: string;
  creator_user_id: number;
  owner_id: number;
  person_id: number | null;
  org_id: number | null;
  pipeline_id: number;
  stage_id: number;
  value: number;
  currency: string;
  add_time: string;
  update_time: string;
  stage_change_time: string | null;
  is_deleted: boolean;
  is_archived: boolean;
  archive_time: string | null;
  status: DealStatus;
  probability: number | null;
  lost_reason: string | null;
  visible_to: VisibleToV2;
  close_time: string | null;
  won_time: string | null;
  lost_time: string | null;
  expected_close_date: string | null;
  label_ids: number[];
  origin: string;
  origin_id: string | null;
  channel: number | null;
  channel_id: string | null;
  arr: number | null;
  mrr: number | null;
  acv: number | null;
  custom_fields: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * The deal counts `include_fields` adds to a v2 person or organization (SPEC-v2 `GET /persons`,
 * `GET /organizations`): deals linked to it by status (closed = won + lost; deleted deals are not counted), and
 * for a person the deals it takes part in as a participant.
 */
export interface ContactDealCounts {
  open_deals_count?: number;
  closed_deals_count?: number;
  won_deals_count?: number;
  lost_deals_count?: number;
  participant_open_deals_count?: number;
  participant_closed_deals_count?: number;
}

/** The deal counts an organization takes in `include_fields`: a person's, without the participant ones. */
export type OrganizationDealCountField = Exclude<
  keyof ContactDealCounts,
  'participant_open_deals_count' | 'participant_closed_deals_count'
>;

/** A note (SPEC-v1 `Note`): HTML content attached to a lead, person, organization or deal. */
export interface Note {
  id: number;
  content: string;
  lead_id: string | null;
  person_id: number | null;
  org_id: number | null;
  deal_id: number | null;
  project_id?: number | null;
  user_id: number;
  /** v1 format, `YYYY-MM-DD HH:MM:SS` in UTC. */
  add_time: string;
  update_time: string;
  active_flag: boolean;
  pinned_to_lead_flag?: boolean;
  pinned_to_person_flag?: boolean;
  pinned_to_organization_flag?: boolean;
  pinned_to_deal_flag?: boolean;
  pinned_to_project_flag?: boolean;
  last_update_user_id?: number | null;
  /** Related objects by name; null when the note is not linked to one. */
  person?: { name: string } | null;
  organization?: { name: string } | null;
  deal?: { title: string } | null;
  project?: { title: string } | null;
  user?: { email: string; name: string; is_you: boolean; icon_url?: string } | null;
}

/** `POST /v1/notes` (SPEC-v1 `addNote`): `content` and at least one of lead, person, organization or deal. */
export interface AddNoteBody {
  /** HTML; Pipedrive sanitises it. */
  content: string;
  /** Lead UUID. */
  lead_id?: string;
  person_id?: number;
  org_id?: number;
  deal_id?: number;
  /** Author; only an admin may set someone else. */
  user_id?: number;
  /** `YYYY-MM-DD HH:MM:SS` in UTC. */
  add_time?: string;
  /** 1 pins the note to the lead (needs `lead_id`). */
  pinned_to_lead_flag?: 0 | 1;
}

/** `GET /v1/notes` filters and paging. */
export interface ListNotesQuery {
  lead_id?: string;
  person_id?: number;
  org_id?: number;
  deal_id?: number;
  user_id?: number;
  start?: number;
  /** At most 500. */
  limit?: number;
  /** e.g. `add_time ASC` or `id DESC`. */
  sort?: string;
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

/** One option of an `enum` or `set` field. Ids are integers, except a few standard fields (`marketing_status`). */
export interface PipedriveFieldOption {
  id: number | string;
  label: string;
  /** Label colours of `label_ids` options. */
  color?: string;
}

/**
 * One field of a v1 field catalogue (`GET /v1/dealFields`, `/v1/personFields`, `/v1/organizationFields`).
 * Custom fields have a 40-hex `key` and `edit_flag: true`.
 */
export interface PipedriveField {
  id: number;
  key: string;
  name: string;
  field_type: string;
  edit_flag: boolean;
  active_flag: boolean;
  mandatory_flag: boolean | Record<string, unknown>;
  options?: PipedriveFieldOption[] | null;
  [key: string]: unknown;
}

/** The option shape under its older name. */
export type DealFieldOption = PipedriveFieldOption;
/** A deal field; lead custom fields are deal fields (pipedrive-api.md §4.5). */
export type DealField = PipedriveField;

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
  /**
   * Only these contacts, at most 100 (SPEC-v2 `ids`); those that do not exist, are deleted or are not visible are
   * left out of the answer.
   */
  ids?: number[];
  limit?: number;
  cursor?: string;
  updated_since?: string;
  sort_by?: 'id' | 'update_time' | 'add_time';
  sort_direction?: 'asc' | 'desc';
}

/** What the importer calls. Methods resolve with `data` (unwrapped) and reject with a PipedriveError. */
export interface PipedriveApi {
  /** Lets go of the client's connections (see `PipedriveClient.close`); a fake may have none. */
  close?(): void;
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
  /** v1 `GET /v1/personFields`. */
  getPersonFields(
    query?: { start?: number; limit?: number },
    options?: CallOptions,
  ): Promise<OffsetPage<PipedriveField>>;
  /** v1 `GET /v1/organizationFields`. */
  getOrganizationFields(
    query?: { start?: number; limit?: number },
    options?: CallOptions,
  ): Promise<OffsetPage<PipedriveField>>;
  addNote(body: AddNoteBody, options?: CallOptions): Promise<Note>;
  listNotes(query: ListNotesQuery, options?: CallOptions): Promise<OffsetPage<Note>>;
  getNote(id: number, options?: CallOptions): Promise<Note>;
  deleteNote(id: number, options?: CallOptions): Promise<void>;
  addPerson(body: AddPersonBody, options?: CallOptions): Promise<Person>;
  getPerson(id: number, options?: CallOptions): Promise<Person>;
  updatePerson(id: number, body: UpdatePersonBody, options?: CallOptions): Promise<Person>;
  addOrganization(body: AddOrganizationBody, options?: CallOptions): Promise<Organization>;
  getOrganization(id: number, options?: CallOptions): Promise<Organization>;
  updateOrganization(id: number, body: UpdateOrganizationBody, options?: CallOptions): Promise<Organization>;
  searchPersons(
    query: SearchQuery<'custom_fields' | 'email' | 'notes' | 'phone' | 'name'> & { organization_id?: number },
    options?: CallOptions,
  ): Promise<CursorPage<SearchResult<PersonSearchItem>>>;
  searchOrganizations(
    query: SearchQuery<'address' | 'custom_fields' | 'notes' | 'name'>,
    options?: CallOptions,
  ): Promise<CursorPage<SearchResult<OrganizationSearchItem>>>;
  /** v2 `GET /api/v2/persons`; `include_fields` adds the named counts to each person. */
  listPersons(
    query?: ListContactsQuery & { org_id?: number; include_fields?: (keyof ContactDealCounts)[] },
    options?: CallOptions,
  ): Promise<CursorPage<Person & ContactDealCounts>>;
  /** v2 `GET /api/v2/organizations`; `include_fields` adds the named counts (persons' participant counts excepted). */
  listOrganizations(
    query?: ListContactsQuery & { include_fields?: OrganizationDealCountField[] },
    options?: CallOptions,
  ): Promise<CursorPage<Organization & ContactDealCounts>>;
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
  /**
   * Why no response arrived (status 0 only): `aborted` by the caller (a shutdown, a row's job ending), `invalid` when
   * the request could not be built; `timeout` and `network` are Pipedrive or the way to it.
   */
  failure?: 'timeout' | 'aborted' | 'network' | 'invalid';
  /** A `network` failure's system error code, when it had one: `ENOTFOUND`, `ECONNREFUSED`, `ECONNRESET`… */
  errorCode?: string;
  durationMs: number;
  /** Tokens this call costs by the cost table (what Pipedrive charges for it). */
  tokenCost: number;
  rateLimit: RateLimitInfo;
}
