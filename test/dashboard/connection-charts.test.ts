import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { ConnectionActivity } from '../../src/ops/connection-activity.js';
import { createOpsContext, limitsByConnection, limitsFromConfig } from '../../src/ops/ops-context.js';
import { type DashboardProcess, startDashboardProcess } from '../helpers/dashboard-process.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { ACTIVE_MINUTES, CONNECTIONS_YAML, seedTwoCompanies, TWO_COMPANIES } from './two-companies.js';

/**
 * The imports page of a deployment serving two companies, on the dashboard started as `lead-importer dashboard`
 * starts it (the CLI, its connections file, its own Redis connection): each company's state, budget burn-down
 * and leads per minute, on the page and in `/api/connections`.
 */
const redis = testRedis();
const prefix = uniquePrefix('charts');
const dir = mkdtempSync(join(tmpdir(), 'lpi-charts-'));
const env = {
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: prefix,
  PIPEDRIVE_CONNECTIONS_FILE: join(dir, 'connections.yaml'),
  ACME_TOKEN: 'acme-token',
  GLOBEX_TOKEN: 'globex-token',
};
let dashboard: DashboardProcess | undefined;
let url: string;
let seededAt: number;

/** An ops context on the test's Redis and connections file, as the dashboard command makes its own. */
function opsContext() {
  const config = loadConfig(env);
  return createOpsContext({
    redis,
    prefix,
    limits: limitsFromConfig(config),
    connectionLimits: limitsByConnection(config),
  });
}

beforeAll(async () => {
  writeFileSync(env.PIPEDRIVE_CONNECTIONS_FILE, CONNECTIONS_YAML);
  const ctx = opsContext();
  seededAt = Date.now();
  await seedTwoCompanies(redis, ctx, seededAt);
  await ctx.close();

  dashboard = await startDashboardProcess(env);
  url = dashboard.url;
}, 60_000);

