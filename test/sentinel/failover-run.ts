/**
 * One failover chaos run: a generated lead file through the real producer and worker processes, against
 * the sandbox, with Redis as a primary, a replica and three sentinels; mid-import the primary is SIGKILLed
 * (optionally after its replica was cut off for a while, so its last writes were never replicated) and the
 * sentinels promote the replica. Then every row is accounted for, Pipedrive is searched for duplicates (the
 * sandbox's own counts) and `lead-importer verify` is asked the same. Used by `bench/chaos-failover.ts`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { createRedis } from '../../src/queue/connection.js';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { type RunningSandbox, type SandboxPlan, startSandbox } from '../../src/sandbox/index.js';
import { writeChaosCsv } from '../chaos/chaos-file.js';
import { type LoggedProcess, spawnLogged } from '../chaos/logged-process.js';
import { type FailoverReport, SentinelTopology } from './sentinel-topology.js';

export interface FailoverOptions {
  rows: number;
  workers: number;
  /** Rows each worker process works on at once. */
  concurrency: number;
  seed: number;
  /** Share of the rows finished when the primary dies. */
  killAt: number;
  /** Writes of this many ms before the kill never reach the replica (0: in sync). */
  unreplicatedMs: number;
  /** After the checks, run `verify --repair --yes` and count again. @defaultValue false */
  repair?: boolean;
  plan: SandboxPlan;
  latencyMs: number;
  latencyJitterMs: number;
  workerFlags: string[];
  /** The run fails when the import is not finished by then, ms. */
  deadlineMs: number;
  /** The run fails when no row finishes for this long, ms (a stranded row never will). @defaultValue 120000 */
  stallTimeoutMs?: number;
  workDir: string;
  log?: (line: string) => void;
}

export interface FailoverFigures {
  rows: number;
  created: number;
  rejected: number;
  deadLettered: number;
  /** Rows that ended nowhere: `rows − created − rejected − deadLettered − cancelled`. */
  lost: number;
  createdAtKill: number;
  failover: FailoverReport | null;
  sandboxLeads: number;
  duplicateLeads: number;
  duplicatePersons: number;
  duplicateOrganizations: number;
  duplicateNotes: number;
  /** Created rows whose recorded lead is not in the sandbox. */
  recordedLeadsMissing: number;
  /** Leads of the import in the sandbox that no row records. */
  leadsNotRecorded: number;
  /** What `lead-importer verify --json` said afterwards. */
  verify: { missing: number; unrecorded: number; duplicates: number; tokensUsed: number } | null;
  /** With `repair`: what `verify --repair --yes` did, and the sandbox's duplicates after it. */
  afterRepair: {
    deletedLeads: number;
    deletedNotes: number;
    requeued: number;
    tokensUsed: number;
    duplicateLeads: number;
    duplicatePersons: number;
    duplicateOrganizations: number;
    duplicateNotes: number;
  } | null;
  workerExitCodes: (number | string)[];
  durationMs: number;
}

