/**
 * Client transport: the CPU one `PipedriveClient` spends per HTTP exchange, alone (no Redis, no
 * BullMQ), against a `lead-importer sandbox` process without limits or latency. Calls alternate a
 * create (`POST /api/v2/persons`) and a read (`GET /api/v1/users/me`), `--concurrency` at once,
 * as a worker's rows do. CPU is this process's (`process.cpuUsage`) over each round ÷ calls; the
 * sandbox runs in its own process. Compare two commits by running this script from an export of
 * each (bench/README.md, "To measure exactly the code of a commit"), back to back.
 *
 *   npx tsx bench/client-transport.ts                      # 3 rounds of 4,000 calls, concurrency 8
 *   npx tsx bench/client-transport.ts --calls 2000 --rounds 5
 *   npx tsx bench/client-transport.ts --latency-ms 50 --latency-jitter-ms 100   # answers 100 ± 50 ms late
 *
 * Prints a table and writes bench/results/client-transport.json.
 */
import { parseArgs } from 'node:util';
import { PipedriveClient } from '../src/pipedrive/client.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';
import { startSandboxProcess, unlimitedSandboxFlags } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    // The sandbox's answer delay: 0 measures the client at its busiest; with latency every answer wakes the process.
    'latency-ms': { type: 'string', default: '0' },
    'latency-jitter-ms': { type: 'string', default: '0' },
  },
});
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);

const machine = machineInfo();
const sandbox = await startSandboxProcess(
  unlimitedSandboxFlags(
    '--latency-ms',
    values['latency-ms'],
    '--latency-jitter-ms',
    values['latency-jitter-ms'],
  ),
);
try {
  const api = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken });
  let next = 0;
  const run = async (count: number): Promise<void> => {
    next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        if (i % 2 === 0) await api.addPerson({ name: `Person ${i}` });
        else await api.getCurrentUser();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  };
  await run(Math.min(1000, calls)); // warm-up: JIT, connections
  const rows: Record<string, number>[] = [];
  for (let round = 1; round <= rounds; round++) {
    await sandbox.reset();
    const cpu = process.cpuUsage();
    const startedAt = performance.now();
    await run(calls);
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - startedAt;
    rows.push({
      round,
      calls,
      'client CPU µs/call': Math.round((used.user + used.system) / calls),
      'user µs/call': Math.round(used.user / calls),
      'system µs/call': Math.round(used.system / calls),
      'calls/s': Math.round(calls / (wallMs / 1000)),
    });
  }
  api.close?.(); // absent before the node:http transport, when this runs from an export of an older commit
  printTable(`Client transport: ${calls} calls × ${rounds} rounds, concurrency ${concurrency}`, rows);
  const cpus = rows.map((r) => r['client CPU µs/call'] as number).sort((a, b) => a - b);
  console.log(`median client CPU µs/call: ${cpus[Math.floor(cpus.length / 2)]}`);
  console.log(`load after: ${machineInfo().uptime}`);
  writeResults('client-transport', {
    machine,
    loadAfter: machineInfo().uptime,
    commit: process.env.BENCH_COMMIT,
    calls,
    rounds,
    concurrency,
    rows,
  });
} finally {
  await sandbox.stop();
}
