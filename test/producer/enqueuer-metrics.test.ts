/**
 * The producer counts rejected rows through the connection's counters (the metrics recorder's handle, the one
 * writer of the `outcome|rejected` field), once per row and flushed with each batch.
 */
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { ConnectionMetrics, OutcomeKind } from '../../src/metrics/recorder.js';
import { LeadEnqueuer } from '../../src/producer/enqueuer.js';
import type { LeadQueueJobData } from '../../src/queue/job-data.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { leadQueueName, queuePrefix } from '../../src/queue/names.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { jobsFor } from '../worker/helpers.js';

const redis = testRedis();

/** Counters that remember what was recorded and when it was flushed. */
function countingMetrics() {
  const events: string[] = [];
  const metrics: ConnectionMetrics = {
    recordCall: () => {},
    recordRateLimited: () => {},
    recordOutcome: (kind: OutcomeKind, count = 1) => void events.push(`${kind} ${count}`),
    flush: async () => void events.push('flush'),
  };
  return { metrics, events };
}

describe('LeadEnqueuer and the rejected-rows counter', () => {
  it('records each batch’s newly rejected rows and flushes them with the batch; a re-run records none', async () => {
    const prefix = uniquePrefix('enqmetrics');
    const ledger = new ImportLedger(redis, prefix);
    await ledger.createImport({
      importId: 'imp-1',
      fileName: 'leads.csv',
      fileSize: 0,
      fileHash: 'h',
      mapping: null,
      header: ['Title'],
      createdAt: Date.now(),
    });
    const queue = new Queue<LeadQueueJobData>(leadQueueName('default'), {
      connection: redis,
      prefix: queuePrefix(prefix, 'default', false),
    });
    const jobs = jobsFor('imp-1', [{ title: 'ok' }, { title: 'ok too' }]);
    const run = async () => {
      const { metrics, events } = countingMetrics();
      const enqueuer = new LeadEnqueuer({
        queue,
        ledger,
        importId: 'imp-1',
        metrics,
        batchSize: 2,
        maxInFlight: 1,
      });
      // Batches of two rows: [reject 10, reject 11], [reject 12, job 2], [job 3].
      await enqueuer.reject(10, { reason: 'no title' }, ['']);
      await enqueuer.reject(11, { reason: 'no title' }, ['']);
      await enqueuer.reject(12, { reason: 'no title' }, ['']);
      await enqueuer.add(jobs[0]!);
      await enqueuer.add(jobs[1]!);
      const counts = await enqueuer.finish();
      return { events, counts };
    };
    try {
      const first = await run();
      expect(first.events).toEqual(['rejected 2', 'flush', 'rejected 1', 'flush']);
      expect(first.counts).toMatchObject({ rejected: 3, enqueued: 2 });
      const again = await run();
      expect(again.events).toEqual([]);
      expect(again.counts).toMatchObject({ rejected: 3, enqueued: 0, alreadyImported: 2 });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
