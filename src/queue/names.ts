import {
  CONNECTION_NAME,
  DEFAULT_CONNECTION,
  RESERVED_CONNECTION_NAMES,
} from '../config/connection-config.js';
import { RecentMap } from './recent-map.js';

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

/** The import and line of a row's own job id ({@link jobIdFor}); undefined for any other id, a chunk's included. */
export function parseRowJobId(id: string): { importId: string; line: number } | undefined {
  const match = /^(.+)-(\d+)$/.exec(id);
  return match ? { importId: match[1] as string, line: Number(match[2]) } : undefined;
}

/**
 * The job id of a chunk of an import's rows (several rows in one BullMQ job, `LEAD_IMPORTER_ROWS_PER_JOB`): its
 * index among the import's chunks, after a `c`, so it never equals a row's id (whose last part is all digits).
 * Stable: the producer's re-run computes the same chunks (by the rows' turns and the import's recorded rows per
 * job), and re-adding a chunk that exists is a no-op.
 */
export function chunkJobIdFor(importId: string, chunkIndex: number): string {
  return `${importId}-c${chunkIndex}`;
}

/** The import of a row's job ({@link jobIdFor}) or a chunk's ({@link chunkJobIdFor}); undefined for any other id. */
export function importIdOfJobId(id: string): string | undefined {
  return /^(.+)-c?\d+$/.exec(id)?.[1];
}

const IMPORT_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Whether `value` can be an import id ({@link assertImportId}'s rule). */
export function isImportId(value: string): boolean {
  return IMPORT_ID.test(value);
}

/** Import ids become part of Redis keys and job ids: letters, digits, `_`, `.`, `-`, at most 64. */
export function assertImportId(importId: string): string {
  if (!IMPORT_ID.test(importId)) {
    throw new RangeError(
      `Invalid import id "${importId}": use 1 to 64 letters, digits, "_", "." or "-" (no ":" or spaces).`,
    );
  }
  return importId;
}

/**
 * How keys are laid out. On one Redis (and behind Sentinel) every key is `{prefix}:…` as it always was, so
 * imports in flight survive an upgrade. On a Redis Cluster (`cluster: true`) every key carries a hash tag:
 * - a connection's keys (its queue, control, counters, budget, burst windows, caches, locks, epoch, and the
 *   keys of its imports) carry `{prefix:connection}`, so each multi-key script and MULTI touches one slot and
 *   connections spread across the masters;
 * - what every connection shares (the import index, the pause flag, the heartbeats, the dead-letter queue,
 *   the `default` counters' total) carries `{prefix}`.
 * Company-keyed keys (cache, lock, budget, …) then need the connection whose tag they take: `connection`.
 */
export interface KeyScope {
  cluster: boolean;
  /** The connection whose tag company-keyed keys take on a cluster (unused on one Redis). */
  connection?: string;
}

/** The key layout for a client: a cluster's when `redis` is an ioredis `Cluster`, with `connection`'s tag. */
export function keyScope(redis: unknown, connection?: string): KeyScope {
  const cluster = (redis as { isCluster?: unknown } | null)?.isCluster === true;
  return connection === undefined ? { cluster } : { cluster, connection };
}

/** The hash tag of what every connection shares on a cluster: `{prefix}`. */
export function sharedTag(prefix: string): string {
  return `{${prefix}}`;
}

/** The hash tag of one connection's keys on a cluster: `{prefix:connection}`. */
export function connectionTag(prefix: string, connection: string): string {
  return `{${prefix}:${assertConnectionName(connection)}}`;
}

/**
 * The hash tag a cluster key starts with (`{…}`, up to its first `}`; empty for a key without one): what groups a
 * batch's keys into one script call or one `MGET`, which run in one slot.
 */
export function hashTagOf(key: string): string {
  return key.slice(0, key.indexOf('}') + 1);
}

/**
 * `items` in groups that each run in one slot of a cluster (by the hash tag of `keyOf(item)`), in the order first
 * met; on one Redis (`cluster` false) a single group. How a batch becomes one script call or `MGET` per slot.
 */
export function groupByHashTag<T>(items: readonly T[], keyOf: (item: T) => string, cluster = true): T[][] {
  if (!cluster) return [[...items]];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const tag = hashTagOf(keyOf(item));
    const group = groups.get(tag);
    if (group) group.push(item);
    else groups.set(tag, [item]);
  }
  return [...groups.values()];
}

/** BullMQ's prefix for a connection's lead queue: the key prefix, or on a cluster the connection's tag. */
export function queuePrefix(prefix: string, connection: string, cluster: boolean): string {
  return cluster ? connectionTag(prefix, connection) : prefix;
}

/** BullMQ's prefix for the dead-letter queue: the key prefix, or on a cluster the shared tag. */
export function deadLetterPrefix(prefix: string, cluster: boolean): string {
  return cluster ? sharedTag(prefix) : prefix;
}

/**
 * On a cluster, an import's keys carry its connection's tag, so whoever names them must know the import's
 * connection: the producer (which creates it), the worker (whose queue it is on) or the ledger (which reads
 * it from the shared index `{prefix}:imports:connection`) records it here. An import never changes connection.
 */
