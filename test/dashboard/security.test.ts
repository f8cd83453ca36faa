import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { createLogger } from '../../src/logging/logger.js';
import { jobIdFor } from '../../src/queue/names.js';
import { testRedis } from '../helpers/redis.js';
import { type SeedRow, seedImport, testOps } from '../ops/seed.js';

const redis = testRedis();
const limits = { burstPer2s: 20, dailyTokens: 30_000 };
const AUTH = { user: 'ops', password: 'correct horse battery staple' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const HOSTILE = '<img src=x onerror=alert(1)>';

const ROWS: SeedRow[] = [
  { line: 2, cells: ['A', 'a@example.com', 'Acme'], outcome: 'created', leadId: 'L2', personId: 1 },
  { line: 3, cells: ['B', 'b@example.com', 'Acme'], outcome: 'pending' },
  {
    line: 4,
    cells: ['C', 'c@example.com', 'Acme'],
    outcome: 'dead-lettered',
    errorClass: 'PipedriveValidationError',
    httpStatus: 400,
    message: 'Owner 9 does not exist',
  },
];

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers, from `localAddress` (fetch would not let a test set Host). */
function raw(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const headers = options.headers ?? {};
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path,
        method: options.method ?? 'GET',
        headers,
        setHost: !('host' in headers),
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard without credentials: DNS rebinding', () => {
  const ctx = testOps(redis);
  let dashboard: Dashboard;
  beforeAll(async () => {
    await seedImport(ctx, 'rebind-1', ROWS);
    dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0 });
  });
  afterAll(async () => {
    await dashboard.close();
    await ctx.close();
  });

  it('answers 421 to a Host that is not a loopback name with its port, holding back the lead data', async () => {
    const port = new URL(dashboard.url).port;
    for (const path of ['/api/imports', '/queues/api/queues', '/', '/imports/rebind-1', '/metrics']) {
      for (const host of [
        `evil.example:${port}`,
        `127.0.0.1.evil.example:${port}`,
        `127.0.0.1:${Number(port) + 1}`,
      ]) {
        const res = await raw(dashboard.url, path, { headers: { host } });
        expect(res.status, `${host}${path}`).toBe(421);
        expect(res.body).toMatch(/^Misdirected request/);
        expect(res.body).not.toContain('rebind-1');
        expect(res.headers['cache-control']).toBe('no-store');
      }
    }
  });

  it('serves the loopback names with its port', async () => {
    const port = new URL(dashboard.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const res = await raw(dashboard.url, '/api/imports', { headers: { host } });
      expect(res.status, host).toBe(200);
      expect(res.body).toContain('rebind-1');
    }
  });
});

describe('dashboard security headers', () => {
  const ctx = testOps(redis);
  let open: Dashboard;
  let locked: Dashboard;
  beforeAll(async () => {
    await seedImport(ctx, 'head-1', ROWS);
    open = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0 });
    locked = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0, auth: AUTH });
  });
  afterAll(async () => {
    await Promise.all([open.close(), locked.close()]);
    await ctx.close();
  });

  const PATHS = [
    '/',
    '/imports/head-1',
    '/api/imports',
    '/api/imports/head-1',
    '/api/health',
    '/metrics',
    '/queues',
    '/queues/api/queues',
    '/healthz',
  ];

  it('sends no-store, nosniff, frame and referrer headers and a CSP on every page and API answer', async () => {
    for (const [dashboard, headers] of [
      [open, {}],
      [locked, { authorization: basic(AUTH.user, AUTH.password) }],
    ] as const) {
      for (const path of PATHS) {
        const res = await raw(dashboard.url, path, { headers });
        expect([200, 503], path).toContain(res.status);
        expect(res.headers['cache-control'], path).toBe('no-store');
        expect(res.headers['x-content-type-options'], path).toBe('nosniff');
        expect(res.headers['x-frame-options'], path).toBe('DENY');
        expect(res.headers['referrer-policy'], path).toBe('no-referrer');
        expect(res.headers['content-security-policy'], path).toMatch(/frame-ancestors 'none'/);
        expect(res.headers['x-powered-by'], path).toBeUndefined();
      }
    }
  });

  it('gives bull-board a CSP without inline or eval scripts, and its static files no X-Powered-By', async () => {
    const page = await raw(open.url, '/queues');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    // Nothing from another host: its Google Fonts stylesheet link is taken out of the page, deep links' too.
    for (const path of ['/queues', '/queues/queue/lead-import']) {
      const html = (await raw(open.url, path)).body;
      expect(html, path).toContain('static/css/');
      expect(html, path).not.toMatch(/(?:href|src)\s*=\s*["']?(?:https?:)?\/\//i);
    }
    const script = /src="(static\/js\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const asset = await raw(open.url, `/queues/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers['x-powered-by']).toBeUndefined();
    expect(asset.headers['cache-control']).toBe('no-store');
  });

  it('puts the same headers on 401 and /healthz', async () => {
    for (const path of ['/', '/api/imports', '/healthz']) {
      const res = await raw(locked.url, path);
      expect(res.status, path).toBe(path === '/healthz' ? res.status : 401);
      expect(res.headers['cache-control'], path).toBe('no-store');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['content-security-policy'], path).toContain("default-src 'none'");
    }
  });
});

