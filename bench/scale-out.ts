/**
 * Scale-out: the same import with 1, 2 and 4 worker processes against a sandbox without limits
 * and with 50 ms latency, so that only the pipeline (workers, Redis, the sandbox, the machine's
 * CPUs) sets the pace. For each run: leads/s, worker CPU per lead, and the CPU each process used
 * (1,000 ms per second = one core busy), which says what the bottleneck is.
 *
 * Unless `--rate-limit` is given, the workers run with `--no-rate-limit` (no client-side spacing; 429s would still be honoured)
 * and a daily budget far above what the runs spend (PIPEDRIVE_DAILY_TOKENS), so neither limiter
 * plays a part.
 *
 *   npm run bench:scale-out                            # 5,000 rows per run, 1/2/4 workers
 *   npm run bench:scale-out -- --rows 1000 --workers 1,2
 *   npm run bench:scale-out -- --concurrency 16 --latency-ms 0
 *   npm run bench:scale-out -- --rows 1000 --workers 1 --breakdown
 *   npm run bench:scale-out -- --rows 1000 --workers 1 --breakdown --rate-limit
 *
 * `--rate-limit` runs the workers with their rate limiter on, as they run by default (Ultimate's
 * windows, the sandbox still without limits): what the limiter itself costs per lead.
 *
 * Every run prints its Redis commands per lead by command name (`INFO commandstats`, which counts
 * what Lua scripts run too). `--breakdown` also charges each command to where it came from (BullMQ's
 * scripts, ours, the rate limiter, metrics, …) through a MONITOR connection, which costs Redis
 * CPU: take CPU figures from a run without it.
 *
 * Prints a table and writes bench/results/scale-out.json.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { killOnExit } from './lib/cli-process.js';
import { runImporter } from './lib/importer-run.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { machineBusyShare, ProcSampler, readMachineCpu } from './lib/proc-stats.js';
import { commandStats, commandStatsDelta, type OriginCount, watchCommands } from './lib/redis-breakdown.js';
import { benchRedis, countSent, redisCommandsProcessed, withoutOwn } from './lib/redis-stats.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';
import { startSandboxProcess, unlimitedSandboxFlags } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    workers: { type: 'string', default: '1,2,4' },
    concurrency: { type: 'string', default: '8' },
    'latency-ms': { type: 'string', default: '50' },
    seed: { type: 'string', default: '42' },
    breakdown: { type: 'boolean', default: false },
    'rate-limit': { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const workerCounts = values.workers.split(',').map(Number);
const concurrency = Number(values.concurrency);
const workerFlags = values['rate-limit'] ? [] : ['--no-rate-limit'];

const dir = mkdtempSync(join(tmpdir(), 'lpi-scale-out-'));
const csv = await writeLeadsCsv({ path: join(dir, 'leads.csv'), rows, seed: Number(values.seed) });
const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);
const redis = await startPrivateRedis();
killOnExit(redis.process);
const sandbox = await startSandboxProcess(unlimitedSandboxFlags('--latency-ms', values['latency-ms']));
const conn = benchRedis(redis.url);

interface RunFigures {
  workers: number;
  wallMs: number;
  /** Leads per second between 10% and 90% of the rows created (start-up and tail left out). */
  steadyLeadsPerS: number;
  leadsPerS: number;
  created: number;
  deadLettered: number;
  workerCpuMsPerLead: number;
  /** Workers' `write` system calls per lead: Redis round trips (a pipeline is one), HTTP requests, log lines. */
  workerWritesPerLead: number;
  /** Redis commands (every client: workers, producer, the bench's polling) per lead created. */
  redisCommandsPerLead: number;
  /** API requests the sandbox served per lead created. */
  requestsPerLead: number;
  /** CPU of each kind of process over the run, in ms per wall second (1,000 = one core). */
  coreMsPerS: Record<'workers' | 'sandbox' | 'redis' | 'producer' | 'all', number>;
  /** Share of the whole machine's CPU (every core, every process, ours or not) busy during the run. */
  machineBusy: number;
  processes: { name: string; cpuMs: number; peakRssBytes: number }[];
  duplicates: { persons: number; organizations: number; leads: number };
  /** Redis commands per lead by command name (scripts' inner commands included). */
  commandsPerLead: Record<string, number>;
  /** With --breakdown: per lead, by origin. */
  origins?: (OriginCount & { perLead: number })[];
}

