import { type Queue, Worker } from 'bullmq';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { LeadEnqueuer } from '../../src/producer/enqueuer.js';
import type { LeadQueueJobData } from '../../src/queue/job-data.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { launchChromium } from '../helpers/chromium.js';
import { testRedis } from '../helpers/redis.js';
import { jobData, testOps } from '../ops/seed.js';

const redis = testRedis();
const ctx = testOps(redis);
const IMPORT = 'chunked-fair';
let dashboard: Dashboard;
let browser: Browser;
/** A BullMQ worker that holds the first chunk active (as a worker running its rows would) until released. */
let holder: Worker;
let release!: () => void;
const held = new Promise<void>((resolve) => {
  release = resolve;
});
const blocking = redis.duplicate({ maxRetriesPerRequest: null });

beforeAll(async () => {
  // 25 rows, 10 per job: chunks c0 (turns 1-10), c1 (11-20), c2 (21-25), enqueued by the producer's enqueuer.
  await ctx.ledger.createImport({
    importId: IMPORT,
    rowsPerJob: 10,
    fileName: `${IMPORT}.csv`,
    fileSize: 1000,
    fileHash: 'f'.repeat(64),
    mapping: null,
    header: ['Name', 'Email', 'Company'],
    createdAt: Date.now(),
  });
  const enqueuer = new LeadEnqueuer({
    queue: ctx.leadQueue as unknown as Queue<LeadQueueJobData>,
    ledger: ctx.ledger,
    importId: IMPORT,
    rowsPerJob: 10,
    metrics: new MetricsRecorder(redis, ctx.prefix, 0).connection('default'),
  });
  for (let i = 0; i < 25; i++) {
    await enqueuer.add({
      ...jobData(IMPORT, i + 2, [`P ${i}`, `p${i}@example.com`, `C ${i % 3}`]),
      turn: i + 1,
    });
  }
  await enqueuer.finish();
  await ctx.ledger.setCounters(IMPORT, { rows: 25 });
  await ctx.ledger.setState(IMPORT, 'enqueued');
  let taken!: () => void;
  const active = new Promise<void>((resolve) => {
    taken = resolve;
  });
  holder = new Worker<LeadQueueJobData>(
    LEAD_QUEUE,
    async () => {
      taken();
      await held;
    },
    { connection: blocking, prefix: ctx.prefix, concurrency: 1 },
  );
  await active;
  dashboard = await startDashboard({
    redis,
    prefix: ctx.prefix,
    limits: { burstPer2s: 40, dailyTokens: 60_000 },
    port: 0,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  release();
  await browser?.close();
  await dashboard?.close();
  await holder?.close(true);
  blocking.disconnect();
  await ctx.close();
});

describe('the imports page with several rows per job', () => {
  it('counts queued and in-flight rows, not jobs, and says that bull-board counts jobs', async () => {
    expect(await ctx.leadQueue.getJobCounts('active', 'prioritized')).toEqual({ active: 1, prioritized: 2 });
    const page = await browser.newPage({ viewport: { width: 1360, height: 760 } });
    await page.goto(`${dashboard.url}/`);
    const tile = (name: string) => page.locator(`[data-tile="${name}"]`).textContent();
    // c0 in flight (10 rows), c1 and c2 waiting (15 rows): jobs would read 2 and 1.
    expect(await tile('queued')).toBe('15');
    expect(await tile('active')).toBe('10');
    expect(await page.locator('[data-field="connectionState"]').textContent()).toContain(
      '15 queued, 10 in flight',
    );
    expect(await page.locator('#jobs-note').isVisible()).toBe(true);
    expect(await page.locator('#jobs-note').textContent()).toContain('hold up to 10 rows each');

    // Four rows of the active chunk are created: the page follows by itself, by rows.
    for (const line of [2, 3, 4, 5]) {
      await ctx.ledger.recordCreated(
        IMPORT,
        line,
        { leadId: `L${line}`, personId: line },
        { tokensUsed: 10 },
      );
    }
    await page.waitForFunction(
      () => document.querySelector('[data-tile="active"]')?.textContent === '6',
      undefined,
      { timeout: 10_000 },
    );
    expect(await tile('queued')).toBe('15');
    const body = await (await fetch(`${dashboard.url}/api/imports`)).json();
    expect(body.rows).toEqual({ queued: 15, active: 6 });
    // BullMQ's own counts stay as they are: jobs.
    expect(body.queues.lead).toMatchObject({ active: 1, prioritized: 2 });
    await page.close();
  });
});
