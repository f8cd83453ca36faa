import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { burstLimitPer2s, type Plan } from '../../src/config/config.js';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import type { AddLeadBody, CallOptions, PipedriveApi } from '../../src/pipedrive/types.js';
import { LeadEnqueuer } from '../../src/producer/enqueuer.js';
import { isClusterRedis } from '../../src/queue/connection.js';
import type { LeadJobData } from '../../src/queue/job-data.js';
import { LEAD_JOB_NAME } from '../../src/queue/job-data.js';
import { leadJobOptions, leadPriority } from '../../src/queue/job-options.js';
import { ImportLedger, type ImportMeta, type ImportRecord } from '../../src/queue/ledger.js';
import { organizationKey, personKey } from '../../src/queue/match-keys.js';
import { jobIdFor, LEAD_QUEUE, leadQueueName, queuePrefix } from '../../src/queue/names.js';
import {
  type RequestLogEntry,
  type RunningSandbox,
  type SandboxOptions,
  startSandbox,
} from '../../src/sandbox/index.js';
import { BudgetGovernor } from '../../src/worker/budget-governor.js';
import { type CallLimiter, callLimiterId, createCallLimiter } from '../../src/worker/call-limiter.js';
import { createLeadWorker, type LeadWorkerOptions } from '../../src/worker/index.js';
import { DEFAULT_RETRY } from '../../src/worker/options.js';
import { PipedriveGateway } from '../../src/worker/pipedrive-gateway.js';
import type { LeaseBusy, RowFinished, RowLease } from '../../src/worker/row-lease.js';
import { cliNodeArgs } from '../helpers/cli-entry.js';

/** A sandbox closed after the file's tests. */
export async function testSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ port: 0, ...options });
  afterAll(() => sandbox.close());
  return sandbox;
}

/**
 * A worker's calls on an API token (Lite unless `plan` says) as `connection-worker.ts` builds them: its limiter
 * (the token's windows in Redis, under `prefix`), its budget governor (company `companyKey`) and the gateway that
 * admits each call.
 */
export async function workerGateway(options: {
  redis: Redis;
  plan?: Plan;
  prefix: string;
  pipedrive: { baseUrl: string; apiToken: string };
  companyKey: string;
  margin: number;
  reserve: number;
}): Promise<{ limiter: CallLimiter; governor: BudgetGovernor; gateway: PipedriveGateway }> {
  const { redis, prefix } = options;
  const limiter = await createCallLimiter({
    redis,
    id: callLimiterId(prefix, options.pipedrive),
    burstLimit: burstLimitPer2s(options.plan ?? 'lite', 'api_token'),
    margin: options.margin,
    prefix,
  });
  const governor = new BudgetGovernor({
    redis,
    prefix,
    companyKey: options.companyKey,
    dailyTokens: 30_000,
    reserve: options.reserve,
    resetOffsetMs: 0,
  });
  const gateway = new PipedriveGateway({
    governor,
    limiter,
    retry: DEFAULT_RETRY,
    edgeBlockBackoffMs: 60_000,
  });
  return { limiter, governor, gateway };
}

/** When the server admitted each request: when its latency had passed (`at + ms`). */
export const admittedAt = (log: RequestLogEntry[]) => log.map((e) => e.at + e.ms);

/**
 * Commands Redis ran (by name, lower case) while `step` ran: `INFO commandstats` counts every `redis.call`
 * of a script as well as the script itself. Only meaningful on a server no other test uses.
 */
export async function commandsOf(
  redis: Redis,
  step: () => Promise<unknown>,
): Promise<Record<string, number>> {
  await redis.config('RESETSTAT');
  await step();
  const info = await redis.info('commandstats');
  const counts: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const name = m[1] as string;
    if (!name.startsWith('config') && name !== 'info') counts[name] = Number(m[2]);
  }
  return counts;
}

/** Most of `times` (epoch ms) within any `windowMs`. */
export function peakInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let from = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[from]! >= windowMs) from++;
    peak = Math.max(peak, i - from + 1);
  }
  return peak;
}

export interface RowSpec {
  title?: string;
  org?: string;
  person?: { name: string; email?: string; phone?: string };
  lead?: Partial<LeadJobData['lead']>;
}

/** Rows of an import as the producer would enqueue them (line = index + 2, after the header). */
export function jobsFor(importId: string, rows: RowSpec[]): LeadJobData[] {
  return rows.map((row, i) => ({
    v: 1,
    importId,
    line: i + 2,
    lead: { title: row.title ?? `Lead ${i + 2}`, origin_id: importId, ...row.lead },
    ...(row.person ? { person: row.person } : {}),
    ...(row.org ? { organization: { name: row.org } } : {}),
    cells: [row.title ?? `Lead ${i + 2}`, row.person?.name ?? '', row.person?.email ?? '', row.org ?? ''],
  }));
}

/**
 * `count` rows sharing `orgs` organizations and `persons` persons (each person always at the
 * same organization), as a trade-show file would.
 */