const runs: RunFigures[] = [];
try {
  for (const workers of workerCounts) {
    await sandbox.reset();
    const sampler = new ProcSampler().start();
    sampler.add('sandbox', sandbox.process.pid);
    sampler.add('redis-server', redis.process.pid!);
    const prefix = `bench-scale-${workers}-${Date.now()}`;
    // This benchmark's own commands (INFO, runImporter's polls of the record) are not the importer's.
    const own = countSent(conn);
    const statsBefore = await commandStats(conn);
    const watch = values.breakdown ? await watchCommands(redis.url, prefix, [conn]) : undefined;
    const commandsBefore = await redisCommandsProcessed(conn);
    const machineCpuBefore = readMachineCpu();
    let t10: number | undefined;
    let t90: number | undefined;
    console.error(`${workers} worker process(es), concurrency ${concurrency} each…`);
    const result = await runImporter({
      csvPath: csv.path,
      redisUrl: redis.url,
      pollRedis: conn,
      prefix,
      sandboxUrl: sandbox.url,
      plan: 'ultimate',
      workers,
      concurrency,
      workerArgs: workerFlags,
      env: { PIPEDRIVE_DAILY_TOKENS: String(1_000_000_000) },
      sampler,
      pollMs: 100,
      onProgress: (record, elapsedMs) => {
        if (t10 === undefined && record.created >= rows * 0.1) t10 = elapsedMs;
        if (t90 === undefined && record.created >= rows * 0.9) t90 = elapsedMs;
      },
    });
    const processes = sampler.stop();
    const state = await sandbox.state();
    const commands =
      (await redisCommandsProcessed(conn)) - commandsBefore - [...own.values()].reduce((a, b) => a + b, 0);
    const origins = await watch?.stop();
    const leadCount = Math.max(1, result.record.created);
    const byCommand = withoutOwn(commandStatsDelta(statsBefore, await commandStats(conn)), own);
    const machineBusy = machineBusyShare(machineCpuBefore, readMachineCpu());
    const cpuOf = (match: (name: string) => boolean) =>
      processes.filter((p) => match(p.name)).reduce((sum, p) => sum + p.cpuMs, 0);
    const perS = (ms: number) => ms / (result.wallMs / 1000);
    const workerCpu = cpuOf((n) => n.startsWith('worker'));
    const figures: RunFigures = {
      workers,
      wallMs: result.wallMs,
      steadyLeadsPerS:
        t10 !== undefined && t90 !== undefined && t90 > t10
          ? (rows * 0.8) / ((t90 - t10) / 1000)
          : Number.NaN,
      leadsPerS: result.record.created / (result.wallMs / 1000),
      created: result.record.created,
      deadLettered: result.record.deadLettered,
      workerCpuMsPerLead: workerCpu / Math.max(1, result.record.created),
      workerWritesPerLead:
        processes
          .filter((p) => p.name.startsWith('worker'))
          .reduce((sum, p) => sum + (p.writeCalls ?? 0), 0) / Math.max(1, result.record.created),
      redisCommandsPerLead: commands / Math.max(1, result.record.created),
      requestsPerLead: state.requests / Math.max(1, result.record.created),
      coreMsPerS: {
        workers: perS(workerCpu),
        sandbox: perS(cpuOf((n) => n === 'sandbox')),
        redis: perS(cpuOf((n) => n === 'redis-server')),
        producer: perS(result.producer.cpuMs),
        all: perS(cpuOf((n) => n !== 'producer') + result.producer.cpuMs),
      },
      machineBusy,
      processes: [...processes.filter((p) => p.name !== 'producer'), result.producer],
      duplicates: {
        persons: state.duplicatePersons,
        organizations: state.duplicateOrganizations,
        leads: state.duplicateLeads,
      },
      commandsPerLead: Object.fromEntries(byCommand.map(([k, v]) => [k, v / leadCount])),
      ...(origins ? { origins: origins.map((o) => ({ ...o, perLead: o.total / leadCount })) } : {}),
    };
    runs.push(figures);
    console.error(
      `  ${figures.created} leads in ${(figures.wallMs / 1000).toFixed(1)} s, ${figures.steadyLeadsPerS.toFixed(0)} leads/s steady`,
    );
  }

  const base = runs[0]!;
  printTable(
    `Scale-out: ${rows} rows, sandbox without limits, ${values['latency-ms']} ms latency, concurrency ${concurrency} per worker, ${cpus().length} cores`,
    runs.map((r) => ({
      workers: r.workers,
      'wall s': r.wallMs / 1000,
      'leads/s': r.leadsPerS,
      'steady leads/s': r.steadyLeadsPerS,
      speed_up: r.steadyLeadsPerS / base.steadyLeadsPerS,
      'worker CPU ms/lead': r.workerCpuMsPerLead,
      'Redis cmds/lead': r.redisCommandsPerLead,
      'worker writes/lead': r.workerWritesPerLead,
      'workers core-ms/s': r.coreMsPerS.workers,
      'sandbox core-ms/s': r.coreMsPerS.sandbox,
      'redis core-ms/s': r.coreMsPerS.redis,
      'producer core-ms/s': r.coreMsPerS.producer,
      'ours core-ms/s': r.coreMsPerS.all,
      'machine busy %': r.machineBusy * 100,
      'dead-lettered': r.deadLettered,
      dups: r.duplicates.persons + r.duplicates.organizations + r.duplicates.leads,
    })),
  );
  for (const r of runs) {
    console.log(
      `\nRedis commands per lead, ${r.workers} worker(s), by name: ${Object.entries(r.commandsPerLead)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')}`,
    );
    if (r.origins) {
      printTable(
        `Redis commands per lead by origin, ${r.workers} worker(s) (sent = round trips' commands; total = with what scripts ran)`,
        r.origins.map((o) => ({
          origin: o.origin,
          'sent/lead': o.sent / Math.max(1, r.created),
          'total/lead': o.perLead,
          commands: Object.entries(o.byCommand)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => `${k} ${(v / Math.max(1, r.created)).toFixed(2)}`)
            .join(', '),
        })),
      );
    }
  }
  console.log(
    '\ncore-ms/s: CPU milliseconds a process used per second of wall time (1,000 = one core busy all the time).',
  );
  const machineAfter = machineInfo();
  console.error(`load after: ${machineAfter.uptime}`);
  writeResults('scale-out', {
    machine: machineBefore,
    loadAfter: machineAfter.uptime,
    file: { rows, persons: csv.persons, organizations: csv.organizations },
    sandbox: { limits: false, latencyMs: Number(values['latency-ms']) },
    worker: { concurrency, flags: workerFlags, plan: 'ultimate', dailyTokens: 1_000_000_000 },
    runs,
  });
} finally {
  await conn.quit();
  await sandbox.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
