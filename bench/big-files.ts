/**
 * Big files, two parts:
 *  1. Enqueue only: `lead-importer import` of a 1,000,000-row file with no worker running. Time,
 *     rows/s, the producer's peak RSS, Redis memory per waiting job.
 *  2. End to end: 100,000 rows through the producer and N worker processes against a sandbox
 *     without limits. Time, leads/s, peak RSS of every process (producer, each worker, sandbox,
 *     redis-server) and Redis memory at its peak.
 * Each part gets a fresh private redis-server, so `used_memory_peak` is that part's peak.
 *
 *   npm run bench:big-files                                   # 1,000,000 enqueued + 100,000 end to end
 *   npm run bench:big-files -- --enqueue-rows 50000 --rows 5000   # quick, while developing
 *   npm run bench:big-files -- --enqueue-rows 0               # only the end-to-end part
 *
 * Prints tables and writes bench/results/big-files.json.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { killOnExit, spawnCli } from './lib/cli-process.js';
import { runImporter } from './lib/importer-run.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { ProcSampler, readProcStats } from './lib/proc-stats.js';
import { benchRedis, type RedisMemory, redisMemory } from './lib/redis-stats.js';
import { machineInfo, printTable, toMiB, writeResults } from './lib/report.js';
import { startSandboxProcess, unlimitedSandboxFlags } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    'enqueue-rows': { type: 'string', default: '1000000' },
    rows: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    'latency-ms': { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
  },
});
const enqueueRows = Number(values['enqueue-rows']);
const rows = Number(values.rows);
const workers = Number(values.workers);
const dir = mkdtempSync(join(tmpdir(), 'lpi-big-files-'));
const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);

interface EnqueueFigures {
  rows: number;
  fileBytes: number;
  wallMs: number;
  rowsPerS: number;
  enqueued: number;
  producerPeakRssBytes: number;
  producerCpuMs: number;
  redisUsedBeforeBytes: number;
  redisUsedAfterBytes: number;
  redisPeakBytes: number;
  redisBytesPerJob: number;
  redisServerPeakRssBytes: number;
}

/** Part 1: the producer alone fills Redis with `n` waiting jobs. */
async function enqueueOnly(n: number): Promise<EnqueueFigures> {
  const csv = await writeLeadsCsv({
    path: join(dir, `enqueue-${n}.csv`),
    rows: n,
    seed: Number(values.seed),
  });
  const redis = await startPrivateRedis();
  killOnExit(redis.process);
  const sandbox = await startSandboxProcess(unlimitedSandboxFlags());
  const conn = benchRedis(redis.url);
  try {
    const before = await redisMemory(conn);
    const prefix = `bench-enqueue-${Date.now()}`;
    console.error(`enqueue only: ${n} rows (${toMiB(statSync(csv.path).size)} MiB)…`);
    const startedAt = performance.now();
    const producer = spawnCli(['import', csv.path, '--import-id', `enqueue-${n}`, '--json'], {
      name: 'producer',
      env: {
        REDIS_URL: redis.url,
        REDIS_PREFIX: prefix,
        PIPEDRIVE_BASE_URL: sandbox.url,
        PIPEDRIVE_API_TOKEN: sandbox.apiToken,
      },
    });
    let peakRss = 0;
    let cpuMs = 0;
    let redisPeak: RedisMemory = before;
    const watch = setInterval(() => {
      const s = readProcStats(producer.pid);
      if (s) {
        peakRss = Math.max(peakRss, s.peakRssBytes);
        cpuMs = s.cpuMs;
      }
    }, 100);
    const redisWatch = setInterval(() => {
      redisMemory(conn).then(
        (m) => {
          if (m.usedBytes > redisPeak.usedBytes) redisPeak = m;
        },
        () => {},
      );
    }, 500);
    const code = await producer.exited;
    const wallMs = performance.now() - startedAt;
    clearInterval(watch);
    clearInterval(redisWatch);
    const summaryLine = producer
      .stdout()
      .split('\n')
      .find((l) => l.startsWith('{'));
    if (code !== 0 || !summaryLine) {
      throw new Error(`the producer exited with ${code}:\n${producer.lines.slice(-20).join('\n')}`);
    }
    const summary = JSON.parse(summaryLine) as { enqueued: number };
    const after = await redisMemory(conn);
    return {
      rows: n,
      fileBytes: statSync(csv.path).size,
      wallMs,
      rowsPerS: n / (wallMs / 1000),
      enqueued: summary.enqueued,
      producerPeakRssBytes: peakRss,
      producerCpuMs: cpuMs,
      redisUsedBeforeBytes: before.usedBytes,
      redisUsedAfterBytes: after.usedBytes,
      redisPeakBytes: Math.max(after.peakBytes, redisPeak.usedBytes),
      redisBytesPerJob: (after.usedBytes - before.usedBytes) / Math.max(1, summary.enqueued),
      redisServerPeakRssBytes: readProcStats(redis.process.pid!)?.peakRssBytes ?? 0,
    };
  } finally {
    await conn.quit();
    await sandbox.stop();
    await redis.stop();
    rmSync(csv.path, { force: true });
  }
}

