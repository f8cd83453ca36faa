import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { jobIdFor } from '../../src/queue/names.js';
import { launchChromium } from '../helpers/chromium.js';
import { testRedis } from '../helpers/redis.js';
import { seedImport, testOps } from '../ops/seed.js';

/** An import's page offers Cancel only while something is left to cancel, and drops it when the import finishes. */
const OUT = join(process.cwd(), 'test-output');
const AUTH = { user: 'ops', password: 'correct horse battery staple' };
const redis = testRedis();
const ctx = testOps(redis);
let dashboard: Dashboard;
let browser: Browser;

beforeAll(async () => {
  await mkdir(OUT, { recursive: true });
  await seedImport(ctx, 'autumn-fair', [
    {
      line: 2,
      cells: ['Ada', 'ada@example.com', 'Acme'],
      outcome: 'created',
      leadId: 'L2',
      personId: 1,
      personCreated: true,
    },
    { line: 3, cells: ['Grace', 'grace@example.com', 'Navy'], outcome: 'pending' },
  ]);
  dashboard = await startDashboard({
    redis,
    prefix: ctx.prefix,
    limits: { burstPer2s: 40, dailyTokens: 60_000 },
    port: 0,
    auth: AUTH,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await ctx.close();
});

describe('the import page’s actions', () => {
  it('drops Cancel once the import finishes while the page is open', async () => {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 800 },
      httpCredentials: { username: AUTH.user, password: AUTH.password },
    });
    try {
      await page.goto(`${dashboard.url}/imports/autumn-fair`);
      const cancel = page.locator('button[data-role="cancel"]');
      expect(await cancel.count()).toBe(1);
      // No dead-lettered rows: nothing to retry.
      expect(await page.locator('button[data-role="retry"]').count()).toBe(0);

      // Its last row finishes, as a worker leaves it: job gone, row created.
      await ctx.leadQueueOf('default').remove(jobIdFor('autumn-fair', 3));
      await ctx.ledger.recordCreated('autumn-fair', 3, { leadId: 'L3', personId: 2, personCreated: true });
      await page.waitForFunction(
        () => document.querySelector('[data-field="state"]')?.textContent === 'completed',
        undefined,
        { timeout: 10_000 },
      );
      expect(await cancel.count()).toBe(0);
      await page.screenshot({ path: join(OUT, 'import-finished-actions.png'), fullPage: true });

      // A reload serves it without the button.
      await page.reload();
      expect(await page.locator('[data-field="state"]').textContent()).toBe('completed');
      expect(await cancel.count()).toBe(0);
      expect(await page.locator('.actions').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
