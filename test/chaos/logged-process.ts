/**
 * `lead-importer` commands as child processes whose stdout and stderr go straight to a log file
 * (the file descriptor is the child's own, so nothing is lost when the parent is busy, and the
 * file keeps what a killed process wrote). Chaos runs grep these files for the API token. They run the built
 * binary (test/helpers/cli-entry.ts: half the start-up CPU of tsx); bench/chaos.ts builds dist/ first when stale.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliNodeArgs } from '../helpers/cli-entry.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LoggedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code, or the signal's name. */
  readonly exited: Promise<number | string>;
  readonly running: boolean;
  /** Sends `signal` and resolves once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<number | string>;
  /** Everything the process printed so far (stdout only when it has a file of its own). */
  output(): string;
  /** Every file the process writes. */
  readonly files: string[];
}

export interface SpawnLoggedOptions {
  /** Keep stdout apart from stderr (for `--json` output). @defaultValue false */
  separateStdout?: boolean;
}

let sequence = 0;
const live = new Set<ChildProcess>();
let exitHook = false;

/**
 * SIGKILLs `child` if this process exits first (a chaos run interrupted with Ctrl-C must not
 * leave workers and redis-servers behind).
 */
export function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** Runs `node bin/lead-importer.js <args>` (dist/) from the repo root, logging to `<logDir>/<name>-<n>.log`. */
export function spawnLogged(
  name: string,
  args: string[],
  env: Record<string, string>,
  logDir: string,
  options: SpawnLoggedOptions = {},
): LoggedProcess {
  const n = ++sequence;
  const logFile = join(logDir, `${name}-${n}.log`);
  const outFile = options.separateStdout ? join(logDir, `${name}-${n}.out`) : logFile;
  const errFd = openSync(logFile, 'a');
  const outFd = outFile === logFile ? errFd : openSync(outFile, 'a');
  const child = spawn(process.execPath, [...cliNodeArgs(), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', outFd, errFd],
  });
  killOnExit(child);
  closeSync(errFd);
  if (outFd !== errFd) closeSync(outFd);
  let done = false;
  const exited = once(child, 'exit').then(([code, signal]) => {
    done = true;
    return (code ?? signal) as number | string;
  });
  return {
    name,
    child,
    logFile,
    exited,
    get running() {
      return !done;
    },
    async kill(signal) {
      if (!done) child.kill(signal);
      return exited;
    },
    output: () => readFileSync(outFile, 'utf8'),
    files: outFile === logFile ? [logFile] : [logFile, outFile],
  };
}
