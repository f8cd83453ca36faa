import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { launchChromium } from '../helpers/chromium.js';
import { testRedis } from '../helpers/redis.js';
import { seedImport, testOps } from '../ops/seed.js';

const redis = testRedis();
const ctx = testOps(redis);
let dashboard: Dashboard;
let browser: Browser;

beforeAll(async () => {
  await seedImport(ctx, 'offline-1', [
    { line: 2, cells: ['A', 'a@example.com', 'Acme'], outcome: 'pending' },
    {
      line: 3,
      cells: ['B', 'b@example.com', 'Acme'],
      outcome: 'dead-lettered',
      errorClass: 'PipedriveValidationError',
      httpStatus: 400,
      message: 'Owner 7 does not exist',
    },
  ]);
  dashboard = await startDashboard({
    redis,
    prefix: ctx.prefix,
    limits: { burstPer2s: 20, dailyTokens: 30_000 },
    port: 0,
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await ctx.close();
});

/** What a page did that an offline, CSP-clean page must not: requests to other hosts, console errors, violations. */
async function watch(page: Page) {
  const seen = { external: [] as string[], consoleErrors: [] as string[], violations: [] as string[] };
  const origin = new URL(dashboard.url).origin;
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:')) seen.external.push(url);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => seen.consoleErrors.push(err.message));
  await page.exposeFunction('reportViolation', (v: string) => seen.violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportViolation: (v: string) => void }).reportViolation(
        `${location.pathname}: ${e.effectiveDirective} blocked ${e.blockedURI}`,
      );
    });
  });
  return seen;
}

describe('bull-board in a real browser', () => {
  it('loads with no request to another host, no CSP violation and no console error', async () => {
    const page = await browser.newPage();
    const seen = await watch(page);
    try {
      await page.goto(`${dashboard.url}/queues`);
      await page.getByText('lead-import-dlq').first().waitFor({ timeout: 15_000 });
      await page.getByText('lead-import-dlq').first().click();
      await page.getByText('WAITING', { exact: true }).first().click();
      await page.getByText('Owner 7 does not exist').first().waitFor({ timeout: 15_000 });
      // A deep link, as an operator's bookmark opens it (the entry page served under another path).
      await page.goto(`${dashboard.url}/queues/queue/lead-import`);
      await page.getByText('lead-import').first().waitFor({ timeout: 15_000 });
      await page.waitForLoadState('networkidle');
      expect(seen).toEqual({ external: [], consoleErrors: [], violations: [] });
    } finally {
      await page.close();
    }
  });
});
