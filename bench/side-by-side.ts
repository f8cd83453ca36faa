/**
 * Side by side, same machine, same run: the naive SDK loop (bench/naive-loop.ts) and this
 * importer (N worker processes + the producer) import the same file into the same sandbox
 * (reset in between) on Growth limits with 150 ± 50 ms latency. Then both are set against the
 * physical limit: the fewest requests and tokens the file needs and the time the burst limit
 * allows for them.
 *
 *   npm run bench:side-by-side                       # 2,000 rows, 3 workers (≈ 15 min: the naive loop is slow)
 *   npm run bench:side-by-side -- --rows 300         # quicker, while developing
 *   npm run bench:side-by-side -- --skip-naive       # the importer and the limit only
 *   npm run bench:side-by-side -- --built            # workers and producer from dist/, as shipped
 *   npm run bench:side-by-side -- --timeline         # also print requests admitted per 2 s (and write the request log)
 *   npm run bench:side-by-side -- --search-lag-ms 2000
 *
 * Prints tables and writes bench/results/side-by-side.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import type { RequestLogEntry, SandboxPlan, SandboxState } from '../src/sandbox/index.js';
import { buildDistIfStale } from '../test/setup/build-dist.js';
import { killOnExit } from './lib/cli-process.js';
import { type ImporterRunResult, runImporter } from './lib/importer-run.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { pacingBreakdown } from './lib/pacing.js';
import { physicalLimit } from './lib/physical-limit.js';
import { ProcSampler } from './lib/proc-stats.js';
import { benchRedis, redisCommandStats } from './lib/redis-stats.js';
import { type Cell, machineInfo, printTable, writeResults } from './lib/report.js';
import { startSandboxProcess } from './lib/sandbox-process.js';
import { type NaiveLoopResult, runNaiveLoop, SANDBOX_FLAG_OPTIONS } from './naive-loop.js';

const { values } = parseArgs({
  options: {
    ...SANDBOX_FLAG_OPTIONS,
    workers: { type: 'string', default: '3' },
    concurrency: { type: 'string' },
    'rate-limit-margin': { type: 'string' },
    'skip-naive': { type: 'boolean', default: false },
    timeline: { type: 'boolean', default: false },
    built: { type: 'boolean', default: false },
    'no-org': { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const plan = values.plan as SandboxPlan;
const workers = Number(values.workers);
if (values.built && buildDistIfStale()) console.error('built dist/ (src/ was newer)');

/** `GET /api/v2/persons/123` → `GET /api/v2/persons/:id`, so the log groups by endpoint. */
function endpointOf(entry: RequestLogEntry): string {
  const path = entry.path.replace(/\/(\d+|[0-9a-f-]{36})(?=\/|$)/g, '/:id');
  return `${entry.method} ${path}`;
}

