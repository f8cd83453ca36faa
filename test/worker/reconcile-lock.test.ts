import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { keysFor } from '../../src/queue/names.js';
import { RedisEpoch } from '../../src/queue/redis-epoch.js';
import { DurabilityGate } from '../../src/worker/durability-gate.js';
import type { EpochReconciler, ReconcileStats } from '../../src/worker/epoch-reconciler.js';
import { KeyLocks } from '../../src/worker/key-lock.js';
import { deferred } from '../helpers/deferred.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

describe("the durability gate's reconciliation lock", () => {
  it('expires within 30 s of its last extension, so a worker killed while reconciling holds back the others no longer', async () => {
    const prefix = uniquePrefix();
    const keys = keysFor(prefix);
    // The company last reconciled against a server that is gone: this worker must reconcile.
    await redis.hset(keys.companyEpoch('c1'), 'runId', 'a-server-gone', 'durableAt', 1);
    const reconciling = deferred();
    const finished = deferred();
    const reconciler = {
      async run(sinceMs: number): Promise<ReconcileStats> {
        reconciling.resolve();
        await finished.promise;
        const none = { organizations: 0, persons: 0, leads: 0, leadsKept: 0, notes: 0, pages: 0, tokens: 0 };
        return { sinceMs, ...none, durationMs: 0 };
      },
    } as unknown as EpochReconciler;
    const controller = new AbortController();
    const gate = new DurabilityGate({
      redis,
      prefix,
      companyKey: 'c1',
      epoch: new RedisEpoch(redis, prefix),
      reconciler,
      locks: new KeyLocks(redis),
      logger: silentLogger,
      marginMs: 0,
      adoptionTtlMs: 1000,
      signal: controller.signal,
    });
    const opened = gate.start();
    try {
      await reconciling.promise;
      // What a SIGKILL now would leave behind: the lock, for the rest of its TTL.
      const ttl = await redis.pttl(keys.lock('c1', 'epoch', 'reconcile'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
      finished.resolve();
      await opened;
      expect(gate.isOpen).toBe(true);
    } finally {
      finished.resolve();
      controller.abort();
      gate.stop();
    }
  });
});
