/**
 * An operator edits the connections file while imports run and sends the worker SIGHUP: a connection with rows
 * waiting is renamed, then named back; another's entry is pasted over with a second company's URL and token, then
 * fixed. Its rows must be kept (not sent elsewhere, not dead-lettered, not doubled), and the operator told, by the
 * worker and by `status`, that they wait and how to finish or drop them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeConnectionsFile } from '../../src/dev/connections-file.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { rowsOf } from '../helpers/three-companies.js';
import { runCli } from '../ops/run-cli.js';
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

describe('a connection renamed in the file while its rows wait', () => {
  it('keeps its rows on its queue, says so with the imports and the fix, and finishes them once named back', async () => {
    // 60 ms a call, Lite: 40 rows take several seconds, so most still wait when the file changes.
    const [a, b] = await Promise.all([
      testSandbox({ plan: 'lite', companyId: 3101, apiToken: 'token-a', latencyMs: 60 }),
      testSandbox({ plan: 'lite', companyId: 3102, apiToken: 'token-b', latencyMs: 60 }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'lpi-left-file-'));
    writeFileSync(join(dir, 'a.token'), 'token-a\n');
    writeFileSync(join(dir, 'b.token'), 'token-b\n');
    const companies = (bName: string) => [
      { name: 'a', url: a.url, plan: 'lite' },
      { name: bName, url: b.url, plan: 'lite' },
    ];
    const file = writeConnectionsFile(dir, companies('b'), { timeout_ms: 2000 });
    // The renamed entry keeps b's token file: `writeConnectionsFile` names it after the connection.
    const renamed = () =>
      writeFileSync(
        file,
        `connections:\n  a:\n    base_url: ${a.url}\n    api_token_file: a.token\n    plan: lite\n  b2:\n    base_url: ${b.url}\n    api_token_file: b.token\n    plan: lite\n`,
      );
    const prefix = uniquePrefix('left-file');
    const ledger = new ImportLedger(redis, prefix);
    const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PIPEDRIVE_CONNECTIONS_FILE: file };
    const worker = spawnWorker(env, [...FAST_WORKER_FLAGS, '--concurrency', '2']);
    try {
      await worker.waitForLine(/Serving 2 connections: a, b/);
      await enqueueImport(redis, prefix, 'imp-b', jobsFor('imp-b', rowsOf('b', 40)), { connection: 'b' });
      await eventually(async () => b.state().leads >= 3, { what: 'b to create its first leads' });

      renamed();
      worker.proc.kill('SIGHUP');
      const stopped = await worker.waitForLine(/Connection b: stopped/);
      const stop = JSON.parse(stopped) as { level: number; msg: string; pendingRows: number };
      expect(stop.level).toBe(40);
      expect(stop.pendingRows).toBeGreaterThan(0);
      expect(stop.msg).toContain(
        `${stop.pendingRows} pending rows of import imp-b (imp-b.csv) are kept on its queue`,
      );
      expect(stop.msg).toContain('To drop them instead: lead-importer cancel imp-b.');
      // Started without --watch: only SIGHUP makes it read the file again.
      expect(stop.msg).toContain('(define it in the connections file and send SIGHUP)');
      const hint = await worker.waitForLine(
        /connection b2 has the base URL and credentials connection b had/,
      );
      expect(hint).toContain(
        `so b's ${stop.pendingRows} pending rows are kept on its queue and b2 does not take them`,
      );
      expect(hint).not.toContain('token-b');

      // Nothing takes b's rows now; b2 serves the same company but not b's import.
      const leadsWhenStopped = b.state().leads;
      await new Promise((r) => setTimeout(r, 1500));
      expect(b.state().leads).toBe(leadsWhenStopped);
      const pending = (await ledger.getImport('imp-b'))!.pending;
      expect(pending).toBe(stop.pendingRows);

      // `status` says why at once: the file the command reads no longer defines b, and no worker serves it.
      const status = await runCli(['status', 'imp-b'], env);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(
        `stalled: connection b is not defined in ${file}, and no worker serves it: its ${pending} pending rows are kept on its queue.`,
      );
      const list = await runCli(['status'], env);
      expect(list.stdout).toMatch(/imp-b +b +imp-b\.csv +stalled/);
      expect(list.stdout).toContain('imp-b: stalled: connection b is not defined in');

      // Named back: b serves its rows again; every row once, in b's company, none dead-lettered.
      writeConnectionsFile(dir, companies('b'), { timeout_ms: 2000 });
      worker.proc.kill('SIGHUP');
      await worker.waitForLine(/Connection b: started/);
      expect(await finished(ledger, 'imp-b', 60_000)).toMatchObject({ created: 40, deadLettered: 0 });
      expect(b.state()).toMatchObject({ leads: 40, duplicateLeads: 0, duplicatePersons: 0 });
      expect(a.state().leads).toBe(0);
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 120_000);

  it("refuses to start a connection whose entry now names another company's URL and token: its rows wait, none dead-lettered", async () => {
    const [a, b] = await Promise.all([
      testSandbox({ plan: 'lite', companyId: 3111, apiToken: 'token-a', latencyMs: 60 }),
      testSandbox({ plan: 'lite', companyId: 3112, apiToken: 'token-b', latencyMs: 60 }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'lpi-left-file-'));
    writeFileSync(join(dir, 'a.token'), 'token-a\n');
    writeFileSync(join(dir, 'b.token'), 'token-b\n');
    const entry = (bUrl: string, bToken: string) =>
      `connections:\n  a:\n    base_url: ${a.url}\n    api_token_file: a.token\n    plan: lite\n  b:\n    base_url: ${bUrl}\n    api_token_file: ${bToken}\n    plan: lite\n`;
    const file = join(dir, 'connections.yaml');
    writeFileSync(file, entry(b.url, 'b.token'));
    const prefix = uniquePrefix('left-file');
    const ledger = new ImportLedger(redis, prefix);
    const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PIPEDRIVE_CONNECTIONS_FILE: file };
    const worker = spawnWorker(env, [...FAST_WORKER_FLAGS, '--concurrency', '2']);
    try {
      await worker.waitForLine(/Serving 2 connections: a, b/);
      await enqueueImport(redis, prefix, 'imp-b', jobsFor('imp-b', rowsOf('b', 40)), { connection: 'b' });
      await eventually(async () => b.state().leads >= 3, { what: 'b to create its first leads' });

      // b's entry copied from a's: a's URL and token file.
      writeFileSync(file, entry(a.url, 'a.token'));
      worker.proc.kill('SIGHUP');
      const line = await worker.waitForLine(/Connection b cannot start/);
      const logged = JSON.parse(line) as { level: number; msg: string };
      expect(logged.level).toBe(50);
      expect(logged.msg).toMatch(
        /^Connection b cannot start: its credentials belong to Pipedrive company 3111, but import imp-b \(imp-b\.csv, \d+ pending\) went to company 3112\. Nothing was sent and nothing dead-lettered: the rows wait on its queue\. If its entry in .+ is wrong \(another company's base_url or token\), fix it and send the worker SIGHUP; if b is meant to go to company 3111 now, drop those rows first \(lead-importer cancel imp-b\), then send SIGHUP\. The process's other connections go on\.$/,
      );
      expect(line).not.toContain('token-a');
      await new Promise((r) => setTimeout(r, 1000));
      expect(a.state().leads).toBe(0);
      expect((await ledger.getImport('imp-b'))?.deadLettered).toBe(0);
      expect(worker.lines.some((l) => l.includes('Dead-lettered'))).toBe(false);

      // The entry fixed: b finishes its rows in its own company, each once.
      writeFileSync(file, entry(b.url, 'b.token'));
      worker.proc.kill('SIGHUP');
      expect(await finished(ledger, 'imp-b', 60_000)).toMatchObject({ created: 40, deadLettered: 0 });
      expect(b.state()).toMatchObject({ leads: 40, duplicateLeads: 0, duplicatePersons: 0 });
      expect(a.state()).toMatchObject({ leads: 0, persons: 0, organizations: 0 });
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 120_000);
});
