/**
 * `npm run bench:chaos` — the chaos run of issue #6: a 5,000-row import with 3 worker processes
 * against the sandbox with faults on (5xx, timeouts, connection resets, 429s), while a random
 * worker is SIGKILLed every few seconds and restarted, Redis is SIGKILLed once and restarts from
 * its AOF, the burst limit drops to Lite's for a while, the daily budget runs out once and comes
 * back with a new day, and an operator deletes an organization the import is using.
 *
 * At the end it checks, and prints, that every row is accounted for, nothing is duplicated in
 * Pipedrive, dead letters have reasons, no job is stuck, and the API token is nowhere in Redis,
 * its AOF or any log. Exits 1 on any violation. `--runs 3` repeats it with seeds seed, seed+1, …
 *
 *   npm run bench:chaos -- [--rows 5000] [--workers 3] [--seed 1] [--runs 1]
 *                          [--redis-crash kill|power-loss] [--redis-fsync everysec|always] [--keep-logs]
 *                          [--rows-per-job K]
 *
 * `--rows-per-job K` runs the import with `LEAD_IMPORTER_ROWS_PER_JOB=K` (producer and workers): K rows per job;
 * without it, the importer's default (10 rows per job; the worker processes get no other environment).
 *
 * `--redis-crash power-loss` cuts the AOF back by the second `everysec` may lose (a machine
 * crash); with `--redis-fsync always` nothing acknowledged can be lost, so nothing is cut.
 * Writes bench/results/chaos.json (chaos-power-loss.json, chaos-power-loss-always.json for those). Logs of every process stay in a temporary directory when a
 * run fails (or with --keep-logs); its path is printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ChaosOptions, type ChaosResult, runChaos } from '../test/chaos/chaos-run.js';
import { buildDistIfStale } from '../test/setup/build-dist.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    workers: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '1' },
    'redis-crash': { type: 'string', default: 'kill' },
    'redis-fsync': { type: 'string', default: 'everysec' },
    'keep-logs': { type: 'boolean', default: false },
    'rows-per-job': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a whole number ≥ 1, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

// The chaos run's processes are the built binary (test/chaos/logged-process.ts): build it when src/ is newer.
if (buildDistIfStale()) console.error('built dist/ (src/ was newer)');
const rows = positive('rows', values.rows);
const workers = positive('workers', values.workers);
const firstSeed = positive('seed', values.seed);
const runs = positive('runs', values.runs);
const crashMode = values['redis-crash'];
if (crashMode !== 'kill' && crashMode !== 'power-loss') {
  console.error(`--redis-crash must be kill or power-loss, got "${crashMode}"`);
  process.exit(2);
}
const fsync = values['redis-fsync'];
if (fsync !== 'everysec' && fsync !== 'always') {
  console.error(`--redis-fsync must be everysec or always, got "${fsync}"`);
  process.exit(2);
}

/**
 * The settings of the full run. Lock durations are shorter than the worker's defaults (30 s) so
 * a killed worker's rows come back within ~15 s instead of ~60 s; everything else is as shipped.
 */
const settings: Omit<ChaosOptions, 'seed' | 'workDir'> = {
  rows,
  workers,
  concurrency: 8,
  killEveryMs: [3000, 8000],
  restartAfterMs: [500, 2000],
  redisCrash: crashMode,
  redisFsync: fsync,
  ...(values['rows-per-job'] === undefined
    ? {}
    : { rowsPerJob: positive('rows-per-job', values['rows-per-job']) }),
  redisDownMs: 2000,
  at: { squeeze: 0.1, redisCrash: 0.4, budgetExpiry: 0.6 },
  squeezeMs: 8000,
  budgetSpentMs: 8000,
  plan: 'premium',
  faultRate: 0.05,
  timeoutRate: 0.01,
  resetRate: 0.01,
  latencyMs: 20,
  latencyJitterMs: 60,
  searchLagMs: 300,
  requestTimeoutMs: 2000,
  workerFlags: [
    '--lock-duration-ms',
    '10000',
    '--stalled-interval-ms',
    '5000',
    '--contact-lock-ttl-ms',
    '10000',
    '--budget-probe-interval-ms',
    '2000',
    '--control-poll-ms',
    '1000',
    '--heartbeat-interval-ms',
    '2000',
    '--drain-timeout-ms',
    '10000',
  ],
  deadlineMs: 30 * 60_000,
  stallTimeoutMs: 120_000,
};

