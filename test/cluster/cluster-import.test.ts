import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { leadQueueName, queuePrefix } from '../../src/queue/names.js';
import { startDashboardProcess } from '../helpers/dashboard-process.js';
import { uniquePrefix } from '../helpers/redis.js';
import { useRedisCluster } from '../helpers/redis-cluster.js';
import { runCli } from '../ops/run-cli.js';
import { eventually, FAST_WORKER_FLAGS, spawnWorker, testSandbox, workerEnv } from '../worker/helpers.js';

const cluster = useRedisCluster();

const ROWS = 40;

function csv(): string {
  const lines = ['Title,Name,Email,Company'];
  for (let i = 0; i < ROWS; i++) {
    const p = i % 12;
    lines.push(`Deal ${i},Person ${p},person${p}@cluster.example,Company ${p % 4}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('a three-master Redis Cluster', () => {
  it('runs an import through it (producer → worker → sandbox, every lead once), and status, report, verify, pause/resume, dlq, revert, cancel and the dashboard work on it', async () => {
    const { nodes, redis } = cluster();
    const sandbox = await testSandbox({ plan: 'growth', latencyJitterMs: 10 });
    const prefix = uniquePrefix('cl');
    const dir = mkdtempSync(join(tmpdir(), 'lpi-cluster-import-'));
    const file = join(dir, 'leads.csv');
    writeFileSync(file, csv());
    const env = workerEnv(nodes.url, prefix, sandbox.url, { PIPEDRIVE_PLAN: 'growth' });

    const produced = await runCli(['import', file, '--import-id', 'cl-1', '--json'], env);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    expect(JSON.parse(produced.stdout)).toMatchObject({ importId: 'cl-1', rows: ROWS, enqueued: ROWS });

    const worker = spawnWorker(env, FAST_WORKER_FLAGS);
    const ledger = new ImportLedger(redis, prefix);
    try {
      const record = await eventually(
        async () => {
          const r = await ledger.getImport('cl-1');
          return r?.state === 'completed' ? r : undefined;
        },
        { what: 'the import to complete', timeoutMs: 40_000 },
      );
      expect(record).toMatchObject({ rows: ROWS, created: ROWS, deadLettered: 0, pending: 0 });
      expect(worker.lines.filter((l) => l.includes('"level":50') || l.includes('"level":60'))).toEqual([]);
      expect(
        worker.lines.some((l) =>
          l.includes('Intents: not waited for with WAIT / WAITAOF on a Redis Cluster'),
        ),
      ).toBe(true);

      // Every lead once, with its contacts found once.
      expect(sandbox.state()).toMatchObject({
        leads: ROWS,
        persons: 12,
        organizations: 4,
        duplicateLeads: 0,
        duplicatePersons: 0,
        duplicateOrganizations: 0,
      });
      expect(new Set(sandbox.export().leads.map((l) => l.title)).size).toBe(ROWS);

      // The operator's commands read and act on the cluster.
      const status = await runCli(['status', 'cl-1', '--json'], env);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ importId: 'cl-1', created: ROWS });
      const list = await runCli(['status'], env);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain('cl-1');
      const reportFile = join(dir, 'report.csv');
      const report = await runCli(['report', 'cl-1', '--out', reportFile], env);
      expect(report.stderr).toBe('');
      expect(report.code).toBe(0);
      expect(readFileSync(reportFile, 'utf8').trim().split('\n')).toHaveLength(ROWS + 1);
      const verify = await runCli(['verify', 'cl-1'], env);
      expect(verify.stderr).toBe('');
      expect(verify.code).toBe(0);
      const queue = new Queue(leadQueueName('default'), {
        connection: redis,
        prefix: queuePrefix(prefix, 'default', true),
      });
      try {
        expect((await runCli(['pause'], env)).stdout).toMatch(/^Paused/);
        expect(await queue.isPaused()).toBe(true);
        expect((await runCli(['resume'], env)).code).toBe(0);
        expect(await queue.isPaused()).toBe(false);
      } finally {
        await queue.close();
      }
      // The dashboard reads the cluster: the imports page, its API, /metrics and /healthz.
      const dashboard = await startDashboardProcess(env);
      try {
        const api = (await (await fetch(`${dashboard.url}/api/imports`)).json()) as {
          imports: { importId: string; created: number }[];
        };
        expect(api.imports).toMatchObject([{ importId: 'cl-1', created: ROWS }]);
        const page = await fetch(`${dashboard.url}/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('data-import="cl-1"');
        const metrics = await (await fetch(`${dashboard.url}/metrics`)).text();
        expect(metrics).toContain(
          `lead_importer_import_rows{connection="default",outcome="created"} ${ROWS}\n`,
        );
        // The workers' counters, flushed to the connection's own hash on its node at the recorder's next flush
        // (once a second; the last row's outcome can complete the import before its count is flushed).
        const counted = await eventually(
          async () => {
            const text = await (await fetch(`${dashboard.url}/metrics`)).text();
            return text.includes(`lead_importer_leads_created_total ${ROWS}\n`) ? text : undefined;
          },
          { what: "the workers' counters to reach their hash", timeoutMs: 10_000 },
        );
        expect(counted).toContain(`lead_importer_leads_created_total ${ROWS}\n`);
        expect((await fetch(`${dashboard.url}/healthz`)).status).toBe(200);
      } finally {
        // A clean stop: an error the dashboard's cluster clients left unhandled would end it otherwise.
        expect(await dashboard.stop()).toBe(0);
      }
      const dlq = await runCli(['dlq', 'list'], env);
      expect(dlq.code).toBe(0);
      const revert = await runCli(['revert', 'cl-1', '--include-contacts', '--yes'], env);
      expect(revert.stderr).toBe('');
      expect(revert.code).toBe(0);
      expect(sandbox.state()).toMatchObject({ leads: 0, persons: 0, organizations: 0 });

      // With no worker running, a second import waits on the queue; cancel takes its rows off it.
      expect(await worker.stop()).toBe(0);
      expect((await runCli(['import', file, '--import-id', 'cl-2', '--json'], env)).code).toBe(0);
      const cancelled = await runCli(['cancel', 'cl-2', '--json'], env);
      expect(cancelled.stderr).toBe('');
      expect(JSON.parse(cancelled.stdout)).toMatchObject({ importId: 'cl-2', cancelled: ROWS });
      expect(await ledger.getImport('cl-2')).toMatchObject({ cancelled: ROWS, pending: 0 });
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
