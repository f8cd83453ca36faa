/**
 * How many requests per second the sandbox serves at latency 0, with limits off.
 *
 * The sandbox runs in its own process (`lead-importer sandbox`, one core at most, as Node is
 * single-threaded), autocannon drives it from this one. Scenarios: lead create (POST /v1/leads),
 * a read by id (GET /api/v2/persons/{id}) and an exact email search (GET /api/v2/persons/search)
 * over 10,000 persons.
 *
 *   npm run bench:sandbox                      # 5 s per scenario, 10 connections
 *   npm run bench:sandbox -- --duration 10 --connections 50
 *
 * Prints a table and writes bench/results/sandbox-throughput.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = 'sandbox-token';
const PERSONS = 10_000;

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '10' } },
});
const durationS = Number(values.duration);
const connections = Number(values.connections);

function startSandboxProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, 'src/cli.ts'), 'sandbox', '--port', '0', '--no-limits', '--json'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolvePromise, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolvePromise({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited early with code ${code}`)));
  });
}

async function post(url: string, body: unknown): Promise<{ data: { id: number } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'x-api-token': TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { data: { id: number } };
}

const { child, url } = await startSandboxProcess();
try {
  const org = await post(`${url}/api/v2/organizations`, { name: 'Bench Org' });
  for (let i = 0; i < PERSONS; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) =>
        post(`${url}/api/v2/persons`, {
          name: `Person ${i + j}`,
          emails: [{ value: `p${i + j}@bench.test` }],
        }),
      ),
    );
  }

  const scenarios = [
    {
      name: 'create lead',
      method: 'POST',
      path: '/v1/leads',
      body: JSON.stringify({
        title: 'Bench lead',
        organization_id: org.data.id,
        value: { amount: 10, currency: 'EUR' },
      }),
    },
    { name: 'get person by id', method: 'GET', path: '/api/v2/persons/4242' },
    {
      name: 'search person by email',
      method: 'GET',
      path: `/api/v2/persons/search?term=p4242%40bench.test&fields=email&exact_match=true`,
    },
  ];

  const rows: Record<string, unknown>[] = [];
  for (const s of scenarios) {
    const result = await autocannon({
      url: `${url}${s.path}`,
      method: s.method,
      headers: { 'x-api-token': TOKEN, 'content-type': 'application/json' },
      ...(s.body ? { body: s.body } : {}),
      connections,
      duration: durationS,
    });
    rows.push({
      scenario: s.name,
      request: `${s.method} ${s.path.split('?')[0]}`,
      requestsPerSecond: Math.round(result.requests.average),
      total: result.requests.total,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    });
  }

  const state = (await (await fetch(`${url}/_sandbox/state`)).json()) as Record<string, number>;
  console.table(rows);
  console.log(
    `sandbox state after the run: ${state.leads} leads, ${state.persons} persons, ${state.requests} requests`,
  );

  const report = {
    benchmark: 'sandbox-throughput',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    durationSecondsPerScenario: durationS,
    connections,
    personsSeeded: PERSONS,
    results: rows,
  };
  const file = resolve(ROOT, 'bench/results/sandbox-throughput.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${file}`);
} finally {
  child.kill('SIGTERM');
}
