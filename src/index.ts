/**
 * The programmatic API, for services that embed the importer:
 *
 * ```ts
 * import { importCsv, createLeadWorker, PipedriveClient, startSandbox, loadConfig } from 'pipedrive-lead-importer';
 * ```
 */
export {
  type AuthKind,
  burstLimitPer2s,
  type Config,
  ConfigError,
  ConnectionConfig,
  connectionOf,
  DEFAULT_CONNECTION,
  dailyTokenBudget,
  loadConfig,
  type Plan,
} from './config/config.js';
export { type DashboardOptions, startDashboard } from './dashboard/index.js';
export { createLogger, type Logger } from './logging/logger.js';
export * from './pipedrive/index.js';
export {
  type Estimate,
  estimateImport,
  type ImportCsvOptions,
  type ImportProgress,
  type ImportSummary,
  importCsv,
  type MappingSpec,
  waitForImport,
} from './producer/index.js';
export { ImportFollowLostError } from './producer/wait.js';
export type { DeadLetterJobData } from './queue/dead-letter.js';
export type { LeadJobData, LeadJobResult } from './queue/job-data.js';
export { ImportLedger, type ImportRecord, type RowOutcome } from './queue/ledger.js';
export { DLQ_QUEUE, LEAD_QUEUE, leadQueueName } from './queue/names.js';
export {
  type RunningSandbox,
  type SandboxOptions,
  type SandboxState,
  startSandbox,
} from './sandbox/index.js';
export { createLeadWorker, type LeadWorker, type LeadWorkerOptions } from './worker/index.js';
