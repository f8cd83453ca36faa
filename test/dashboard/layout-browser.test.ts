import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { createOpsContext } from '../../src/ops/ops-context.js';
import { launchChromium } from '../helpers/chromium.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { seedImport } from '../ops/seed.js';
import { seedTwoCompanies } from './two-companies.js';

/**
 * How the imports page lays out in a real browser: the charts as drawn, a phone's width, and the longest import
 * id `--import-id` allows.
 */
const redis = testRedis();
const acmeLimits = { burstPer2s: 40, dailyTokens: 20_000 };
const connectionLimits = new Map([
  ['acme', acmeLimits],
  ['globex', { burstPer2s: 100, dailyTokens: 100_000 }],
]);
const ctx = createOpsContext({
  redis,
  prefix: uniquePrefix('layoutweb'),
  limits: acmeLimits,
  connectionLimits,
});
/** 64 characters with no hyphen or space: nowhere a browser would break it on its own. */
const LONG_ID = `tradeshow2026${'x'.repeat(51)}`;
/** An import of 50 million rows (its counters set on the record, not made row by row). */
const HUGE_ID = 'crm-migration';
/** A worker's words for a rejected token (blockReason): long, with the connections file's path in it. */
const BLOCKED_REASON =
  'Pipedrive rejected the API token of connection "globex" (401). Fix the token that its entry in /etc/lead-importer/connections.yaml names, then send the workers SIGHUP (or restart them); processing resumes by itself.';
let dashboard: Dashboard;
let browser: Browser;

beforeAll(async () => {
  await seedTwoCompanies(redis, ctx, Date.now());
  // Its file name is the id and `.csv`: as long, and as unbreakable.
  await seedImport(ctx, LONG_ID, [{ line: 2, cells: ['A', 'a@x.example', 'X'], outcome: 'pending' }], {
    connection: 'acme',
  });
  await seedImport(ctx, HUGE_ID, [{ line: 2, cells: ['A', 'a@y.example', 'Y'], outcome: 'pending' }], {
    connection: 'acme',
  });
  await ctx.ledger.setCounters(HUGE_ID, {
    rows: 50_000_000,
    enqueued: 49_876_544,
    rejected: 123_456,
    created: 23_456_789,
    deadLettered: 1_234_567,
    reusedPersons: 12_345_678,
    reusedOrganizations: 9_876_543,
    tokensUsed: 987_654_321,
  });
  await redis.hset(ctx.keys.connectionControl('globex'), 'blockedReason', BLOCKED_REASON);
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

describe('the imports page’s layout in a real browser', () => {
  it('draws each finished minute of leads per minute as a bar of its own height', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(`${dashboard.url}/`);
      // acme created 10 leads a minute for 20 minutes: the finished ones are full-height bars on a 10/min scale.
      const heights = await page
        .locator('article[data-connection="acme"] svg.leads rect')
        .evaluateAll((rects) =>
          rects.slice(0, -1).map((r) => ({
            attribute: Number(r.getAttribute('height')),
            drawn: (r as SVGRectElement).getBBox().height,
          })),
        );
      expect(heights.length).toBe(19);
      for (const h of heights) {
        // The progress bar's `.bar{height:8px}` once reached these rects: every minute an 8-px block.
        expect(h.attribute).toBeGreaterThan(50);
        expect(h.drawn).toBeCloseTo(h.attribute, 1);
      }
    } finally {
      await page.close();
    }
  });

  it('fits a phone’s width (390 px): nothing wider than the window, the imports table scrolling in its card', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await page.goto(`${dashboard.url}/`);
      // The connections' cards were at least 600 px wide: the page was 624 px, the cards cut off.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const card = await page.locator('article[data-connection="acme"]').boundingBox();
      expect((card?.x ?? 0) + (card?.width ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(390);
    } finally {
      await page.close();
    }
  });

  it('fits the charts of a card one above the other at a phone’s width, their labels as large as on a desktop', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await page.goto(`${dashboard.url}/`);
      const figures = await page
        .locator('article[data-connection="acme"] .charts figure')
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
      expect(figures).toHaveLength(2);
      // Side by side, each chart was 150 px wide for a 320-unit drawing: its 10-px labels drawn 5 px high.
      expect(figures[1]!.top).toBeGreaterThanOrEqual(figures[0]!.bottom);
      const labelHeights = await page
        .locator('article[data-connection="acme"] svg.chart text')
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
      expect(Math.min(...labelHeights)).toBeGreaterThanOrEqual(10);
    } finally {
      await page.close();
    }
  });

  it('shows every column at 1,280 px beside an import of 50 million rows and a blocked connection’s reason', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(`${dashboard.url}/`);
      expect(await page.locator(`tr[data-import="${HUGE_ID}"] td.n`).first().textContent()).toBe(
        '50,000,000',
      );
      const fits = await page.locator('#imports').evaluate((table) => {
        const card = table.parentElement as HTMLElement;
        const eta = table.querySelector('thead th:last-child') as HTMLElement;
        return {
          table: table.scrollWidth,
          card: card.clientWidth,
          etaRight: eta.getBoundingClientRect().right,
          cardRight: card.getBoundingClientRect().right,
        };
      });
      // The headings did not wrap ("REUSED CONTACTS" 155 px wide): the ETA column was cut off at the card's edge.
      expect(fits.table, JSON.stringify(fits)).toBeLessThanOrEqual(fits.card);
      expect(fits.etaRight, JSON.stringify(fits)).toBeLessThanOrEqual(fits.cardRight + 0.5);
    } finally {
      await page.close();
    }
  });

  it('shows every column of the imports table at 1,280 px with a 64-character import id', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(`${dashboard.url}/`);
      const measure = () =>
        page.locator('#imports').evaluate((table) => {
          const card = table.parentElement as HTMLElement;
          const eta = table.querySelector('thead th:last-child') as HTMLElement;
          return {
            table: table.scrollWidth,
            card: card.clientWidth,
            etaRight: eta.getBoundingClientRect().right,
            cardRight: card.getBoundingClientRect().right,
          };
        });
      expect(await page.locator('#imports thead th').count()).toBe(11);
      expect(await page.locator(`tr[data-import="${LONG_ID}"]`).count()).toBe(1);
      // The id and file name, unbroken, set the File column's width: the ETA was out of sight.
      const first = await measure();
      expect(first.table, JSON.stringify(first)).toBeLessThanOrEqual(first.card);
      expect(first.etaRight, JSON.stringify(first)).toBeLessThanOrEqual(first.cardRight + 0.5);
      // The same once the page's own script has redrawn the rows.
      const updated = await page.locator('#updated').textContent();
      await page.waitForFunction((t) => document.getElementById('updated')?.textContent !== t, updated, {
        timeout: 10_000,
      });
      const after = await measure();
      expect(after.table, JSON.stringify(after)).toBeLessThanOrEqual(after.card);
    } finally {
      await page.close();
    }
  });
});
