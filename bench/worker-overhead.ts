/**
 * Worker overhead: how many leads one `lead-importer worker` process sustains when Pipedrive is
 * not the bottleneck (a sandbox process with `--no-limits` and no latency; the worker with
 * `--no-rate-limit`, which turns client-side spacing off but keeps everything else: budget
 * governor, locks, cache, checkpoints, ledger, metrics). Target ≥ 250 leads/s, so one process
 * can saturate even Ultimate's OAuth burst limit (480 per 2 s).
 *
 *   npm run bench:worker-overhead                        # 5,000 rows, concurrency 16
 *   npm run bench:worker-overhead -- --concurrency 8
 *
 * Leads/s is measured at the sandbox, from the first to the last lead created; CPU ms per lead
 * is the worker process's CPU (from /proc) over that import ÷ leads. The sandbox, Redis and the
 * worker share this machine's cores, so the figure is a floor.
 * Prints a table and writes bench/results/worker-overhead.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { runImporter } from './lib/importer-run.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { ProcSampler } from './lib/proc-stats.js';
import { machineInfo, printTable, toMiB, writeResults } from './lib/report.js';
import { startSandboxProcess } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '16' },
    seed: { type: 'string', default: '42' },
  },
});
const rows = Number(values.rows);

const dir = mkdtempSync(join(tmpdir(), 'lpi-bench-overhead-'));
const csv = await writeLeadsCsv({ path: join(dir, 'leads.csv'), rows, seed: Number(values.seed) });
const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);
const redis = await startPrivateRedis();
// A budget no import here can spend: this measures the worker, not the governor.
const sandbox = await startSandboxProcess([
  '--no-limits',
  '--daily-tokens',
  '1000000000',
  '--seed',
  values.seed,
]);
const sampler = new ProcSampler().start();
sampler.add('sandbox', sandbox.process.pid);
sampler.add('redis-server', redis.process.pid!);

try {
  console.error(
    `${rows} rows (${csv.persons} persons, ${csv.organizations} organizations), 1 worker × ${values.concurrency}, no limits`,
  );
  const run = await runImporter({
    csvPath: csv.path,
    redisUrl: redis.url,
    prefix: `bench-oh-${Date.now()}`,
    sandboxUrl: sandbox.url,
    plan: 'ultimate',
    workers: 1,
    concurrency: Number(values.concurrency),
    workerArgs: ['--no-rate-limit'],
    env: { PIPEDRIVE_DAILY_TOKENS: '1000000000' },
    sampler,
  });
  const leadsAt = (await sandbox.requests())
    .filter((e) => e.method === 'POST' && /\/v1\/leads$/.test(e.path) && e.status === 201)
    .map((e) => e.at);
  const spanS = ((leadsAt.at(-1) ?? 0) - (leadsAt[0] ?? 0)) / 1000;
  const processes = sampler.results();
  const worker = run.workers[0]!;
  const cpu = (name: string) => processes.find((p) => p.name === name)?.cpuMs ?? 0;
  const result = {
    rows,
    leads: run.record.created,
    'leads/s': leadsAt.length / Math.max(0.001, spanS),
    'wall s (producer start → last row)': run.wallMs / 1000,
    'worker CPU ms/lead': worker.cpuMs / Math.max(1, run.record.created),
    'worker peak RSS MiB': toMiB(worker.peakRssBytes),
    'sandbox CPU ms/lead': cpu('sandbox') / Math.max(1, run.record.created),
    'redis CPU ms/lead': cpu('redis-server') / Math.max(1, run.record.created),
  };
  printTable(`Worker overhead (1 process, concurrency ${values.concurrency}; target ≥ 250 leads/s)`, [
    result,
  ]);
  writeResults('worker-overhead', {
    machine: { before: machineBefore, after: machineInfo() },
    options: values,
    target: { leadsPerSecond: 250 },
    result,
    processes,
  });
} finally {
  sampler.stop();
  await sandbox.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