describe('failed logins', () => {
  const ctx = testOps(redis);
  let dashboard: Dashboard;
  beforeAll(async () => {
    dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0, auth: AUTH });
  });
  afterAll(async () => {
    await dashboard.close();
    await ctx.close();
  });

  it('are throttled per client address: after 10 in a minute, 429 with Retry-After, even for the right password', async () => {
    const wrong = { authorization: basic('ops', 'guess') };
    const right = { authorization: basic(AUTH.user, AUTH.password) };
    // A browser's first request carries no credentials: that is no failed login.
    for (let i = 0; i < 20; i++) expect((await raw(dashboard.url, '/')).status).toBe(401);
    for (let i = 0; i < 10; i++) expect((await raw(dashboard.url, '/', { headers: wrong })).status).toBe(401);

    const refused = await raw(dashboard.url, '/', { headers: right });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.body).toMatch(/Too many failed logins/);

    // Another address is not affected (the dashboard listens on 127.0.0.1; 127.0.0.2 is loopback too).
    const other = await raw(dashboard.url, '/', { headers: right, localAddress: '127.0.0.2' });
    expect(other.status).toBe(200);
  });
});

describe('bull-board is read-only for the dead-letter queue too', () => {
  const ctx = testOps(redis);
  let dashboard: Dashboard;
  beforeAll(async () => {
    await seedImport(ctx, 'ro-1', ROWS);
    dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0, auth: AUTH });
  });
  afterAll(async () => {
    await dashboard.close();
    await ctx.close();
  });

  it('refuses adding, editing, retrying, cleaning, emptying and obliterating, even for a logged-in operator', async () => {
    const headers = { authorization: basic(AUTH.user, AUTH.password), 'content-type': 'application/json' };
    const id = jobIdFor('ro-1', 4);
    const q = '/queues/api/queues/lead-import-dlq';
    const attempts: [string, string, unknown][] = [
      ['POST', `${q}/add`, { name: 'dead-letter', data: { importId: 'ro-1', line: 3 } }],
      ['PATCH', `${q}/${id}/update-data`, { data: { importId: 'ro-1', line: 4, job: { lead: {} } } }],
      ['PATCH', `${q}/${id}/priority`, { priority: 1 }],
      ['PATCH', `${q}/${id}/delay`, { delay: 1000 }],
      ['PUT', `${q}/${id}/retry`, {}],
      ['PUT', `${q}/${id}/promote`, {}],
      ['PUT', `${q}/${id}/clean`, {}],
      ['PUT', `${q}/clean/waiting`, {}],
      ['PUT', `${q}/empty`, {}],
      ['PUT', `${q}/pause`, {}],
      ['PUT', `${q}/obliterate`, {}],
    ];
    for (const [method, path, body] of attempts) {
      const res = await fetch(`${dashboard.url}${path}`, { method, headers, body: JSON.stringify(body) });
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
    }
    // Our own refusal, not only bull-board's: also under another case, which Express routes to bull-board too.
    for (const base of ['/queues', '/QUEUES', '/Queues']) {
      const res = await fetch(`${dashboard.url}${base}/api/queues/lead-import-dlq/empty`, {
        method: 'PUT',
        headers,
      });
      expect(res.status, base).toBe(403);
      expect(((await res.json()) as { error: string }).error, base).toMatch(/bull-board is read-only here/);
    }
    const board = (await (await fetch(`${dashboard.url}/queues/api/queues`, { headers })).json()) as {
      queues: { name: string; readOnlyMode: boolean }[];
    };
    expect(board.queues.map((b) => [b.name, b.readOnlyMode]).sort()).toEqual([
      ['lead-import', true],
      ['lead-import-dlq', true],
    ]);
    expect(await ctx.deadLetterQueue.getJobCounts('waiting', 'paused')).toEqual({ waiting: 1, paused: 0 });
    const entry = await ctx.deadLetterQueue.getJob(id);
    expect(entry?.data).toMatchObject({ importId: 'ro-1', line: 4, message: 'Owner 9 does not exist' });
    expect(entry?.data.job.person).toMatchObject({ name: 'C' });
  });
});

