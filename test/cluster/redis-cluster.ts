/**
 * A three-master Redis Cluster from the `redis-server` binary of this machine: three servers with
 * `--cluster-enabled yes` on free loopback ports, each in its own temporary directory, joined by
 * `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes` (the 16,384 slots split in three).
 *
 * {@link RedisClusterNodes.stop} SIGKILLs every server and removes the directories; so does the exit of
 * this process, even after a failed start.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { findRedisServer, freePort } from '../../src/dev/private-redis.js';
import { killOnExit } from '../chaos/logged-process.js';

export interface RedisClusterNodes {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`, as `REDIS_URL` takes it. */
  readonly url: string;
  readonly ports: number[];
  /** A client of the cluster (closed by {@link stop}). */
  client(): Cluster;
  /** The port of the master serving `slot`. */
  masterOfSlot(slot: number): Promise<number>;
  /**
   * SIGKILLs the node on `port` (a master with no replica: its slots are then served by nobody) and resolves once
   * every other node reports `cluster_state:fail`, which takes the cluster's node timeout (2 s here).
   */
  killNode(port: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 > 65_535) continue;
    return port;
  }
}

function redisCli(): string {
  const bin = process.env.REDIS_CLI_BIN ?? 'redis-cli';
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(`No redis-cli binary found ("${bin}")`);
  return bin;
}

export async function startRedisCluster(masters = 3, timeoutMs = 30_000): Promise<RedisClusterNodes> {
  const bin = findRedisServer();
  const cli = redisCli();
  const dirs: string[] = [];
  const procs: ChildProcess[] = [];
  const ports: number[] = [];
  const clients: (Cluster | Redis)[] = [];
  const stop = async () => {
    // QUIT first, so replies still on the way arrive rather than being rejected unhandled; then drop what is left.
    await Promise.all(clients.map((c) => Promise.race([c.quit().catch(() => {}), sleep(1_000)])));
    for (const c of clients) c.disconnect();
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.all(
      procs.map((p) =>
        p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => p.once('exit', r)),
      ),
    );
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freeClusterPort();
      const dir = mkdtempSync(join(tmpdir(), 'lpi-cluster-'));
      dirs.push(dir);
      ports.push(port);
      const proc = spawn(
        bin,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, 'nodes.conf'),
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory-policy',
          'noeviction',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      killOnExit(proc);
      procs.push(proc);
    }
    const deadline = Date.now() + timeoutMs;
    for (const port of ports) {
      for (;;) {
        const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
        probe.on('error', () => {});
        const ok = await probe
          .connect()
          .then(() => probe.ping())
          .then(() => true)
          .catch(() => false);
        probe.disconnect();
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
        await sleep(50);
      }
    }
    const created = spawnSync(
      cli,
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: timeoutMs },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed:\n${created.stdout}${created.stderr}`);
    // Every node must agree the cluster is whole before clients are told about it.
    for (const port of ports) {
      for (;;) {
        const info = spawnSync(cli, ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout;
        if (/cluster_state:ok/.test(info) && /cluster_slots_assigned:16384/.test(info)) break;
        if (Date.now() > deadline) throw new Error(`cluster not ok on ${port}:\n${info}`);
        await sleep(100);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  return {
    url,
    ports,
    client() {
      const c = new Cluster(
        ports.map((port) => ({ host: '127.0.0.1', port })),
        { redisOptions: { maxRetriesPerRequest: null } },
      );
      clients.push(c);
      return c;
    },
    async masterOfSlot(slot) {
      const probe = new Redis({ port: ports[0]!, host: '127.0.0.1' });
      try {
        const slots = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const range = slots.find(([from, to]) => slot >= from && slot <= to);
        if (!range) throw new Error(`No master serves slot ${slot}`);
        return range[2][1];
      } finally {
        probe.disconnect();
      }
    },
    async killNode(port) {
      const proc = procs[ports.indexOf(port)];
      if (!proc) throw new Error(`No node of this cluster on port ${port}`);
      proc.kill('SIGKILL');
      await new Promise((r) =>
        proc.exitCode !== null || proc.signalCode !== null ? r(undefined) : proc.once('exit', r),
      );
      const deadline = Date.now() + timeoutMs;
      for (const other of ports.filter((p) => p !== port)) {
        for (;;) {
          const info = spawnSync(cli, ['-p', String(other), 'cluster', 'info'], { encoding: 'utf8' }).stdout;
          if (/cluster_state:fail/.test(info)) break;
          if (Date.now() > deadline) throw new Error(`cluster not failed on ${other}:\n${info}`);
          await sleep(100);
        }
      }
    },
    stop,
  };
}
