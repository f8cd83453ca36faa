/**
 * Rows' outcomes and the linger of their steps (`OUTCOME_LINGER_MS` in src/queue/ledger.ts): the ledger's fenced
 * outcomes asked at a steady rate (exponential gaps, as independent rows finishing), against a private redis-server,
 * through the real `ImportLedger.recordCreated` with each row's lease as the worker holds it. For each linger and
 * rate: Redis commands per outcome (`INFO commandstats`, the scripts' inner commands included), script calls per
 * outcome, and how long an outcome waited for its answer (mean and p95). The lingers alternate within one run, so
 * they are compared on the same machine at the same moment; the rate is set by timers, not by the machine's speed,
 * so unlike `bench:many-companies` the batching does not follow the load.
 *
 *   npm run bench:outcome-linger
 *   npm run bench:outcome-linger -- --rates 100,250,400 --lingers 0,10,25 --outcomes 1500
 *
 * Prints a table and writes bench/results/outcome-linger.json.
 */
import { parseArgs } from 'node:util';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { seededRandom } from '../src/dev/seeded-random.js';
import { ImportLedger } from '../src/queue/ledger.js';
import { leadsCsvImport } from '../test/helpers/import-record.js';
import { commandStats, commandStatsDelta } from './lib/redis-breakdown.js';
import { benchRedis } from './lib/redis-stats.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '100,250,400' },
    lingers: { type: 'string', default: '0,10,25' },
    outcomes: { type: 'string', default: '1500' },
    imports: { type: 'string', default: '10' },
  },
});
const rates = values.rates.split(',').map(Number);
const lingers = values.lingers.split(',').map(Number);
const outcomes = Number(values.outcomes);
const imports = Number(values.imports);

const machineBefore = machineInfo();
const server = await startPrivateRedis();
const redis = benchRedis(server.url);
const random = seededRandom(7);
const rows: Record<string, number | string>[] = [];
let round = 0;

try {
  for (const rate of rates) {
    // A B B A: each linger twice, in mirrored order.
    for (const linger of [...lingers, ...[...lingers].reverse()]) {
      round++;
      const prefix = `bol${round}`;
      const ledger = new ImportLedger(redis, prefix, { outcomeLingerMs: linger });
      const ids = Array.from({ length: imports }, (_, i) => `imp-${i}`);
      for (const importId of ids) {
        await ledger.createImport(leadsCsvImport(importId));
        await ledger.markEnqueued(
          importId,
          Array.from({ length: outcomes }, (_, i) => i + 2),
        );
      }
      // Each row holds its lease, as a worker's row does before its outcome.
      const asks = Array.from({ length: outcomes }, (_, i) => {
        const importId = ids[i % imports]!;
        const line = Math.floor(i / imports) + 2;
        return { importId, line, key: ledger.keys.lease(importId, line), value: `w:${i}` };
      });
      for (let i = 0; i < asks.length; i += 500) {
        const pipeline = redis.pipeline();
        for (const a of asks.slice(i, i + 500)) pipeline.set(a.key, a.value, 'PX', 600_000);
        await pipeline.exec();
      }
      const before = await commandStats(redis);
      const waits: number[] = [];
      const pending: Promise<void>[] = [];
      const started = performance.now();
      let due = 0;
      for (const a of asks) {
        due += (-Math.log(1 - random()) / rate) * 1000;
        const delay = started + due - performance.now();
        if (delay > 1) await new Promise((r) => setTimeout(r, delay));
        const asked = performance.now();
        pending.push(
          ledger
            .recordCreated(
              a.importId,
              a.line,
              { leadId: `lead-${a.line}` },
              { tokensUsed: 3, createdPersons: 1 },
              { key: a.key, value: a.value },
              { finish: true },
            )
            .then((t) => {
              if (!t.applied || t.fenced) throw new Error(`outcome of ${a.importId}:${a.line} not applied`);
              waits.push(performance.now() - asked);
            }),
        );
      }
      await Promise.all(pending);
      const seconds = (performance.now() - started) / 1000;
      const delta = Object.fromEntries(commandStatsDelta(before, await commandStats(redis)));
      const total = Object.values(delta).reduce((s, n) => s + n, 0);
      // Our own INFO (the stats' read) is not the ledger's.
      const own = (delta.info ?? 0) + (delta.ping ?? 0);
      const sorted = [...waits].sort((a, b) => a - b);
      rows.push({
        rate,
        'linger ms': linger,
        'achieved /s': Math.round(outcomes / seconds),
        'cmds/outcome': Number(((total - own) / outcomes).toFixed(2)),
        'calls/outcome': Number(((delta.evalsha ?? 0) / outcomes).toFixed(3)),
        'wait ms mean': Number((waits.reduce((s, w) => s + w, 0) / waits.length).toFixed(1)),
        'wait ms p95': Number((sorted[Math.floor(sorted.length * 0.95)] ?? 0).toFixed(1)),
      });
      console.error(JSON.stringify(rows.at(-1)));
    }
  }
} finally {
  redis.disconnect();
  await server.stop();
}

printTable('Outcomes by linger and rate (A B B A within each rate)', rows);
writeResults('outcome-linger', { machine: { before: machineBefore, after: machineInfo() }, rows });
