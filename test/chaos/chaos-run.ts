/**
 * One chaos run: a generated lead file through the real producer and worker processes against
 * the sandbox with faults on, while workers are SIGKILLed and restarted, Redis crashes and comes
 * back from its AOF, the burst limit drops to Lite's for a while, the daily budget runs out, and
 * an operator deletes an organization the import is using. Then every row is accounted for (see
 * `chaos-checks.ts`). Used by `bench/chaos.ts` (5,000 rows) and `test/chaos/chaos.test.ts`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ImportLedger, type ImportRecord } from '../../src/queue/ledger.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import {
  type RunningSandbox,
  type SandboxPlan,
  type SandboxState,
  startSandbox,
} from '../../src/sandbox/index.js';
import { type ChaosCheck, checkChaosRun } from './chaos-checks.js';
import { type ChaosFile, seededRandom, writeChaosCsv } from './chaos-file.js';
import {
  AckedCounter,
  ChaosRedis,
  type CrashReport,
  type RedisCrashMode,
  type RedisFsync,
} from './chaos-redis.js';
import { type LoggedProcess, spawnLogged } from './logged-process.js';

export interface ChaosOptions {
  rows: number;
  /** Worker processes kept running (a killed one is replaced). */
  workers: number;
  seed: number;
  /** Rows each worker process works on at once. */
  concurrency: number;
  /** Pause before each SIGKILL, drawn uniformly from [min, max] ms. */
  killEveryMs: [number, number];
  /** Stop killing after this many. @defaultValue unlimited (until the import is done) */
  maxKills?: number;
  /** A killed worker is replaced after [min, max] ms. */
  restartAfterMs: [number, number];
  redisCrash: RedisCrashMode;
  /** Redis's `appendfsync`. @defaultValue `everysec` */
  redisFsync?: RedisFsync;
  /**
   * `LEAD_IMPORTER_ROWS_PER_JOB` of the producer and the workers, set whenever given (1 included).
   * @defaultValue unset: the importer's default, 10
   */
  rowsPerJob?: number;
  /** How long Redis stays down. */
  redisDownMs: number;
  /** Progress (finished ÷ enqueued) at which each event happens. */
  at: { squeeze: number; redisCrash: number; budgetExpiry: number };
  /** How long the burst limit stays at Lite's 20 per 2 s. */
  squeezeMs: number;
  /** How long the daily budget stays spent after the workers noticed. */
  budgetSpentMs: number;
  /** The sandbox's plan (and the workers'): its burst limit is the run's speed limit. */
  plan: SandboxPlan;
  faultRate: number;
  timeoutRate: number;
  resetRate: number;
  latencyMs: number;
  latencyJitterMs: number;
  searchLagMs: number;
  /** The workers' HTTP timeout: the sandbox's held requests end with it. */
  requestTimeoutMs: number;
  /** Extra `lead-importer worker` flags (lock durations etc.). */
  workerFlags: string[];
  /** The run fails if the import is not finished by then (a hard cap on the run). */
  deadlineMs: number;
  /**
   * The run fails if no row finishes for this long: a stuck import fails fast, a slow machine
   * does not. @defaultValue 90000
   */
  stallTimeoutMs?: number;
  /** Logs, the CSV and Redis's data go here. */
  workDir: string;
  /** Progress lines. @defaultValue silent */
  log?: (line: string) => void;
}

/** A worker process that exited without being told to. */
export interface UnexpectedExit {
  worker: string;
  code: number | string;
  log: string;
  /** The last line of its output that mentions an error. */
  lastError: string;
}

export interface ChaosEvent {
  atMs: number;
  what: string;
}

export interface ChaosFigures {
  rows: number;
  enqueued: number;
  rejected: number;
  created: number;
  deadLettered: number;
  cancelled: number;
  pending: number;
  sandboxLeads: number;
  sandboxPersons: number;
  sandboxOrganizations: number;
  /** Persons and organizations the import recorded as created by its rows (the rest it reused). */
  createdPersons: number;
  createdOrganizations: number;
  duplicateLeads: number;
  duplicatePersons: number;
  duplicateOrganizations: number;
  sandboxNotes: number;
  duplicateNotes: number;
  /**
   * What each company's workers recorded of the reconciliation after the Redis crash (the
   * `{prefix}:epoch:{company}` hash: pages, tokens, what was found), by company.
   */
  reconciliations: Record<string, Record<string, string>>;
  kills: number;
  workerStarts: number;
  producerRuns: number;
  redisCrash: CrashReport | null;
  budgetSpentForMs: number | null;
  /** 429s the sandbox answered: burst (mostly during the squeeze) and daily. */
  rateLimited: number;
  requests: number;
  faultsInjected: SandboxState['faultsInjected'];
  tokensUsed: number;
  deadLettersByReason: Record<string, number>;
  unexpectedExits: UnexpectedExit[];
  durationMs: number;
}

