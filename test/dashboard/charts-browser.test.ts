import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { createOpsContext } from '../../src/ops/ops-context.js';
import { launchChromium } from '../helpers/chromium.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { seedTwoCompanies } from './two-companies.js';

const OUT = join(process.cwd(), 'test-output');
/** Where the page's picture goes for people to look at (and the test-output copy). */
const SCREENSHOT = process.env.CHARTS_SCREENSHOT ?? '/tmp/charts.png';

const redis = testRedis();
const acmeLimits = { burstPer2s: 40, dailyTokens: 20_000 };
const globexLimits = { burstPer2s: 100, dailyTokens: 100_000 };
const connectionLimits = new Map([
  ['acme', acmeLimits],
  ['globex', globexLimits],
]);
const ctx = createOpsContext({
  redis,
  prefix: uniquePrefix('chartsweb'),
  limits: acmeLimits,
  connectionLimits,
});
let dashboard: Dashboard;
let browser: Browser;

beforeAll(async () => {
  await mkdir(OUT, { recursive: true });
  // acme at 250 leads a minute: a 300/min scale, the widest label the chart draws.
  await seedTwoCompanies(redis, ctx, Date.now(), { acme: 250 });
  dashboard = await startDashboard({
    redis,
    prefix: ctx.prefix,
    limits: acmeLimits,
    connectionLimits,
    port: 0,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await ctx.close();
});

/** A page that records script errors and every CSP violation the browser reports. */
async function watchedPage(): Promise<{ page: Page; errors: string[]; violations: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const errors: string[] = [];
  const violations: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportViolation: (v: string) => void }).reportViolation(
        `${location.pathname}: ${e.effectiveDirective} blocked ${e.blockedURI}`,
      );
    });
  });
  return { page, errors, violations };
}

