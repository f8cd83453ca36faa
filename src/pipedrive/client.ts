import { type Logger, silentLogger } from '../logging/logger.js';
import { errorFromResponse, type ResponseErrorInput, unusableResponseError } from './errors.js';
import { JsonShapeError, parseBoundedJson } from './json-shape.js';
import { type OAuthOptions, OAuthTokenProvider } from './oauth.js';
import { ENDPOINTS } from './token-costs.js';
import { createTransport, type RawResponse, type Send, type Transport } from './transport.js';
import type {
  AddLeadBody,
  AddNoteBody,
  AddOrganizationBody,
  AddPersonBody,
  CallOptions,
  ContactDealCounts,
  Currency,
  CursorPage,
  DealField,
  Lead,
  LeadLabel,
  LeadSearchItem,
  LeadSource,
  ListContactsQuery,
  ListLeadsQuery,
  ListNotesQuery,
  Note,
  OffsetPage,
  Operation,
  Organization,
  OrganizationDealCountField,
  OrganizationSearchItem,
  Person,
  PersonSearchItem,
  PipedriveApi,
  PipedriveField,
  ResponseEvent,
  SearchQuery,
  SearchResult,
  UpdateOrganizationBody,
  UpdatePersonBody,
  User,
} from './types.js';

/** Used when neither `baseUrl` nor an OAuth `api_domain` says where the company lives. */
export const DEFAULT_BASE_URL = 'https://api.pipedrive.com';
export const DEFAULT_TIMEOUT_MS = 30_000;
/** 16 MiB: far above any Pipedrive answer (a 500-item list page is well under 1 MiB), far below trouble. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_SOCKETS = 16;
const DEFAULT_USER_AGENT = 'pipedrive-lead-importer';
const checkBaseUrl = 'Check PIPEDRIVE_BASE_URL points at Pipedrive.';

export interface PipedriveClientOptions {
  /**
   * The company's host, e.g. `https://yourcompany.pipedrive.com` or a sandbox URL; the client adds `/api/v1` and
   * `/api/v2`. When omitted with OAuth, the `api_domain` of the token response is used; otherwise
   * {@link DEFAULT_BASE_URL}. A configured base URL always wins over `api_domain`, so tests and the sandbox
   * keep control of where requests go.
   */
  baseUrl?: string | undefined;
  /** API token, sent as the `x-api-token` header (never in the URL). Give this or `oauth`, not both. */
  apiToken?: string | undefined;
  /** OAuth app credentials and refresh token; the client keeps the access token fresh. */
  oauth?: OAuthOptions | undefined;
  /** Per-request timeout in ms, covering headers and body. @defaultValue 30000 */
  timeoutMs?: number | undefined;
  /**
   * Largest response body read into memory, in bytes; a bigger one fails the call with a
   * `PipedriveResponseTooLargeError` and the connection is closed. @defaultValue 16777216 (16 MiB)
   */
  maxResponseBytes?: number | undefined;
  /** Called after every HTTP exchange, success or failure (status 0 when no response arrived). Must not throw. */
  onResponse?: ((event: ResponseEvent) => void) | undefined;
  /** @defaultValue `pipedrive-lead-importer` */
  userAgent?: string | undefined;
  /**
   * Keep-alive connections per origin, and so calls in flight at once to it (more wait for a free one): as many
   * as the calls the owner makes at once. {@link PipedriveClient.close} destroys them. @defaultValue 16
   */
  maxSockets?: number | undefined;
  /** Where hook failures are reported. @defaultValue a silent logger */
  logger?: Logger | undefined;
  /** Clock for OAuth expiry, in ms since the epoch. @defaultValue `Date.now` */
  now?: (() => number) | undefined;
}

type QueryValue = string | number | boolean | readonly (string | number)[] | null | undefined;
type Query = Record<string, QueryValue>;

interface Envelope {
  data: unknown;
  additional_data: unknown;
}

