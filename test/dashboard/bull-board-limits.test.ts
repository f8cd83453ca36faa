import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { testRedis } from '../helpers/redis.js';
import { enqueue, seedImport, testOps } from '../ops/seed.js';

const redis = testRedis();
const ctx = testOps(redis);
const limits = { burstPer2s: 20, dailyTokens: 30_000 };
let dashboard: Dashboard;

interface BoardQueue {
  name: string;
  jobs: unknown[];
  pagination: { pageCount: number; range: { start: number; end: number } };
}

beforeAll(async () => {
  await seedImport(ctx, 'many-rows', []);
  await enqueue(
    ctx,
    'many-rows',
    Array.from({ length: 120 }, (_, i) => ({ line: i + 2, cells: [`P${i}`, `p${i}@example.com`, 'Acme'] })),
  );
  dashboard = await startDashboard({ redis, prefix: ctx.prefix, limits, port: 0 });
});
afterAll(async () => {
  await dashboard?.close();
  await ctx.close();
});

const board = async (query: string, base = '/queues') => {
  const res = await fetch(`${dashboard.url}${base}/api/queues?${query}`);
  return { status: res.status, body: (await res.json()) as { queues: BoardQueue[] } };
};
const leadQueue = (body: { queues: BoardQueue[] }) => body.queues.find((q) => q.name === 'lead-import')!;

describe("bull-board's page size", () => {
  it('is held to its own UI maximum (50), however many jobs a request asks for', async () => {
    for (const query of [
      'activeQueue=lead-import&status=prioritized&page=1&jobsPerPage=100000',
      'activeQueue=lead-import&status=latest&jobsPerPage=999999999',
      'activeQueue=lead-import&jobsPerPage=51',
    ]) {
      const { status, body } = await board(query);
      expect(status, query).toBe(200);
      const queue = leadQueue(body);
      expect(queue.jobs.length, query).toBeLessThanOrEqual(50);
      expect(queue.pagination.range.end - queue.pagination.range.start + 1, query).toBe(50);
    }
    // Express routes any case of the path to bull-board: the bound holds there too.
    const upper = await board('activeQueue=lead-import&status=prioritized&jobsPerPage=100000', '/QUEUES');
    expect(leadQueue(upper.body).jobs).toHaveLength(50);
  });

  it('cannot be asked for past the 1,000 query parameters Express reads', async () => {
    // Express parses the first 1,000 parameters only: with 999 before it, the first jobsPerPage is the last one it
    // keeps, and the second one (past the limit) made the bound take the query for a repeated name and leave it alone.
    const filler = Array.from({ length: 997 }, (_, i) => `x${i}=`).join('&');
    const res = await fetch(
      `${dashboard.url}/queues/api/queues?activeQueue=lead-import&status=prioritized&${filler}&jobsPerPage=100000&jobsPerPage=1`,
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { queues?: BoardQueue[] };
    expect(body.queues).toBeUndefined();
  });

  it('leaves a page size that is not one whole number to bull-board, which refuses it', async () => {
    for (const query of ['jobsPerPage=10&jobsPerPage=100000', 'jobsPerPage=0', 'jobsPerPage=abc']) {
      expect((await board(`activeQueue=lead-import&${query}`)).status, query).toBe(400);
    }
  });

  it('pages through every job at the capped size, and keeps what the UI asks for as it is', async () => {
    const asked = await board('activeQueue=lead-import&status=prioritized&page=3&jobsPerPage=10');
    expect(leadQueue(asked.body).jobs).toHaveLength(10);
    const last = await board('activeQueue=lead-import&status=prioritized&page=3&jobsPerPage=5000');
    expect(leadQueue(last.body).pagination.pageCount).toBe(3);
    expect(leadQueue(last.body).jobs).toHaveLength(20);
  });

  it('answers a page number far past the end with no jobs, not an error', async () => {
    for (const page of ['1000000', '9007199254740993', '1e300']) {
      const { status, body } = await board(
        `activeQueue=lead-import&status=prioritized&jobsPerPage=50&page=${page}`,
      );
      expect(status, page).toBe(200);
      expect(leadQueue(body).jobs, page).toEqual([]);
    }
  });
});