export interface ChaosResult {
  seed: number;
  ok: boolean;
  checks: ChaosCheck[];
  violations: string[];
  figures: ChaosFigures;
  events: ChaosEvent[];
  logDir: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const events: ChaosEvent[] = [];
  const note = (what: string) => {
    events.push({ atMs: Date.now() - started, what });
    log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
  };
  const random = seededRandom(options.seed ^ 0x5eed);
  const between = ([min, max]: [number, number]) => min + random() * (max - min);

  const logDir = join(options.workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const file = writeChaosCsv({
    path: join(options.workDir, 'leads.csv'),
    rows: options.rows,
    seed: options.seed,
  });
  // A token unlike any other string, so finding it anywhere means it leaked.
  const secret = `chaos-${randomBytes(12).toString('hex')}`;
  const prefix = 'chaos';
  const importId = `chaos-${options.seed}`;

  const redisServer = await ChaosRedis.start(
    join(options.workDir, 'redis'),
    options.redisFsync ?? 'everysec',
  );
  const sandbox = await startSandbox({
    apiToken: secret,
    plan: options.plan,
    // Explicit, so the squeeze (a plan change) leaves the budget alone.
    dailyTokens: 1_000_000,
    latencyMs: options.latencyMs,
    latencyJitterMs: options.latencyJitterMs,
    faultRate: options.faultRate,
    timeoutRate: options.timeoutRate,
    resetRate: options.resetRate,
    searchLagMs: options.searchLagMs,
    seed: options.seed,
    timeoutHoldMs: options.requestTimeoutMs * 3,
  });
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
  redis.on('error', () => {});
  const ledger = new ImportLedger(redis, prefix);
  const probe = new AckedCounter(redisServer.url, `${prefix}-chaos-probe`);
  const env: Record<string, string> = {
    REDIS_URL: redisServer.url,
    REDIS_PREFIX: prefix,
    PIPEDRIVE_BASE_URL: sandbox.url,
    PIPEDRIVE_API_TOKEN: secret,
    PIPEDRIVE_PLAN: options.plan,
    PIPEDRIVE_DAILY_TOKENS: '1000000',
    PIPEDRIVE_TIMEOUT_MS: String(options.requestTimeoutMs),
    LOG_LEVEL: 'debug',
    ...(options.rowsPerJob ? { LEAD_IMPORTER_ROWS_PER_JOB: String(options.rowsPerJob) } : {}),
  };
  const processes: LoggedProcess[] = [];
  const workers: (LoggedProcess | undefined)[] = [];
  /** Processes we stopped or killed ourselves; any other exit is the process's own doing. */
  const stoppedByUs = new Set<LoggedProcess>();
  const unexpectedExits: UnexpectedExit[] = [];
  let workerStarts = 0;
  const startWorker = (slot: number) => {
    const worker = spawnLogged(
      `worker${slot}`,
      ['worker', '--concurrency', String(options.concurrency), ...options.workerFlags],
      env,
      logDir,
    );
    processes.push(worker);
    workers[slot] = worker;
    workerStarts++;
    // Like `restart: unless-stopped` in docker-compose.yml: a worker that dies by itself is
    // started again, and the death is reported.
    void worker.exited.then(async (code) => {
      if (stoppedByUs.has(worker)) return;
      const lines = worker.output().split('\n');
      const lastError =
        lines.find((l) => l.includes('unexpected error')) ?? lines.filter((l) => /error/i.test(l)).at(-1);
      unexpectedExits.push({
        worker: worker.name,
        code,
        log: worker.logFile,
        lastError: lastError?.slice(0, 300) ?? '',
      });
      note(`worker${slot} exited by itself with ${code}; restarting it`);
      workers[slot] = undefined;
      await sleep(1000);
      if (!done && !workers[slot]) startWorker(slot);
    });
  };

  let done = false;
  let record: ImportRecord | null = null;
  let kills = 0;
  let producerRuns = 0;
  let crash: CrashReport | null = null;
  let budgetSpentForMs: number | null = null;
  let budgetStatusState: string | undefined;
  let finished = false;
  /** When the number of finished rows last changed. */
  let lastProgressAt = Date.now();
  let lastFinishedRows = -1;
  const background: Promise<unknown>[] = [];
  try {
    for (let slot = 0; slot < options.workers; slot++) startWorker(slot);
    note(`${options.workers} workers started; ${file.rows.length} rows in ${file.path}`);

    // The producer. Faults hit its reference-data calls too; an operator would run it again,
    // and a re-run resumes the same import.
    let produced = false;
    for (producerRuns = 1; producerRuns <= 5 && !produced; producerRuns++) {
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
      const code = await producer.exited;
      produced = code === 0 || code === 3;
      note(`producer run ${producerRuns} exited with ${code}`);
      if (!produced) await sleep(1000);
    }
    producerRuns--;
    if (!produced) throw new Error(`the producer failed ${producerRuns} times; see ${logDir}`);

    probe.start();
    const deadline = started + options.deadlineMs;
    const stallTimeoutMs = options.stallTimeoutMs ?? 90_000;
    lastProgressAt = Date.now();
    background.push(killLoop(), deleteDoomedOrganization(), progressLoop());
    while (!done && Date.now() < deadline && Date.now() - lastProgressAt < stallTimeoutMs) await sleep(250);
    finished = done;
    if (!done && Date.now() >= deadline) {
      note(`DEADLINE: the import did not finish within ${options.deadlineMs / 1000} s`);
    } else if (!done) {
      note(`STALLED: no row finished for ${stallTimeoutMs / 1000} s`);
    }
    done = true;
    await Promise.all(background);

    // A row whose worker died after recording it is done in the ledger while its job still sits
    // in active until its lock expires and a worker finishes it: let them (at most a minute).
    if (finished) {
      const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
      const settleBy = Date.now() + 60_000;
      const left = async () =>
        Object.values(await queue.getJobCounts('active', 'wait', 'delayed', 'prioritized')).reduce(
          (a, b) => a + b,
          0,
        );
      while ((await left()) > 0 && Date.now() < settleBy) await sleep(500);
      await queue.close();
    }

    // Every worker stops as an operator would stop it, and must exit 0. One started a moment ago
    // may still be loading (no signal handler yet, so SIGTERM would end it by default): wait
    // until each says it is processing.
    const readyBy = Date.now() + 60_000;
    const booting = () =>
      processes.filter(
        (p) => p.name.startsWith('worker') && p.running && !p.output().includes('processing lead-import'),
      );
    while (booting().length > 0 && Date.now() < readyBy) await sleep(250);
    const exitCodes = await Promise.all(
      processes
        .filter((p) => p.name.startsWith('worker') && p.running)
        .map(async (w) => {
          stoppedByUs.add(w);
          const exited = w.kill('SIGTERM');
          const code = await Promise.race([exited, sleep(60_000).then(() => 'timeout' as const)]);
          if (code === 'timeout') await w.kill('SIGKILL');
          return code;
        }),
    );
    note(`workers stopped (exit codes ${exitCodes.join(', ')})`);
    await probe.stop();

    const status = spawnLogged('status', ['status', importId, '--json'], env, logDir, {
      separateStdout: true,
    });
    const deadLetters = spawnLogged('dlq', ['dlq', 'list', '--import', importId, '--json'], env, logDir, {
      separateStdout: true,
    });
    processes.push(status, deadLetters);
    await Promise.all([status.exited, deadLetters.exited]);

    const checks = await checkChaosRun({
      file,
      importId,
      prefix,
      redis,
      sandbox,
      secret,
      finished,
      statusOutput: status.output(),
      deadLettersOutput: deadLetters.output(),
      workerExitCodes: exitCodes,
      logFiles: processes.flatMap((p) => p.files),
      aofFiles: redisServer.aofFiles(),
      crash,
      budgetStatusState,
      unexpectedExits,
    });
    const state = sandbox.state();
    record = await ledger.getImport(importId);
    const figures: ChaosFigures = {
      rows: record?.rows ?? 0,
      enqueued: record?.enqueued ?? 0,
      rejected: record?.rejected ?? 0,
      created: record?.created ?? 0,
      deadLettered: record?.deadLettered ?? 0,
      cancelled: record?.cancelled ?? 0,
      pending: record?.pending ?? 0,
      sandboxLeads: state.leads,
      sandboxPersons: state.persons,
      sandboxOrganizations: state.organizations,
      createdPersons: record?.createdPersons ?? 0,
      createdOrganizations: record?.createdOrganizations ?? 0,
      duplicateLeads: state.duplicateLeads,
      duplicatePersons: state.duplicatePersons,
      duplicateOrganizations: state.duplicateOrganizations,
      sandboxNotes: state.notes,
      duplicateNotes: state.duplicateNotes,
      reconciliations: await reconciliations(redis, prefix),
      kills,
      workerStarts,
      producerRuns,
      redisCrash: crash,
      budgetSpentForMs,
      rateLimited: state.rateLimited,
      requests: state.requests,
      faultsInjected: state.faultsInjected,
      tokensUsed: state.tokensUsed,
      deadLettersByReason: deadLettersByReason(await deadLetterMessages(ledger, importId, file)),
      unexpectedExits,
      durationMs: Date.now() - started,
    };
    const violations = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    return { seed: options.seed, ok: violations.length === 0, checks, violations, figures, events, logDir };
  } finally {
    done = true;
    await Promise.allSettled(background);
    for (const p of processes) stoppedByUs.add(p);
    await Promise.allSettled(processes.map((p) => p.kill('SIGKILL')));
    await probe.stop().catch(() => {});
    redis.disconnect();
    await sandbox.close();
    await redisServer.stop();
  }

  /** Follows the ledger and sets off the squeeze, the Redis crash and the budget expiry once each. */
  async function progressLoop(): Promise<void> {
    const fired = { squeeze: false, crash: false, budget: false };
    let lastReport = 0;
    while (!done) {
      record = await ledger.getImport(importId);
      const finishedRows = (record?.created ?? 0) + (record?.deadLettered ?? 0);
      if (finishedRows !== lastFinishedRows) {
        lastFinishedRows = finishedRows;
        lastProgressAt = Date.now();
      }
      const progress = record?.enqueued ? finishedRows / record.enqueued : 0;
      if (record?.state === 'completed' && record.pending === 0) {
        note(
          `import completed: ${record.created} created, ${record.rejected} rejected, ${record.deadLettered} dead-lettered`,
        );
        done = true;
        return;
      }
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        const s = sandbox.state();
        log(
          `  ${(progress * 100).toFixed(0)}%: ${record?.created ?? 0} created, ${record?.deadLettered ?? 0} dead-lettered, ${record?.pending ?? 0} pending; ${kills} kills; ${s.rateLimited} 429s; ${s.requests} requests`,
        );
      }
      if (!fired.squeeze && progress >= options.at.squeeze) {
        fired.squeeze = true;
        const before = sandbox.state().rateLimited;
        sandbox.configure({ plan: 'lite' });
        note('burst limit squeezed to Lite (20 per 2 s)');
        await sleep(options.squeezeMs);
        sandbox.configure({ plan: options.plan });
        note(`burst limit back to ${options.plan}; ${sandbox.state().rateLimited - before} 429s meanwhile`);
      } else if (!fired.crash && progress >= options.at.redisCrash) {
        fired.crash = true;
        note(`Redis ${options.redisCrash === 'kill' ? 'SIGKILLed' : 'power loss'}`);
        // A worker starting meanwhile (a supervisor restarting it) must wait for Redis, not die.
        crash = await redisServer.crashAndRestart(
          options.redisCrash,
          options.redisDownMs,
          probe,
          async () => {
            const fresh = await replaceWorker('while Redis is down');
            await untilStarted(fresh, () => fresh.output().length > 0);
          },
        );
        note(
          `Redis back after ${crash.downMs} ms; ${crash.lostAcknowledgedWrites} acknowledged probe writes lost${crash.truncatedBytes ? `, ${crash.truncatedBytes} AOF bytes cut` : ''}`,
        );
      } else if (!fired.budget && progress >= options.at.budgetExpiry) {
        fired.budget = true;
        await expireBudget();
      }
      await sleep(250);
    }
  }

