import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { launchChromium } from '../helpers/chromium.js';
import { testRedis } from '../helpers/redis.js';
import { seedImport, testOps } from '../ops/seed.js';

/** The imports page when its last imports go (aged out, deleted) while it is open. */
const redis = testRedis();
const ctx = testOps(redis);
let dashboard: Dashboard;
let browser: Browser;

const created = (line: number) => ({
  line,
  cells: [`Person ${line}`, `p${line}@example.com`, 'Acme'],
  outcome: 'created' as const,
  leadId: `L${line}`,
  personId: line,
  organizationId: 7,
  personCreated: true,
  organizationCreated: line === 2,
});

/** What removes an import from the list: its record and its place in the index. */
async function forget(importId: string): Promise<void> {
  await redis.zrem(ctx.keys.imports, importId);
  await redis.del(ctx.keys.import(importId));
}

beforeAll(async () => {
  await seedImport(ctx, 'spring-fair', [created(2), created(3)]);
  await seedImport(ctx, 'autumn-fair', [created(2)]);
  dashboard = await startDashboard({
    redis,
    prefix: ctx.prefix,
    limits: { burstPer2s: 40, dailyTokens: 60_000 },
    port: 0,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await ctx.close();
});

describe('the imports page as imports go', () => {
  it('drops a gone import, and shows the "No imports yet" row once the last one goes, without a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(`${dashboard.url}/`);
      const rows = page.locator('#imports tbody tr[data-import]');
      expect(await rows.count()).toBe(2);
      expect(await page.locator('#imports tbody .empty').count()).toBe(0);

      await forget('autumn-fair');
      await page.waitForFunction(
        () => document.querySelectorAll('#imports tbody tr[data-import]').length === 1,
        undefined,
        { timeout: 10_000 },
      );
      expect(await rows.first().getAttribute('data-import')).toBe('spring-fair');

      await forget('spring-fair');
      // Before the fix the script skipped drawing an empty list, and spring-fair's row stayed for good.
      await page.waitForFunction(
        () => document.querySelectorAll('#imports tbody tr[data-import]').length === 0,
        undefined,
        { timeout: 10_000 },
      );
      expect(await page.locator('#imports tbody tr').count()).toBe(1);
      expect(await page.locator('#imports tbody .empty').textContent()).toBe(
        'No imports yet. Start one with lead-importer import FILE.',
      );
      expect(await page.locator('#imports tbody .empty code').textContent()).toBe(
        'lead-importer import FILE',
      );

      // A new import after that replaces the empty row.
      await seedImport(ctx, 'winter-fair', [created(2)]);
      await page.waitForFunction(
        () => document.querySelectorAll('#imports tbody tr[data-import]').length === 1,
        undefined,
        { timeout: 10_000 },
      );
      expect(await page.locator('#imports tbody .empty').count()).toBe(0);
      expect(await page.locator('#imports tbody tr').count()).toBe(1);
    } finally {
      await page.close();
    }
  });
});
