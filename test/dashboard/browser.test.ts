import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { createOpsContext } from '../../src/ops/ops-context.js';
import { leadQueueName } from '../../src/queue/names.js';
import { launchChromium } from '../helpers/chromium.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { enqueue, seedImport, testOps } from '../ops/seed.js';

const OUT = join(process.cwd(), 'test-output');

const redis = testRedis();
const ctx = testOps(redis);
let dashboard: Dashboard;
let browser: Browser;
/** A worker on the running import's queue (taking no job itself): with none, the page says none serves it, no ETA. */
let serving: Worker | undefined;

const cells = (i: number) => [`Person ${i}`, `p${i}@example.com`, `Company ${i % 7}`];

beforeAll(async () => {
  await mkdir(OUT, { recursive: true });
  // A finished import, and one that is running: 60 rows waiting on the queue.
  await seedImport(ctx, 'spring-fair', [
    ...Array.from({ length: 38 }, (_, i) => ({
      line: i + 2,
      cells: cells(i),
      outcome: 'created' as const,
      leadId: `L${i}`,
      personId: i,
      organizationId: 100 + (i % 7),
      personCreated: i % 3 === 0,
      organizationCreated: i < 7,
    })),
    {
      line: 40,
      cells: ['', 'nobody', ''],
      outcome: 'rejected',
      reason: 'no person name or email and no organization',
    },
  ]);
  await seedImport(ctx, 'trade-show-2026', [
    {
      line: 2,
      cells: ['Bad', 'bad@', ''],
      outcome: 'rejected',
      column: 'Email',
      reason: 'not an email address',
    },
    {
      line: 3,
      cells: cells(3),
      outcome: 'dead-lettered',
      errorClass: 'PipedriveValidationError',
      httpStatus: 400,
      message: 'Owner 41 does not exist',
    },
  ]);
  await enqueue(
    ctx,
    'trade-show-2026',
    Array.from({ length: 60 }, (_, i) => ({ line: i + 4, cells: cells(i) })),
  );
  await ctx.ledger.setCounters('trade-show-2026', { rows: 62 });
  await redis.hset(ctx.keys.import('trade-show-2026'), 'fileName', 'trade-show-2026.csv');
  await redis.zadd(ctx.keys.workers, Date.now(), 'worker-a', Date.now(), 'worker-b');
  serving = new Worker(leadQueueName('default'), null, { connection: redis, prefix: ctx.prefix });
  await serving.waitUntilReady();
  dashboard = await startDashboard({
    redis,
    prefix: ctx.prefix,
    limits: { burstPer2s: 40, dailyTokens: 60_000 },
    port: 0,
    readBudget: async () => ({ limit: 54_000, left: 41_250, resetsAt: Date.now() + 5 * 3_600_000 }),
  });
  browser = await launchChromium(['--disable-component-update', '--disable-sync']);
});

afterAll(async () => {
  await serving?.close();
  await browser?.close();
  await dashboard?.close();
  await ctx.close();
});

/** Workers finishing rows: what the page must pick up by itself. */
async function finishRows(lines: number[]) {
  for (const line of lines) {
    await ctx.leadQueue.remove(`trade-show-2026-${line}`);
    await ctx.ledger.recordCreated(
      'trade-show-2026',
      line,
      { leadId: `T${line}`, personId: 1000 + line, organizationId: 200, personCreated: line % 2 === 0 },
      {
        tokensUsed: 35,
        createdPersons: line % 2 === 0 ? 1 : 0,
        reusedPersons: line % 2 === 0 ? 0 : 1,
        reusedOrganizations: 1,
      },
    );
  }
}