afterAll(async () => {
  await dashboard?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const connectionsJson = async (query = '') =>
  ((await (await fetch(`${url}/api/connections${query}`)).json()) as { connections: ConnectionActivity[] })
    .connections;

describe('the imports page per connection, on `lead-importer dashboard`', () => {
  it('/api/connections: each company’s budget, projection, leads per minute and state', async () => {
    const before = Date.now();
    const [acme, globex] = await connectionsJson();
    expect([acme?.connection, globex?.connection]).toEqual(['acme', 'globex']);

    // acme: 17,000 of 18,000 spent (2,000 reserve of 20,000); ~200 tokens a minute runs it out in ~5 minutes.
    expect(acme?.budget).toMatchObject({
      total: 20_000,
      limit: 18_000,
      reserve: 2_000,
      used: 17_000,
      left: 1_000,
    });
    expect(acme?.budget?.projection.verdict).toBe('runs-out');
    expect(acme?.budget?.projection.tokensPerMinute).toBeGreaterThan(180);
    expect(acme?.budget?.projection.tokensPerMinute).toBeLessThanOrEqual(215);
    const runsOutAt = acme?.budget?.projection.runsOutAt ?? 0;
    expect(runsOutAt).toBeGreaterThan(before + 4 * 60_000);
    expect(runsOutAt).toBeLessThan(before + 6 * 60_000);
    expect(acme?.budget?.spent.at(-1)?.used).toBe(17_000);
    expect(acme?.leadsPerMinute.total).toBe(ACTIVE_MINUTES * TWO_COMPANIES.acme.leadsPerMinute);
    expect(acme?.leadsPerMinute.counts).toHaveLength(60);
    expect(acme?.leadsPerMinute.peak).toBe(10);
    expect(acme?.queued).toBe(30);
    expect(acme?.state).toBe('running');
    expect(acme?.stateText).toMatch(/^running: [\d.]+ leads\/min over the last 5 min$/);

    // globex: 5,000 of 80,000 (20,000 reserve of 100,000) at ~20 a minute lasts the day; its token is refused.
    expect(globex?.budget).toMatchObject({
      total: 100_000,
      limit: 80_000,
      reserve: 20_000,
      used: 5_000,
      left: 75_000,
    });
    expect(globex?.budget?.projection.verdict).toBe('lasts-the-day');
    expect(globex?.leadsPerMinute.total).toBe(ACTIVE_MINUTES * TWO_COMPANIES.globex.leadsPerMinute);
    expect(globex?.state).toBe('blocked');
    expect(globex?.stateText).toBe('blocked: Pipedrive rejected the API token (401)');
    expect(globex?.queued).toBe(12);

    // One connection's figures with ?connection=, and the 400 for one it does not serve.
    expect((await connectionsJson('?connection=globex')).map((c) => c.connection)).toEqual(['globex']);
    expect((await fetch(`${url}/api/connections?connection=initech`)).status).toBe(400);
  });

  it('the page: a card per company with its state and budget in words and two charts, imports grouped under each', async () => {
    const [acme] = await connectionsJson();
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const card = (name: string) => {
      const start = html.indexOf(`<article class="conn-card`, html.indexOf(`data-connection="${name}"`) - 80);
      return html.slice(start, html.indexOf('</article>', start));
    };
    const acmeCard = card('acme');
    const globexCard = card('globex');
    expect(acmeCard).toContain('<span class="badge c-running" data-state="running">running</span>');
    // The projection's minute may move on between the two reads by a minute at most.
    expect(acmeCard).toMatch(/data-verdict="runs-out">runs out ≈ \d\d:\d\d UTC<\/span>/);
    expect(acme?.budget?.projection.text).toMatch(/^runs out ≈ \d\d:\d\d UTC at \d+ tokens\/min$/);
    expect(acmeCard).toContain(
      'Spent 17,000 of 18,000 tokens today, 1,000 left (2,000 of the company&#39;s 20,000 kept in reserve)',
    );
    expect(acmeCard).toContain('200 leads created in the last hour; at most 10 in a minute');
    expect(acmeCard.match(/<svg class="chart /g)).toHaveLength(2);
    expect(acmeCard).toContain('aria-labelledby="c-acme-burn-t c-acme-burn-d"');

    expect(globexCard).toContain('<span class="badge c-blocked" data-state="blocked">blocked</span>');
    expect(globexCard).toContain('blocked: Pipedrive rejected the API token (401) · 12 queued, 0 in flight');
    // Blocked, its budget is not said to last the day: nothing is sent, and the state badge says why.
    expect(globexCard).not.toContain('data-verdict');
    expect(globexCard).not.toContain('budget lasts the day');
    expect(globexCard).toContain(
      'Spent 5,000 of 80,000 tokens today, 75,000 left (20,000 of the company&#39;s 100,000 kept in reserve)',
    );
    expect(globexCard).toContain('20 leads created in the last hour');

    // Imports grouped by connection, in the file's order.
    const groups = [...html.matchAll(/<tr class="group" data-group="([^"]+)">/g)].map((m) => m[1]);
    expect(groups).toEqual(['acme', 'globex']);
    expect(html.indexOf('data-group="acme"')).toBeLessThan(html.indexOf('data-import="acme-spring"'));
    expect(html.indexOf('data-import="acme-spring"')).toBeLessThan(html.indexOf('data-group="globex"'));
    expect(html.indexOf('data-group="globex"')).toBeLessThan(html.indexOf('data-import="globex-fair"'));
    // The page refreshes the cards from the fragment; still one script (the nonce'd one).
    expect(html).toContain('data-refresh="/fragments/connections"');
    expect(html.match(/<script/g)).toHaveLength(1);

    const one = await (await fetch(`${url}/?connection=globex`)).text();
    expect(one).toContain('data-connection="globex"');
    expect(one).not.toContain('data-connection="acme"');
    expect(one).toContain('data-refresh="/fragments/connections?connection=globex"');
  });

  it('/fragments/connections: the cards alone, as HTML under the CSP of answers that are not pages', async () => {
    const res = await fetch(`${url}/fragments/connections?connection=acme`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toMatch(/^<article class="conn-card conn-running" data-connection="acme"/);
    expect(html).not.toContain('data-connection="globex"');
    expect(html).not.toContain('<script');
  });

  // Last: it empties acme's queue. A finished import's rate of the last 15 minutes is not projected forward.
  it('a company with nothing queued or in flight: its budget lasts the day, whatever the last minutes spent', async () => {
    const ctx = opsContext();
    try {
      await ctx.leadQueueOf('acme').drain(true);
    } finally {
      await ctx.close();
    }
    const [acme] = await connectionsJson('?connection=acme');
    expect(acme?.queued).toBe(0);
    expect(acme?.active).toBe(0);
    expect(acme?.state).toBe('idle');
    expect(acme?.budget?.left).toBe(1_000);
    expect(acme?.budget?.projection).toMatchObject({
      verdict: 'lasts-the-day',
      runsOutAt: null,
      nothingQueued: true,
    });
    // The window is the last 15 minutes of the budget's day: in the day's first 15 minutes (UTC), the minutes so far.
    const minutesIntoDay = Math.ceil((Date.now() % 86_400_000) / 60_000);
    const window =
      minutesIntoDay >= 15
        ? '15 min'
        : minutesIntoDay === 1
          ? 'minute'
          : `(?:${minutesIntoDay - 1}|${minutesIntoDay}) min`;
    expect(acme?.budget?.projection.text).toMatch(
      new RegExp(`^lasts the day: nothing queued \\(\\d+ tokens/min over the last ${window}\\)$`),
    );

    const html = await (await fetch(`${url}/fragments/connections?connection=acme`)).text();
    expect(html).toContain('data-verdict="lasts-the-day">budget lasts the day</span>');
    expect(html).toContain('lasts the day: nothing queued');
    expect(html).not.toContain('runs out');
    expect(html).not.toContain('class="projection"');
  });
});
