/**
 * The imports page's poll with many imports: `/api/imports` (every 2 s per open tab), with and without a
 * `?connection=` filter that matches none of them, against a private redis-server holding `--imports` finished
 * import records of connection `default` and a dashboard (`startDashboard`) that also serves connection `other`.
 * Each figure is the median and p95 of `--polls` polls, one at a time, after two unmeasured ones.
 *
 *   npm run bench:dashboard-many-imports
 *   npm run bench:dashboard-many-imports -- --imports 30000 --polls 20
 *
 * Prints a table and writes bench/results/dashboard-many-imports.json.
 */
import { parseArgs } from 'node:util';
import { startDashboard } from '../src/dashboard/index.js';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { keyScope, keysFor } from '../src/queue/names.js';
import { benchRedis } from './lib/redis-stats.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';

const { values } = parseArgs({
  options: {
    imports: { type: 'string', default: '30000' },
    polls: { type: 'string', default: '20' },
  },
});
const imports = Number(values.imports);
const polls = Number(values.polls);
const prefix = 'bdmi';
const limits = { burstPer2s: 20, dailyTokens: 30_000 };

const server = await startPrivateRedis();
const redis = benchRedis(server.url);
const keys = keysFor(prefix, keyScope(redis));
const rows: Record<string, number | string>[] = [];
try {
  const now = Date.now();
  for (let i = 0; i < imports; i += 1000) {
    const pipeline = redis.pipeline();
    for (let j = i; j < Math.min(i + 1000, imports); j++) {
      const importId = `imp-${j}`;
      const createdAt = now - (imports - j) * 60_000;
      pipeline.hset(keys.import(importId), {
        importId,
        connection: 'default',
        priority: 1,
        startTurn: 0,
        rowsPerJob: 1,
        fileName: `leads-${j}.csv`,
        fileSize: 1000,
        fileHash: 'abc',
        mapping: 'null',
        header: '["Title"]',
        createdAt,
        updatedAt: createdAt + 1000,
        state: 'completed',
        rows: 10,
        enqueued: 9,
        rejected: 1,
        created: 8,
        deadLettered: 1,
        cancelled: 0,
        tokensUsed: 200,
      });
      pipeline.zadd(keys.imports, createdAt, importId);
    }
    await pipeline.exec();
  }
  const dashboard = await startDashboard({
    redisUrl: server.url,
    prefix,
    limits,
    connectionLimits: new Map([
      ['default', limits],
      ['other', limits],
    ]),
    port: 0,
  });
  try {
    for (const [label, path] of [
      ['all imports', '/api/imports'],
      ['?connection= matching none', '/api/imports?connection=other'],
    ] as const) {
      const times: number[] = [];
      let shown = 0;
      for (let i = 0; i < polls + 2; i++) {
        const started = performance.now();
        const res = await fetch(dashboard.url + path);
        const body = (await res.json()) as { imports: unknown[] };
        if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
        if (i >= 2) times.push(performance.now() - started);
        shown = body.imports.length;
      }
      times.sort((a, b) => a - b);
      rows.push({
        poll: label,
        imports,
        shown,
        medianMs: Math.round(times[Math.floor(times.length / 2)]!),
        p95Ms: Math.round(times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]!),
      });
    }
  } finally {
    await dashboard.close();
  }
} finally {
  redis.disconnect();
  await server.stop();
}
printTable(`/api/imports with ${imports} imports (${polls} polls each)`, rows);
writeResults('dashboard-many-imports', { machine: machineInfo(), imports, polls, rows });
