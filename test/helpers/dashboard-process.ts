import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { cliNodeArgs } from './cli-entry.js';

const REPO = resolve(import.meta.dirname, '../..');

/** A `lead-importer dashboard --port 0` child process, as an operator starts it. */
export interface DashboardProcess {
  /** `http://host:port`, from the line the command prints once it listens. */
  readonly url: string;
  /** SIGTERM, then its exit code once it has exited (null if a signal ended it). */
  stop(): Promise<number | null>;
  /** Whether it is still running (not exited, not ended by a signal). */
  running(): boolean;
  /** SIGKILL, for a test's last clean-up. */
  kill(): void;
  /** What it wrote to stdout and stderr so far (all of it once {@link stop} has returned). */
  output(): string;
}

/**
 * Starts the dashboard command (with `args` after `--port 0`) with only `PATH` and `env` in its environment;
 * rejects with its output if it exits first.
 */
export async function startDashboardProcess(
  env: Record<string, string>,
  args: readonly string[] = [],
): Promise<DashboardProcess> {
  const child = spawn(process.execPath, [...cliNodeArgs(), 'dashboard', '--port', '0', ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  const url = await new Promise<string>((found, failed) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      const m = /Dashboard at (http:\/\/\S+?)\/ /.exec(output);
      if (m) found(m[1]!);
    });
    child.once('exit', () => failed(new Error(`dashboard exited:\n${output}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      return child.exitCode;
    },
    running: () => child.exitCode === null && child.signalCode === null,
    kill() {
      child.kill('SIGKILL');
    },
    output: () => output,
  };
}
