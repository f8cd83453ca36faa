import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { loadConfig } from '../../src/config/config.js';
import { startDashboard } from '../../src/dashboard/index.js';
import { importCsv } from '../../src/producer/index.js';
import type { LeadJobData } from '../../src/queue/job-data.js';
import {
  IMPORT_FIRST_START_TURN,
  IMPORT_HEAD_START_TURNS,
  IMPORT_PRIORITY_MAX,
  importStartTurn,
  leadPriority,
  MAX_JOB_PRIORITY,
  parseImportPriority,
} from '../../src/queue/job-options.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { chunkJobIdFor, jobIdFor, leadQueueName } from '../../src/queue/names.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();
const limits = { burstPer2s: 20, dailyTokens: 30_000 };
let sandbox: RunningSandbox;
const dir = mkdtempSync(join(tmpdir(), 'lpi-priority-'));
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A CSV of `rows` leads (title and organization), `tag` in every title so two files differ. */
function leadsFile(name: string, rows: number, tag = name): string {
  const path = join(dir, `${name}.csv`);
  const lines = ['Title,Organization'];
  for (let i = 1; i <= rows; i++) lines.push(`${tag} deal ${i},${tag} company ${i}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/**
 * One row per job unless told: these tests pin each row's own priority, ceil(turn / weight), on its own
 * `import-line` job; a chunk (the default, 10 rows per job) takes its first row's, tested on its own below.
 */
function env(prefix: string, rowsPerJob = '1'): Record<string, string> {
  return {
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    PIPEDRIVE_BASE_URL: sandbox.url,
    PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    LEAD_IMPORTER_ROWS_PER_JOB: rowsPerJob,
  };
}

async function cli(args: string[], prefix = uniquePrefix('prio')) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await main(args, { stdout, stderr, env: env(prefix) });
  return { code, out, err };
}

/** The lead queue's waiting jobs in the order a worker takes them (lowest priority first, FIFO among equals). */
async function queueOrder(prefix: string): Promise<{ id: string; priority: number }[]> {
  const queue = new Queue<LeadJobData>(leadQueueName('default'), { connection: redis, prefix });
  try {
    const jobs = await queue.getJobs(['prioritized', 'waiting'], 0, -1, true);
    return jobs.map((j) => ({ id: j.id!, priority: j.opts.priority ?? 0 }));
  } finally {
    await queue.close();
  }
}

/** As if a worker had taken an import's first `rows` rows (lines 2…rows + 1): their jobs leave the queue. */
async function takeFirstRows(prefix: string, importId: string, rows: number): Promise<void> {
  const queue = new Queue<LeadJobData>(leadQueueName('default'), { connection: redis, prefix });
  try {
    const taken = Array.from({ length: rows }, (_, i) => jobIdFor(importId, i + 2));
    for (let i = 0; i < taken.length; i += 200) {
      await Promise.all(taken.slice(i, i + 200).map((id) => queue.remove(id)));
    }
  } finally {
    await queue.close();
  }
}

describe('leadPriority', () => {
  it("is the row's turn divided by the import's weight, rounded up", () => {
    expect([1, 2, 3, 100].map((t) => leadPriority(t))).toEqual([1, 2, 3, 100]);
    expect([1, 2, 3, 4, 5, 6, 7].map((t) => leadPriority(t, 3))).toEqual([1, 1, 1, 2, 2, 2, 3]);
    expect(leadPriority(250, 100)).toBe(3);
  });

  it('never gives 0 (no priority: such a job would run before every other) nor more than BullMQ takes', () => {
    expect(MAX_JOB_PRIORITY).toBe(2_097_151);
    expect(leadPriority(0)).toBe(1);
    expect(leadPriority(-5)).toBe(1);
    expect(leadPriority(Number.NaN)).toBe(1);
    expect(leadPriority(MAX_JOB_PRIORITY)).toBe(MAX_JOB_PRIORITY);
    expect(leadPriority(50_000_000)).toBe(MAX_JOB_PRIORITY);
    expect(leadPriority(50_000_000, 100)).toBe(500_000);
  });

  it("counts from the import's start turn", () => {
    expect([1, 2, 3].map((t) => leadPriority(t, 1, 500))).toEqual([501, 502, 503]);
    expect([1, 3, 4].map((t) => leadPriority(t, 3, 500))).toEqual([501, 501, 502]);
    expect(leadPriority(10, 1, -4)).toBe(10);
    expect(leadPriority(10, 1, Number.NaN)).toBe(10);
    expect(leadPriority(10, 1, MAX_JOB_PRIORITY)).toBe(MAX_JOB_PRIORITY);
  });

  it('starts a new import a head start before the row its connection serves next, never below 0', () => {
    expect(IMPORT_HEAD_START_TURNS).toBe(1_000);
    expect([1, 999, 1_000].map(importStartTurn)).toEqual([0, 0, 0]);
    expect(importStartTurn(1_001)).toBe(1);
    expect(importStartTurn(250_000)).toBe(249_000);
    expect(importStartTurn(MAX_JOB_PRIORITY)).toBe(MAX_JOB_PRIORITY - IMPORT_HEAD_START_TURNS);
    expect(importStartTurn(1e12)).toBe(MAX_JOB_PRIORITY - 1);
  });

  it('starts the first import on an empty queue high enough for the next ones to get their full head start', () => {
    expect(IMPORT_FIRST_START_TURN).toBe(10 * IMPORT_HEAD_START_TURNS);
    expect(importStartTurn(0)).toBe(IMPORT_FIRST_START_TURN);
    expect(importStartTurn(Number.NaN)).toBe(IMPORT_FIRST_START_TURN);
    // One served row later, a newcomer goes a whole head start ahead of the first import's next row…
    const next = leadPriority(2, 1, IMPORT_FIRST_START_TURN);
    expect(next - importStartTurn(next)).toBe(IMPORT_HEAD_START_TURNS);
    // …and ten newcomers, each arriving as the previous one's first row is served, each get theirs.
    let serving = next;
    for (let i = 0; i < 9; i++) {
      const start = importStartTurn(serving);
      expect(serving - start).toBe(IMPORT_HEAD_START_TURNS);
      serving = leadPriority(2, 1, start);
    }
  });

  it('reads a weight outside 1…100 as the nearest sensible one', () => {
    expect(leadPriority(10, 0)).toBe(10);
    expect(leadPriority(10, 2.5)).toBe(10);
    expect(leadPriority(1_000, 1_000)).toBe(10);
  });

  it('parses --priority as a whole number from 1 to 100', () => {
    expect(['1', '7', '100', ' 3 '].map(parseImportPriority)).toEqual([1, 7, 100, 3]);
    for (const bad of ['0', '101', '-1', '2.5', 'high', '', '1e2', '0x10']) {
      expect(parseImportPriority(bad), bad).toBeUndefined();
    }
    expect(IMPORT_PRIORITY_MAX).toBe(100);
  });
});

describe('import --priority', () => {
  it('is documented in --help', async () => {
    const { code, out } = await cli(['import', '--help']);
    expect(code).toBe(0);
    expect(out).toContain('--priority N');
  });

  it.each([['0'], ['101'], ['2.5'], ['high'], ['-3']])(
    'exits 2 with one clear line for --priority %s, before anything is written',
    async (value) => {
      const prefix = uniquePrefix('prio');
      const { code, err } = await cli(['import', leadsFile('flag', 3), `--priority=${value}`], prefix);
      expect(code).toBe(2);
      expect(err).toContain(`--priority must be a whole number from 1 to 100`);
      expect(err).toContain(`got "${value}"`);
      expect(err).not.toContain('    at ');
      expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    },
  );

  it('is kept on the import record and shown by status (text and --json) and in import --json', async () => {
    const prefix = uniquePrefix('prio');
    const imported = await cli(['import', leadsFile('shown', 4), '--priority', '7', '--json'], prefix);
    expect(imported.code).toBe(0);
    const summary = JSON.parse(imported.out);
    expect(summary.priority).toBe(7);
    expect((await new ImportLedger(redis, prefix).getImport(summary.importId))?.priority).toBe(7);

    const json = await cli(['status', summary.importId, '--json'], prefix);
    expect(JSON.parse(json.out)).toMatchObject({ importId: summary.importId, priority: 7 });
    const text = await cli(['status', summary.importId], prefix);
    expect(text.out).toContain('priority 7');

    const dashboard = await startDashboard({ redis, prefix, limits, port: 0 });
    try {
      const list = await (await fetch(`${dashboard.url}/`)).text();
      expect(list).toContain(`${summary.importId} · priority 7</div>`);
      const api = await (await fetch(`${dashboard.url}/api/imports`)).json();
      expect(api.imports[0]).toMatchObject({ importId: summary.importId, priority: 7 });
      const page = await (await fetch(`${dashboard.url}/imports/${summary.importId}`)).text();
      expect(page).toContain('<dt>Priority</dt><dd data-field="priority">7</dd>');
    } finally {
      await dashboard.close();
    }
  });

  it('gives every job the priority ceil(turn / weight), so imports on one queue take turns by weight', async () => {
    const prefix = uniquePrefix('prio');
    const config = loadConfig(env(prefix));
    const served = IMPORT_HEAD_START_TURNS;
    const a = await importCsv({ file: leadsFile('a', served + 6), config, redis });
    // As if a worker had already taken A's first 1,000 rows: B, of weight 3, goes ahead for its head start of
    // 1,000 turns (3,000 rows at 3 a turn), then shares.
    await takeFirstRows(prefix, a.importId, served);
    const headStartRows = 3 * IMPORT_HEAD_START_TURNS;
    const b = await importCsv({ file: leadsFile('b', headStartRows + 9), config, redis, priority: 3 });
    expect([a.priority, b.priority]).toEqual([1, 3]);

    const order = await queueOrder(prefix);
    const A = (turn: number) => jobIdFor(a.importId, served + turn + 1);
    const B = (turn: number) => jobIdFor(b.importId, headStartRows - 3 + turn + 1);
    expect(order.slice(0, headStartRows - 3).map((j) => j.id)).toEqual(
      Array.from({ length: headStartRows - 3 }, (_, i) => jobIdFor(b.importId, i + 2)),
    );
    // Then turn k of A (weight 1) and B's three rows of the same turn share a priority; A was enqueued first.
    expect(order.slice(headStartRows - 3).map((j) => j.id)).toEqual([
      A(1),
      B(1),
      B(2),
      B(3),
      A(2),
      B(4),
      B(5),
      B(6),
      A(3),
      B(7),
      B(8),
      B(9),
      A(4),
      B(10),
      B(11),
      B(12),
      A(5),
      A(6),
    ]);
    expect(order.every((j) => j.priority >= 1)).toBe(true);
  });

  it('at the default of 10 rows per job, gives each chunk the priority of its first row, the short last one too', async () => {
    const prefix = uniquePrefix('prio');
    const config = loadConfig(env(prefix, ''));
    expect(config.rowsPerJob).toBe(10);
    const a = await importCsv({ file: leadsFile('chunked', 25), config, redis, priority: 3 });
    const startTurn = (await new ImportLedger(redis, prefix).getImport(a.importId))?.startTurn;
    expect((await queueOrder(prefix)).map((j) => [j.id, j.priority])).toEqual(
      [0, 1, 2].map((c) => [chunkJobIdFor(a.importId, c), leadPriority(c * 10 + 1, 3, startTurn)]),
    );
  });

  it("puts a new small import's rows ahead of the rest of a big one", async () => {
    const prefix = uniquePrefix('prio');
    const config = loadConfig(env(prefix));
    const big = await importCsv({ file: leadsFile('big', 40), config, redis });
    // As if a worker had already taken the big import's first 20 rows.
    const queue = new Queue<LeadJobData>(leadQueueName('default'), { connection: redis, prefix });
    try {
      for (let line = 2; line <= 21; line++) await queue.remove(jobIdFor(big.importId, line));
    } finally {
      await queue.close();
    }
    const small = await importCsv({ file: leadsFile('small', 5), config, redis });
    const order = (await queueOrder(prefix)).map((j) => j.id);
    expect(order.slice(0, 5)).toEqual([2, 3, 4, 5, 6].map((line) => jobIdFor(small.importId, line)));
    expect(order.slice(5)).toEqual(Array.from({ length: 20 }, (_, i) => jobIdFor(big.importId, i + 22)));
  });

  it('lets a big import started late go ahead by its head start only, then take turns with the one under way', async () => {
    const prefix = uniquePrefix('prio');
    const config = loadConfig(env(prefix));
    const served = IMPORT_HEAD_START_TURNS + 20;
    const first = await importCsv({ file: leadsFile('first', served + 30), config, redis });
    // As if a worker had already taken the first import's rows up to turn `served`.
    await takeFirstRows(prefix, first.importId, served);
    const late = await importCsv({ file: leadsFile('late', IMPORT_HEAD_START_TURNS + 40), config, redis });
    expect((await new ImportLedger(redis, prefix).getImport(late.importId))?.startTurn).toBe(
      IMPORT_FIRST_START_TURN + 21,
    );

    const order = (await queueOrder(prefix)).map((j) => j.id);
    const First = (turn: number) => jobIdFor(first.importId, turn + 1);
    const Late = (turn: number) => jobIdFor(late.importId, turn + 1);
    // The late import's first 1,000 turns (priorities 10,022…11,021) go ahead of the first import's next row
    // (11,021, added first, so first among equals at 11,021)…
    expect(order.slice(0, 999)).toEqual(Array.from({ length: 999 }, (_, i) => Late(i + 1)));
    // …then the two take turns, row for row.
    expect(order.slice(999, 1_007)).toEqual([
      First(served + 1),
      Late(1_000),
      First(served + 2),
      Late(1_001),
      First(served + 3),
      Late(1_002),
      First(served + 4),
      Late(1_003),
    ]);
    // A re-run keeps the start turn it was created with, whatever the queue holds now.
    const again = await importCsv({ file: leadsFile('late', IMPORT_HEAD_START_TURNS + 40), config, redis });
    expect(again.importId).toBe(late.importId);
    expect((await new ImportLedger(redis, prefix).getImport(late.importId))?.startTurn).toBe(
      IMPORT_FIRST_START_TURN + 21,
    );
  });

  it('counts turns among valid rows only, and a re-run re-adds a lost job with the priority it had', async () => {
    const prefix = uniquePrefix('prio');
    const config = loadConfig(env(prefix));
    // Line 3's email is not one: rejected, and takes no turn.
    const file = join(dir, 'gaps.csv');
    writeFileSync(
      file,
      'Title,Organization,Email\nOne,Org 1,\nTwo,Org 2,bob@\nThree,Org 3,\nFour,Org 4,\nFive,Org 5,\n',
    );
    const first = await importCsv({ file, config, redis, priority: 2 });
    expect(first).toMatchObject({ enqueued: 4, rejected: 1, priority: 2 });
    const before = await queueOrder(prefix);
    // turns 1, 2, 3, 4 on lines 2, 4, 5, 6 → priorities 1, 1, 2, 2 after the first import's start turn
    const start = IMPORT_FIRST_START_TURN;
    expect(before).toEqual([
      { id: jobIdFor(first.importId, 2), priority: start + 1 },
      { id: jobIdFor(first.importId, 4), priority: start + 1 },
      { id: jobIdFor(first.importId, 5), priority: start + 2 },
      { id: jobIdFor(first.importId, 6), priority: start + 2 },
    ]);

    // A producer killed between the ledger and the queue leaves rows pending without their job.
    const queue = new Queue<LeadJobData>(leadQueueName('default'), { connection: redis, prefix });
    try {
      await queue.remove(jobIdFor(first.importId, 5));
      await queue.remove(jobIdFor(first.importId, 2));
      const again = await importCsv({ file, config, redis, priority: 9 });
      expect(again).toMatchObject({ enqueued: 0, requeued: 2, priority: 2 });
      expect(again.warnings.join('\n')).toContain(
        `Import ${first.importId} keeps priority 2, the one it started with (--priority 9 applies to new imports only)`,
      );
      const job = await queue.getJob(jobIdFor(first.importId, 5));
      expect(job?.data.turn).toBe(3);
      expect(job?.opts.priority).toBe(start + 2);
      expect((await queue.getJob(jobIdFor(first.importId, 2)))?.opts.priority).toBe(start + 1);
    } finally {
      await queue.close();
    }
  });
});
