/**
 * What one `lead-importer worker` costs while it has nothing to do, by how many connections it serves: the CPU it
 * burns and the Redis commands it sends per second once every connection's queue is being served (its BullMQ
 * workers' blocking fetches, heartbeats, limiter and control polls, metrics). A deployment serving a hundred
 * companies pays this all day, whether their imports run or not.
 *
 * Every connection points at one sandbox (an idle worker makes no API calls; each connection still has its own
 * token, queue, limiters and governor). The worker runs from dist/ (`npm run build` first), as shipped.
 *
 *   npm run bench:idle-worker                          # 1, 10 and 30 connections, 30 s each
 *   npm run bench:idle-worker -- --companies 100 --seconds 60
 *
 * Prints a table and writes bench/results/idle-worker.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeConnectionsFile } from '../src/dev/connections-file.js';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { buildDistIfStale } from '../test/setup/build-dist.js';
import { spawnCli } from './lib/cli-process.js';
import { readProcStats } from './lib/proc-stats.js';
import { benchRedis, redisCommandsProcessed } from './lib/redis-stats.js';
import { machineInfo, printTable, writeResults } from './lib/report.js';
import { startSandboxProcess } from './lib/sandbox-process.js';

const { values } = parseArgs({
  options: {
    companies: { type: 'string', default: '1,10,30' },
    seconds: { type: 'string', default: '30' },
    /** Seconds after every connection is served before measuring: startup and first polls left out. */
    'settle-s': { type: 'string', default: '5' },
  },
});
const counts = values.companies.split(',').map(Number);
const seconds = Number(values.seconds);
const settleS = Number(values['settle-s']);
if (counts.some((n) => !Number.isInteger(n) || n < 1) || !(seconds > 0)) {
  console.error('--companies takes whole numbers ≥ 1, comma-separated; --seconds a positive number');
  process.exit(2);
}

buildDistIfStale();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redisServer = await startPrivateRedis();
const redis = benchRedis(redisServer.url);
const sandbox = await startSandboxProcess(['--plan', 'ultimate']);
const rows: Record<string, number>[] = [];
try {
  for (const n of counts) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-idle-'));
    const names = Array.from({ length: n }, (_, i) => `c${String(i + 1).padStart(3, '0')}`);
    for (const name of names) writeFileSync(join(dir, `${name}.token`), `${sandbox.apiToken}\n`);
    const connectionsFile = writeConnectionsFile(
      dir,
      names.map((name) => ({ name, url: sandbox.url, plan: 'ultimate' })),
    );
    const worker = spawnCli(['worker'], {
      name: 'worker',
      built: true,
      env: {
        REDIS_URL: redisServer.url,
        REDIS_PREFIX: `bench-idle-${n}`,
        PIPEDRIVE_CONNECTIONS_FILE: connectionsFile,
        LOG_LEVEL: 'info',
      },
    });
    try {
      await Promise.all(
        names.map((name) => worker.waitForLine(new RegExp(`processing lead-import-${name} `), 180_000)),
      );
      await sleep(settleS * 1000);
      const cpuBefore = readProcStats(worker.pid)?.cpuMs ?? 0;
      // Less this benchmark's own INFO (one before, one after: the second is counted by the second read).
      const commandsBefore = await redisCommandsProcessed(redis);
      const startedAt = performance.now();
      await sleep(seconds * 1000);
      const commandsAfter = await redisCommandsProcessed(redis);
      const elapsedS = (performance.now() - startedAt) / 1000;
      const stats = readProcStats(worker.pid);
      const cpuMsPerS = ((stats?.cpuMs ?? 0) - cpuBefore) / elapsedS;
      const commandsPerS = (commandsAfter - commandsBefore - 1) / elapsedS;
      rows.push({
        connections: n,
        'worker CPU ms/s': Math.round(cpuMsPerS * 10) / 10,
        'CPU ms/s per connection': Math.round((cpuMsPerS / n) * 100) / 100,
        'share of a core': Math.round(cpuMsPerS) / 1000,
        'Redis cmds/s': Math.round(commandsPerS * 10) / 10,
        'Redis cmds/s per connection': Math.round((commandsPerS / n) * 10) / 10,
        'worker RSS MiB': Math.round(((stats?.rssBytes ?? 0) / 2 ** 20) * 10) / 10,
      });
      console.error(`  ${n} connection${n === 1 ? '' : 's'}: ${cpuMsPerS.toFixed(1)} ms of CPU a second`);
    } finally {
      await worker.stop('SIGTERM', 20_000);
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await sandbox.stop();
  await redis.quit();
  await redisServer.stop();
}

printTable(`An idle worker, ${seconds} s each`, rows);
writeResults('idle-worker', { machine: machineInfo(), seconds, settleS, rows });
