/**
 * A connection whose BullMQ worker stops with an error must not look alive: the worker process logs it with the
 * connection's name, marks it down (the dashboard's `/healthz` says so), restarts it with a back-off, and the
 * process's other connection goes on meanwhile. The fault is real in all but its trigger: BullMQ's blocking Redis
 * connection of connection b's queue ends before it connects (test/fixtures/faults/end-blocking-connection.ts),
 * as a lazy copy that gave up on its first connect did, and BullMQ's `run()` rejects with "Connection is closed.".
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Health, PublicHealth } from '../../src/dashboard/health.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { writeConnectionsFile } from '../../src/dev/connections-file.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { onlyItsOwn, rowsOf } from '../helpers/three-companies.js';
import {
  enqueueImport,
  eventually,
  FAST_WORKER_FLAGS,
  finished,
  jobsFor,
  spawnWorker,
  testSandbox,
} from './helpers.js';

const redis = testRedis();
const FAULT = resolve(import.meta.dirname, '../fixtures/faults/end-blocking-connection.ts');

describe('a connection whose BullMQ worker fails', () => {
  let dashboard: Dashboard | undefined;
  afterAll(() => dashboard?.close());

  it('is logged, shown by /healthz while down, restarted with a back-off, and loses no row; the other goes on', async () => {
    const [a, b] = await Promise.all([
      testSandbox({ plan: 'lite', companyId: 3101, apiToken: 'token-a' }),
      testSandbox({ plan: 'lite', companyId: 3102, apiToken: 'token-b' }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'lpi-run-failure-'));
    const file = writeConnectionsFile(
      dir,
      [
        { name: 'a', url: a.url, plan: 'lite', tokenEnv: 'A_TOKEN' },
        { name: 'b', url: b.url, plan: 'lite', tokenEnv: 'B_TOKEN' },
      ],
      { timeout_ms: 2000 },
    );
    const prefix = uniquePrefix('runfail');
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(redis, prefix, 'imp-a', jobsFor('imp-a', rowsOf('a', 60)), { connection: 'a' });
    await enqueueImport(redis, prefix, 'imp-b', jobsFor('imp-b', rowsOf('b', 20)), { connection: 'b' });
    dashboard = await startDashboard({
      redis,
      prefix,
      limits: { burstPer2s: 20, dailyTokens: 30_000 },
      port: 0,
    });
    const health = async () => {
      const res = await fetch(`${dashboard!.url}/api/health`);
      return { status: res.status, body: (await res.json()) as Health };
    };
    const healthz = async () => {
      const res = await fetch(`${dashboard!.url}/healthz`);
      return { status: res.status, body: (await res.json()) as PublicHealth };
    };
    const bDown = async () => {
      const h = await health();
      return h.body.connectionsDown.some((d) => d.connection === 'b') ? h : undefined;
    };

    const worker = spawnWorker(
      {
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_CONNECTIONS_FILE: file,
        A_TOKEN: 'token-a',
        B_TOKEN: 'token-b',
        // Four failures in a row: down for about 1 + 2 + 4 + 8 s of back-off.
        LPI_FAULT_END_BLOCKING: 'lead-import-b:4',
      },
      FAST_WORKER_FLAGS,
      ['--import', FAULT],
    );
    try {
      const line = await worker.waitForLine(/Connection b: its worker stopped with an error/);
      expect(JSON.parse(line)).toMatchObject({ level: 50, connection: 'b', failures: 1, restartInMs: 1000 });
      expect(line).toContain('(Connection is closed.)');
      expect(line).not.toContain('token-b');

      // While b is down, /healthz says so (503, counting it, naming nothing) and a keeps importing.
      const down = await eventually(bDown, {
        intervalMs: 50,
        what: '/api/health to report connection b down',
      });
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('unhealthy');
      expect(down.body.connectionsDown).toEqual([
        expect.objectContaining({
          connection: 'b',
          error: 'Connection is closed.',
          restartAt: expect.any(String),
        }),
      ]);
      expect(down.body.connectionsDown.some((d) => d.connection === 'a')).toBe(false);
      const probe = await healthz();
      expect(probe).toMatchObject({ status: 503, body: { status: 'unhealthy', connectionsDown: 1 } });
      expect(JSON.stringify(probe.body)).not.toContain(down.body.connectionsDown[0]!.worker);
      const aBefore = (await ledger.getImport('imp-a'))!.created;
      await eventually(async () => (await ledger.getImport('imp-a'))!.created > aBefore, {
        what: 'a to import more rows while b is down',
      });
      expect(await bDown()).toBeDefined();

      // The back-off doubles: 1 s, 2 s, 4 s, 8 s; then b starts and takes its rows.
      const fourth = await worker.waitForLine(/Connection b: its worker stopped.*failure 4 in a row/);
      expect(JSON.parse(fourth)).toMatchObject({ failures: 4, restartInMs: 8000 });
      await worker.waitForLine(/Connection b: up again/, 30_000);

      const [doneA, doneB] = await Promise.all([
        finished(ledger, 'imp-a', 90_000),
        finished(ledger, 'imp-b', 90_000),
      ]);
      expect(doneA).toMatchObject({ rows: 60, created: 60, deadLettered: 0 });
      expect(doneB).toMatchObject({ rows: 20, created: 20, deadLettered: 0 });
      // Nothing lost, nothing doubled, nothing in the wrong company.
      expect(onlyItsOwn(a, 'imp-a', 'a')).toEqual({
        leads: 60,
        foreignLeads: 0,
        foreignPersons: 0,
        foreignOrganizations: 0,
      });
      expect(onlyItsOwn(b, 'imp-b', 'b')).toEqual({
        leads: 20,
        foreignLeads: 0,
        foreignPersons: 0,
        foreignOrganizations: 0,
      });
      for (const sandbox of [a, b]) {
        expect(sandbox.state()).toMatchObject({
          duplicateLeads: 0,
          duplicatePersons: 0,
          duplicateOrganizations: 0,
        });
      }
      // Restarted b only: a was never stopped.
      expect(worker.lines.filter((l) => l.includes('Connection a:'))).toEqual([]);

      const healthy = await health();
      expect(healthy.status).toBe(200);
      expect(healthy.body).toMatchObject({ status: 'ok', connectionsDown: [] });
      expect(await healthz()).toMatchObject({ status: 200, body: { status: 'ok', connectionsDown: 0 } });
      expect(await worker.stop()).toBe(0);
      expect(await redis.hlen(`${prefix}:workers:down`)).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 150_000);
});
