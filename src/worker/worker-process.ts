import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Logger, silentLogger } from '../logging/logger.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import { createRedis, duplicateRedis, isClusterRedis, redactRedisUrl } from '../queue/connection.js';
import type { DeadLetterJobData } from '../queue/dead-letter.js';
import { DeadLetterIndex } from '../queue/dead-letter-index.js';
import { DurableWrites } from '../queue/durable-writes.js';
import { ImportLedger } from '../queue/ledger.js';
import {
  DLQ_QUEUE,
  deadLetterPrefix,
  downEntryField,
  keyScope,
  keysFor,
  parseDownEntryField,
} from '../queue/names.js';
import { quietAfterClose } from '../queue/quiet-connection.js';
import { batchWritesPerTick } from '../queue/send-together.js';
import { ConcurrencyPermits } from './concurrency-permits.js';
import {
  type ConnectionCloseResult,
  ConnectionWorker,
  connectionDifferences,
  connectionDigest,
  type SharedWorkerParts,
  type WorkerConnection,
} from './connection-worker.js';
import { DeadLetterWriter } from './dead-letter-writer.js';
import { Heartbeat } from './heartbeat.js';
import { KeyLocks } from './key-lock.js';
import type { LeadWorkerOptions } from './options.js';
import { applyTheFile } from './reload-hint.js';
import { RowLeases } from './row-lease.js';
import { ShutdownSteps } from './shutdown-steps.js';

/**
 * How often a worker sends its counters to Redis (ms). Each flush writes every counter that moved (one `HINCRBY`
 * a field: the calls of each operation and status, their latency buckets, tokens, outcomes) whatever the number of
 * leads, so at 200 leads a second a flush a second was ≈ 1 Redis command a lead (issue #12). Every 5 s costs a
 * fifth of that; Prometheus scrapes every 15–60 s, the imports page's charts count per minute, and a worker that
 * stops flushes what it holds (only a SIGKILL loses its last seconds of counters, never a row: the ledger counts
 * rows).
 */
export const WORKER_METRICS_FLUSH_MS = 5000;

/** A worker process's settings: everything of {@link LeadWorkerOptions} but the company it serves. */
export type WorkerProcessOptions = Omit<
  LeadWorkerOptions,
  'pipedrive' | 'plan' | 'auth' | 'dailyTokens' | 'budgetReserve' | 'budgetResetUtc' | 'connection'
> & {
  /**
   * The process applies the connections file when it changes (`worker --watch`), not only on SIGHUP: its messages
   * say to save the file rather than send a signal. @defaultValue false
   */
  watchesConnectionsFile?: boolean;
};

/** How a worker's shutdown ended. */
export interface WorkerCloseResult {
  /**
   * True when no row was left in flight: each finished or went back to the queue. False when
   * Redis did not answer in time: those rows stay locked until their lock expires, then another
   * worker resumes them from their checkpoints.
   */
  handedBack: boolean;
  /** Rows still in flight at the deadline (0 when `handedBack`). */
  stranded: number;
}

/** What a reload did to one connection. */
export interface ConnectionChange {
  connection: string;
  /**
   * `started`: newly served; `stopped`: no longer served (drained; its rows wait on its queue); `restarted`: its
   * credentials or limits changed, or it had failed to start.
   */
  change: 'started' | 'stopped' | 'restarted';
  /**
   * For `stopped`: rows of its imports still pending, kept on its queue until a worker serves it again. Absent when
   * none are (or the ledger could not be read).
   */
  pendingRows?: number;
}

/** Imports, most recent first, a stopped connection's pending rows are looked for in (the ledger has no index by connection). */
const STOPPED_IMPORTS_SCANNED = 500;

/** Failures of a connection's worker less than this apart (ms) count as in a row for the restart's back-off. */
const RUN_FAILURES_IN_A_ROW_MS = 10 * 60_000;

