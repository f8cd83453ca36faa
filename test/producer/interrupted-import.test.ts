import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startPrivateRedis } from '../../src/dev/private-redis.js';
import { createOpsContext } from '../../src/ops/ops-context.js';
import { getStatus, listStatuses, PRODUCER_SILENT_AFTER_MS } from '../../src/ops/status.js';
import { ImportLedger, PRODUCER_HEARTBEAT_MS } from '../../src/queue/ledger.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { spawnCli } from '../helpers/cli-process.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

/** An import the operator interrupts, or whose Redis goes away, while the producer streams a big file. */

const dir = mkdtempSync(join(tmpdir(), 'lpi-interrupted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file big enough that the producer is still reading it seconds after it started. */
function bigFile(name: string, rows: number): string {
  const file = join(dir, name);
  const lines = ['Name,Email,Company'];
  for (let i = 0; i < rows; i++) lines.push(`Person ${i},p${i}@example.com,Company ${i % 500}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Polls until the import has at least `rows` rows enqueued. */
/**
 * A killed producer's import, judged a little over a minute after `killedAt`: stalled, with `stateText` as `expected`,
 * and listed the same way. Returns its status.
 */
async function expectStoppedAMinuteLater(
  ops: ReturnType<typeof createOpsContext>,
  importId: string,
  killedAt: number,
  expected: RegExp,
): Promise<Awaited<ReturnType<typeof getStatus>>> {
  const later = killedAt + PRODUCER_SILENT_AFTER_MS + 1_000;
  const stopped = await getStatus(ops, importId, later);
  expect(stopped.state).toBe('stalled');
  expect(stopped.stateText).toMatch(expected);
  const [listed] = await listStatuses(ops, 1, later);
  expect(listed?.stateText).toBe(stopped.stateText);
  return stopped;
}

async function enqueuedAtLeast(redis: Redis, prefix: string, importId: string, rows: number): Promise<void> {
  const ledger = new ImportLedger(redis, prefix);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (((await ledger.getImport(importId))?.enqueued ?? 0) >= rows) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`import ${importId} never reached ${rows} enqueued rows`);
}

describe('an import whose Redis goes away mid-file', () => {
  it('exits 2 naming Redis, the import and how far it got, and says to run the same command again', async () => {
    const server = await startPrivateRedis();
    const redis = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => null });
    redis.on('error', () => {});
    try {
      const file = bigFile('redis-lost.csv', 150_000);
      const importId = 'redis-lost';
      const producer = spawnCli(['import', file, '--import-id', importId], {
        REDIS_URL: server.url,
        REDIS_PREFIX: 'lost',
        LOG_LEVEL: 'silent',
      });
      await enqueuedAtLeast(redis, 'lost', importId, 2_000);
      server.process.kill('SIGKILL');
      const code = await producer.exited;
      const out = producer.output();
      // Documented: 2 for Redis unreachable; not 1 with ioredis's "max retries per request limit".
      expect(out).not.toMatch(/unexpected error|maxRetriesPerRequest/);
      expect(out).toMatch(
        /Lost Redis at redis:\/\/127\.0\.0\.1:\d+ while import redis-lost was being enqueued, after [\d,]+ rows of redis-lost\.csv/,
      );
      expect(out).toMatch(/run the same import command again/);
      expect(code).toBe(2);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  }, 120_000);
});

describe('an import the operator stops mid-file', () => {
  const redis = testRedis();
  const ROWS = 150_000;
  const file = bigFile('stopped.csv', ROWS);

  it('on Ctrl-C or SIGTERM enqueues what it read, says how far it got and exits 130 or 143; the same command then enqueues the rest, each row once', async () => {
    const prefix = uniquePrefix('stop');
    const importId = 'stopped';
    const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' };
    const ledger = new ImportLedger(redis, prefix);
    for (const [signal, code, depth] of [
      ['SIGINT', 130, 2_000],
      ['SIGTERM', 143, 40_000],
    ] as const) {
      const producer = spawnCli(['import', file, '--import-id', importId], env);
      await enqueuedAtLeast(redis, prefix, importId, depth);
      producer.kill(signal);
      expect(await producer.exited).toBe(code);
      expect(producer.output()).toMatch(
        new RegExp(
          `lead-importer import: interrupted \\(${signal}\\) after [\\d,]+ rows of stopped\\.csv, [\\d,]+ of them enqueued by this run\\. Run the same import command again to enqueue the rest`,
        ),
      );
      const record = await ledger.getImport(importId);
      // `status` shows it as stopped, with the way on, rather than "reading the file" for ever.
      expect(record?.state).toBe('failed');
      expect(record?.error).toMatch(new RegExp(`^interrupted \\(${signal}\\)`));
      expect(record?.enqueued).toBeLessThan(ROWS);
    }

    const last = spawnCli(['import', file, '--import-id', importId, '--json'], env);
    expect(await last.exited).toBe(0);
    const summary = JSON.parse(last.output().trim().split('\n').at(-1) ?? '{}');
    // What the stopped runs read had its jobs: nothing to add back as lost.
    expect(summary.requeued).toBe(0);
    expect(summary.enqueued + summary.alreadyImported).toBe(ROWS);
    expect(summary.state).toBe('enqueued');
    const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
    try {
      const counts = await queue.getJobCounts('prioritized', 'waiting');
      // Ten rows a job (the default): every row once.
      expect((counts.prioritized ?? 0) + (counts.waiting ?? 0)).toBe(ROWS / 10);
    } finally {
      await queue.close();
    }
    expect((await ledger.getImport(importId))?.pending).toBe(ROWS);
  }, 180_000);

  it('--wait says at once that no worker is running, in its opening summary and its progress line, with no ETA', async () => {
    const prefix = uniquePrefix('waitnone');
    const small = bigFile('wait-none.csv', 20);
    const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' };
    const waiting = spawnCli(['import', small, '--import-id', 'wait-none', '--wait'], env);
    // Before: "Waiting for workers to finish it", then "running · … · ETA 6 s" until 30 s had passed.
    expect(await waiting.waitFor(/pending 20/, 10_000)).not.toBeNull();
    waiting.kill('SIGINT');
    expect(await waiting.exited).toBe(130);
    const out = waiting.output();
    expect(out).toContain(
      'No worker is running: the rows wait on the queue until one is started (`lead-importer worker`). Waiting for one to finish them',
    );
    expect(out).toContain(
      'wait-none: running, but no worker is running: its rows wait on the queue. Start one: `lead-importer worker` · created 0 · dead-lettered 0 · pending 20',
    );
    expect(out).not.toContain('ETA');
  }, 60_000);

  it('--wait stopped by Ctrl-C while rows are pending exits 130, not 0: the import is not finished', async () => {
    const prefix = uniquePrefix('waitstop');
    const small = bigFile('wait-stopped.csv', 20);
    const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' };
    // No worker: the rows stay pending.
    const waiting = spawnCli(['import', small, '--import-id', 'wait-stopped', '--wait'], env);
    expect(await waiting.waitFor(/Waiting for one to finish them/)).not.toBeNull();
    waiting.kill('SIGINT');
    expect(await waiting.exited).toBe(130);
    expect(waiting.output()).toMatch(/Stopped waiting; the import goes on/);
  }, 60_000);
});

describe('an import whose producer is killed mid-file', () => {
  const redis = testRedis();

  it('shows in status and on the imports page as stopped, with what to do, once it has not beaten for a minute; not while it reads', async () => {
    const prefix = uniquePrefix('killed');
    const importId = 'killed';
    const file = bigFile('killed.csv', 400_000);
    const producer = spawnCli(['import', file, '--import-id', importId], {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'silent',
    });
    const ops = createOpsContext({ redis, prefix, limits: { burstPer2s: 20, dailyTokens: 30_000 } });
    try {
      await enqueuedAtLeast(redis, prefix, importId, 2_000);
      // Alive: it beats on a timer of its own, whatever its batches wait on.
      await new Promise((r) => setTimeout(r, PRODUCER_HEARTBEAT_MS + 500));
      expect(producer.running()).toBe(true);
      const alive = await getStatus(ops, importId);
      expect(alive.state).toBe('reading');
      expect(alive.stateText).toBe('reading the file');
      producer.kill('SIGKILL');
      await producer.exited;
      const killedAt = Date.now();
      expect((await getStatus(ops, importId, killedAt)).state).toBe('reading');
      // Before: "reading the file" for ever, with an ETA.
      const stopped = await expectStoppedAMinuteLater(
        ops,
        importId,
        killedAt,
        /^stalled: the producer stopped while reading the file \(no progress for (6[0-9]|7[0-9]) s\): run the same import command again \(`lead-importer import killed\.csv …` with the same options/,
      );
      expect(stopped.etaText).toBeNull();
    } finally {
      if (producer.running()) producer.kill('SIGKILL');
      await ops.close();
    }
  }, 120_000);
});

describe('an import whose producer is killed right after it wrote the import record', () => {
  const redis = testRedis();

  it('shows as stopped a minute later, as one killed mid-file does: the record is its first sign of life', async () => {
    const prefix = uniquePrefix('killedearly');
    const importId = 'killed-early';
    const file = bigFile('killed-early.csv', 10);
    // The fault holds the producer after createImport, before its heartbeat's first beat (see the fixture).
    const producer = spawnCli(
      ['import', file, '--import-id', importId],
      { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' },
      ['--import', join(import.meta.dirname, '../fixtures/faults/pause-after-import-record.ts')],
    );
    const ops = createOpsContext({ redis, prefix, limits: { burstPer2s: 20, dailyTokens: 30_000 } });
    try {
      expect(
        await producer.waitFor(/LPI_FAULT: paused after the import record/, 60_000),
        producer.output(),
      ).not.toBeNull();
      producer.kill('SIGKILL');
      await producer.exited;
      const killedAt = Date.now();
      const record = await new ImportLedger(redis, prefix).getImport(importId);
      expect(record).toMatchObject({ state: 'reading', enqueued: 0 });
      expect((await getStatus(ops, importId, killedAt)).stateText).toBe('reading the file');
      // Before: "reading the file" for ever (a record without a beat was not judged).
      await expectStoppedAMinuteLater(
        ops,
        importId,
        killedAt,
        /^stalled: the producer stopped while reading the file \(no progress for (6[0-9]|7[0-9]) s\): run the same import command again \(`lead-importer import killed-early\.csv …`/,
      );
    } finally {
      if (producer.running()) producer.kill('SIGKILL');
      await ops.close();
    }
  }, 120_000);
});

describe('a file that changes while it is imported', () => {
  const redis = testRedis();

  it('stops with exit 2 saying so and how to go on with the same import; going on enqueues each row once', async () => {
    const prefix = uniquePrefix('changing');
    const ROWS = 200_000;
    const file = bigFile('changing.csv', ROWS);
    const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' };
    const producer = spawnCli(['import', file, '--json'], env);
    const ledger = new ImportLedger(redis, prefix);
    let importId: string | undefined;
    const deadline = Date.now() + 60_000;
    while (!importId && Date.now() < deadline) {
      importId = (await ledger.listImports(1))[0]?.importId;
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!importId) throw new Error('the import never started');
    await enqueuedAtLeast(redis, prefix, importId, 2_000);
    // Whatever wrote it was not done: 1,000 more rows.
    const more: string[] = [];
    for (let i = ROWS; i < ROWS + 1_000; i++) more.push(`Person ${i},p${i}@example.com,Company ${i % 500}`);
    appendFileSync(file, `${more.join('\n')}\n`);
    // Before: exit 0 with the rows of the grown file under the id of the bytes hashed before, so that the next run, of
    // the same finished file, was another import and enqueued all 601,000 rows again.
    expect(await producer.exited).toBe(2);
    const out = producer.output();
    expect(out).toMatch(
      new RegExp(
        `changing\\.csv changed while it was being read \\([\\d,]+ → [\\d,]+ bytes\\): is something still writing it\\? Import ${importId} stopped after [\\d,]+ rows read, [\\d,]+ enqueued\\. Once the file is complete, go on with this import: \`lead-importer import changing\\.csv --import-id ${importId}\``,
      ),
    );
    expect((await ledger.getImport(importId))?.state).toBe('failed');
    const again = spawnCli(['import', file, '--import-id', importId, '--json'], env);
    expect(await again.exited).toBe(0);
    const summary = JSON.parse(again.output().trim().split('\n').at(-1) ?? '{}');
    expect(summary.enqueued + summary.alreadyImported).toBe(ROWS + 1_000);
    expect((await ledger.getImport(importId))?.pending).toBe(ROWS + 1_000);
  }, 180_000);
});
