import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';
import { leadQueueName } from '../../src/queue/names.js';
import { uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, jobsFor, spawnWorker, testSandbox, workerEnv } from './helpers.js';

describe('a worker that lost the lock of a row it finished', () => {
  it('no longer counts that row as its own: a later shutdown that Redis does not answer names only the row then in flight', async () => {
    const redisServer: PrivateRedis = await startPrivateRedis();
    const redis = new Redis(redisServer.url);
    try {
      // Each call takes a while, so a row is still running when its lock goes, or when Redis freezes.
      const sandbox = await testSandbox({ limits: false, latencyMs: 1_000 });
      const prefix = uniquePrefix('lost');
      const queue = new Queue(leadQueueName('default'), { connection: redis, prefix });
      /** The active job other than `not`: the lost row's job stays active, without its lock, until a stalled check. */
      const started = (what: string, not?: string) =>
        eventually(async () => (await queue.getActive()).find((j) => j.id !== not), { what });
      // Locks long enough not to be renewed while a row runs, and no stalled check that would take the job back
      // and run it again here: BullMQ learns of the lost lock only when it moves the job.
      const worker = spawnWorker(workerEnv(redisServer.url, prefix, sandbox.url), [
        '--lock-duration-ms',
        '60000',
        '--stalled-interval-ms',
        '60000',
        '--drain-timeout-ms',
        '3000',
        '--no-rate-limit',
      ]);
      try {
        await enqueueImport(
          redis,
          prefix,
          'imp-lost',
          jobsFor('imp-lost', [{ title: 'Deal 1', org: 'Org 1' }]),
        );
        const lost = await started('the first row to start');
        // As when another worker has taken the job over after its lock expired (a frozen process, a failover).
        expect(await redis.del(queue.toKey(`${lost.id}:lock`))).toBe(1);
        // BullMQ learns it when it moves the job: completing it is refused, then retrying it; it is done with it.
        await eventually(async () => worker.lines.filter((l) => /Missing lock for job/.test(l)).length >= 2, {
          what: 'both moves of the first row to be refused',
        });
        expect(sandbox.state()).toMatchObject({ leads: 1, duplicateLeads: 0 });

        // A second row is running when Redis freezes: it cannot be handed back, and it alone is this worker's.
        const enqueuedAt = Date.now();
        await enqueueImport(
          redis,
          prefix,
          'imp-next',
          jobsFor('imp-next', [{ title: 'Deal 2', org: 'Org 2' }]),
        );
        await started('the second row to start', lost.id);
        // Running, not only taken: it has called Pipedrive (each call 1 s, and it has more to make). Active in Redis
        // alone, the worker may not have begun it yet on a loaded machine (CI, once: the shutdown then found no row
        // in flight and exited 0).
        await eventually(
          async () => sandbox.requests().some((e) => e.at >= enqueuedAt && !e.path.startsWith('/_sandbox')),
          { what: 'the second row to call Pipedrive' },
        );
        redisServer.process.kill('SIGSTOP');
        worker.proc.kill('SIGTERM');
        expect(await worker.exited).toBe(1);
        const said = worker.lines.filter((l) => /Shutdown:/.test(l));
        expect(said).toHaveLength(1);
        expect(JSON.parse(said[0]!)).toMatchObject({ stranded: 1 });
      } finally {
        redisServer.process.kill('SIGCONT');
        await worker.stop();
        await queue.close();
      }
    } finally {
      redis.disconnect();
      await redisServer.stop();
    }
  }, 90_000);
});
