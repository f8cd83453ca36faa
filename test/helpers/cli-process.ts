import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { cliNodeArgs } from './cli-entry.js';

const REPO = resolve(import.meta.dirname, '../..');

/** A long-running `lead-importer …` child process (worker, dashboard), its stdout and stderr gathered together. */
export interface CliProcess {
  /** Everything it printed so far. */
  output(): string;
  /** Waits until its output matches `what` (or it exits, or `timeoutMs` passes), then returns the match, if any. */
  waitFor(what: RegExp, timeoutMs?: number): Promise<RegExpExecArray | null>;
  /** Whether it still runs (neither exited nor ended by a signal). */
  running(): boolean;
  /** Sends `signal` (SIGTERM by default). */
  kill(signal?: NodeJS.Signals): void;
  /** Its exit code once it has exited (null if a signal ended it). */
  readonly exited: Promise<number | null>;
}

/**
 * Starts `lead-importer ...args` (the built binary, or the source under tsx for a TypeScript fault: see cliNodeArgs)
 * with `env` added to this process's environment; `nodeArgs` go to Node (e.g. `--import` of a fault).
 */
export function spawnCli(args: string[], env: Record<string, string>, nodeArgs: string[] = []): CliProcess {
  const child = spawn(process.execPath, [...cliNodeArgs(nodeArgs), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    output: () => out,
    async waitFor(what, timeoutMs = 40_000) {
      const deadline = Date.now() + timeoutMs;
      while (!what.test(out) && Date.now() < deadline && running()) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return what.exec(out);
    },
    running,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
    exited,
  };
}
