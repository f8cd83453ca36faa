import { STATUS_CODES } from 'node:http';
import { parseBoundedJson } from './json-shape.js';
import {
  type HeaderSource,
  parseRateLimitHeaders,
  type RateLimitScope,
  rateLimitScope,
  retryAfterMsFor,
} from './rate-limit.js';
import { ENDPOINTS } from './token-costs.js';
import type { Operation, RateLimitInfo } from './types.js';

/** Raw bodies kept on an error are cut to this many characters (a Cloudflare page is ~10 kB of HTML). */
export const MAX_RAW_BODY_CHARS = 2_000;
/** Pipedrive's `error` text is quoted in messages up to this many characters. */
const MAX_QUOTED_CHARS = 300;
const REDACTED = '[redacted]';

export interface PipedriveErrorFields {
  operation: Operation;
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Path without query string or credentials, e.g. `/api/v1/leads`. */
  path: string;
  /** HTTP status; 0 when no response arrived. */
  status: number;
  /** Pipedrive's `error` text from the body (free-form and localised: show it, never parse it). */
  errorText?: string | undefined;
  /** Pipedrive's `error_info` (or OAuth's `error_description`). */
  errorInfo?: string | undefined;
  /** Pipedrive's `code`/`errorCode` from the body, or the system error code (`ECONNRESET`) when no response came. */
  code?: string | undefined;
  /** The response body, cut to {@link MAX_RAW_BODY_CHARS}, with every known secret replaced by `[redacted]`. */
  rawBody?: string | undefined;
  rateLimit?: RateLimitInfo | undefined;
  /** `x-correlation-id`, `x-request-id` or `cf-ray`, whichever came first: quote it to Pipedrive support. */
  requestId?: string | undefined;
  /**
   * True when the request may have been carried out even though the call failed (timeout, connection lost after
   * sending, 5xx, an unreadable 2xx). Retrying a create then risks a duplicate: Pipedrive has no idempotency key
   * (pipedrive-api.md §9.5), so look before you re-create.
   */
  outcomeUnknown?: boolean | undefined;
  cause?: unknown;
}

/**
 * Base of every error the client raises. Carries what is needed to decide and to report, never a credential:
 * the message names method and path, the raw body is truncated and redacted.
 */
export class PipedriveError extends Error {
  override readonly name: string = 'PipedriveError';
  readonly operation: Operation;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly errorText: string | undefined;
  readonly errorInfo: string | undefined;
  readonly code: string | undefined;
  readonly rawBody: string | undefined;
  readonly rateLimit: RateLimitInfo;
  readonly requestId: string | undefined;
  readonly outcomeUnknown: boolean;

  constructor(message: string, fields: PipedriveErrorFields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.operation = fields.operation;
    this.method = fields.method;
    this.path = fields.path;
    this.status = fields.status;
    this.errorText = fields.errorText;
    this.errorInfo = fields.errorInfo;
    this.code = fields.code;
    this.rawBody = fields.rawBody;
    this.rateLimit = fields.rateLimit ?? {};
    this.requestId = fields.requestId;
    this.outcomeUnknown = fields.outcomeUnknown ?? false;
  }
}

/**
 * 429: a rate limit was hit. Not a failure of the row: wait `retryAfterMs` and try again (for `scope: 'daily'`,
 * pause the import until the budget resets). Never retry in a tight loop: an API token that keeps sending after
 * 429s gets Cloudflare's HTML 403 (pipedrive-api.md §3.6).
 */
export class PipedriveRateLimitError extends PipedriveError {
  override readonly name: string = 'PipedriveRateLimitError';
  /** Which limit was hit, by the heuristic of {@link rateLimitScope}. */
  readonly scope: RateLimitScope;
  /** How long to wait, from `Retry-After`, `x-ratelimit-reset` or 2 s; at least 1 s and capped. */
  readonly retryAfterMs: number;