describe('the import detail page with hostile values', () => {
  const ctx = testOps(redis);
  let dashboard: Dashboard;
  beforeAll(async () => {
    await seedImport(ctx, 'html-1', ROWS);
    await redis.hset(ctx.keys.import('html-1'), 'fileName', `${HOSTILE}.csv`);
    // The columns as the producer read them: the file's own header text, shown on the page.
    await redis.hset(
      ctx.keys.import('html-1'),
      'mapping',
      JSON.stringify({
        system: `${HOSTILE} export`,
        columns: [{ column: `${HOSTILE} Email`, field: 'person.email:work', reason: `auto: "${HOSTILE}"` }],
        notImported: [{ column: '<iframe src=x>', reason: 'no Pipedrive field is named like it' }],
        notes: [],
        constants: {},
        defaults: {},
      }),
    );
    // What a DLQ entry edited in Redis (or, before, in bull-board) may hold: strings where numbers belong.
    const entry = (await ctx.deadLetterQueue.getJob(jobIdFor('html-1', 4)))!;
    await entry.updateData({
      ...entry.data,
      line: HOSTILE as unknown as number,
      httpStatus: `"><svg onload=alert(2)>` as unknown as number,
      attempts: '<script>alert(3)</script>' as unknown as number,
      errorClass: '<b>Error</b>',
      message: `${HOSTILE} & more`,
      lastAttemptAt: Date.parse('2026-03-01T10:00:00Z'),
    });
    dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0, auth: AUTH });
  });
  afterAll(async () => {
    await dashboard.close();
    await ctx.close();
  });

  it('escapes every value it prints: file name, line, HTTP status, attempts, error class and message', async () => {
    const res = await fetch(`${dashboard.url}/imports/html-1`, {
      headers: { authorization: basic(AUTH.user, AUTH.password) },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    // The page's own markup has one <script> (with the nonce) and no <img>, <svg> or <b>.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<img|<svg|<b>|<script>alert/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;.csv');
    expect(html).toContain('<td class="n">&lt;img src=x onerror=alert(1)&gt;</td>');
    expect(html).toContain('&quot;&gt;&lt;svg onload=alert(2)&gt;');
    expect(html).toContain('&lt;script&gt;alert(3)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;Error&lt;/b&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; more');
    // The columns section shows the file's header as text.
    expect(html).not.toMatch(/<iframe/i);
    expect(html).toContain(
      '<td>&lt;img src=x onerror=alert(1)&gt; Email</td><td><code>person.email:work</code></td>',
    );
    expect(html).toContain('<td>&lt;iframe src=x&gt;</td>');
  });
});

describe('import ids in paths', () => {
  const ctx = testOps(redis);
  let dashboard: Dashboard;
  const logged: string[] = [];
  const auth = { authorization: basic(AUTH.user, AUTH.password), 'x-lead-importer': '1' };
  beforeAll(async () => {
    await seedImport(ctx, 'path-1', ROWS);
    dashboard = await startDashboard({
      redis,
      prefix: ctx.prefix,
      limits,
      port: 0,
      auth: AUTH,
      logger: createLogger({ destination: { write: (line: string) => void logged.push(line) } }),
    });
  });
  afterAll(async () => {
    await dashboard.close();
    await ctx.close();
  });

  it('are 404 when no import can have them, without reading the import’s other keys as its record', async () => {
    // `path-1:states` names the import's row states (a string): read as its record, every request failed with
    // WRONGTYPE, answered "Could not read the queues (is Redis reachable?)" and logged an error with its stack.
    for (const [method, path] of [
      ['GET', '/imports/path-1:states'],
      ['GET', '/api/imports/path-1:states'],
      ['POST', '/api/imports/path-1:states/cancel'],
      ['POST', '/api/imports/path-1:states/dlq/retry'],
      ['GET', `/imports/${'x'.repeat(65)}`],
    ] as const) {
      const res = await fetch(`${dashboard.url}${path}`, { method, headers: auth });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.text()).toMatch(/No import \\?"/);
    }
    expect(logged).toEqual([]);
    expect((await fetch(`${dashboard.url}/imports/path-1`, { headers: auth })).status).toBe(200);
  });

  it('a record whose connection name no connection can have makes a page fail, not the dashboard', async () => {
    // Only a hand-edited record holds one (the producer takes configured names only). Its read threw while the
    // read of its control hash was under way, and that read's rejection went unhandled: Node ended the dashboard.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    await seedImport(ctx, 'bad-conn', ROWS.slice(0, 1));
    await redis.hset(ctx.keys.import('bad-conn'), 'connection', 'BAD"name');
    try {
      for (let i = 0; i < 2; i++) {
        expect((await fetch(`${dashboard.url}/`, { headers: auth })).status).toBe(503);
      }
      await new Promise((r) => setTimeout(r, 100));
      expect(unhandled).toEqual([]);
      expect((await fetch(`${dashboard.url}/healthz`)).status).toBeGreaterThan(0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await redis.hset(ctx.keys.import('bad-conn'), 'connection', 'default');
    }
  });

  it('answer a failed read of a page as JSON, with its content type', async () => {
    // A record Redis holds as another type: the read fails after the page's headers were set.
    await redis.set(ctx.keys.import('broken-1'), 'not a hash');
    const res = await fetch(`${dashboard.url}/imports/broken-1`, { headers: auth });
    expect(res.status).toBe(503);
    // It said text/html (set for the page before the read) over a JSON body.
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: 'Could not read the queues (is Redis reachable?). See the dashboard log.',
    });
  });
});

