import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { leadQueueName } from '../../src/queue/names.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { LeadWorkerProcess, type WorkerConnection } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, finished, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

const connection = (name: string, sandbox: RunningSandbox, token = sandbox.apiToken): WorkerConnection => ({
  name,
  pipedrive: { baseUrl: sandbox.url, apiToken: token, timeoutMs: 2000 },
});

const rows = (tag: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ title: `${tag} ${i}`, org: `${tag} org ${i % 3}` }));

describe('a worker process whose connections change while it runs', () => {
  it('starts new connections, restarts one whose credentials changed, drains a removed one, and leaves the others alone', async () => {
    const [x, y] = await Promise.all([
      testSandbox({ limits: false, companyId: 11, apiToken: 'x-1' }),
      testSandbox({ limits: false, companyId: 12, apiToken: 'y-1' }),
    ]);
    const prefix = uniquePrefix('reload');
    const ledger = new ImportLedger(redis, prefix);
    const worker = new LeadWorkerProcess({
      redisUrl: testRedisUrl(),
      prefix,
      rateLimit: false,
      concurrency: 4,
      controlPollMs: 100,
      authProbeIntervalMs: 200,
      retry: { callRetries: 1, callRetryMinMs: 5, callRetryMaxMs: 20 },
    });
    const xQueue = new Queue(leadQueueName('x'), { connection: redis, prefix });
    try {
      await worker.serve(connection('x', x)).ready;
      await enqueueImport(redis, prefix, 'imp-x1', jobsFor('imp-x1', rows('x', 10)), { connection: 'x' });
      await enqueueImport(redis, prefix, 'imp-y1', jobsFor('imp-y1', rows('y', 10)), { connection: 'y' });
      expect(await finished(ledger, 'imp-x1', 30_000)).toMatchObject({ created: 10 });

      // Same x, a new y: only y starts.
      const xBefore = worker.connections.get('x');
      expect(await worker.update([connection('x', x), connection('y', y)])).toEqual([
        { connection: 'y', change: 'started' },
      ]);
      expect(worker.connections.get('x')).toBe(xBefore);
      expect(await finished(ledger, 'imp-y1', 30_000)).toMatchObject({ created: 10 });

      // x's token is rotated: x restarts with the new one, y goes on as it was.
      x.setApiToken('x-2');
      const yBefore = worker.connections.get('y');
      expect(await worker.update([connection('x', x, 'x-2'), connection('y', y)])).toEqual([
        { connection: 'x', change: 'restarted' },
      ]);
      expect(worker.connections.get('y')).toBe(yBefore);
      await worker.connections.get('x')!.ready;
      await enqueueImport(redis, prefix, 'imp-x2', jobsFor('imp-x2', rows('x2', 5)), { connection: 'x' });
      expect(await finished(ledger, 'imp-x2', 30_000)).toMatchObject({ created: 5, deadLettered: 0 });

      // x leaves: it is drained and stopped; its new rows wait on its queue for whoever serves it.
      expect(await worker.update([connection('y', y)])).toEqual([{ connection: 'x', change: 'stopped' }]);
      expect([...worker.connections.keys()]).toEqual(['y']);
      await enqueueImport(redis, prefix, 'imp-x3', jobsFor('imp-x3', rows('x3', 3)), { connection: 'x' });
      await new Promise((r) => setTimeout(r, 1000));
      expect(await xQueue.getPrioritizedCount()).toBe(3); // lead jobs wait with a priority (turns between imports)
      expect(x.export().leads).toHaveLength(15);
      expect(y.export().leads).toHaveLength(10);
    } finally {
      expect(await worker.close()).toEqual({ handedBack: true, stranded: 0 });
      await xQueue.close();
    }
  }, 90_000);
});
