/**
 * The sandbox HTTP server: raw `node:http`, keep-alive, one pipeline per request:
 * latency → authentication → route → limits → fault injection → handler → response.
 *
 * Token charging (Pipedrive does not document whether failed requests cost tokens, §3.3): every
 * request that passes authentication and the limits and reaches a known endpoint is charged the
 * endpoint's cost, whatever the status it answers (a 400 validation error costs as much as a 201).
 * Not charged: 401, 429, the Cloudflare 403, unknown routes (404/405), the token endpoint,
 * `/_sandbox`, and faults injected before the request was processed. A write whose response was
 * lost after it was applied (`faultAfterWriteRatio`) is charged: Pipedrive did the work.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isLoopbackHost } from '../config/loopback-host.js';
import { cloudflareBlock, error, overLimit, type Reply, serverFault, unauthorized } from './envelopes.js';
import { createRandom, FaultInjector } from './faults.js';
import { type Admission, Limits, type RequestIdentity } from './limits.js';
import { OAuthTokens } from './oauth.js';
import {
  type ResolvedOptions,
  RUNTIME_OPTION_KEYS,
  type RuntimeOptions,
  resolveOptions,
  SandboxOptionError,
  type SandboxOptions,
} from './options.js';
import { type ApiVersion, ROUTES, Router } from './routes.js';
import { type SandboxExport, SandboxStore } from './store.js';

/** What `GET /_sandbox/state` answers. The first nine fields are the contract of DESIGN.md. */
export interface SandboxState {
  /** Persons not deleted. */
  persons: number;
  /** Organizations not deleted. */
  organizations: number;
  leads: number;
  /** Surplus non-deleted persons sharing an email with another. */
  duplicatePersons: number;
  /** Surplus non-deleted organizations sharing a name (case-insensitive). */
  duplicateOrganizations: number;
  /** Surplus leads sharing title + person + organization. */
  duplicateLeads: number;
  /** Tokens charged since start or reset, across budget days. */
  tokensUsed: number;
  /** API requests received (not `/_sandbox`). */
  requests: number;
  /** Requests answered 429. */
  rateLimited: number;
  tokensUsedToday: number;
  tokensRemaining: number;
  dailyTokenLimit: number;
  /** Budget day number, 1 on start; `new-day` and server midnight add one. */
  day: number;
  /** Requests answered with the Cloudflare HTML 403. */
  blocked: number;
  deletedPersons: number;
  deletedOrganizations: number;
  /** Notes stored (deleted notes are gone). */
  notes: number;
  /** Surplus notes sharing lead and content. */
  duplicateNotes: number;
  /** Deals not deleted. */
  deals: number;
  faultsInjected: { error: number; timeout: number; reset: number; afterWrite: number };
}

export interface RequestLogEntry {
  method: string;
  /** Path without the query string (so no `api_token` ever lands here). */
  path: string;
  /** HTTP status; 0 when no response was sent (timeout or reset fault). */
  status: number;
  /** Time from request to response, in milliseconds. */
  ms: number;
  /** Epoch ms (sandbox clock) when the request arrived. */
  at: number;
  fault?: 'error' | 'timeout' | 'reset';
  /** The fault hit after the write was applied. */
  afterWrite?: boolean;
}

const MAX_BODY_BYTES = 1024 * 1024;
const API_PREFIXES: readonly [string, ApiVersion][] = [
  ['/api/v2/', 'v2'],
  ['/api/v1/', 'v1'],
  ['/v1/', 'v1'],
];

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Why a request to `/_sandbox` must be refused, if it must. The control API has no authentication (tests and
 * tools call it), so a web page the operator visits must not reach it: a "simple" cross-site POST needs no
 * preflight, and could reset the data, spend the budget or switch faults on. Browsers say where a request comes
 * from (`Origin`, `Sec-Fetch-Site`); tools send neither and are served. A page of the sandbox's own origin is
 * served too, under a name that is the sandbox's ({@link reboundNameRefusal} has refused any other by then).
 */
function crossOriginRefusal(req: IncomingMessage): string | undefined {
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  const refused = `Cross-origin request to the sandbox control API refused (${origin ? `Origin ${origin}` : `Sec-Fetch-Site ${site}`}): /_sandbox serves tools and the sandbox's own origin only.`;
  if (site === 'cross-site' || site === 'same-site') return refused;
  if (origin === undefined) return undefined;
  try {
    return new URL(origin).host === (req.headers.host ?? '').toLowerCase() ? undefined : refused;
  } catch {
    return refused;
  }
}

