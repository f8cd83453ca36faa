/**
 * A Redis primary, one replica and three sentinels, from the `redis-server` binary of this machine
 * (`redis-server sentinel.conf --sentinel`), on free loopback ports, in a temporary directory: what a
 * production Sentinel deployment looks like, small enough for a test. The sentinels declare the primary
 * down after `downAfterMs` (1 s here; 30 s by default in production), so a failover takes a few seconds.
 *
 * Every process is SIGKILLed by {@link SentinelTopology.stop} (and when this process exits, even on a
 * failed start), and the directory removed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { findRedisServer, freePort } from '../../src/dev/private-redis.js';
import { killOnExit } from '../chaos/logged-process.js';

export const MASTER_NAME = 'lpimaster';

export interface RedisNode {
  readonly role: 'primary' | 'replica' | 'sentinel';
  readonly port: number;
  readonly process: ChildProcess;
  /** The last lines it printed (for failure messages). */
  output(): string;
  readonly running: boolean;
}

export interface TopologyOptions {
  /** Sentinels declare a silent primary down after this long, ms. @defaultValue 1000 */
  downAfterMs?: number;
  /** Extra `redis-server` arguments of the primary and the replica (e.g. `--appendonly yes`). */
  serverArgs?: string[];
  /** Give up starting after this long, ms. @defaultValue 30000 */
  startTimeoutMs?: number;
}

export interface FailoverReport {
  /** Port of the replica the sentinels promoted. */
  newPrimaryPort: number;
  /** From the kill until the sentinels named the new primary, ms. */
  failoverMs: number;
  /** Replication bytes the primary had written that the promoted replica never got: writes lost. */
  unreplicatedBytes: number;
}

