/**
 * Worker soak: does one worker's memory stay flat over a million leads? A worker process (`LeadWorkerProcess`) runs
 * in this process (so the script can force a GC and read the heap), against sandbox processes with `--no-limits`
 * and a private redis-server, with `rateLimit: false`; every row is a lead for one organization the worker already
 * knows after the first row, so each row is one `POST /v1/leads` plus all of the worker's own work (BullMQ,
 * checkpoints, leases, ledger, metrics, budget).
 *
 * Rows are enqueued as the producer enqueues them (`LeadEnqueuer`, src/producer/enqueuer.ts): `--rows-per-job k`
 * rows per BullMQ job, chunk jobs for k > 1 (the importer's default, `DEFAULT_ROWS_PER_JOB`), single-row jobs for
 * k = 1 (what this script fed before 2026-12-03). `--connections n` serves n companies from the one process (each a
 * sandbox process of its own, one import each, the rows shared out evenly), which exercises the per-connection
 * parts (queues, limiters, governors, the permits' turns).
 *
 * Rows are fed as the worker drains them (at most `--window` waiting), so Redis stays small and only the worker can
 * grow. At every checkpoint (`--every` rows, and 10,000 as a baseline) it forces a full GC (`--expose-gc`) and
 * records RSS, heap used, external memory and array buffers; with `--heap-snapshots DIR` it also writes a heap
 * snapshot there (`v8.writeHeapSnapshot`, after the GC) for comparing retained sizes by constructor. Flat means the
 * heap after GC at the last checkpoint is within a few MiB of the one at the first `--every`.
 *
 *   npm run bench:worker-soak                                    # 1,000,000 rows, checkpoints every 100,000
 *   npm run bench:worker-soak -- --jobs 100000 --every 25000     # quick (--jobs counts rows)
 *   npm run bench:worker-soak -- --rows-per-job 1                # single-row jobs
 *   npm run bench:worker-soak -- --connections 4                 # four companies, one worker process
 *
 * Prints a table and writes bench/results/worker-soak[-k<k>][-c<n>].json.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { Queue } from 'bullmq';
import { DEFAULT_ROWS_PER_JOB } from '../src/config/config.js';
import { DEFAULT_CONNECTION } from '../src/config/connection-config.js';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import type { ConnectionMetrics } from '../src/metrics/recorder.js';
import { LeadEnqueuer } from '../src/producer/enqueuer.js';
import { type LeadJobData, type LeadQueueJobData, MAX_ROWS_PER_JOB } from '../src/queue/job-data.js';
import { ImportLedger } from '../src/queue/ledger.js';
import { leadQueueName } from '../src/queue/names.js';
import { LeadWorkerProcess } from '../src/worker/index.js';
import { benchRedis, redisMemory } from './lib/redis-stats.js';
import { machineInfo, printTable, toMiB, writeResults } from './lib/report.js';
import { type SandboxProcess, startSandboxProcess, unlimitedSandboxFlags } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    /** Rows (leads) in all; with one row per job, jobs. */
    jobs: { type: 'string', default: '1000000' },
    every: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '16' },
    window: { type: 'string', default: '20000' },
    'rows-per-job': { type: 'string', default: String(DEFAULT_ROWS_PER_JOB) },
    connections: { type: 'string', default: '1' },
    'heap-snapshots': { type: 'string' },
    /** Each sandbox's latency (as `bench:many-companies`, whose worker holds ~concurrency rows in flight). */
    'latency-ms': { type: 'string', default: '0' },
    'latency-jitter-ms': { type: 'string', default: '0' },
  },
});
const ROWS = Number(values.jobs);
const EVERY = Number(values.every);
const WINDOW = Number(values.window);
const ROWS_PER_JOB = Number(values['rows-per-job']);
const CONNECTIONS = Number(values.connections);
if (!Number.isInteger(ROWS_PER_JOB) || ROWS_PER_JOB < 1 || ROWS_PER_JOB > MAX_ROWS_PER_JOB) {
  console.error(`--rows-per-job must be a whole number from 1 to ${MAX_ROWS_PER_JOB}`);
  process.exit(2);
}
/**
 * Rows per feed of one import: whole chunks (each feed has an enqueuer of its own, and a chunk cut in two would be
 * two adds of one job id, the second a no-op).
 */
