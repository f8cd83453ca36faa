/** A tiny fetch wrapper for sandbox tests: real HTTP, status, headers and parsed body. */
import type { RunningSandbox } from '../../src/sandbox/index.js';

export interface SandboxResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  body: any;
  text: string;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no credentials. */
  anonymous?: boolean;
}

export function sandboxClient(sandbox: RunningSandbox, token = sandbox.apiToken) {
  async function call(method: string, path: string, options: CallOptions = {}): Promise<SandboxResponse> {
    const headers: Record<string, string> = {
      ...(options.anonymous ? {} : { 'x-api-token': token }),
      ...options.headers,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const res = await fetch(`${sandbox.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed, text };
  }
  return {
    call,
    get: (path: string, options?: CallOptions) => call('GET', path, options),
    post: (path: string, body: unknown, options?: CallOptions) => call('POST', path, { ...options, body }),
    put: (path: string, body: unknown, options?: CallOptions) => call('PUT', path, { ...options, body }),
    patch: (path: string, body: unknown, options?: CallOptions) => call('PATCH', path, { ...options, body }),
    del: (path: string, options?: CallOptions) => call('DELETE', path, options),
    /** Creates an organization and returns its id. */
    async org(name: string): Promise<number> {
      const r = await call('POST', '/api/v2/organizations', { body: { name } });
      if (r.status !== 200) throw new Error(`org create failed: ${r.text}`);
      return r.body.data.id;
    },
    /** Creates a person (optionally with an email) and returns its id. */
    async person(name: string, email?: string, orgId?: number): Promise<number> {
      const r = await call('POST', '/api/v2/persons', {
        body: {
          name,
          ...(email ? { emails: [{ value: email, primary: true }] } : {}),
          ...(orgId ? { org_id: orgId } : {}),
        },
      });
      if (r.status !== 200) throw new Error(`person create failed: ${r.text}`);
      return r.body.data.id;
    },
  };
}

/** A manual clock for window and budget tests: nothing sleeps. */
export function manualClock(start = Date.UTC(2026, 0, 5, 12, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