interface EndToEndFigures {
  rows: number;
  workers: number;
  wallMs: number;
  enqueueMs: number;
  leadsPerS: number;
  created: number;
  deadLettered: number;
  processes: { name: string; cpuMs: number; peakRssBytes: number }[];
  redisPeak: RedisMemory | null;
  redisUsedPeakBytes: number;
  sandbox: { leads: number; persons: number; organizations: number; duplicates: number };
}

/** Part 2: `n` rows through the producer and the workers. */
async function endToEnd(n: number): Promise<EndToEndFigures> {
  const csv = await writeLeadsCsv({ path: join(dir, `e2e-${n}.csv`), rows: n, seed: Number(values.seed) });
  const redis = await startPrivateRedis();
  killOnExit(redis.process);
  const sandbox = await startSandboxProcess(unlimitedSandboxFlags('--latency-ms', values['latency-ms']));
  const sampler = new ProcSampler(500).start();
  sampler.add('sandbox', sandbox.process.pid);
  sampler.add('redis-server', redis.process.pid!);
  const conn = benchRedis(redis.url);
  try {
    console.error(`end to end: ${n} rows, ${workers} workers…`);
    let lastLog = 0;
    const result = await runImporter({
      csvPath: csv.path,
      redisUrl: redis.url,
      prefix: `bench-e2e-${Date.now()}`,
      sandboxUrl: sandbox.url,
      plan: 'ultimate',
      workers,
      concurrency: Number(values.concurrency),
      workerArgs: ['--no-rate-limit'],
      env: { PIPEDRIVE_DAILY_TOKENS: String(1_000_000_000) },
      sampler,
      pollMs: 500,
      watchRedisMemory: true,
      timeoutMs: 2 * 3600_000,
      onProgress: (record, elapsedMs) => {
        if (elapsedMs - lastLog < 15_000) return;
        lastLog = elapsedMs;
        const rate = record.created / (elapsedMs / 1000);
        console.error(
          `  ${record.created}/${n} created after ${Math.round(elapsedMs / 1000)} s (${rate.toFixed(0)}/s)`,
        );
      },
    });
    const processes = sampler.stop();
    const state = await sandbox.state();
    const info = await redisMemory(conn);
    return {
      rows: n,
      workers,
      wallMs: result.wallMs,
      enqueueMs: result.enqueueMs,
      leadsPerS: result.record.created / (result.wallMs / 1000),
      created: result.record.created,
      deadLettered: result.record.deadLettered,
      processes: [...processes.filter((p) => p.name !== 'producer'), result.producer],
      redisPeak: result.redisPeak ?? null,
      redisUsedPeakBytes: info.peakBytes,
      sandbox: {
        leads: state.leads,
        persons: state.persons,
        organizations: state.organizations,
        duplicates: state.duplicatePersons + state.duplicateOrganizations + state.duplicateLeads,
      },
    };
  } finally {
    sampler.stop();
    await conn.quit();
    await sandbox.stop();
    await redis.stop();
    rmSync(csv.path, { force: true });
  }
}

try {
  const enqueue = enqueueRows > 0 ? await enqueueOnly(enqueueRows) : null;
  if (enqueue) {
    printTable(`Enqueue only: ${enqueue.rows.toLocaleString('en-US')} rows, no worker running`, [
      {
        'file MiB': toMiB(enqueue.fileBytes),
        'wall s': enqueue.wallMs / 1000,
        'rows/s': enqueue.rowsPerS,
        enqueued: enqueue.enqueued,
        'producer peak RSS MiB': toMiB(enqueue.producerPeakRssBytes),
        'producer CPU s': enqueue.producerCpuMs / 1000,
        'Redis used MiB': toMiB(enqueue.redisUsedAfterBytes),
        'Redis bytes/job': enqueue.redisBytesPerJob,
        'redis-server peak RSS MiB': toMiB(enqueue.redisServerPeakRssBytes),
      },
    ]);
  }
  const e2e = rows > 0 ? await endToEnd(rows) : null;
  if (e2e) {
    printTable(
      `End to end: ${e2e.rows.toLocaleString('en-US')} rows, ${e2e.workers} workers, sandbox without limits, ${values['latency-ms']} ms latency`,
      [
        {
          'wall s': e2e.wallMs / 1000,
          'enqueue s': e2e.enqueueMs / 1000,
          'leads/s': e2e.leadsPerS,
          created: e2e.created,
          'dead-lettered': e2e.deadLettered,
          'Redis peak used MiB': toMiB(e2e.redisUsedPeakBytes),
          'sandbox leads': e2e.sandbox.leads,
          duplicates: e2e.sandbox.duplicates,
        },
      ],
    );
    printTable(
      'Processes (CPU from the producer start; peak RSS = VmHWM)',
      e2e.processes.map((p) => ({
        process: p.name,
        'CPU s': p.cpuMs / 1000,
        'peak RSS MiB': toMiB(p.peakRssBytes),
      })),
    );
  }
  const machineAfter = machineInfo();
  console.error(`load after: ${machineAfter.uptime}`);
  writeResults('big-files', {
    machine: machineBefore,
    loadAfter: machineAfter.uptime,
    enqueue,
    endToEnd: e2e,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
