import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { type CliProcess, spawnCli } from '../helpers/cli-process.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { eventually, FAST_WORKER_FLAGS, spawnWorker, testSandbox, workerEnv } from '../worker/helpers.js';

/**
 * The producer stopped mid-file (Ctrl-C, and killed outright) while a worker is already taking its chunks, then run
 * again: every row of the file ends created once in Pipedrive or rejected, whatever was in flight at each stop.
 * interrupted-import.test.ts and resume.test.ts check the queue and the ledger with no worker running; this checks
 * the leads themselves, with the worker finishing rows between and during the producer's runs.
 */

const redis = testRedis();
const dir = mkdtempSync(join(tmpdir(), 'lpi-interrupted-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Many rows, few of them valid (one in `every`): the producer reads for seconds, the valid ones spread through the
 * file, while the worker has only a few leads to create. A rejected row has an email that is not one and no name.
 */
function mostlyRejectedFile(
  rows: number,
  every: number,
): { file: string; valid: string[]; rejected: number } {
  const lines = ['Name,Email,Company'];
  const valid: string[] = [];
  for (let i = 0; i < rows; i++) {
    if (i % every === 0) {
      lines.push(`Person ${i},p${i}@example.com,Company ${i % 40}`);
      valid.push(`Person ${i}`);
    } else {
      lines.push(`,not-an-email-${i},`);
    }
  }
  const file = join(dir, 'mostly-rejected.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, valid, rejected: rows - valid.length };
}

/** Waits until the import has at least `rows` rows enqueued, while `producer` still runs. */
async function enqueuedAtLeast(ledger: ImportLedger, importId: string, rows: number, producer: CliProcess) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (((await ledger.getImport(importId))?.enqueued ?? 0) >= rows) return;
    if (!producer.running()) throw new Error(`the producer ended before ${rows} rows:\n${producer.output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`import ${importId} never reached ${rows} enqueued rows`);
}

describe('a producer stopped mid-file while a worker takes its rows', () => {
  it('SIGINT, then SIGKILL, at two depths, then the same command again: each valid row one lead, the rest rejected', async () => {
    const ROWS = 60_000;
    const { file, valid, rejected } = mostlyRejectedFile(ROWS, 30);
    // A budget for every row: without limits the sandbox still counts tokens, and the worker stops at its budget.
    const sandbox = await testSandbox({ limits: false, dailyTokens: 100_000_000 });
    const prefix = uniquePrefix('stopwork');
    const importId = 'stop-work';
    const env = workerEnv(testRedisUrl(), prefix, sandbox.url, { PIPEDRIVE_DAILY_TOKENS: '100000000' });
    const ledger = new ImportLedger(redis, prefix);
    // Ten rows a job (the default): the stops land on half-filled chunks, and the worker takes whole ones meanwhile.
    const worker = spawnWorker(env, [...FAST_WORKER_FLAGS, '--concurrency', '8', '--no-rate-limit']);
    await worker.waitForLine(/processing lead-import/);
    const args = ['import', file, '--import-id', importId, '--title-template', '{name}', '--json'];
    try {
      for (const [signal, depth] of [
        ['SIGINT', 300],
        ['SIGKILL', 1_000],
      ] as const) {
        const producer = spawnCli(args, { ...env, LOG_LEVEL: 'warn' });
        await enqueuedAtLeast(ledger, importId, depth, producer);
        // The worker is taking this import's chunks when the producer is stopped.
        await eventually(async () => sandbox.state().leads > 0 || !producer.running(), { intervalMs: 10 });
        expect(producer.running(), producer.output()).toBe(true);
        producer.kill(signal);
        const code = await producer.exited;
        if (signal === 'SIGINT') {
          expect(code, producer.output()).toBe(130);
          expect((await ledger.getImport(importId))?.state).toBe('failed');
        } else {
          expect(code).toBeNull();
        }
        expect((await ledger.getImport(importId))?.enqueued).toBeLessThan(valid.length);
      }

      const last = spawnCli(args, { ...env, LOG_LEVEL: 'warn' });
      expect(await last.exited, last.output()).toBe(3);
      const summary = JSON.parse(last.output().trim().split('\n').at(-1) ?? '{}');
      expect(summary).toMatchObject({ rows: ROWS, valid: valid.length, rejected });
      expect(summary.enqueued + summary.alreadyImported).toBe(valid.length);

      const deadline = Date.now() + 60_000;
      let record = await ledger.getImport(importId);
      while (record?.state !== 'completed' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        record = await ledger.getImport(importId);
      }
      expect(record).toMatchObject({
        state: 'completed',
        rows: ROWS,
        created: valid.length,
        rejected,
        deadLettered: 0,
        cancelled: 0,
        pending: 0,
      });

      // Pipedrive's side: each valid row's lead once (its title is the row's name), nothing else, no duplicates.
      const titles = sandbox
        .export()
        .leads.map((l) => l.title)
        .sort();
      expect(titles).toEqual([...valid].sort());
      expect(sandbox.state()).toMatchObject({
        leads: valid.length,
        duplicateLeads: 0,
        duplicatePersons: 0,
        duplicateOrganizations: 0,
      });

      // `report`: one line per row of the file, each created or rejected.
      const out = join(dir, 'report.csv');
      const report = spawnCli(['report', importId, '--out', out], { ...env, LOG_LEVEL: 'warn' });
      expect(await report.exited, report.output()).toBe(0);
      expect(report.output()).toContain('Wrote 60,000 rows');
      expect(report.output()).toContain('(2,000 created, 58,000 rejected)');
      const lines = readFileSync(out, 'utf8').trim().split('\n').slice(1);
      expect(lines).toHaveLength(ROWS);
    } finally {
      await worker.stop('SIGKILL');
    }
  }, 120_000);
});
