/**
 * Fairness within one connection: does a small import started while a huge one runs on the same
 * company finish in about the time it takes alone? One sandbox process (Growth, 40 requests per
 * rolling 2 s, 100 ± 50 ms latency by default) and one `lead-importer worker` process per phase,
 * each phase in a fresh key prefix against a freshly reset sandbox:
 *
 * - "small alone": `import small.csv` (100 rows) with nothing else queued;
 * - "small beside big": `import big.csv` (20,000 rows), and once its producer has enqueued every row
 *   and the worker has created `--start-after` of its leads, `import small.csv`. One such phase per
 *   value of `--start-after` (default `0,200`: as soon as the big one is enqueued, and once it is well
 *   under way). The big import is left unfinished: the phase ends when the small one is done.
 *
 * The small import's time is from its producer's start to its last row's outcome, as `--wait` would
 * see it; the ratio is its time beside the big one over its time alone, in the same run (target ≤ 2).
 * Also shown: how many of the big import's leads were created meanwhile (its share of the burst).
 * Every phase also shows the sandbox's 429s, and how many answered a read of the account.
 *
 * With `--late-big-after N` (0: off, the default), one more phase: `import big.csv`, and once it has
 * created N leads, a second big import of as many rows (`late.csv`). Shown: the first big import's
 * leads while the late one runs its head start (its first `IMPORT_HEAD_START_TURNS` leads), and the
 * first one's share of all leads afterwards, over the late one's next `--late-window` leads (0.5 is
 * sharing row for row; 0 is the late one holding the first back until it has caught up).
 *
 *   npm run bench:fairness
 *   npm run bench:fairness -- --rows 2000 --small-rows 50 --rounds 2 --start-after 0,100
 *   npm run bench:fairness -- --rows 6000 --start-after 0 --late-big-after 2000 --late-window 400
 *
 * Prints a table and writes bench/results/fairness.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { IMPORT_HEAD_START_TURNS } from '../src/queue/job-options.js';
import { ImportLedger, type ImportRecord } from '../src/queue/ledger.js';
import { type CliProcess, spawnCli } from './lib/cli-process.js';
import { importDone, until } from './lib/companies.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { ProcSampler } from './lib/proc-stats.js';
import { benchRedis } from './lib/redis-stats.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';
import { startSandboxProcess } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    'small-rows': { type: 'string', default: '100' },
    'start-after': { type: 'string', default: '0,200' },
    concurrency: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '1' },
    plan: { type: 'string', default: 'growth' },
    'latency-ms': { type: 'string', default: '50' },
    'latency-jitter-ms': { type: 'string', default: '100' },
    /** Give up on the small import after this long beside the big one (reported as not done). */
    'timeout-s': { type: 'string', default: '600' },
    seed: { type: 'string', default: '42' },
    'late-big-after': { type: 'string', default: '0' },
    'late-window': { type: 'string', default: '400' },
  },
});
const lateBigAfter = Number(values['late-big-after']);
const lateWindow = Number(values['late-window']);
const bigRows = Number(values.rows);
const smallRows = Number(values['small-rows']);
const startAfters = values['start-after'].split(',').map((s) => Number(s.trim()));
const timeoutMs = Number(values['timeout-s']) * 1000;
if (
  ![bigRows, smallRows, lateBigAfter, lateWindow, ...startAfters].every((n) => Number.isInteger(n) && n >= 0)
) {
  throw new Error(
    '--rows, --small-rows, --start-after, --late-big-after and --late-window take whole numbers',
  );
}
if (lateBigAfter > 0 && lateBigAfter + IMPORT_HEAD_START_TURNS + lateWindow > bigRows) {
  throw new Error(
    `--late-big-after ${lateBigAfter} needs --rows of at least ${lateBigAfter + IMPORT_HEAD_START_TURNS + lateWindow} (the first big import must outlast the late one's head start and window)`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'lpi-bench-fairness-'));
