import { ConfigError } from '../config/config-error.js';
import type { ImportRecord } from '../queue/ledger.js';

/**
 * The credentials of an import's connection now belong to another Pipedrive company than the one the import went
 * to (a token replaced by another company's, a connection name reused for another client): a configuration error
 * (exit code 2). Acting anyway would be acting on the wrong company: person, organization and note ids are numbers
 * every company reuses, so `revert` would delete that company's records with the same ids, and `verify --repair`
 * would take its leads for this import's.
 */
export class ImportCompanyError extends ConfigError {
  override name = 'ImportCompanyError';

  constructor(importId: string, connection: string, expected: number, actual: number) {
    super(
      `Import ${importId} went to Pipedrive company ${expected}, but the credentials of connection "${connection}" now belong to company ${actual}: nothing was changed. Give the connection that company's credentials again (its token or OAuth app) to act on this import.`,
    );
  }

  /** Throws unless the record names no company (older records) or the one the credentials' user belongs to. */
  static check(
    record: Pick<ImportRecord, 'importId' | 'connection' | 'companyId'>,
    me: { company_id: number },
  ): void {
    if (record.companyId !== undefined && record.companyId !== me.company_id) {
      throw new ImportCompanyError(record.importId, record.connection, record.companyId, me.company_id);
    }
  }
}
