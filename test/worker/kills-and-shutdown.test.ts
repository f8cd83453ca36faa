import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import {
  enqueueImport,
  FAST_WORKER_FLAGS,
  jobsFor,
  killWorkersThenFinish,
  sharedContactRows,
  spawnWorker,
  testSandbox,
  workerEnv,
} from './helpers.js';

const redis = testRedis();

describe('worker processes that die or are stopped', () => {
  // With several rows per job (LEAD_IMPORTER_ROWS_PER_JOB), a kill lands mid-chunk: BullMQ gives the stalled chunk
  // to the next worker, which redoes only its unfinished rows, from their own checkpoints.
  it.each([
    { rowsPerJob: 1, seed: 7 },
    { rowsPerJob: 10, seed: 11 },
  ])(
    'loses and doubles nothing when a worker is SIGKILLed mid-request again and again ($rowsPerJob row(s) per job)',
    async ({ rowsPerJob, seed }) => {
      // Latency makes a kill likely to land while a create is on the wire.
      const sandbox = await testSandbox({
        limits: false,
        latencyMs: 15,
        latencyJitterMs: 30,
        searchLagMs: 300,
      });
      const prefix = uniquePrefix();
      const ledger = new ImportLedger(redis, prefix);
      await enqueueImport(redis, prefix, 'imp-kill', jobsFor('imp-kill', sharedContactRows(120, 8, 30)), {
        rowsPerJob,
      });
      // Jobs BullMQ was given (its `id` key counts every add): one per chunk.
      expect(Number(await redis.get(`${prefix}:${LEAD_QUEUE}:id`))).toBe(120 / rowsPerJob);
      const env = workerEnv(testRedisUrl(), prefix, sandbox.url, {
        LEAD_IMPORTER_ROWS_PER_JOB: String(rowsPerJob),
      });
      const flags = [...FAST_WORKER_FLAGS, '--concurrency', '8', '--no-rate-limit'];

      // A seeded sequence of kill moments, each after a few more leads were created.
      const record = await killWorkersThenFinish({ sandbox, ledger, importId: 'imp-kill', env, flags, seed });

      expect(record).toMatchObject({ rows: 120, created: 120, deadLettered: 0, pending: 0 });
      expect(sandbox.state()).toMatchObject({
        leads: 120,
        persons: 30,
        organizations: 8,
        duplicatePersons: 0,
        duplicateOrganizations: 0,
        duplicateLeads: 0,
      });
    },
    150_000,
  );

  it('finishes in-flight rows and exits 0 on SIGTERM, leaving the rest queued', async () => {
    const sandbox = await testSandbox({ limits: false, latencyMs: 150 });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(redis, prefix, 'imp-term', jobsFor('imp-term', sharedContactRows(200, 5, 5)));
    const worker = spawnWorker(workerEnv(testRedisUrl(), prefix, sandbox.url), [
      ...FAST_WORKER_FLAGS,
      '--concurrency',
      '4',
      '--no-rate-limit',
    ]);
    await worker.waitForLine(/Created lead/);

    expect(await worker.stop('SIGTERM')).toBe(0);

    expect(worker.lines.some((l) => l.includes('SIGTERM received'))).toBe(true);
    const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    try {
      // Lead jobs wait with a priority (turns between imports): in BullMQ's prioritized set.
      const counts = await queue.getJobCounts('active', 'wait', 'prioritized', 'failed');
      expect(counts).toMatchObject({ active: 0, failed: 0 });
      const record = await ledger.getImport('imp-term');
      expect(record!.created).toBe(sandbox.state().leads);
      // Its log lines, buffered, all reached stdout before it exited: one per row created, then the last.
      expect(worker.lines.filter((l) => l.includes('"msg":"Created lead')).length).toBe(record!.created);
      expect(worker.lines.some((l) => l.includes('"msg":"Worker stopped"'))).toBe(true);
      expect(record!.pending).toBe(counts.wait! + counts.prioritized!);
      expect(record!.pending).toBeGreaterThan(0);
      // The worker said goodbye to /healthz.
      expect(await redis.zcard(`${prefix}:workers`)).toBe(0);
    } finally {
      await queue.close();
    }
  }, 60_000);
});
