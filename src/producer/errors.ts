import { UsageError } from '../errors/usage-error.js';

/**
 * The input cannot be imported as a whole (not a CSV file, no header, duplicate column names,
 * a runaway quote): one clear message naming the file, the line and the fix; the CLI exits 2.
 * Problems with single rows are not errors: those rows are rejected and the import goes on.
 */
export class CsvFormatError extends UsageError {
  override name = 'CsvFormatError';
}

/** The mapping cannot be used: unknown column or Pipedrive field, bad option, bad default. Exit 2. */
export class MappingError extends UsageError {
  override name = 'MappingError';
}