export function sharedContactRows(count: number, orgs: number, persons: number): RowSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const p = i % persons;
    return {
      title: `Deal ${i}`,
      org: `Company ${p % orgs} Ltd`,
      person: { name: `Person ${p}`, email: `person${p}@example.com` },
    };
  });
}

export interface EnqueueOptions {
  /** The connection (company) the import goes to: its record says so and its rows wait on its queue. @defaultValue `default` */
  connection?: string;
  attempts?: number;
  backoffMs?: number;
  removeOnComplete?: boolean;
  /** Rows per BullMQ job: with more than 1, the producer's enqueuer adds chunk jobs. @defaultValue 1 */
  rowsPerJob?: number;
}

/** Creates the import record and enqueues its rows directly (what `importCsv` does, minus the CSV). */
export async function enqueueImport(
  redis: Redis,
  prefix: string,
  importId: string,
  jobs: LeadJobData[],
  options: EnqueueOptions = {},
): Promise<void> {
  const ledger = new ImportLedger(redis, prefix);
  await ledger.createImport({
    importId,
    fileName: `${importId}.csv`,
    fileSize: 0,
    fileHash: importId,
    mapping: null,
    header: ['Title', 'Name', 'Email', 'Organization'],
    createdAt: Date.now(),
    ...(options.connection ? { connection: options.connection } : {}),
    ...(options.rowsPerJob ? { rowsPerJob: options.rowsPerJob } : {}),
  });
  const connection = options.connection ?? 'default';
  const queue = new Queue(leadQueueName(connection), {
    connection: redis,
    prefix: queuePrefix(prefix, connection, isClusterRedis(redis)),
  });
  try {
    if ((options.rowsPerJob ?? 1) > 1) {
      const enqueuer = new LeadEnqueuer({
        queue,
        ledger,
        importId,
        rowsPerJob: options.rowsPerJob,
        metrics: new MetricsRecorder(redis, prefix, 0).connection(connection),
      });
      for (const job of jobs) await enqueuer.add(job);
      await enqueuer.finish();
      await ledger.setCounters(importId, { rows: jobs.length });
      await ledger.setState(importId, 'enqueued');
      return;
    }
    await ledger.markEnqueued(
      importId,
      jobs.map((j) => j.line),
    );
    await queue.addBulk(
      jobs.map((data) => {
        const opts = leadJobOptions(importId, data.line, leadPriority(data.line - 1));
        return {
          name: LEAD_JOB_NAME,
          data,
          opts: {
            ...opts,
            ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
            ...(options.backoffMs !== undefined
              ? { backoff: { type: 'exponential', delay: options.backoffMs, jitter: 0.5 } }
              : {}),
            ...(options.removeOnComplete === false ? { removeOnComplete: false } : {}),
          },
        };
      }),
    );
    const persons = new Set(
      jobs.filter((j) => j.person).map((j) => personKey(j.person!, j.organization?.name)),
    );
    const orgs = new Set(
      jobs.filter((j) => j.organization).map((j) => organizationKey(j.organization!.name)),
    );
    await ledger.setCounters(importId, {
      rows: jobs.length,
      distinctPersons: persons.size,
      distinctOrganizations: orgs.size,
    });
    await ledger.setState(importId, 'enqueued');
  } finally {
    await queue.close();
  }
}

/** Waits until the import has no pending row and is completed; returns its record. */
export async function finished(ledger: ImportLedger, importId: string, timeoutMs = 90_000) {
  return eventually(
    async () => {
      const r = await ledger.getImport(importId);
      return r && r.pending === 0 && r.state === 'completed' ? r : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `import ${importId} to finish` },
  );
}

/**
 * Runs one in-process worker (one row at a time, no cache warming) with `pipedrive`'s credentials until the import
 * has no pending row.
 */
export async function workUntilFinished(
  ledger: ImportLedger,
  importId: string,
  options: {
    redisUrl: string;
    prefix: string;
    pipedrive: { baseUrl: string; apiToken: string };
    plan?: Plan;
  },
): Promise<void> {
  const worker = createLeadWorker({ ...options, concurrency: 1, warmCache: 'never' });
  try {
    await finished(ledger, importId, 60_000);
  } finally {
    await worker.close();
  }
}

