/**
 * Producer throughput and memory on a generated 1,000,000-row CSV, against a private
 * redis-server started here:
 *
 *  1. parse only: read, parse, validate and normalise every row, count distinct contacts
 *     (`importCsv` as a dry run, offline: everything but Redis), in this process;
 *  2. enqueue end to end: `lead-importer import FILE --json` as a child process (ledger + queue),
 *     run as shipped (`bin/lead-importer.js` → dist/, built first if src/ is newer), its peak RSS
 *     (`VmHWM`) sampled from /proc, Redis `used_memory` per waiting row after it;
 *  3. raw `addBulk` of the same jobs (same data shape and size, the same rows per job as the producer's
 *     `LEAD_IMPORTER_ROWS_PER_JOB`, same batch size and batches in flight, no parsing, no ledger): the
 *     ceiling the producer is measured against.
 *
 * Targets (issue #3): end to end ≥ 70 % of raw addBulk, peak RSS ≤ 200 MB, ≤ 1 KB per waiting row. Memory is
 * per row, not per BullMQ job: a job holds `LEAD_IMPORTER_ROWS_PER_JOB` rows (10 by default).
 *
 *   npm run bench:producer                     # 1,000,000 rows
 *   npm run bench:producer -- --rows 100000    # quick
 *
 * Prints a table and writes bench/results/producer-throughput.json.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type JobsOptions, Queue } from 'bullmq';
import { loadConfig } from '../src/config/config.js';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { openCsv } from '../src/producer/csv-reader.js';
import { importCsv } from '../src/producer/import-csv.js';
import { mapColumns } from '../src/producer/mapping.js';
import { createRowValidator } from '../src/producer/row-validator.js';
import {
  LEAD_CHUNK_JOB_NAME,
  LEAD_JOB_NAME,
  type LeadJobData,
  type LeadQueueJobData,
} from '../src/queue/job-data.js';
import { leadChunkJobOptions, leadJobOptions, leadPriority } from '../src/queue/job-options.js';
import { LEAD_QUEUE } from '../src/queue/names.js';
import { buildDistIfStale } from '../test/setup/build-dist.js';
import { spawnCli } from './lib/cli-process.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { ProcSampler, readProcStats } from './lib/proc-stats.js';
import { benchRedis, redisMemory } from './lib/redis-stats.js';
import { machineInfo, printTable, toMiB, writeResults } from './lib/report.js';
import { startSandboxProcess } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: '200' },
    /** NODE_OPTIONS for the producer process, e.g. `--max-old-space-size=128`. */
    'node-options': { type: 'string', default: '' },
    'in-flight': { type: 'string', default: '4' },
    /** Runs of the enqueue and raw stages, alternated; the best of each counts (the machine is shared). */
    repeat: { type: 'string', default: '1' },
  },
});
const REPEAT = Math.max(1, Number(values.repeat));
const ROWS = Number(values.rows);
const BATCH = Number(values['batch-size']);
const IN_FLIGHT = Number(values['in-flight']);

if (buildDistIfStale()) console.error('built dist/ (src/ was newer)');
const dir = mkdtempSync(join(tmpdir(), 'lpi-bench-producer-'));
const redisServer = await startPrivateRedis();
const redis = benchRedis(redisServer.url);
const prefix = 'lpi';
// The producer reads the currencies and the user's default currency once (the file has amounts).
const sandbox = await startSandboxProcess(['--no-limits']);
const env = {
  REDIS_URL: redisServer.url,
  REDIS_PREFIX: prefix,
  PIPEDRIVE_BASE_URL: sandbox.url,
  PIPEDRIVE_API_TOKEN: sandbox.apiToken,
  LOG_LEVEL: 'silent',
};
const config = loadConfig(env);
const ROWS_PER_JOB = config.rowsPerJob;

