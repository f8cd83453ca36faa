import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { burstLimitPer2s, dailyTokenBudget } from '../config/config.js';
import { type Logger, silentLogger } from '../logging/logger.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import { PipedriveClient, type PipedriveClientOptions } from '../pipedrive/client.js';
import { isAuthError, isPaymentRequiredError, isRateLimitError, isRetryable } from '../pipedrive/errors.js';
import type { Operation, PipedriveApi, RateLimitInfo, ResponseEvent } from '../pipedrive/types.js';
import { createRedis, redactRedisUrl } from '../queue/connection.js';
import type { DeadLetterJobData } from '../queue/dead-letter.js';
import { DurableWrites } from '../queue/durable-writes.js';
import type { LeadJobData, LeadJobResult } from '../queue/job-data.js';
import { ImportLedger } from '../queue/ledger.js';
import { DLQ_QUEUE, keysFor, LEAD_QUEUE } from '../queue/names.js';
import { RedisEpoch } from '../queue/redis-epoch.js';
import { AdoptionBook } from './adoption-book.js';
import { parseResetUtc } from './budget-day.js';
import { BudgetGovernor } from './budget-governor.js';
import { publishBudget } from './budget-reader.js';
import { CacheWarmer } from './cache-warmer.js';
import { type CallLimiter, callLimiterId, createCallLimiter, unlimitedCallLimiter } from './call-limiter.js';
import { ContactCache } from './contact-cache.js';
import { ContactFiller } from './contact-filler.js';
import { ContactResolver } from './contact-resolver.js';
import { DeadLetterWriter } from './dead-letter-writer.js';
import { DurabilityGate } from './durability-gate.js';
import { EpochReconciler } from './epoch-reconciler.js';
import { Heartbeat } from './heartbeat.js';
import { KeyLocks } from './key-lock.js';
import { LeadWriter } from './lead-writer.js';
import { NoteWriter } from './note-writer.js';
import { DEFAULT_RATE_LIMIT_MARGIN, DEFAULT_RETRY, type LeadWorkerOptions } from './options.js';
import { type CallContext, PipedriveGateway, rateLimitKind } from './pipedrive-gateway.js';
import { type ProbeResult, ProcessingControl } from './processing-control.js';
import { createLeadProcessor, type LeadProcessor } from './processor.js';
import { RowLeases } from './row-lease.js';
import { sleep } from './sleep.js';

export { type BudgetReading, readBudget } from './budget-reader.js';
export { tokenFingerprint } from './call-limiter.js';
export { type ControlState, describeControl, readControl } from './control.js';
export { recentWorkers } from './heartbeat.js';
export type { LeadWorkerOptions, RetryOptions, WarmCacheMode } from './options.js';
export { DEFAULT_RETRY } from './options.js';

export interface LeadWorker {
  /** The BullMQ worker on `lead-import` (runs once the token is known to work). */
  readonly worker: Worker<LeadJobData, LeadJobResult>;
  readonly workerId: string;
  /** Resolves when the worker takes jobs: after `/users/me` accepted the token. */
  readonly ready: Promise<void>;
  /**
   * Stops taking jobs, lets in-flight rows finish (aborting them near the end of `drainTimeoutMs`;
   * they go back to the queue), and closes every connection, all within `drainTimeoutMs` whatever
   * Redis does: a step that hangs is cut at the deadline and the connections are dropped.
   * Idempotent; runs every step even if one fails.
   */
  close(): Promise<WorkerCloseResult>;
}

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

/**
 * Resolves once `redis` is ready, however long Redis is down: a worker that a supervisor starts
 * during a Redis restart must survive it as a running worker does (the worker connection
 * reconnects forever). Says once that it waits, naming the URL without its password.
 */
function connectPatiently(redis: Redis, url: string, logger: Logger): Promise<void> {
  const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  redis.connect().catch((err: unknown) => {
    logger.warn(
      { reason: err instanceof Error ? err.message : String(err) },
      `Cannot reach Redis at ${redactRedisUrl(url)} yet; waiting for it`,
    );
  });
  return ready;
}

/**
 * `createLeadWorker(options)`: the long-running worker on the `lead-import` queue. It checks
 * the token with `GET /v1/users/me` (which also names the company whose budget and caches it
 * uses), then processes rows until {@link LeadWorker.close}.
 */
