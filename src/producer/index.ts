/** The producer's public API: import a CSV file programmatically, follow it, estimate its cost. */
export { type CsvFile, type CsvReadOptions, type CsvRow, openCsv } from './csv-reader.js';
export { type CsvEncoding, detectEncoding } from './encoding.js';
export { CsvFormatError, MappingError } from './errors.js';
export { type Estimate, type EstimateInput, estimateImport, planLookups, TOKEN_COST } from './estimate.js';
export {
  defaultImportId,
  hashFile,
  type ImportCsvOptions,
  type ImportProgress,
  type ImportSummary,
  importCsv,
  type RejectedRow,
} from './import-csv.js';
export { describeMapping, type ResolvedMapping, resolveMapping } from './mapping.js';
export { checkMappingSpec, loadMappingFile, type MappingDefaults, type MappingSpec } from './mapping-spec.js';
export { createRowValidator, type RowReject, type RowResult } from './row-validator.js';
export { type WaitOptions, waitForImport } from './wait.js';
