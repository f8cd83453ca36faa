import { UsageError } from '../errors/usage-error.js';
import type { ImportRecord } from '../queue/ledger.js';

/**
 * An operator named a connection (`--connection NAME`) and an import that goes to another one: a usage error (exit
 * code 2), so a command meant for one company never acts on another's import.
 */
export class ImportConnectionError extends UsageError {
  override name = 'ImportConnectionError';

  constructor(
    readonly importId: string,
    readonly connection: string,
    readonly expected: string,
  ) {
    super(
      `Import "${importId}" goes to connection "${connection}", not "${expected}". Check the import id, or name its connection: --connection ${connection}.`,
    );
  }

  /** Throws unless `expected` is undefined (no filter) or the record's connection. */
  static check(record: Pick<ImportRecord, 'importId' | 'connection'>, expected: string | undefined): void {
    if (expected !== undefined && record.connection !== expected) {
      throw new ImportConnectionError(record.importId, record.connection, expected);
    }
  }
}
