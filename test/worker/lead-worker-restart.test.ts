/**
 * `createLeadWorker`'s handle after its connection was restarted: the BullMQ worker's `run()` fails (the fault of
 * test/fixtures/faults/end-blocking-connection.ts, applied in this test process: the blocking Redis connection of
 * the `lead-import` queue ends before it connects, once), the worker process replaces the connection's worker,
 * and the handle's `worker` and `ready` are the new one's, not the stopped one's.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, finished, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();
const FAULT = resolve(import.meta.dirname, '../fixtures/faults/end-blocking-connection.ts');

describe('createLeadWorker after its BullMQ worker failed and was replaced', () => {
  it('hands out the current worker, the one that runs and takes the rows', async () => {
    process.env.LPI_FAULT_END_BLOCKING = 'lead-import:1';
    await import(FAULT);
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix('lwrestart');
    const handle = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: 'sandbox-token', timeoutMs: 2000 },
      rateLimit: false,
      connectionRestartMinMs: 50,
    });
    try {
      const first = handle.worker;
      await eventually(async () => handle.worker !== first, {
        what: "the connection's worker to be replaced",
      });
      await handle.ready;
      await eventually(async () => handle.worker.isRunning(), { what: 'the new worker to run' });
      expect(first.isRunning()).toBe(false);

      // The rows go to the worker that runs; the one that stopped sees none of them.
      let doneByFirst = 0;
      let doneByCurrent = 0;
      first.on('completed', () => doneByFirst++);
      handle.worker.on('completed', () => doneByCurrent++);
      const ledger = new ImportLedger(redis, prefix);
      await enqueueImport(
        redis,
        prefix,
        'imp-r',
        jobsFor('imp-r', [
          { title: 'one', org: 'Acme' },
          { title: 'two', org: 'Bobco' },
        ]),
      );
      expect(await finished(ledger, 'imp-r', 30_000)).toMatchObject({ created: 2, deadLettered: 0 });
      await eventually(async () => doneByCurrent === 2, {
        what: 'both rows completed by the current worker',
      });
      expect(doneByFirst).toBe(0);
    } finally {
      await handle.close();
      delete process.env.LPI_FAULT_END_BLOCKING;
    }
  }, 60_000);
});