try {
  const file = join(dir, 'leads.csv');
  console.error(`generating ${ROWS.toLocaleString('en-US')} rows…`);
  await writeLeadsCsv({ path: file, rows: ROWS });
  const fileBytes = statSync(file).size;

  // 1. Parse only.
  console.error('parse only…');
  const parsed = await importCsv({ file, config, dryRun: true, offline: true });
  const parseRate = parsed.rows / (parsed.durationMs / 1000);

  const templates = await firstJobs(file, 10_000);
  let best: Enqueued | undefined;
  let raw: Raw | undefined;
  for (let run = 0; run < REPEAT; run++) {
    console.error(`enqueue end to end (run ${run + 1} of ${REPEAT})…`);
    const e = await enqueueEndToEnd(file);
    if (!best || e.rate > best.rate) best = { ...e, peakRss: Math.max(e.peakRss, best?.peakRss ?? 0) };
    else best.peakRss = Math.max(best.peakRss, e.peakRss);
    console.error(`raw addBulk (run ${run + 1} of ${REPEAT})…`);
    const r = await rawAddBulk(templates);
    if (!raw || r.rate > raw.rate) raw = r;
  }
  const { rate: enqueueRate, durationMs, peakRss, bytesPerRow, waiting } = best as Enqueued;
  const rawRate = (raw as Raw).rate;

  // Bytes per waiting row by hash encoding: BullMQ's job hash holds `data` and `opts`, both longer
  // than Redis's default `hash-max-listpack-value 64`, so each job is a full hash table.
  const stockBytes = await bytesPerRowWith(templates, '64');
  const listpackBytes = await bytesPerRowWith(templates, '1024');

  const rows = [
    {
      stage: 'parse only (read, parse, validate)',
      'rows/s': Math.round(parseRate),
      'time s': parsed.durationMs / 1000,
    },
    {
      stage: 'enqueue end to end (lead-importer import)',
      'rows/s': Math.round(enqueueRate),
      'time s': durationMs / 1000,
      'client CPU µs/row': Math.round((best as Enqueued).cpuUsPerRow),
      'redis CPU µs/row': Math.round((best as Enqueued).redisCpuUsPerRow),
    },
    {
      stage: 'raw addBulk, same jobs (ceiling)',
      'rows/s': Math.round(rawRate),
      'time s': ROWS / rawRate,
      'client CPU µs/row': Math.round((raw as Raw).cpuUsPerRow),
      'redis CPU µs/row': Math.round((raw as Raw).redisCpuUsPerRow),
    },
  ];
  printTable(
    `Producer, ${ROWS.toLocaleString('en-US')} rows (${toMiB(fileBytes)} MiB), ${ROWS_PER_JOB} rows per job, batches of ${BATCH} rows, ${IN_FLIGHT} in flight`,
    rows,
  );
  const ratio = enqueueRate / rawRate;
  const targets = [
    {
      measure: 'end to end ÷ raw addBulk',
      value: `${Math.round(ratio * 100)} %`,
      target: '≥ 70 %',
      met: ratio >= 0.7,
    },
    {
      measure: 'producer peak RSS',
      value: `${toMiB(peakRss)} MiB`,
      target: '≤ 200 MB',
      met: peakRss <= 200e6,
    },
    {
      measure: 'Redis memory per waiting row',
      value: `${Math.round(bytesPerRow)} B`,
      target: '≤ 1 KB',
      met: bytesPerRow <= 1024,
    },
  ];
  printTable('Targets', targets);
  printTable(
    `Redis bytes per waiting row by hash encoding (20,000 rows of the same data, ${ROWS_PER_JOB} per job)`,
    [
      { 'hash-max-listpack-value': '64 (Redis default)', 'bytes/row': stockBytes },
      { 'hash-max-listpack-value': '1024', 'bytes/row': listpackBytes },
    ],
  );
  writeResults('producer-throughput', {
    machine: machineInfo(),
    rows: ROWS,
    fileBytes,
    batchSize: BATCH,
    rowsPerJob: ROWS_PER_JOB,
    producerNodeOptions: values['node-options'] || null,
    inFlight: IN_FLIGHT,
    repeat: REPEAT,
    parseRowsPerSecond: Math.round(parseRate),
    enqueueRowsPerSecond: Math.round(enqueueRate),
    rawAddBulkRowsPerSecond: Math.round(rawRate),
    endToEndShareOfRaw: Math.round(ratio * 1000) / 1000,
    producerCpuUsPerRow: Math.round((best as Enqueued).cpuUsPerRow),
    rawClientCpuUsPerRow: Math.round((raw as Raw).cpuUsPerRow),
    redisCpuUsPerRowEndToEnd: Math.round((best as Enqueued).redisCpuUsPerRow),
    redisCpuUsPerRowRaw: Math.round((raw as Raw).redisCpuUsPerRow),
    producerPeakRssBytes: peakRss,
    redisBytesPerWaitingRow: Math.round(bytesPerRow),
    waitingJobs: waiting,
    redisBytesPerRowByEncoding: {
      'hash-max-listpack-value 64 (default)': stockBytes,
      'hash-max-listpack-value 1024': listpackBytes,
    },
    targets,
  });
} finally {
  redis.disconnect();
  await sandbox.process.stop();
  await redisServer.stop();
  rmSync(dir, { recursive: true, force: true });
}

