import {
  CONNECTION_NAME,
  DEFAULT_CONNECTION,
  RESERVED_CONNECTION_NAMES,
} from '../config/connection-config.js';

/** The `default` connection's lead queue: the queue the producer fills and the workers drain, one job per valid CSV row. */
export const LEAD_QUEUE = 'lead-import';
/**
 * Rows that could not be imported, of every connection (each entry's import names its connection). Never
 * processed automatically; see `lead-importer dlq`.
 */
export const DLQ_QUEUE = 'lead-import-dlq';

/**
 * The lead queue of a connection: {@link LEAD_QUEUE} for `default`, so existing deployments keep their queue, and
 * `lead-import-<name>` for the others. Workers run one BullMQ worker per connection queue: that is what keeps one
 * company's 429 pause or budget wait (`queue.rateLimit`) from holding another company's rows.
 */
export function leadQueueName(connection: string): string {
  assertConnectionName(connection);
  return connection === DEFAULT_CONNECTION ? LEAD_QUEUE : `${LEAD_QUEUE}-${connection}`;
}

/** Connection names become part of queue names and Redis keys (see {@link CONNECTION_NAME}). */
export function assertConnectionName(connection: string): string {
  if (!CONNECTION_NAME.test(connection) || RESERVED_CONNECTION_NAMES.includes(connection)) {
    throw new RangeError(
      `Invalid connection name "${connection}": use 1 to 32 lower-case letters, digits, "_" or "-", starting with a letter or digit (not ${RESERVED_CONNECTION_NAMES.join(', ')}).`,
    );
  }
  return connection;
}

/**
 * The job id of one CSV row. Stable, so re-adding a row that is already queued is a no-op.
 * BullMQ forbids `:` in custom ids, and import ids never contain one (see {@link assertImportId}).
 */
export function jobIdFor(importId: string, line: number): string {
  return `${importId}-${line}`;
}

const IMPORT_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Import ids become part of Redis keys and job ids: letters, digits, `_`, `.`, `-`, at most 64. */
export function assertImportId(importId: string): string {
  if (!IMPORT_ID.test(importId)) {
    throw new RangeError(
      `Invalid import id "${importId}": use 1 to 64 letters, digits, "_", "." or "-" (no ":" or spaces).`,
    );
  }
  return importId;
}

/** Every Redis key of ours, in one place, so nothing else concatenates key strings. */
export function keysFor(prefix: string) {
  return {
    /** Sorted set of import ids by creation time (ms). */
    imports: `${prefix}:imports`,
    /** Hash: the import record (meta + counters). */
    import: (importId: string) => `${prefix}:imp:${importId}`,
    /** Bitfield of u4 row states, offset = line number (see RowState). */
    rowStates: (importId: string) => `${prefix}:imp:${importId}:states`,
    /** Hash line → compact JSON of a row's terminal outcome (ids, error, reject reason). */
    outcomes: (importId: string) => `${prefix}:imp:${importId}:out`,
    /** Hash line → JSON `{ cells }` of rejected rows' original cells (for the report and --rejects). */
    rejectCells: (importId: string) => `${prefix}:imp:${importId}:rejcells`,
    /** Set of what `lead-importer revert` deleted (`l:{leadId}`, `p:{personId}`, `o:{orgId}`), so a re-run resumes. */
    reverted: (importId: string) => `${prefix}:imp:${importId}:reverted`,
    /** Worker-side per-company caches and locks (issue #4). */
    cache: (companyKey: string, kind: 'org' | 'person') => `${prefix}:cache:${companyKey}:${kind}`,
    lock: (companyKey: string, kind: string, matchKey: string) =>
      `${prefix}:lock:${companyKey}:${kind}:${matchKey}`,
    /**
     * `fill-empty` marker: this import has filled (or created) this person or organization, so its
     * other rows leave it alone. `kind` is `person` or `org`.
     */
    filled: (importId: string, kind: 'org' | 'person', id: number) =>
      `${prefix}:imp:${importId}:filled:${kind}:${id}`,
    /**
     * A row's lease: `workerId:token` of the one runner allowed to write the row's checkpoints and
     * outcome and to send its creates; expires with the job lock and is renewed with it.
     */
    lease: (importId: string, line: number) => `${prefix}:imp:${importId}:lease:${line}`,
    /** Hash: the Redis server (`run_id`) the workers last saw and since when (a restart or failover changes it). */
    epoch: `${prefix}:epoch`,
    /** Counter written only to carry a connection's replication offset before `WAITAOF` / `WAIT`. */
    durableTick: `${prefix}:epoch:tick`,
    /**
     * Hash per company: the `run_id` its workers have reconciled against Pipedrive, and the durable
     * point (`durableAt`, Redis time in ms) its workers refresh every second while that holds.
     */
    companyEpoch: (companyKey: string) => `${prefix}:epoch:${companyKey}`,
    /**
     * What a reconciliation after a possible rollback found in Pipedrive, for rows to adopt instead
     * of creating again: `leads` (hash match key → lead ids), `claims` (hash lead id → row that
     * adopted it) and `notes` (hash lead id → notes).
     */
    adoption: (companyKey: string, kind: 'leads' | 'claims' | 'notes') =>
      `${prefix}:adopt:${companyKey}:${kind}`,
    /** Daily token governor, per company and budget day. */
    budget: (companyKey: string, day: string) => `${prefix}:budget:${companyKey}:${day}`,
    /**
     * Sorted set of recent call times (ms) of one token's burst window (`kind` = `calls` or
     * `search`), so every worker sees the rolling 2-s window as Pipedrive counts it.
     */
    window: (limiterId: string, kind: string) => `${prefix}:window:${limiterId}:${kind}`,
    /** Global control flags (paused, blocked reason, budget wait) shared by all workers. */
    control: `${prefix}:control`,
    /**
     * One connection's flags (blocked reason, budget wait, its published budget): {@link control} itself for
     * `default`, where today's workers write them, and a hash of its own for every other connection.
     */
    connectionControl: (connection: string) =>
      connection === DEFAULT_CONNECTION
        ? `${prefix}:control`
        : `${prefix}:control:${assertConnectionName(connection)}`,
    /** Aggregated metrics counters written by workers, read by the dashboard (the `default` connection's). */
    metrics: `${prefix}:metrics`,
    /**
     * One connection's worker counters (calls, tokens, latency, outcomes, rate limits): {@link metrics} itself for
     * `default`, where today's workers write them, and a hash of its own for every other connection.
     */
    connectionMetrics: (connection: string) =>
      connection === DEFAULT_CONNECTION
        ? `${prefix}:metrics`
        : `${prefix}:metrics:${assertConnectionName(connection)}`,
    /**
     * One connection's activity per minute, one hash per UTC hour (`hour` = `YYYYMMDDHH`): fields `leads|MM` (leads
     * created) and `tokens|MM` (tokens charged) for minute `MM`, written by the metrics recorder's flush and expiring
     * a budget day after the hour, for the imports page's charts (leads per minute, budget burn-down).
     */
    connectionRate: (connection: string, hour: string) =>
      `${prefix}:rate:${assertConnectionName(connection)}:${hour}`,
    /** Worker heartbeats: sorted set of worker id by last-seen ms. */
    workers: `${prefix}:workers`,
  };
}

export type Keys = ReturnType<typeof keysFor>;
