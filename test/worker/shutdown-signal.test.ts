import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import type { CallOptions, PipedriveApi } from '../../src/pipedrive/types.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

/**
 * Everything hanging on an abort signal: its listeners, and the signals `AbortSignal.any` made
 * dependent on it. Node keeps those in an internal set (`kDependantSignals`) that only grows:
 * each entry is a WeakRef that outlives the signal it pointed to, so a long-lived signal combined
 * once per job holds one entry per job forever (the worker's memory growth of issue #10).
 */
function entriesOn(signal: AbortSignal): number {
  const dependants = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  const set = dependants
    ? (signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants]
    : undefined;
  return getEventListeners(signal, 'abort').length + (set?.size ?? 0);
}

describe("the worker's shutdown signal", () => {
  it('holds nothing per job once the jobs are done (each job links to it and unlinks)', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix();
    const rows = 300;
    await enqueueImport(
      redis,
      prefix,
      'imp-signal',
      jobsFor(
        'imp-signal',
        Array.from({ length: rows }, (_, i) => ({ title: `Deal ${i}`, org: 'One Org Ltd' })),
      ),
    );
    // The worker hands its shutdown signal to `GET /users/me` when it starts; keep it from there.
    let shutdownSignal: AbortSignal | undefined;
    const worker = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: 'sandbox-token', timeoutMs: 2000 },
      rateLimit: false,
      concurrency: 8,
      createClient: (options) => {
        const client = new PipedriveClient(options);
        return new Proxy(client, {
          get(target, property, receiver) {
            if (property === 'getCurrentUser') {
              return (o?: CallOptions) => {
                shutdownSignal ??= o?.signal;
                return target.getCurrentUser(o);
              };
            }
            const value = Reflect.get(target, property, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as PipedriveApi;
      },
    });
    try {
      await worker.ready;
      expect(shutdownSignal).toBeDefined();
      const before = entriesOn(shutdownSignal!);
      const ledger = new ImportLedger(redis, prefix);
      await eventually(async () => (await ledger.getImport('imp-signal'))?.state === 'completed', {
        what: 'the import to complete',
      });
      expect((await ledger.getImport('imp-signal'))?.created).toBe(rows);
      // Idle again: whatever a job added to the signal is gone (a few timers may be waiting on it).
      expect(entriesOn(shutdownSignal!) - before).toBeLessThan(5);
    } finally {
      await worker.close();
    }
  }, 120_000);
});