describe('state-changing requests', () => {
  const ctx = testOps(redis);
  let dashboard: Dashboard;
  const auth = basic(AUTH.user, AUTH.password);
  beforeAll(async () => {
    dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0, auth: AUTH });
  });
  afterAll(async () => {
    await resumeFrom(dashboard.url);
    await dashboard.close();
    await ctx.close();
  });
  const resumeFrom = (url: string) =>
    raw(url, '/api/resume', { method: 'POST', headers: { authorization: auth, 'x-lead-importer': '1' } });
  const pause = (headers: Record<string, string>) =>
    raw(dashboard.url, '/api/pause', { method: 'POST', headers: { authorization: auth, ...headers } });
  const host = () => new URL(dashboard.url).host;

  it('refuses what a page on another site can make a browser send with the operator’s Basic credentials', async () => {
    const forged: [string, Record<string, string>][] = [
      // A cross-site or same-site (another subdomain's) form or fetch, as a browser labels it.
      ['cross-site', { 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' }],
      ['same-site', { 'sec-fetch-site': 'same-site', origin: 'https://other.example' }],
      ['same-site, our Origin claimed', { 'sec-fetch-site': 'same-site', origin: `http://${host()}` }],
      ['another Origin', { origin: 'https://evil.example' }],
      ['an opaque Origin (sandboxed frame, data: URL)', { origin: 'null' }],
      ['an Origin that is not a URL', { origin: 'evil' }],
      // A browser that sends no Origin on a form POST: a simple form body, nothing a form cannot send.
      ['no Origin, a form body', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['no Origin, a text/plain form body', { 'content-type': 'text/plain' }],
      ['no Origin, a multipart form body', { 'content-type': 'multipart/form-data; boundary=x' }],
      ['no Origin, no body', {}],
      ['no Origin, another Referer', { referer: 'https://evil.example/page', 'x-lead-importer': '1' }],
    ];
    for (const [label, headers] of forged) {
      const res = await pause(headers);
      expect(res.status, label).toBe(403);
      expect(res.body, label).toMatch(/Cross-site request refused/);
    }
    expect(await ctx.leadQueue.isPaused()).toBe(false);
  });

  it('accepts our own page’s fetch, and a script’s request that says it is one (curl -H "X-Lead-Importer: 1")', async () => {
    const accepted: [string, Record<string, string>][] = [
      [
        'our page (Chromium)',
        { origin: `http://${host()}`, 'sec-fetch-site': 'same-origin', 'x-lead-importer': '1' },
      ],
      ['our page, an older browser', { origin: `http://${host()}` }],
      ['curl with the header', { 'x-lead-importer': '1' }],
      ['a JSON client', { 'content-type': 'application/json' }],
      ['curl with our own Referer', { 'x-lead-importer': '1', referer: `http://${host()}/imports/x` }],
    ];
    for (const [label, headers] of accepted) {
      const res = await pause(headers);
      expect(res.status, label).toBe(200);
      expect(await ctx.leadQueue.isPaused(), label).toBe(true);
      expect((await resumeFrom(dashboard.url)).status, label).toBe(200);
    }
  });
});
