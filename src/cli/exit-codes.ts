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
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