  /** Spends the day's budget; once the workers wait for it, asks `status`, then starts a new day. */
  async function expireBudget(): Promise<void> {
    const spentAt = Date.now();
    sandbox.exhaustBudget();
    note('daily budget exhausted');
    const control = `${prefix}:control`;
    const noticeBy = Date.now() + 60_000;
    while (!done && Date.now() < noticeBy && !(await redis.hget(control, 'budgetWaitUntil')))
      await sleep(100);
    note('workers wait for the budget');
    // A worker starting now gets a 429 from its first call; it must wait for the budget, not die.
    const fresh = await replaceWorker('while the budget is spent');
    const spawnedAt = Date.now();
    await untilStarted(fresh, () =>
      sandbox.requests().some((r) => r.at >= spawnedAt && r.status === 429 && r.path.endsWith('/users/me')),
    );
    const status = spawnLogged('status', ['status', importId, '--json'], env, logDir, {
      separateStdout: true,
    });
    processes.push(status);
    await status.exited;
    try {
      budgetStatusState = (JSON.parse(status.output()) as { state?: string }).state;
    } catch {
      budgetStatusState = `unreadable: ${status.output().slice(0, 200)}`;
    }
    const left = options.budgetSpentMs - (Date.now() - spentAt);
    if (left > 0) await sleep(left);
    sandbox.newDay();
    budgetSpentForMs = Date.now() - spentAt;
    note(`new budget day after ${budgetSpentForMs} ms (status said "${budgetStatusState}")`);
  }

