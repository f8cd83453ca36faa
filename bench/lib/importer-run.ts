/**
 * One import through this importer as an operator runs it: N `lead-importer worker` processes
 * and one `lead-importer import FILE` process against a Redis and a Pipedrive (the sandbox).
 * Measures the wall time from starting the producer to the last row's outcome, and the CPU and
 * peak RSS of every process from /proc.
 */

import type { Redis } from 'ioredis';
import { ImportLedger, type ImportRecord } from '../../src/queue/ledger.js';
import { type CliProcess, spawnCli } from './cli-process.js';
import { type ProcSampler, readProcStats, type SampledProcess } from './proc-stats.js';
import { benchRedis, type RedisMemory, redisMemory } from './redis-stats.js';

export interface ImporterRunOptions {
  csvPath: string;
  redisUrl: string;
  /**
   * The client to poll the import's record with (the caller's, to count its commands apart from the importer's,
   * `countSent`); a client of its own (closed at the end) when not given.
   */
  pollRedis?: Redis;
  /** Key prefix of this run (a fresh one per run keeps runs apart in one Redis). */
  prefix: string;
  sandboxUrl: string;
  apiToken?: string;
  /** PIPEDRIVE_PLAN of the workers. @defaultValue 'growth' */
  plan?: string;
  workers: number;
  /** `--concurrency` of each worker. @defaultValue the worker's default (8) */
  concurrency?: number;
  /** Extra flags for `lead-importer worker`. */
  workerArgs?: string[];
  /**
   * Run every process as shipped (`bin/lead-importer.js` → dist/) rather than from src/ through
   * tsx, whose start-up compiles TypeScript. The caller builds dist/ first. @defaultValue false
   */
  built?: boolean;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** Workers, the producer and others are added to it (CPU counted from the producer's start). */
  sampler: ProcSampler;
  /** @defaultValue `bench-<time>` */
  importId?: string;
  /** How often the ledger is polled for the end, in ms. @defaultValue 200 */
  pollMs?: number;
  /** Called after every poll. */
  onProgress?: (record: ImportRecord, elapsedMs: number) => void;
  /** Give up after this long, in ms. @defaultValue 30 minutes */
  timeoutMs?: number;
  /**
   * Fail when no row reached an outcome for this long, in ms (a worker waiting for budget, a
   * bug), instead of waiting for `timeoutMs`. @defaultValue 120,000
   */
  stallMs?: number;
  /** Sample `INFO memory` while the import runs, for the peak. @defaultValue false */
  watchRedisMemory?: boolean;
}

export interface ImporterRunResult {
  importId: string;
  /** Producer start → every row created, dead-lettered or cancelled. */
  wallMs: number;
  /** Producer start → producer exit (every row enqueued). */
  enqueueMs: number;
  /** `Date.now()` when the producer was started (to cut request logs to the import). */
  startedAtEpochMs: number;
  /** Worker start → all of them said they are processing (not part of wallMs). */
  workerStartMs: number;
  record: ImportRecord;
  /** The producer's `--json` summary. */
  producerSummary: Record<string, unknown>;
  producerExitCode: number | string;
  workers: SampledProcess[];
  producer: SampledProcess;
  /** Highest `used_memory` seen while the import ran (when watched). */
  redisPeak?: RedisMemory;
}

/** Starts the workers, waits until each processes the queue, runs the producer, waits for the end. */
export async function runImporter(options: ImporterRunOptions): Promise<ImporterRunResult> {
  const env = {
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    PIPEDRIVE_BASE_URL: options.sandboxUrl,
    PIPEDRIVE_API_TOKEN: options.apiToken ?? 'sandbox-token',
    PIPEDRIVE_PLAN: options.plan ?? 'growth',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const importId = options.importId ?? `bench-${Date.now()}`;
  const workerArgs = [
    ...(options.concurrency ? ['--concurrency', String(options.concurrency)] : []),
    ...(options.workerArgs ?? []),
  ];
  const workers: CliProcess[] = [];
  const redis = options.pollRedis ?? benchRedis(options.redisUrl);
  const ledger = new ImportLedger(redis, options.prefix);
  try {
    const workerStartedAt = performance.now();
    for (let i = 0; i < options.workers; i++) {
      workers.push(
        spawnCli(['worker', ...workerArgs], { name: `worker-${i + 1}`, env, built: options.built ?? false }),
      );
    }
    await Promise.all(workers.map((w) => w.waitForLine(/processing lead-import/, 120_000)));
    const workerStartMs = performance.now() - workerStartedAt;
    for (const w of workers) options.sampler.add(w.name, w.pid);
    options.sampler.resetCpu();

    const startedAt = performance.now();
    const startedAtEpochMs = Date.now();
    const producer = spawnCli(['import', options.csvPath, '--import-id', importId, '--json'], {
      name: 'producer',
      env,
      built: options.built ?? false,
    });
    options.sampler.add('producer', producer.pid);
    // The producer may exit before the sampler's next tick: keep its last figures.
    let producerLast: SampledProcess = { name: 'producer', pid: producer.pid, cpuMs: 0, peakRssBytes: 0 };
    const producerBase = readProcStats(producer.pid)?.cpuMs ?? 0;
    const producerWatch = setInterval(() => {
      const s = readProcStats(producer.pid);
      if (s) {
        producerLast = {
          ...producerLast,
          cpuMs: s.cpuMs - producerBase,
          peakRssBytes: Math.max(producerLast.peakRssBytes, s.peakRssBytes),
        };
      }
    }, 100);
    let enqueueMs = 0;
    const producerExit = producer.exited.then((code) => {
      enqueueMs = performance.now() - startedAt;
      clearInterval(producerWatch);
      return code;
    });

    let redisPeak: RedisMemory | undefined;
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    let record: ImportRecord | null = null;
    let producerDone = false;
    let lastDone = -1;
    let lastChangeAt = Date.now();
    void producerExit.then(() => {
      producerDone = true;
    });
    for (;;) {
      record = await ledger.getImport(importId);
      if (options.watchRedisMemory) {
        const mem = await redisMemory(redis);
        if (!redisPeak || mem.usedBytes > redisPeak.usedBytes) redisPeak = mem;
      }
      if (record) options.onProgress?.(record, performance.now() - startedAt);
      const finished =
        record !== null &&
        (record.state === 'completed' ||
          record.state === 'cancelled' ||
          (record.state === 'enqueued' && record.pending === 0));
      if (finished) break;
      if (producerDone && record === null) {
        throw new Error(
          `the producer exited without creating import ${importId}:\n${producer.lines.join('\n')}`,
        );
      }
      if (producerDone && record?.state === 'failed') {
        throw new Error(`import ${importId} failed: ${record.error}\n${producer.lines.join('\n')}`);
      }
      const done = (record?.created ?? 0) + (record?.deadLettered ?? 0);
      if (done !== lastDone) {
        lastDone = done;
        lastChangeAt = Date.now();
      } else if (Date.now() - lastChangeAt > (options.stallMs ?? 120_000)) {
        const control = await redis.hgetall(`${options.prefix}:control`);
        throw new Error(
          `import ${importId} stalled at ${done} rows done; control flags ${JSON.stringify(control)}; ` +
            `last worker lines:\n${workers.flatMap((w) => w.lines.slice(-5)).join('\n')}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`import ${importId} did not finish in time`);
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
    }
    const wallMs = performance.now() - startedAt;
    options.sampler.sample();
    const producerExitCode = await producerExit;
    let producerSummary: Record<string, unknown> = {};
    try {
      const line = producer
        .stdout()
        .split('\n')
        .find((l) => l.startsWith('{'));
      producerSummary = line ? (JSON.parse(line) as Record<string, unknown>) : {};
    } catch {
      // A summary that does not parse is reported as empty; the ledger record is the truth.
    }
    const sampled = options.sampler.results();
    const fromSampler = sampled.find((p) => p.pid === producer.pid);
    const producerStats: SampledProcess = {
      ...producerLast,
      peakRssBytes: Math.max(producerLast.peakRssBytes, fromSampler?.peakRssBytes ?? 0),
      cpuMs: Math.max(producerLast.cpuMs, fromSampler?.cpuMs ?? 0),
    };
    return {
      importId,
      wallMs,
      enqueueMs,
      startedAtEpochMs,
      workerStartMs,
      record: record!,
      producerSummary,
      producerExitCode,
      workers: sampled.filter((p) => workers.some((w) => w.pid === p.pid)),
      producer: producerStats,
      ...(redisPeak ? { redisPeak } : {}),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop('SIGTERM', 30_000)));
    if (!options.pollRedis) await redis.quit();
  }
}
