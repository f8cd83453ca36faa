import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  type AuthKind,
  burstLimitPer2s,
  DEFAULT_CONNECTION,
  DEFAULT_ROWS_PER_JOB,
  dailyTokenBudget,
  type Plan,
} from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { ConnectionMetrics } from '../metrics/recorder.js';
import { PipedriveClient, type PipedriveClientOptions } from '../pipedrive/client.js';
import {
  isAuthError,
  isPaymentRequiredError,
  isPipedriveError,
  isRateLimitError,
  isRetryable,
} from '../pipedrive/errors.js';
import type { Operation, PipedriveApi, RateLimitInfo, ResponseEvent } from '../pipedrive/types.js';
import { isClusterRedis } from '../queue/connection.js';
import type { DurableWrites } from '../queue/durable-writes.js';
import {
  isChunkJobData,
  type LeadChunkJobData,
  type LeadJobData,
  type LeadJobResult,
  type LeadQueueJobData,
  MAX_ROWS_PER_JOB,
} from '../queue/job-data.js';
import type { ImportLedger } from '../queue/ledger.js';
import {
  importIdOfJobId,
  keyScope,
  keysFor,
  leadQueueName,
  queuePrefix,
  rememberImportConnection,
} from '../queue/names.js';
import { quietAfterClose } from '../queue/quiet-connection.js';
import { RecentMap } from '../queue/recent-map.js';
import { RedisEpoch } from '../queue/redis-epoch.js';
import { AdoptionBook } from './adoption-book.js';
import { parseResetUtc } from './budget-day.js';
import { BudgetGovernor, recordUnadmittedCall } from './budget-governor.js';
import { publishBudget } from './budget-reader.js';
import { CacheWarmer } from './cache-warmer.js';
import {
  type CallLimiter,
  callLimiterId,
  createCallLimiter,
  tokenFingerprint,
  unlimitedCallLimiter,
} from './call-limiter.js';
import { ChunkRow, ChunkRunner } from './chunk-runner.js';
import type { ConcurrencyPermits } from './concurrency-permits.js';
import { ConnectionCompanyError } from './connection-company-error.js';
import { ContactCache } from './contact-cache.js';
import { ContactFiller } from './contact-filler.js';
import { ContactResolver } from './contact-resolver.js';
import type { DeadLetterWriter } from './dead-letter-writer.js';
import { DurabilityGate } from './durability-gate.js';
import { EpochReconciler } from './epoch-reconciler.js';
import { isDelayedError } from './errors.js';
import { FAILING_FIELDS, FailureStreak } from './failure-streak.js';
import { type ForeignImport, ImportsOfAnotherCompanyError } from './imports-of-another-company-error.js';
import type { KeyLocks } from './key-lock.js';
import { LeadWriter } from './lead-writer.js';
import { NoteWriter } from './note-writer.js';
import { DEFAULT_RATE_LIMIT_MARGIN, DEFAULT_RETRY, type LeadWorkerOptions } from './options.js';
import { type CallContext, PipedriveGateway, rateLimitKind } from './pipedrive-gateway.js';
import { type ProbeResult, ProcessingControl } from './processing-control.js';
import { createLeadProcessor, type LeadProcessor } from './processor.js';
import type { RowLeases } from './row-lease.js';
import { type ShutdownSteps, settlesWithin } from './shutdown-steps.js';
import { sleep } from './sleep.js';

/** One Pipedrive company a worker process serves: who it is, how to reach it, what its plan allows. */
export interface WorkerConnection {
  /** `default` (the `lead-import` queue) or a connection of the connections file (`lead-import-<name>`). */
  name: string;
  /** How to reach Pipedrive (base URL, token or OAuth, timeout); the worker adds its `onResponse` hook. */
  pipedrive: Omit<PipedriveClientOptions, 'onResponse'>;
  /** Pipedrive plan: burst limit and default daily budget. @defaultValue `lite` */
  plan?: Plan;
  /** API token or OAuth: OAuth apps get 4× the burst limit. @defaultValue `api_token` */
  auth?: AuthKind;
  /** The company's daily token budget. @defaultValue 30,000 × plan multiplier × 1 seat */
  dailyTokens?: number;
  /** Share of the daily budget left for the company's other integrations, 0–1. @defaultValue 0.1 */
  budgetReserve?: number;
  /** When Pipedrive's budget day starts, `HH:MM` UTC. @defaultValue `00:00` */
  budgetResetUtc?: string;
  /** The connections file that defines it; without one, the `PIPEDRIVE_*` variables do (what a 401 tells the operator to fix). */
  connectionsFile?: string;
  /**
   * Names of the environment variables its secrets come from (`api_token_env`, OAuth `*_env`): a rejected token is
   * then fixed by restarting the workers, since SIGHUP cannot read a variable again. @defaultValue `[]`
   */
  secretVariables?: readonly string[];
}

/**
 * What a connection's workers depend on, as a short digest: its URL, timeout, plan, auth, budget settings and a
 * fingerprint of its credentials (never the credentials). Two connections with the same digest behave the
 * same; a reload restarts a connection whose digest changed (a rotated token file, a new plan).
 */
