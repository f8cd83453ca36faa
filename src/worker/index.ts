import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import type { ConnectionWorker } from './connection-worker.js';
import type { LeadWorkerOptions } from './options.js';
import { LeadWorkerProcess, type WorkerCloseResult } from './worker-process.js';

export { type BudgetReading, readBudget } from './budget-reader.js';
export { tokenFingerprint } from './call-limiter.js';
export { ConcurrencyPermits } from './concurrency-permits.js';
export { ConnectionWorker, connectionDigest, type WorkerConnection } from './connection-worker.js';
export { type ControlState, describeControl, readControl } from './control.js';
export { recentWorkers } from './heartbeat.js';
export type { LeadWorkerOptions, RetryOptions, WarmCacheMode } from './options.js';
export { DEFAULT_RETRY } from './options.js';
export {
  type ConnectionChange,
  LeadWorkerProcess,
  type WorkerCloseResult,
  type WorkerProcessOptions,
} from './worker-process.js';

export interface LeadWorker {
  /**
   * The BullMQ worker on the connection's queue, `lead-import` for `default` (runs once the token is known to
   * work). A BullMQ worker that stops with an error is replaced by a new one (the connection is restarted): this
   * is always the current one, so read it when you use it rather than keeping it.
   */
  readonly worker: ConnectionWorker['worker'];
  readonly workerId: string;
  /** Resolves when the current worker takes jobs: after `/users/me` accepted the token. */
  readonly ready: Promise<void>;
  /**
   * Stops taking jobs, lets in-flight rows finish (aborting them near the end of `drainTimeoutMs`;
   * they go back to the queue), and closes every connection, all within `drainTimeoutMs` whatever
   * Redis does: a step that hangs is cut at the deadline and the connections are dropped.
   * Idempotent; runs every step even if one fails.
   */
  close(): Promise<WorkerCloseResult>;
}

/**
 * `createLeadWorker(options)`: the long-running worker of one Pipedrive company, on its queue (`lead-import`
 * for the `default` connection). It checks the token with `GET /v1/users/me` (which also names the company
 * whose budget and caches it uses), then processes rows until {@link LeadWorker.close}.
 *
 * It is a {@link LeadWorkerProcess} serving one connection; a process serving several companies
 * (`lead-importer worker` with a connections file) is built from that class directly.
 */
export function createLeadWorker(options: LeadWorkerOptions): LeadWorker {
  const worker = new LeadWorkerProcess(options);
  const name = options.connection ?? DEFAULT_CONNECTION;
  let current = worker.serve({
    name,
    pipedrive: options.pipedrive,
    plan: options.plan,
    auth: options.auth,
    dailyTokens: options.dailyTokens,
    budgetReserve: options.budgetReserve,
    budgetResetUtc: options.budgetResetUtc,
  });
  // The process restarts a connection whose BullMQ worker failed with a new ConnectionWorker; while it does,
  // the stopped one stands in.
  const served = () => {
    current = worker.connections.get(name) ?? current;
    return current;
  };
  return {
    get worker() {
      return served().worker;
    },
    workerId: worker.workerId,
    get ready() {
      return served().ready;
    },
    close: () => worker.close(),
  };
}
