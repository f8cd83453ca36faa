import { UsageError } from '../errors/usage-error.js';

/**
 * An output path (`--rejects`, `--out`) that cannot or must not be written: its directory is
 * missing, it is a directory, it is one of the files being read, it is not a regular file (a
 * device, a FIFO, a symlink, standard output), its path goes through another user's symlink in a
 * sticky world-writable directory, or the directory refuses a new file. A usage
 * error (exit 2); the message names the flag, the path and the fix.
 */
export class OutputPathError extends UsageError {
  override name = 'OutputPathError';
}
