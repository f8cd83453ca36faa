import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { importCsv } from '../../src/producer/index.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { eventually, FAST_WORKER_FLAGS, spawnWorker, testSandbox, workerEnv } from './helpers.js';

const redis = testRedis();
const dir = mkdtempSync(join(tmpdir(), 'lpi-fairness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function leadsFile(name: string, rows: number): string {
  const path = join(dir, `${name}.csv`);
  const lines = ['Title,Organization'];
  for (let i = 1; i <= rows; i++) lines.push(`${name} deal ${i},${name} company ${i}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const BIG = 80;
const SMALL = 6;
const CONCURRENCY = 2;

describe('imports sharing a connection', () => {
  // One row per job pins the turns row by row: the big import goes on with the rows the worker held when the small
  // one arrived and those of the turns they shared. At the default, 10 rows per job, the worker also holds the rest
  // of the chunk it runs and the next one it took ahead (it takes one when its rows are down to half a chunk): up
  // to 2 × 10 rows more.
  it.each([
    { rowsPerJob: 1, held: 0 },
    { rowsPerJob: 10, held: 2 * 10 },
  ])(
    'a small import started while a big one runs is done long before the big one, its rows taking their turns ($rowsPerJob row(s) per job)',
    async ({ rowsPerJob, held }) => {
      // Growth's burst limit (and latency) holds the worker to a few rows a second, so the order matters.
      const sandbox = await testSandbox({ plan: 'growth', latencyMs: 20, latencyJitterMs: 10 });
      const prefix = uniquePrefix('fair');
      const env = workerEnv(testRedisUrl(), prefix, sandbox.url, {
        PIPEDRIVE_PLAN: 'growth',
        LEAD_IMPORTER_ROWS_PER_JOB: String(rowsPerJob),
      });
      const config = loadConfig(env);
      const ledger = new ImportLedger(redis, prefix);

      const big = await importCsv({ file: leadsFile('big', BIG), config, redis });
      expect(big.enqueued).toBe(BIG);
      const worker = spawnWorker(env, [...FAST_WORKER_FLAGS, '--concurrency', String(CONCURRENCY)]);
      try {
        await worker.waitForLine(/processing lead-import/);
        const bigAtStart = await eventually(
          async () => {
            const r = await ledger.getImport(big.importId);
            return r && r.created >= 5 ? r.created : undefined;
          },
          { what: 'the big import to be running' },
        );
        const small = await importCsv({ file: leadsFile('small', SMALL), config, redis });
        expect(small.enqueued).toBe(SMALL);
        await eventually(
          async () => {
            const r = await ledger.getImport(small.importId);
            return r?.state === 'completed' ? r : undefined;
          },
          { timeoutMs: 60_000, what: 'the small import to complete' },
        );
        const bigAtEnd = (await ledger.getImport(big.importId))!;
        // First come, first served, the small import would have waited for every row of the big one.
        expect(bigAtEnd.pending).toBeGreaterThan(0);
        // The big import went on only with the rows the worker held when the small one arrived, and
        // with those of the turns the small import's rows shared (turn k of each, the big one's first).
        const bigDuring = bigAtEnd.created - bigAtStart;
        expect(bigDuring).toBeLessThanOrEqual(held + 2 * CONCURRENCY + 2);

        // In Pipedrive, each of the small import's leads was created before the big import's later rows.
        const leads = sandbox.export().leads;
        const order = leads.map((l) => l.title);
        const lastSmall = Math.max(...order.map((t, i) => (t.startsWith('small ') ? i : -1)));
        const bigBeforeLastSmall = order.slice(0, lastSmall).filter((t) => t.startsWith('big ')).length;
        expect(bigBeforeLastSmall).toBeLessThanOrEqual(bigAtStart + held + 2 * CONCURRENCY + 2);

        // And the big import still finishes: a turn is a place in line, never a wait.
        await eventually(
          async () => {
            const r = await ledger.getImport(big.importId);
            return r?.state === 'completed' ? r : undefined;
          },
          { timeoutMs: 120_000, what: 'the big import to complete' },
        );
        expect(sandbox.state()).toMatchObject({ leads: BIG + SMALL, duplicateLeads: 0 });
      } finally {
        await worker.stop();
      }
    },
    240_000,
  );

  it("takes a new import's rows before the rest of one queued just before it, however few rows that one has served", async () => {
    // The bench:fairness case "both started together": the big import's rows are queued and it has served none of
    // them (or a few dozen) when the small one arrives. Its head start must still put all its rows first.
    const sandbox = await testSandbox({ latencyMs: 5, latencyJitterMs: 5 });
    const prefix = uniquePrefix('fair-together');
    const env = workerEnv(testRedisUrl(), prefix, sandbox.url);
    const config = loadConfig(env);
    const ledger = new ImportLedger(redis, prefix);
    const big = await importCsv({ file: leadsFile('big', 30), config, redis });
    const small = await importCsv({ file: leadsFile('small', 12), config, redis });
    // One row at a time: the order the worker takes them is the order Pipedrive gets the leads.
    const worker = spawnWorker(env, [...FAST_WORKER_FLAGS, '--concurrency', '1']);
    try {
      for (const id of [small.importId, big.importId]) {
        await eventually(
          async () => {
            const r = await ledger.getImport(id);
            return r?.state === 'completed' ? r : undefined;
          },
          { timeoutMs: 60_000, what: `import ${id} to complete` },
        );
      }
      const titles = sandbox.export().leads.map((l) => l.title);
      expect(titles.slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => `small deal ${i + 1}`));
      expect(titles.slice(12)).toEqual(Array.from({ length: 30 }, (_, i) => `big deal ${i + 1}`));
      expect(sandbox.state()).toMatchObject({ leads: 42, duplicateLeads: 0 });
    } finally {
      await worker.stop();
    }
  }, 120_000);
});