describe('the connections’ charts in a real browser', () => {
  it('draws both charts per company with their numbers as accessible text, refreshes them, and breaks no CSP rule', async () => {
    const { page, errors, violations } = await watchedPage();
    try {
      await page.goto(`${dashboard.url}/`);
      for (const name of ['acme', 'globex']) {
        const card = page.locator(`article[data-connection="${name}"]`);
        const charts = card.locator('svg.chart');
        expect(await charts.count()).toBe(2);
        for (const chart of await charts.all()) {
          const box = await chart.boundingBox();
          // Laid out at a readable size, not collapsed.
          expect(box?.width).toBeGreaterThan(250);
          expect(box?.height).toBeGreaterThan(90);
          // Every label whole inside its chart (acme's scale is 300/min: a three-digit rate once lost its first digit).
          for (const label of await chart.locator('text').all()) {
            const text = await label.boundingBox();
            expect(text?.x).toBeGreaterThanOrEqual((box?.x ?? 0) - 0.5);
            expect((text?.x ?? 0) + (text?.width ?? 0)).toBeLessThanOrEqual(
              (box?.x ?? 0) + (box?.width ?? 0) + 0.5,
            );
          }
        }
        // Screen readers get the chart's name and its numbers.
        await expect.poll(() => page.getByRole('img', { name: `Budget today, ${name}` }).count()).toBe(1);
        await expect
          .poll(() => page.getByRole('img', { name: `Leads per minute, last hour, ${name}` }).count())
          .toBe(1);
      }
      const acme = page.locator('article[data-connection="acme"]');
      // The spent line is drawn, with the projection meeting the limit (a run-out marker); bars for 20 minutes.
      // It runs from the day's first spending to now, whatever the time of day (just after midnight UTC it is short).
      const spent = await acme.locator('polyline.spent').boundingBox();
      const nowLine = await acme.locator('line.now').boundingBox();
      expect(spent?.height).toBeGreaterThan(10);
      expect(Math.abs((spent?.x ?? 0) + (spent?.width ?? 0) - (nowLine?.x ?? Number.NaN))).toBeLessThan(2);
      expect(await acme.locator('circle.runs-out').count()).toBe(1);
      expect(await acme.locator('rect.bar, rect.bar-now').count()).toBe(20);
      expect(await acme.locator('.badge[data-verdict]').textContent()).toMatch(/^runs out ≈ \d\d:\d\d UTC$/);
      const globex = page.locator('article[data-connection="globex"]');
      expect(await globex.locator('[data-state]').textContent()).toBe('blocked');
      expect(await globex.locator('.conn-state').textContent()).toContain(
        'blocked: Pipedrive rejected the API token (401)',
      );
      // The reserve band is shaded in the browser's computed style (the page's stylesheet reaches the SVG).
      const fill = await globex
        .locator('rect.reserve')
        .evaluate((el) => getComputedStyle(el as SVGRectElement).fill);
      expect(fill).toBe('rgb(251, 227, 224)');
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      await page.screenshot({ path: join(OUT, 'dashboard-connection-charts.png'), fullPage: true });

      // globex's token is fixed: its card says so at the next refresh, with no reload.
      await redis.hdel(ctx.keys.connectionControl('globex'), 'blockedReason', 'blockedKind', 'blockedAt');
      await page.waitForFunction(
        () =>
          document.querySelector('article[data-connection="globex"] [data-state]')?.textContent === 'running',
        undefined,
        { timeout: 15_000 },
      );
      expect(await page.locator('article[data-connection="globex"] svg.chart').count()).toBe(2);
      expect(await page.getByRole('img', { name: 'Budget today, globex' }).count()).toBe(1);

      expect(errors).toEqual([]);
      expect(violations).toEqual([]);
    } finally {
      await page.close();
    }
  }, 40_000);
  it('fits the imports table of two companies in a 1,360-px window, every column in sight, before and after a poll', async () => {
    const { page, errors } = await watchedPage();
    try {
      await page.goto(`${dashboard.url}/`);
      const overflow = () =>
        page.locator('#imports').evaluate((table) => {
          const card = table.parentElement as HTMLElement;
          return { table: table.scrollWidth, card: card.clientWidth };
        });
      const before = await overflow();
      // With a column repeating each row's connection, the ETA column was past the card's edge.
      expect(before.table, JSON.stringify(before)).toBeLessThanOrEqual(before.card);
      expect(await page.locator('#imports thead th').last().textContent()).toBe('ETA');
      // The page's own script redraws the rows from /api/imports every 2 s: the same columns.
      const headers = await page.locator('#imports thead th').count();
      const firstUpdate = await page.locator('#updated').textContent();
      await page.waitForFunction((t) => document.getElementById('updated')?.textContent !== t, firstUpdate, {
        timeout: 10_000,
      });
      const row = page.locator('#imports tbody tr[data-import]').first();
      expect(await row.locator('td').count()).toBe(headers);
      const after = await overflow();
      expect(after.table, JSON.stringify(after)).toBeLessThanOrEqual(after.card);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows a stalled import with its reason and no ETA, on the first paint and after a poll', async () => {
    const key = ctx.keys.import('acme-spring');
    const before = await redis.hmget(key, 'createdAt', 'updatedAt');
    const tenMinutesAgo = Date.now() - 10 * 60_000;
    await redis.hset(key, { createdAt: tenMinutesAgo, updatedAt: tenMinutesAgo });
    const { page, errors } = await watchedPage();
    try {
      await page.goto(`${dashboard.url}/?connection=acme`);
      const row = page.locator('#imports tbody tr[data-import="acme-spring"]');
      const read = async () => ({
        badge: await row.locator('.badge').textContent(),
        reason: await row.locator('td').nth(1).locator('.sub').textContent(),
        eta: await row.locator('td').last().textContent(),
      });
      const expected = {
        badge: 'stalled',
        // No worker runs here: the page asks the workers, as `status` does.
        reason:
          "no worker serves connection acme: its 30 pending rows are kept on its queue. Start one (`lead-importer worker`), or add acme to a worker's --connections",
        eta: '—',
      };
      expect(await read()).toEqual(expected);
      // The page's own script redraws the row from /api/imports: the same words.
      const firstUpdate = await page.locator('#updated').textContent();
      await page.waitForFunction((t) => document.getElementById('updated')?.textContent !== t, firstUpdate, {
        timeout: 10_000,
      });
      expect(await read()).toEqual(expected);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await redis.hset(key, { createdAt: before[0]!, updatedAt: before[1]! });
    }
  });
});