  /** SIGKILLs a random live worker and starts another in its place at once. */
  async function replaceWorker(why: string): Promise<LoggedProcess> {
    const live = workers.map((w, slot) => ({ w, slot })).filter((x) => x.w?.running);
    const victim = live[Math.floor(random() * live.length)] ?? { w: undefined, slot: 0 };
    if (victim.w) {
      stoppedByUs.add(victim.w);
      await victim.w.kill('SIGKILL');
      kills++;
    }
    startWorker(victim.slot);
    note(`worker${victim.slot} ${victim.w ? 'SIGKILLed and ' : ''}started again ${why}`);
    return workers[victim.slot]!;
  }

  /** Waits until `started()` says the worker got going (or it exited), at most 30 s. */
  async function untilStarted(worker: LoggedProcess, started: () => boolean): Promise<void> {
    const until = Date.now() + 30_000;
    while (worker.running && !started() && Date.now() < until) await sleep(100);
  }

  /** SIGKILLs a random worker every few seconds and starts a new one in its place. */
  async function killLoop(): Promise<void> {
    while (!done && (record?.created ?? 0) === 0) await sleep(100);
    while (!done && kills < (options.maxKills ?? Number.POSITIVE_INFINITY)) {
      await sleep(between(options.killEveryMs));
      if (done) return;
      const live = workers.map((w, slot) => ({ w, slot })).filter((x) => x.w?.running);
      const victim = live[Math.floor(random() * live.length)];
      if (!victim?.w) continue;
      stoppedByUs.add(victim.w);
      await victim.w.kill('SIGKILL');
      workers[victim.slot] = undefined;
      kills++;
      note(`SIGKILL worker${victim.slot} (kill ${kills})`);
      await sleep(between(options.restartAfterMs));
      if (done) return;
      if (!workers[victim.slot]) startWorker(victim.slot);
    }
  }

