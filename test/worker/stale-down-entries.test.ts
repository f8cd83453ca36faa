/**
 * `workersDown` entries of workers that are gone: a worker process killed (SIGKILL) while one of its connections
 * was down cannot clear its entry. The heartbeat forgets such a worker after an hour, and its entries go with it;
 * a process restarted under the same stable `workerId` (a pod's name) clears what its earlier life left, so
 * `/healthz` does not answer 503 for ever.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Health } from '../../src/dashboard/health.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { writeConnectionsFile } from '../../src/dev/connections-file.js';
import { LeadWorkerProcess } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { eventually, FAST_WORKER_FLAGS, spawnWorker, testSandbox } from './helpers.js';

const redis = testRedis();
const FAULT = resolve(import.meta.dirname, '../fixtures/faults/end-blocking-connection.ts');
const HOUR = 3_600_000;

describe('connections recorded as down by a worker that is gone', () => {
  const dashboards: Dashboard[] = [];
  const workers: LeadWorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all(dashboards.map((d) => d.close()));
  });

  const health = async (prefix: string) => {
    const dashboard = await startDashboard({
      redis,
      prefix,
      limits: { burstPer2s: 20, dailyTokens: 30_000 },
      port: 0,
    });
    dashboards.push(dashboard);
    return async () => {
      const res = await fetch(`${dashboard.url}/api/health`);
      return { status: res.status, body: (await res.json()) as Health };
    };
  };

  it('are removed once the heartbeat forgets the killed worker', async () => {
    const b = await testSandbox({ plan: 'lite', companyId: 3201, apiToken: 'token-b' });
    const file = writeConnectionsFile(
      mkdtempSync(join(tmpdir(), 'lpi-stale-down-')),
      [{ name: 'b', url: b.url, plan: 'lite', tokenEnv: 'B_TOKEN' }],
      { timeout_ms: 2000 },
    );
    const prefix = uniquePrefix('staledown');
    const killed = spawnWorker(
      {
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_CONNECTIONS_FILE: file,
        B_TOKEN: 'token-b',
        // b's BullMQ worker fails every time: b stays down.
        LPI_FAULT_END_BLOCKING: 'lead-import-b:1000',
      },
      FAST_WORKER_FLAGS,
      ['--import', FAULT],
    );
    await killed.waitForLine(/Connection b: its worker stopped with an error/);
    const [field] = await eventually(
      async () => {
        const fields = await redis.hkeys(`${prefix}:workers:down`);
        return fields.length > 0 ? fields : undefined;
      },
      { what: 'b to be recorded as down' },
    );
    expect(field).toMatch(/\|b$/);
    await killed.stop('SIGKILL');
    const deadWorker = field!.slice(0, field!.lastIndexOf('|'));

    // An hour later (its last beat moved back: the heartbeat forgets a worker an hour after it was last seen),
    // another worker beats.
    await redis.zadd(`${prefix}:workers`, Date.now() - HOUR - 60_000, deadWorker);
    const other = new LeadWorkerProcess({ redisUrl: testRedisUrl(), prefix, heartbeatIntervalMs: 100 });
    workers.push(other);
    await other.started;
    await eventually(async () => (await redis.exists(`${prefix}:workers:down`)) === 0, {
      what: "the killed worker's entry to be removed",
    });
    expect(await redis.zscore(`${prefix}:workers`, deadWorker)).toBeNull();
    const check = await health(prefix);
    expect(await check()).toMatchObject({ status: 200, body: { status: 'ok', connectionsDown: [] } });
  }, 60_000);

  it('are cleared when a worker with a stable id starts again, so /healthz is healthy', async () => {
    const prefix = uniquePrefix('staledown');
    // What pod-0, killed while its connection b was down, left behind.
    await redis.zadd(`${prefix}:workers`, Date.now() - 5_000, 'pod-0');
    await redis.hset(
      `${prefix}:workers:down`,
      'pod-0|b',
      JSON.stringify({ since: Date.now() - 10_000, error: 'Connection is closed.', restartAt: Date.now() }),
    );
    // Another worker's entry is not pod-0's to clear.
    await redis.hset(
      `${prefix}:workers:down`,
      'pod-1|c',
      JSON.stringify({ since: Date.now() - 10_000, error: 'Connection is closed.' }),
    );
    await redis.zadd(`${prefix}:workers`, Date.now(), 'pod-1');
    const check = await health(prefix);
    expect((await check()).body.connectionsDown.map((d) => d.connection)).toEqual(['b', 'c']);

    const restarted = new LeadWorkerProcess({ redisUrl: testRedisUrl(), prefix, workerId: 'pod-0' });
    workers.push(restarted);
    await restarted.started;
    expect(await redis.hkeys(`${prefix}:workers:down`)).toEqual(['pod-1|c']);
    await redis.hdel(`${prefix}:workers:down`, 'pod-1|c');
    expect(await check()).toMatchObject({ status: 200, body: { status: 'ok', connectionsDown: [] } });
  }, 60_000);
});
