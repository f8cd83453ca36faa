/**
 * Isolation: does one company's trouble slow another company's rows? One `lead-importer worker`
 * process serves three connections (a connections file), each a sandbox process of its own with
 * its own company id and 100 ± 50 ms latency:
 *
 * - A on Growth (40 requests per rolling 2 s), the company measured;
 * - B on Lite, whose daily budget runs out mid-import (`POST /_sandbox/exhaust-budget`);
 * - C on Lite, whose API token is revoked mid-import (`POST /_sandbox/api-token`).
 *
 * Each round imports A's file twice into a fresh key prefix and freshly reset sandboxes, with the
 * same worker command: first with nothing else queued ("A alone"), then with B's and C's imports
 * running beside it ("A + B + C": their producers have enqueued and their rows run when A's
 * producer starts; B's budget runs out and C's token is revoked once A has done `--trouble-at` of
 * its rows, so all three compete first and B and C are in trouble for the rest). A's time is from
 * its producer's start to its last row's outcome.
 * After A is done, B gets a new budget day and C's token file the new token plus SIGHUP, and both
 * must finish: the benchmark checks every import completes with nothing dead-lettered, and each
 * sandbox holds exactly its own import's leads with no duplicates.
 *
 *   npm run bench:isolation
 *   npm run bench:isolation -- --rows 300 --other-rows 200 --rounds 2
 *   npm run bench:isolation -- --cluster     # on a three-master Redis Cluster started from redis-server
 *
 * Target: A + B + C within 10 % of A alone. Prints a table and writes bench/results/isolation.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import calculateSlot from 'cluster-key-slot';
import type { Redis } from 'ioredis';
import { writeConnectionsFile } from '../src/dev/connections-file.js';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { ImportLedger } from '../src/queue/ledger.js';
import { connectionTag, DLQ_QUEUE, deadLetterPrefix, keyScope, keysFor } from '../src/queue/names.js';
import { startRedisCluster } from '../test/cluster/redis-cluster.js';
import { type CliProcess, spawnCli } from './lib/cli-process.js';
import { importDone, until } from './lib/companies.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { ProcSampler } from './lib/proc-stats.js';
import { benchRedis } from './lib/redis-stats.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';
import { type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '500' },
    'other-rows': { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '1' },
    'trouble-at': { type: 'string', default: '0.3' },
    'latency-ms': { type: 'string', default: '50' },
    'latency-jitter-ms': { type: 'string', default: '100' },
    seed: { type: 'string', default: '42' },
    cluster: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const otherRows = Number(values['other-rows']);
const troubleAt = Number(values['trouble-at']);
const seed = Number(values.seed);

const dir = mkdtempSync(join(tmpdir(), 'lpi-bench-isolation-'));
const latency = ['--latency-ms', values['latency-ms'], '--latency-jitter-ms', values['latency-jitter-ms']];
const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);
// One private redis-server, or with --cluster three masters joined by `redis-cli --cluster create`.
const redisServer = values.cluster ? await startRedisCluster(3) : await startPrivateRedis();
const redis: Redis =
  'client' in redisServer ? (redisServer.client() as unknown as Redis) : benchRedis(redisServer.url);
const masterOf = async (slot: number) =>
  'masterOfSlot' in redisServer ? await redisServer.masterOfSlot(slot) : undefined;

/**
 * A fresh key prefix; on a cluster one whose connections a, b and c hash to three different masters (about a
 * third of prefixes do), so the companies spread over the cluster as they would with many.
 */