export function createLeadWorker(options: LeadWorkerOptions): LeadWorker {
  const prefix = options.prefix ?? 'lpi';
  const logger = (options.logger ?? silentLogger).child({ component: 'worker' });
  const workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const plan = options.plan ?? 'lite';
  const auth = options.auth ?? 'api_token';
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const edgeBlockBackoffMs = options.edgeBlockBackoffMs ?? 60_000;
  const clockSkewMs = options.clockSkewMs ?? 60_000;
  const resetOffsetMs = parseResetUtc(options.budgetResetUtc ?? '00:00');
  const concurrency = options.concurrency ?? 8;
  const lockDurationMs = options.lockDurationMs ?? 30_000;

  // Declared first: connecting (below) already listens to it.
  const shutdown = new AbortController();
  // Every in-flight job links its own signal to this one (processor.ts), plus a few waits: no leak.
  setMaxListeners(concurrency + 10, shutdown.signal);
  const redis: Redis = options.redis
    ? options.redis.duplicate({ maxRetriesPerRequest: null })
    : createRedis(options.redisUrl, 'worker');
  // Connect before BullMQ sees the client: it waits for a connecting client to become ready, but
  // gives up for good on one whose first connect() fails (Redis down or restarting at start).
  const connected = options.redis ? Promise.resolve() : connectPatiently(redis, options.redisUrl, logger);
  const ledger = new ImportLedger(redis, prefix);
  const locks = new KeyLocks(redis);
  const metrics = new MetricsRecorder(redis, prefix);
  const queue = new Queue(LEAD_QUEUE, { connection: redis, prefix });
  const dlq = new Queue<DeadLetterJobData>(DLQ_QUEUE, { connection: redis, prefix });
  const deadLetters = new DeadLetterWriter(dlq, ledger);
  const leases = new RowLeases({ redis, prefix, workerId, ttlMs: lockDurationMs });
  const durable = new DurableWrites(redis, keysFor(prefix).durableTick, {
    mode: options.intentDurability ?? 'auto',
    replicas: options.intentReplicas ?? 0,
    timeoutMs: options.intentDurabilityTimeoutMs ?? 1000,
  });
  let gate: DurabilityGate | undefined;
  const heartbeat = new Heartbeat({
    redis,
    prefix,
    workerId,
    intervalMs: options.heartbeatIntervalMs ?? 5000,
    onError: (err) => logger.warn({ err }, 'Heartbeat failed'),
  });

  let governor: BudgetGovernor | undefined;
  let limiter: CallLimiter | undefined;
  let processor: LeadProcessor | undefined;
  const lastRateLimit = new Map<Operation, RateLimitInfo>();

  const onResponse = (event: ResponseEvent) => {
    // Rejected calls (429) are assumed free; everything else is charged in metrics as in the governor.
    metrics.recordCall(
      event.operation,
      event.status,
      event.durationMs,
      event.status === 429 ? 0 : event.tokenCost,
    );
    lastRateLimit.set(event.operation, event.rateLimit);
    if (event.rateLimit.limit !== undefined && !event.operation.endsWith('.search') && event.status !== 429) {
      limiter?.observeLimit(event.rateLimit.limit);
    }
    if (event.rateLimit.dailyTokenRemaining !== undefined) latestDaily = event.rateLimit;
  };
  // The daily-token headers come with every response; correcting the count once a second is
  // plenty (the count only ever goes up from them) and saves a Redis round trip per call.
  let latestDaily: RateLimitInfo | undefined;
  const dailyCorrection = setInterval(() => {
    const info = latestDaily;
    latestDaily = undefined;
    if (info && governor) {
      governor.observe(info).catch((err: unknown) => logger.debug({ err }, 'Budget correction failed'));
    }
  }, 1000);
  dailyCorrection.unref();
  const clientOptions: PipedriveClientOptions = { ...options.pipedrive, onResponse };
  const api: PipedriveApi = options.createClient
    ? options.createClient(clientOptions)
    : new PipedriveClient(clientOptions);

  // Rows whose processing has not ended, for the shutdown's account of what it handed back.
  let inFlight = 0;
  const worker = new LeadBullWorker(
    LEAD_QUEUE,
    async (job, token, signal) => {
      if (!processor) throw new Error('Worker processed a job before it was ready');
      inFlight++;
      try {
        return await processor(job, token, signal);
      } finally {
        inFlight--;
      }
    },
    {
      connection: redis,
      prefix,
      concurrency,
      autorun: false,
      // BullMQ honours `queue.rateLimit(ms)` only when a limiter is set; this one never limits by
      // itself (spacing is bottleneck's job), it only lets 429 pauses and budget waits hold the queue.
      limiter: { max: 1_000_000_000, duration: 1000 },
      maximumRateLimitDelay: options.controlPollMs ? Math.max(1000, options.controlPollMs * 2) : 5000,
      lockDuration: lockDurationMs,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      // A row whose worker died is safe to run again (checkpoints, intents), so a row is never
      // failed for stalling: a failure there would bypass the dead-letter queue.
      maxStalledCount: 1000,
      name: workerId,
    },
  );
  worker.on('error', (err) => logger.error({ err }, 'Worker error'));
  // Row leases live and die with the job locks: renewed when BullMQ renews them, lost with them.
  worker.on('locksRenewed', ({ jobIds }) => {
    leases.renew(jobIds).catch((err: unknown) => logger.warn({ err }, 'Could not renew row leases'));
  });
  worker.on('lockRenewalFailed', (jobIds) => leases.lost(jobIds));

  const probe = async (): Promise<ProbeResult> => {
    try {
      const ctx: CallContext = { tokens: 0, signal: shutdown.signal };
      if (gateway) {
        await gateway.call('users.me', ctx, (o) => api.getCurrentUser(o), { force: true, retry: false });
      } else {
        await api.getCurrentUser({ signal: shutdown.signal });
      }
      return { ok: true, info: lastRateLimit.get('users.me') ?? {} };
    } catch (error) {
      return { ok: false, info: lastRateLimit.get('users.me') ?? {}, error };
    }
  };
  let gateway: PipedriveGateway | undefined;
  let running = false;

  const control = new ProcessingControl({
    redis,
    prefix,
    queue,
    governor: () => governor,
    locks,
    logger,
    probe,
    onLocalBlock: async (blocked) => {
      // Before the worker runs, `identify()` holds it back; BullMQ's resume() would start it.
      if (!running) return;
      if (blocked) await worker.pause(true);
      else worker.resume();
    },
    budgetProbeIntervalMs: options.budgetProbeIntervalMs ?? 5 * 60_000,
    authProbeIntervalMs: options.authProbeIntervalMs ?? 60_000,
    controlPollMs: options.controlPollMs ?? 2000,
  });

  /** Checks the token until it works (a 401 blocks everything meanwhile); returns the company. */
  async function identify(): Promise<string> {
    for (let n = 1; ; n++) {
      try {
        const me = await api.getCurrentUser({ signal: shutdown.signal });
        return `c${me.company_id}`;
      } catch (err) {
        if (shutdown.signal.aborted) throw err;
        if (isAuthError(err) || isPaymentRequiredError(err)) {
          if (!control.isLocallyBlocked)
            await control.blockForAuth(err, isAuthError(err) ? 'auth' : 'payment');
          await sleep(options.authProbeIntervalMs ?? 60_000, shutdown.signal);
        } else if (isRateLimitError(err)) {
          // A spent daily budget or a full burst window must not end the process: a restarted
          // worker would crash-loop until the budget day turns. Wait as running workers do.
          const daily = rateLimitKind(err) === 'daily';
          logger.warn(
            { err },
            daily
              ? 'The daily budget is spent; starting once it is back'
              : 'Rate-limited at start; trying again',
          );
          await sleep(
            daily ? (options.budgetProbeIntervalMs ?? 5 * 60_000) : Math.max(1000, err.retryAfterMs),
            shutdown.signal,
          );
        } else if (isRetryable(err)) {
          logger.warn({ err }, 'Cannot reach Pipedrive yet; trying again');
          await sleep(Math.min(30_000, 500 * 2 ** Math.min(n, 6)), shutdown.signal);
        } else {
          throw err;
        }
      }
    }
  }

  async function start(): Promise<void> {
    await Promise.race([
      connected,
      new Promise<never>((_, reject) =>
        shutdown.signal.addEventListener('abort', () => reject(shutdown.signal.reason), { once: true }),
      ),
    ]);
    await heartbeat.start();
    const companyKey = await identify();
    governor = new BudgetGovernor({
      redis,
      prefix,
      companyKey,
      dailyTokens: options.dailyTokens ?? dailyTokenBudget(plan, 1),
      reserve: options.budgetReserve ?? 0.1,
      resetOffsetMs,
    });
    await publishBudget(redis, prefix, {
      companyKey,
      dailyTokens: options.dailyTokens ?? dailyTokenBudget(plan, 1),
      reserve: options.budgetReserve ?? 0.1,
      resetUtc: options.budgetResetUtc ?? '00:00',
    });
    limiter =
      options.rateLimit === false
        ? unlimitedCallLimiter()
        : await createCallLimiter({
            redis,
            id: callLimiterId(prefix, options.pipedrive),
            burstLimit: burstLimitPer2s(plan, auth),
            margin: options.rateLimitMargin ?? DEFAULT_RATE_LIMIT_MARGIN,
            prefix,
            onError: (err) => logger.warn({ err }, 'Rate limiter error'),
          });
    gateway = new PipedriveGateway({ governor, limiter, retry, edgeBlockBackoffMs });
    const cache = new ContactCache(redis, prefix, companyKey);
    const warmer = new CacheWarmer({
      redis,
      prefix,
      companyKey,
      api,
      gateway,
      cache,
      locks,
      ledger,
      mode: options.warmCache ?? 'auto',
      freshnessMs: options.cacheFreshnessMs ?? 60_000,
      clockSkewMs,
      logger,
    });
    const resolver = new ContactResolver({
      redis,
      prefix,
      companyKey,
      api,
      gateway,
      cache,
      warmer,
      locks,
      createRetries: retry.callRetries,
      clockSkewMs,
      lockTtlMs: options.contactLockTtlMs ?? 30_000,
    });
    const leadWriter = new LeadWriter({ api, gateway, createRetries: retry.callRetries, clockSkewMs });
    const noteWriter = new NoteWriter({ api, gateway, createRetries: retry.callRetries });
    const filler = new ContactFiller({ redis, prefix, companyKey, api, gateway, locks });
    const adoption = new AdoptionBook(redis, prefix, companyKey, options.adoptionTtlMs ?? 24 * 3_600_000);
    gate = new DurabilityGate({
      redis,
      prefix,
      companyKey,
      epoch: new RedisEpoch(redis, prefix),
      reconciler: new EpochReconciler({ api, gateway, warmer, adoption }),
      locks,
      logger,
      marginMs: options.epochMarginMs ?? clockSkewMs,
      adoptionTtlMs: options.adoptionTtlMs ?? 24 * 3_600_000,
      markIntervalMs: options.durableMarkIntervalMs ?? 1000,
      signal: shutdown.signal,
    });
    // Before any row: a Redis that came back from a crash is reconciled first.
    await gate.start();
    await describeDurability();
    processor = createLeadProcessor({
      redis,
      ledger,
      resolver,
      leadWriter,
      noteWriter,
      filler,
      warmer,
      deadLetters,
      control,
      metrics,
      logger,
      maxRateLimitRequeues: options.maxRateLimitRequeues ?? 50,
      edgeBlockBackoffMs,
      shutdownSignal: shutdown.signal,
      leases,
      gate,
      durable,
      adoption,
      inFlightWindowMs: options.inFlightWindowMs ?? (options.pipedrive.timeoutMs ?? 30_000) + 1000,
    });
    // A worker whose token works lifts a block another worker's rejected token set.
    await control.clearAuthBlock();
    control.start();
    logger.info(
      { workerId, concurrency, plan, auth, companyKey, rateLimit: options.rateLimit !== false },
      `Worker ${workerId} processing ${LEAD_QUEUE} (concurrency ${concurrency}, ${plan} plan, ${
        limiter.callsPerWindow === Number.POSITIVE_INFINITY
          ? 'no rate limit'
          : `${limiter.callsPerWindow} calls per 2 s`
      })`,
    );
    running = true;
    void worker.run().catch((err: unknown) => logger.error({ err }, 'Worker stopped with an error'));
    // BullMQ's own blocking connection, so a shutdown that Redis does not answer can drop it too.
    worker.waitUntilReady().then(
      (client) => {
        blockingClient = client;
      },
      () => {},
    );
  }
  let blockingClient: { disconnect(): void } | undefined;

  /** Says once how intents are protected on this Redis, so an operator can see what a machine crash would cost. */
  async function describeDurability(): Promise<void> {
    try {
      const [support, plan] = await Promise.all([durable.detect(), durable.plan()]);
      const fsync = support.appendfsync ?? 'unknown';
      logger.info(
        { ...support, intentDurability: plan },
        plan === 'none'
          ? `Intents: AOF ${support.aof ? `on (appendfsync ${fsync})` : 'off'}, ${support.waitaof ? 'WAITAOF not used' : 'no WAITAOF (Redis < 7.2)'}; a Redis that comes back without its last writes is reconciled with Pipedrive before anything is created`
          : `Intents: made durable with ${plan === 'waitaof' ? 'WAITAOF' : 'WAIT'} before each create (AOF ${support.aof ? `on, appendfsync ${fsync}` : 'off'})`,
      );
    } catch (err) {
      logger.debug({ err }, 'Could not ask Redis what durability it offers');
    }
  }

  const ready = start();
  ready.catch((err: unknown) => {
    if (!shutdown.signal.aborted) logger.error({ err }, 'Worker could not start');
  });

  let closing: Promise<WorkerCloseResult> | undefined;
  function close(): Promise<WorkerCloseResult> {
    closing ??= (async () => {
      const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
      const startedAt = Date.now();
      const deadline = startedAt + drainTimeoutMs;
      // The end of the drain timeout (5 s, or a third of a short one) is kept for aborted rows to
      // go back to the queue and for the connections to close.
      const abortAt = deadline - Math.min(5_000, drainTimeoutMs / 3);
      const failed: unknown[] = [];
      const cut: string[] = [];
      /**
       * Runs one step and waits for it until the deadline at most. Every step runs, even past the
       * deadline (its synchronous part stops timers), but none is waited for then: BullMQ's
       * close, a queue's close or `quit` wait for Redis, which may never answer.
       */
      const step = async (what: string, fn: () => Promise<unknown> | unknown): Promise<boolean> => {
        try {
          const done = await settlesWithin(fn(), deadline - Date.now());
          if (!done) cut.push(what);
          return done;
        } catch (err) {
          failed.push(err);
          logger.warn({ err }, `Shutdown step failed: ${what}`);
          return true;
        }
      };
      await step('control timers', () => {
        clearInterval(dailyCorrection);
        return control.close();
      });
      const abortTimer = setTimeout(
        () => {
          logger.warn(
            `In-flight rows did not finish within ${abortAt - startedAt} ms; aborting them (they go back to the queue)`,
          );
          shutdown.abort(new Error('Worker is shutting down'));
        },
        Math.max(0, abortAt - Date.now()),
      );
      const drained = await step('drain in-flight rows', () => worker.close());
      clearTimeout(abortTimer);
      shutdown.abort(new Error('Worker is shutting down'));
      const stranded = drained ? 0 : inFlight;
      await step('startup', () => ready.catch(() => {}));
      gate?.stop();
      await step('heartbeat', () => heartbeat.stop());
      await step('durable writes', () => durable.close());
      await step('rate limiter', () => limiter?.close());
      await step('metrics', () => metrics.close());
      await step('queues', () => Promise.all([queue.close(), dlq.close()]));
      await step('redis', () => redis.quit());
      if (cut.length) {
        // Nothing may keep the process alive now: drop the sockets and their reconnect timers, and
        // first tell BullMQ not to move the jobs that end when their Redis calls fail.
        await settlesWithin(
          worker.abandonRedis().catch(() => {}),
          100,
        );
        redis.disconnect();
        blockingClient?.disconnect();
        if (stranded > 0) {
          logger.error(
            { stranded, cutShort: cut, drainTimeoutMs },
            `Shutdown: ${stranded} in-flight row${stranded === 1 ? '' : 's'} could not be handed back: Redis did not answer within the ${drainTimeoutMs} ms drain timeout. They stay locked until their lock expires, then another worker resumes them from their checkpoints.`,
          );
        } else {
          logger.warn(
            { cutShort: cut, drainTimeoutMs },
            `Shutdown: Redis did not answer within the ${drainTimeoutMs} ms drain timeout; connections dropped (no row was in flight)`,
          );
        }
      }
      if (failed.length) logger.warn({ failures: failed.length }, 'Worker closed with errors');
      return { handedBack: stranded === 0, stranded };
    })();
    return closing;
  }

  return { worker, workerId, ready, close };
}

/** BullMQ's Worker, able to let go of Redis at once when a shutdown runs out of time. */
class LeadBullWorker extends Worker<LeadJobData, LeadJobResult> {
  /**
   * Marks the worker's connection closed (ours is shared, so it stays open until we drop it) so
   * that jobs ending from now on are not moved in Redis: on a dropped connection BullMQ 5.81 would
   * retry the move without a pause, for ever, while closing (`retryIfFailed`), and starve the
   * event loop. An abandoned job stays active until its lock expires; its checkpoints and the
   * ledger make the next run of it safe.
   */
  abandonRedis(): Promise<void> {
    return this.connection.close(true);
  }
}

/** Whether `work` settles within `ms` (a rejection counts as settled and is thrown). */
async function settlesWithin(work: unknown, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([Promise.resolve(work).then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
