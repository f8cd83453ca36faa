/**
 * A running worker whose Redis password is rotated under it (`CONFIG SET requirepass`, then its connections killed
 * so they must authenticate again): every reconnect is refused (WRONGPASS) and nothing it asks Redis is answered.
 * SIGTERM then waited for the whole drain timeout for rows and steps Redis would never answer, exited about 2 s
 * after it (a 10-s drain timeout: 12 s), and blamed Redis for not answering. It now says once that Redis refuses
 * its password, and on SIGTERM aborts at once what it holds (the rows stay in Redis, locked until their lock
 * expires) and exits well within the drain timeout. The password is never printed.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { leadQueueName, queuePrefix } from '../../src/queue/names.js';
import { uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, jobsFor, spawnWorker, testSandbox, workerEnv } from './helpers.js';

const OLD_PASSWORD = 'Rotate-Me-0ld-7c1e';
const NEW_PASSWORD = 'Rotate-Me-New-93ab';
const DRAIN_TIMEOUT_MS = 10_000;

let server: PrivateRedis;
beforeAll(async () => {
  server = await startPrivateRedis({ requirePass: OLD_PASSWORD });
});
afterAll(() => server?.stop());

const withPassword = (password: string) => server.url.replace('redis://', `redis://:${password}@`);

describe('a running worker whose Redis password is changed under it', () => {
  it('says Redis refuses its password, and on SIGTERM exits within the drain timeout, its row kept in Redis', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix('rot');
    const admin = new Redis(withPassword(OLD_PASSWORD), { maxRetriesPerRequest: null });
    try {
      const worker = spawnWorker(workerEnv(withPassword(OLD_PASSWORD), prefix, sandbox.url), [
        '--drain-timeout-ms',
        String(DRAIN_TIMEOUT_MS),
        '--lock-duration-ms',
        '30000',
      ]);
      const queue = new Queue(leadQueueName('default'), {
        connection: admin,
        prefix: queuePrefix(prefix, 'default', false),
      });
      try {
        // Taking rows (its start, which asks Pipedrive, is over) before Pipedrive slows down.
        await worker.waitForLine(/processing lead-import/);
        // Every Pipedrive call takes 20 s from now: the row is still in flight when the password changes.
        sandbox.configure({ latencyMs: 20_000 });
        await enqueueImport(admin, prefix, 'imp-rot', jobsFor('imp-rot', [{ org: 'Rotate Ltd' }]));
        await expect.poll(() => queue.getActiveCount(), { timeout: 20_000, interval: 200 }).toBe(1);

        await admin.config('SET', 'requirepass', NEW_PASSWORD);
        await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
        await worker.waitForLine(/refuses this worker's password now/, 15_000);

        const sentAt = Date.now();
        worker.proc.kill('SIGTERM');
        const ended = await Promise.race([
          worker.exited,
          new Promise<'still running'>((r) => setTimeout(() => r('still running'), DRAIN_TIMEOUT_MS + 5_000)),
        ]);
        const tookMs = Date.now() - sentAt;
        const log = worker.lines.filter((l) => !/Worker error/.test(l)).join('\n');
        // Rows were in flight and not handed back: exit 1, as for a Redis that is gone.
        expect(ended, log).toBe(1);
        expect(tookMs, log).toBeLessThan(DRAIN_TIMEOUT_MS);
        expect(log).toMatch(
          /Shutdown: Redis refuses this worker's password, so the 1 in-flight row could not be handed back\. They stay in Redis, locked until their lock expires \(30000 ms\)/,
        );
        // Not the drain's usual line, which said "did not finish within 0 ms … (they go back to the queue)".
        expect(log).not.toMatch(/did not finish within 0 ms/);
        const everything = worker.lines.join('\n');
        expect(everything).not.toContain(OLD_PASSWORD);
        expect(everything).not.toContain(NEW_PASSWORD);

        // Nothing lost: the row is still the queue's (active, its lock left to expire) and pending in the ledger.
        expect(await queue.getActiveCount()).toBe(1);
        expect(await new ImportLedger(admin, prefix).getImport('imp-rot')).toMatchObject({ pending: 1 });
      } finally {
        await queue.close();
        if (worker.proc.exitCode === null) worker.proc.kill('SIGKILL');
      }
    } finally {
      // The admin connection survived the kill (SKIPME) and so holds the new password.
      await admin.config('SET', 'requirepass', OLD_PASSWORD).catch(() => {});
      admin.disconnect();
    }
  }, 90_000);
});