/** An error's message for a log line or `/healthz`, kept short. */
function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** A URL's scheme, host and port (never a path, user or query), or undefined. */
function originOf(url: string | undefined): string | undefined {
  try {
    return url === undefined ? undefined : new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** How long a shutdown before Redis answered waits for the parts to close (at most the drain timeout). */
const STOP_BEFORE_REDIS_MS = 2_000;

/**
 * Whether Redis refused the client's credentials: `WRONGPASS` (a wrong password or ACL user), `NOAUTH` (a password
 * is now required). ioredis reports it as an `error` on each reconnect and keeps trying; no command of the client
 * is answered until the credentials are right again.
 */
function isAuthRefusal(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /^(WRONGPASS|NOAUTH)\b/.test(message);
}

/**
 * Resolves once `redis` is ready, however long Redis is down: a worker that a supervisor starts
 * during a Redis restart must survive it as a running worker does (the worker connection
 * reconnects forever). Says once that it waits, naming the URL without its password.
 */
function connectPatiently(redis: Redis, url: string, logger: Logger): Promise<void> {
  const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  const connecting = redis.connect();
  // Copies made from now on connect at once and wait for Redis as this client does. BullMQ's worker takes its
  // blocking connection from `duplicate()`, and on a lazy copy it calls `connect()` itself, which fails for good
  // when Redis refuses the first attempt: the worker then stops taking rows while the process runs on.
  redis.options.lazyConnect = false;
  connecting.catch((err: unknown) => {
    logger.warn(
      { reason: err instanceof Error ? err.message : String(err) },
      `Cannot reach Redis at ${redactRedisUrl(url)} yet; waiting for it`,
    );
  });
  return ready;
}

/**
 * A worker process: the parts every connection it serves shares — the Redis connections, the heartbeat, the
 * metrics recorder, the import ledger, locks, row leases, durable writes, the dead-letter queue and the
 * process's concurrency ({@link ConcurrencyPermits}) — and one {@link ConnectionWorker} per connection.
 *
 * Connections come and go while it runs ({@link LeadWorkerProcess.update}: a reloaded connections file);
 * {@link LeadWorkerProcess.close} stops them all and then the shared parts, within `drainTimeoutMs` whatever
 * Redis does.
 */
export class LeadWorkerProcess {
  readonly workerId: string;
  /** Resolves once Redis answers and the heartbeat runs. */
  readonly started: Promise<void>;

  private readonly options: WorkerProcessOptions;
  private readonly logger: Logger;
  private readonly prefix: string;
  private readonly redis: Redis;
  private readonly heartbeat: Heartbeat;
  private readonly metrics: MetricsRecorder;
  private readonly durable: DurableWrites;
  private readonly dlq: Queue<DeadLetterJobData>;
  private readonly parts: Omit<SharedWorkerParts, 'metrics'>;
  private readonly served = new Map<string, ConnectionWorker>();
  /** Connections being stopped by a reload: a shutdown meanwhile waits for them too. */
  private readonly stopping = new Set<ConnectionWorker>();
  /**
   * Connections whose start failed (a reload starts them again) or whose BullMQ worker stopped with an error
   * (restarted after a back-off, {@link LeadWorkerProcess.runFailed}). Each is down: `/healthz` shows it.
   */
  private readonly failed = new WeakSet<ConnectionWorker>();
  /** Failures in a row of each connection's BullMQ worker, for the restart's back-off. */
  private readonly runFailures = new Map<string, { count: number; at: number }>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  /** Connections recorded as down for `/healthz` (`workersDown`), and since when. */
  private readonly downSince = new Map<string, number>();
  private readonly keys: ReturnType<typeof keysFor>;
  /** Aborted once the connections are closed: ends a wait for Redis at start. */
  private readonly shutdown = new AbortController();
  /** Redis answered at start; until then no row can have been taken, and a shutdown need not drain. */
  private reachedRedis = false;
  /**
   * Since when Redis has refused this worker's credentials after it had accepted them (its password rotated, its
   * ACL user changed): no row can end or go back to the queue meanwhile. Undefined while it accepts them.
   */
  private redisRefusedAt: number | undefined;
  private updating: Promise<unknown> = Promise.resolve();
  private closing: Promise<WorkerCloseResult> | undefined;

  constructor(options: WorkerProcessOptions) {
    this.options = options;
    this.prefix = options.prefix ?? 'lpi';
    this.logger = (options.logger ?? silentLogger).child({ component: 'worker' });
    this.workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const prefix = this.prefix;
    // One write system call per turn of the event loop for every row's commands, BullMQ's included (this client
    // sends no blocking command: BullMQ blocks on its own duplicate, the durability waits on theirs).
    const redis: Redis = batchWritesPerTick(
      options.redis
        ? duplicateRedis(options.redis, { maxRetriesPerRequest: null })
        : createRedis(options.redisUrl, 'worker'),
    );
    this.redis = redis;
    this.watchCredentials(redis, options.redisUrl);
    this.keys = keysFor(prefix, keyScope(redis));
    // Connect before BullMQ sees the client: it waits for a connecting client to become ready, but
    // gives up for good on one whose first connect() fails (Redis down or restarting at start).
    const connected = options.redis
      ? Promise.resolve()
      : connectPatiently(redis, options.redisUrl, this.logger);
    const ledger = new ImportLedger(redis, prefix);
    this.metrics = new MetricsRecorder(redis, prefix, WORKER_METRICS_FLUSH_MS);
    this.dlq = quietAfterClose(
      new Queue<DeadLetterJobData>(DLQ_QUEUE, {
        connection: redis,
        prefix: deadLetterPrefix(prefix, isClusterRedis(redis)),
      }),
    );
    this.durable = new DurableWrites(redis, keysFor(prefix, keyScope(redis)).durableTick, {
      mode: options.intentDurability ?? 'auto',
      replicas: options.intentReplicas ?? 0,
      timeoutMs: options.intentDurabilityTimeoutMs ?? 1000,
    });
    this.heartbeat = new Heartbeat({
      redis,
      prefix,
      workerId: this.workerId,
      intervalMs: options.heartbeatIntervalMs ?? 5000,
      onError: (err) => this.logger.warn({ err }, 'Heartbeat failed'),
    });
    this.started = this.start(connected);
    this.started.catch(() => {});
    this.parts = {
      redis,
      prefix,
      workerId: this.workerId,
      logger: this.logger,
      ledger,
      locks: new KeyLocks(redis),
      leases: new RowLeases({
        redis,
        prefix,
        workerId: this.workerId,
        ttlMs: options.lockDurationMs ?? 30_000,
      }),
      durable: this.durable,
      deadLetters: new DeadLetterWriter(this.dlq, ledger, new DeadLetterIndex(redis, prefix)),
      permits: new ConcurrencyPermits(options.concurrency ?? 8),
      started: this.started,
      tuning: options,
    };
  }

  private async start(connected: Promise<void>): Promise<void> {
    const signal = this.shutdown.signal;
    await Promise.race([
      connected,
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      ),
    ]);
    // A shutdown that began before Redis answered has dropped the clients: nothing more may start.
    if (signal.aborted) throw signal.reason;
    this.reachedRedis = true;
    await this.forgetEarlierDownEntries();
    await this.heartbeat.start();
    await this.describeDurability();
  }

  /**
   * Says once, clearly, when Redis starts refusing the credentials it had accepted (ioredis's own error repeats on
   * every reconnect, with a stack), and when it accepts them again. Neither line carries the password.
   */
  private watchCredentials(redis: Redis, url: string): void {
    redis.on('error', (err: unknown) => {
      if (!this.reachedRedis || this.redisRefusedAt !== undefined || !isAuthRefusal(err)) return;
      this.redisRefusedAt = Date.now();
      this.logger.error(
        { reason: (err as Error).message },
        `Redis at ${redactRedisUrl(url)} refuses this worker's password now (it was accepted before: rotated, or its ACL user changed): no row can end or go back to the queue until REDIS_URL has the current password. The rows it holds stay in Redis, locked until their lock expires, then another worker resumes them.`,
      );
    });
    redis.on('ready', () => {
      if (this.redisRefusedAt === undefined) return;
      this.redisRefusedAt = undefined;
      this.logger.info("Redis accepts this worker's password again");
    });
  }

  /**
   * A process given a stable `workerId` (a pod's name) that was killed while a connection was down left that
   * entry in `workersDown`; it is live again under the same id, so `/healthz` would count the entry for ever.
   * What this process has not recorded itself is from an earlier life: removed. (Random ids, the default, never
   * meet an earlier life's entries; the heartbeat forgets those of workers gone for good.)
   */
  private async forgetEarlierDownEntries(): Promise<void> {
    const fields = await this.redis.hkeys(this.keys.workersDown);
    const earlier = fields.filter((field) => {
      const entry = parseDownEntryField(field);
      return entry?.worker === this.workerId && !this.downSince.has(entry.connection);
    });
    if (earlier.length > 0) await this.redis.hdel(this.keys.workersDown, ...earlier);
  }

  /** The connections served now, by name. */
  get connections(): ReadonlyMap<string, ConnectionWorker> {
    return this.served;
  }

  /**
   * Starts serving one connection (its own queue, limiters, governor, control); returns its worker, whose
   * `ready` resolves when it takes rows. Throws if the connection is served already or the process is closing.
   */
  serve(connection: WorkerConnection): ConnectionWorker {
    if (this.closing) throw new Error('The worker process is shutting down');
    if (this.served.has(connection.name)) throw new Error(`Connection ${connection.name} is served already`);
    // Each connection's durability gate follows the shared connection's close and ready events.
    this.redis.setMaxListeners(this.redis.getMaxListeners() + 2);
    const worker = new ConnectionWorker(connection, {
      ...this.parts,
      metrics: this.metrics.connection(connection.name),
    });
    const { name } = connection;
    worker.onRunFailed = (err) => this.runFailed(connection, worker, err);
    worker.ready.then(
      // Up once BullMQ's blocking connection is ready too: a worker restarted after a failure is up again.
      () =>
        worker.worker.waitUntilReady().then(
          () => {
            if (this.served.get(name) !== worker || this.failed.has(worker) || !this.downSince.has(name))
              return;
            void this.clearDown(name);
            this.logger.info({ connection: name }, `Connection ${name}: up again, taking its rows`);
          },
          // Its run() fails too: reported there (runFailed).
          () => {},
        ),
      (err: unknown) => {
        if (this.closing || this.served.get(name) !== worker) return;
        this.failed.add(worker);
        this.markDown(name, err);
      },
    );
    this.served.set(name, worker);
    return worker;
  }

  /**
   * A connection's BullMQ worker stopped with an error: it takes none of the connection's rows, so it is marked
   * down (`/healthz`) and restarted after a back-off that doubles with each failure in a row; the process's other
   * connections go on untouched. A reload meanwhile restarts it at once.
   */
  private runFailed(connection: WorkerConnection, worker: ConnectionWorker, err: unknown): void {
    const { name } = connection;
    if (this.closing || this.served.get(name) !== worker || this.failed.has(worker)) return;
    this.failed.add(worker);
    const now = Date.now();
    const last = this.runFailures.get(name);
    // A failure long after the last one is not "in a row": the back-off starts again.
    const count = last && now - last.at < RUN_FAILURES_IN_A_ROW_MS ? last.count + 1 : 1;
    this.runFailures.set(name, { count, at: now });
    const minMs = this.options.connectionRestartMinMs ?? 1000;
    const delayMs = Math.min(this.options.connectionRestartMaxMs ?? 60_000, minMs * 2 ** (count - 1));
    this.logger.error(
      { err, connection: name, failures: count, restartInMs: delayMs },
      `Connection ${name}: its worker stopped with an error (${errorText(err)}) and takes none of its rows; restarting it in ${delayMs} ms (failure ${count} in a row). The other connections go on.`,
    );
    this.markDown(name, err, now + delayMs);
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      const run = this.updating.then(() => this.restartFailed(connection, worker));
      this.updating = run.catch((e: unknown) =>
        this.logger.error({ err: e, connection: name }, `Connection ${name}: restart failed`),
      );
    }, delayMs);
    this.restartTimers.add(timer);
  }

  private async restartFailed(connection: WorkerConnection, worker: ConnectionWorker): Promise<void> {
    const { name } = connection;
    // Stopping, or a reload restarted or stopped it meanwhile.
    if (this.closing || this.served.get(name) !== worker) return;
    await this.stop(name);
    if (this.closing || this.served.has(name)) return;
    this.serve(connection);
    this.logger.info(
      { connection: name, change: 'restarted' },
      `Connection ${name}: restarted after its worker failed`,
    );
  }

  /** Records for `/healthz` that this process serves `name` but takes none of its rows, and why. */
  private markDown(name: string, err: unknown, restartAt?: number): void {
    const since = this.downSince.get(name) ?? Date.now();
    this.downSince.set(name, since);
    const entry = { since, error: errorText(err), ...(restartAt ? { restartAt } : {}) };
    this.redis
      .hset(this.keys.workersDown, downEntryField(this.workerId, name), JSON.stringify(entry))
      .catch((e: unknown) => this.logger.warn({ err: e }, 'Could not record a connection as down'));
  }

  private clearDown(name: string): Promise<unknown> {
    if (!this.downSince.delete(name)) return Promise.resolve();
    return this.redis
      .hdel(this.keys.workersDown, downEntryField(this.workerId, name))
      .catch((e: unknown) => this.logger.warn({ err: e }, 'Could not record a connection as up'));
  }

  /**
   * Stops serving one connection: no new rows, in-flight ones finish (or go back to the queue near the end of
   * `drainTimeoutMs`); its rows stay on its queue for whoever serves it. The process's other connections go on.
   */
  async stop(name: string): Promise<ConnectionCloseResult | undefined> {
    const worker = this.served.get(name);
    if (!worker) return undefined;
    this.served.delete(name);
    this.stopping.add(worker);
    try {
      const { deadline, abortAt } = this.deadlines();
      const steps = new ShutdownSteps(deadline, this.logger);
      const result = await worker.close(steps, abortAt);
      if (steps.cut.length) await worker.abandon();
      return result;
    } finally {
      this.stopping.delete(worker);
      this.redis.setMaxListeners(Math.max(0, this.redis.getMaxListeners() - 2));
    }
  }

  /**
   * Serves exactly `connections` from now on: starts the new ones, drains and stops the ones no longer listed,
   * and restarts one whose credentials or limits changed ({@link connectionDigest}) or whose start had failed.
   * Logs one line per change and returns them; connections left as they were are not mentioned. Reloads run
   * one at a time. `keep`: names not in `connections` that are left as they are when served (a connection
   * whose new settings cannot be used: it goes on with the ones it has) rather than stopped.
   */
  update(
    connections: readonly WorkerConnection[],
    keep: readonly string[] = [],
  ): Promise<ConnectionChange[]> {
    const run = this.updating.then(() => this.applyUpdate(connections, new Set(keep)));
    this.updating = run.catch(() => {});
    return run;
  }

  private async applyUpdate(
    connections: readonly WorkerConnection[],
    keep: ReadonlySet<string>,
  ): Promise<ConnectionChange[]> {
    if (this.closing) return [];
    const wanted = new Map(connections.map((c) => [c.name, c]));
    const changes: ConnectionChange[] = [];
    const stops: Promise<unknown>[] = [];
    /** Why each restarted connection restarts, for its line. */
    const why = new Map<string, { said: string[]; newOrigin: boolean }>();
    for (const [name, worker] of this.served) {
      const next = wanted.get(name);
      if (!next && keep.has(name)) continue;
      if (!next) {
        changes.push({ connection: name, change: 'stopped' });
        stops.push(this.stop(name).then(() => this.clearDown(name)));
      } else if (connectionDigest(next) !== worker.digest || this.failed.has(worker)) {
        const said = connectionDifferences(worker.connection, next);
        if (this.failed.has(worker))
          said.push(this.downSince.has(name) ? 'it was down' : 'it had not started');
        why.set(name, {
          said,
          newOrigin: originOf(worker.connection.pipedrive.baseUrl) !== originOf(next.pipedrive.baseUrl),
        });
        changes.push({ connection: name, change: 'restarted' });
        stops.push(this.stop(name));
      }
    }
    // Stopped first, so a restarted connection never has two workers (two limiters, two controls) at once.
    await Promise.all(stops);
    if (this.closing) return changes.filter((c) => c.change === 'stopped');
    for (const connection of connections) {
      if (this.served.has(connection.name)) continue;
      if (!changes.some((c) => c.connection === connection.name)) {
        changes.push({ connection: connection.name, change: 'started' });
      }
      this.serve(connection);
    }
    for (const entry of changes) {
      const { connection, change } = entry;
      const queue = this.served.get(connection)?.queueName;
      if (change === 'stopped') {
        const pendingRows = await this.logStopped(connection);
        if (pendingRows) entry.pendingRows = pendingRows;
        continue;
      }
      if (change === 'started') {
        this.logger.info({ connection, change }, `Connection ${connection}: started (${queue})`);
        continue;
      }
      const { said = [], newOrigin = false } = why.get(connection) ?? {};
      // Its credentials now go to another host: worth a look if nobody meant it (a connections file edited by
      // someone else, a copy-paste from another company's entry).
      (newOrigin ? this.logger.warn : this.logger.info).call(
        this.logger,
        { connection, change },
        `Connection ${connection}: restarted (${said.length > 0 ? said.join('; ') : 'its credentials or limits changed'})${newOrigin ? `: its credentials now go to ${originOf(this.served.get(connection)?.connection.pipedrive.baseUrl) ?? 'another host'}` : ''}`,
      );
    }
    return changes;
  }

  /**
   * Says that a connection is no longer served, and what that leaves behind: its imports' pending rows stay on its
   * queue (never sent elsewhere, never dead-lettered for it) until a worker serves the connection again, under the
   * same name. A warning naming the imports and how to finish or drop them when rows are left: the operator who
   * removed or renamed it in the file must learn that they wait.
   */
  private async logStopped(connection: string): Promise<number | undefined> {
    let waiting: { importId: string; fileName: string; pending: number }[] | undefined;
    try {
      waiting = (await this.parts.ledger.listImports(STOPPED_IMPORTS_SCANNED))
        .filter((r) => r.connection === connection && r.pending > 0)
        .map(({ importId, fileName, pending }) => ({ importId, fileName, pending }));
    } catch (err) {
      this.logger.debug({ err, connection }, 'Could not read the imports of a stopped connection');
    }
    if (waiting?.length === 0) {
      this.logger.info(
        { connection, change: 'stopped' },
        `Connection ${connection}: stopped (no longer served; none of its rows are pending)`,
      );
      return 0;
    }
    const rows = waiting?.reduce((sum, w) => sum + w.pending, 0);
    const named = (w: { importId: string; fileName: string }) =>
      `${w.importId} (${w.fileName || 'unknown file'})`;
    const kept = !waiting
      ? 'Its pending rows, if any, are kept on its queue'
      : waiting.length === 1
        ? `${rows} pending row${rows === 1 ? '' : 's'} of import ${named(waiting[0]!)} are kept on its queue`
        : `${rows} pending rows of imports ${waiting
            .slice(0, 5)
            .map((w) => `${named(w)}: ${w.pending}`)
            .join(', ')}${waiting.length > 5 ? ` and ${waiting.length - 5} more` : ''} are kept on its queue`;
    const cancel =
      waiting?.length === 1 ? `lead-importer cancel ${waiting[0]!.importId}` : 'lead-importer cancel ID';
    this.logger.warn(
      { connection, change: 'stopped', ...(waiting ? { pendingRows: rows, imports: waiting } : {}) },
      `Connection ${connection}: stopped (no longer served). ${kept}: no worker takes them until one serves ${connection} again, under that name (define it in the connections file and ${applyTheFile(this.options.watchesConnectionsFile)}). To drop them instead: ${cancel}.`,
    );
    return rows;
  }

  private deadlines(): { deadline: number; abortAt: number } {
    const drainTimeoutMs = this.options.drainTimeoutMs ?? 30_000;
    if (this.refusesCredentials()) {
      // Nothing Redis would answer: rows are aborted at once (their writes cannot go through, and waiting for them
      // only held the process past its drain timeout), the parts get the time a stop before Redis gets.
      const now = Date.now();
      return { deadline: now + Math.min(STOP_BEFORE_REDIS_MS, drainTimeoutMs), abortAt: now };
    }
    const deadline = Date.now() + drainTimeoutMs;
    // The end of the drain timeout (5 s, or a third of a short one) is kept for aborted rows to
    // go back to the queue and for the connections to close.
    return { deadline, abortAt: deadline - Math.min(5_000, drainTimeoutMs / 3) };
  }

  /**
   * Stops taking jobs on every connection, lets in-flight rows finish (aborting them near the end of
   * `drainTimeoutMs`; they go back to the queue), and closes every connection, all within `drainTimeoutMs`
   * whatever Redis does: a step that hangs is cut at the deadline and the connections are dropped.
   * Idempotent; runs every step even if one fails.
   */
  close(): Promise<WorkerCloseResult> {
    this.closing ??= this.reachedRedis ? this.drainAndClose() : this.closeBeforeRedis();
    return this.closing;
  }

  /** Redis refuses the worker's credentials now (and the shared client is not connected with them). */
  private refusesCredentials(): boolean {
    return this.redisRefusedAt !== undefined && this.redis.status !== 'ready';
  }

  /**
   * A shutdown while still waiting for Redis at start (down, not up yet, a wrong password): no row was taken, so
   * there is nothing to drain, and nothing Redis could answer. The clients are dropped first, which ends every
   * wait on them and their reconnect timers: with a wrong password each step used to fail at once, nothing dropped
   * them, and their reconnecting kept the process alive after "Worker stopped"; with Redis down the steps waited
   * for the whole drain timeout. Then each part is closed, within {@link STOP_BEFORE_REDIS_MS}.
   */
  private async closeBeforeRedis(): Promise<WorkerCloseResult> {
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    const workers = [...this.served.values(), ...this.stopping];
    const budgetMs = Math.min(STOP_BEFORE_REDIS_MS, this.options.drainTimeoutMs ?? 30_000);
    const steps = new ShutdownSteps(Date.now() + budgetMs, this.logger);
    // Closing before the start is aborted: a connection whose start then fails knows it was stopped, not broken.
    const closed = Promise.all(workers.map((w) => w.close(steps, Date.now())));
    this.shutdown.abort(new Error('Worker is shutting down'));
    this.redis.disconnect();
    await Promise.all(workers.map((w) => w.abandon()));
    await closed;
    await steps.run('startup', () => this.started.catch(() => {}));
    // No heartbeat step: it starts only once Redis answered, and its stop (a ZREM) would wait for Redis.
    await steps.run('durable writes', () => this.durable.close());
    await steps.run('metrics', () => this.metrics.close());
    await steps.run('queues', () => this.dlq.close());
    // Whatever a step reconnected is dropped again.
    await Promise.all(workers.map((w) => w.abandon()));
    this.redis.disconnect();
    this.logger.info(
      steps.cut.length ? { cutShort: [...new Set(steps.cut)] } : {},
      'Shutdown before Redis was reached: no row had been taken',
    );
    return { handedBack: true, stranded: 0 };
  }

  private drainAndClose(): Promise<WorkerCloseResult> {
    return (async () => {
      const drainTimeoutMs = this.options.drainTimeoutMs ?? 30_000;
      const refused = this.refusesCredentials();
      const { deadline, abortAt } = this.deadlines();
      const steps = new ShutdownSteps(deadline, this.logger);
      for (const timer of this.restartTimers) clearTimeout(timer);
      this.restartTimers.clear();
      const workers = [...this.served.values(), ...this.stopping];
      // Refused, no row it holds can be moved, whether or not BullMQ's close then ends in time.
      const held = refused ? workers.reduce((sum, w) => sum + w.rowsHeld, 0) : 0;
      const results = await Promise.all(workers.map((w) => w.close(steps, abortAt)));
      const stranded = Math.max(
        held,
        results.reduce((sum, r) => sum + r.stranded, 0),
      );
      this.shutdown.abort(new Error('Worker is shutting down'));
      await steps.run('startup', () => this.started.catch(() => {}));
      await steps.run('heartbeat', () => this.heartbeat.stop());
      await steps.run('health', () => Promise.all([...this.downSince.keys()].map((n) => this.clearDown(n))));
      await steps.run('durable writes', () => this.durable.close());
      await steps.run('metrics', () => this.metrics.close());
      await steps.run('queues', () => this.dlq.close());
      await steps.run('redis', () => this.redis.quit());
      const cut = [...new Set(steps.cut)];
      // Refused, the steps may fail at once (WRONGPASS) rather than run out of time, and the clients would go on
      // reconnecting: the process stayed up after "Worker stopped" until the test's 15-s wait ended (CI, once).
      if (cut.length || refused) {
        // Nothing may keep the process alive now: drop the sockets and their reconnect timers, and
        // first tell BullMQ not to move the jobs that end when their Redis calls fail.
        await Promise.all(workers.map((w) => w.abandon()));
        this.redis.disconnect();
        if (refused) {
          const lockDurationMs = this.options.lockDurationMs ?? 30_000;
          this.logger.error(
            {
              stranded,
              cutShort: cut,
              refusedSince: new Date(this.redisRefusedAt ?? Date.now()).toISOString(),
            },
            stranded > 0
              ? `Shutdown: Redis refuses this worker's password, so the ${stranded} in-flight row${stranded === 1 ? '' : 's'} could not be handed back. They stay in Redis, locked until their lock expires (${lockDurationMs} ms), then a worker with the current password resumes them from their checkpoints.`
              : "Shutdown: Redis refuses this worker's password; connections dropped (no row was in flight)",
          );
        } else if (stranded > 0) {
          this.logger.error(
            { stranded, cutShort: cut, drainTimeoutMs },
            `Shutdown: ${stranded} in-flight row${stranded === 1 ? '' : 's'} could not be handed back: Redis did not answer within the ${drainTimeoutMs} ms drain timeout. They stay locked until their lock expires, then another worker resumes them from their checkpoints.`,
          );
        } else {
          this.logger.warn(
            { cutShort: cut, drainTimeoutMs },
            `Shutdown: Redis did not answer within the ${drainTimeoutMs} ms drain timeout; connections dropped (no row was in flight)`,
          );
        }
      }
      if (steps.failed.length)
        this.logger.warn({ failures: steps.failed.length }, 'Worker closed with errors');
      return { handedBack: stranded === 0, stranded };
    })();
  }

  /** Says once how intents are protected on this Redis, so an operator can see what a machine crash would cost. */
  private async describeDurability(): Promise<void> {
    try {
      const [support, plan] = await Promise.all([this.durable.detect(), this.durable.plan()]);
      const fsync = support.appendfsync ?? 'unknown';
      if (isClusterRedis(this.redis) && this.options.intentDurability !== 'off') {
        this.logger.info(
          { ...support, intentDurability: plan },
          'Intents: not waited for with WAIT / WAITAOF on a Redis Cluster (each would answer for one node, not the one holding a given connection); a node that comes back without its last writes is still reconciled with Pipedrive (the epoch is kept per connection, on its node)',
        );
        return;
      }
      this.logger.info(
        { ...support, intentDurability: plan },
        plan === 'none'
          ? `Intents: AOF ${support.aof ? `on (appendfsync ${fsync})` : 'off'}, ${support.waitaof ? 'WAITAOF not used' : 'no WAITAOF (Redis < 7.2)'}; a Redis that comes back without its last writes is reconciled with Pipedrive before anything is created`
          : `Intents: made durable with ${plan === 'waitaof' ? 'WAITAOF' : 'WAIT'} before each create (AOF ${support.aof ? `on, appendfsync ${fsync}` : 'off'})`,
      );
    } catch (err) {
      this.logger.debug({ err }, 'Could not ask Redis what durability it offers');
    }
  }
}
