import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  STATUS_CODES,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';
import type { Logger } from '../logging/logger.js';
import { errorFromNoResponse, PipedriveResponseTooLargeError, redactSecrets } from './errors.js';
import { type HeaderSource, parseRateLimitHeaders } from './rate-limit.js';
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
  headers: HeaderSource;
  bodyText: string;
}

/** Sends one request. Resolves with any response that arrived in full; rejects only when none did. */
export type Send = (request: OutgoingRequest) => Promise<RawResponse>;

export interface Transport {
  send: Send;
  /** Destroys the connections, idle or in use, so none keeps a stopping process alive. */
  close(): void;
}

export interface TransportOptions {
  /** Per-request timeout covering connect, send, headers and body. */
  timeoutMs: number;
  /** Largest body read into memory, in bytes (after decoding). */
  maxResponseBytes: number;
  /** Connections kept per origin: as many as calls the owner makes at once. */
  maxSockets: number;
  onResponse?: ((event: ResponseEvent) => void) | undefined;
  logger: Logger;
  /** Returns the secrets to redact from anything an error keeps (they change when OAuth refreshes). */
  secrets: () => readonly (string | undefined)[];
}

/**
 * The transport under the client and the OAuth refresher: `node:http`/`node:https` over one keep-alive agent per
 * scheme, a timeout that covers connecting, sending and reading the whole body, the caller's abort signal, errors
 * for calls that got no response, and a {@link ResponseEvent} per call. It replaced `fetch` (undici), which cost
 * about a fifth of a worker's CPU per lead for the same exchanges (bench/README.md §3).
 *
 * What it keeps from the fetch transport, each covered by `test/pipedrive`:
 * - **No redirect is followed** (`node:http` never does): a 3xx comes back as a response and becomes a
 *   `PipedriveRedirectError` (errors.ts), so `x-api-token` or an OAuth refresh body never goes where `Location`
 *   points.
 * - **Bodies are decoded** as fetch did: it asks for `gzip, deflate, br` (Pipedrive's list pages shrink several
 *   times) and decodes with `node:zlib`; an unknown coding is kept as sent.
 * - **`maxResponseBytes`** is enforced while the body streams (and on a declared `Content-Length`, and on the
 *   decoded size); the connection is then destroyed, which is what stops a server that sends forever.
 *
 * How a failure without a response is classified (`outcomeUnknown` tells create-once whether a create may have
 * happened):
 * - the connection was never established (refused, DNS, unreachable, a TLS handshake failure, our timeout or the
 *   caller's abort while still connecting): **never sent**, `outcomeUnknown: false`;
 * - a reset, a hang-up or a timeout once the connection was up (before or during the response, including a
 *   reused keep-alive connection the server had just closed) or the caller's abort then: the request may have
 *   been received, **outcome unknown**;
 * - a request we could not build (an invalid URL or header): a `TypeError`, secrets redacted, never retried.
 */
export function createTransport(options: TransportOptions): Transport {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    maxFreeSockets: options.maxSockets,
    // The most recently used connection first: the others go idle and are closed, not kept warm in turn.
    scheduling: 'lifo' as const,
  };
  const agents: Agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  const emit = (event: ResponseEvent): void => {
    if (!options.onResponse) return;
    try {
      options.onResponse(event);
    } catch (err) {
      // A broken metrics hook must never turn a successful create into a failure (and a duplicate on retry).
      options.logger.error({ err, operation: event.operation }, 'onResponse hook threw; call result kept');
    }
  };

  async function send(request: OutgoingRequest): Promise<RawResponse> {
    const { operation, method, path } = request;
    const timeoutMs = request.timeoutMs ?? options.timeoutMs;
    const startedAt = performance.now();
    const tokenCost = TOKEN_COSTS[operation];
    const progress: Progress = { connected: false, failure: 'network' };
    try {
      const response = await exchange(request, agents, timeoutMs, options.maxResponseBytes, progress);
      emit({
        operation,
        method,
        path,
        status: response.status,
        durationMs: performance.now() - startedAt,
        tokenCost,
        rateLimit: parseRateLimitHeaders(response.headers),
      });
      if (typeof response.body !== 'string') {
        throw tooLargeError(request, response, options.maxResponseBytes, response.body.declaredBytes);
      }
      return {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        bodyText: response.body,
      };
    } catch (cause) {
      if (cause instanceof PipedriveResponseTooLargeError) throw cause;
      emit({
        operation,
        method,
        path,
        status: 0,
        failure: progress.failure,
        ...(typeof (cause as { code?: unknown } | null)?.code === 'string'
          ? { errorCode: (cause as { code: string }).code }
          : {}),
        durationMs: performance.now() - startedAt,
        tokenCost,
        rateLimit: {},
      });
      if (progress.failure === 'invalid') {
        // e.g. an invalid header value, whose message may quote it; no retry can fix it.
        throw new TypeError(redactSecrets(String((cause as Error)?.message ?? cause), options.secrets()));
      }
      throw errorFromNoResponse({
        operation,
        method,
        path,
        kind: progress.failure,
        cause,
        timeoutMs,
        sent: progress.connected,
        secrets: options.secrets(),
      });
    }
  }

  return {
    send,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
}

