/**
 * `lead-importer` commands as child processes (`node --import tsx src/cli.ts …` from the repo
 * root), as an operator would run them: each in its own process, so its CPU and memory can be
 * read from /proc and nothing is shared with the benchmark's own process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const live = new Set<ChildProcess>();
let exitHooked = false;

/**
 * Kills `child` (SIGKILL) if the benchmark itself is interrupted (Ctrl-C, SIGTERM) or exits
 * without stopping it, so no worker, sandbox or redis-server is left running behind.
 */
export function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => {
    for (const c of live) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export interface CliProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last lines the process printed (stdout and stderr), at most 500. */
  readonly lines: string[];
  /** Everything printed on stdout, kept whole (for `--json` summaries). */
  stdout(): string;
  /** Resolves with the first line matching `pattern`; rejects if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (SIGTERM by default), then SIGKILL after `forceAfterMs`; resolves on exit. */
  stop(signal?: NodeJS.Signals, forceAfterMs?: number): Promise<number | string>;
}

export interface SpawnCliOptions {
  /** Shown in tables and error messages. */
  name?: string;
  /** Added to the benchmark's own environment. */
  env?: Record<string, string>;
  /** Echo the process's lines to this process's stderr, prefixed with its name. @defaultValue false */
  echo?: boolean;
  /**
   * Run the shipped binary (`node bin/lead-importer.js` → dist/, as `npm install -g` and the Docker
   * image do) instead of `node --import tsx src/cli.ts`, whose loader adds ≈ 100 MiB of RSS. The
   * caller builds dist/ first (`buildDistIfStale` in test/setup/build-dist.ts). @defaultValue false
   */
  built?: boolean;
}

/**
 * Runs `lead-importer <args>` from the repo root (from src/ through tsx unless `built`).
 * With `BENCH_CPU_PROF_DIR` set, `lead-importer worker` processes write a V8 CPU profile there when
 * they exit (`node --cpu-prof`; open it in Chrome DevTools or speedscope). `BENCH_WORKER_NODE_FLAGS` (space-separated)
 * adds Node or V8 flags to `lead-importer worker` processes only, e.g. `--single-threaded-gc`, to measure a flag's
 * effect on the worker without changing the sandboxes' or producers' CPU. `BENCH_WORKER_BUILT=1` runs `lead-importer worker`
 * processes from dist/ (run `npm run build` first): a profile then names each function's line in dist/*.js, where
 * tsx's output puts a whole module on line 1.
 */
export function spawnCli(args: string[], options: SpawnCliOptions = {}): CliProcess {
  const name = options.name ?? args[0] ?? 'cli';
  const profDir = process.env.BENCH_CPU_PROF_DIR;
  const workerFlags = process.env.BENCH_WORKER_NODE_FLAGS?.split(' ').filter((f) => f !== '') ?? [];
  const entry = [
    ...(profDir && args[0] === 'worker' ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
    ...(args[0] === 'worker' ? workerFlags : []),
    ...(options.built || (args[0] === 'worker' && process.env.BENCH_WORKER_BUILT === '1')
      ? [resolve(REPO_ROOT, 'bin/lead-importer.js')]
      : ['--import', 'tsx', resolve(REPO_ROOT, 'src/cli.ts')]),
  ];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start lead-importer ${args.join(' ')}`);
  killOnExit(child);
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let out = '';
  const onLine = (line: string) => {
    if (line === '') return;
    lines.push(line);
    if (lines.length > 500) lines.shift();
    if (options.echo) process.stderr.write(`[${name}] ${line}\n`);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  const split = (stream: NodeJS.ReadableStream | null, keep: boolean) => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      if (keep) out += chunk;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) onLine(line);
    });
    stream?.on('end', () => onLine(partial));
  };
  split(child.stdout, true);
  split(child.stderr, false);
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);

  return {
    name,
    child,
    pid: child.pid,
    lines,
    stdout: () => out,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`${name}: no line matching ${pattern} after ${timeoutMs} ms:\n${lines.join('\n')}`),
          );
        }, timeoutMs);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolvePromise(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before printing ${pattern}:\n${lines.join('\n')}`));
        });
      });
    },
    async stop(signal = 'SIGTERM', forceAfterMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), forceAfterMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
