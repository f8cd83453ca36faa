import type { ImportMeta } from '../../src/queue/ledger.js';

/**
 * The import record the ledger tests create before marking lines: `leads.csv` of 10 bytes, one header cell,
 * created at ms 1 (no clock in it, so a record read back compares whole). The fields a test cares about go in
 * `over`.
 */
export function leadsCsvImport(importId: string, over: Partial<ImportMeta> = {}): ImportMeta {
  return {
    importId,
    fileName: 'leads.csv',
    fileSize: 10,
    fileHash: 'abc',
    mapping: {},
    header: ['Title'],
    createdAt: 1,
    ...over,
  };
}
