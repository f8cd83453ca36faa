import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { saveVerification } from '../../src/ops/verify.js';
import { testRedis } from '../helpers/redis.js';
import { seedImport, testOps } from '../ops/seed.js';

const redis = testRedis();
const ctx = testOps(redis);
const limits = { burstPer2s: 20, dailyTokens: 30_000 };
let dashboard: Dashboard;

beforeAll(async () => {
  for (const id of ['unverified', 'verified', 'hostile']) {
    await seedImport(ctx, id, [
      { line: 2, cells: ['A', 'a@example.com', 'Acme'], outcome: 'created', leadId: 'L2' },
    ]);
  }
  await saveVerification(ctx, 'verified', {
    at: Date.parse('2026-11-30T09:15:00Z'),
    strategy: 'since',
    leadsChecked: 1500,
    missing: 2,
    unrecorded: 0,
    duplicates: 1,
    duplicateNotes: 0,
    repaired: 0,
    tokensUsed: 84,
    complete: true,
  });
  // What a field edited by hand in Redis may hold: markup where numbers and names belong.
  await redis.hset(
    ctx.keys.import('hostile'),
    'verification',
    JSON.stringify({
      at: '<img src=x onerror=alert(1)>',
      strategy: '<script>alert(2)</script>',
      leadsChecked: '<svg onload=alert(3)>',
      missing: 1,
      complete: 'yes',
    }),
  );
  dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0 });
});

afterAll(async () => {
  await dashboard.close();
  await ctx.close();
});

const page = async (id: string) => (await fetch(`${dashboard.url}/imports/${id}`)).text();

describe('the import page shows the last verification', () => {
  it('says how to verify an import that never was', async () => {
    expect(await page('unverified')).toContain(
      'Not verified yet. Compare it with what Pipedrive holds: <code>lead-importer verify unverified</code>',
    );
  });

  it('shows what the last verification found, when and how, with the problems marked', async () => {
    const html = await page('verified');
    expect(html).toContain('<dt>Leads checked</dt><dd>1,500</dd>');
    expect(html).toContain('<dt>Missing</dt><dd class="bad">2</dd>');
    expect(html).toContain('<dt>Unrecorded</dt><dd>0</dd>');
    expect(html).toContain('<dt>Duplicate leads</dt><dd class="bad">1</dd>');
    expect(html).toContain('<dt>Tokens spent</dt><dd>84</dd>');
    expect(html).toContain('Verified 2026-11-30 09:15 UTC by since');
    expect(html).toContain('Found 3: see `lead-importer verify verified --repair`.');
  });

  it('prints nothing of a hand-edited verification as markup: what is not a number shows as 0', async () => {
    const html = await page('hostile');
    expect(html.match(/<script/g)).toHaveLength(1); // the page's own, with the nonce
    expect(html).not.toMatch(/<img|<svg|alert\([123]\)/);
    expect(html).toContain('<dt>Leads checked</dt><dd>0</dd>');
    expect(html).toContain('<dt>Missing</dt><dd class="bad">1</dd>');
    expect(html).toContain('(not every kind of lead was looked for)');
  });
});
