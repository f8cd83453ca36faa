/**
 * Rate-limit utilisation: how much of Pipedrive's burst window the workers use while work
 * remains, and how often they still hit a 429. Three `lead-importer worker` processes and the
 * producer import a generated file into a sandbox process on Growth limits (40 requests per
 * rolling 2 s per token) with 100 ± 50 ms latency.
 *
 *   npm run bench:worker-rate-limit                        # 800 rows, 3 workers, margin 1 (the worker's default)
 *   npm run bench:worker-rate-limit -- --rate-limit-margin 0.9
 *   npm run bench:worker-rate-limit -- --rows 300          # quicker
 *
 * Utilisation = requests the sandbox admitted per 2 s, averaged over the busy period (first to
 * last import request), ÷ the plan's limit. Targets: ≥ 90 % and ≤ 5 429s per 1,000 requests.
 * Prints a table and writes bench/results/worker-rate-limit.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import type { RequestLogEntry } from '../src/sandbox/index.js';
import { runImporter } from './lib/importer-run.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { ProcSampler } from './lib/proc-stats.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';
import { startSandboxProcess } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '800' },
    workers: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    'rate-limit-margin': { type: 'string', default: '1' },
    'latency-ms': { type: 'string', default: '50' },
    'latency-jitter-ms': { type: 'string', default: '100' },
    seed: { type: 'string', default: '42' },
  },
});
const rows = Number(values.rows);
const LIMIT = 40;
const WINDOW_MS = 2000;

/** Admitted requests in every rolling 2-s window that starts at a request (the sandbox's view). */
function windows(log: RequestLogEntry[]): { mean: number; median: number; peak: number; min: number } {
  const times = log.map((e) => e.at).sort((a, b) => a - b);
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? 0;
  // Fixed 2-s buckets for the average (the busy period only), sliding windows for the peak.
  const buckets: number[] = [];
  for (let t = first; t + WINDOW_MS <= last; t += WINDOW_MS) {
    buckets.push(times.filter((x) => x >= t && x < t + WINDOW_MS).length);
  }
  let peak = 0;
  let from = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[i]! - times[from]! >= WINDOW_MS) from++;
    peak = Math.max(peak, i - from + 1);
  }
  const sorted = [...buckets].sort((a, b) => a - b);
  const mean = buckets.length ? buckets.reduce((a, b) => a + b, 0) / buckets.length : times.length;
  return { mean, median: sorted[Math.floor(sorted.length / 2)] ?? 0, peak, min: sorted[0] ?? 0 };
}

const dir = mkdtempSync(join(tmpdir(), 'lpi-bench-rl-'));
const csv = await writeLeadsCsv({ path: join(dir, 'leads.csv'), rows, seed: Number(values.seed) });
const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);
const redis = await startPrivateRedis();
const sandbox = await startSandboxProcess([
  '--plan',
  'growth',
  '--latency-ms',
  values['latency-ms'],
  '--latency-jitter-ms',
  values['latency-jitter-ms'],
  '--seed',
  values.seed,
]);
const sampler = new ProcSampler().start();

try {
  console.error(
    `${rows} rows (${csv.persons} persons, ${csv.organizations} organizations), ${values.workers} workers × ` +
      `${values.concurrency}, margin ${values['rate-limit-margin']}, Growth (${LIMIT}/2 s), ` +
      `${values['latency-ms']}+[0,${values['latency-jitter-ms']}) ms latency`,
  );
  const run = await runImporter({
    csvPath: csv.path,
    redisUrl: redis.url,
    prefix: `bench-rl-${Date.now()}`,
    sandboxUrl: sandbox.url,
    plan: 'growth',
    workers: Number(values.workers),
    concurrency: Number(values.concurrency),
    workerArgs: ['--rate-limit-margin', values['rate-limit-margin']],
    sampler,
    onProgress: (r, ms) => {
      if (Math.round(ms) % 10_000 < 200)
        console.error(`  ${r.created}/${r.rows} after ${Math.round(ms / 1000)} s`);
    },
  });
  const log = (await sandbox.requests()).filter(
    (e) => !e.path.startsWith('/_sandbox') && e.at >= run.startedAtEpochMs,
  );
  const state = await sandbox.state();
  // Requests the workers made (the producer reads users, labels, fields and currencies first).
  const workerLog = log.filter((e) => /\/(persons|organizations|leads)/.test(e.path));
  const admitted = workerLog.filter((e) => e.status !== 429);
  const rateLimited = workerLog.length - admitted.length;
  const w = windows(admitted);
  const busySeconds = ((admitted.at(-1)?.at ?? 0) - (admitted[0]?.at ?? 0)) / 1000;
  const result = {
    rows,
    created: run.record.created,
    deadLettered: run.record.deadLettered,
    requests: workerLog.length,
    '429s': rateLimited,
    '429s per 1,000': (rateLimited / Math.max(1, workerLog.length)) * 1000,
    'busy s': busySeconds,
    'req per 2 s (mean)': w.mean,
    'req per 2 s (median)': w.median,
    'peak in any 2 s': w.peak,
    'utilisation %': (w.mean / LIMIT) * 100,
    'dup persons': state.duplicatePersons,
    'dup orgs': state.duplicateOrganizations,
    'dup leads': state.duplicateLeads,
  };
  printTable(
    `Rate-limit utilisation (Growth, ${LIMIT}/2 s; ${values.workers} workers; margin ${values['rate-limit-margin']})`,
    [result],
  );
  writeResults('worker-rate-limit', {
    machine: { before: machineBefore, after: machineInfo() },
    options: values,
    targets: { utilisationPercent: 90, rateLimitedPerThousand: 5 },
    result,
    workers: run.workers,
  });
} finally {
  sampler.stop();
  await sandbox.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
