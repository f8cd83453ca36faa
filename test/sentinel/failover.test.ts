import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { connectRedis, createRedis, waitForReplicas } from '../../src/queue/connection.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../ops/run-cli.js';
import { eventually, FAST_WORKER_FLAGS, spawnWorker, type WorkerProcess } from '../worker/helpers.js';
import { SentinelTopology } from './sentinel-topology.js';

const ROWS = 160;

/** Leads of 40 people at 12 companies: rows share contacts, so workers race to create them. */
function leadsCsv(rows: number): string {
  const lines = ['Title,Name,Email,Company'];
  for (let i = 0; i < rows; i++) {
    const p = i % 40;
    lines.push(`Deal ${i},Person ${p},person${p}@failover.example,Company ${p % 12}`);
  }
  return `${lines.join('\n')}\n`;
}

let topology: SentinelTopology;
let sandbox: RunningSandbox;
let redis: Redis;
let dir: string;
const prefix = uniquePrefix('sent');
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [topology, sandbox] = await Promise.all([
    SentinelTopology.start(),
    startSandbox({ port: 0, plan: 'premium', latencyMs: 15, latencyJitterMs: 15 }),
  ]);
  redis = createRedis(topology.url, 'worker');
  redis.on('error', () => {});
  await redis.connect();
  dir = mkdtempSync(join(tmpdir(), 'lpi-failover-'));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.stop('SIGKILL')));
  redis?.disconnect();
  await sandbox?.close();
  await topology?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Redis Sentinel: a failover in the middle of an import', () => {
  it('imports through the sentinel URL, survives a SIGKILLed primary, and ends with every row created once', async () => {
    const env: Record<string, string> = {
      REDIS_URL: topology.url,
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
      PIPEDRIVE_PLAN: 'premium',
      PIPEDRIVE_TIMEOUT_MS: '2000',
    };
    const file = join(dir, 'leads.csv');
    writeFileSync(file, leadsCsv(ROWS));
    const ledger = new ImportLedger(redis, prefix);
    const importId = 'failover-1';

    // The producer (in-process, a fail-fast command connection) finds the primary through the sentinels.
    const produced = await runCli(['import', file, '--import-id', importId, '--json'], env);
    expect(produced.stderr).toBe('');
    expect(JSON.parse(produced.stdout)).toMatchObject({ importId, rows: ROWS, enqueued: ROWS });
    // The replica holds what the producer wrote before anything is created from it.
    expect(await waitForReplicas(redis, { timeoutMs: 5_000 })).toEqual({
      acknowledged: 1,
      connected: 1,
      durable: true,
    });

    for (let i = 0; i < 2; i++) {
      workers.push(spawnWorker(env, [...FAST_WORKER_FLAGS, '--concurrency', '4']));
    }
    await eventually(async () => ((await ledger.getImport(importId))?.created ?? 0) >= ROWS / 4, {
      timeoutMs: 40_000,
      intervalMs: 50,
      what: `a quarter of the rows to be created:\n${workers.flatMap((w) => w.lines.slice(-10)).join('\n')}`,
    });
    const createdBefore = (await ledger.getImport(importId))!.created;

    const failover = await topology.killPrimaryAndAwaitFailover({ timeoutMs: 30_000 });
    // Not all done yet: the kill really came mid-import.
    expect(createdBefore).toBeLessThan(ROWS);

    const record = await eventually(
      async () => {
        const r = await ledger.getImport(importId);
        return r?.state === 'completed' && r.pending === 0 ? r : undefined;
      },
      {
        timeoutMs: 45_000,
        intervalMs: 200,
        what: `the import to finish after the failover:\n${workers.flatMap((w) => w.lines.slice(-15)).join('\n')}`,
      },
    );
    const codes = await Promise.all(workers.map((w) => w.stop('SIGTERM')));

    // 0 lost: every row created, none dead-lettered; 0 duplicates: Pipedrive holds each lead and contact once.
    expect(record).toMatchObject({ rows: ROWS, created: ROWS, deadLettered: 0, rejected: 0, pending: 0 });
    const state = sandbox.state();
    expect(state).toMatchObject({
      leads: ROWS,
      persons: 40,
      organizations: 12,
      duplicateLeads: 0,
      duplicatePersons: 0,
      duplicateOrganizations: 0,
    });
    const titles = new Set(sandbox.export().leads.map((l) => l.title));
    expect(titles.size).toBe(ROWS);
    expect(codes).toEqual([0, 0]);
    // The workers went on through the failover: no restart, no crash.
    expect(workers.flatMap((w) => w.lines).filter((l) => /unexpected error/.test(l))).toEqual([]);

    // Every command works through the sentinels against the promoted replica.
    const status = await runCli(['status', importId, '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({
      importId,
      state: 'completed',
      created: ROWS,
      pending: 0,
    });
    expect(failover.newPrimaryPort).not.toBe(0);
    process.stdout.write(
      `Sentinel failover: primary SIGKILLed with ${createdBefore}/${ROWS} rows created; replica on port ${failover.newPrimaryPort} promoted after ${failover.failoverMs} ms; ${record.created} created, 0 lost, ${state.duplicateLeads} duplicate leads\n`,
    );
  }, 150_000);

  it('serves the dashboard through the sentinels', async () => {
    let dashboard: Dashboard | undefined;
    try {
      dashboard = await startDashboard({
        redisUrl: topology.url,
        prefix,
        limits: { burstPer2s: 100, dailyTokens: 150_000 },
        port: 0,
      });
      // Redis answers through the sentinels (the workers are gone, so the dashboard still says unhealthy).
      const health = (await (await fetch(`${dashboard.url}/healthz`)).json()) as { redis: { ok: boolean } };
      expect(health.redis.ok).toBe(true);
      const page = await (await fetch(`${dashboard.url}/`)).text();
      expect(page).toContain('failover-1');
    } finally {
      await dashboard?.close();
    }
  });

  it('a fail-fast command names the sentinels (without passwords) when none answers', async () => {
    const url =
      'redis+sentinel://:primary-secret@127.0.0.1:1,127.0.0.1:2/lpimaster?sentinelPassword=sentinel-secret';
    const client = createRedis(url, 'command');
    client.on('error', () => {});
    const err = await connectRedis(client, url).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('RedisUnavailableError');
    expect(err?.message).toContain(
      'Cannot reach the Redis primary "lpimaster" through the sentinels at redis+sentinel://:***@127.0.0.1:1,127.0.0.1:2/lpimaster?sentinelPassword=***',
    );
    expect(err?.message).not.toMatch(/primary-secret|sentinel-secret/);
  });

  it('waitForReplicas: WAIT for the replica on the new primary once it has one, at once without', async () => {
    // After the failover the promoted primary has no replica (the old primary is dead). A WAIT for one would
    // block for its whole timeout, longer than this test may run: it must answer at once instead.
    const alone = await waitForReplicas(redis, { timeoutMs: 120_000, replicaCountTtlMs: 0 });
    expect(alone).toEqual({ acknowledged: 0, connected: 0, durable: false });
  });
});