/** What an exchange got to before it failed, read when it rejects. */
interface Progress {
  /** The connection was up (fresh and connected, or reused): the request may have reached the server. */
  connected: boolean;
  failure: 'timeout' | 'aborted' | 'network' | 'invalid';
}

interface Received {
  status: number;
  statusText: string;
  headers: HeaderSource;
  /** The text, or the size that made it too large (undefined when only the count while reading did). */
  body: string | { declaredBytes: number | undefined };
}

const ACCEPT_ENCODING = 'gzip, deflate, br';

/**
 * One request and its whole response. Rejects with the raw cause and leaves in `progress` what kind of failure it
 * was; every path ends the timer and the abort listener (a worker passes one long-lived shutdown signal to every
 * call, which must not accumulate listeners) and destroys the request unless it completed.
 */
function exchange(
  request: OutgoingRequest,
  agents: Agents,
  timeoutMs: number,
  maxBytes: number,
  progress: Progress,
): Promise<Received> {
  return new Promise<Received>((resolve, reject) => {
    const { signal } = request;
    if (signal?.aborted) {
      progress.failure = 'aborted';
      reject(signal.reason);
      return;
    }
    let req: ClientRequest | undefined;
    let settled = false;
    const end = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const fail = (failure: Progress['failure'], cause: unknown): void => {
      if (!end()) return;
      progress.failure = failure;
      req?.destroy();
      reject(cause);
    };
    const timer = setTimeout(() => fail('timeout', new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => fail('aborted', signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    let url: URL;
    try {
      url = new URL(request.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new TypeError(`unsupported protocol ${url.protocol}`);
      }
      const headers: Record<string, string> = { 'accept-encoding': ACCEPT_ENCODING, ...request.headers };
      if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
      const https = url.protocol === 'https:';
      req = (https ? httpsRequest : httpRequest)(url, {
        method: request.method,
        headers,
        agent: https ? agents.https : agents.http,
      });
      req.once('socket', (socket) => {
        // Nothing is written to a new socket before it connects (and, for TLS, completes its handshake). Any
        // other socket is up: one from the idle pool, or one a finished call handed to this queued one (which
        // `req.reusedSocket` does not mark).
        if (socket.connecting)
          socket.once(https ? 'secureConnect' : 'connect', () => (progress.connected = true));
        else progress.connected = true;
      });
    } catch (err) {
      fail('invalid', err);
      return;
    }
    req.on('error', (err) => fail('network', err));
    req.once('response', (res) => {
      res.on('error', (err) => fail('network', err));
      res.once('close', () => {
        if (!res.complete) fail('network', Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      });
      const answer = (body: Received['body']): void => {
        if (!end()) return;
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: new IncomingHeaders(res.headers),
          body,
        });
      };
      const tooLarge = (declaredBytes: number | undefined): void => {
        answer({ declaredBytes });
        // Closing the connection is what stops a server that sends forever.
        req?.destroy();
      };
      const declared = Number(res.headers['content-length'] ?? Number.NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        tooLarge(declared);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) tooLarge(undefined);
        else chunks.push(chunk);
      });
      res.once('end', () => {
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
        const encoding = res.headers['content-encoding'];
        // Most answers have no content coding (or an identity one): their text needs no promise of its own.
        if (encoding === undefined || encoding === '' || encoding === 'identity') {
          answer(utf8.decode(body));
          return;
        }
        decode(body, encoding, maxBytes).then(
          (text) => (text === undefined ? tooLarge(undefined) : answer(text)),
          (err: unknown) => fail('network', err),
        );
      });
    });
    req.end(request.body);
  });
}

const DECODERS: Record<string, (buffer: Buffer, options: ZlibOptions) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: inflateEither,
  br: promisify(brotliDecompress),
};
const inflateZlib = promisify(inflate);
const inflateRawPromise = promisify(inflateRaw);

/** `deflate` should be zlib-wrapped (RFC 9110), and some servers send it raw; fetch reads both. */
async function inflateEither(buffer: Buffer, options: ZlibOptions): Promise<Buffer> {
  try {
    return await inflateZlib(buffer, options);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
    return inflateRawPromise(buffer, options);
  }
}

const utf8 = new TextDecoder();

/** The body as text after its content codings; undefined when decoding it would pass `maxBytes`. */
async function decode(body: Buffer, contentEncoding: string, maxBytes: number): Promise<string | undefined> {
  const codings = contentEncoding.split(',').map((c) => c.trim().toLowerCase());
  let decoded = body;
  // Codings are listed in the order they were applied.
  for (const coding of codings.reverse()) {
    const decoder = DECODERS[coding];
    if (!decoder || decoded.length === 0) continue;
    try {
      decoded = await decoder(decoded, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
      throw err;
    }
  }
  // TextDecoder drops a leading BOM and replaces invalid bytes, as fetch's `response.text()` did.
  return utf8.decode(decoded);
}

/** The response's headers, read case-insensitively (`node:http` gives them lowercased). */
class IncomingHeaders implements HeaderSource {
  readonly #headers: IncomingHttpHeaders;

  constructor(headers: IncomingHttpHeaders) {
    this.#headers = headers;
  }

  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

function tooLargeError(
  request: OutgoingRequest,
  response: Received,
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