const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);
const redisServer = await startPrivateRedis();
const redis = benchRedis(redisServer.url);
// A daily budget the big import cannot spend: the burst limit is what the imports share.
const sandbox = await startSandboxProcess([
  '--plan',
  values.plan,
  '--daily-tokens',
  String(1_000_000_000),
  '--latency-ms',
  values['latency-ms'],
  '--latency-jitter-ms',
  values['latency-jitter-ms'],
]);
const files = {
  small: await writeLeadsCsv({ path: join(dir, 'small.csv'), rows: smallRows, seed: Number(values.seed) }),
  big: await writeLeadsCsv({ path: join(dir, 'big.csv'), rows: bigRows, seed: Number(values.seed) + 1 }),
  late: await writeLeadsCsv({ path: join(dir, 'late.csv'), rows: bigRows, seed: Number(values.seed) + 2 }),
};
const sampler = new ProcSampler().start();

interface PhaseResult {
  round: number;
  phase: string;
  'small s': number | null;
  'small leads': number;
  'big leads before small': number | null;
  'big leads while small ran': number | null;
  'big pending after': number | null;
  'worker CPU s': number;
  /** Every 429 the sandbox answered in the phase, and those of them to a read of the account (see {@link rateLimited}). */
  '429s': number;
  '429s to reads': number;
}

/** What producers and workers read of the account at start: `users/me`, users, labels, currencies, fields. */
const ACCOUNT_READ = /\/(users(\/me)?|currencies|leadLabels|dealFields|personFields|organizationFields)$/;

/**
 * The 429s since the phase's reset, and how many of them answered a read of the account: the producers' reference
 * reads and the worker's start-up `users/me` (from the request log, which keeps the last 10,000 requests).
 */
async function rateLimited(): Promise<{ '429s': number; '429s to reads': number }> {
  const [state, log] = await Promise.all([sandbox.state(), sandbox.requests()]);
  return {
    '429s': state.rateLimited,
    '429s to reads': log.filter((e) => e.status === 429 && ACCOUNT_READ.test(e.path)).length,
  };
}

/** A phase's start: the sandbox reset, a worker on a fresh prefix, and how to start its imports. */
async function startPhase(prefix: string) {
  await sandbox.reset();
  const env = phaseEnv(prefix);
  const worker = spawnCli(['worker', '--concurrency', values.concurrency], { name: 'worker', env });
  const producers: CliProcess[] = [];
  const importOf = (which: keyof typeof files) => {
    const p = spawnCli(['import', files[which].path, '--import-id', `imp-${which}`, '--json'], {
      name: `import ${which}`,
      env,
    });
    producers.push(p);
    return p;
  };
  return { ledger: new ImportLedger(redis, prefix), worker, producers, importOf };
}

function phaseEnv(prefix: string): Record<string, string> {
  return {
    REDIS_URL: redisServer.url,
    REDIS_PREFIX: prefix,
    PIPEDRIVE_BASE_URL: sandbox.url,
    PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    PIPEDRIVE_PLAN: values.plan,
    PIPEDRIVE_DAILY_TOKENS: String(1_000_000_000),
    LOG_LEVEL: 'info',
  };
}