export function connectionDigest(connection: WorkerConnection): string {
  const { pipedrive } = connection;
  return createHash('sha256')
    .update(
      JSON.stringify([
        connection.name,
        pipedrive.baseUrl,
        pipedrive.timeoutMs ?? null,
        pipedrive.oauth?.tokenUrl ?? null,
        tokenFingerprint(pipedrive),
        pipedrive.oauth ? createHash('sha256').update(pipedrive.oauth.clientSecret).digest('hex') : null,
        connection.plan ?? 'lite',
        connection.auth ?? 'api_token',
        connection.dailyTokens ?? null,
        connection.budgetReserve ?? null,
        connection.budgetResetUtc ?? null,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
}

/**
 * Waiting job ids (per state) whose imports a starting connection checks belong to its company: enough to see every
 * import waiting on it in practice (each import's first rows wait first), a bounded read for a queue of millions.
 */
const IDS_LOOKED_AT_FOR_COMPANY = 5000;

/**
 * The one line saying a connection cannot start, naming it, why, and what to check: a Pipedrive that answered, but not
 * as a company's API (a 404 from a wrong base_url, a 4xx), is a mistake in its base_url. Without a name beyond
 * `default` and no connections file, as it always read.
 */
function cannotStartMessage(connection: WorkerConnection, err: unknown): string {
  if (connection.name === DEFAULT_CONNECTION && connection.connectionsFile === undefined)
    return 'Worker could not start';
  // Errors that name the connection themselves (`Connection "acme": …`) are not made to name it twice.
  const why = (err instanceof Error ? err.message : String(err))
    .replace(/\.+$/, '')
    .replace(`Connection "${connection.name}": `, '');
  const hint =
    isPipedriveError(err) && !isRetryable(err)
      ? ` Check its base_url (${connection.pipedrive.baseUrl}: https://yourcompany.pipedrive.com or https://api.pipedrive.com) in ${connection.connectionsFile ?? 'the connections file'}, then send the worker SIGHUP.`
      : '';
  // That error says where the rows are already.
  const rest =
    err instanceof ImportsOfAnotherCompanyError
      ? "The process's other connections go on."
      : "Its rows wait on its queue; the process's other connections go on.";
  return `Connection ${connection.name} cannot start: ${why}.${hint} ${rest}`;
}

/**
 * What differs between a connection's settings before and after a reload, for its "restarted" line: URLs (which the
 * configuration checks never carry credentials or a query string), plan, budget and timeout as they read, and
 * only whether the credentials changed (never what they are).
 */
export function connectionDifferences(before: WorkerConnection, after: WorkerConnection): string[] {
  const said: string[] = [];
  const changed = <T>(what: string, a: T, b: T, unit = '') => {
    if (a !== b) said.push(`${what} ${String(a ?? 'default')}${unit} → ${String(b ?? 'default')}${unit}`);
  };
  changed('base URL', before.pipedrive.baseUrl, after.pipedrive.baseUrl);
  changed('OAuth token URL', before.pipedrive.oauth?.tokenUrl, after.pipedrive.oauth?.tokenUrl);
  changed('auth', before.auth ?? 'api_token', after.auth ?? 'api_token');
  const secretOf = (c: WorkerConnection) =>
    `${tokenFingerprint(c.pipedrive)}:${c.pipedrive.oauth ? createHash('sha256').update(c.pipedrive.oauth.clientSecret).digest('hex') : ''}`;
  if ((before.auth ?? 'api_token') === (after.auth ?? 'api_token') && secretOf(before) !== secretOf(after))
    said.push(after.pipedrive.oauth ? 'OAuth credentials changed' : 'API token changed');
  changed('plan', before.plan ?? 'lite', after.plan ?? 'lite');
  changed('daily tokens', before.dailyTokens, after.dailyTokens);
  changed('budget reserve', before.budgetReserve, after.budgetReserve);
  changed('budget reset', before.budgetResetUtc, after.budgetResetUtc, ' UTC');
  changed('timeout', before.pipedrive.timeoutMs, after.pipedrive.timeoutMs, ' ms');
  return said;
}

/** The process's parts a connection's workers share with the other connections'. */
export interface SharedWorkerParts {
  redis: Redis;
  prefix: string;
  workerId: string;
  logger: Logger;
  ledger: ImportLedger;
  locks: KeyLocks;
  leases: RowLeases;
  durable: DurableWrites;
  deadLetters: DeadLetterWriter;
  /** The counters of this connection (its own hash, flushed with the others'). */
  metrics: ConnectionMetrics;
  /** The process's concurrency, shared by its connections. */
  permits: ConcurrencyPermits;
  /** Resolves once Redis answers and the heartbeat runs; nothing of a connection starts before. */
  started: Promise<void>;
  /** The process's tuning (retries, locks, probes, intervals): the same for every connection. */
  tuning: Omit<
    LeadWorkerOptions,
    'pipedrive' | 'plan' | 'auth' | 'dailyTokens' | 'budgetReserve' | 'budgetResetUtc'
  >;
}

/** How one connection's part of a shutdown ended. */
export interface ConnectionCloseResult {
  /** Rows of the connection still in flight when its drain was cut short (0 when it drained). */
  stranded: number;
}

/**
 * Everything one Pipedrive company needs in a worker process, built in one place: its Pipedrive client (its
 * URL and credentials), its burst and search limiters (one id per token), its budget governor (per company
 * and budget day), contact cache, cache warmer, resolver, lead and note writers, filler, processing control
 * (429 pause, 401/402 block, edge back-off and budget wait, in its own control hash and on its own queue),
 * durability gate with its epoch reconciler, and one BullMQ worker on its queue.
 *
 * The client, the control and the BullMQ worker exist from the constructor on (so callers can listen to the
 * worker at once); the parts that need the company (`GET /users/me` → `company_id`) are built by
 * {@link ConnectionWorker.start}, which runs from the constructor: {@link ConnectionWorker.ready} resolves
 * when the connection takes rows.
 */
export class ConnectionWorker {
  readonly name: string;
  readonly queueName: string;
  /** BullMQ's prefix for the connection's queue ({@link queuePrefix}). */
  readonly bullPrefix: string;
  /** The connection's settings this worker was built from, and their digest ({@link connectionDigest}). */
  readonly connection: WorkerConnection;
  readonly digest: string;
  /** The BullMQ worker on the connection's queue (runs once the token is known to work). */
  readonly worker: LeadBullWorker;
  /** Resolves when the connection takes rows: after `/users/me` accepted its token. */
  readonly ready: Promise<void>;
  /**
   * Called when the connection's BullMQ worker stopped with an error while it should run (its `run()` rejected,
   * e.g. its blocking Redis connection ended before it was ready): the connection takes no rows until it is
   * restarted. Not called for a stop this worker asked for ({@link ConnectionWorker.close}). The worker process
   * restarts the connection (worker-process.ts); on its own, a ConnectionWorker only logs it.
   */
  onRunFailed: (err: unknown) => void = (err) =>
    this.logger.error(
      { err },
      `Connection ${this.name}: its worker stopped with an error and takes none of its rows`,
    );

  private readonly logger: Logger;
  private readonly queue: Queue;
  private readonly api: PipedriveApi;
  private readonly control: ProcessingControl;
  /** Aborted when the connection stops: reaches every in-flight row and wait of this connection. */
  private readonly shutdown = new AbortController();
  private readonly lastRateLimit = new Map<Operation, RateLimitInfo>();
  /** Every call failing for a while (5xx, no answer): shown to operators until one is answered. */
  private readonly failures: FailureStreak;
  private readonly dailyCorrection: NodeJS.Timeout;
  /** The daily-token headers of the latest response, applied to the count once a second. */
  private latestDaily: RateLimitInfo | undefined;
  private governor: BudgetGovernor | undefined;
  private limiter: CallLimiter | undefined;
  private gateway: PipedriveGateway | undefined;
  private gate: DurabilityGate | undefined;
  private processor: LeadProcessor | undefined;
  private chunks: ChunkRunner | undefined;
  /**
   * Rows per job of the imports whose jobs this connection runs (the least of them, as their records say: a
   * chunk may hold fewer, an import's last one), or of the last ones it ran: how many jobs make its rows.
   * `LEAD_IMPORTER_ROWS_PER_JOB` until a job came (1 once a row's own job came, until its import's record is read).
   */
  private rowsPerJob = 1;
  /** Each import's rows per job, read once per import from its record (undefined while being read). */
  private readonly importRowsPerJob = new RecentMap<string, number | undefined>();
  /** Jobs in progress by import. */
  private readonly jobsByImport = new Map<string, number>();
  /**
   * The jobs BullMQ has handed this connection (from its fetch on: a job fetched is not yet processed while
   * BullMQ fetches the next ones), each with its rows that have not ended; a job leaves when BullMQ is done
   * with it. With chunks, the fetch is sized by these rows, not by the jobs ({@link takeRows}).
   */
  private readonly taken = new Map<Job, number>();
  /** A chunk is being taken outside BullMQ's loop ({@link takeRows}). */
  private takingOne = false;
  /** That take found no job (an empty or held queue, a paused worker): none again until BullMQ's loop takes one. */
  private queueLooksEmpty = false;
  private running = false;
  /** Rows whose processing has not ended, for the shutdown's account of what it handed back. */
  private inFlight = 0;
  /**
   * Rows whose processing ended but whose job BullMQ has not yet moved (completed, failed, retried): with Redis
   * gone, such a row is as stranded as one still running. A row that asked to be re-queued (`RateLimitError`, as
   * one still waiting for its permit at a shutdown does) counts too: BullMQ moves it back to the queue, and with
   * Redis frozen that move never happens, its lock held until it expires. A row that delayed itself (it moved its
   * own job) is not counted. A row leaves it when BullMQ is done with its job, moved or not
   * ({@link LeadBullWorker.onJobDone}): a job whose lock was lost is never moved by this process, and kept here it
   * would count as stranded at every later shutdown.
   */
  private readonly awaitingMove = new Set<string>();
  /** BullMQ's own blocking connection, so a shutdown that Redis does not answer can drop it too. */
  private blockingClient: { disconnect(): void } | undefined;

  /** Rows it holds now, running or waiting for their job's move: what a shutdown Redis cannot answer strands. */
  get rowsHeld(): number {
    return this.inFlight + this.awaitingMove.size;
  }
  private closing: Promise<ConnectionCloseResult> | undefined;

  /** Pipedrive rejected this connection's credentials here (401/402): it takes no rows until they work. */
  get isBlocked(): boolean {
    return this.control.isLocallyBlocked;
  }

  /** {@link close} was called: the process stopped this connection (a reload, a shutdown), whatever came of it. */
  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  constructor(
    connection: WorkerConnection,
    private readonly shared: SharedWorkerParts,
  ) {
    const { tuning, redis, prefix } = shared;
    this.connection = connection;
    this.name = connection.name;
    this.digest = connectionDigest(connection);
    this.queueName = leadQueueName(connection.name);
    this.logger =
      connection.name === DEFAULT_CONNECTION
        ? shared.logger
        : shared.logger.child({ connection: connection.name });
    // Every in-flight job links its own signal to this one (processor.ts), plus a few waits: no leak.
    // With chunks, a chunk's rows waiting for a permit listen too: up to a chunk's rows more.
    setMaxListeners(shared.permits.total * 2 + MAX_ROWS_PER_JOB + 10, this.shutdown.signal);
    // On a Redis Cluster the queue's keys carry the connection's hash tag, as the connection's own keys do.
    this.bullPrefix = queuePrefix(prefix, connection.name, isClusterRedis(redis));
    this.queue = quietAfterClose(new Queue(this.queueName, { connection: redis, prefix: this.bullPrefix }));
    this.rowsPerJob = Math.max(1, tuning.rowsPerJob ?? DEFAULT_ROWS_PER_JOB);

    const controlKey = keysFor(prefix, keyScope(redis)).connectionControl(connection.name);
    this.failures = new FailureStreak({
      publish: (fields) => redis.hset(controlKey, fields),
      clear: () => redis.hdel(controlKey, ...FAILING_FIELDS),
      logger: this.logger,
      afterMs: tuning.failingAfterMs,
    });
    const onResponse = (event: ResponseEvent) => {
      this.failures.observe(event);
      // Rejected calls (429) are assumed free; everything else is charged in metrics as in the governor.
      shared.metrics.recordCall(
        event.operation,
        event.status,
        event.durationMs,
        event.status === 429 ? 0 : event.tokenCost,
      );
      this.lastRateLimit.set(event.operation, event.rateLimit);
      if (
        event.rateLimit.limit !== undefined &&
        !event.operation.endsWith('.search') &&
        event.status !== 429
      ) {
        this.limiter?.observeLimit(event.rateLimit.limit);
      }
      if (event.rateLimit.dailyTokenRemaining !== undefined) this.latestDaily = event.rateLimit;
    };
    // The daily-token headers come with every response; correcting the count once a second is
    // plenty (the count only ever goes up from them) and saves a Redis round trip per call.
    this.dailyCorrection = setInterval(() => {
      const info = this.latestDaily;
      this.latestDaily = undefined;
      if (info && this.governor) {
        this.governor
          .observe(info)
          .catch((err: unknown) => this.logger.debug({ err }, 'Budget correction failed'));
      }
    }, 1000);
    this.dailyCorrection.unref();
    // A keep-alive connection per row the process runs at once (a row makes one call at a time), and two for
    // the calls beside them (start-up, reconciliation), so no call the limiter admitted waits for a connection
    // and arrives later than it reserved. The OAuth refresh goes to its own origin, with its own connections.
    const clientOptions: PipedriveClientOptions = {
      maxSockets: shared.permits.total + 2,
      ...connection.pipedrive,
      onResponse,
    };
    this.api = tuning.createClient ? tuning.createClient(clientOptions) : new PipedriveClient(clientOptions);

    // Served from now on: its share of the rows to take counts it ({@link ConcurrencyPermits.rowsToTake}).
    shared.permits.cap(connection.name, Number.POSITIVE_INFINITY);
    this.worker = new LeadBullWorker(
      this.queueName,
      (job, token, signal) => this.process(job, token, signal),
      {
        connection: redis,
        prefix: this.bullPrefix,
        // The rows it can start soon (its permits and a few more), adjusted as permits move; a row runs once
        // it has one of the process's permits.
        concurrency: shared.permits.rowsToTake(connection.name),
        autorun: false,
        // No `limiter`: BullMQ would count every job it fetches in the queue's limiter key (2 Redis commands a
        // row). 429 pauses and budget waits hold the queue with the global rate limit that ProcessingControl
        // sets only while a hold lasts (processing-control.ts, HOLD_SYNC_LUA); spacing is the call limiter's
        // and the admission's job.
        maximumRateLimitDelay: tuning.controlPollMs ? Math.max(1000, tuning.controlPollMs * 2) : 5000,
        lockDuration: tuning.lockDurationMs ?? 30_000,
        stalledInterval: tuning.stalledIntervalMs ?? 30_000,
        // A row whose worker died is safe to run again (checkpoints, intents), so a row is never
        // failed for stalling: a failure there would bypass the dead-letter queue.
        maxStalledCount: 1000,
        name: shared.workerId,
      },
    );
    quietAfterClose(this.worker);
    this.worker.on('error', (err) => this.logger.error({ err }, 'Worker error'));
    this.worker.on('active', (job) => {
      const data = job.data as LeadQueueJobData;
      const rows = isChunkJobData(data) ? data.rows.length : 1;
      this.taken.set(job, rows);
      this.queueLooksEmpty = false;
      // A row's own job, of an import whose record is not read yet: one row a job until the record says otherwise
      // (an import made with LEAD_IMPORTER_ROWS_PER_JOB=1 or before chunks), not the 10 expected by default, whose
      // top-ups for chunks would take single-row jobs past the connection's window.
      if (!isChunkJobData(data) && this.importRowsPerJob.get(data.importId) === undefined)
        this.rowsPerJob = 1;
      // With one row a job the fetch does not depend on the rows taken: nothing to size again.
      if (this.rowsPerJob > 1 && this.running && !this.closing) this.takeRows();
    });
    this.worker.onJobDone = (job) => {
      this.awaitingMove.delete(job.id ?? '');
      this.taken.delete(job);
    };
    this.worker.onRunFailed = (err) => {
      if (!this.closing && !this.shutdown.signal.aborted) this.onRunFailed(err);
    };
    // Row leases live and die with the job locks: renewed when BullMQ renews them, lost with them.
    this.worker.on('locksRenewed', ({ jobIds }) => {
      shared.leases
        .renew(jobIds)
        .catch((err: unknown) => this.logger.warn({ err }, 'Could not renew row leases'));
    });
    this.worker.on('lockRenewalFailed', (jobIds) => shared.leases.lost(jobIds));

    this.control = new ProcessingControl({
      redis,
      prefix,
      connection: connection.name,
      connectionsFile: connection.connectionsFile,
      secretVariables: connection.secretVariables,
      auth: connection.auth,
      queue: this.queue,
      governor: () => this.governor,
      locks: shared.locks,
      logger: this.logger,
      probe: () => this.probe(),
      onLocalBlock: async (blocked) => {
        // Before the worker runs, `identify()` holds it back; BullMQ's resume() would start it.
        if (!this.running) return;
        if (blocked) await this.worker.pause(true);
        else this.worker.resume();
      },
      budgetProbeIntervalMs: tuning.budgetProbeIntervalMs ?? 5 * 60_000,
      authProbeIntervalMs: tuning.authProbeIntervalMs ?? 60_000,
      controlPollMs: tuning.controlPollMs ?? 2000,
    });

    this.ready = this.start();
    this.ready.catch((err: unknown) => {
      if (!this.shutdown.signal.aborted && !this.isClosing)
        this.logger.error({ err }, cannotStartMessage(connection, err));
    });
  }

  /** A job: one row, or a chunk of rows ({@link ChunkRunner}); each row waits for one of the process's permits. */
  private async process(
    job: Parameters<LeadProcessor>[0],
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<LeadJobResult> {
    const processor = this.processor;
    const chunks = this.chunks;
    if (!processor || !chunks) throw new Error('Worker processed a job before it was ready');
    // A row on this connection's queue belongs to an import of this connection: where its keys are on a cluster.
    rememberImportConnection(this.shared.prefix, job.data.importId, this.name);
    const jobId = job.id ?? '';
    const data = job.data as LeadQueueJobData;
    const isChunk = isChunkJobData(data);
    const rows = isChunk ? data.rows.length : 1;
    this.enterImport(data.importId);
    this.awaitingMove.delete(jobId);
    this.inFlight += rows;
    let moves = true;
    let left = rows;
    try {
      if (isChunk) {
        const chunk = job as unknown as Job<LeadChunkJobData>;
        // The chunk's result is not a row's: BullMQ stores it until the job is removed (at once).
        return (await chunks.run(chunk, token, signal, () => {
          left--;
          this.inFlight--;
          this.rowEnded(job);
          this.takeRows();
        })) as unknown as LeadJobResult;
      }
      try {
        return await this.runRow(processor, job, token, signal);
      } catch (err) {
        // A delayed row moved itself; a re-queued one (`RateLimitError`) is moved back by BullMQ, which needs Redis.
        if (isDelayedError(err)) moves = false;
        throw err;
      }
    } finally {
      this.inFlight -= left;
      if (left > 0) this.rowEnded(job, left);
      if (moves) this.awaitingMove.add(jobId);
      this.leaveImport(data.importId);
      this.takeRows();
    }
  }

  /** `rows` rows of a job BullMQ handed over ended: they no longer count for the fetch ({@link takeRows}). */
  private rowEnded(job: Job, rows = 1): void {
    const left = this.taken.get(job);
    if (left === undefined) return;
    this.taken.set(job, left - Math.min(left, rows));
  }

  /** Counts a job of the import in progress; the import's rows per job is read from its record the first time. */
  private enterImport(importId: string): void {
    this.jobsByImport.set(importId, (this.jobsByImport.get(importId) ?? 0) + 1);
    if (!this.importRowsPerJob.has(importId)) {
      this.importRowsPerJob.set(importId, undefined);
      this.shared.ledger.rowsPerJobOf(importId).then(
        (k) => {
          this.importRowsPerJob.set(importId, k);
          this.noteRowsPerJob();
          // A connection that is closing has let go of its place among the permits: not taken back here.
          if (!this.closing) this.takeRows();
        },
        (err: unknown) => {
          // Read again with the import's next job; meanwhile the figure stays as it was.
          this.importRowsPerJob.delete(importId);
          this.logger.debug({ err, importId }, "Could not read the import's rows per job");
        },
      );
    }
    this.noteRowsPerJob();
  }

  private leaveImport(importId: string): void {
    const left = (this.jobsByImport.get(importId) ?? 1) - 1;
    if (left > 0) this.jobsByImport.set(importId, left);
    else this.jobsByImport.delete(importId);
    this.noteRowsPerJob();
  }

  /** {@link rowsPerJob}: the least of the imports in progress whose record was read; unchanged when none is. */
  private noteRowsPerJob(): void {
    let k = Number.POSITIVE_INFINITY;
    for (const importId of this.jobsByImport.keys())
      k = Math.min(k, this.importRowsPerJob.get(importId) ?? k);
    if (k !== Number.POSITIVE_INFINITY) this.rowsPerJob = k;
  }

  /** One row: waits for one of the process's permits (its connection's turn), then runs. */
  private async runRow(
    processor: LeadProcessor,
    job: Parameters<LeadProcessor>[0],
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<LeadJobResult> {
    let release: () => void;
    try {
      release = await this.shared.permits.acquire(this.name, signal, this.shutdown.signal);
    } catch {
      // Stopped while the row waited for its turn: it goes back to the queue untouched, no attempt spent.
      throw Worker.RateLimitError();
    } finally {
      this.takeRows();
    }
    try {
      return await processor(job, token, signal);
    } finally {
      release();
      this.takeRows();
    }
  }

  /**
   * Sets how many jobs the connection's BullMQ worker takes: enough for the rows it should hold (the permits it
   * holds plus a few waiting, within the connection's cap: {@link ConcurrencyPermits.rowsToTake}). With one row
   * a job, that many jobs.
   *
   * With chunks of k rows, BullMQ's concurrency still counts jobs, and a chunk ends only with its slowest row: a
   * chunk of which 9 rows are done takes a job's place while holding one row. So the fetch is sized by rows: the
   * jobs that still hold rows, and as many more as the rows missing to what the connection should hold, plus one
   * chunk (BullMQ fetches, and notices a raised concurrency, only when a job ends: the chunk more covers the rows
   * that end before the next chunk does). Every row a job hands over and every row's end sets it again, so the
   * fetch stops once the rows are there. A fixed ⌈2 × rows ÷ k⌉ + 1 jobs (before) held too few rows while chunks
   * drained and far too many at the start: the first connections' 5 chunks of 10 took 50 free permits at once,
   * then 110 (their cap), and the companies whose rows came a moment later waited 3–5 s for their first permit
   * (`bench:many-companies`, k = 10). A waiting chunk row holds no permit, lease or limiter place.
   *
   * The cap follows the connection's limiter: what its burst window admits in 2 s (a 429 streak lowers it, a
   * header raises it).
   */
  private takeRows(): void {
    const { permits } = this.shared;
    const calls = this.limiter?.callsPerWindow ?? Number.POSITIVE_INFINITY;
    permits.cap(this.name, calls === Number.POSITIVE_INFINITY ? calls : Math.max(1, calls));
    const rows = permits.rowsToTake(this.name);
    const k = this.rowsPerJob;
    if (k === 1) {
      this.worker.concurrency = rows;
      return;
    }
    this.worker.concurrency = chunkJobsToTake(rows, k, this.taken, (job) => this.worker.tookOutsideLoop(job));
    // Its rows waiting for a permit are down to less than half a chunk, with permits to have, while no job of
    // BullMQ's ended: one chunk now. Not sooner: a chunk taken here is moved without fetching the next one in the
    // same step, one script more (a chunk end refills the rest).
    const held = permits.heldBy(this.name);
    let rowsTaken = 0;
    for (const left of this.taken.values()) rowsTaken += left;
    const waiting = rowsTaken - held;
    if (
      waiting < Math.min(k / 2, rows - held) &&
      !this.takingOne &&
      !this.queueLooksEmpty &&
      this.running &&
      !this.closing
    ) {
      this.takingOne = true;
      void this.worker.takeOne().then(
        (came) => {
          this.takingOne = false;
          // Tried again once BullMQ's loop takes a job (it waits for one on an empty queue).
          this.queueLooksEmpty = !came;
          if (came) this.takeRows();
        },
        () => {
          this.takingOne = false;
        },
      );
    }
  }

  /** `GET /v1/users/me` through the gateway, forced past the budget (2 tokens). */
  private async probe(): Promise<ProbeResult> {
    try {
      const ctx: CallContext = { tokens: 0, signal: this.shutdown.signal };
      if (this.gateway) {
        await this.gateway.call('users.me', ctx, (o) => this.api.getCurrentUser(o), {
          force: true,
          retry: false,
        });
      } else {
        await this.api.getCurrentUser({ signal: this.shutdown.signal });
      }
      return { ok: true, info: this.lastRateLimit.get('users.me') ?? {} };
    } catch (error) {
      return { ok: false, info: this.lastRateLimit.get('users.me') ?? {}, error };
    }
  }

  /**
   * Throws {@link ImportsOfAnotherCompanyError} when rows waiting on the connection's queue belong to imports recorded
   * for another company than its credentials' (`companyId`): its entry now names another company. Before a single row
   * is taken, so a mistake in the file dead-letters nothing; the rows processor's own check still refuses any row of
   * such an import that comes later (an import not among those looked at, one made while it runs).
   */
  private async refuseImportsOfAnotherCompany(companyId: number): Promise<void> {
    const ids = await this.queue.getRanges(
      ['prioritized', 'wait', 'paused', 'delayed'],
      0,
      IDS_LOOKED_AT_FOR_COMPANY - 1,
    );
    const importIds = new Set<string>();
    for (const id of ids) {
      const importId = importIdOfJobId(id);
      if (importId) importIds.add(importId);
    }
    const foreign: ForeignImport[] = [];
    const records = await Promise.all([...importIds].map((id) => this.shared.ledger.getImport(id)));
    for (const record of records) {
      if (!record || record.pending === 0 || record.connection !== this.name) continue;
      const { importId } = record;
      if (record.companyId !== undefined && record.companyId !== companyId) {
        foreign.push({
          importId,
          fileName: record.fileName,
          companyId: record.companyId,
          pending: record.pending,
        });
      }
    }
    if (foreign.length > 0)
      throw new ImportsOfAnotherCompanyError(this.name, companyId, foreign, this.connection.connectionsFile);
  }

  /** Checks the token until it works (a 401 blocks the connection meanwhile); returns the company's id. */
  private async identify(): Promise<number> {
    const { tuning } = this.shared;
    const signal = this.shutdown.signal;
    for (let n = 1; ; n++) {
      try {
        const me = await this.api.getCurrentUser({ signal });
        ConnectionCompanyError.check(this.name, this.connection.pipedrive.baseUrl, me);
        return me.company_id;
      } catch (err) {
        if (signal.aborted || err instanceof ConnectionCompanyError) throw err;
        if (isAuthError(err) || isPaymentRequiredError(err)) {
          if (!this.control.isLocallyBlocked)
            await this.control.blockForAuth(err, isAuthError(err) ? 'auth' : 'payment');
          await sleep(tuning.authProbeIntervalMs ?? 60_000, signal);
        } else if (isRateLimitError(err)) {
          // A spent daily budget or a full burst window must not end the process: a restarted
          // worker would crash-loop until the budget day turns. Wait as running workers do.
          const daily = rateLimitKind(err) === 'daily';
          this.logger.warn(
            { err },
            daily
              ? 'The daily budget is spent; starting once it is back'
              : 'Rate-limited at start; trying again',
          );
          await sleep(
            daily ? (tuning.budgetProbeIntervalMs ?? 5 * 60_000) : Math.max(1000, err.retryAfterMs),
            signal,
          );
        } else if (isRetryable(err)) {
          this.logger.warn({ err }, 'Cannot reach Pipedrive yet; trying again');
          await sleep(Math.min(30_000, 500 * 2 ** Math.min(n, 6)), signal);
        } else {
          throw err;
        }
      }
    }
  }

  private async start(): Promise<void> {
    const { shared, connection } = this;
    const { tuning, redis, prefix, ledger, locks } = shared;
    const signal = this.shutdown.signal;
    await Promise.race([
      shared.started,
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      ),
    ]);
    const plan = connection.plan ?? 'lite';
    const auth = connection.auth ?? 'api_token';
    const retry = { ...DEFAULT_RETRY, ...tuning.retry };
    const clockSkewMs = tuning.clockSkewMs ?? 60_000;
    const edgeBlockBackoffMs = tuning.edgeBlockBackoffMs ?? 60_000;
    const dailyTokens = connection.dailyTokens ?? dailyTokenBudget(plan, 1);
    const reserve = connection.budgetReserve ?? 0.1;
    const limiter =
      tuning.rateLimit === false
        ? unlimitedCallLimiter()
        : await createCallLimiter({
            redis,
            id: callLimiterId(prefix, connection.pipedrive),
            burstLimit: burstLimitPer2s(plan, auth),
            margin: tuning.rateLimitMargin ?? DEFAULT_RATE_LIMIT_MARGIN,
            prefix,
            connection: connection.name,
            onError: (err) => this.logger.warn({ err }, 'Rate limiter error'),
          });
    this.limiter = limiter;
    const companyId = await this.identify();
    await this.refuseImportsOfAnotherCompany(companyId);
    const companyKey = `c${companyId}`;
    // The call that named the company went out before any admission: it counts in the token's window.
    await recordUnadmittedCall(redis, limiter.windowFor('call'));
    const governor = new BudgetGovernor({
      redis,
      prefix,
      companyKey,
      connection: connection.name,
      dailyTokens,
      reserve,
      resetOffsetMs: parseResetUtc(connection.budgetResetUtc ?? '00:00'),
    });
    this.governor = governor;
    await publishBudget(
      redis,
      prefix,
      { companyKey, dailyTokens, reserve, resetUtc: connection.budgetResetUtc ?? '00:00' },
      connection.name,
    );
    if (signal.aborted) throw signal.reason;
    const api = this.api;
    const gateway = new PipedriveGateway({ governor, limiter, retry, edgeBlockBackoffMs });
    this.gateway = gateway;
    const cache = new ContactCache(redis, prefix, companyKey, connection.name);
    const warmer = new CacheWarmer({
      redis,
      prefix,
      companyKey,
      connection: connection.name,
      api,
      gateway,
      cache,
      locks,
      ledger,
      mode: tuning.warmCache ?? 'auto',
      freshnessMs: tuning.cacheFreshnessMs ?? 60_000,
      clockSkewMs,
      logger: this.logger,
    });
    const resolver = new ContactResolver({
      redis,
      prefix,
      companyKey,
      connection: connection.name,
      api,
      gateway,
      cache,
      warmer,
      locks,
      createRetries: retry.callRetries,
      clockSkewMs,
      lockTtlMs: tuning.contactLockTtlMs ?? 30_000,
    });
    const leadWriter = new LeadWriter({ api, gateway, createRetries: retry.callRetries, clockSkewMs });
    const noteWriter = new NoteWriter({ api, gateway, createRetries: retry.callRetries });
    const filler = new ContactFiller({
      redis,
      prefix,
      companyKey,
      connection: connection.name,
      api,
      gateway,
      locks,
    });
    const adoption = new AdoptionBook(
      redis,
      prefix,
      companyKey,
      tuning.adoptionTtlMs ?? 24 * 3_600_000,
      connection.name,
    );
    const gate = new DurabilityGate({
      redis,
      prefix,
      companyKey,
      connection: connection.name,
      epoch: new RedisEpoch(redis, prefix, connection.name),
      reconciler: new EpochReconciler({ api, gateway, warmer, adoption }),
      locks,
      logger: this.logger,
      marginMs: tuning.epochMarginMs ?? clockSkewMs,
      adoptionTtlMs: tuning.adoptionTtlMs ?? 24 * 3_600_000,
      markIntervalMs: tuning.durableMarkIntervalMs ?? 1000,
      signal,
    });
    this.gate = gate;
    // Before any row: a Redis that came back from a crash is reconciled first.
    await gate.start();
    this.processor = createLeadProcessor({
      redis,
      ledger,
      resolver,
      leadWriter,
      noteWriter,
      filler,
      warmer,
      deadLetters: shared.deadLetters,
      control: this.control,
      metrics: shared.metrics,
      logger: this.logger,
      maxRateLimitRequeues: tuning.maxRateLimitRequeues ?? 50,
      edgeBlockBackoffMs,
      shutdownSignal: signal,
      leases: shared.leases,
      gate,
      durable: shared.durable,
      adoption,
      inFlightWindowMs: tuning.inFlightWindowMs ?? (connection.pipedrive.timeoutMs ?? 30_000) + 1000,
      companyId,
      bullJobIdOf: (job) => (job instanceof ChunkRow ? job.chunkJobId : undefined),
    });
    const processor = this.processor;
    this.chunks = new ChunkRunner({
      queue: this.queue,
      runRow: (row, token, signal) => this.runRow(processor, row.asJob(), token, signal),
      rowsStarting: (rows) => processor.rowsStarting(rows.map((row) => row.asJob())),
      rowsEnded: (rows) => processor.rowsEnded(rows.map((row) => row.asJob())),
      rowStates: (importId, lines) => shared.ledger.rowStates(importId, lines),
      logger: this.logger,
    });
    // A worker whose token works lifts a block another worker's rejected token set.
    await this.control.clearAuthBlock();
    if (signal.aborted) throw signal.reason;
    // A hold set before this worker started (or by an older worker, which set no global limit) holds it from its
    // first fetch.
    await this.control.syncHold();
    this.control.start();
    const concurrency = shared.permits.total;
    const rate =
      limiter.callsPerWindow === Number.POSITIVE_INFINITY
        ? 'no rate limit'
        : `${limiter.callsPerWindow} calls per 2 s`;
    this.logger.info(
      {
        workerId: shared.workerId,
        // The logger of any other connection carries it already: a second `connection` key would repeat it.
        ...(connection.name === DEFAULT_CONNECTION ? { connection: connection.name } : {}),
        concurrency,
        plan,
        auth,
        companyKey,
        rateLimit: tuning.rateLimit !== false,
      },
      connection.name === DEFAULT_CONNECTION
        ? `Worker ${shared.workerId} processing ${this.queueName} (concurrency ${concurrency}, ${plan} plan, ${rate})`
        : `Worker ${shared.workerId} processing ${this.queueName} for connection ${connection.name} (company ${companyKey}, concurrency ${concurrency} shared, ${plan} plan, ${rate})`,
    );
    this.running = true;
    this.takeRows();
    // A failure is reported through `onRunFailed` (LeadBullWorker.run).
    void this.worker.run().catch(() => {});
    this.worker.waitUntilReady().then(
      (client) => {
        this.blockingClient = client;
      },
      () => {},
    );
  }

  /**
   * Stops taking the connection's rows, lets in-flight ones finish until `abortAt` (then aborts them: they go
   * back to the queue), and lets go of the connection's parts; every step ends by the steps' deadline.
   * Idempotent. The shared parts (Redis, heartbeat, metrics) are the process's to close.
   */
  close(steps: ShutdownSteps, abortAt: number): Promise<ConnectionCloseResult> {
    this.closing ??= (async () => {
      const startedAt = Date.now();
      await steps.run('control timers', () => {
        clearInterval(this.dailyCorrection);
        return this.control.close();
      });
      const abortTimer = setTimeout(
        () => {
          // No time given at all (Redis refuses the worker's password: nothing could end): the process says why.
          this.logger.warn(
            abortAt <= startedAt
              ? 'Aborting in-flight rows at once'
              : `In-flight rows did not finish within ${Math.round(abortAt - startedAt)} ms; aborting them (they go back to the queue)`,
          );
          this.shutdown.abort(new Error('Worker is shutting down'));
        },
        Math.max(0, abortAt - Date.now()),
      );
      const drained = await steps.run('drain in-flight rows', () => this.worker.close());
      clearTimeout(abortTimer);
      this.shutdown.abort(new Error('Worker is shutting down'));
      const stranded = drained ? 0 : this.inFlight + this.awaitingMove.size;
      this.shared.permits.forget(this.name);
      await steps.run('startup', () => this.ready.catch(() => {}));
      this.gate?.stop();
      await steps.run('rate limiter', () => this.limiter?.close());
      await steps.run('queues', () => this.queue.close());
      this.api.close?.();
      await steps.run('failing calls', () => this.failures.close());
      return { stranded };
    })();
    return this.closing;
  }

  /**
   * Lets go of Redis at once after a shutdown ran out of time: BullMQ is told not to move the jobs that end from
   * now on, and its blocking connection is dropped.
   */
  async abandon(): Promise<void> {
    // Not waited for long: on a Redis that does not answer, BullMQ's close may never end.
    await settlesWithin(
      this.worker.abandonRedis().catch(() => {}),
      100,
    );
    this.blockingClient?.disconnect();
  }
}

/**
 * How many chunk jobs of k rows a connection's BullMQ worker should take so that it holds `rows` rows and one
 * chunk more ({@link ConnectionWorker.takeRows}): the jobs it holds whose rows have not all ended (`rowsLeft`, one
 * figure a job), and enough chunks for the rows missing. A job whose rows all ended does not count: BullMQ fetches
 * the next job as it moves that one (when the jobs it holds, that one included, are no more than this).
 */
function chunkJobsToTake(
  rows: number,
  k: number,
  rowsLeft: ReadonlyMap<Job, number>,
  tookOutsideLoop: (job: Job) => boolean,
): number {
  let jobs = 0;
  let taken = 0;
  for (const [job, left] of rowsLeft) {
    // A job {@link LeadBullWorker.takeOne} took is not in BullMQ's count of its jobs: counting it here gave BullMQ's
    // loop room for one more fetch per such job, and each fetch raised the count again (a fairness run had all
    // 1,996 chunks of a 20,000-row import active within seconds, and a small import beside it never started).
    if (left > 0 && !tookOutsideLoop(job)) jobs++;
    taken += left;
  }
  return Math.max(1, jobs + Math.max(0, Math.ceil((rows + k - taken) / k)));
}

/** BullMQ's Worker, able to let go of Redis at once when a shutdown runs out of time. */
export class LeadBullWorker extends Worker<LeadJobData, LeadJobResult> {
  /**
   * Called once BullMQ is done with a job it took: moved (completed, failed, retried), or given up, with no
   * 'completed' or 'failed' event, because its lock was lost (another worker has the row) or Redis was let go.
   */
  onJobDone: (job: Job<LeadJobData, LeadJobResult>) => void = () => {};
  /**
   * Called when `run()` rejects: the worker has stopped taking jobs. Every run is watched, including the one
   * BullMQ's `resume()` starts itself without handling its failure.
   */
  onRunFailed: (err: unknown) => void = () => {};
  /** What {@link takeOne} took, from its fetch until the job is done. */
  private readonly extra = new Set<Promise<void>>();
  /** The jobs {@link takeOne} took (outside BullMQ's loop and its count of jobs in progress). */
  private readonly extraJobs = new WeakSet<Job<LeadJobData, LeadJobResult>>();
  private extraTokens = 0;
  private takesNoMore = false;

  /** Whether {@link takeOne} took `job` (BullMQ's loop does not count it among its jobs in progress). */
  tookOutsideLoop(job: Job): boolean {
    return this.extraJobs.has(job as Job<LeadJobData, LeadJobResult>);
  }

  override run(): Promise<void> {
    const running = super.run();
    running.catch((err: unknown) => this.onRunFailed(err));
    return running;
  }

  override async processJob(
    ...args: Parameters<Worker<LeadJobData, LeadJobResult>['processJob']>
  ): ReturnType<Worker<LeadJobData, LeadJobResult>['processJob']> {
    try {
      return await super.processJob(...args);
    } finally {
      this.onJobDone(args[0]);
    }
  }

  /**
   * Takes one job now, outside BullMQ's own loop, and processes it as BullMQ does (its lock tracked and renewed,
   * moved when it ends, without fetching the next one in the same step); resolves once the fetch is done: true if
   * a job came. BullMQ's loop fetches only when one of its jobs ends, and a chunk of rows ends with its slowest
   * row ({@link ConnectionWorker.takeRows}). The job counts in a close or pause as BullMQ's own jobs do.
   */
  takeOne(): Promise<boolean> {
    if (this.takesNoMore || this.closing || this.paused || !this.running) return Promise.resolve(false);
    const token = `${this.id}:x${this.extraTokens++}`;
    let fetched: (came: boolean) => void = () => {};
    const came = new Promise<boolean>((resolve) => {
      fetched = resolve;
    });
    const run = (async () => {
      let job: Job<LeadJobData, LeadJobResult> | undefined;
      try {
        job = await this.getNextJob(token, { block: false });
      } finally {
        fetched(job !== undefined);
      }
      if (job) {
        this.extraJobs.add(job);
        await this.processJob(job, token, () => false);
      }
    })().catch((err: unknown) => {
      this.emit('error', err as Error);
    });
    this.extra.add(run);
    void run.finally(() => this.extra.delete(run));
    return came;
  }

  /**
   * BullMQ's close waits for the jobs of its own loop before it stops renewing locks; the jobs {@link takeOne}
   * took are waited for first, with the loop paused (it takes nothing more meanwhile, and ends once its jobs
   * have). A forced close waits for none.
   */
  override async close(force = false): Promise<void> {
    this.takesNoMore = true;
    if (!force && !this.closing && this.extra.size > 0) {
      await this.pause(true);
      while (this.extra.size > 0) await Promise.allSettled([...this.extra]);
    }
    return super.close(force);
  }

  /**
   * Marks the worker's connection closed (ours is shared, so it stays open until we drop it) so
   * that jobs ending from now on are not moved in Redis: on a dropped connection BullMQ 5.81 would
   * retry the move without a pause, for ever, while closing (`retryIfFailed`), and starve the
   * event loop. An abandoned job stays active until its lock expires; its checkpoints and the
   * ledger make the next run of it safe.
   *
   * Its timers stop too: BullMQ stops them at the end of its close, after the in-flight jobs, which a Redis that is
   * gone never lets end; the lock renewal re-arms itself every `lockDuration / 4` until then, and kept the process
   * of a worker whose Redis was killed running after its shutdown (2 runs in 10).
   */
  abandonRedis(): Promise<void> {
    void this.lockManager.close();
    (this as unknown as { stalledCheckStopper?: () => void }).stalledCheckStopper?.();
    // Its blocking connection too, even one never ready (Redis not reached at start): forced, it is dropped, not
    // quit, which would wait for Redis. Ours (`connection`) is shared and only marked closed.
    const blocking = (this as unknown as { blockingConnection?: { close(force: boolean): Promise<void> } })
      .blockingConnection;
    void blocking?.close(true).catch(() => {});
    return this.connection.close(true);
  }
}