describe('the dashboard in a real browser', () => {
  it('shows a running import advance without a reload, and bull-board with both queues', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 760 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().includes('Content Security Policy')) errors.push(msg.text());
    });
    // Every CSP violation, as the browser reports it: what the policies block that the pages wanted.
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { reportViolation: (v: string) => void }).reportViolation(
          `${location.pathname}: ${e.effectiveDirective} blocked ${e.blockedURI}`,
        );
      });
    });

    await page.goto(`${dashboard.url}/`);
    const row = page.locator('tr[data-import="trade-show-2026"]');
    await expect.poll(() => row.locator('.pct').textContent()).toBe('3%');
    expect(await row.locator('.badge').textContent()).toBe('running');

    await finishRows(Array.from({ length: 30 }, (_, i) => i + 4));
    // The page polls every 2 s; no reload.
    await page.waitForFunction(
      () => document.querySelector('tr[data-import="trade-show-2026"] .pct')?.textContent === '51%',
      undefined,
      { timeout: 10_000 },
    );
    const cellsText = await row.locator('td.n').allTextContents();
    // rows, created, reused contacts, rejected, dead-lettered, pending, tokens, ETA
    expect(cellsText.slice(0, 7)).toEqual(['62', '30', '45', '1', '1', '30', '1,050']);
    expect(cellsText[7]).toMatch(/s$|min$/);
    expect(await page.locator('[data-tile="workers"]').textContent()).toBe('2');
    expect(await page.locator('[data-tile="budget"]').textContent()).toBe('41,250 / 54,000');
    await page.screenshot({ path: join(OUT, 'dashboard-imports.png'), fullPage: true });

    await page.click('a[href="/imports/trade-show-2026"]');
    await expect.poll(() => page.locator('h1').textContent()).toContain('trade-show-2026.csv');
    expect(await page.locator('table').textContent()).toContain('Owner 41 does not exist');
    await page.screenshot({ path: join(OUT, 'dashboard-import-detail.png'), fullPage: true });

    // Our pages ran without a script error or a failed request (bull-board's own assets are its business).
    expect(errors).toEqual([]);
    expect(violations).toEqual([]);

    await page.goto(`${dashboard.url}/queues`);
    await page.getByText('lead-import-dlq').first().waitFor({ timeout: 15_000 });
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).toContain('lead-import');
    expect(text).toContain('lead-import-dlq');
    // A dead-lettered row's data renders under the CSP too (the job view loads more of bull-board's code).
    await page.getByText('lead-import-dlq').first().click();
    await page.getByText('WAITING', { exact: true }).first().click();
    await page.getByText('Owner 41 does not exist').first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(OUT, 'dashboard-queues.png'), fullPage: true });
    // bull-board's page asks for nothing its CSP blocks (its Google Fonts link is taken out).
    expect(violations).toEqual([]);

    await page.close();
  });

  it("shows one connection's imports under its name, and keeps doing so as the page polls, when it serves several companies", async () => {
    const lite = { burstPer2s: 20, dailyTokens: 30_000 };
    const many = createOpsContext({
      redis,
      prefix: uniquePrefix('browserconn'),
      limits: lite,
      connectionLimits: new Map([
        ['acme', lite],
        ['globex', lite],
      ]),
    });
    await seedImport(many, 'acme-leads', [{ line: 2, cells: cells(2), outcome: 'pending' }], {
      connection: 'acme',
    });
    await seedImport(many, 'globex-leads', [{ line: 2, cells: cells(2), outcome: 'pending' }], {
      connection: 'globex',
    });
    const board = await startDashboard({
      redis,
      prefix: many.prefix,
      limits: lite,
      connectionLimits: new Map([
        ['acme', lite],
        ['globex', lite],
      ]),
      port: 0,
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    try {
      await page.goto(`${board.url}/?connection=globex`);
      // The page names its connection in its title; its rows do not repeat it.
      expect(await page.locator('h1').textContent()).toBe('Imports into globex');
      expect(await page.locator('tr[data-import="globex-leads"]').count()).toBe(1);
      expect(await page.locator('tr[data-import="acme-leads"]').count()).toBe(0);
      // A new import into globex appears after a poll; acme's still does not.
      await seedImport(many, 'globex-more', [{ line: 2, cells: cells(3), outcome: 'pending' }], {
        connection: 'globex',
      });
      await page.locator('tr[data-import="globex-more"]').waitFor({ timeout: 10_000 });
      // The row the poll drew says its ETA as the server's page does (the poll said "0 s" for the server's "< 1 s").
      const etaPolled = await page.locator('tr[data-import="globex-more"] td').last().textContent();
      const served = await browser.newPage();
      try {
        await served.goto(`${board.url}/?connection=globex`);
        expect(etaPolled).toBe(await served.locator('tr[data-import="globex-more"] td').last().textContent());
      } finally {
        await served.close();
      }
      expect(await page.locator('tr[data-import="globex-leads"]').count()).toBe(1);
      expect(await page.locator('tr[data-import="acme-leads"]').count()).toBe(0);
      expect(await page.locator('#imports thead th').count()).toBe(
        await page.locator('tr[data-import="globex-more"] td').count(),
      );
      await page.screenshot({ path: join(OUT, 'dashboard-imports-connection.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await board.close();
      await many.close();
    }
  });
});