  constructor(
    message: string,
    fields: PipedriveErrorFields & { scope: RateLimitScope; retryAfterMs: number },
  ) {
    super(message, fields);
    this.scope = fields.scope;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/** 401 (or a refused OAuth refresh): the API token or OAuth grant is invalid. Stop and fix the credentials. */
export class PipedriveAuthError extends PipedriveError {
  override readonly name: string = 'PipedriveAuthError';
}

/** 402: the company account is not open (trial over or unpaid). Nothing works until someone pays. */
export class PipedrivePaymentRequiredError extends PipedriveError {
  override readonly name: string = 'PipedrivePaymentRequiredError';
}

/**
 * 403: the user may not do this, a plan limit was reached (`code` such as `feature_capping_deals_limit`), or
 * — when `blockedByEdge` — Cloudflare blocked the token for ignoring 429s. Retrying makes the last one worse.
 */
export class PipedrivePermissionError extends PipedriveError {
  override readonly name: string = 'PipedrivePermissionError';
  /** True when the body was an HTML page rather than Pipedrive's JSON: the edge (Cloudflare) blocked us. */
  readonly blockedByEdge: boolean;

  constructor(message: string, fields: PipedriveErrorFields & { blockedByEdge: boolean }) {
    super(message, fields);
    this.blockedByEdge = fields.blockedByEdge;
  }
}

/** 400 or 422: Pipedrive refused the data. The row is wrong; reject it with `errorText` as the reason. */
export class PipedriveValidationError extends PipedriveError {
  override readonly name: string = 'PipedriveValidationError';
}

/** 404 or 410: the entity (or endpoint) does not exist, e.g. a person deleted since we cached its id. */
export class PipedriveNotFoundError extends PipedriveError {
  override readonly name: string = 'PipedriveNotFoundError';
}

/**
 * 5xx, or a 2xx whose body is not Pipedrive's envelope: Pipedrive failed. Usually transient; the request may
 * have been carried out (`outcomeUnknown`).
 */
export class PipedriveServerError extends PipedriveError {
  override readonly name: string = 'PipedriveServerError';
}

/** No response: connection refused or reset, socket hang up, DNS failure. `code` holds the system code. */
export class PipedriveNetworkError extends PipedriveError {
  override readonly name: string = 'PipedriveNetworkError';
}

/**
 * Our per-request timeout fired before the response (headers and body) arrived. The outcome is unknown unless the
 * connection was never established (`outcomeUnknown: false`).
 */
export class PipedriveTimeoutError extends PipedriveError {
  override readonly name: string = 'PipedriveTimeoutError';
  readonly timeoutMs: number;

  constructor(message: string, fields: PipedriveErrorFields & { timeoutMs: number }) {
    super(message, fields);
    this.timeoutMs = fields.timeoutMs;
  }
}

/**
 * 3xx: the server answered with a redirect, which the client never follows — a client that did would carry the
 * `x-api-token` header (and an OAuth refresh body on 307/308) to wherever `Location` points. Usually a
 * misconfigured URL (`http://` answered with a redirect to `https://`, an old company domain): set the
 * configured URL to the origin the server names, if that origin is Pipedrive's. Not retryable.
 */
export class PipedriveRedirectError extends PipedriveError {
  override readonly name: string = 'PipedriveRedirectError';
  /** Scheme, host and port of `Location` (never its path or query, which may carry a secret); undefined when absent. */
  readonly redirectOrigin: string | undefined;

  constructor(message: string, fields: PipedriveErrorFields & { redirectOrigin: string | undefined }) {
    super(message, fields);
    this.redirectOrigin = fields.redirectOrigin;
  }
}

/**
 * The response body is larger than the client's `maxResponseBytes` (16 MiB unless configured): the client stopped
 * reading and closed the connection rather than hold it in memory. No Pipedrive answer is that large, so the
 * server is not Pipedrive or something is badly wrong. Not retryable; a write's outcome is unknown.
 */
export class PipedriveResponseTooLargeError extends PipedriveError {
  override readonly name: string = 'PipedriveResponseTooLargeError';
  /** The cap that was exceeded, in bytes. */
  readonly maxResponseBytes: number;

  constructor(message: string, fields: PipedriveErrorFields & { maxResponseBytes: number }) {
    super(message, fields);
    this.maxResponseBytes = fields.maxResponseBytes;
  }
}

/** The caller's `signal` aborted the call (e.g. worker shutdown). Not retryable here; the outcome is unknown. */
export class PipedriveAbortedError extends PipedriveError {
  override readonly name: string = 'PipedriveAbortedError';
}

const ERROR_NAMES = new Set([
  'PipedriveError',
  'PipedriveRateLimitError',
  'PipedriveAuthError',
  'PipedrivePaymentRequiredError',
  'PipedrivePermissionError',
  'PipedriveValidationError',
  'PipedriveNotFoundError',
  'PipedriveServerError',
  'PipedriveNetworkError',
  'PipedriveTimeoutError',
  'PipedriveAbortedError',
  'PipedriveRedirectError',
  'PipedriveResponseTooLargeError',
]);

function nameOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const name = (err as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/*
 * Guards check `instanceof` or the error's `name`, as BullMQ does, so they still work on an error that crossed a
 * process boundary or came from a second copy of this module.
 */
function guard<T extends PipedriveError>(
  ctor: abstract new (...args: never[]) => T,
  name: string,
): (err: unknown) => err is T {
  return (err: unknown): err is T => err instanceof ctor || nameOf(err) === name;
}

export function isPipedriveError(err: unknown): err is PipedriveError {
  return err instanceof PipedriveError || ERROR_NAMES.has(nameOf(err) ?? '');
}
export const isRateLimitError = guard(PipedriveRateLimitError, 'PipedriveRateLimitError');
export const isAuthError = guard(PipedriveAuthError, 'PipedriveAuthError');
export const isPaymentRequiredError = guard(PipedrivePaymentRequiredError, 'PipedrivePaymentRequiredError');
export const isPermissionError = guard(PipedrivePermissionError, 'PipedrivePermissionError');
export const isValidationError = guard(PipedriveValidationError, 'PipedriveValidationError');
export const isNotFoundError = guard(PipedriveNotFoundError, 'PipedriveNotFoundError');
export const isServerError = guard(PipedriveServerError, 'PipedriveServerError');
export const isNetworkError = guard(PipedriveNetworkError, 'PipedriveNetworkError');
export const isTimeoutError = guard(PipedriveTimeoutError, 'PipedriveTimeoutError');
export const isAbortedError = guard(PipedriveAbortedError, 'PipedriveAbortedError');
export const isRedirectError = guard(PipedriveRedirectError, 'PipedriveRedirectError');
export const isResponseTooLargeError = guard(
  PipedriveResponseTooLargeError,
  'PipedriveResponseTooLargeError',
);

/**
 * Whether trying the same call again soon may succeed: 5xx (but not 501), network errors and timeouts.
 *
 * - 429 is **not** retryable here: a rate limit is not a failure and must not spend a retry attempt or be retried
 *   on a backoff schedule of its own. Callers check {@link isRateLimitError} first and wait `retryAfterMs`.
 * - Other 4xx will fail the same way again; 401/402/403 need a human.
 * - A caller's abort is deliberate.
 * - Anything that is not a Pipedrive error (a `TypeError`, a bug) is never retried.
 *
 * Retryable does not mean safe to repeat: check `outcomeUnknown` before re-sending a create.
 */
export function isRetryable(err: unknown): boolean {
  if (isRateLimitError(err)) return false;
  if (isServerError(err)) return (err as { status?: unknown }).status !== 501;
  if (isNetworkError(err) || isTimeoutError(err)) return true;
  return false;
}

/**
 * Replaces each secret in `text` with `[redacted]`, as written and as a URL or a form encodes it (a token server that
 * echoes the request body: `refresh_token=123%3A456%3Aabc…`), in any case; and any value of `api_token=`,
 * `refresh_token=`, `client_secret=`, `access_token=` or `code=`, and any bearer token.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Very short strings would redact ordinary words; real tokens are 40+ characters.
    if (!secret || secret.length < 8) continue;
    const forms = new Set([
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ]);
    for (const form of forms) out = out.replace(new RegExp(escapeRegExp(form), 'gi'), REDACTED);
  }
  return out
    .replace(
      /(?<![a-z_])((?:api_token|refresh_token|client_secret|access_token|code)=)[^&\s"'<>]+/gi,
      `$1${REDACTED}`,
    )
    .replace(/(bearer\s+)[A-Za-z0-9._~+/:=-]{8,}/gi, `$1${REDACTED}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface ParsedBody {
  kind: 'json' | 'html' | 'empty' | 'text';
  errorText?: string | undefined;
  errorInfo?: string | undefined;
  code?: string | undefined;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Reads an error body without trusting it: it may be JSON, an HTML page, empty, or cut off mid-way. */
export function parseErrorBody(bodyText: string, contentType: string | null = null): ParsedBody {
  const trimmed = bodyText.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (
    contentType?.toLowerCase().includes('text/html') ||
    /^<(!doctype|html|head|body|\?xml)/i.test(trimmed)
  ) {
    return { kind: 'html' };
  }
  let json: unknown;
  try {
    // An error body nested deep or holding a myriad of objects is not Pipedrive's: read as text, not built.
    json = parseBoundedJson(trimmed);
  } catch {
    return { kind: 'text' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'text' };
  const body = json as Record<string, unknown>;
  return {
    kind: 'json',
    errorText: asText(body.error) ?? asText(body.message),
    errorInfo: asText(body.error_info) ?? asText(body.error_description),
    code: asText(body.code) ?? asText(body.errorCode),
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function requestIdOf(headers: HeaderSource): string | undefined {
  return headers.get('x-correlation-id') ?? headers.get('x-request-id') ?? headers.get('cf-ray') ?? undefined;
}

export interface ResponseErrorInput {
  operation: Operation;
  method: string;
  /** Path without query string. */
  path: string;
  status: number;
  /** Reason phrase; defaults to the standard one for `status`. */
  statusText?: string | undefined;
  headers: HeaderSource;
  bodyText: string;
  /** The URL requested, to resolve a relative `Location` of a redirect. Never quoted in messages. */
  url?: string | undefined;
  /** Strings to redact from everything the error keeps (the API token, OAuth tokens, the client secret). */
  secrets?: readonly (string | undefined)[];
  /** Clock for `Retry-After` dates. @defaultValue `Date.now()` */
  nowMs?: number;
}

/** Turns a non-2xx response into the error class for its kind. The one place statuses map to errors. */
export function errorFromResponse(input: ResponseErrorInput): PipedriveError {
  const { operation, method, path, status, headers, secrets = [] } = input;
  const statusText = input.statusText || STATUS_CODES[status] || 'Unknown Status';
  const parsed = parseErrorBody(input.bodyText, headers.get('content-type'));
  const errorText = parsed.errorText === undefined ? undefined : redactSecrets(parsed.errorText, secrets);
  const rateLimit = parseRateLimitHeaders(headers, input.nowMs);
  const fields: PipedriveErrorFields = {
    operation,
    method,
    path,
    status,
    errorText,
    errorInfo: parsed.errorInfo === undefined ? undefined : redactSecrets(parsed.errorInfo, secrets),
    code: parsed.code,
    rawBody: redactSecrets(truncate(input.bodyText, MAX_RAW_BODY_CHARS), secrets),
    rateLimit,
    requestId: requestIdOf(headers),
  };
  const what =
    errorText !== undefined
      ? `: "${truncate(errorText, MAX_QUOTED_CHARS)}"`
      : parsed.kind === 'empty'
        ? ' (empty body)'
        : parsed.kind === 'html'
          ? ' (HTML page)'
          : ' (body is not JSON)';
  const request = `${method} ${path} with ${status} ${statusText}`;

  if (status === 429) {
    const scope = rateLimitScope(rateLimit, { search: ENDPOINTS[operation].path.endsWith('/search') });
    const retryAfterMs = retryAfterMsFor(rateLimit, scope);
    const limit = scope === 'daily' ? 'daily budget' : 'burst limit';
    return new PipedriveRateLimitError(
      `Pipedrive rate-limited ${request} (${limit}; retry after ${retryAfterMs} ms)${what}`,
      { ...fields, scope, retryAfterMs },
    );
  }
  if (status === 401) return new PipedriveAuthError(`Pipedrive rejected ${request}${what}`, fields);
  if (status === 402) {
    return new PipedrivePaymentRequiredError(
      `Pipedrive rejected ${request}${what}; the company account is not open (trial over or unpaid)`,
      fields,
    );
  }
  if (status === 403) {
    const blockedByEdge = parsed.kind === 'html';
    const message = blockedByEdge
      ? `Pipedrive's edge (Cloudflare) blocked ${request} (HTML page): too many requests after 429s; stop and slow down`
      : `Pipedrive rejected ${request}${what}`;
    return new PipedrivePermissionError(message, { ...fields, blockedByEdge });
  }
  if (status === 400 || status === 422) {
    return new PipedriveValidationError(`Pipedrive rejected ${request}${what}`, fields);
  }
  if (status === 404 || status === 410) {
    return new PipedriveNotFoundError(`Pipedrive rejected ${request}${what}`, fields);
  }
  if (status >= 300 && status < 400) return redirectError(input, request, fields);
  if (status >= 500) {
    return new PipedriveServerError(`Pipedrive failed ${request}${what}`, {
      ...fields,
      outcomeUnknown: true,
    });
  }
  return new PipedriveError(`Pipedrive rejected ${request}${what}`, fields);
}

/**
 * A redirect, not followed (`node:http` never follows one). The message names the target's
 * origin only: a path or query could carry a secret, and the origin is what the operator must judge.
 */
function redirectError(
  input: ResponseErrorInput,
  request: string,
  fields: PipedriveErrorFields,
): PipedriveRedirectError {
  const location = input.headers.get('location');
  let redirectOrigin: string | undefined;
  if (location) {
    try {
      const target = new URL(location, input.url ?? 'http://unknown.invalid');
      if (target.origin !== 'null') redirectOrigin = target.origin;
    } catch {
      // An unparsable Location is reported as absent.
    }
  }
  const variable = input.operation === 'oauth.token' ? 'PIPEDRIVE_OAUTH_TOKEN_URL' : 'PIPEDRIVE_BASE_URL';
  const where = redirectOrigin ? `redirected to ${redirectOrigin}` : 'a redirect without a usable Location';
  return new PipedriveRedirectError(
    `Pipedrive answered ${request}: ${where}; the request was not followed, so no credentials went there. ` +
      `Check ${variable}: it must be the https:// origin Pipedrive serves${redirectOrigin ? ` (use ${redirectOrigin} only if that is Pipedrive)` : ''}`,
    // 303 See Other after a POST means "done, see there": the work may have been carried out.
    { ...fields, redirectOrigin, outcomeUnknown: input.status === 303 },
  );
}

/**
 * A 2xx whose body is not the envelope we expect (cut off, not JSON, `success: false`, no `data`). The call may
 * have done its work, so this is a server error with an unknown outcome.
 */
export function unusableResponseError(input: ResponseErrorInput & { reason: string }): PipedriveServerError {
  const statusText = input.statusText || STATUS_CODES[input.status] || 'Unknown Status';
  return new PipedriveServerError(
    `Pipedrive answered ${input.method} ${input.path} with ${input.status} ${statusText} but ${input.reason}`,
    {
      operation: input.operation,
      method: input.method,
      path: input.path,
      status: input.status,
      rawBody: redactSecrets(truncate(input.bodyText, MAX_RAW_BODY_CHARS), input.secrets),
      rateLimit: parseRateLimitHeaders(input.headers, input.nowMs),
      requestId: requestIdOf(input.headers),
      outcomeUnknown: true,
    },
  );
}

/** System codes that mean the request never reached Pipedrive, so it certainly was not carried out. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The first `code` and message along an error's `cause` chain (an error may wrap the system error as `cause`). */
function systemFailureOf(cause: unknown): { code: string | undefined; detail: string | undefined } {
  let current: unknown = cause;
  let detail: string | undefined;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof message === 'string' && message !== '' && message !== 'fetch failed') detail = message;
    if (typeof code === 'string') return { code, detail };
    const errors = (current as { errors?: unknown }).errors;
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : (current as { cause?: unknown }).cause;
  }
  return { code: undefined, detail };
}

export interface NoResponseInput {
  operation: Operation;
  method: string;
  path: string;
  /** What went wrong: our timeout fired, the caller aborted, or the network failed (with `cause`). */
  kind: 'timeout' | 'aborted' | 'network';
  cause?: unknown;
  timeoutMs?: number;
  /**
   * Whether the request may have left: false when the connection was never established (so nothing was written
   * and the outcome is known: not done), whatever the kind. @defaultValue true
   */
  sent?: boolean;
  secrets?: readonly (string | undefined)[];
}

/** The error for a call that got no (complete) response. */
export function errorFromNoResponse(input: NoResponseInput): PipedriveError {
  const { operation, method, path, secrets = [] } = input;
  const base = { operation, method, path, status: 0, cause: input.cause };
  const mayHaveLeft = input.sent !== false;
  if (input.kind === 'timeout') {
    const timeoutMs = input.timeoutMs ?? 0;
    return new PipedriveTimeoutError(`Pipedrive did not answer ${method} ${path} within ${timeoutMs} ms`, {
      ...base,
      timeoutMs,
      outcomeUnknown: mayHaveLeft,
    });
  }
  if (input.kind === 'aborted') {
    return new PipedriveAbortedError(`${method} ${path} to Pipedrive was aborted by the caller`, {
      ...base,
      outcomeUnknown: mayHaveLeft,
    });
  }
  const { code, detail } = systemFailureOf(input.cause);
  const why = [code, detail && detail !== code ? `(${redactSecrets(detail, secrets)})` : undefined]
    .filter(Boolean)
    .join(' ');
  return new PipedriveNetworkError(
    `No response from Pipedrive for ${method} ${path}: ${why || 'network error'}`,
    {
      ...base,
      code,
      outcomeUnknown: mayHaveLeft && (code === undefined || !NOT_SENT_CODES.has(code)),
    },
  );
}
