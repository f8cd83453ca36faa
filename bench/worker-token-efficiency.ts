/**
 * Token efficiency: tokens the workers spend per lead ÷ the minimum the file needs, on a company
 * that already holds contacts. The minimum is 10 per lead + 5 per new person + 5 per new
 * organization + the pages needed to list the company's existing contacts once (10 each).
 * Target ≤ 1.10.
 *
 *   npm run bench:worker-token-efficiency                       # 1,000 rows, 2,000 existing persons
 *   npm run bench:worker-token-efficiency -- --warm-cache never # the same file, searching every key
 *   npm run bench:worker-token-efficiency -- --plan growth --latency-ms 100   # with limits, slower
 *
 * Tokens are counted from the sandbox's request log (what Pipedrive would charge), for the
 * workers' calls only (the producer's reference-data reads and start-up checks are not row work).
 * Prints a table and writes bench/results/worker-token-efficiency.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { PipedriveClient } from '../src/pipedrive/client.js';
import type { RequestLogEntry } from '../src/sandbox/index.js';
import { runImporter } from './lib/importer-run.js';
import { writeLeadsCsv } from './lib/leads-csv.js';
import { ProcSampler } from './lib/proc-stats.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';
import { startSandboxProcess } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000' },
    'existing-persons': { type: 'string', default: '2000' },
    'existing-organizations': { type: 'string', default: '300' },
    workers: { type: 'string', default: '2' },
    'warm-cache': { type: 'string', default: 'auto' },
    plan: { type: 'string' },
    'latency-ms': { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
  },
});
const rows = Number(values.rows);
const existingPersons = Number(values['existing-persons']);
const existingOrgs = Number(values['existing-organizations']);

/** What Pipedrive charges for each call the workers make (pipedrive-api.md §3.3). */
function costOf(e: RequestLogEntry): number {
  if (e.status === 429 || e.status === 403 || e.status === 0) return 0;
  const call = `${e.method} ${e.path.replace(/^\/v1\//, '/api/v1/')}`;
  if (call === 'POST /api/v1/leads') return 10;
  if (call === 'GET /api/v1/leads') return 20;
  if (/^POST \/api\/v2\/(persons|organizations)$/.test(call)) return 5;
  if (/^GET \/api\/v2\/(persons|organizations)\/search$/.test(call)) return 20;
  if (/^GET \/api\/v2\/(persons|organizations)$/.test(call)) return 10;
  return 0;
}

const dir = mkdtempSync(join(tmpdir(), 'lpi-bench-tokens-'));
const csv = await writeLeadsCsv({ path: join(dir, 'leads.csv'), rows, seed: Number(values.seed) });
const machineBefore = machineInfo();
console.error(`load before: ${machineBefore.uptime}`);
const redis = await startPrivateRedis();
// Seeded without limits or latency; the plan's limits (if any) apply from the import on.
const sandbox = await startSandboxProcess(['--no-limits', '--seed', values.seed]);
const sampler = new ProcSampler().start();

try {
  // The company before the import: contacts unrelated to the file, which a warm-up must list.
  const api = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken });
  for (let i = 0; i < existingOrgs; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, existingOrgs - i) }, (_, j) =>
        api.addOrganization({ name: `Existing Organization ${i + j}` }),
      ),
    );
  }
  for (let i = 0; i < existingPersons; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, existingPersons - i) }, (_, j) =>
        api.addPerson({
          name: `Existing Person ${i + j}`,
          emails: [{ value: `existing${i + j}@old.example` }],
        }),
      ),
    );
  }
  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}/_sandbox/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${await res.text()}`);
  };
  await control('config', {
    latencyMs: Number(values['latency-ms']),
    // Tokens are what this measures, not the budget: no import here may run out of them.
    dailyTokens: 1_000_000_000,
    ...(values.plan ? { limits: true, plan: values.plan } : {}),
  });
  await control('new-day');
  console.error(
    `${rows} rows (${csv.persons} new persons, ${csv.organizations} new organizations); company holds ` +
      `${existingPersons} persons and ${existingOrgs} organizations; warm-cache ${values['warm-cache']}`,
  );
  const run = await runImporter({
    csvPath: csv.path,
    redisUrl: redis.url,
    prefix: `bench-tok-${Date.now()}`,
    sandboxUrl: sandbox.url,
    plan: values.plan ?? 'growth',
    workers: Number(values.workers),
    workerArgs: [...(values.plan ? [] : ['--no-rate-limit']), '--warm-cache', values['warm-cache']],
    env: { PIPEDRIVE_DAILY_TOKENS: '1000000000' },
    sampler,
  });
  const log = (await sandbox.requests()).filter((e) => e.at >= run.startedAtEpochMs);
  const byCall: Record<string, { calls: number; tokens: number }> = {};
  let spent = 0;
  for (const e of log) {
    const cost = costOf(e);
    if (cost === 0) continue;
    spent += cost;
    const key = `${e.method} ${e.path}`;
    byCall[key] = { calls: (byCall[key]?.calls ?? 0) + 1, tokens: (byCall[key]?.tokens ?? 0) + cost };
  }
  const leads = run.record.created;
  const listingPages = Math.ceil(existingPersons / 500) + Math.ceil(existingOrgs / 500);
  const minimum = 10 * leads + 5 * csv.persons + 5 * csv.organizations + 10 * listingPages;
  const state = await sandbox.state();
  const result = {
    rows,
    leads,
    'new persons': csv.persons,
    'new orgs': csv.organizations,
    'tokens spent': spent,
    'minimum tokens': minimum,
    'tokens/lead': spent / Math.max(1, leads),
    'minimum/lead': minimum / Math.max(1, leads),
    ratio: spent / minimum,
    'ledger tokensUsed': run.record.tokensUsed,
    'dup persons': state.duplicatePersons,
    'dup orgs': state.duplicateOrganizations,
    'dup leads': state.duplicateLeads,
  };
  printTable(`Token efficiency (warm-cache ${values['warm-cache']}; target ratio ≤ 1.10)`, [result]);
  printTable(
    'Where the tokens went',
    Object.entries(byCall)
      .sort((a, b) => b[1].tokens - a[1].tokens)
      .map(([call, v]) => ({ call, calls: v.calls, tokens: v.tokens })),
  );
  writeResults(
    `worker-token-efficiency${values['warm-cache'] === 'auto' ? '' : `-${values['warm-cache']}`}`,
    {
      machine: { before: machineBefore, after: machineInfo() },
      options: values,
      target: { ratio: 1.1 },
      result,
      byCall,
    },
  );
} finally {
  sampler.stop();
  await sandbox.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
