import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { OVERVIEW_SCAN_WINDOW } from '../../src/dashboard/overview.js';
import { testRedis } from '../helpers/redis.js';
import { testOps } from '../ops/seed.js';

const redis = testRedis();
const limits = { burstPer2s: 20, dailyTokens: 30_000 };

describe('imports page with more imports than it looks through per poll', () => {
  const ctx = testOps(redis);
  const prefix = ctx.prefix;
  let dashboard: Dashboard;
  const OTHERS = ['other-1', 'other-2', 'other-3'];
  beforeAll(async () => {
    // Three imports of `other`, then more of `default` than a filtered poll reads: `other`'s are all older.
    const pipeline = redis.pipeline();
    const record = (importId: string, connection: string, createdAt: number) => {
      pipeline.hset(ctx.keys.import(importId), {
        importId,
        connection,
        fileName: `${importId}.csv`,
        header: '["Title"]',
        mapping: 'null',
        createdAt,
        updatedAt: createdAt,
        state: 'completed',
        rows: 3,
        enqueued: 3,
        created: 2,
        deadLettered: 1,
      });
      pipeline.zadd(ctx.keys.imports, createdAt, importId);
    };
    for (const [i, id] of OTHERS.entries()) record(id, 'other', 1_000 + i);
    for (let i = 0; i < OVERVIEW_SCAN_WINDOW + 5; i++) record(`def-${i}`, 'default', 10_000 + i);
    await pipeline.exec();
    dashboard = await startDashboard({
      redis,
      prefix,
      limits,
      connectionLimits: new Map([
        ['default', limits],
        ['other', limits],
      ]),
      port: 0,
    });
  });
  afterAll(async () => {
    await dashboard.close();
    await ctx.close();
  });

  const get = async (path: string) => {
    const res = await fetch(dashboard.url + path);
    expect(res.status).toBe(200);
    return res;
  };

  it("says where a connection's older imports are, and shows them there", async () => {
    const first = (await (await get('/api/imports?connection=other')).json()) as {
      imports: unknown[];
      olderFrom: number | null;
    };
    expect(first.imports).toEqual([]);
    expect(first.olderFrom).toBe(OVERVIEW_SCAN_WINDOW);
    const page = await (await get('/?connection=other')).text();
    expect(page).toContain(`href="/?connection=other&amp;from=${OVERVIEW_SCAN_WINDOW}">show older</a>`);

    const older = (await (await get(`/api/imports?connection=other&from=${first.olderFrom}`)).json()) as {
      imports: { importId: string; connection: string; created: number }[];
      olderFrom: number | null;
    };
    expect(older.imports.map((s) => s.importId)).toEqual([...OTHERS].reverse());
    expect(older.imports.every((s) => s.connection === 'other' && s.created === 2)).toBe(true);
    expect(older.olderFrom).toBeNull();
  });

  it('lists the newest imports unfiltered, and counts every import in /metrics', async () => {
    const all = (await (await get('/api/imports')).json()) as { imports: { importId: string }[] };
    expect(all.imports[0]?.importId).toBe(`def-${OVERVIEW_SCAN_WINDOW + 4}`);
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain('lead_importer_import_rows{connection="other",outcome="created"} 6');
    expect(metrics).toContain(
      `lead_importer_import_rows{connection="default",outcome="created"} ${2 * (OVERVIEW_SCAN_WINDOW + 5)}`,
    );
  });
});