/** One phase: the small import alone (`startAfter` undefined) or beside the big one. */
async function phase(round: number, startAfter: number | undefined): Promise<PhaseResult> {
  const name =
    startAfter === undefined ? 'small alone' : `small beside big (started at big's lead ${startAfter})`;
  const prefix = `bench-fair-${round}-${startAfter ?? 'alone'}-${Date.now()}`;
  const { ledger, worker, producers, importOf } = await startPhase(prefix);
  try {
    await worker.waitForLine(/processing lead-import/, 120_000);
    sampler.add(`worker ${round} ${startAfter ?? 'alone'}`, worker.pid);
    const cpuAtStart = sampler.results().find((p) => p.pid === worker.pid)?.cpuMs ?? 0;
    let bigBefore: number | null = null;
    if (startAfter !== undefined) {
      const big = importOf('big');
      const code = await big.exited;
      if (code !== 0) throw new Error(`the big import's producer exited ${code}:\n${big.lines.join('\n')}`);
      bigBefore = await until(
        async () => {
          const r = await ledger.getImport('imp-big');
          return r && r.created >= startAfter ? r.created : undefined;
        },
        `the big import to create ${startAfter} leads`,
        20 * 60_000,
        100,
      );
    }
    const startedAt = performance.now();
    const smallProducer = importOf('small');
    // A producer that fails (under load: a start-up call timing out) must end the phase, not leave it
    // waiting for an import that never exists.
    let producerFailed: string | undefined;
    void smallProducer.exited.then((code) => {
      if (code !== 0)
        producerFailed = `the small import's producer exited ${code}:\n${smallProducer.lines.join('\n')}`;
    });
    let small: ImportRecord | null = null;
    try {
      small = await until(
        async () => {
          if (producerFailed) throw new Error(producerFailed);
          const r = await ledger.getImport('imp-small');
          return importDone(r) ? r! : undefined;
        },
        'the small import',
        timeoutMs,
        100,
      );
    } catch (err) {
      if (startAfter === undefined || producerFailed) throw err;
      console.error(`  ${name}: not done after ${timeoutMs / 1000} s`);
    }
    const smallSeconds = small ? (performance.now() - startedAt) / 1000 : null;
    const bigAfter = startAfter === undefined ? null : await ledger.getImport('imp-big');
    sampler.sample();
    const cpuMs = (sampler.results().find((p) => p.pid === worker.pid)?.cpuMs ?? 0) - cpuAtStart;
    const smallNow = small ?? (await ledger.getImport('imp-small'));
    if (small && (small.deadLettered > 0 || small.created !== smallRows)) {
      throw new Error(
        `the small import ended with ${small.created} leads, ${small.deadLettered} dead-lettered`,
      );
    }
    const limited = await rateLimited();
    console.error(
      `  round ${round}, ${name}: ${smallSeconds === null ? 'not done' : `${smallSeconds.toFixed(1)} s`}` +
        (bigAfter && bigBefore !== null
          ? `; big created ${bigAfter.created - bigBefore} meanwhile, ${bigAfter.pending} pending`
          : '') +
        `; ${limited['429s']} 429s (${limited['429s to reads']} to reads of the account)`,
    );
    return {
      round,
      phase: name,
      'small s': smallSeconds,
      'small leads': smallNow?.created ?? 0,
      'big leads before small': bigBefore,
      'big leads while small ran': bigAfter && bigBefore !== null ? bigAfter.created - bigBefore : null,
      'big pending after': bigAfter?.pending ?? null,
      'worker CPU s': cpuMs / 1000,
      ...limited,
    };
  } finally {
    await Promise.all(producers.map((p) => p.stop('SIGTERM', 5_000)));
    await worker.stop('SIGTERM', 30_000);
  }
}

interface LateBigResult {
  'first leads when late started': number;
  "first's leads during late's head start": number;
  "late's head start leads": number;
  "first's share of leads after the head start": number | null;
  'window leads (first + late)': number;
  'head start s': number;
  'window s': number;
  '429s': number;
  '429s to reads': number;
}

