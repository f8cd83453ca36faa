import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private `redis-server` on a free loopback port: the tests and `lead-importer demo` use it so a
 * developer's own Redis is never touched.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export class RedisBinaryMissingError extends Error {
  override name = 'RedisBinaryMissingError';
}

export function findRedisServer(): string {
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new RedisBinaryMissingError(
      `No redis-server binary found ("${bin}"). Install one (Debian/Ubuntu: \`apt-get install redis-server\`; ` +
        'macOS: `brew install redis`), set REDIS_SERVER_BIN to its path, or set REDIS_URL to a Redis the tests may use.',
    );
  }
  return bin;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

export interface StartRedisOptions {
  /** Turn on AOF persistence (chaos tests restart Redis and expect data back). */
  appendOnly?: boolean;
  port?: number;
  /** Data directory, kept afterwards. @defaultValue a new temporary directory, removed on stop or failure */
  dir?: string;
  /** Give up (and stop the child) when the server is not ready within this many ms. @defaultValue 10000 */
  startTimeoutMs?: number;
  /** Require this password (`requirepass`); the returned `url` does not carry it. */
  requirePass?: string;
}

/**
 * Starts `redis-server` and resolves once it accepts connections. When it cannot start (the port
 * is taken, a bad binary, no "ready" within `startTimeoutMs`) it rejects having stopped the child
 * and removed the temporary directory, so a failed start leaves nothing behind.
 */
export async function startPrivateRedis(options: StartRedisOptions = {}): Promise<PrivateRedis> {
  const bin = findRedisServer();
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'lpi-redis-'));
  const removeDir = () => {
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  };
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--dir',
    dir,
    '--maxmemory-policy',
    'noeviction',
    // As docker-compose.yml recommends for production: waiting jobs stay compact listpack hashes.
    '--hash-max-listpack-value',
    '1024',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    ...(options.requirePass ? ['--requirepass', options.requirePass] : []),
  ];
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    removeDir();
    throw err;
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`redis-server did not start on port ${port} within ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
      const check = () => {
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      // A binary that cannot be run at all reports 'error' (and maybe no 'exit').
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with code ${code ?? signal}:\n${output}`));
      });
    });
  } catch (err) {
    // Stop it (it may be running but not ready) and wait for the exit before removing its directory.
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      child.kill('SIGKILL');
    if (child.pid !== undefined) await exited;
    removeDir();
    throw err;
  }
  child.removeAllListeners('exit');
  child.removeAllListeners('error');
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const stopped = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await stopped;
      }
      removeDir();
    },
  };
}