  /** Deletes the doomed organization in the sandbox as soon as a worker has created it. */
  async function deleteDoomedOrganization(): Promise<void> {
    const name = file.doomedOrganization.toLowerCase();
    while (!done) {
      const org = sandbox
        .export()
        .organizations.find((o) => !o.is_deleted && o.name.trim().toLowerCase() === name);
      if (org) {
        await deleteOrganization(sandbox, secret, org.id);
        note(`organization ${org.id} "${org.name}" deleted in Pipedrive by an operator`);
        return;
      }
      await sleep(200);
    }
  }
}

/** Each company's epoch record (`{prefix}:epoch:{company}`): what its last reconciliation did. */
async function reconciliations(
  redis: Redis,
  prefix: string,
): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  const keys = await redis.keys(`${prefix}:epoch:c*`);
  for (const key of keys) out[key.slice(`${prefix}:epoch:`.length)] = await redis.hgetall(key);
  return out;
}

/** `DELETE /api/v2/organizations/:id`, tried until it sticks (faults are on for us too). */
async function deleteOrganization(sandbox: RunningSandbox, token: string, id: number): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const res = await fetch(`${sandbox.url}/api/v2/organizations/${id}`, {
        method: 'DELETE',
        headers: { 'x-api-token': token },
        signal: AbortSignal.timeout(2000),
      });
      await res.arrayBuffer();
      if (res.ok || res.status === 404 || res.status === 410) return;
    } catch {
      // A reset or a timeout: the delete may or may not have happened; deleting again is harmless.
    }
    await sleep(300);
  }
  throw new Error(`could not delete organization ${id}`);
}

async function deadLetterMessages(
  ledger: ImportLedger,
  importId: string,
  file: ChaosFile,
): Promise<string[]> {
  const outcomes = await ledger.outcomes(
    importId,
    file.rows.map((r) => r.line),
  );
  return outcomes.flatMap((o) => (o.state === 'dead-lettered' ? [`${o.errorClass}: ${o.message}`] : []));
}

/** Messages with ids and numbers folded, so alike failures count together. */
function deadLettersByReason(messages: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) {
    const reason = m.replace(/\d+/g, 'N');
    counts[reason] = (counts[reason] ?? 0) + 1;
  }
  return counts;
}
