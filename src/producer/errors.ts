import { UsageError } from '../errors/usage-error.js';

/**
 * The input cannot be imported as a whole (not a CSV file, no header, duplicate column names,
 * a runaway quote): one clear message naming the file, the line and the fix; the CLI exits 2.
 * Problems with single rows are not errors: those rows are rejected and the import goes on.
 */
export class CsvFormatError extends UsageError {
  override name = 'CsvFormatError';
}

/**
 * The file's bytes read as text in more than one encoding (Windows-1252 and Mac Roman give the same
 * bytes different accents), and nothing in them says which: the import stops before anything is
 * enqueued. The message shows a line read each way and the `--encoding` values to choose from.
 */
export class AmbiguousEncodingError extends CsvFormatError {
  override name = 'AmbiguousEncodingError';

  constructor(
    message: string,
    /** The encodings that fit, the more plausible first. */
    readonly candidates: readonly string[],
    /** The line shown in the message. */
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

/** The mapping cannot be used: unknown column or Pipedrive field, bad option, bad default. Exit 2. */
export class MappingError extends UsageError {
  override name = 'MappingError';

  constructor(
    message: string,
    /**
     * Where in the mapping file the mistake is (`['lead', 'valeu']`): a mapping file's loader turns it into
     * `mapping.yaml:7:3:` at the start of the message (`locateMappingError`).
     */
    readonly path?: readonly (string | number)[],
  ) {
    super(message);
  }
}

/**
 * The operator stopped the import (Ctrl-C, SIGTERM) while the file was being read: the rows read so far are enqueued,
 * the import is marked failed with this message, and the same command run again enqueues the rest. The CLI exits
 * 128 + the signal's number (130 for Ctrl-C), as a shell reports a command a signal stopped.
 */
export class ImportInterruptedError extends Error {
  override name = 'ImportInterruptedError';

  constructor(
    message: string,
    /** The signal that stopped it. */
    readonly signal: NodeJS.Signals,
  ) {
    super(message);
  }
}