/**
 * Why a browser's request under a name that is not the sandbox's must be refused, if it must: DNS rebinding. A page
 * whose name an attacker points at 127.0.0.1 (`evil.example` → 127.0.0.1) makes same-origin requests, and a
 * same-origin GET carries no `Origin`: it could read `/_sandbox/export` or, with the well-known sandbox token, the
 * Pipedrive routes, i.e. whatever a rehearsal imported. Browsers mark every request with `Sec-Fetch-*` (and send
 * `Origin` on the rest), so a request with either must name the sandbox by a loopback name or its bound host; tools
 * send neither and are served under any name (compose's workers call it `sandbox`).
 */
function reboundNameRefusal(req: IncomingMessage, boundHost: string): string | undefined {
  const fromBrowser =
    req.headers.origin !== undefined ||
    req.headers['sec-fetch-site'] !== undefined ||
    req.headers['sec-fetch-mode'] !== undefined;
  if (!fromBrowser) return undefined;
  let hostName: string | undefined;
  try {
    hostName = new URL(`http://${req.headers.host ?? ''}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    hostName = undefined;
  }
  if (hostName !== undefined && (isLoopbackHost(hostName) || hostName === boundHost.toLowerCase()))
    return undefined;
  return "Request from a browser under a name that is not the sandbox's refused (DNS rebinding): open the sandbox as http://127.0.0.1, localhost or the host it listens on.";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export class Sandbox {
  readonly store: SandboxStore;
  private options: ResolvedOptions;
  private readonly limits: Limits;
  private readonly faults: FaultInjector;
  private jitter: () => number;
  private readonly oauth = new OAuthTokens();
  private readonly router = new Router(ROUTES);
  private readonly server: Server;
  private readonly log: RequestLogEntry[] = [];
  private logNext = 0;
  private readonly held = new Set<{ socket: Socket; timer: NodeJS.Timeout }>();
  private counters = { requests: 0, rateLimited: 0, blocked: 0 };
  private baseUrl = '';
  private closing: Promise<void> | undefined;

  constructor(options: SandboxOptions = {}) {
    this.options = resolveOptions(options);
    this.store = new SandboxStore(
      () => this.options.now(),
      () => this.options.plan,
      () => this.options.searchLagMs,
      this.options.companyId,
    );
    this.limits = new Limits(() => this.options);
    this.faults = new FaultInjector(this.options.seed);
    this.jitter = createRandom(this.options.seed ^ 0x9e3779b9);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          this.send(res, error(500, `Sandbox bug: ${err instanceof Error ? err.message : String(err)}`));
        }
      });
    });
    // Keep idle keep-alive connections longer than typical client pools (undici: 4 s, axios agents: none).
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
  }

  get url(): string {
    return this.baseUrl;
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    this.baseUrl = `http://${host}:${this.port}`;
  }

  /** Stops listening, drops keep-alive connections and held (timed-out) requests. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const h of this.held) {
        clearTimeout(h.timer);
        h.socket.destroy();
      }
      this.held.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  state(): SandboxState {
    const s = this.store;
    return {
      persons: s.activePersonCount,
      organizations: s.activeOrganizationCount,
      leads: s.leads.size,
      duplicatePersons: s.duplicatePersons(),
      duplicateOrganizations: s.duplicateOrganizations(),
      duplicateLeads: s.duplicateLeads(),
      tokensUsed: this.limits.tokensUsedTotal,
      requests: this.counters.requests,
      rateLimited: this.counters.rateLimited,
      tokensUsedToday: this.limits.tokensUsed,
      tokensRemaining: this.limits.tokensRemaining,
      dailyTokenLimit: this.limits.budget,
      day: this.limits.day,
      blocked: this.counters.blocked,
      deletedPersons: s.persons.size - s.activePersonCount,
      deletedOrganizations: s.organizations.size - s.activeOrganizationCount,
      notes: s.notes.size,
      duplicateNotes: s.duplicateNotes(),
      deals: s.activeDealCount,
      faultsInjected: { ...this.faults.injected },
    };
  }

  export(): SandboxExport {
    return this.store.export();
  }

  /** Empties the data, limits, counters and request log, and re-seeds the fault generator. */
  reset(): void {
    this.store.clear();
    this.limits.reset();
    this.counters = { requests: 0, rateLimited: 0, blocked: 0 };
    this.log.length = 0;
    this.logNext = 0;
    this.faults.reseed(this.options.seed);
    this.faults.resetCounts();
    this.jitter = createRandom(this.options.seed ^ 0x9e3779b9);
  }

  newDay(): void {
    this.limits.newDay();
  }

  exhaustBudget(): void {
    this.limits.exhaustBudget();
  }

  /** The API token the sandbox accepts now. */
  get apiToken(): string {
    return this.options.apiToken;
  }

  /**
   * Accepts `token` from now on and refuses the one before it (401), as when a company revokes an API token and
   * issues another. Requests already past authentication finish.
   */
  setApiToken(token: string): void {
    if (typeof token !== 'string' || token.trim() === '' || /\s/.test(token)) {
      throw new SandboxOptionError('apiToken must be a non-empty string without spaces');
    }
    this.options = { ...this.options, apiToken: token };
  }

  /**
   * Deactivates a user, as when a sales rep leaves the company: from then on Pipedrive refuses
   * leads and contacts assigned to them (`owner_id … is a deactivated user`). Returns false when
   * no user has that email.
   */
  deactivateUser(email: string): boolean {
    const user = [...this.store.users.values()].find((u) => u.email.toLowerCase() === email.toLowerCase());
    if (!user) return false;
    user.active_flag = false;
    return true;
  }

  /** Changes runtime knobs; unknown keys are rejected with the list of valid ones. */
  configure(partial: RuntimeOptions): RuntimeOptions {
    for (const key of Object.keys(partial)) {
      if (!(RUNTIME_OPTION_KEYS as readonly string[]).includes(key)) {
        throw new SandboxOptionError(
          `Unknown sandbox option "${key}"; valid: ${RUNTIME_OPTION_KEYS.join(', ')}`,
        );
      }
    }
    this.options = resolveOptions(partial, this.options);
    if (partial.seed !== undefined) {
      this.faults.reseed(this.options.seed);
      this.jitter = createRandom(this.options.seed ^ 0x9e3779b9);
    }
    return this.runtimeOptions();
  }

  runtimeOptions(): RuntimeOptions {
    const out: Record<string, unknown> = {};
    for (const key of RUNTIME_OPTION_KEYS) out[key] = this.options[key];
    return out as RuntimeOptions;
  }

  /** Recent API requests, oldest first (a ring buffer of `requestLogSize` entries). */
  requests(): RequestLogEntry[] {
    const size = this.options.requestLogSize;
    if (this.log.length < size) return [...this.log];
    return [...this.log.slice(this.logNext), ...this.log.slice(0, this.logNext)];
  }

  /** Issues an OAuth access token without the token endpoint (for tests). */
  issueAccessToken(): string {
    return this.oauth.issue(this.options, this.options.now()).accessToken;
  }

  private record(entry: RequestLogEntry): void {
    const size = this.options.requestLogSize;
    if (this.log.length > size) {
      // requestLogSize shrank at runtime: restart the ring.
      this.log.length = 0;
      this.logNext = 0;
    }
    if (this.log.length < size) this.log.push(entry);
    else this.log[this.logNext] = entry;
    this.logNext = (this.logNext + 1) % size;
  }

  private send(res: ServerResponse, reply: Reply, extraHeaders: Record<string, string> = {}): void {
    if (res.destroyed || res.headersSent) return;
    const html = typeof reply.body === 'string';
    const payload = html ? (reply.body as string) : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': html ? 'text/html; charset=UTF-8' : 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(payload),
      ...extraHeaders,
      ...reply.headers,
    });
    res.end(payload);
  }

  private identify(req: IncomingMessage, query: URLSearchParams, now: number): RequestIdentity | undefined {
    const header = req.headers['x-api-token'];
    const token = (Array.isArray(header) ? header[0] : header) ?? query.get('api_token') ?? undefined;
    // "If both API token and OAuth access token are set, then the API token takes precedence" (SDK README).
    if (token !== undefined)
      return token === this.options.apiToken ? { key: 'api-token', viaOAuth: false } : undefined;
    const auth = req.headers.authorization;
    const bearer = auth ? /^Bearer\s+(\S+)$/i.exec(auth)?.[1] : undefined;
    if (bearer && this.oauth.isValid(bearer, now))
      return { key: `oauth:${this.options.oauth.clientId}`, viaOAuth: true };
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    const rebound = reboundNameRefusal(req, this.options.host);
    if (rebound) return this.send(res, { status: 403, body: { success: false, error: rebound } });
    if (path === '/_sandbox' || path.startsWith('/_sandbox/')) {
      await this.control(req, res, method, path, url.searchParams);
      return;
    }

    const at = this.options.now();
    this.counters.requests++;
    const entry: RequestLogEntry = { method, path, status: 0, ms: 0, at };
    const finish = (reply: Reply | undefined, headers?: Record<string, string>) => {
      if (reply) this.send(res, reply, headers);
      entry.status = reply?.status ?? 0;
      entry.ms = Math.round((performance.now() - started) * 100) / 100;
      this.record(entry);
    };

    const { latencyMs, latencyJitterMs } = this.options;
    const jitter = this.jitter();
    if (latencyMs > 0 || latencyJitterMs > 0) await sleep(latencyMs + jitter * latencyJitterMs);
    if (res.destroyed) return finish(undefined);

    if (path === '/oauth/token' || path === '/oauth/token/') {
      if (method !== 'POST') return finish(error(405, 'Method not allowed'), { allow: 'POST' });
      const body = await readBody(req).catch(() => Buffer.alloc(0));
      const reply = this.oauth.handle(
        this.options,
        req.headers.authorization,
        new URLSearchParams(body.toString('utf8')),
        this.baseUrl,
        this.options.now(),
      );
      return finish(reply);
    }

    const prefix = API_PREFIXES.find(([p]) => path.startsWith(p));
    if (!prefix) return finish(error(404, `Unknown route ${method} ${path}`));
    const [prefixPath, version] = prefix;

    const now = this.options.now();
    const who = this.identify(req, url.searchParams, now);
    if (!who) return finish(unauthorized());

    const resolution = this.router.resolve(version, method, path.slice(prefixPath.length - 1));
    const rateHeaders = (isSearch: boolean, isWrite: boolean) =>
      this.limits.headers(who, isSearch, isWrite, this.options.now());
    if (resolution.kind === 'none') {
      return finish(error(404, `Unknown route ${method} ${path}`), rateHeaders(false, false));
    }
    if (resolution.kind === 'method') {
      return finish(error(405, `Method ${method} not allowed on ${path}`), {
        ...rateHeaders(false, false),
        allow: resolution.allowed.join(', '),
      });
    }

    const { route, params } = resolution.match;
    const isSearch = route.search === true;
    // PATCH is v2's PUT (DOCS-v2-migration), so it counts as a write like POST and PUT.
    const isWrite = method === 'POST' || method === 'PUT' || method === 'PATCH';
    const admission: Admission = this.limits.admit(who, isSearch, now);
    if (admission.kind === 'blocked') {
      this.counters.blocked++;
      return finish(cloudflareBlock());
    }
    if (admission.kind !== 'ok') {
      this.counters.rateLimited++;
      // Headers from the same instant the limit was judged: a later clock reading on a busy
      // machine could show room in the window and make a burst 429 look like a daily one.
      return finish(overLimit(), {
        ...this.limits.headers(who, isSearch, isWrite, now),
        'retry-after': String(admission.retryAfterSeconds),
      });
    }
    if (isWrite && !who.viaOAuth) this.limits.countWrite(who.key);

    let body: unknown;
    let bodyError: Reply | undefined;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      try {
        const raw = await readBody(req);
        if (raw.length > 0) {
          const type = req.headers['content-type'] ?? '';
          if (!/^application\/json\b/i.test(type)) {
            // Leads and every v2 endpoint accept JSON only (pipedrive-api.md §1.1).
            bodyError = error(400, 'Content-Type must be application/json');
          } else {
            body = JSON.parse(raw.toString('utf8'));
          }
        }
      } catch (err) {
        bodyError =
          err instanceof BodyTooLarge
            ? error(413, 'Request body too large')
            : error(400, 'Request body is not valid JSON');
      }
    }

    const fault = this.faults.decide(this.options, method !== 'GET');
    if (fault.kind !== 'none') {
      entry.fault = fault.kind;
      entry.afterWrite = fault.afterWrite;
    }
    const injectFault = () => {
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return finish(undefined);
      }
      if (fault.kind === 'timeout') {
        this.hold(req.socket);
        return finish(undefined);
      }
      return finish(serverFault(fault.status, fault.html), rateHeaders(isSearch, isWrite));
    };
    if (fault.kind !== 'none' && !fault.afterWrite) return injectFault();

    const reply =
      bodyError ??
      route.handle({
        store: this.store,
        options: this.options,
        query: url.searchParams,
        body,
        params,
        now: this.options.now(),
      });
    this.limits.charge(route.cost);
    if (fault.kind !== 'none') return injectFault();
    return finish(reply, rateHeaders(isSearch, isWrite));
  }

  /** Never answers; the socket is destroyed when the client gives up, on close(), or after timeoutHoldMs. */
  private hold(socket: Socket): void {
    const h = {
      socket,
      timer: setTimeout(() => {
        this.held.delete(h);
        socket.destroy();
      }, this.options.timeoutHoldMs),
    };
    h.timer.unref();
    this.held.add(h);
    socket.once('close', () => {
      clearTimeout(h.timer);
      this.held.delete(h);
    });
  }

  private async control(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const json = (status: number, body: unknown) => this.send(res, { status, body });
    const refusal = crossOriginRefusal(req);
    if (refusal) return json(403, { error: refusal });
    const route = `${method} ${path.replace(/\/$/, '')}`;
    switch (route) {
      case 'GET /_sandbox/state':
        return json(200, this.state());
      case 'GET /_sandbox/export':
        return this.streamExport(res);
      case 'POST /_sandbox/reset':
        this.reset();
        return json(200, this.state());
      case 'POST /_sandbox/new-day':
        this.newDay();
        return json(200, this.state());
      case 'POST /_sandbox/exhaust-budget':
        this.exhaustBudget();
        return json(200, this.state());
      case 'POST /_sandbox/deactivate-user': {
        const email = query.get('email') ?? '';
        return this.deactivateUser(email)
          ? json(200, { deactivated: email })
          : json(404, { error: `No user with email "${email}"` });
      }
      case 'POST /_sandbox/api-token': {
        // The token is a secret like any other: it comes in the body, never in the URL, and is never echoed.
        let body: unknown;
        try {
          body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
        } catch {
          return json(400, { error: 'Body must be a JSON object: {"apiToken": "…"}' });
        }
        const token = (body as { apiToken?: unknown } | null)?.apiToken;
        try {
          this.setApiToken(token as string);
        } catch (err) {
          if (err instanceof SandboxOptionError) return json(400, { error: err.message });
          throw err;
        }
        return json(200, { rotated: true });
      }
      case 'GET /_sandbox/config':
        return json(200, this.runtimeOptions());
      case 'POST /_sandbox/config': {
        let partial: unknown;
        try {
          partial = JSON.parse((await readBody(req)).toString('utf8') || '{}');
        } catch {
          return json(400, { error: 'Body must be a JSON object of sandbox options' });
        }
        if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
          return json(400, { error: 'Body must be a JSON object of sandbox options' });
        }
        try {
          return json(200, this.configure(partial as RuntimeOptions));
        } catch (err) {
          if (err instanceof SandboxOptionError) return json(400, { error: err.message });
          throw err;
        }
      }
      case 'GET /_sandbox/requests': {
        const limit = Number(query.get('limit') ?? 0);
        const all = this.requests();
        return json(200, limit > 0 ? all.slice(-limit) : all);
      }
      default:
        return json(404, {
          error: `Unknown sandbox control route ${route}`,
          routes: [
            'GET /_sandbox/state',
            'GET /_sandbox/export',
            'POST /_sandbox/reset',
            'POST /_sandbox/new-day',
            'POST /_sandbox/exhaust-budget',
            'POST /_sandbox/deactivate-user?email=…',
            'POST /_sandbox/api-token',
            'GET /_sandbox/config',
            'POST /_sandbox/config',
            'GET /_sandbox/requests',
          ],
        });
    }
  }

  /** Streams the export in chunks so a large store never becomes one giant string. */
  private async streamExport(res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    const write = async (chunk: string) => {
      if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
    };
    const store = this.store;
    function* data<T>(items: Iterable<{ data: T }>): Iterable<T> {
      for (const item of items) yield item.data;
    }
    function* notes(): Iterable<unknown> {
      for (const note of store.notes.values()) yield store.noteView(note);
    }
    const sections: [string, Iterable<unknown>][] = [
      ['persons', data(store.persons.values())],
      ['organizations', data(store.organizations.values())],
      ['leads', data(store.leads.values())],
      ['deals', data(store.deals.values())],
      ['notes', notes()],
    ];
    let first = true;
    await write('{');
    for (const [name, items] of sections) {
      await write(`${first ? '' : ','}${JSON.stringify(name)}:[`);
      first = false;
      let batch: string[] = [];
      let sep = '';
      for (const item of items) {
        batch.push(JSON.stringify(item));
        if (batch.length === 1000) {
          await write(sep + batch.join(','));
          sep = ',';
          batch = [];
        }
      }
      if (batch.length > 0) await write(sep + batch.join(','));
      await write(']');
    }
    res.end('}');
  }
}