const importConnections = new Map<string, RecentMap<string, string>>();

export function rememberImportConnection(prefix: string, importId: string, connection: string): void {
  const known = importConnections.get(prefix) ?? new RecentMap<string, string>();
  importConnections.set(prefix, known);
  known.set(importId, assertConnectionName(connection));
}

export function knownImportConnection(prefix: string, importId: string): string | undefined {
  return importConnections.get(prefix)?.get(importId);
}

/** An import's keys were asked for on a cluster before anything said which connection it belongs to. */
export class UnknownImportConnectionError extends Error {
  override name = 'UnknownImportConnectionError';
}

/** Every Redis key of ours, in one place, so nothing else concatenates key strings. */
export function keysFor(prefix: string, scope: KeyScope = { cluster: false }) {
  const cluster = scope.cluster;
  /** Before what would be `{prefix}` on one Redis: what every connection shares. */
  const shared = cluster ? sharedTag(prefix) : prefix;
  const ofConnection = (connection: string) => (cluster ? connectionTag(prefix, connection) : prefix);
  /** Company-keyed keys: the scope's connection's tag on a cluster. */
  const company = () => {
    if (!cluster) return prefix;
    if (scope.connection === undefined) {
      throw new TypeError(
        'On a Redis Cluster, company keys need the connection they belong to (KeyScope.connection)',
      );
    }
    return connectionTag(prefix, scope.connection);
  };
  const ofImport = (importId: string) => {
    if (!cluster) return prefix;
    const connection = knownImportConnection(prefix, importId);
    if (connection === undefined) {
      throw new UnknownImportConnectionError(
        `The connection of import ${importId} is not known yet (read the import first: ImportLedger.resolve)`,
      );
    }
    return connectionTag(prefix, connection);
  };
  return {
    cluster,
    /** Sorted set of import ids by creation time (ms). */
    imports: `${shared}:imports`,
    /** Hash import id → connection: on a cluster, where each import's keys are (unused on one Redis). */
    importConnections: `${shared}:imports:connection`,
    /** Hash: the import record (meta + counters). */
    import: (importId: string) => `${ofImport(importId)}:imp:${importId}`,
    /** Bitfield of u4 row states, offset = line number (see RowState). */
    rowStates: (importId: string) => `${ofImport(importId)}:imp:${importId}:states`,
    /** Hash line → compact JSON of a row's terminal outcome (ids, error, reject reason). */
    outcomes: (importId: string) => `${ofImport(importId)}:imp:${importId}:out`,
    /** Hash line → JSON `{ cells }` of rejected rows' original cells (for the report and --rejects). */
    rejectCells: (importId: string) => `${ofImport(importId)}:imp:${importId}:rejcells`,
    /**
     * Hash line → ms epoch when `dlq export` wrote the row's dead-lettered entry to a file: `dlq retry` leaves such
     * rows, whose fixed file may have been imported again, unless told otherwise.
     */
    deadLettersExported: (importId: string) => `${ofImport(importId)}:imp:${importId}:dlqexported`,
    /** Set of what `lead-importer revert` deleted (`l:{leadId}`, `p:{personId}`, `o:{orgId}`), so a re-run resumes. */
    reverted: (importId: string) => `${ofImport(importId)}:imp:${importId}:reverted`,
    /** Worker-side per-company caches and locks (issue #4). */
    cache: (companyKey: string, kind: 'org' | 'person') => `${company()}:cache:${companyKey}:${kind}`,
    /** A SCAN pattern matching every company's cache of `kind`, whichever connection's tag it carries. */
    cachePattern: (kind: 'org' | 'person') => `${cluster ? `{${prefix}:*}` : prefix}:cache:*:${kind}`,
    lock: (companyKey: string, kind: string, matchKey: string) =>
      `${company()}:lock:${companyKey}:${kind}:${matchKey}`,
    /**
     * `fill-empty` marker: this import has filled (or created) this person or organization, so its
     * other rows leave it alone. `kind` is `person` or `org`.
     */
    filled: (importId: string, kind: 'org' | 'person', id: number) =>
      `${ofImport(importId)}:imp:${importId}:filled:${kind}:${id}`,
    /**
     * A row's lease: `workerId:token` of the one runner allowed to write the row's checkpoints and
     * outcome and to send its creates; expires with the job lock and is renewed with it.
     */
    lease: (importId: string, line: number) => `${ofImport(importId)}:imp:${importId}:lease:${line}`,
    /**
     * The checkpoint of a row enqueued in a chunk (JSON of `JobCheckpoint`), kept apart from any job so that
     * whichever job runs the row next (its chunk again, or the single-row job it was split into) sees it; written
     * only by the row's lease holder, deleted by the step that records the row's outcome.
     */
    rowCheckpoint: (importId: string, line: number) => `${ofImport(importId)}:imp:${importId}:cp:${line}`,
    /**
     * Hash: the Redis server (`run_id`) the workers last saw and since when (a restart or failover changes it).
     * On a cluster, one per connection: its scripts run on the node holding the connection's slot.
     */
    get epoch() {
      return `${company()}:epoch`;
    },
    /** Counter written only to carry a connection's replication offset before `WAITAOF` / `WAIT` (not on a cluster). */
    durableTick: `${shared}:epoch:tick`,
    /**
     * Hash per company: the `run_id` its workers have reconciled against Pipedrive, and the durable
     * point (`durableAt`, Redis time in ms) its workers refresh every second while that holds.
     */
    companyEpoch: (companyKey: string) => `${company()}:epoch:${companyKey}`,
    /**
     * What a reconciliation after a possible rollback found in Pipedrive, for rows to adopt instead
     * of creating again: `leads` (hash match key → lead ids), `claims` (hash lead id → row that
     * adopted it) and `notes` (hash lead id → notes).
     */
    adoption: (companyKey: string, kind: 'leads' | 'claims' | 'notes') =>
      `${company()}:adopt:${companyKey}:${kind}`,
    /** Daily token governor, per company and budget day. */
    budget: (companyKey: string, day: string) => `${company()}:budget:${companyKey}:${day}`,
    /**
     * Sorted set of recent call times (ms) of one token's burst window (`kind` = `calls` or
     * `search`), so every worker sees the rolling 2-s window as Pipedrive counts it.
     */
    window: (limiterId: string, kind: string) => `${company()}:window:${limiterId}:${kind}`,
    /** Global control flags (paused, blocked reason, budget wait) shared by all workers. */
    control: `${shared}:control`,
    /**
     * One connection's flags (blocked reason, budget wait, its published budget): {@link control} itself for
     * `default`, where today's workers write them, and a hash of its own for every other connection. On a
     * cluster, `{prefix:connection}:control` for every connection (`default` too).
     */
    connectionControl: (connection: string) =>
      cluster
        ? `${ofConnection(connection)}:control`
        : connection === DEFAULT_CONNECTION
          ? `${prefix}:control`
          : `${prefix}:control:${assertConnectionName(connection)}`,
    /** Aggregated metrics counters written by workers, read by the dashboard (the `default` connection's). */
    metrics: cluster ? `${connectionTag(prefix, DEFAULT_CONNECTION)}:metrics` : `${prefix}:metrics`,
    /**
     * One connection's worker counters (calls, tokens, latency, outcomes, rate limits): {@link metrics} itself for
     * `default`, where today's workers write them, and a hash of its own for every other connection.
     */
    connectionMetrics: (connection: string) =>
      cluster
        ? `${ofConnection(connection)}:metrics`
        : connection === DEFAULT_CONNECTION
          ? `${prefix}:metrics`
          : `${prefix}:metrics:${assertConnectionName(connection)}`,
    /**
     * One connection's activity per minute, one hash per UTC hour (`hour` = `YYYYMMDDHH`): fields `leads|MM` (leads
     * created) and `tokens|MM` (tokens charged) for minute `MM`, written by the metrics recorder's flush and expiring
     * a budget day after the hour, for the imports page's charts (leads per minute, budget burn-down). On a cluster,
     * in the connection's slot, beside its counters.
     */
    connectionRate: (connection: string, hour: string) =>
      cluster
        ? `${ofConnection(connection)}:rate:${hour}`
        : `${prefix}:rate:${assertConnectionName(connection)}:${hour}`,
    /**
     * Set of the dead-letter queue's entries (their job ids, `jobIdFor`) whose import goes to `connection`: what a page
     * about one connection counts, without reading the whole shared DLQ (`DeadLetterIndex`). On a cluster, in the
     * connection's slot, beside its imports' keys.
     */
    deadLetterIndex: (connection: string) =>
      cluster
        ? `${ofConnection(connection)}:dlq:index`
        : `${prefix}:dlq:index:${assertConnectionName(connection)}`,
    /** Set of the connections that have a {@link deadLetterIndex}, whose counts add up to the whole DLQ's. */
    deadLetterIndexed: `${shared}:dlq:indexed`,
    /** Worker heartbeats: sorted set of worker id by last-seen ms. */
    workers: `${shared}:workers`,
    /**
     * Connections a live worker serves but whose BullMQ worker failed (it takes none of their rows until it restarts):
     * hash of `{workerId}|{connection}` → JSON `{since, error, restartAt?}`, written and cleared by the worker
     * process, read by `/healthz` (entries of workers no longer seen are ignored).
     */
    workersDown: `${shared}:workers:down`,
  };
}

export type Keys = ReturnType<typeof keysFor>;

/** A field of `workersDown`: the worker process and the connection it cannot serve now. */
export function downEntryField(workerId: string, connection: string): string {
  return `${workerId}|${connection}`;
}

/** The worker and connection of a `workersDown` field (worker ids may hold `|`, connection names cannot). */
export function parseDownEntryField(field: string): { worker: string; connection: string } | undefined {
  const at = field.lastIndexOf('|');
  return at < 0 ? undefined : { worker: field.slice(0, at), connection: field.slice(at + 1) };
}
