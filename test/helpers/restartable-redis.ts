import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';
import { freePort, type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';

/** A size of the AOF's newest increment: what a power loss may cut it back to. */
export interface AofPoint {
  file: string;
  size: number;
}

export type RestartableRedis = Awaited<ReturnType<typeof restartableRedis>>;

/** A redis-server with AOF that can be restarted on the same port and data directory. */
export async function restartableRedis() {
  const dir = mkdtempSync(join(tmpdir(), 'lpi-epoch-'));
  const port = await freePort();
  let server: PrivateRedis = await startPrivateRedis({ appendOnly: true, port, dir });
  const client = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
  client.on('error', () => {});
  onTestFinished(async () => {
    client.disconnect();
    // A frozen server would never take the SIGTERM.
    if (server.process.exitCode === null && server.process.signalCode === null)
      server.process.kill('SIGCONT');
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    client,
    url: server.url,
    /** A clean restart, after `downMs` without a server: the data comes back from the AOF, the server is a new one. */
    async restart(downMs = 0) {
      await server.stop();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      server = await startPrivateRedis({ appendOnly: true, port, dir });
    },
    /** SIGKILL, as a crash would: the server is gone until {@link start}. */
    async kill() {
      if (server.process.exitCode !== null || server.process.signalCode !== null) return;
      const exited = new Promise((r) => server.process.once('exit', r));
      server.process.kill('SIGKILL');
      await exited;
    },
    /** Starts it again on the same port and data (after {@link kill}), with `requirePass` if given. */
    async start(options: { requirePass?: string } = {}) {
      server = await startPrivateRedis({ appendOnly: true, port, dir, ...options });
    },
    /** SIGSTOP: the socket stays open and nothing answers (a frozen VM, a long fork on a big data set). */
    freeze() {
      server.process.kill('SIGSTOP');
    },
    /** SIGCONT after {@link freeze}. */
    thaw() {
      server.process.kill('SIGCONT');
    },
    /** The size of the AOF's newest increment now: what a power loss may cut it back to. */
    aofSize(): AofPoint {
      const aofDir = join(dir, 'appendonlydir');
      const file = readdirSync(aofDir)
        .filter((f) => f.endsWith('.incr.aof'))
        .sort((a, b) => Number(/\.(\d+)\.incr/.exec(a)?.[1]) - Number(/\.(\d+)\.incr/.exec(b)?.[1]))
        .at(-1);
      if (!file) throw new Error(`no AOF increment in ${aofDir}`);
      return { file: join(aofDir, file), size: statSync(join(aofDir, file)).size };
    },
    /** The machine loses power: SIGKILL, the AOF cut back to `at` (what `everysec` had not fsynced), a new server. */
    async powerLoss(at: AofPoint) {
      const exited = new Promise((r) => server.process.once('exit', r));
      server.process.kill('SIGKILL');
      await exited;
      truncateSync(at.file, at.size);
      server = await startPrivateRedis({ appendOnly: true, port, dir });
    },
  };
}
