/**
 * `npm run bench:redis-fsync` — what `appendfsync always` costs the importer, next to `everysec`,
 * in one run: the same import through one in-process worker against a Redis with AOF (on this
 * machine's disk, not tmpfs), once per policy, alternating. Measures rows/s and every Redis round
 * trip the worker makes (its own connection and BullMQ's; blocking waits left out).
 *
 *   npm run bench:redis-fsync -- [--rows 2000] [--concurrency 16] [--latency-ms 20] [--rounds 2]
 *
 * Pipedrive (the sandbox, in-process, no limits) answers after `--latency-ms`, so the figures
 * are those of a worker that Pipedrive does not hold back: on a real account its rate limits cap
 * a worker far below this, and Redis's share of a row's time is smaller still.
 * Writes bench/results/redis-fsync.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { type Command, Redis, type RedisOptions } from 'ioredis';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { LEAD_JOB_NAME, type LeadJobData } from '../src/queue/job-data.js';
import { leadJobOptions, leadPriority } from '../src/queue/job-options.js';
import { ImportLedger } from '../src/queue/ledger.js';
import { LEAD_QUEUE } from '../src/queue/names.js';
import { startSandbox } from '../src/sandbox/index.js';
import { createLeadWorker } from '../src/worker/index.js';
import { REPO_ROOT } from './lib/cli-process.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    'latency-ms': { type: 'string', default: '20' },
    rounds: { type: 'string', default: '2' },
  },
});
const rows = Number(values.rows);
const concurrency = Number(values.concurrency);
const latencyMs = Number(values['latency-ms']);
const rounds = Number(values.rounds);

/** Commands that wait on purpose (BullMQ's blocking fetch): not round trips. */
const BLOCKING = new Set(['bzpopmin', 'bzpopmax', 'brpoplpush', 'blmove', 'xread', 'wait', 'waitaof']);

/** An ioredis client (and every duplicate of it, as BullMQ and the worker make) that times each command. */
class TimedRedis extends Redis {
  constructor(
    options: RedisOptions,
    readonly samples: number[],
  ) {
    super(options);
  }

  override duplicate(override?: Partial<RedisOptions>): Redis {
    return new TimedRedis({ ...this.options, ...override }, this.samples);
  }

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const started = performance.now();
    const result = super.sendCommand(command, stream);
    if (!BLOCKING.has(command.name.toLowerCase())) {
      const done = () => this.samples.push(performance.now() - started);
      command.promise.then(done, done);
    }
    return result;
  }
}

function jobs(importId: string): LeadJobData[] {
  return Array.from({ length: rows }, (_, i) => {
    const p = i % Math.max(1, Math.round(rows * 0.2));
    return {
      v: 1 as const,
      importId,
      line: i + 2,
      lead: { title: `Fsync deal ${i}`, origin_id: importId },
      person: { name: `Person ${p}`, email: `person${p}@org${p % 50}.example` },
      organization: { name: `Company ${p % 50} Ltd` },
      cells: [],
      ...(i % 3 === 0 ? { note: `Note ${i}` } : {}),
    };
  });
}

async function enqueue(redis: Redis, prefix: string, importId: string): Promise<void> {
  const ledger = new ImportLedger(redis, prefix);
  await ledger.createImport({
    importId,
    fileName: 'fsync.csv',
    fileSize: 0,
    fileHash: importId,
    mapping: null,
    header: [],
    createdAt: Date.now(),
  });
  const all = jobs(importId);
  await ledger.markEnqueued(
    importId,
    all.map((j) => j.line),
  );
  const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
  for (let i = 0; i < all.length; i += 500) {
    await queue.addBulk(
      all.slice(i, i + 500).map((data) => ({
        name: LEAD_JOB_NAME,
        data,
        opts: leadJobOptions(importId, data.line, leadPriority(data.line - 1)),
      })),
    );
  }
  await queue.close();
  await ledger.setCounters(importId, { rows: all.length, distinctPersons: 400, distinctOrganizations: 50 });
  await ledger.setState(importId, 'enqueued');
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface RunResult {
  fsync: 'everysec' | 'always';
  round: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  redisCommands: number;
  commandsPerRow: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function runOnce(fsync: 'everysec' | 'always', round: number): Promise<RunResult> {
  // On the real disk: fsync on tmpfs would cost nothing and prove nothing.
  const dir = mkdtempSync(join(resolve(REPO_ROOT, '.tmp'), `fsync-${fsync}-`));
  const server = await startPrivateRedis({ appendOnly: true, dir });
  const sandbox = await startSandbox({ limits: false, latencyMs, dailyTokens: 1_000_000_000 });
  const admin = new Redis(server.url, { maxRetriesPerRequest: null });
  const samples: number[] = [];
  try {
    await admin.config('SET', 'appendfsync', fsync);
    const prefix = `fsync${round}`;
    const importId = `fsync-${fsync}-${round}`;
    await enqueue(admin, prefix, importId);
    const timed = new TimedRedis(
      { port: server.port, host: '127.0.0.1', maxRetriesPerRequest: null },
      samples,
    );
    const worker = createLeadWorker({
      redisUrl: server.url,
      redis: timed,
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: 'sandbox-token' },
      rateLimit: false,
      dailyTokens: 1_000_000_000,
      concurrency,
      warmCache: 'always',
    });
    await worker.ready;
    samples.length = 0;
    const started = performance.now();
    const ledger = new ImportLedger(admin, prefix);
    for (;;) {
      const r = await ledger.getImport(importId);
      if (r && r.pending === 0 && r.state === 'completed') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const sorted = [...samples].sort((a, b) => a - b);
    await worker.close();
    timed.disconnect();
    const state = sandbox.state();
    if (state.duplicateLeads || state.leads !== rows) throw new Error(`bad import: ${JSON.stringify(state)}`);
    return {
      fsync,
      round,
      rows,
      seconds: Math.round(seconds * 10) / 10,
      rowsPerSecond: Math.round(rows / seconds),
      redisCommands: sorted.length,
      commandsPerRow: Math.round((sorted.length / rows) * 10) / 10,
      p50Ms: Math.round(percentile(sorted, 50) * 100) / 100,
      p99Ms: Math.round(percentile(sorted, 99) * 100) / 100,
      maxMs: Math.round((sorted.at(-1) ?? 0) * 10) / 10,
    };
  } finally {
    admin.disconnect();
    await sandbox.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const machine = machineInfo();
console.error(`load before: ${machine.uptime}`);
const results: RunResult[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const fsync of ['everysec', 'always'] as const) {
    const r = await runOnce(fsync, round);
    console.error(`round ${round}, ${fsync}: ${r.rowsPerSecond} rows/s, p99 ${r.p99Ms} ms`);
    results.push(r);
  }
}
printTable(
  `appendfsync everysec vs always (${rows} rows, 1 worker × ${concurrency}, Pipedrive latency ${latencyMs} ms, no limits)`,
  results.map((r) => ({
    fsync: r.fsync,
    round: r.round,
    'rows/s': r.rowsPerSecond,
    'time s': r.seconds,
    'redis cmds/row': r.commandsPerRow,
    'p50 ms': r.p50Ms,
    'p99 ms': r.p99Ms,
    'max ms': r.maxMs,
  })),
);
writeResults('redis-fsync', {
  machine: { before: machine, after: machineInfo() },
  options: { rows, concurrency, latencyMs, rounds },
  results,
});
