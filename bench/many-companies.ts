/**
 * Scale (issue #12): one `lead-importer worker` process serving many companies at once. Each
 * company is a sandbox process of its own (its own company id, plan and 100 ± 50 ms latency), all
 * in one connections file; each gets one import of `--rows` rows, all started together once the
 * worker is up. The worker's `--concurrency` is shared by the companies (fewest-held permits,
 * src/worker/concurrency-permits.ts).
 *
 * Per company: the burst window it used while its work remained (from the sandbox's request log:
 * the requests it admitted from its import's first admitted request to its last, per 2 s ÷ the
 * plan's limit), the mean window fill each admitted request saw (bench/lib/pacing.ts), its import
 * time (producer start → last row's outcome) and its 429s. In total: leads/s, the worker's CPU
 * per lead and per Pipedrive request (/proc; a lead's CPU follows its requests, more while the rows create their
 * contacts), Redis commands per lead (`INFO commandstats` delta over the run: worker and
 * producers, commands inside scripts included) and the worker's peak RSS. The CPU per lead is also given from
 * `--warm-s` seconds after the producers' start and over the second half of the leads (the worker's CPU and the
 * leads created sampled when each mark is passed): a 40-s run charges V8's compiling of the hot code, which a
 * long import pays once, to its leads, so these tell warm-up from steady state (`--rows 3000` for a longer run).
 * Every sandbox must hold
 * exactly its own import's leads, none twice, and nothing may be dead-lettered.
 *
 * `--waves N` runs N such rounds of imports one after another in the same worker process, each of fresh contacts:
 * from wave 2 the worker's code is compiled, as in a worker that has run for a while, and a last table gives each
 * wave's leads/s, CPU per lead and per request, Redis commands per lead and windows used.
 *
 *   npm run bench:many-companies
 *   npm run bench:many-companies -- --rows 100 --companies 3        # quick
 *   npm run bench:many-companies -- --plan growth                   # a plan the machine can drive
 *   npm run bench:many-companies -- --waves 2                       # then the same again in the warm worker
 *   npm run bench:many-companies -- --built                         # producers and worker from dist/, as shipped
 *
 * Targets: each company's window used ≥ 0.85; worker CPU ≤ 1 ms per lead; Redis ≤ 25 commands per
 * lead. Prints a table and writes bench/results/many-companies[-<plan>-<n>].json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { burstLimitPer2s, PLANS, type Plan } from '../src/config/plans.js';
import { writeConnectionsFile } from '../src/dev/connections-file.js';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { ImportLedger, type ImportRecord } from '../src/queue/ledger.js';
import { DLQ_QUEUE, deadLetterPrefix } from '../src/queue/names.js';
import type { RequestLogEntry } from '../src/sandbox/index.js';
import { buildDistIfStale } from '../test/setup/build-dist.js';
import { type CliProcess, spawnCli } from './lib/cli-process.js';
import { importDone, until } from './lib/companies.js';
import { type LeadsCsv, writeLeadsCsv } from './lib/leads-csv.js';
import { admittedAt, pacingBreakdown } from './lib/pacing.js';
import {
  machineBusyShare,
  ProcSampler,
  readMachineCpu,
  readProcStats,
  readThreadCpu,
} from './lib/proc-stats.js';
import { commandStats, commandStatsDelta, watchCommands } from './lib/redis-breakdown.js';
import { benchRedis, countSent, withoutOwn } from './lib/redis-stats.js';
import { machineInfo, printTable, toMiB, writeResults } from './lib/report.js';
import { type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    companies: { type: 'string', default: '10' },
    rows: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '200' },
    plan: { type: 'string', default: 'ultimate' },
    'latency-ms': { type: 'string', default: '50' },
    'latency-jitter-ms': { type: 'string', default: '100' },
    seed: { type: 'string', default: '42' },
    /** Also charge each Redis command to its origin (a MONITOR connection: costs Redis CPU). */
    breakdown: { type: 'boolean', default: false },
    // The worker's CPU per lead is also given from this many seconds after the producers' start (V8 has
    // compiled the hot code by then) and over the second half of the leads: warm-up told from steady state.
    'warm-s': { type: 'string', default: '20' },
    // Imports run one after another in the same worker process: wave 2 and on are fresh files of fresh contacts
    // (bench/lib/leads-csv.ts `contactsFrom`) for a worker V8 has already compiled, which is what a long-running
    // worker pays per lead. The tables above are wave 1's; a last table gives each wave's totals.
    waves: { type: 'string', default: '1' },
    // The producers and the worker from dist/, as shipped (`npm install -g`, the Docker image), rather than through
    // tsx: ten producers compiling TypeScript at once slow the first rows and share the worker's two cores.
    built: { type: 'boolean', default: false },
  },
});
const companies = Number(values.companies);
const rows = Number(values.rows);
const plan = values.plan as Plan;
if (!PLANS.includes(plan)) throw new Error(`--plan: one of ${PLANS.join(', ')}`);
const limitPer2s = burstLimitPer2s(plan, 'api_token');
const seed = Number(values.seed);
const warmS = Number(values['warm-s']);
const waves = Number(values.waves);
if (values.built && buildDistIfStale()) console.error('built dist/ (src/ was newer)');
if (!Number.isInteger(waves) || waves < 1) throw new Error('--waves: a whole number ≥ 1');
const names = Array.from({ length: companies }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);
const TARGET = { windowUsed: 0.85, cpuMsPerLead: 1, redisCommandsPerLead: 25 };

