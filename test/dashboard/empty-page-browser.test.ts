import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { pauseAll, resumeAll } from '../../src/ops/control.js';
import { launchChromium } from '../helpers/chromium.js';
import { testRedis } from '../helpers/redis.js';
import { testOps } from '../ops/seed.js';

/** The imports page before the first import: it still says what holds the queues, and when it last looked. */
const redis = testRedis();
const ctx = testOps(redis);
let dashboard: Dashboard;
let browser: Browser;

beforeAll(async () => {
  dashboard = await startDashboard({
    redis,
    prefix: ctx.prefix,
    limits: { burstPer2s: 40, dailyTokens: 60_000 },
    port: 0,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await resumeAll(ctx);
  await browser?.close();
  await dashboard?.close();
  await ctx.close();
});

describe('the imports page with no imports', () => {
  it('shows a pause made after it loaded, and a worker coming online, without a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(`${dashboard.url}/`);
      expect(await page.locator('#imports tbody .empty').count()).toBe(1);
      expect(await page.locator('#notice').isHidden()).toBe(true);
      expect(await page.locator('[data-tile="workers"]').textContent()).toBe('0');
      await pauseAll(ctx);
      await redis.zadd(ctx.keys.workers, Date.now(), 'worker-a');
      // The page's script returned before the notice and the tiles while the list was empty.
      await page.waitForFunction(() => !document.getElementById('notice')?.hidden, undefined, {
        timeout: 10_000,
      });
      expect(await page.locator('#notice').textContent()).toMatch(/^Paused/);
      expect(await page.locator('[data-tile="workers"]').textContent()).toBe('1');
      // The empty list still says how to start an import.
      expect(await page.locator('#imports tbody .empty').count()).toBe(1);
    } finally {
      await page.close();
    }
  });
});
