import { type Metric, Registry } from 'prom-client';
import { LATENCY_BUCKETS_MS, readMetrics } from '../metrics/recorder.js';
import type { OpsContext } from '../ops/ops-context.js';
import { DLQ_QUEUE, LEAD_QUEUE } from '../queue/names.js';
import { countLiveWorkers } from './health.js';

type Labels = Record<string, string | number>;
interface Sample {
  metricName?: string;
  labels: Labels;
  value: number;
}
interface Snapshot {
  counters: Record<string, number>;
  jobs: Record<string, Record<string, number>>;
  paused: boolean;
  blocked: boolean;
  workers: number;
  budget: { limit: number; left: number } | null;
}

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'completed', 'failed'] as const;

/**
 * A metric family computed from one Redis snapshot per scrape. prom-client's own Counter and
 * Histogram keep values in this process; ours live in Redis, written by every worker process
 * (see MetricsRecorder), so each scrape reads the sums instead — nothing to reset, no state
 * shared between concurrent scrapes.
 */
class SnapshotMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    private readonly load: () => Promise<Snapshot>,
    private readonly samples: (s: Snapshot) => Sample[],
  ) {}

  async get() {
    const snapshot = await this.load();
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.samples(snapshot),
    };
  }
}

/** Counters from the recorder's hash whose field starts with `head|`, split into label values. */
function fieldSamples(counters: Record<string, number>, head: string, labelNames: string[]): Sample[] {
  const out: Sample[] = [];
  for (const [field, value] of Object.entries(counters)) {
    const parts = field.split('|');
    if (parts[0] !== head || parts.length !== labelNames.length + 1) continue;
    out.push({ labels: Object.fromEntries(labelNames.map((l, i) => [l, parts[i + 1]!])), value });
  }
  return out.sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
}

/**
 * The `/metrics` registry. Everything is read from Redis on scrape, so the numbers are the sums
 * over all worker processes on all machines and survive restarts; scrape any one dashboard.
 */
export function createMetricsRegistry(ctx: OpsContext, workerFreshMs: number): Registry {
  const registry = new Registry();
  // One Redis round of reads per scrape, shared by every family of that scrape.
  let pending: Promise<Snapshot> | undefined;
  const load = () => {
    pending ??= takeSnapshot(ctx, workerFreshMs).finally(() => {
      setImmediate(() => {
        pending = undefined;
      });
    });
    return pending;
  };
  const add = (
    name: string,
    help: string,
    type: 'counter' | 'gauge' | 'histogram',
    samples: (s: Snapshot) => Sample[],
  ) => registry.registerMetric(new SnapshotMetric(name, help, type, load, samples) as unknown as Metric);

  add('lead_importer_queue_jobs', 'Jobs per queue and state.', 'gauge', (s) =>
    Object.entries(s.jobs).flatMap(([queue, counts]) =>
      JOB_STATES.map((state) => ({ labels: { queue, state }, value: counts[state] ?? 0 })),
    ),
  );
  add('lead_importer_queue_paused', '1 while processing is paused for every worker.', 'gauge', (s) => [
    { labels: {}, value: s.paused ? 1 : 0 },
  ]);
  add(
    'lead_importer_blocked',
    '1 while workers are blocked on an error a person must fix (e.g. a rejected token).',
    'gauge',
    (s) => [{ labels: {}, value: s.blocked ? 1 : 0 }],
  );
  add('lead_importer_workers', 'Worker processes seen within the freshness window.', 'gauge', (s) => [
    { labels: {}, value: s.workers },
  ]);
  add('lead_importer_leads_created_total', 'Leads created in Pipedrive.', 'counter', (s) => [
    { labels: {}, value: s.counters['outcome|created'] ?? 0 },
  ]);
  add(
    'lead_importer_rows_rejected_total',
    'CSV rows rejected by validation (never enqueued).',
    'counter',
    (s) => [{ labels: {}, value: s.counters['outcome|rejected'] ?? 0 }],
  );
  add('lead_importer_rows_dead_lettered_total', 'Rows moved to the dead-letter queue.', 'counter', (s) => [
    { labels: {}, value: s.counters['outcome|deadLettered'] ?? 0 },
  ]);
  add(
    'lead_importer_contacts_total',
    'Persons and organizations: created, reused, or reused and filled (--update-contacts fill-empty).',
    'counter',
    (s) =>
      (
        [
          ['person', 'created', 'personCreated'],
          ['person', 'reused', 'personReused'],
          ['organization', 'created', 'organizationCreated'],
          ['organization', 'reused', 'organizationReused'],
          ['person', 'filled', 'personFilled'],
          ['organization', 'filled', 'organizationFilled'],
        ] as const
      ).map(([kind, result, field]) => ({
        labels: { kind, result },
        value: s.counters[`outcome|${field}`] ?? 0,
      })),
  );
  add(
    'lead_importer_pipedrive_calls_total',
    'Pipedrive API calls by operation and HTTP status (0: no response).',
    'counter',
    (s) => fieldSamples(s.counters, 'calls', ['operation', 'status']),
  );
  add('lead_importer_pipedrive_rate_limited_total', 'Pipedrive 429 answers by scope.', 'counter', (s) =>
    fieldSamples(s.counters, 'rate_limited', ['scope']),
  );
  add(
    'lead_importer_pipedrive_tokens_spent_total',
    'Daily-budget tokens spent, by operation.',
    'counter',
    (s) => fieldSamples(s.counters, 'tokens', ['operation']),
  );
  add('lead_importer_budget_tokens_limit', 'Tokens this tool may spend per budget day.', 'gauge', (s) =>
    s.budget ? [{ labels: {}, value: s.budget.limit }] : [],
  );
  add('lead_importer_budget_tokens_left', 'Tokens left in the current budget day.', 'gauge', (s) =>
    s.budget ? [{ labels: {}, value: s.budget.left }] : [],
  );
  add(
    'lead_importer_pipedrive_call_duration_seconds',
    'Pipedrive call latency by operation.',
    'histogram',
    (s) => latencySamples(s.counters),
  );
  return registry;
}