interface CallSpec {
  id?: string | number;
  query?: Query | undefined;
  body?: unknown;
}

/** Pipedrive's query conventions: arrays as comma-separated lists (`fields=email,name`), booleans as words. */
export function toQueryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(','));
    } else {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`baseUrl must be a URL such as https://yourcompany.pipedrive.com, got "${raw}"`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/(api\/)?v[12]$/.test(path)) {
    throw new TypeError(
      `baseUrl is the host only (e.g. https://yourcompany.pipedrive.com); the client adds /api/v1 and /api/v2, got "${raw}"`,
    );
  }
  return `${url.origin}${path}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * A typed client for the Pipedrive endpoints the importer uses (v1 leads, notes and reference data such as field
 * catalogues; v2 persons, organizations and search). Methods resolve with the unwrapped `data` (plus page info
 * for lists) and reject with a `PipedriveError` subclass. It does not retry and does not rate-limit: the worker
 * does both, once, so they never multiply.
 */
export class PipedriveClient implements PipedriveApi {
  readonly #configuredBaseUrl: string | undefined;
  readonly #apiToken: string | undefined;
  readonly #oauth: OAuthTokenProvider | undefined;
  readonly #userAgent: string;
  readonly #transport: Transport;
  readonly #send: Send;

  constructor(options: PipedriveClientOptions) {
    const hasToken = options.apiToken !== undefined && options.apiToken !== '';
    if (hasToken === (options.oauth !== undefined)) {
      throw new TypeError('PipedriveClient needs either apiToken or oauth (exactly one of them)');
    }
    if (hasToken && !/^[\x21-\x7e]+$/.test(options.apiToken as string)) {
      // Checked here so no error about an invalid header value can echo the token.
      throw new TypeError(
        'apiToken contains spaces or characters a header cannot carry; check how it was copied',
      );
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new TypeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
    }
    const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes <= 0) {
      throw new TypeError(
        `maxResponseBytes must be a positive whole number of bytes, got ${options.maxResponseBytes}`,
      );
    }
    this.#configuredBaseUrl = options.baseUrl ? normalizeBaseUrl(options.baseUrl) : undefined;
    this.#apiToken = hasToken ? options.apiToken : undefined;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    const logger = options.logger ?? silentLogger;
    const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS;
    if (!Number.isSafeInteger(maxSockets) || maxSockets <= 0) {
      throw new TypeError(`maxSockets must be a positive whole number, got ${options.maxSockets}`);
    }
    this.#transport = createTransport({
      timeoutMs,
      maxResponseBytes,
      maxSockets,
      onResponse: options.onResponse,
      logger,
      secrets: () => this.#secrets(),
    });
    this.#send = this.#transport.send;
    this.#oauth = options.oauth
      ? new OAuthTokenProvider(options.oauth, {
          send: this.#send,
          now: options.now ?? Date.now,
          userAgent: this.#userAgent,
          logger,
        })
      : undefined;
  }

  /** Where v1 and v2 live: the configured base URL, else OAuth's `api_domain`, else {@link DEFAULT_BASE_URL}. */
  get baseUrl(): string {
    return this.#configuredBaseUrl ?? this.#oauth?.apiDomain?.replace(/\/+$/, '') ?? DEFAULT_BASE_URL;
  }

  /**
   * Destroys the client's connections (idle keep-alive ones and any call still in flight, which fails), so
   * none keeps a stopping process alive. A call made afterwards opens a new connection.
   */
  close(): void {
    this.#transport.close();
  }

  addLead(body: AddLeadBody, options?: CallOptions): Promise<Lead> {
    return this.#object<Lead>('leads.add', { body }, options);
  }

  getLead(id: string, options?: CallOptions): Promise<Lead> {
    return this.#object<Lead>('leads.get', { id }, options);
  }

  deleteLead(id: string, options?: CallOptions): Promise<{ id: string }> {
    return this.#object<{ id: string }>('leads.delete', { id }, options);
  }

  async listLeads(query: ListLeadsQuery = {}, options?: CallOptions): Promise<OffsetPage<Lead>> {
    return this.#offsetPage<Lead>('leads.list', { ...query }, options);
  }

  searchLeads(
    query: SearchQuery<'custom_fields' | 'notes' | 'title'> & {
      person_id?: number;
      organization_id?: number;
    },
    options?: CallOptions,
  ): Promise<CursorPage<SearchResult<LeadSearchItem>>> {
    return this.#searchPage<LeadSearchItem>('leads.search', { ...query }, options);
  }

  getLeadLabels(options?: CallOptions): Promise<LeadLabel[]> {
    return this.#array<LeadLabel>('leadLabels.list', {}, options);
  }

  getLeadSources(options?: CallOptions): Promise<LeadSource[]> {
    return this.#array<LeadSource>('leadSources.list', {}, options);
  }

  getCurrentUser(options?: CallOptions): Promise<User> {
    return this.#object<User>('users.me', {}, options);
  }

  getUsers(options?: CallOptions): Promise<User[]> {
    return this.#array<User>('users.list', {}, options);
  }

  getCurrencies(query: { term?: string } = {}, options?: CallOptions): Promise<Currency[]> {
    return this.#array<Currency>('currencies.list', { query: { ...query } }, options);
  }

  getDealFields(
    query: { start?: number; limit?: number } = {},
    options?: CallOptions,
  ): Promise<OffsetPage<DealField>> {
    return this.#offsetPage<DealField>('dealFields.list', { ...query }, options);
  }

  getPersonFields(
    query: { start?: number; limit?: number } = {},
    options?: CallOptions,
  ): Promise<OffsetPage<PipedriveField>> {
    return this.#offsetPage<PipedriveField>('personFields.list', { ...query }, options);
  }

  getOrganizationFields(
    query: { start?: number; limit?: number } = {},
    options?: CallOptions,
  ): Promise<OffsetPage<PipedriveField>> {
    return this.#offsetPage<PipedriveField>('organizationFields.list', { ...query }, options);
  }

  /** `POST /v1/notes` answers 200 (not 201, unlike the other v1 creates). */
  addNote(body: AddNoteBody, options?: CallOptions): Promise<Note> {
    return this.#object<Note>('notes.add', { body }, options);
  }

  listNotes(query: ListNotesQuery, options?: CallOptions): Promise<OffsetPage<Note>> {
    return this.#offsetPage<Note>('notes.list', { ...query }, options);
  }

  getNote(id: number, options?: CallOptions): Promise<Note> {
    return this.#object<Note>('notes.get', { id }, options);
  }

  /** Pipedrive answers `data: true`; anything else means the note was not deleted. */
  async deleteNote(id: number, options?: CallOptions): Promise<void> {
    const { envelope, fail } = await this.#call('notes.delete', { id }, options);
    if (envelope.data !== true) throw fail('its data is not true');
  }

  addPerson(body: AddPersonBody, options?: CallOptions): Promise<Person> {
    return this.#object<Person>('persons.add', { body }, options);
  }

  getPerson(id: number, options?: CallOptions): Promise<Person> {
    return this.#object<Person>('persons.get', { id }, options);
  }

  updatePerson(id: number, body: UpdatePersonBody, options?: CallOptions): Promise<Person> {
    return this.#object<Person>('persons.update', { id, body }, options);
  }

  addOrganization(body: AddOrganizationBody, options?: CallOptions): Promise<Organization> {
    return this.#object<Organization>('organizations.add', { body }, options);
  }

  getOrganization(id: number, options?: CallOptions): Promise<Organization> {
    return this.#object<Organization>('organizations.get', { id }, options);
  }

  updateOrganization(id: number, body: UpdateOrganizationBody, options?: CallOptions): Promise<Organization> {
    return this.#object<Organization>('organizations.update', { id, body }, options);
  }

  searchPersons(
    query: SearchQuery<'custom_fields' | 'email' | 'notes' | 'phone' | 'name'> & { organization_id?: number },
    options?: CallOptions,
  ): Promise<CursorPage<SearchResult<PersonSearchItem>>> {
    return this.#searchPage<PersonSearchItem>('persons.search', { ...query }, options);
  }

  searchOrganizations(
    query: SearchQuery<'address' | 'custom_fields' | 'notes' | 'name'>,
    options?: CallOptions,
  ): Promise<CursorPage<SearchResult<OrganizationSearchItem>>> {
    return this.#searchPage<OrganizationSearchItem>('organizations.search', { ...query }, options);
  }

  listPersons(
    query: ListContactsQuery & { org_id?: number; include_fields?: (keyof ContactDealCounts)[] } = {},
    options?: CallOptions,
  ): Promise<CursorPage<Person & ContactDealCounts>> {
    return this.#cursorPage<Person & ContactDealCounts>('persons.list', { ...query }, options);
  }

  listOrganizations(
    query: ListContactsQuery & { include_fields?: OrganizationDealCountField[] } = {},
    options?: CallOptions,
  ): Promise<CursorPage<Organization & ContactDealCounts>> {
    return this.#cursorPage<Organization & ContactDealCounts>('organizations.list', { ...query }, options);
  }

  deletePerson(id: number, options?: CallOptions): Promise<{ id: number }> {
    return this.#object<{ id: number }>('persons.delete', { id }, options);
  }

  deleteOrganization(id: number, options?: CallOptions): Promise<{ id: number }> {
    return this.#object<{ id: number }>('organizations.delete', { id }, options);
  }

  // --- shapes of `data` -------------------------------------------------------------------------------------

  async #object<T>(operation: Operation, spec: CallSpec, options?: CallOptions): Promise<T> {
    const { envelope, fail } = await this.#call(operation, spec, options);
    if (!isRecord(envelope.data)) throw fail('its data is not an object');
    return envelope.data as T;
  }

  async #array<T>(operation: Operation, spec: CallSpec, options?: CallOptions): Promise<T[]> {
    const { envelope, fail } = await this.#call(operation, spec, options);
    // v1 lists answer `data: null` when there is nothing to list.
    if (envelope.data === null || envelope.data === undefined) return [];
    if (!Array.isArray(envelope.data)) throw fail('its data is not a list');
    return envelope.data as T[];
  }

  /**
   * v1 offset paging. The lead list documents a flat `additional_data` while other lists nest it under
   * `additional_data.pagination` (pipedrive-api.md §4.2, §7); both are accepted.
   */
  async #offsetPage<T>(operation: Operation, query: Query, options?: CallOptions): Promise<OffsetPage<T>> {
    const { envelope, fail } = await this.#call(operation, { query }, options);
    return offsetPageFrom<T>(envelope, query, fail);
  }

  async #cursorPage<T>(operation: Operation, query: Query, options?: CallOptions): Promise<CursorPage<T>> {
    const { envelope, fail } = await this.#call(operation, { query }, options);
    const data = envelope.data ?? [];
    if (!Array.isArray(data)) throw fail('its data is not a list');
    return { items: data as T[], nextCursor: nextCursorOf(envelope) };
  }

  async #searchPage<T>(
    operation: Operation,
    query: Query,
    options?: CallOptions,
  ): Promise<CursorPage<SearchResult<T>>> {
    const { envelope, fail } = await this.#call(operation, { query }, options);
    const data = envelope.data ?? { items: [] };
    const items = isRecord(data) ? (data.items ?? []) : undefined;
    if (!Array.isArray(items)) throw fail('its data has no items list');
    return { items: items as SearchResult<T>[], nextCursor: nextCursorOf(envelope) };
  }

  // --- one call ---------------------------------------------------------------------------------------------

  async #call(
    operation: Operation,
    spec: CallSpec,
    options: CallOptions = {},
  ): Promise<{ envelope: Envelope; fail: (reason: string) => Error }> {
    const endpoint = ENDPOINTS[operation];
    const relative =
      spec.id === undefined
        ? endpoint.path
        : endpoint.path.replace('{id}', encodeURIComponent(String(spec.id)));
    const path = `/api/${endpoint.api}${relative}`;
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent };
    if (body !== undefined) headers['content-type'] = 'application/json';

    const query = toQueryString(spec.query);
    // Built per attempt: with OAuth the base URL can come from the token response. Kept for the error context.
    let url = '';
    const attempt = async (): Promise<{ response: RawResponse; bearer: string | undefined }> => {
      let bearer: string | undefined;
      if (this.#oauth) {
        bearer = await this.#oauth.getAccessToken();
        headers.authorization = `Bearer ${bearer}`;
      } else {
        headers['x-api-token'] = this.#apiToken as string;
      }
      url = `${this.baseUrl}${path}${query}`;
      const response = await this.#send({
        operation,
        method: endpoint.method,
        url,
        path,
        headers,
        body,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
      return { response, bearer };
    };

    let { response, bearer } = await attempt();
    if (response.status === 401 && this.#oauth && bearer !== undefined) {
      // An access token can be revoked or expire early; refresh once (shared with concurrent callers) and repeat.
      // A 401 means the request was not carried out, so repeating a create is safe.
      await this.#oauth.refreshAfterUnauthorized(bearer);
      ({ response } = await attempt());
    }

    // Only a failure needs it (with the secrets to redact from it): not built for the calls that succeed.
    const context = (): ResponseErrorInput => ({
      operation,
      method: endpoint.method,
      path,
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      bodyText: response.bodyText,
      url,
      secrets: this.#secrets(),
    });
    if (response.status < 200 || response.status >= 300) throw errorFromResponse(context());
    const fail = (reason: string): Error => unusableResponseError({ ...context(), reason });
    let parsed: unknown;
    try {
      parsed = parseBoundedJson(response.bodyText);
    } catch (err) {
      if (err instanceof JsonShapeError) {
        throw fail(
          `the body was not parsed: ${err.message}, which no Pipedrive answer does. ${checkBaseUrl}`,
        );
      }
      throw fail(response.bodyText.trim() === '' ? 'the body is empty' : 'the body is not JSON');
    }
    if (!isRecord(parsed)) throw fail('the body is not a JSON object');
    if (parsed.success !== true) throw fail('success is not true');
    return { envelope: { data: parsed.data, additional_data: parsed.additional_data }, fail };
  }

  #secrets(): (string | undefined)[] {
    return [this.#apiToken, ...(this.#oauth?.secrets() ?? [])];
  }
}

function nextCursorOf(envelope: Envelope): string | null {
  const cursor = isRecord(envelope.additional_data) ? envelope.additional_data.next_cursor : undefined;
  return typeof cursor === 'string' && cursor !== '' ? cursor : null;
}

function offsetPageFrom<T>(envelope: Envelope, query: Query, fail: (reason: string) => Error): OffsetPage<T> {
  const data = envelope.data ?? [];
  if (!Array.isArray(data)) throw fail('its data is not a list');
  const additional = isRecord(envelope.additional_data) ? envelope.additional_data : {};
  const pagination = isRecord(additional.pagination) ? additional.pagination : additional;
  const start = optionalNumber(pagination.start) ?? optionalNumber(query.start) ?? 0;
  const limit = optionalNumber(pagination.limit) ?? optionalNumber(query.limit) ?? data.length;
  const moreItems = pagination.more_items_in_collection === true;
  const nextStart = optionalNumber(pagination.next_start) ?? (moreItems ? start + data.length : undefined);
  const page: OffsetPage<T> = { items: data as T[], start, limit, moreItems };
  if (nextStart !== undefined) page.nextStart = nextStart;
  return page;
}