const BATCH = ROWS_PER_JOB * Math.floor(1000 / ROWS_PER_JOB);
const BASELINE = Math.min(10_000, EVERY);
const snapshotDir = values['heap-snapshots'];
if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('Run with node --expose-gc (npm run bench:worker-soak does).');
  process.exit(2);
}

/** The producer's counters of rejected rows: a soak rejects none. */
const noMetrics: ConnectionMetrics = {
  recordCall() {},
  recordRateLimited() {},
  recordOutcome() {},
  flush: async () => {},
};

const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);
const redisServer = await startPrivateRedis();
const names =
  CONNECTIONS === 1
    ? [DEFAULT_CONNECTION]
    : Array.from({ length: CONNECTIONS }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
const sandboxes: SandboxProcess[] = [];
for (const [i, name] of names.entries()) {
  const flags = Object.entries({
    '--company-id': String(3001 + i),
    '--api-token': `token-${name}`,
    '--latency-ms': values['latency-ms'],
    '--latency-jitter-ms': values['latency-jitter-ms'],
  }).flat();
  sandboxes.push(await startSandboxProcess(unlimitedSandboxFlags(...flags)));
}
const redis = benchRedis(redisServer.url);
const prefix = `bench-soak-${Date.now()}`;
const ledger = new ImportLedger(redis, prefix);

interface Company {
  name: string;
  importId: string;
  rows: number;
  fed: number;
  queue: Queue<LeadQueueJobData>;
}
const companies: Company[] = names.map((name, i) => ({
  name,
  importId: `soak-${name}`,
  rows: Math.floor(ROWS / CONNECTIONS) + (i < ROWS % CONNECTIONS ? 1 : 0),
  fed: 0,
  queue: new Queue<LeadQueueJobData>(leadQueueName(name), { connection: redis, prefix }),
}));

type Checkpoint = {
  rows: number;
  'wall s': number;
  'rows/s (since last)': number;
  'RSS MiB': number;
  /** The process's peak RSS so far (`VmHWM`): what `bench:many-companies` reports of its worker. */
  'peak RSS MiB': number;
  'heap total MiB': number;
  'heap used MiB': number;
  'external MiB': number;
  'array buffers MiB': number;
  'heap used Δ MiB (vs 10k)': number;
  'RSS Δ MiB (vs 10k)': number;
};
const checkpoints: Checkpoint[] = [];

/** `VmHWM` of /proc/self/status (Linux); 0 elsewhere. */
function peakRssMiB(): number {
  try {
    const kB = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kB ? toMiB(Number(kB) * 1024) : 0;
  } catch {
    return 0;
  }
}

function measure(rows: number, startedAt: number, last: { at: number; rows: number }): Checkpoint {
  gc!();
  gc!();
  const m = process.memoryUsage();
  const base = checkpoints[0];
  const now = Date.now();
  const point: Checkpoint = {
    rows,
    'wall s': Math.round((now - startedAt) / 100) / 10,
    'rows/s (since last)': Math.round(((rows - last.rows) / Math.max(1, now - last.at)) * 1000),
    'RSS MiB': toMiB(m.rss),
    'peak RSS MiB': peakRssMiB(),
    'heap total MiB': toMiB(m.heapTotal),
    'heap used MiB': toMiB(m.heapUsed),
    'external MiB': toMiB(m.external),
    'array buffers MiB': toMiB(m.arrayBuffers),
    'heap used Δ MiB (vs 10k)': base ? Math.round((toMiB(m.heapUsed) - base['heap used MiB']) * 10) / 10 : 0,
    'RSS Δ MiB (vs 10k)': base ? Math.round((toMiB(m.rss) - base['RSS MiB']) * 10) / 10 : 0,
  };
  last.at = now;
  last.rows = rows;
  console.error(JSON.stringify(point));
  if (snapshotDir)
    console.error(`heap snapshot: ${writeHeapSnapshot(join(snapshotDir, `soak-${rows}.heapsnapshot`))}`);
  return point;
}

const worker = new LeadWorkerProcess({
  redisUrl: redisServer.url,
  prefix,
  rateLimit: false,
  concurrency: Number(values.concurrency),
  rowsPerJob: ROWS_PER_JOB,
});
const served = names.map((name, i) =>
  worker.serve({
    name,
    pipedrive: { baseUrl: sandboxes[i]!.url, apiToken: `token-${name}`, timeoutMs: 10_000 },
    plan: 'ultimate',
    dailyTokens: 1_000_000_000,
  }),
);

/** Enqueues the company's next rows as the producer does (its chunks at k > 1). */
async function feed(company: Company): Promise<void> {
  const count = Math.min(BATCH, company.rows - company.fed);
  const enqueuer = new LeadEnqueuer({
    queue: company.queue,
    ledger,
    importId: company.importId,
    metrics: noMetrics,
    rowsPerJob: ROWS_PER_JOB,
  });
  for (let i = 0; i < count; i++) {
    const turn = company.fed + i + 1;
    const line = turn + 1;
    const row: LeadJobData = {
      v: 1,
      importId: company.importId,
      line,
      turn,
      lead: { title: `Soak deal ${line}`, origin_id: company.importId },
      organization: { name: 'Soak Test Ltd' },
      cells: [`Soak deal ${line}`, 'Soak Test Ltd'],
    };
    await enqueuer.add(row);
  }
  await enqueuer.finish();
  company.fed += count;
}

try {
  for (const company of companies) {
    await ledger.createImport({
      importId: company.importId,
      connection: company.name,
      rowsPerJob: ROWS_PER_JOB,
      fileName: 'soak.csv',
      fileSize: 0,
      fileHash: company.importId,
      mapping: null,
      header: ['Title', 'Company'],
      createdAt: Date.now(),
    });
  }
  const perWindow = Math.ceil(WINDOW / CONNECTIONS);
  for (const company of companies) {
    while (company.fed < Math.min(perWindow, company.rows)) await feed(company);
  }
  await Promise.all(served.map((w) => w.ready));
  const startedAt = Date.now();
  const last = { at: startedAt, rows: 0 };
  let nextCheckpoint = BASELINE;
  for (;;) {
    let done = 0;
    for (const company of companies) {
      const record = await ledger.getImport(company.importId);
      const finished = (record?.created ?? 0) + (record?.deadLettered ?? 0);
      if ((record?.deadLettered ?? 0) > 0)
        throw new Error(`${record?.deadLettered} rows of ${company.importId} dead-lettered`);
      done += finished;
      while (company.fed < company.rows && company.fed - finished < perWindow - BATCH) await feed(company);
    }
    while (done >= nextCheckpoint && nextCheckpoint <= ROWS) {
      checkpoints.push(measure(done, startedAt, last));
      nextCheckpoint = nextCheckpoint === BASELINE && BASELINE < EVERY ? EVERY : nextCheckpoint + EVERY;
    }
    if (done >= ROWS) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const redisMem = await redisMemory(redis);
  printTable(
    `Worker memory after GC (1 worker process in this process, ${CONNECTIONS} connection(s), ${ROWS_PER_JOB} row(s) per job, concurrency ${values.concurrency}, sandboxes without limits)`,
    checkpoints,
  );
  const first = checkpoints.find((c) => c.rows >= EVERY) ?? checkpoints[0];
  const lastPoint = checkpoints.at(-1);
  const suffix = `${ROWS_PER_JOB === DEFAULT_ROWS_PER_JOB ? '' : `-k${ROWS_PER_JOB}`}${CONNECTIONS === 1 ? '' : `-c${CONNECTIONS}`}`;
  writeResults(`worker-soak${suffix}`, {
    machine: { before: machineBefore, after: machineInfo() },
    options: values,
    checkpoints,
    heapGrowthMiBFromFirstCheckpointToLast:
      first && lastPoint ? Math.round((lastPoint['heap used MiB'] - first['heap used MiB']) * 10) / 10 : null,
    redisUsedMiB: toMiB(redisMem.usedBytes),
  });
} finally {
  await worker.close();
  for (const company of companies) await company.queue.close();
  redis.disconnect();
  for (const sandbox of sandboxes) await sandbox.stop();
  await redisServer.stop();
}
