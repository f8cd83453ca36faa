import { STATUS_CODES } from 'node:http';
import type { Logger } from '../logging/logger.js';
import { errorFromNoResponse, PipedriveResponseTooLargeError, redactSecrets } from './errors.js';
import { parseRateLimitHeaders } from './rate-limit.js';
import { TOKEN_COSTS } from './token-costs.js';
import type { Operation, ResponseEvent } from './types.js';

/** One HTTP exchange to make. */
export interface OutgoingRequest {
  operation: Operation;
  method: string;
  /** Full URL including query string. */
  url: string;
  /** Path without query string, for messages and events. */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

/** A complete response, whatever its status. */
export interface RawResponse {
  status: number;
  statusText: string;
  headers: Headers;
  bodyText: string;
}

/** Sends one request. Resolves with any response that arrived in full; rejects only when none did. */
export type Send = (request: OutgoingRequest) => Promise<RawResponse>;

export interface TransportOptions {
  /** Per-request timeout covering headers and body. */
  timeoutMs: number;
  /** Largest body read into memory, in bytes. */
  maxResponseBytes: number;
  fetch: typeof fetch;
  onResponse?: ((event: ResponseEvent) => void) | undefined;
  logger: Logger;
  /** Returns the secrets to redact from anything an error keeps (they change when OAuth refreshes). */
  secrets: () => readonly (string | undefined)[];
}

/**
 * The transport under the client and the OAuth refresher: one `fetch`, a timeout that covers reading the body
 * too, the caller's abort signal, errors for calls that got no response, and a {@link ResponseEvent} per call.
 *
 * It combines the caller's signal and the timer by hand rather than with `AbortSignal.any`, removing the
 * listener and clearing the timer when the call ends, so a long-lived caller signal (a worker's shutdown
 * signal passed to every call) never accumulates listeners.
 */
export function createTransport(options: TransportOptions): Send {
  const emit = (event: ResponseEvent): void => {
    if (!options.onResponse) return;
    try {
      options.onResponse(event);
    } catch (err) {
      // A broken metrics hook must never turn a successful create into a failure (and a duplicate on retry).
      options.logger.error({ err, operation: event.operation }, 'onResponse hook threw; call result kept');
    }
  };

  return async function send(request: OutgoingRequest): Promise<RawResponse> {
    const { operation, method, path } = request;
    const timeoutMs = request.timeoutMs ?? options.timeoutMs;
    const startedAt = performance.now();
    const tokenCost = TOKEN_COSTS[operation];
    const controller = new AbortController();
    let timedOut = false;
    let tooLarge = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    const onCallerAbort = (): void => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) controller.abort(request.signal.reason);
    else request.signal?.addEventListener('abort', onCallerAbort, { once: true });

    try {
      const response = await options.fetch(request.url, {
        method,
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
        // fetch follows redirects by default and drops only `Authorization` across origins: `x-api-token`
        // would go to wherever `Location` points, and a 307/308 re-sends an OAuth refresh body. The 3xx
        // comes back as a response instead and becomes a PipedriveRedirectError (errors.ts).
        redirect: 'manual',
      });
      // The timer is still running: a server that sends headers and then stalls is a timeout too.
      const body = await readCapped(response, options.maxResponseBytes);
      emit({
        operation,
        method,
        path,
        status: response.status,
        durationMs: performance.now() - startedAt,
        tokenCost,
        rateLimit: parseRateLimitHeaders(response.headers),
      });
      if (typeof body !== 'string') {
        // Closing the connection is what stops a server that sends forever; undici would keep reading otherwise.
        tooLarge = true;
        controller.abort(new DOMException('response body too large', 'AbortError'));
        throw tooLargeError(request, response, options.maxResponseBytes, body.declaredBytes);
      }
      return {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        bodyText: body,
      };
    } catch (cause) {
      if (tooLarge) throw cause;
      emit({
        operation,
        method,
        path,
        status: 0,
        durationMs: performance.now() - startedAt,
        tokenCost,
        rateLimit: {},
      });
      const kind = timedOut ? 'timeout' : request.signal?.aborted ? 'aborted' : 'network';
      if (kind === 'network' && isProgrammingError(cause)) {
        // e.g. an invalid header value; undici quotes the value, which may be the token.
        throw new TypeError(redactSecrets((cause as Error).message, options.secrets()));
      }
      throw errorFromNoResponse({
        operation,
        method,
        path,
        kind,
        cause,
        timeoutMs,
        secrets: options.secrets(),
      });
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  };
}

/**
 * The body as text, read chunk by chunk and given up (`{ declaredBytes }`) once it would exceed `maxBytes`, so a
 * hostile or broken server cannot fill the process's memory. A `Content-Length` over the cap is refused unread.
 */
async function readCapped(
  response: Response,
  maxBytes: number,
): Promise<string | { declaredBytes: number | undefined }> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return { declaredBytes: declared };
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return { declaredBytes: undefined };
    }
    chunks.push(value);
  }
  // TextDecoder drops a leading BOM and replaces invalid bytes, as `response.text()` does.
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function tooLargeError(
  request: OutgoingRequest,
  response: Response,
  maxBytes: number,
  declaredBytes: number | undefined,
): PipedriveResponseTooLargeError {
  const { operation, method, path } = request;
  const statusText = response.statusText || STATUS_CODES[response.status] || 'Unknown Status';
  const size =
    declaredBytes === undefined
      ? `a body over ${formatBytes(maxBytes)}`
      : `a body of ${declaredBytes.toLocaleString('en-US')} bytes, over ${formatBytes(maxBytes)}`;
  return new PipedriveResponseTooLargeError(
    `Pipedrive answered ${method} ${path} with ${response.status} ${statusText} and ${size} (maxResponseBytes); ` +
      `it was not read further and the connection was closed. Check ${operation === 'oauth.token' ? 'PIPEDRIVE_OAUTH_TOKEN_URL' : 'PIPEDRIVE_BASE_URL'} points at Pipedrive.`,
    {
      operation,
      method,
      path,
      status: response.status,
      rateLimit: parseRateLimitHeaders(response.headers),
      maxResponseBytes: maxBytes,
      // The request was received; a write may have been carried out.
      outcomeUnknown: method !== 'GET',
    },
  );
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes.toLocaleString('en-US')} bytes`;
}

/**
 * undici reports network failures as `TypeError('fetch failed')` (or `'terminated'` mid-body) with a `cause`;
 * a `TypeError` without a cause is a bad request we built (invalid URL or header), which no retry can fix.
 */
function isProgrammingError(err: unknown): boolean {
  return err instanceof TypeError && (err as { cause?: unknown }).cause === undefined;
}