/** Polls `check` until it returns a value other than `undefined`/`false`, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface WorkerProcess {
  readonly proc: ChildProcess;
  /** Every line the process printed (stdout and stderr). */
  readonly lines: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /**
   * Sends a signal and resolves with the exit code. A worker still running `graceMs` later is SIGKILLed (resolving
   * null) and its last lines printed: a test's `finally` then ends, and its own failure is the one reported.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

const live = new Set<ChildProcess>();
afterAll(() => {
  for (const p of live) p.kill('SIGKILL');
});

/** Spawns `lead-importer worker` as a real child process; `nodeArgs` go to Node (e.g. `--import` of a fault). */
export function spawnWorker(
  env: Record<string, string>,
  args: string[] = [],
  nodeArgs: string[] = [],
): WorkerProcess {
  const proc = spawn(process.execPath, [...cliNodeArgs(nodeArgs), 'worker', ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  // A line may come in two chunks (the worker writes its log lines several at a time): each stream keeps
  // its unfinished last line until the rest comes.
  const onData = (partial: { text: string }) => (chunk: Buffer) => {
    const parts = (partial.text + chunk.toString('utf8')).split('\n');
    partial.text = parts.pop() ?? '';
    for (const line of parts) {
      if (!line) continue;
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  proc.stdout?.on('data', onData({ text: '' }));
  proc.stderr?.on('data', onData({ text: '' }));
  const exited = once(proc, 'exit').then(([code]) => {
    live.delete(proc);
    return code as number | null;
  });
  return {
    proc,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 30_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `No line matching ${pattern} within ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 20_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      const timer = setTimeout(() => {
        console.error(
          `The worker had not exited ${graceMs} ms after ${signal}; SIGKILL. Its last lines:\n${lines.slice(-20).join('\n')}`,
        );
        proc.kill('SIGKILL');
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * SIGKILLs a freshly spawned worker `kills` times, each a seeded moment after a few more leads were created (5–19,
 * then 0–40 ms), then spawns one more that finishes the import; returns the import's record once it is done.
 */
export async function killWorkersThenFinish(options: {
  sandbox: RunningSandbox;
  ledger: ImportLedger;
  importId: string;
  env: Record<string, string>;
  flags: string[];
  kills?: number;
  seed?: number;
}): Promise<ImportRecord> {
  const { sandbox, env, flags } = options;
  let seed = options.seed ?? 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let kill = 0; kill < (options.kills ?? 4); kill++) {
    const worker = spawnWorker(env, flags);
    const target = sandbox.state().leads + 5 + Math.floor(random() * 15);
    await eventually(async () => sandbox.state().leads >= target, { what: `${target} leads`, intervalMs: 5 });
    await new Promise((r) => setTimeout(r, random() * 40));
    if ((await worker.stop('SIGKILL')) !== null) throw new Error('the worker exited before its SIGKILL');
  }
  const last = spawnWorker(env, flags);
  const record = await eventually(
    async () => {
      const r = await options.ledger.getImport(options.importId);
      return r?.state === 'completed' ? r : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: 'the import to finish' },
  );
  await last.stop();
  return record;
}

/** Environment for a worker child process talking to `sandboxUrl` with keys under `prefix`. */
export function workerEnv(
  redisUrl: string,
  prefix: string,
  sandboxUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    PIPEDRIVE_BASE_URL: sandboxUrl,
    PIPEDRIVE_API_TOKEN: 'sandbox-token',
    PIPEDRIVE_TIMEOUT_MS: '2000',
    ...extra,
  };
}

/** Flags that keep retries, locks and probes short enough for tests. */
export const FAST_WORKER_FLAGS = [
  '--call-retry-min-ms',
  '10',
  '--call-retry-max-ms',
  '100',
  '--lock-duration-ms',
  '3000',
  '--stalled-interval-ms',
  '1000',
  '--contact-lock-ttl-ms',
  '2000',
  '--control-poll-ms',
  '200',
  '--heartbeat-interval-ms',
  '500',
  '--drain-timeout-ms',
  '5000',
];

/**
 * Makes real jobs of one row each (`importId`'s line 2), enqueued under their own prefix, with the row pending in
 * the ledger. Call it at a file's top level: its queues are closed after the file's tests.
 */
export function rowJobs(redis: () => Redis): (prefix: string, importId: string) => Promise<Job<LeadJobData>> {
  const queues: Queue[] = [];
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
  });
  return async (prefix, importId) => {
    const queue = new Queue<LeadJobData>(LEAD_QUEUE, { connection: redis(), prefix });
    queues.push(queue);
    const [data] = jobsFor(importId, [{ title: 'Leased deal', org: 'Lease Ltd' }]);
    await new ImportLedger(redis(), prefix).markEnqueued(importId, [data!.line]);
    return queue.add(LEAD_JOB_NAME, data!, { jobId: jobIdFor(importId, data!.line) });
  };
}

/** The lease a take answered, or a failed test when someone else holds the row. */
export function held(taken: RowLease | LeaseBusy | RowFinished): RowLease {
  if ('busy' in taken) throw new Error(`expected the lease, ${taken.holder} holds it`);
  if ('finished' in taken) throw new Error(`expected the lease, the row is finished (state ${taken.state})`);
  return taken;
}

/** An import record's fields for tests that need the record but no file. */
export function bareImport(importId: string): ImportMeta {
  return {
    importId,
    fileName: 'f.csv',
    fileSize: 1,
    fileHash: 'h',
    mapping: null,
    header: [],
    createdAt: Date.now(),
  };
}

/** A client that runs `before` with each lead's title before its `addLead` request leaves. */
export function beforeAddLead(
  before: (title: string) => Promise<void> | void,
): LeadWorkerOptions['createClient'] {
  return (options) => {
    const client = new PipedriveClient(options);
    return new Proxy(client, {
      get(target, property, receiver) {
        if (property === 'addLead') {
          return async (body: AddLeadBody, o?: CallOptions) => {
            await before(body.title);
            return target.addLead(body, o);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as PipedriveApi;
  };
}