const HISTOGRAM = 'lead_importer_pipedrive_call_duration_seconds';

function latencySamples(counters: Record<string, number>): Sample[] {
  const operations = new Set<string>();
  for (const field of Object.keys(counters)) {
    const [head, operation] = field.split('|');
    if (head === 'latency' && operation) operations.add(operation);
  }
  const out: Sample[] = [];
  for (const operation of [...operations].sort()) {
    for (const le of LATENCY_BUCKETS_MS) {
      out.push({
        metricName: `${HISTOGRAM}_bucket`,
        labels: { operation, le: le / 1000 },
        value: counters[`latency|${operation}|${le}`] ?? 0,
      });
    }
    const count = counters[`latency|${operation}|+Inf`] ?? 0;
    out.push({ metricName: `${HISTOGRAM}_bucket`, labels: { operation, le: '+Inf' }, value: count });
    out.push({
      metricName: `${HISTOGRAM}_sum`,
      labels: { operation },
      value: (counters[`latency_sum|${operation}`] ?? 0) / 1000,
    });
    out.push({ metricName: `${HISTOGRAM}_count`, labels: { operation }, value: count });
  }
  return out;
}

async function takeSnapshot(ctx: OpsContext, workerFreshMs: number): Promise<Snapshot> {
  const [counters, lead, dlq, paused, control, workers, budget] = await Promise.all([
    readMetrics(ctx.redis, ctx.prefix),
    ctx.leadQueue.getJobCounts(...JOB_STATES),
    ctx.deadLetterQueue.getJobCounts(...JOB_STATES),
    ctx.leadQueue.isPaused(),
    ctx.redis.hget(ctx.keys.control, 'blockedReason'),
    countLiveWorkers(ctx, workerFreshMs),
    ctx.readBudget(),
  ]);
  return {
    counters,
    jobs: { [LEAD_QUEUE]: lead, [DLQ_QUEUE]: dlq },
    paused,
    blocked: !!control,
    workers,
    budget,
  };
}