const dir = mkdtempSync(join(tmpdir(), 'lpi-bench-many-'));
const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);
const redisServer = await startPrivateRedis();
const redis = benchRedis(redisServer.url);
const sampler = new ProcSampler().start();
const sandboxes = new Map<string, SandboxProcess>();
const producers: CliProcess[] = [];
let worker: CliProcess | undefined;

try {
  console.error(
    `${companies} companies on ${plan} (${limitPer2s} requests / 2 s each), ${rows} rows each; ` +
      `one worker, concurrency ${values.concurrency}; latency ${values['latency-ms']}+[0,${values['latency-jitter-ms']}) ms`,
  );
  // Three at a time: ten `tsx` starts at once on a machine at load 40+ passed the sandbox's 60-s start timeout.
  const startSandbox = async (name: string, i: number) => {
    const sandbox = await startSandboxProcess([
      '--plan',
      plan,
      '--company-id',
      String(2001 + i),
      '--api-token',
      `token-${name}`,
      '--latency-ms',
      values['latency-ms'],
      '--latency-jitter-ms',
      values['latency-jitter-ms'],
      '--seed',
      String(seed + i),
      // The request log is a ring (10,000 by default): room for every wave's requests (≈ 1.5 a lead, up to 5 while
      // contacts are created), or wave 1's are gone by the end of a long run and its windows read from a part.
      '--request-log-size',
      String(Math.max(10_000, rows * waves * 5)),
    ]);
    sandboxes.set(name, sandbox);
    sampler.add(`sandbox ${name}`, sandbox.process.pid);
    writeFileSync(join(dir, `${name}.token`), `token-${name}\n`);
  };
  for (let i = 0; i < names.length; i += 3) {
    await Promise.all(names.slice(i, i + 3).map((name, j) => startSandbox(name, i + j)));
  }
  sampler.add('redis-server', redisServer.process.pid!);
  /** Each wave's file per company, all written before the worker starts. */
  const files: Map<string, LeadsCsv>[] = [];
  for (let wave = 1; wave <= waves; wave++) {
    const byName = new Map<string, LeadsCsv>();
    for (const [i, name] of names.entries()) {
      const path = join(dir, wave === 1 ? `${name}.csv` : `${name}-w${wave}.csv`);
      byName.set(
        name,
        await writeLeadsCsv({ path, rows, seed: seed + 100 * wave + i, contactsFrom: wave - 1 }),
      );
    }
    files.push(byName);
  }
  const connectionsFile = writeConnectionsFile(
    dir,
    names.map((n) => ({ name: n, url: sandboxes.get(n)!.url, plan })),
    { timeout_ms: 10_000 },
  );
  const prefix = `bench-many-${Date.now()}`;
  const env = {
    REDIS_URL: redisServer.url,
    REDIS_PREFIX: prefix,
    PIPEDRIVE_CONNECTIONS_FILE: connectionsFile,
    LOG_LEVEL: 'info',
  };
  const ledger = new ImportLedger(redis, prefix);

  worker = spawnCli(['worker', '--concurrency', values.concurrency], {
    name: 'worker',
    env,
    built: values.built,
  });
  const w = worker;
  await Promise.all(names.map((n) => w.waitForLine(new RegExp(`processing lead-import-${n} `), 180_000)));
  sampler.add('worker', w.pid);
  sampler.sample();
  const cpuBefore = sampler.results().find((p) => p.pid === w.pid)?.cpuMs ?? 0;
  const writesBefore = sampler.results().find((p) => p.pid === w.pid)?.writeCalls ?? 0;
  const machineCpuBefore = readMachineCpu();
  const watch = values.breakdown ? await watchCommands(redisServer.url, prefix, [redis]) : undefined;
  // This benchmark's own commands (INFO, its polls of the import records) are not the importer's.
  const own = countSent(redis);

  /** One wave: every company's import of its file for the wave, started together; resolves once all are done. */
  const runWave = async (wave: number): Promise<WaveRun> => {
    // Taken before the INFO below, which the wave's delta counts and the benchmark sent.
    const ownBefore = new Map(own);
    const statsBefore = await commandStats(redis);
    const cpuStartMs = readProcStats(w.pid)?.cpuMs ?? 0;
    const threadsStart = readThreadCpu(w.pid);
    const startedAt = performance.now();
    const startedAtEpoch = Date.now();
    /** When each producer exited: its rows all enqueued, so from then on the worker has all its work. */
    const enqueuedAt = new Map<string, number>();
    let producerFailed: string | undefined;
    for (const name of names) {
      const producer = spawnCli(
        [
          'import',
          files[wave - 1]!.get(name)!.path,
          '--connection',
          name,
          '--import-id',
          importId(name, wave),
          '--json',
        ],
        { name: `import ${name}`, env, built: values.built },
      );
      void producer.exited.then((code) => {
        enqueuedAt.set(name, Date.now());
        // A producer that failed (on a loaded machine a `tsx` start can) leaves its import never enqueued.
        if (code !== 0)
          producerFailed ??= `${producer.name} exited with ${code}: ${producer.lines.slice(-5).join(' | ')}`;
      });
      producers.push(producer);
    }
    const seconds = new Map<string, number>();
    const records = new Map<string, ImportRecord>();
    /** The worker's CPU and the leads created when a mark was first passed: `--warm-s`, and half of every lead. */
    const marks: { afterWarm?: CpuMark; secondHalf?: CpuMark } = {};
    const created = new Map<string, number>();
    let lastLog = 0;
    await until(
      async () => {
        if (producerFailed) throw new Error(producerFailed);
        for (const name of names) {
          if (records.has(name)) continue;
          const r = await ledger.getImport(importId(name, wave));
          created.set(name, r?.created ?? 0);
          if (importDone(r)) {
            records.set(name, r!);
            seconds.set(name, (performance.now() - startedAt) / 1000);
          }
        }
        const elapsed = performance.now() - startedAt;
        const createdNow = [...created.values()].reduce((s, n) => s + n, 0);
        const mark = () => ({
          cpuMs: readProcStats(w.pid)?.cpuMs ?? 0,
          leads: createdNow,
          atS: elapsed / 1000,
        });
        if (!marks.afterWarm && elapsed >= warmS * 1000) marks.afterWarm = mark();
        if (!marks.secondHalf && createdNow * 2 >= companies * rows) marks.secondHalf = mark();
        if (elapsed - lastLog > 10_000) {
          lastLog = elapsed;
          console.error(
            `  wave ${wave}, ${Math.round(elapsed / 1000)} s: ${records.size}/${companies} imports done`,
          );
        }
        return records.size === companies;
      },
      `every import of wave ${wave}`,
      30 * 60_000,
      250,
    );
    const allSeconds = (performance.now() - startedAt) / 1000;
    const cpuEndMs = readProcStats(w.pid)?.cpuMs ?? 0;
    const threadsEnd = readThreadCpu(w.pid);
    const ownInWave = new Map([...own].map(([k, n]) => [k, n - (ownBefore.get(k) ?? 0)]));
    const byCommand = withoutOwn(commandStatsDelta(statsBefore, await commandStats(redis)), ownInWave);
    return {
      startedAtEpoch,
      endedAtEpoch: Date.now(),
      allSeconds,
      seconds,
      records,
      enqueuedAt,
      marks,
      cpuStartMs,
      cpuEndMs,
      threads: {
        mainMs: (threadsEnd?.mainMs ?? 0) - (threadsStart?.mainMs ?? 0),
        otherMs: (threadsEnd?.otherMs ?? 0) - (threadsStart?.otherMs ?? 0),
      },
      byCommand,
    };
  };

  const first = await runWave(1);
  // Wave 1's totals are read before any later wave starts.
  sampler.sample();
  const workerProc = { ...sampler.results().find((p) => p.pid === w.pid)! };
  const machineBusy = machineBusyShare(machineCpuBefore, readMachineCpu());
  const origins = await watch?.stop();
  const runs = [first];
  for (let wave = 2; wave <= waves; wave++) runs.push(await runWave(wave));

  const { startedAtEpoch, seconds, records, enqueuedAt, marks, allSeconds, byCommand } = first;
  const workerCpuMs = workerProc.cpuMs - cpuBefore;
  const workerCpuEndMs = first.cpuEndMs;
  const redisCommands = byCommand.reduce((s, [, n]) => s + n, 0);

  const perCompany: Record<string, string | number | boolean>[] = [];
  /** Admitted requests per 2 s from each company's first one: where its window went unused. */
  const timelines: Record<string, number[]> = {};
  let leads = 0;
  /** Each company's requests to its sandbox (its worker's start-up calls, `/users/me`, came before the producers). */
  const logs = new Map<string, RequestLogEntry[]>();
  for (const name of names) {
    const sandbox = sandboxes.get(name)!;
    const record = records.get(name)!;
    const state = await sandbox.state();
    const deadLettered = runs.reduce((n, run) => n + run.records.get(name)!.deadLettered, 0);
    if (
      state.leads !== rows * waves ||
      state.duplicateLeads ||
      state.duplicatePersons ||
      state.duplicateOrganizations ||
      deadLettered
    ) {
      throw new Error(
        `sandbox ${name} holds ${state.leads} leads (expected ${rows * waves}), ${deadLettered} dead-lettered: ${JSON.stringify(state)}`,
      );
    }
    leads += record.created;
    logs.set(
      name,
      (await sandbox.requests()).filter((e) => !e.path.startsWith('/_sandbox')),
    );
    // Wave 1's requests.
    const log = requestsIn(logs.get(name)!, first);
    const pacing = pacingBreakdown(log, {
      limitPer2s,
      startedAtMs: startedAtEpoch,
      endedAtMs: startedAtEpoch + seconds.get(name)! * 1000,
    });
    const admitted = log.filter((e) => e.status !== 429).map(admittedAt);
    // Its first lead: how soon its rows got going beside the others' (a company whose rows waited for permits
    // the first companies held started seconds after them: bench/README.md, *A row's later calls first*).
    const firstLead = Math.min(
      ...log
        .filter((e) => e.status !== 429 && e.method === 'POST' && e.path.endsWith('/leads'))
        .map(admittedAt),
    );
    // The same from the moment its producer exited (every row enqueued) to its last admitted request:
    // leaves out the ramp while ten producers start on a busy machine and rows trickle in.
    const from = enqueuedAt.get(name) ?? startedAtEpoch;
    perCompany.push({
      company: name,
      's (import)': seconds.get(name)!,
      'start s': pacing.startMs / 1000,
      'span s': pacing.spanMs / 1000,
      requests: pacing.admitted,
      // Admitted per 2 s over the span in which its work remained ÷ the limit.
      'window used': pacing.spanMs > 0 ? pacing.idealSpanMs / pacing.spanMs : 0,
      'enqueued s': (from - startedAtEpoch) / 1000,
      'first lead s': Number.isFinite(firstLead) ? (firstLead - startedAtEpoch) / 1000 : 0,
      'window used once enqueued': windowUsedFrom(admitted, from),
      'mean fill': pacing.meanFill,
      '429s': pacing.rejected,
      'stalls s': pacing.stallMs / 1000,
      'first admitted': admitted.length ? Math.min(...admitted) : 0,
      leads: record.created,
      ok: true,
    });
    timelines[name] = pacing.perBucket;
  }
  const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix: deadLetterPrefix(prefix, false) });
  const dlqEntries = await dlq.count();
  await dlq.close();
  if (dlqEntries) throw new Error(`${dlqEntries} DLQ entries`);

  const minWindow = Math.min(...perCompany.map((c) => c['window used'] as number));
  const minWindowEnqueued = Math.min(...perCompany.map((c) => c['window used once enqueued'] as number));
  const requestsPerLead = perCompany.reduce((s, c) => s + (c.requests as number), 0) / leads;
  const total = {
    companies,
    plan,
    'rows each': rows,
    leads,
    's (all)': allSeconds,
    'leads/s': leads / allSeconds,
    'limit leads/s': (companies * limitPer2s) / 2 / requestsPerLead,
    'worker CPU ms/lead': workerCpuMs / leads,
    // A lead's CPU follows its requests (a row that creates its organization and person makes three): per request
    // it is the same whether the file's contacts are new or known.
    'CPU ms/request': workerCpuMs / (requestsPerLead * leads),
    [`CPU ms/lead after ${warmS} s`]: cpuPerLeadFrom(marks.afterWarm, workerCpuEndMs, leads),
    'CPU ms/lead 2nd half': cpuPerLeadFrom(marks.secondHalf, workerCpuEndMs, leads),
    // JavaScript runs on the main thread; V8 compiles hot code and collects garbage on the others.
    'main thread ms/lead': first.threads.mainMs / leads,
    'other threads ms/lead': first.threads.otherMs / leads,
    'worker CPU share': workerCpuMs / 1000 / allSeconds,
    // Its `write` system calls (/proc/<pid>/io): one per Redis round trip, HTTP request or log flush.
    'worker writes/lead': ((workerProc.writeCalls ?? 0) - writesBefore) / leads,
    'machine busy': machineBusy,
    'Redis cmds/lead': redisCommands / leads,
    'worker peak RSS MiB': toMiB(workerProc.peakRssBytes),
    'min window used': minWindow,
    'min once enqueued': minWindowEnqueued,
    '429s': perCompany.reduce((s, c) => s + (c['429s'] as number), 0),
  };
  const processes = sampler.stop().map((p) => ({
    name: p.name,
    cpuS: p.cpuMs / 1000,
    peakRssMiB: toMiB(p.peakRssBytes),
  }));
  const sandboxCpuS = processes.filter((p) => p.name.startsWith('sandbox')).reduce((s, p) => s + p.cpuS, 0);

  printTable(
    `Per company (${plan}, ${limitPer2s} requests / 2 s; window used target ≥ ${TARGET.windowUsed})`,
    perCompany.map(({ 'first admitted': _, ok: __, ...rest }) => rest),
  );
  printTable('In total (one worker process)', [total]);
  printTable('Targets', [
    {
      'min window used': minWindow,
      'window ≥ 0.85': minWindow >= TARGET.windowUsed ? 'met' : 'missed',
      'min once enqueued': minWindowEnqueued,
      'once enqueued ≥ 0.85': minWindowEnqueued >= TARGET.windowUsed ? 'met' : 'missed',
      'CPU ms/lead': total['worker CPU ms/lead'],
      'CPU ≤ 1': total['worker CPU ms/lead'] <= TARGET.cpuMsPerLead ? 'met' : 'missed',
      'Redis cmds/lead': total['Redis cmds/lead'],
      'Redis ≤ 25': total['Redis cmds/lead'] <= TARGET.redisCommandsPerLead ? 'met' : 'missed',
    },
  ]);
  printTable(
    'CPU by process over the whole benchmark (s)',
    processes.map((p) => ({ process: p.name, 'CPU s': p.cpuS, 'peak RSS MiB': p.peakRssMiB })),
  );
  console.log(
    `sandboxes together: ${sandboxCpuS.toFixed(1)} CPU s; requests per lead ${requestsPerLead.toFixed(2)}`,
  );
  console.log(
    'Redis commands per lead by name (top 12):',
    byCommand
      .slice(0, 12)
      .map(([k, n]) => `${k} ${(n / leads).toFixed(1)}`)
      .join(', '),
  );
  if (origins) {
    console.log('Redis commands per lead by origin:');
    for (const o of origins)
      console.log(
        `  ${(o.total / leads).toFixed(2).padStart(6)}  ${o.origin} (sent ${(o.sent / leads).toFixed(2)})`,
      );
  }
  const byWave = runs.map((run, i) => waveTotals(run, i + 1, logs));
  if (waves > 1) {
    printTable(
      'Each wave (the same worker process; from wave 2 its code is compiled, and every wave creates fresh contacts)',
      byWave,
    );
  }
  const isDefault = companies === 10 && plan === 'ultimate';
  writeResults(isDefault ? 'many-companies' : `many-companies-${plan}-${companies}`, {
    machine: { before: machineBefore, after: machineInfo() },
    options: values,
    target: TARGET,
    total: { ...total, requestsPerLead, sandboxCpuS },
    cpuMarks: marks,
    perCompany,
    timelines,
    ...(waves > 1
      ? {
          waves: byWave,
          wavesRedisCommandsPerLead: runs.map((run, i) =>
            Object.fromEntries(run.byCommand.map(([k, n]) => [k, n / (byWave[i]!.leads || 1)])),
          ),
        }
      : {}),
    redisCommandsPerLead: Object.fromEntries(byCommand.map(([k, n]) => [k, n / leads])),
    ...(origins ? { origins: origins.map((o) => ({ ...o, perLead: o.total / leads })) } : {}),
    processes,
  });
} finally {
  sampler.stop();
  await Promise.all(producers.map((p) => p.stop('SIGTERM', 5_000)));
  await worker?.stop('SIGTERM', 30_000);
  await Promise.all([...sandboxes.values()].map((s) => s.stop()));
  await redis.quit();
  await redisServer.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** What one wave of imports took: its span, each company's import, the worker's CPU and Redis's commands. */
interface WaveRun {
  startedAtEpoch: number;
  endedAtEpoch: number;
  allSeconds: number;
  /** Each company's import time (producer start → last row's outcome). */
  seconds: Map<string, number>;
  records: Map<string, ImportRecord>;
  /** When each company's producer exited. */
  enqueuedAt: Map<string, number>;
  marks: { afterWarm?: CpuMark; secondHalf?: CpuMark };
  cpuStartMs: number;
  cpuEndMs: number;
  /** The worker's CPU over the wave on its main thread (JavaScript) and on its others (V8's compiling and GC). */
  threads: { mainMs: number; otherMs: number };
  /** Redis commands by name over the wave, the benchmark's own left out. */
  byCommand: [string, number][];
}

function importId(name: string, wave: number): string {
  return wave === 1 ? `imp-${name}` : `imp-${name}-w${wave}`;
}

/** The requests of a sandbox's log made during a wave. */
function requestsIn(log: RequestLogEntry[], run: WaveRun): RequestLogEntry[] {
  return log.filter((e) => e.at >= run.startedAtEpoch && e.at <= run.endedAtEpoch);
}

/** Admitted requests per 2 s ÷ the limit, from `from` (every row enqueued) to the last one admitted. */
function windowUsedFrom(admitted: number[], from: number): number {
  const last = admitted.length ? Math.max(...admitted) : from;
  const after = admitted.filter((t) => t >= from).length;
  return last > from ? (after * 2000) / limitPer2s / (last - from) : 0;
}

/** A wave's line: leads/s, the worker's CPU per lead and per request, Redis commands per lead, the windows used. */
function waveTotals(run: WaveRun, wave: number, logs: Map<string, RequestLogEntry[]>) {
  const leads = [...run.records.values()].reduce((n, r) => n + r.created, 0);
  let requests = 0;
  let rejected = 0;
  const used: number[] = [];
  const usedOnceEnqueued: number[] = [];
  for (const name of names) {
    const log = requestsIn(logs.get(name)!, run);
    const pacing = pacingBreakdown(log, {
      limitPer2s,
      startedAtMs: run.startedAtEpoch,
      endedAtMs: run.startedAtEpoch + run.seconds.get(name)! * 1000,
    });
    requests += pacing.admitted;
    rejected += pacing.rejected;
    used.push(pacing.spanMs > 0 ? pacing.idealSpanMs / pacing.spanMs : 0);
    const admitted = log.filter((e) => e.status !== 429).map(admittedAt);
    usedOnceEnqueued.push(windowUsedFrom(admitted, run.enqueuedAt.get(name) ?? run.startedAtEpoch));
  }
  const cpuMs = run.cpuEndMs - run.cpuStartMs;
  return {
    wave,
    leads,
    's (all)': run.allSeconds,
    'leads/s': leads / run.allSeconds,
    'worker CPU ms/lead': cpuMs / leads,
    'CPU ms/request': cpuMs / requests,
    'CPU ms/lead 2nd half': cpuPerLeadFrom(run.marks.secondHalf, run.cpuEndMs, leads),
    'main thread ms/lead': run.threads.mainMs / leads,
    'other threads ms/lead': run.threads.otherMs / leads,
    'Redis cmds/lead': run.byCommand.reduce((s, [, n]) => s + n, 0) / leads,
    'min window used': Math.min(...used),
    'min once enqueued': Math.min(...usedOnceEnqueued),
    '429s': rejected,
  };
}

/** The worker's CPU (ms, from /proc) and the leads created when a mark was passed, and when (s from the start). */
interface CpuMark {
  cpuMs: number;
  leads: number;
  atS: number;
}

/** CPU ms per lead from a mark to the end; undefined when the mark was never passed or no lead came after it. */
function cpuPerLeadFrom(mark: CpuMark | undefined, cpuEndMs: number, leadsEnd: number): number | undefined {
  if (!mark || leadsEnd <= mark.leads) return undefined;
  return (cpuEndMs - mark.cpuMs) / (leadsEnd - mark.leads);
}
