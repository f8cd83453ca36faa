/**
 * A private redis-server with AOF (`appendfsync everysec`) that a chaos run can crash and bring
 * back on the same port and data directory, and a probe that measures what a crash lost.
 *
 * Two ways to crash:
 * - `kill`: SIGKILL the redis-server process. Redis `write()`s the AOF buffer before it answers
 *   the commands in it, so what it acknowledged is in the kernel's page cache and survives the
 *   process; only an fsync stall longer than 2 s (a busy disk) can delay that write.
 * - `power-loss`: SIGKILL, then cut the AOF back to what had been written 1 s earlier: what a
 *   machine crash leaves on disk with `everysec`, which fsyncs once a second. With
 *   `appendfsync always` Redis fsyncs before it answers, so a power loss cuts nothing it
 *   acknowledged, and nothing is cut.
 */
import { mkdirSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';
import { killOnExit } from './logged-process.js';

export type RedisCrashMode = 'kill' | 'power-loss';
export type RedisFsync = 'everysec' | 'always';

export interface CrashReport {
  mode: RedisCrashMode;
  /** How long Redis was gone, ms. */
  downMs: number;
  /** Acknowledged INCRs of the probe counter missing after the restart. */
  lostAcknowledgedWrites: number;
  /** AOF bytes cut off (power-loss only). */
  truncatedBytes: number;
}

export class ChaosRedis {
  private server: PrivateRedis | undefined;
  private readonly sizes: { at: number; file: string; size: number }[] = [];
  private sizeTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly fsync: RedisFsync,
  ) {}

  static async start(dir: string, fsync: RedisFsync = 'everysec'): Promise<ChaosRedis> {
    mkdirSync(dir, { recursive: true });
    const redis = new ChaosRedis(await freePort(), dir, fsync);
    redis.server = await redis.launch();
    redis.trackAofSize();
    return redis;
  }

  /** Starts redis-server on our port and directory, with our fsync policy. */
  private async launch(): Promise<PrivateRedis> {
    const server = await startPrivateRedis({ appendOnly: true, port: this.port, dir: this.dir });
    killOnExit(server.process);
    if (this.fsync !== 'everysec') {
      const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
      try {
        await client.config('SET', 'appendfsync', this.fsync);
      } finally {
        client.disconnect();
      }
    }
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The AOF files on disk (Redis 7 keeps a base and increments under `appendonlydir/`). */
  aofFiles(): string[] {
    const aofDir = join(this.dir, 'appendonlydir');
    try {
      return readdirSync(aofDir).map((f) => join(aofDir, f));
    } catch {
      return [];
    }
  }

  /**
   * Crashes Redis, keeps it down for at least `downMs` and until `whileDown` has finished, starts
   * it again on the same port and directory.
   */
  async crashAndRestart(
    mode: RedisCrashMode,
    downMs: number,
    probe: AckedCounter,
    whileDown: () => Promise<void> = async () => {},
  ): Promise<CrashReport> {
    const server = this.server;
    if (!server) throw new Error('Redis is not running');
    const killedAt = Date.now();
    const exited = new Promise((r) => server.process.once('exit', r));
    server.process.kill('SIGKILL');
    await exited;
    let truncatedBytes = 0;
    if (mode === 'power-loss' && this.fsync === 'everysec')
      truncatedBytes = this.cutToDurable(killedAt - 1000);
    await Promise.all([new Promise((r) => setTimeout(r, downMs)), whileDown()]);
    // Read once every reply Redis sent before it died has been taken in.
    const acknowledged = probe.acknowledged;
    this.server = await this.launch();
    const downFor = Date.now() - killedAt;
    const after = await probe.read();
    return {
      mode,
      downMs: downFor,
      lostAcknowledgedWrites: Math.max(0, acknowledged - after),
      truncatedBytes,
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.sizeTimer);
    await this.server?.stop();
    this.server = undefined;
  }

  /** Samples the size of the newest AOF increment every 50 ms (the last 5 s are kept). */
  private trackAofSize(): void {
    this.sizeTimer = setInterval(() => {
      const file = this.currentIncrement();
      if (!file) return;
      const now = Date.now();
      this.sizes.push({ at: now, file, size: statSync(file).size });
      while (this.sizes.length > 0 && this.sizes[0]!.at < now - 5000) this.sizes.shift();
    }, 50);
    this.sizeTimer.unref();
  }

  private currentIncrement(): string | undefined {
    const increments = this.aofFiles().filter((f) => f.endsWith('.incr.aof'));
    return increments.sort((a, b) => incrementNumber(a) - incrementNumber(b)).at(-1);
  }

  /** Truncates the newest increment to its size at `durableAt`; returns the bytes removed. */
  private cutToDurable(durableAt: number): number {
    const file = this.currentIncrement();
    if (!file) return 0;
    const before = this.sizes.filter((s) => s.file === file && s.at <= durableAt).at(-1);
    const size = statSync(file).size;
    const keep = before?.size ?? 0;
    if (keep >= size) return 0;
    // Redis loads a truncated AOF up to its last whole command (aof-load-truncated yes).
    truncateSync(file, keep);
    return size - keep;
  }
}

function incrementNumber(file: string): number {
  return Number(/\.(\d+)\.incr\.aof$/.exec(file)?.[1] ?? 0);
}

/**
 * INCRs one key as fast as Redis answers and remembers the last value Redis acknowledged, so a
 * crash's loss can be measured: after the restart, the key must hold at least that value.
 */
export class AckedCounter {
  private readonly client: Redis;
  private running = false;
  private loop: Promise<void> | undefined;
  acknowledged = 0;

  constructor(
    private readonly url: string,
    private readonly key: string,
  ) {
    // Fails fast while Redis is down: a command is never queued, resent or retried, so only
    // real answers count as acknowledged.
    this.client = new Redis(url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => 50,
    });
    this.client.on('error', () => {});
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          const value = await this.client.incr(this.key);
          this.acknowledged = Math.max(this.acknowledged, value);
          await sleep(2);
        } catch {
          await sleep(20);
        }
      }
    })();
  }

  /** The value now, read on a connection of its own once Redis answers. */
  async read(): Promise<number> {
    const reader = new Redis(this.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    reader.on('error', () => {});
    try {
      return Number(await reader.get(this.key)) || 0;
    } finally {
      reader.disconnect();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.client.disconnect();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
