/**
 * Long-running commands listen for their signals before they say they are up: a SIGTERM sent the moment the
 * "listening" line is read ends them cleanly (exit 0), never by the signal (exit code null, nothing closed), and
 * a SIGHUP then leaves the dashboard serving. The signal is sent from inside the write of that line
 * (test/fixtures/faults/signal-on-output.ts): the worst timing a busy machine gives a supervisor or a test that
 * reacts at once.
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli-process.js';
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const SIGNAL_ON_OUTPUT = resolve(import.meta.dirname, '../fixtures/faults/signal-on-output.ts');
const redis = testRedis();
const prefix = uniquePrefix('sigready');
afterAll(() => deletePrefix(redis, prefix));

/** `lead-importer ...args`, sent `signal` as it writes `text`. */
function signalledOnLine(args: string[], signal: NodeJS.Signals, text: string) {
  return spawnCli(
    args,
    {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'info',
      LPI_FAULT_SIGNAL_ON: `${signal}:${text}`,
    },
    ['--import', SIGNAL_ON_OUTPUT],
  );
}

describe('a signal the moment a command says it is up', () => {
  it('SIGTERM ends the sandbox with exit 0', async () => {
    const sandbox = signalledOnLine(['sandbox', '--port', '0'], 'SIGTERM', 'listening');
    // Exit code null would mean the signal ended it.
    expect(await sandbox.exited, sandbox.output()).toBe(0);
    expect(sandbox.output()).toContain('Pipedrive sandbox listening at');
  }, 60_000);

  it('SIGTERM ends the dashboard with exit 0', async () => {
    const dashboard = signalledOnLine(['dashboard', '--port', '0'], 'SIGTERM', 'Dashboard at');
    expect(await dashboard.exited, dashboard.output()).toBe(0);
    expect(dashboard.output()).toContain('Dashboard at http://127.0.0.1:');
  }, 60_000);

  it('SIGHUP (the workers’ reload signal) leaves the dashboard serving; a SIGTERM then ends it with 0', async () => {
    const dashboard = signalledOnLine(['dashboard', '--port', '0'], 'SIGHUP', 'Dashboard at');
    const said = await dashboard.waitFor(
      /SIGHUP: no connections file \(PIPEDRIVE_CONNECTIONS_FILE\) to read again/,
    );
    expect(said, dashboard.output()).not.toBeNull();
    expect(dashboard.running()).toBe(true);
    dashboard.kill('SIGTERM');
    expect(await dashboard.exited, dashboard.output()).toBe(0);
  }, 60_000);
});
