export { UsageError } from '../errors/usage-error.js';

/** Exit codes of every command (documented in the README). */
export const ExitCode = {
  Ok: 0,
  /** Unexpected failure (a bug, or a service that broke mid-way). */
  Failure: 1,
  /** Usage or configuration error: bad flag, bad mapping, unreadable file, Redis unreachable. */
  Usage: 2,
  /** Finished, but some rows were rejected or dead-lettered. */
  RowsFailed: 3,
  /** Stopped by Ctrl-C (SIGINT, 128 + 2) before the end: `import` reading the file, or `import --wait` following it. */
  Interrupted: 130,
  /** Stopped by SIGTERM (128 + 15), likewise. */
  Terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code of a command a signal stopped before its end, as a shell reports it: 128 + the signal's number. */
export function stoppedBy(signal: NodeJS.Signals): ExitCode {
  return signal === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted;
}
