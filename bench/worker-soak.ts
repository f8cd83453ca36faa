/**
 * Worker soak: does one worker's memory stay flat over a million jobs? A worker runs in this
 * process (so the script can force a GC and read the heap), against a sandbox process with
 * `--no-limits` and a private redis-server, with `rateLimit: false`; every row is a lead for one
 * organization the worker already knows after the first row, so each job is one
 * `POST /v1/leads` plus all of the worker's own work (BullMQ, checkpoints, ledger, metrics, budget).
 *
 * Jobs are fed as the worker drains them (at most `--window` waiting), so Redis stays small
 * and only the worker can grow. At every checkpoint (`--every` jobs, and 10,000 as a baseline) it
 * forces a full GC (`--expose-gc`) and records RSS, heap used and external memory. Flat means the
 * heap after GC at 1,000,000 jobs is within a few MiB of the one at 100,000.
 *
 *   npm run bench:worker-soak                                # 1,000,000 jobs, checkpoints every 100,000
 *   npm run bench:worker-soak -- --jobs 100000 --every 25000 # quick
 *
 * Prints a table and writes bench/results/worker-soak.json.
 */
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { LEAD_JOB_NAME, type LeadJobData } from '../src/queue/job-data.js';
import { leadJobOptions, leadPriority } from '../src/queue/job-options.js';
import { ImportLedger } from '../src/queue/ledger.js';
import { LEAD_QUEUE } from '../src/queue/names.js';
import { createLeadWorker } from '../src/worker/index.js';
import { benchRedis, redisMemory } from './lib/redis-stats.js';
import { machineInfo, printTable, toMiB, writeResults } from './lib/report.js';
import { startSandboxProcess, unlimitedSandboxFlags } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '1000000' },
    every: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '16' },
    window: { type: 'string', default: '20000' },
  },
});
const JOBS = Number(values.jobs);
const EVERY = Number(values.every);
const WINDOW = Number(values.window);
const BATCH = 1000;
const BASELINE = Math.min(10_000, EVERY);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('Run with node --expose-gc (npm run bench:worker-soak does).');
  process.exit(2);
}

const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);
const redisServer = await startPrivateRedis();
const sandbox = await startSandboxProcess(unlimitedSandboxFlags());
const redis = benchRedis(redisServer.url);
const prefix = `bench-soak-${Date.now()}`;
const importId = 'soak';
const ledger = new ImportLedger(redis, prefix);
const queue = new Queue<LeadJobData>(LEAD_QUEUE, { connection: redis, prefix });

type Checkpoint = {
  jobs: number;
  'wall s': number;
  'jobs/s (since last)': number;
  'RSS MiB': number;
  'heap used MiB': number;
  'external MiB': number;
  'heap used Δ MiB (vs 10k)': number;
  'RSS Δ MiB (vs 10k)': number;
};
const checkpoints: Checkpoint[] = [];

function measure(jobs: number, startedAt: number, last: { at: number; jobs: number }): Checkpoint {
  gc!();
  gc!();
  const m = process.memoryUsage();
  const base = checkpoints[0];
  const now = Date.now();
  const point: Checkpoint = {
    jobs,
    'wall s': Math.round((now - startedAt) / 100) / 10,
    'jobs/s (since last)': Math.round(((jobs - last.jobs) / Math.max(1, now - last.at)) * 1000),
    'RSS MiB': toMiB(m.rss),
    'heap used MiB': toMiB(m.heapUsed),
    'external MiB': toMiB(m.external),
    'heap used Δ MiB (vs 10k)': base ? Math.round((toMiB(m.heapUsed) - base['heap used MiB']) * 10) / 10 : 0,
    'RSS Δ MiB (vs 10k)': base ? Math.round((toMiB(m.rss) - base['RSS MiB']) * 10) / 10 : 0,
  };
  last.at = now;
  last.jobs = jobs;
  console.error(JSON.stringify(point));
  return point;
}

const worker = createLeadWorker({
  redisUrl: redisServer.url,
  prefix,
  pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken, timeoutMs: 10_000 },
  plan: 'ultimate',
  dailyTokens: 1_000_000_000,
  rateLimit: false,
  concurrency: Number(values.concurrency),
});

try {
  await ledger.createImport({
    importId,
    fileName: 'soak.csv',
    fileSize: 0,
    fileHash: importId,
    mapping: null,
    header: ['Title', 'Company'],
    createdAt: Date.now(),
  });
  let fed = 0;
  const feed = async () => {
    const lines = Array.from({ length: Math.min(BATCH, JOBS - fed) }, (_, i) => fed + i + 2);
    fed += lines.length;
    await ledger.markEnqueued(importId, lines);
    await queue.addBulk(
      lines.map((line) => ({
        name: LEAD_JOB_NAME,
        data: {
          v: 1,
          importId,
          line,
          lead: { title: `Soak deal ${line}`, origin_id: importId },
          organization: { name: 'Soak Test Ltd' },
          cells: [`Soak deal ${line}`, 'Soak Test Ltd'],
        },
        opts: leadJobOptions(importId, line, leadPriority(line - 1)),
      })),
    );
  };
  while (fed < Math.min(WINDOW, JOBS)) await feed();
  await worker.ready;
  const startedAt = Date.now();
  const last = { at: startedAt, jobs: 0 };
  let nextCheckpoint = BASELINE;
  for (;;) {
    const record = await ledger.getImport(importId);
    const done = (record?.created ?? 0) + (record?.deadLettered ?? 0);
    if ((record?.deadLettered ?? 0) > 0) throw new Error(`${record?.deadLettered} rows dead-lettered`);
    while (done >= nextCheckpoint && nextCheckpoint <= JOBS) {
      checkpoints.push(measure(done, startedAt, last));
      nextCheckpoint = nextCheckpoint === BASELINE && BASELINE < EVERY ? EVERY : nextCheckpoint + EVERY;
    }
    if (done >= JOBS) break;
    while (fed < JOBS && fed - done < WINDOW - BATCH) await feed();
    await new Promise((r) => setTimeout(r, 200));
  }
  const redisMem = await redisMemory(redis);
  printTable(
    `Worker memory after GC (1 worker in this process, concurrency ${values.concurrency}, sandbox without limits)`,
    checkpoints,
  );
  const first = checkpoints.find((c) => c.jobs >= EVERY) ?? checkpoints[0];
  const lastPoint = checkpoints.at(-1);
  writeResults('worker-soak', {
    machine: { before: machineBefore, after: machineInfo() },
    options: values,
    checkpoints,
    heapGrowthMiBFromFirstCheckpointToLast:
      first && lastPoint ? Math.round((lastPoint['heap used MiB'] - first['heap used MiB']) * 10) / 10 : null,
    redisUsedMiB: toMiB(redisMem.usedBytes),
  });
} finally {
  await worker.close();
  await queue.close();
  redis.disconnect();
  await sandbox.stop();
  await redisServer.stop();
}