interface Enqueued {
  rate: number;
  /** Producer CPU (user + system) per row, µs: independent of how busy the machine is. */
  cpuUsPerRow: number;
  /** redis-server CPU per row during the run, µs. */
  redisCpuUsPerRow: number;
  durationMs: number;
  peakRss: number;
  bytesPerRow: number;
  /** Jobs waiting after the import (chunks of {@link ROWS_PER_JOB} rows). */
  waiting: number;
}

/** `lead-importer import FILE --json` in a child process, on an empty Redis. */
async function enqueueEndToEnd(file: string): Promise<Enqueued> {
  await redis.flushall();
  const memoryBefore = await redisMemory(redis);
  const sampler = new ProcSampler(50);
  const redisCpuBefore = readProcStats(redisServer.process.pid as number)?.cpuMs ?? 0;
  const producer = spawnCli(['import', file, '--json'], {
    name: 'producer',
    // The shipped binary, so the peak RSS is the producer's, not the TypeScript loader's.
    built: true,
    env: values['node-options'] ? { ...env, NODE_OPTIONS: values['node-options'] } : env,
  });
  sampler.add('producer', producer.pid);
  sampler.start();
  const exit = await producer.exited;
  sampler.sample();
  sampler.stop();
  if (exit !== 0) throw new Error(`producer exited with ${exit}: ${producer.lines.slice(-5).join('\n')}`);
  const summary = JSON.parse(producer.stdout()) as { enqueued: number; durationMs: number };
  const redisCpuMs = (readProcStats(redisServer.process.pid as number)?.cpuMs ?? 0) - redisCpuBefore;
  const producerCpuMs = sampler.results()[0]?.cpuMs ?? 0;
  const memoryAfter = await redisMemory(redis);
  // Lead jobs wait with a priority (turns between imports): in the prioritized sorted set, not the wait list.
  const waiting =
    (await redis.llen(`${prefix}:${LEAD_QUEUE}:wait`)) +
    (await redis.zcard(`${prefix}:${LEAD_QUEUE}:prioritized`));
  return {
    rate: summary.enqueued / (summary.durationMs / 1000),
    cpuUsPerRow: (producerCpuMs * 1000) / summary.enqueued,
    redisCpuUsPerRow: (redisCpuMs * 1000) / summary.enqueued,
    durationMs: summary.durationMs,
    peakRss: sampler.results()[0]?.peakRssBytes ?? 0,
    bytesPerRow: (memoryAfter.usedBytes - memoryBefore.usedBytes) / summary.enqueued,
    waiting,
  };
}

