#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { Command, CommandIO } from './cli/command.js';
import { ExitCode, stoppedBy, UsageError } from './cli/exit-codes.js';
import { ConfigError } from './config/config.js';
import { nearest } from './errors/edit-distance.js';
import { printableLines } from './ops/format.js';
import { RedisUnavailableError } from './queue/connection.js';

/** Every command, loaded on demand so `lead-importer status` does not load the sandbox. */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  import: () => import('./commands/import.js'),
  worker: () => import('./commands/worker.js'),
  status: () => import('./commands/status.js'),
  report: () => import('./commands/report.js'),
  dlq: () => import('./commands/dlq.js'),
  pause: () => import('./commands/pause.js'),
  resume: () => import('./commands/resume.js'),
  cancel: () => import('./commands/cancel.js'),
  revert: () => import('./commands/revert.js'),
  verify: () => import('./commands/verify.js'),
  dashboard: () => import('./commands/dashboard.js'),
  sandbox: () => import('./commands/sandbox.js'),
  demo: () => import('./commands/demo.js'),
};

const USAGE = `Usage: lead-importer <command> [options]

Commands:
  import FILE        read a CSV, validate it and enqueue its valid rows (--dry-run to estimate)
  worker             process import jobs: find or create contacts, add leads
  status [ID]        counts and state of one import (or a list of recent imports)
  report ID          one line per input row: outcome and Pipedrive ids
  dlq <action>       list | export | retry | purge the dead-letter queue
  pause / resume     stop or restart processing for every worker
  cancel ID          drop an import's unprocessed rows
  revert ID          delete what an import created
  verify ID          compare an import with what Pipedrive holds; --repair fixes what it caused
  dashboard          bull-board, imports page, /metrics, /healthz
  sandbox            a local Pipedrive API for rehearsals and tests
  demo               sandbox + worker + example import, end to end

Run \`lead-importer <command> --help\` for a command's options.
Exit codes: 0 ok, 1 unexpected failure, 2 usage or configuration error, 3 some rows rejected or dead-lettered
(a person's later rows in a Zoom or Eventbrite report do not count), 130 / 143 stopped by Ctrl-C / SIGTERM before the end.`;

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return name ? ExitCode.Ok : ExitCode.Usage;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
    io.stdout.write(`${pkg.version}\n`);
    return ExitCode.Ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`Unknown command "${name}".\n\n${USAGE}\n`);
    return ExitCode.Usage;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help.trim()}\n`);
    return ExitCode.Ok;
  }
  try {
    const parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    const [min, max] = command.positionals ?? [0, 0];
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(
        `${name}: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}.`,
      );
    }
    return await command.run(parsed, io);
  } catch (err) {
    return reportError(unknownOptionError(err, command.options) ?? err, name, io);
  }
}

/**
 * Node's message for an unknown flag (`Unknown option '--bogus'. To specify a positional argument starting with a '-',
 * place it at the end of the command after '--', as in '-- "--bogus"`, its quotes unbalanced) as one line that names
 * the flag and the command's nearest one; undefined for any other error.
 */
function unknownOptionError(
  err: unknown,
  options: Record<string, unknown> | undefined,
): UsageError | undefined {
  if ((err as { code?: string } | null)?.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return undefined;
  const flag = /Unknown option '([^']*)'/.exec((err as Error).message)?.[1];
  if (flag === undefined) return undefined;
  const near = nearest(
    flag,
    Object.keys(options ?? {}).map((o) => `--${o}`),
    2,
  );
  return new UsageError(`Unknown option ${flag}${near ? ` (did you mean ${near}?)` : ''}.`);
}

function reportError(err: unknown, name: string, io: CommandIO): number {
  // Messages quote file names, headers and Pipedrive's answers: no escape sequence of theirs reaches the terminal, and
  // a line break in one (a path typed with one, a file's name) starts an indented line, never one of the tool's own.
  const message = printableLines(err instanceof Error ? err.message : String(err)).replace(
    /\n(?!$)/g,
    '\n  ',
  );
  const code = (err as { code?: string } | null)?.code;
  if (
    err instanceof UsageError ||
    err instanceof ConfigError ||
    err instanceof RedisUnavailableError ||
    (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
  ) {
    // A flag's mistake is fixed with the command's usage; a configuration's or Redis's by what the message says.
    const usage =
      err instanceof UsageError || !(err instanceof ConfigError || err instanceof RedisUnavailableError);
    io.stderr.write(
      `lead-importer ${name}: ${message}\n${usage ? `Run \`lead-importer ${name} --help\` for usage.\n` : ''}`,
    );
    return ExitCode.Usage;
  }
  io.stderr.write(`lead-importer ${name}: unexpected error: ${message}\n`);
  if (io.env.LOG_LEVEL === 'debug' && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return ExitCode.Failure;
}

/**
 * Runs `main` as this process: its code becomes the exit code. A command still awaiting when Node runs out of work
 * (a promise nothing will settle, as ioredis's cluster connect was) would otherwise end with exit 0 having done
 * nothing; it ends with exit 1 and says so.
 */
export function runAsProcess(): void {
  let settled = false;
  const stalled = () => {
    if (settled) return;
    process.stderr.write(
      `lead-importer ${process.argv[2] ?? ''}: unexpected error: stopped while waiting on something that will never answer (a bug: please report it)\n`,
    );
    process.exitCode = ExitCode.Failure;
  };
  process.once('beforeExit', stalled);
  // A SIGINT or SIGTERM that no command listens for (one that does not, or one done and closing its connections,
  // e.g. `import` after its summary) ends the process at once with the documented code, 130 or 143, not by the
  // signal (no exit code at all for a parent process or a supervisor). Listening from the start, before any
  // command's own listener (so it runs first, and leaves the signal to it): a signal that reached a command's
  // listener as it stopped listening is delivered here, not lost. Signal listeners keep nothing alive.
  const unheard = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    process.exit(stoppedBy(signal));
  };
  process.on('SIGINT', unheard);
  process.on('SIGTERM', unheard);
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      settled = true;
      process.off('beforeExit', stalled);
      process.exitCode = code;
      // Once nothing is left to do, exit from here rather than by Node's own end, which closes the signal listeners
      // first: a signal in those last milliseconds would end the process by the signal after all (as it did for most
      // of the SIGINTs sent as `import` printed its summary). pino's flush on `exit` still runs.
      process.once('beforeExit', () => process.exit());
      // The command is done and has closed what it opened; a client that still holds the event loop (a Redis Cluster
      // connection's reconnect, once in a loaded test run: "Worker stopped", then 20 s without an exit) must not keep
      // a finished process up for a supervisor to kill. Unref'd: it only fires when something else lingers.
      setTimeout(() => {
        if (process.env.LOG_LEVEL === 'debug')
          process.stderr.write(
            `lead-importer: exiting ${EXIT_LINGER_MS} ms after the command ended; still open: ${process.getActiveResourcesInfo().join(', ')}\n`,
          );
        process.exit();
      }, EXIT_LINGER_MS).unref();
    },
  );
}

/** How long a finished command's process may wait for its last handles to close before it exits anyway. */
const EXIT_LINGER_MS = 5_000;

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry) runAsProcess();