async function freshPrefix(base: string): Promise<string> {
  if (!values.cluster) return base;
  for (let n = 0; ; n++) {
    const prefix = `${base}-${n}`;
    const masters = await Promise.all(
      ['a', 'b', 'c'].map((c) => masterOf(calculateSlot(connectionTag(prefix, c)))),
    );
    if (new Set(masters).size === 3) return prefix;
  }
}
const sandboxes: Record<'a' | 'b' | 'c', SandboxProcess> = {
  a: await startSandboxProcess([
    '--plan',
    'growth',
    '--company-id',
    '1001',
    '--api-token',
    'token-a',
    ...latency,
  ]),
  b: await startSandboxProcess([
    '--plan',
    'lite',
    '--company-id',
    '1002',
    '--api-token',
    'token-b',
    ...latency,
  ]),
  c: await startSandboxProcess([
    '--plan',
    'lite',
    '--company-id',
    '1003',
    '--api-token',
    'token-c',
    ...latency,
  ]),
};
const files = {
  a: await writeLeadsCsv({ path: join(dir, 'a.csv'), rows, seed }),
  b: await writeLeadsCsv({ path: join(dir, 'b.csv'), rows: otherRows, seed: seed + 1 }),
  c: await writeLeadsCsv({ path: join(dir, 'c.csv'), rows: otherRows, seed: seed + 2 }),
};
const connectionsFile = writeConnectionsFile(
  dir,
  (['a', 'b', 'c'] as const).map((n) => ({
    name: n,
    url: sandboxes[n].url,
    plan: n === 'a' ? 'growth' : 'lite',
  })),
  { timeout_ms: 5000 },
);
const writeToken = (name: string, token: string) => writeFileSync(join(dir, `${name}.token`), `${token}\n`);
const control = async (sandbox: SandboxProcess, path: string, body?: unknown) => {
  const res = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sandbox POST ${path}: ${res.status} ${await res.text()}`);
};

const sampler = new ProcSampler().start();

interface PhaseResult {
  round: number;
  phase: 'A alone' | 'A + B + C';
  'A s': number;
  'A leads': number;
  'A dead-lettered': number;
  'B spent at s'?: number;
  'C revoked at s'?: number;
  'B waiting': boolean | null;
  'C blocked': boolean | null;
  'B leads'?: number;
  'C leads'?: number;
  'worker CPU s': number;
  'DLQ entries': number;
}

async function phase(round: number, withOthers: boolean): Promise<PhaseResult> {
  const prefix = await freshPrefix(`bench-iso-${round}-${withOthers ? 'abc' : 'a'}-${Date.now()}`);
  const keys = keysFor(prefix, keyScope(redis));
  if (values.cluster) {
    const where = await Promise.all(
      ['a', 'b', 'c'].map(async (n) => `${n} on :${await masterOf(calculateSlot(connectionTag(prefix, n)))}`),
    );
    console.error(`cluster: ${where.join(', ')}`);
  }
  const ledger = new ImportLedger(redis, prefix);
  await Promise.all(Object.values(sandboxes).map((s) => s.reset()));
  await control(sandboxes.c, '/_sandbox/api-token', { apiToken: 'token-c' });
  for (const n of ['a', 'b', 'c']) writeToken(n, `token-${n}`);
  const env = {
    REDIS_URL: redisServer.url,
    REDIS_PREFIX: prefix,
    PIPEDRIVE_CONNECTIONS_FILE: connectionsFile,
    LOG_LEVEL: 'info',
  };
  const worker = spawnCli(
    [
      'worker',
      '--concurrency',
      values.concurrency,
      '--budget-probe-interval-ms',
      '1000',
      '--auth-probe-interval-ms',
      '1000',
    ],
    { name: 'worker', env },
  );
  const producers: CliProcess[] = [];
  try {
    await Promise.all(
      ['a', 'b', 'c'].map((n) => worker.waitForLine(new RegExp(`processing lead-import-${n} `), 120_000)),
    );
    sampler.add(`worker ${round} ${withOthers ? 'abc' : 'a'}`, worker.pid);
    const cpuAtStart = sampler.results().find((p) => p.pid === worker.pid)?.cpuMs ?? 0;
    const importOf = (name: 'a' | 'b' | 'c') => {
      const p = spawnCli(
        ['import', files[name].path, '--connection', name, '--import-id', `imp-${name}`, '--json'],
        {
          name: `import ${name}`,
          env,
        },
      );
      producers.push(p);
      return p;
    };
    if (withOthers) {
      // Enqueued first, and running, so their producers' start-up is not part of A's time.
      const others = [importOf('b'), importOf('c')];
      await Promise.all(others.map((p) => p.exited));
      await until(async () => {
        const [b, c] = await Promise.all([ledger.getImport('imp-b'), ledger.getImport('imp-c')]);
        return (b?.created ?? 0) > 0 && (c?.created ?? 0) > 0;
      }, 'B and C to create leads');
    }
    const startedAt = performance.now();
    importOf('a');
    const at = () => Math.round((performance.now() - startedAt) / 100) / 10;
    let spentAt: number | undefined;
    let revokedAt: number | undefined;
    let trouble: Promise<void> = Promise.resolve();
    if (withOthers) {
      // Mid-import: B's budget runs out and C's token is revoked once A has done `troubleAt` of its rows.
      trouble = until(
        async () => ((await ledger.getImport('imp-a'))?.created ?? 0) >= Math.ceil(rows * troubleAt),
        'A to get going',
      ).then(async () => {
        const [b, c] = await Promise.all([ledger.getImport('imp-b'), ledger.getImport('imp-c')]);
        if (importDone(b) || importDone(c))
          throw new Error('B or C finished before their trouble: give them more rows');
        await control(sandboxes.b, '/_sandbox/exhaust-budget');
        spentAt = at();
        await control(sandboxes.c, '/_sandbox/api-token', { apiToken: 'token-c-2' });
        revokedAt = at();
      });
    }
    const recordA = await until(async () => {
      const r = await ledger.getImport('imp-a');
      return importDone(r) ? r! : undefined;
    }, "A's import");
    const aSeconds = (performance.now() - startedAt) / 1000;
    sampler.sample();
    const cpuMs = (sampler.results().find((p) => p.pid === worker.pid)?.cpuMs ?? 0) - cpuAtStart;
    console.error(
      `  round ${round}, ${withOthers ? 'A + B + C' : 'A alone'}: A done in ${aSeconds.toFixed(1)} s`,
    );

    let bWaiting: boolean | null = null;
    let cBlocked: boolean | null = null;
    let bLeads: number | undefined;
    let cLeads: number | undefined;
    if (withOthers) {
      await trouble;
      bWaiting = await until(
        async () => Number(await redis.hget(keys.connectionControl('b'), 'budgetWaitUntil')) > Date.now(),
        'B to wait for budget',
        60_000,
      );
      cBlocked = await until(
        async () => !!(await redis.hget(keys.connectionControl('c'), 'blockedReason')),
        'C to block',
        60_000,
      );
      if (spentAt !== undefined && spentAt > aSeconds) console.error('  (B ran out only after A was done)');
      // B's new day; C's fixed token file and SIGHUP: both must finish.
      await control(sandboxes.b, '/_sandbox/new-day');
      writeToken('c', 'token-c-2');
      worker.child.kill('SIGHUP');
      await worker.waitForLine(/Connection c: restarted/, 60_000);
      const [b, c] = await Promise.all(
        (['imp-b', 'imp-c'] as const).map((id) =>
          until(async () => {
            const r = await ledger.getImport(id);
            return importDone(r) ? r! : undefined;
          }, id),
        ),
      );
      bLeads = b!.created;
      cLeads = c!.created;
      if (b!.deadLettered || c!.deadLettered)
        throw new Error(`B or C dead-lettered rows: ${b!.deadLettered}, ${c!.deadLettered}`);
    }
    // Every lead where it belongs: each sandbox holds exactly its own import's leads, none twice.
    for (const [name, expected] of [
      ['a', rows],
      ['b', withOthers ? otherRows : 0],
      ['c', withOthers ? otherRows : 0],
    ] as const) {
      const state = await sandboxes[name].state();
      if (
        state.leads !== expected ||
        state.duplicateLeads ||
        state.duplicatePersons ||
        state.duplicateOrganizations
      ) {
        throw new Error(
          `sandbox ${name} holds ${state.leads} leads (expected ${expected}): ${JSON.stringify(state)}`,
        );
      }
    }
    const dlq = new Queue(DLQ_QUEUE, {
      connection: redis,
      prefix: deadLetterPrefix(prefix, !!values.cluster),
    });
    const dlqWaiting = await dlq.count();
    await dlq.close();
    return {
      round,
      phase: withOthers ? 'A + B + C' : 'A alone',
      'A s': aSeconds,
      'A leads': recordA.created,
      'A dead-lettered': recordA.deadLettered,
      ...(spentAt !== undefined ? { 'B spent at s': spentAt } : {}),
      ...(revokedAt !== undefined ? { 'C revoked at s': revokedAt } : {}),
      'B waiting': bWaiting,
      'C blocked': cBlocked,
      ...(bLeads !== undefined ? { 'B leads': bLeads } : {}),
      ...(cLeads !== undefined ? { 'C leads': cLeads } : {}),
      'worker CPU s': cpuMs / 1000,
      'DLQ entries': dlqWaiting,
    };
  } finally {
    await Promise.all(producers.map((p) => p.stop('SIGTERM', 5_000)));
    await worker.stop('SIGTERM', 30_000);
  }
}

try {
  console.error(
    `A: ${rows} rows on Growth; B and C: ${otherRows} rows on Lite; trouble once A has done ${troubleAt * 100} %; ` +
      `one worker, concurrency ${values.concurrency}; latency ${values['latency-ms']}+[0,${values['latency-jitter-ms']}) ms`,
  );
  const results: PhaseResult[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    results.push(await phase(round, false));
    results.push(await phase(round, true));
  }
  const mean = (phase: PhaseResult['phase']) => {
    const xs = results.filter((r) => r.phase === phase).map((r) => r['A s']);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const ratio = mean('A + B + C') / mean('A alone');
  printTable(
    'Isolation: A alone, then A beside B (budget spent) and C (token revoked), one worker process',
    results.map((r) => ({ ...r })),
  );
  printTable('A + B + C ÷ A alone (target ≤ 1.10)', [
    { 'A alone s (mean)': mean('A alone'), 'A + B + C s (mean)': mean('A + B + C'), ratio },
  ]);
  writeResults(values.cluster ? 'isolation-cluster' : 'isolation', {
    machine: { before: machineBefore, after: machineInfo() },
    options: values,
    target: { ratio: 1.1 },
    ratio,
    results,
  });
} finally {
  sampler.stop();
  await Promise.all(Object.values(sandboxes).map((s) => s.stop()));
  if (!values.cluster) await redis.quit();
  await redisServer.stop();
  rmSync(dir, { recursive: true, force: true });
}