/** `addBulk` of jobs like the producer's (re-numbered copies of real ones), same batching. */
async function rawAddBulk(templates: LeadJobData[]): Promise<Raw> {
  await redis.flushall();
  const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
  await queue.waitUntilReady();
  const redisCpuBefore = readProcStats(redisServer.process.pid as number)?.cpuMs ?? 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let start = 0; start < ROWS; start += BATCH) {
    inFlight.push(queue.addBulk(jobsOf(templates, 'raw', start, Math.min(start + BATCH, ROWS))));
    if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const rate = ROWS / ((performance.now() - started) / 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpuMs = (readProcStats(redisServer.process.pid as number)?.cpuMs ?? 0) - redisCpuBefore;
  await queue.close();
  return { rate, cpuUsPerRow: (cpu.user + cpu.system) / ROWS, redisCpuUsPerRow: (redisCpuMs * 1000) / ROWS };
}

interface Raw {
  rate: number;
  cpuUsPerRow: number;
  redisCpuUsPerRow: number;
}

/**
 * The jobs the producer would add for rows `from` … `to - 1` (0-based) of an import: one per row, or chunks of
 * {@link ROWS_PER_JOB} rows (`from` a multiple of it), made of re-numbered copies of `templates`.
 */
function jobsOf(
  templates: LeadJobData[],
  importId: string,
  from: number,
  to: number,
): { name: string; data: LeadQueueJobData; opts: JobsOptions }[] {
  const row = (i: number): LeadJobData => ({
    ...(templates[i % templates.length] as LeadJobData),
    importId,
    line: i + 2,
    turn: i + 1,
  });
  const jobs: { name: string; data: LeadQueueJobData; opts: JobsOptions }[] = [];
  if (ROWS_PER_JOB === 1) {
    for (let i = from; i < to; i++) {
      jobs.push({
        name: LEAD_JOB_NAME,
        data: row(i),
        opts: leadJobOptions(importId, i + 2, leadPriority(i + 1)),
      });
    }
    return jobs;
  }
  for (let first = from; first < to; first += ROWS_PER_JOB) {
    const chunk = first / ROWS_PER_JOB;
    const rows: LeadJobData[] = [];
    for (let i = first; i < Math.min(first + ROWS_PER_JOB, to); i++) rows.push(row(i));
    jobs.push({
      name: LEAD_CHUNK_JOB_NAME,
      data: { v: 1 as const, importId, chunk, rows },
      opts: leadChunkJobOptions(importId, chunk, leadPriority(first + 1)),
    });
  }
  return jobs;
}

/** `used_memory` per row after adding 20,000 rows, with the given `hash-max-listpack-value`. */
async function bytesPerRowWith(templates: LeadJobData[], listpackValue: string): Promise<number> {
  await redis.flushall();
  await redis.config('SET', 'hash-max-listpack-value', listpackValue);
  const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
  await queue.waitUntilReady();
  const before = (await redisMemory(redis)).usedBytes;
  const n = 20_000;
  for (let start = 0; start < n; start += BATCH)
    await queue.addBulk(jobsOf(templates, 'mem', start, start + BATCH));
  const bytes = Math.round(((await redisMemory(redis)).usedBytes - before) / n);
  await queue.close();
  await redis.config('SET', 'hash-max-listpack-value', '64');
  return bytes;
}

/** The first `n` valid rows of the file as job data (what the producer would enqueue). */
async function firstJobs(file: string, n: number): Promise<LeadJobData[]> {
  const csv = await openCsv(file);
  const mapping = mapColumns({}, csv.header, undefined, {});
  const validate = createRowValidator(mapping, 'raw');
  const jobs: LeadJobData[] = [];
  for await (const row of csv.rows()) {
    const result = validate(row.line, row.cells);
    if ('ok' in result) jobs.push(result.ok);
    if (jobs.length >= n) break;
  }
  await csv.close();
  return jobs;
}