/** The first big import, then a second one of as many rows once the first has created `after` leads. */
async function lateBigPhase(after: number): Promise<LateBigResult> {
  const prefix = `bench-fair-late-${Date.now()}`;
  const { ledger, worker, producers, importOf } = await startPhase(prefix);
  const created = async () => {
    const [first, late] = await Promise.all([ledger.getImport('imp-big'), ledger.getImport('imp-late')]);
    return { first: first?.created ?? 0, late: late?.created ?? 0 };
  };
  try {
    await worker.waitForLine(/processing lead-import/, 120_000);
    const big = importOf('big');
    if ((await big.exited) !== 0)
      throw new Error(`the big import's producer failed:\n${big.lines.join('\n')}`);
    const atStart = await until(async () => {
      const c = await created();
      return c.first >= after ? c : undefined;
    }, `the big import to create ${after} leads`);
    const startedAt = performance.now();
    const late = importOf('late');
    if ((await late.exited) !== 0)
      throw new Error(`the late import's producer failed:\n${late.lines.join('\n')}`);
    const headStartEnd = await until(async () => {
      const c = await created();
      return c.late >= IMPORT_HEAD_START_TURNS ? c : undefined;
    }, "the late import's head start");
    const headStartS = (performance.now() - startedAt) / 1000;
    const windowStart = performance.now();
    const windowEnd = await until(
      async () => {
        const c = await created();
        return c.late >= headStartEnd.late + lateWindow ? c : undefined;
      },
      "the late import's window",
      timeoutMs,
    ).catch(async () => {
      console.error(`  late big: the window did not end after ${timeoutMs / 1000} s; measured so far`);
      return created();
    });
    const firstInWindow = windowEnd.first - headStartEnd.first;
    const allInWindow = firstInWindow + windowEnd.late - headStartEnd.late;
    const result: LateBigResult = {
      'first leads when late started': atStart.first,
      "first's leads during late's head start": headStartEnd.first - atStart.first,
      "late's head start leads": headStartEnd.late,
      "first's share of leads after the head start": allInWindow > 0 ? firstInWindow / allInWindow : null,
      'window leads (first + late)': allInWindow,
      'head start s': headStartS,
      'window s': (performance.now() - windowStart) / 1000,
      ...(await rateLimited()),
    };
    console.error(`  late big: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await Promise.all(producers.map((p) => p.stop('SIGTERM', 5_000)));
    await worker.stop('SIGTERM', 30_000);
  }
}

try {
  console.error(
    `small: ${smallRows} rows; big: ${bigRows} rows; same connection (${values.plan}); one worker, concurrency ${values.concurrency}; ` +
      `latency ${values['latency-ms']}+[0,${values['latency-jitter-ms']}) ms`,
  );
  const results: PhaseResult[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    results.push(await phase(round, undefined));
    for (const after of startAfters) results.push(await phase(round, after));
  }
  const mean = (xs: (number | null)[]) =>
    xs.some((x) => x === null) ? null : (xs as number[]).reduce((a, b) => a + b, 0) / xs.length;
  const alone = mean(results.filter((r) => r.phase === 'small alone').map((r) => r['small s']));
  const ratios = startAfters.map((after) => {
    const beside = mean(results.filter((r) => r.phase.endsWith(`lead ${after})`)).map((r) => r['small s']));
    return {
      'started at big lead': after,
      'small alone s (mean)': alone,
      'small beside big s (mean)': beside,
      ratio: alone !== null && beside !== null ? beside / alone : null,
    };
  });
  printTable(
    `Fairness: ${smallRows} rows alone, then beside a ${bigRows}-row import on the same connection`,
    results.map((r) => ({ ...r })),
  );
  printTable('small beside big ÷ small alone (target ≤ 2)', ratios);
  const lateBig = lateBigAfter > 0 ? await lateBigPhase(lateBigAfter) : undefined;
  if (lateBig) {
    printTable(
      `A second ${bigRows}-row import started at the first one's lead ${lateBigAfter} (head start ${IMPORT_HEAD_START_TURNS} rows)`,
      [{ ...lateBig }],
    );
  }
  writeResults('fairness', {
    machine: { before: machineBefore, after: machineInfo() },
    options: values,
    target: { ratio: 2 },
    ratios,
    results,
    ...(lateBig ? { lateBig } : {}),
  });
} finally {
  sampler.stop();
  await sandbox.stop();
  await redis.quit();
  await redisServer.stop();
  rmSync(dir, { recursive: true, force: true });
}