function requestBreakdown(log: RequestLogEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of log) {
    const key = `${endpointOf(entry)}${entry.status === 429 ? ' (429)' : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

/**
 * Token cost of the calls an import needs (pipedrive-api.md §3.3); 0 for the rest (start-up
 * checks, reference data), which the "import calls" figure leaves out.
 */
function importCallCost(endpoint: string): number {
  if (/^POST (\/api)?\/v1\/leads$/.test(endpoint)) return 10;
  if (/^POST \/api\/v2\/(persons|organizations)$/.test(endpoint)) return 5;
  if (/^GET \/api\/v2\/(persons|organizations)\/search$/.test(endpoint)) return 20;
  if (/^GET \/api\/v2\/(persons|organizations)$/.test(endpoint)) return 10;
  return 0;
}

interface Side {
  name: string;
  wallMs: number;
  leads: number;
  rowsLost: number;
  state: SandboxState;
}

function sideRow(side: Side): Record<string, Cell> {
  return {
    '': side.name,
    'wall s': side.wallMs / 1000,
    leads: side.leads,
    'leads/s': side.leads / (side.wallMs / 1000),
    requests: side.state.requests,
    '429s': side.state.rateLimited,
    tokens: side.state.tokensUsed,
    'tokens/lead': side.state.tokensUsed / Math.max(1, side.leads),
    'rows lost': side.rowsLost,
    'dup persons': side.state.duplicatePersons,
    'dup orgs': side.state.duplicateOrganizations,
    'dup leads': side.state.duplicateLeads,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'lpi-side-by-side-'));
const csv = await writeLeadsCsv({ path: join(dir, 'leads.csv'), rows, seed: Number(values.seed) });
const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);
const redis = await startPrivateRedis();
killOnExit(redis.process);
const sandbox = await startSandboxProcess([
  '--plan',
  plan,
  '--latency-ms',
  values['latency-ms'],
  '--latency-jitter-ms',
  values['latency-jitter-ms'],
  '--search-lag-ms',
  values['search-lag-ms'],
  '--seed',
  values.seed,
]);
const sampler = new ProcSampler().start();
sampler.add('sandbox', sandbox.process.pid);
sampler.add('redis-server', redis.process.pid!);

try {
  console.error(
    `file: ${rows} rows, ${csv.persons} distinct persons, ${csv.organizations} distinct organizations; ` +
      `sandbox ${plan}, ${values['latency-ms']}+[0,${values['latency-jitter-ms']}) ms latency`,
  );

  let naive: (NaiveLoopResult & { state: SandboxState }) | undefined;
  if (!values['skip-naive']) {
    await sandbox.reset();
    console.error('naive loop…');
    const result = await runNaiveLoop({
      csvPath: csv.path,
      baseUrl: sandbox.url,
      apiToken: sandbox.apiToken,
      withOrganization: !values['no-org'],
      sandboxControlUrl: sandbox.url,
      onProgress: (done, lost) => console.error(`  naive: ${done}/${rows} rows, ${lost} lost`),
      progressEvery: 200,
    });
    naive = { ...result, state: await sandbox.state() };
    // Kept even if the importer's half fails: 15 minutes of measurement are worth a file.
    writeResults('side-by-side-naive', { machine: machineBefore, naive });
  }

  await sandbox.reset();
  console.error(`importer: ${workers} worker processes + the producer…`);
  const statsRedis = benchRedis(redis.url);
  const commandsBefore = await redisCommandStats(statsRedis);
  let lastLog = 0;
  let importer: ImporterRunResult;
  try {
    importer = await runImporter({
      csvPath: csv.path,
      redisUrl: redis.url,
      prefix: `bench-sbs-${Date.now()}`,
      sandboxUrl: sandbox.url,
      plan,
      workers,
      built: values.built,
      ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
      workerArgs: values['rate-limit-margin'] ? ['--rate-limit-margin', values['rate-limit-margin']] : [],
      sampler,
      onProgress: (record, elapsedMs) => {
        if (elapsedMs - lastLog < 10_000) return;
        lastLog = elapsedMs;
        console.error(
          `  importer: ${record.created}/${record.rows} created after ${Math.round(elapsedMs / 1000)} s`,
        );
      },
    });
  } catch (err) {
    // A stalled or failed importer run is a finding, not a crash: keep what was measured.
    const state = await sandbox.state();
    writeResults('side-by-side', {
      machine: machineBefore,
      loadAfter: machineInfo().uptime,
      naive: naive ?? null,
      importer: { error: (err as Error).message.split('\n')[0], sandboxState: state },
    });
    throw err;
  }
  const importerState = await sandbox.state();
  const commandsAfter = await redisCommandStats(statsRedis);
  await statsRedis.quit();
  const log = await sandbox.requests();
  const processes = sampler.stop();
  // Requests of the import itself: the workers' start-up calls (`/users/me`) came before.
  const apiLog = log.filter((e) => !e.path.startsWith('/_sandbox') && e.at >= importer.startedAtEpochMs);
  const firstAt = apiLog[0]?.at ?? 0;
  const lastAt = apiLog.at(-1)?.at ?? 0;
  const breakdown = requestBreakdown(apiLog);

  const limit = physicalLimit({
    rows,
    newPersons: csv.persons,
    newOrganizations: values['no-org'] ? 0 : csv.organizations,
    plan,
  });
  const importerSide: Side = {
    name: `importer (${workers} workers)`,
    wallMs: importer.wallMs,
    leads: importer.record.created,
    rowsLost: rows - importer.record.created,
    state: importerState,
  };
  const sides: Side[] = [
    ...(naive
      ? [
          {
            name: 'naive SDK loop',
            wallMs: naive.wallMs,
            leads: naive.leadsCreated,
            rowsLost: naive.rowsLost,
            state: naive.state,
          },
        ]
      : []),
    importerSide,
  ];
  printTable(`Same file (${rows} rows), ${plan} limits, same machine, same run`, sides.map(sideRow));
  if (naive) {
    const naiveTokensPerLead = naive.state.tokensUsed / Math.max(1, naive.leadsCreated);
    const importerTokensPerLead = importerState.tokensUsed / Math.max(1, importer.record.created);
    printTable('Ratios (importer vs naive loop)', [
      {
        'leads/s ×': importer.record.created / importer.wallMs / (naive.leadsCreated / naive.wallMs),
        'wall time ÷': importer.wallMs / naive.wallMs,
        'tokens/lead ÷': importerTokensPerLead / naiveTokensPerLead,
        'naive rows lost': naive.rowsLost,
        'importer rows lost': importerSide.rowsLost,
        'time for all rows ×':
          naive.leadsCreated === rows ? naive.wallMs / importer.wallMs : 'n/a: naive lost rows',
      },
    ]);
    console.log(
      'naive rows lost by reason:',
      naive.lostBy,
      `(${naive.partialRows} left a person or organization behind)`,
    );
  }

  const essentialTokens = Object.entries(breakdown).reduce(
    (sum, [endpoint, n]) => sum + n * importCallCost(endpoint),
    0,
  );
  const limitRows = [
    {
      '': 'physical limit',
      requests: limit.best.requests,
      seconds: limit.best.seconds,
      tokens: limit.minTokens,
      strategy: `${limit.best.name} (search would need ${Math.round(limit.search.seconds)} s, ${limit.search.tokens} tokens)`,
    },
    {
      '': 'importer, wall (producer start → last row)',
      requests: importerState.requests,
      seconds: importer.wallMs / 1000,
      tokens: importerState.tokensUsed,
      strategy: 'time ÷ limit below',
    },
    {
      '': 'importer, API span (first → last request)',
      requests: apiLog.length,
      seconds: (lastAt - firstAt) / 1000,
      tokens: essentialTokens,
      strategy: 'tokens: leads, creates, lists, searches only',
    },
  ];
  printTable(
    `Physical limit: ${limit.burstLimitPer2s} requests / 2 s (${plan}), searches ${limit.searchLimitPer2s} / 2 s`,
    limitRows,
  );
  const timeRatio = importer.wallMs / 1000 / limit.best.seconds;
  const tokenRatio = importerState.tokensUsed / limit.minTokens;
  printTable('Targets', [
    { figure: 'importer time ÷ limit (wall)', value: timeRatio, target: '≤ 1.15', met: timeRatio <= 1.15 },
    {
      figure: 'importer time ÷ limit (API span)',
      value: (lastAt - firstAt) / 1000 / limit.best.seconds,
      target: '≤ 1.15',
      met: (lastAt - firstAt) / 1000 / limit.best.seconds <= 1.15,
    },
    {
      figure: 'importer tokens ÷ minimum (all)',
      value: tokenRatio,
      target: '≤ 1.10',
      met: tokenRatio <= 1.1,
    },
    {
      figure: 'importer tokens ÷ minimum (import calls)',
      value: essentialTokens / limit.minTokens,
      target: '≤ 1.10',
      met: essentialTokens / limit.minTokens <= 1.1,
    },
  ]);
  printTable(
    'Processes during the importer run (CPU from the producer start)',
    processes.map((p) => ({ process: p.name, 'cpu ms': p.cpuMs, 'peak RSS MiB': p.peakRssBytes / 2 ** 20 })),
  );
  console.log('importer requests by endpoint:', breakdown);
  const pacing = pacingBreakdown(apiLog, {
    limitPer2s: limit.burstLimitPer2s,
    startedAtMs: importer.startedAtEpochMs,
    endedAtMs: importer.startedAtEpochMs + importer.wallMs,
  });
  printTable('Where the time goes (server admission times, from the sandbox log)', [
    {
      'start s': pacing.startMs / 1000,
      'span s': pacing.spanMs / 1000,
      'tail s': pacing.tailMs / 1000,
      'span at limit s': pacing.idealSpanMs / 1000,
      'mean window fill': pacing.meanFill,
      'at limit': pacing.atLimit,
      '429s': pacing.rejected,
      'after 429s s': pacing.after429Ms / 1000,
      'stalls s': pacing.stallMs / 1000,
    },
  ]);
  // Round trips are the top-level commands; script bodies' commands are counted too (`eval*` are the scripts).
  const commandDelta = Object.fromEntries(
    Object.entries(commandsAfter)
      .map(([name, n]) => [name, n - (commandsBefore[name] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
  const allCommands = Object.values(commandDelta).reduce((a, b) => a + b, 0);
  const scripts = (commandDelta.evalsha ?? 0) + (commandDelta.eval ?? 0) + (commandDelta.fcall ?? 0);
  printTable('Redis commands per Pipedrive request (all processes; INFO commandstats)', [
    {
      'all (incl. inside scripts)': allCommands / Math.max(1, importerState.requests),
      'scripts run': scripts / Math.max(1, importerState.requests),
      requests: importerState.requests,
    },
  ]);
  if (values.timeline) {
    console.log('admitted per 2 s:', pacing.perBucket.join(' '));
    writeResults('side-by-side-requests', { startedAtEpochMs: importer.startedAtEpochMs, log: apiLog });
  }
  const machineAfter = machineInfo();
  console.error(`load after: ${machineAfter.uptime}`);

  writeResults('side-by-side', {
    machine: machineBefore,
    loadAfter: machineAfter.uptime,
    file: { rows, persons: csv.persons, organizations: csv.organizations, seed: Number(values.seed) },
    sandbox: {
      plan,
      latencyMs: Number(values['latency-ms']),
      latencyJitterMs: Number(values['latency-jitter-ms']),
      searchLagMs: Number(values['search-lag-ms']),
    },
    naive: naive ?? null,
    importer: {
      workers,
      wallMs: importer.wallMs,
      enqueueMs: importer.enqueueMs,
      apiSpanMs: lastAt - firstAt,
      pacing,
      redisCommands: commandDelta,
      record: importer.record,
      sandboxState: importerState,
      requestsByEndpoint: breakdown,
      importCallTokens: essentialTokens,
      processes,
      producerExitCode: importer.producerExitCode,
    },
    limit,
    ratios: {
      importerTimeOverLimit: timeRatio,
      importerApiSpanOverLimit: (lastAt - firstAt) / 1000 / limit.best.seconds,
      importerTokensOverMinimum: tokenRatio,
      importerImportCallTokensOverMinimum: essentialTokens / limit.minTokens,
      ...(naive
        ? {
            leadsPerSecondImporterOverNaive:
              importer.record.created / importer.wallMs / (naive.leadsCreated / naive.wallMs),
            tokensPerLeadNaiveOverImporter:
              naive.state.tokensUsed /
              Math.max(1, naive.leadsCreated) /
              (importerState.tokensUsed / Math.max(1, importer.record.created)),
          }
        : {}),
    },
  });
} finally {
  sampler.stop();
  await sandbox.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