export interface FailoverResult {
  seed: number;
  ok: boolean;
  violations: string[];
  figures: FailoverFigures;
  events: { atMs: number; what: string }[];
  logDir: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const events: FailoverResult['events'] = [];
  const note = (what: string) => {
    events.push({ atMs: Date.now() - started, what });
    log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
  };
  const logDir = join(options.workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const file = writeChaosCsv({
    path: join(options.workDir, 'leads.csv'),
    rows: options.rows,
    seed: options.seed,
  });
  const importId = `failover-${options.seed}`;
  const prefix = 'failover';

  let topology: SentinelTopology | undefined;
  let sandbox: RunningSandbox | undefined;
  let redis: Redis | undefined;
  const processes: LoggedProcess[] = [];
  try {
    [topology, sandbox] = await Promise.all([
      SentinelTopology.start(),
      startSandbox({
        plan: options.plan,
        dailyTokens: 1_000_000,
        latencyMs: options.latencyMs,
        latencyJitterMs: options.latencyJitterMs,
        seed: options.seed,
      }),
    ]);
    note(`primary, replica and 3 sentinels up: ${topology.url}`);
    redis = createRedis(topology.url, 'worker');
    redis.on('error', () => {});
    await redis.connect();
    const ledger = new ImportLedger(redis, prefix);
    const env: Record<string, string> = {
      REDIS_URL: topology.url,
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
      PIPEDRIVE_PLAN: options.plan,
      PIPEDRIVE_DAILY_TOKENS: '1000000',
      PIPEDRIVE_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'info',
    };
    const producer = spawnLogged(
      'import',
      ['import', file.path, '--import-id', importId, '--json'],
      env,
      logDir,
      {
        separateStdout: true,
      },
    );
    processes.push(producer);
    const produced = await producer.exited;
    if (produced !== 0 && produced !== 3)
      throw new Error(`the producer exited with ${produced}; see ${logDir}`);
    note(`producer done (exit ${produced})`);
    const workers = Array.from({ length: options.workers }, (_, i) => {
      const w = spawnLogged(
        `worker${i}`,
        ['worker', '--concurrency', String(options.concurrency), ...options.workerFlags],
        env,
        logDir,
      );
      processes.push(w);
      return w;
    });

    const deadline = started + options.deadlineMs;
    const finishedRows = async () => {
      const r = await ledger.getImport(importId);
      return { record: r, done: (r?.created ?? 0) + (r?.deadLettered ?? 0) };
    };
    const valid = file.rows.filter((r) => !r.rejectBecause).length;
    while ((await finishedRows()).done < valid * options.killAt) {
      if (Date.now() > deadline)
        throw new Error(`no progress to ${options.killAt * 100}% before the deadline`);
      await sleep(100);
    }
    const createdAtKill = (await finishedRows()).record?.created ?? 0;
    note(
      `${createdAtKill} rows created: SIGKILL the primary${options.unreplicatedMs ? ` after cutting the replica off for ${options.unreplicatedMs} ms` : ''}`,
    );
    const failover = await topology.killPrimaryAndAwaitFailover({ unreplicatedMs: options.unreplicatedMs });
    note(
      `replica on port ${failover.newPrimaryPort} promoted ${failover.failoverMs} ms after the kill; ${failover.unreplicatedBytes} bytes of replication stream lost`,
    );

    let record = (await finishedRows()).record;
    let finished = false;
    let lastReport = 0;
    let lastDone = -1;
    let lastProgressAt = Date.now();
    let stalled = false;
    while (Date.now() < deadline) {
      const now = await finishedRows();
      record = now.record;
      if (record?.state === 'completed' && record.pending === 0) {
        finished = true;
        break;
      }
      if (now.done !== lastDone) {
        lastDone = now.done;
        lastProgressAt = Date.now();
      } else if (Date.now() - lastProgressAt > (options.stallTimeoutMs ?? 120_000)) {
        stalled = true;
        break;
      }
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        log(
          `  ${record?.created ?? 0} created, ${record?.deadLettered ?? 0} dead-lettered, ${record?.pending ?? 0} pending`,
        );
      }
      await sleep(250);
    }
    note(
      finished
        ? `import completed: ${record?.created} created`
        : stalled
          ? `STALLED: no row finished for ${(options.stallTimeoutMs ?? 120_000) / 1000} s (${record?.pending} pending)`
          : 'DEADLINE: the import did not finish',
    );
    // Rows whose ledger transition was lost with the primary run again; let their jobs settle.
    await sleep(2000);
    const workerExitCodes = await Promise.all(
      workers.map(async (w) => {
        const code = await Promise.race([w.kill('SIGTERM'), sleep(60_000).then(() => 'timeout' as const)]);
        if (code === 'timeout') await w.kill('SIGKILL');
        return code;
      }),
    );

    const verifier = spawnLogged('verify', ['verify', importId, '--json'], env, logDir, {
      separateStdout: true,
    });
    processes.push(verifier);
    await verifier.exited;
    let verify: FailoverFigures['verify'] = null;
    try {
      const v = JSON.parse(verifier.output()) as Record<string, number>;
      verify = {
        missing: v.missing!,
        unrecorded: v.unrecorded!,
        duplicates: v.duplicates!,
        tokensUsed: v.tokensUsed!,
      };
    } catch {
      verify = null;
    }

    // The sandbox's truth against the ledger's, row by row.
    record = await ledger.getImport(importId);
    const lines = file.rows.map((r) => r.line);
    const outcomes = await ledger.outcomes(importId, lines);
    const states = await ledger.rowStates(importId, lines);
    const exported = sandbox.export();
    const leadIds = new Set(exported.leads.map((l) => l.id));
    const recorded = new Set<string>();
    let recordedLeadsMissing = 0;
    for (const o of outcomes) {
      if (o.state !== 'created') continue;
      recorded.add(o.leadId);
      if (!leadIds.has(o.leadId)) recordedLeadsMissing++;
    }
    const leadsNotRecorded = exported.leads.filter(
      (l) => (l.origin_id === importId || l.origin_id?.startsWith(`${importId}:`)) && !recorded.has(l.id),
    ).length;
    const state = sandbox.state();
    let afterRepair: FailoverFigures['afterRepair'] = null;
    if (options.repair) {
      const repairer = spawnLogged(
        'repair',
        ['verify', importId, '--repair', '--yes', '--json'],
        env,
        logDir,
        {
          separateStdout: true,
        },
      );
      processes.push(repairer);
      await repairer.exited;
      try {
        const r = JSON.parse(repairer.output()) as {
          repair: {
            result?: { deleted: { leads: number; notes: number }; requeued: number[]; tokensUsed: number };
          };
        };
        const after = sandbox.state();
        afterRepair = {
          deletedLeads: r.repair.result?.deleted.leads ?? 0,
          deletedNotes: r.repair.result?.deleted.notes ?? 0,
          requeued: r.repair.result?.requeued.length ?? 0,
          tokensUsed: r.repair.result?.tokensUsed ?? 0,
          duplicateLeads: after.duplicateLeads,
          duplicatePersons: after.duplicatePersons,
          duplicateOrganizations: after.duplicateOrganizations,
          duplicateNotes: after.duplicateNotes,
        };
        note(
          `verify --repair --yes deleted ${afterRepair.deletedLeads} duplicate leads; ${after.duplicateLeads} left`,
        );
      } catch {
        note(`verify --repair --yes printed no JSON; see ${repairer.logFile}`);
      }
    }
    const rows = file.rows.length;
    const created = states.filter((s) => s === RowState.Created).length;
    const rejected = states.filter((s) => s === RowState.Rejected).length;
    const deadLettered = states.filter((s) => s === RowState.DeadLettered).length;
    const cancelled = states.filter((s) => s === RowState.Cancelled).length;
    const figures: FailoverFigures = {
      rows,
      created,
      rejected,
      deadLettered,
      lost: rows - created - rejected - deadLettered - cancelled,
      createdAtKill,
      failover,
      sandboxLeads: state.leads,
      duplicateLeads: state.duplicateLeads,
      duplicatePersons: state.duplicatePersons,
      duplicateOrganizations: state.duplicateOrganizations,
      duplicateNotes: state.duplicateNotes,
      recordedLeadsMissing,
      leadsNotRecorded,
      verify,
      afterRepair,
      workerExitCodes,
      durationMs: Date.now() - started,
    };
    const violations: string[] = [];
    if (!finished) {
      violations.push(
        stalled
          ? 'the import stalled: rows pending that no worker will finish'
          : 'the import did not finish before the deadline',
      );
    }
    if (figures.lost)
      violations.push(`${figures.lost} rows lost (neither created, rejected nor dead-lettered)`);
    if (rejected !== file.rows.length - valid)
      violations.push(`${rejected} rows rejected, ${file.rows.length - valid} expected`);
    for (const [k, n] of Object.entries({
      'duplicate leads': state.duplicateLeads,
      'duplicate persons': state.duplicatePersons,
      'duplicate organizations': state.duplicateOrganizations,
      'duplicate notes': state.duplicateNotes,
      'recorded leads missing from Pipedrive': recordedLeadsMissing,
      'leads in Pipedrive no row records': leadsNotRecorded,
    })) {
      if (n) violations.push(`${n} ${k}`);
    }
    if (!verify) violations.push('verify --json printed no JSON');
    else if (verify.missing + verify.unrecorded + verify.duplicates > 0) {
      violations.push(
        `verify found ${verify.missing} missing, ${verify.unrecorded} unrecorded, ${verify.duplicates} duplicates`,
      );
    }
    if (workerExitCodes.some((c) => c !== 0))
      violations.push(`workers exited with ${workerExitCodes.join(', ')}`);
    return { seed: options.seed, ok: violations.length === 0, violations, figures, events, logDir };
  } finally {
    await Promise.allSettled(processes.map((p) => p.kill('SIGKILL')));
    redis?.disconnect();
    await sandbox?.close();
    await topology?.stop();
  }
}