// Ctrl-C: exit, so the children (workers, redis-server) are killed on the way out.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const machine = machineInfo();
const results: ChaosResult[] = [];
for (let run = 0; run < runs; run++) {
  const seed = firstSeed + run;
  const workDir = mkdtempSync(join(tmpdir(), `lpi-chaos-${seed}-`));
  console.log(
    `\nChaos run ${run + 1} of ${runs}: ${rows} rows, ${workers} workers, seed ${seed} (${workDir})`,
  );
  const result = await runChaos({
    ...settings,
    seed,
    workDir,
    log: values.quiet ? undefined : (line) => console.log(line),
  });
  results.push(result);
  printTable(
    `Checks, run ${run + 1} (seed ${seed})`,
    result.checks.map((c) => ({
      check: c.name,
      ok: c.ok ? 'yes' : 'NO',
      detail: c.detail.length > 140 ? `${c.detail.slice(0, 140)}…` : c.detail,
    })),
  );
  if (result.ok && !values['keep-logs']) rmSync(workDir, { recursive: true, force: true });
  else console.log(`\nlogs of every process: ${result.logDir}`);
}

const ms = (v: number | null | undefined) => (v == null ? null : Math.round(v / 100) / 10);
printTable(
  'Chaos runs',
  results.map((r, i) => ({
    run: i + 1,
    seed: r.seed,
    rows: r.figures.rows,
    created: r.figures.created,
    rejected: r.figures.rejected,
    'dead-lettered': r.figures.deadLettered,
    lost: r.figures.rows - r.figures.created - r.figures.rejected - r.figures.deadLettered,
    'dup leads': r.figures.duplicateLeads,
    'dup persons': r.figures.duplicatePersons,
    // What `revert --include-contacts` would delete against what the sandbox holds (it held none before).
    'persons held/recorded': `${r.figures.sandboxPersons}/${r.figures.createdPersons}`,
    'orgs held/recorded': `${r.figures.sandboxOrganizations}/${r.figures.createdOrganizations}`,
    'dup orgs': r.figures.duplicateOrganizations,
    notes: r.figures.sandboxNotes,
    'dup notes': r.figures.duplicateNotes,
    'reconcile tokens': Object.values(r.figures.reconciliations)
      .map((e) => Number(e.lastTokens ?? 0))
      .reduce((a, b) => a + b, 0),
    kills: r.figures.kills,
    'redis down s': ms(r.figures.redisCrash?.downMs),
    'budget spent s': ms(r.figures.budgetSpentForMs),
    '429s': r.figures.rateLimited,
    faults:
      r.figures.faultsInjected.error + r.figures.faultsInjected.timeout + r.figures.faultsInjected.reset,
    'time s': ms(r.figures.durationMs),
    ok: r.ok ? 'yes' : 'NO',
  })),
);
const reasons: Record<string, number> = {};
for (const r of results) {
  for (const [reason, n] of Object.entries(r.figures.deadLettersByReason))
    reasons[reason] = (reasons[reason] ?? 0) + n;
}
if (Object.keys(reasons).length) {
  printTable(
    'Dead letters by reason (all runs)',
    Object.entries(reasons).map(([reason, n]) => ({ reason, rows: n })),
  );
}
const resultName =
  crashMode === 'power-loss'
    ? fsync === 'always'
      ? 'chaos-power-loss-always'
      : 'chaos-power-loss'
    : 'chaos';
writeResults(resultName, {
  machine,
  settings: { ...settings, runs, firstSeed },
  allOk: results.every((r) => r.ok),
  runs: results.map((r) => ({
    seed: r.seed,
    ok: r.ok,
    violations: r.violations,
    figures: r.figures,
    checks: r.checks,
    events: r.events,
  })),
});
const failed = results.filter((r) => !r.ok);
if (failed.length) {
  console.error(`\n${failed.length} of ${results.length} runs violated an invariant:`);
  for (const r of failed) for (const v of r.violations) console.error(`  seed ${r.seed}: ${v}`);
  process.exit(1);
}
console.log(`\n${results.length} of ${results.length} runs: nothing lost, nothing doubled.`);
