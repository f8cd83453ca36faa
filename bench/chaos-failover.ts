/**
 * `npm run bench:chaos-failover` — a Redis Sentinel failover in the middle of an import (issue #11): a
 * 1,500-row file through the real `import` command and 3 `worker` processes, against the sandbox, with Redis
 * as a primary, a replica and three sentinels started from this machine's `redis-server`. When 40 % of the
 * rows are done the primary is SIGKILLed and the sentinels promote the replica; the workers carry on through
 * the sentinels. Then it counts: rows lost, duplicate leads, persons, organizations and notes (the sandbox's
 * own counts), recorded leads missing and leads no row records, and what `lead-importer verify` says.
 *
 *   npm run bench:chaos-failover -- [--rows 1500] [--workers 3] [--seed 1] [--runs 1]
 *                                   [--unreplicated-ms 0] [--repair] [--keep-logs]
 *
 * `--unreplicated-ms N` cuts the replica off N ms before the kill (SIGSTOP, and the primary drops its link),
 * so the primary's last N ms of writes are never replicated: what an asynchronous replica can lose. Keep N
 * under the sentinels' down-after (1 s here). `--repair` then runs `lead-importer verify --repair --yes` and
 * counts the duplicates left. Writes bench/results/chaos-failover.json; exits 1 when a run
 * lost or doubled anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type FailoverOptions, type FailoverResult, runFailover } from '../test/sentinel/failover-run.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1500' },
    workers: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '1' },
    'unreplicated-ms': { type: 'string', default: '0' },
    repair: { type: 'boolean', default: false },
    'keep-logs': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

function whole(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number ≥ ${min}, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

const runs = whole('runs', values.runs, 1);
const firstSeed = whole('seed', values.seed, 1);
const settings: Omit<FailoverOptions, 'seed' | 'workDir'> = {
  rows: whole('rows', values.rows, 10),
  workers: whole('workers', values.workers, 1),
  concurrency: 8,
  killAt: 0.4,
  unreplicatedMs: whole('unreplicated-ms', values['unreplicated-ms'], 0),
  repair: values.repair,
  plan: 'premium',
  latencyMs: 20,
  latencyJitterMs: 60,
  // As bench:chaos runs them: a row whose worker lost its lock comes back within ~15 s, not ~60 s.
  workerFlags: [
    '--lock-duration-ms',
    '10000',
    '--stalled-interval-ms',
    '5000',
    '--contact-lock-ttl-ms',
    '10000',
    '--control-poll-ms',
    '1000',
    '--heartbeat-interval-ms',
    '2000',
    '--drain-timeout-ms',
    '10000',
  ],
  deadlineMs: 15 * 60_000,
};

// Ctrl-C: exit, so the children (workers, redis-servers, sentinels) are killed on the way out.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const machine = machineInfo();
const results: FailoverResult[] = [];
for (let run = 0; run < runs; run++) {
  const seed = firstSeed + run;
  const workDir = mkdtempSync(join(tmpdir(), `lpi-failover-${seed}-`));
  console.log(
    `\nFailover run ${run + 1} of ${runs}: ${settings.rows} rows, ${settings.workers} workers, seed ${seed}, ${settings.unreplicatedMs} ms unreplicated (${workDir})`,
  );
  const result = await runFailover({
    ...settings,
    seed,
    workDir,
    log: values.quiet ? undefined : (line) => console.log(line),
  });
  results.push(result);
  if (result.ok && !values['keep-logs']) rmSync(workDir, { recursive: true, force: true });
  else console.log(`\nlogs of every process: ${result.logDir}`);
}

const s = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms / 100) / 10);
printTable(
  'Failover runs',
  results.map((r, i) => ({
    run: i + 1,
    seed: r.seed,
    rows: r.figures.rows,
    created: r.figures.created,
    rejected: r.figures.rejected,
    lost: r.figures.lost,
    'created at kill': r.figures.createdAtKill,
    'failover s': s(r.figures.failover?.failoverMs),
    'unreplicated B': r.figures.failover?.unreplicatedBytes,
    'dup leads': r.figures.duplicateLeads,
    'dup persons': r.figures.duplicatePersons,
    'dup orgs': r.figures.duplicateOrganizations,
    'dup notes': r.figures.duplicateNotes,
    'verify m/u/d': r.figures.verify
      ? `${r.figures.verify.missing}/${r.figures.verify.unrecorded}/${r.figures.verify.duplicates}`
      : '–',
    'verify tokens': r.figures.verify?.tokensUsed,
    ...(r.figures.afterRepair
      ? {
          'repair deleted': r.figures.afterRepair.deletedLeads,
          'repair tokens': r.figures.afterRepair.tokensUsed,
          'dup leads after': r.figures.afterRepair.duplicateLeads,
        }
      : {}),
    'time s': s(r.figures.durationMs),
    ok: r.ok ? 'yes' : 'NO',
  })),
);
writeResults(
  settings.unreplicatedMs ? `chaos-failover-unreplicated-${settings.unreplicatedMs}ms` : 'chaos-failover',
  {
    machine,
    settings: { ...settings, runs, firstSeed },
    allOk: results.every((r) => r.ok),
    runs: results.map((r) => ({
      seed: r.seed,
      ok: r.ok,
      violations: r.violations,
      figures: r.figures,
      events: r.events,
    })),
  },
);
const failed = results.filter((r) => !r.ok);
if (failed.length) {
  console.error(`\n${failed.length} of ${results.length} runs lost or doubled something:`);
  for (const r of failed) for (const v of r.violations) console.error(`  seed ${r.seed}: ${v}`);
  process.exit(1);
}
console.log(`\n${results.length} of ${results.length} runs: nothing lost, nothing doubled.`);