export interface KillOptions {
  /** Give up waiting for the failover after this long, ms. @defaultValue 30000 */
  timeoutMs?: number;
  /**
   * Cut the replica off this many ms before the kill, so that the primary's last writes are not replicated
   * (Redis replicates asynchronously: a primary that dies takes what it had not sent yet). The replica is
   * stopped (SIGSTOP) and the primary drops its link, then the primary is killed and the replica resumed.
   * Keep it under the sentinels' `downAfterMs`, or they count the replica down too and the failover waits.
   * @defaultValue 0 (the replica is in sync up to the kill)
   */
  unreplicatedMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it is true; throws naming `what` after `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(100);
  }
}

/** A one-shot client: connect, run `fn`, disconnect; no retries (a dead server fails at once). */
async function withClient<T>(port: number, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 2000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

export class SentinelTopology {
  private constructor(
    readonly dir: string,
    readonly nodes: RedisNode[],
  ) {}

  /** Starts the primary, the replica and three sentinels; resolves once the sentinels could fail over. */
  static async start(options: TopologyOptions = {}): Promise<SentinelTopology> {
    const bin = findRedisServer();
    const dir = mkdtempSync(join(tmpdir(), 'lpi-sentinel-'));
    const topology = new SentinelTopology(dir, []);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    try {
      const ports = await distinctFreePorts(5);
      const [primaryPort, replicaPort, ...sentinelPorts] = ports as [number, number, ...number[]];
      const serverArgs = (port: number, name: string) => {
        const data = join(dir, name);
        mkdirSync(data);
        return [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          data,
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory-policy',
          'noeviction',
          // The replica copies the primary over the socket at once, instead of through an RDB on disk after 5 s.
          '--repl-diskless-sync',
          'yes',
          '--repl-diskless-sync-delay',
          '0',
          ...(options.serverArgs ?? []),
        ];
      };
      topology.spawn(bin, 'primary', primaryPort, serverArgs(primaryPort, 'primary'));
      topology.spawn(bin, 'replica', replicaPort, [
        ...serverArgs(replicaPort, 'replica'),
        '--replicaof',
        '127.0.0.1',
        String(primaryPort),
      ]);
      await until(
        () => withClient(replicaPort, async (r) => /master_link_status:up/.test(await r.info('replication'))),
        timeoutMs,
        () => `the replica to sync with the primary:\n${topology.outputs()}`,
      );
      for (const [i, port] of sentinelPorts.entries()) {
        const conf = join(dir, `sentinel-${i}.conf`);
        // Sentinel rewrites its configuration file as it learns: it must be a file of its own, writable.
        writeFileSync(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primaryPort} 2`,
            `sentinel down-after-milliseconds ${MASTER_NAME} ${options.downAfterMs ?? 1000}`,
            `sentinel failover-timeout ${MASTER_NAME} 10000`,
            `sentinel parallel-syncs ${MASTER_NAME} 1`,
            '',
          ].join('\n'),
        );
        topology.spawn(bin, 'sentinel', port, [conf, '--sentinel']);
      }
      // A failover needs a quorum (2) that sees the primary down and a majority that elects a leader: every
      // sentinel must know the replica and the two others (they meet through the primary, every 2 s).
      await until(
        async () => {
          for (const port of sentinelPorts) {
            const ok = await withClient(port, async (r) => {
              const master = fields((await r.call('SENTINEL', 'MASTER', MASTER_NAME)) as string[]);
              return Number(master['num-slaves']) >= 1 && Number(master['num-other-sentinels']) >= 2;
            });
            if (!ok) return false;
          }
          return true;
        },
        timeoutMs,
        () => `the sentinels to know the replica and each other:\n${topology.outputs()}`,
      );
      return topology;
    } catch (err) {
      await topology.stop();
      throw err;
    }
  }

  get sentinelPorts(): number[] {
    return this.nodes.filter((n) => n.role === 'sentinel').map((n) => n.port);
  }

  /** `redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/lpimaster` */
  get url(): string {
    return `redis+sentinel://${this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${MASTER_NAME}`;
  }

  /** The primary's port as the sentinels name it now (asks each until one answers). */
  async primaryPort(): Promise<number> {
    for (const port of this.sentinelPorts) {
      try {
        const addr = await withClient(
          port,
          async (r) => (await r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as string[] | null,
        );
        if (addr?.[1]) return Number(addr[1]);
      } catch {
        // next sentinel
      }
    }
    throw new Error(`no sentinel names a primary:\n${this.outputs()}`);
  }

  node(port: number): RedisNode | undefined {
    return this.nodes.find((n) => n.port === port && n.role !== 'sentinel');
  }

  /**
   * SIGKILLs the current primary (no shutdown, no last writes flushed to anyone) and waits until the
   * sentinels name another one, at most `timeoutMs`.
   */
  async killPrimaryAndAwaitFailover(options: KillOptions = {}): Promise<FailoverReport> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const oldPort = await this.primaryPort();
    const primary = this.node(oldPort);
    const replica = this.nodes.find((n) => n.role === 'replica' && n.port !== oldPort && n.running);
    if (!primary?.running) throw new Error(`the primary on port ${oldPort} is not ours or not running`);
    const offsetOf = (port: number, field: string) =>
      withClient(port, async (r) =>
        Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(await r.info('replication'))?.[1] ?? 0),
      );
    const cutOff = (options.unreplicatedMs ?? 0) > 0 && replica !== undefined;
    if (cutOff) {
      replica.process.kill('SIGSTOP');
      await withClient(oldPort, (r) => r.call('CLIENT', 'KILL', 'TYPE', 'replica'));
      await sleep(options.unreplicatedMs!);
    }
    const primaryOffset = await offsetOf(oldPort, 'master_repl_offset').catch(() => 0);
    const killedAt = Date.now();
    const exited = new Promise((r) => primary.process.once('exit', r));
    primary.process.kill('SIGKILL');
    await exited;
    if (cutOff) replica.process.kill('SIGCONT');
    // What the replica holds: all it was sent, once it has read its socket (the link is down from now on).
    await sleep(200);
    const replicaOffset = replica ? await offsetOf(replica.port, 'master_repl_offset').catch(() => 0) : 0;
    let newPort = oldPort;
    await until(
      async () => {
        newPort = await this.primaryPort();
        if (newPort === oldPort) return false;
        // Promoted: the replica answers as a primary.
        return withClient(newPort, async (r) => /role:master/.test(await r.info('replication')));
      },
      timeoutMs,
      () => `a failover away from port ${oldPort}:\n${this.outputs()}`,
    );
    return {
      newPrimaryPort: newPort,
      failoverMs: Date.now() - killedAt,
      unreplicatedBytes: Math.max(0, primaryOffset - replicaOffset),
    };
  }

  /** Every node's last lines, for a failure message. */
  outputs(): string {
    return this.nodes
      .map(
        (n) =>
          `--- ${n.role} :${n.port}${n.running ? '' : ' (exited)'}\n${n.output().split('\n').slice(-15).join('\n')}`,
      )
      .join('\n');
  }

  /** SIGKILLs every process and removes the directory. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        if (!n.running) return;
        const exited = new Promise((r) => n.process.once('exit', r));
        n.process.kill('SIGKILL');
        await Promise.race([exited, sleep(5000)]);
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(bin: string, role: RedisNode['role'], port: number, args: string[]): RedisNode {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    killOnExit(child);
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + d.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    child.once('error', (err) => {
      exited = true;
      out += `\n${err.message}`;
    });
    const node: RedisNode = {
      role,
      port,
      process: child,
      output: () => out,
      get running() {
        return !exited;
      },
    };
    this.nodes.push(node);
    return node;
  }
}

/** `SENTINEL MASTER` answers a flat [key, value, …] list. */
function fields(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
