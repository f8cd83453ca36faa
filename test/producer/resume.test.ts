import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();
const ROWS = 40_000;
const repo = join(import.meta.dirname, '../..');

function producer(file: string, prefix: string, importId: string): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'import', file, '--import-id', importId, '--json'],
    {
      cwd: repo,
      // One row per job on purpose: this pins the re-run's check of each row's own `import-line` job (a version
      // at the default of 10, each line in exactly one chunk or single-row job, ran past 120 s at load 25-85).
      env: {
        ...process.env,
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        LOG_LEVEL: 'silent',
        LEAD_IMPORTER_ROWS_PER_JOB: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** Resolves when the ledger has at least `threshold` rows enqueued (polling; the child owns the pace). */
async function enqueuedAtLeast(
  ledger: ImportLedger,
  importId: string,
  threshold: number,
  child: ChildProcess,
) {
  for (;;) {
    const record = await ledger.getImport(importId);
    if ((record?.enqueued ?? 0) >= threshold) return record?.enqueued ?? 0;
    if (child.exitCode !== null)
      throw new Error(`producer exited (${child.exitCode}) before ${threshold} rows`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a producer killed mid-file', () => {
  const queues: Queue[] = [];
  afterAll(async () => {
    for (const q of queues) await q.close();
  });

  it('resumes when run again, and every row ends up enqueued exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-resume-'));
    const file = join(dir, 'leads.csv');
    const lines = ['Name,Email,Company'];
    for (let i = 0; i < ROWS; i++) lines.push(`Person ${i},p${i}@example.com,Company ${i % 500}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const prefix = uniquePrefix('resume');
    const importId = 'resume-test';
    const ledger = new ImportLedger(redis, prefix);

    // Two kills at different depths, SIGKILL: no chance to clean up.
    const killedAt: number[] = [];
    for (const threshold of [1_000, 12_000]) {
      const child = producer(file, prefix, importId);
      killedAt.push(await enqueuedAtLeast(ledger, importId, threshold, child));
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(killedAt[0]).toBeLessThan(ROWS);
    expect(killedAt[1]).toBeLessThan(ROWS);

    const last = producer(file, prefix, importId);
    let stdout = '';
    last.stdout?.on('data', (d) => {
      stdout += d;
    });
    const [code] = await once(last, 'exit');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { rows: number; enqueued: number; alreadyImported: number };
    expect(summary.rows).toBe(ROWS);
    expect(summary.enqueued + summary.alreadyImported).toBe(ROWS);
    expect(summary.alreadyImported).toBeGreaterThanOrEqual(killedAt[1] ?? 0);

    const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    queues.push(queue);
    expect(await queue.getPrioritizedCount()).toBe(ROWS);
    expect(await ledger.getImport(importId)).toMatchObject({
      rows: ROWS,
      enqueued: ROWS,
      pending: ROWS,
      rejected: 0,
      state: 'enqueued',
    });
    // Every line is Pending and has its job: nothing lost (ids are per line, so nothing doubled).
    for (let start = 2; start <= ROWS + 1; start += 5_000) {
      const batch = Array.from({ length: Math.min(5_000, ROWS + 2 - start) }, (_, i) => start + i);
      const states = await ledger.rowStates(importId, batch);
      expect(states.every((s) => s === RowState.Pending)).toBe(true);
      const pipeline = redis.pipeline();
      for (const line of batch) pipeline.exists(queue.toKey(`${importId}-${line}`));
      const exists = (await pipeline.exec())?.map(([, n]) => n);
      expect(exists?.every((n) => n === 1)).toBe(true);
    }
  }, 120_000);
});
