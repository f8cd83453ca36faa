import { type Metric, Registry } from 'prom-client';
import { DEFAULT_CONNECTION } from '../config/config.js';
import { LATENCY_BUCKETS_MS, readMetrics } from '../metrics/recorder.js';
import { type ImportTotals, ROW_OUTCOMES, sharedImportTotals } from '../ops/import-totals.js';
import type { OpsContext } from '../ops/ops-context.js';
import type { ImportState } from '../queue/ledger.js';
import { DLQ_QUEUE, leadQueueName } from '../queue/names.js';
import { failingNow, readControl } from '../worker/control.js';
import { countLiveWorkers } from './health.js';
import { servesManyCompanies } from './overview.js';

type Labels = Record<string, string | number>;
interface Sample {
  metricName?: string;
  labels: Labels;
  value: number;
}
/** What one connection's queue, flags and budget say at a scrape. */
interface ConnectionSnapshot {
  connection: string;
  queue: string;
  jobs: Record<string, number>;
  paused: boolean;
  blocked: boolean;
  /** Its workers find every call to Pipedrive failing (5xx, no answer): worker/control.ts `failingNow`. */
  failing: boolean;
  budget: { limit: number; left: number } | null;
}

interface Snapshot {
  /** The workers' counters by connection (`default` alone for one company). */
  counters: Map<string, Record<string, number>>;
  deadLetterJobs: Record<string, number>;
  workers: number;
  connections: ConnectionSnapshot[];
  imports: ImportTotals;
}

const IMPORT_STATES: readonly ImportState[] = ['reading', 'enqueued', 'completed', 'cancelled', 'failed'];

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

/**
 * Counters from the recorders' hashes whose field starts with `head|`, split into label values, with each
 * connection's labels (`by`) first.
 */
function fieldSamples(
  counters: Map<string, Record<string, number>>,
  by: (connection: string) => Labels,
  head: string,
  labelNames: string[],
): Sample[] {
  const out: Sample[] = [];
  for (const [connection, fields] of counters) {
    for (const [field, value] of Object.entries(fields)) {
      const parts = field.split('|');
      if (parts[0] !== head || parts.length !== labelNames.length + 1) continue;
      out.push({
        labels: { ...by(connection), ...Object.fromEntries(labelNames.map((l, i) => [l, parts[i + 1]!])) },
        value,
      });
    }
  }
  return out.sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
}

/** One sample per connection of the counter `field`. */
function perConnection(
  counters: Map<string, Record<string, number>>,
  by: (connection: string) => Labels,
  field: string,
  labels: Labels = {},
): Sample[] {
  return [...counters].map(([connection, fields]) => ({
    labels: { ...by(connection), ...labels },
    value: fields[field] ?? 0,
  }));
}

/**
 * The `/metrics` registry. Everything is read from Redis on scrape, so the numbers are the sums
 * over all worker processes on all machines and survive restarts; scrape any one dashboard.
 */
export function createMetricsRegistry(ctx: OpsContext, workerFreshMs: number): Registry {
  const registry = new Registry();
  // What is per connection carries a `connection` label once the deployment serves several companies; one
  // company's series stay exactly as they were (dashboards and alerts built on them keep working).
  const by = (connection: string): Labels => (servesManyCompanies(ctx.connections) ? { connection } : {});
  // One Redis round of reads per scrape, shared by every family of that scrape.
  let pending: Promise<Snapshot> | undefined;
  const load = () => {
    pending ??= takeSnapshot(ctx, workerFreshMs, servesManyCompanies(ctx.connections)).finally(() => {
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

  add(
    'lead_importer_queue_jobs',
    "Jobs per queue and state: each connection's lead queue (labelled with the connection) and the dead-letter queue.",
    'gauge',
    (s) => [
      ...s.connections.flatMap(({ queue, connection, jobs }) =>
        JOB_STATES.map((state) => ({ labels: { queue, ...by(connection), state }, value: jobs[state] ?? 0 })),
      ),
      ...JOB_STATES.map((state) => ({
        labels: { queue: DLQ_QUEUE, state },
        value: s.deadLetterJobs[state] ?? 0,
      })),
    ],
  );
  add(
    'lead_importer_queue_paused',
    "1 while a connection's queue is paused (`lead-importer pause` pauses every connection's).",
    'gauge',
    (s) => s.connections.map(({ connection, paused }) => ({ labels: by(connection), value: paused ? 1 : 0 })),
  );
  add(
    'lead_importer_blocked',
    "1 while a connection's workers are blocked on an error a person must fix (e.g. a rejected token).",
    'gauge',
    (s) =>
      s.connections.map(({ connection, blocked }) => ({ labels: by(connection), value: blocked ? 1 : 0 })),
  );
  add(
    'lead_importer_pipedrive_failing',
    "1 while a connection's workers find every call to Pipedrive failing (5xx answers or none, for 5 s or more; `status` says since when and the latest).",
    'gauge',
    (s) =>
      s.connections.map(({ connection, failing }) => ({ labels: by(connection), value: failing ? 1 : 0 })),
  );
  add(
    'lead_importer_imports',
    'Imports by connection and state (as the import ledger records it).',
    'gauge',
    (s) =>
      [...s.imports].flatMap(([connection, totals]) =>
        IMPORT_STATES.map((state) => ({ labels: { connection, state }, value: totals.imports[state] ?? 0 })),
      ),
  );
  add(
    'lead_importer_import_rows',
    'Rows of every import by connection and outcome (rows = created + rejected + dead_lettered + cancelled + pending).',
    'gauge',
    (s) =>
      [...s.imports].flatMap(([connection, totals]) =>
        ROW_OUTCOMES.map((outcome) => ({ labels: { connection, outcome }, value: totals.rows[outcome] })),
      ),
  );
  add('lead_importer_workers', 'Worker processes seen within the freshness window.', 'gauge', (s) => [
    { labels: {}, value: s.workers },
  ]);
  // The workers' counters below carry `connection` by the same rule (each connection's workers count in a hash
  // of their own, `connectionMetrics`).
  add('lead_importer_leads_created_total', 'Leads created in Pipedrive.', 'counter', (s) =>
    perConnection(s.counters, by, 'outcome|created'),
  );
  add(
    'lead_importer_rows_rejected_total',
    'CSV rows rejected by validation (never enqueued).',
    'counter',
    (s) => perConnection(s.counters, by, 'outcome|rejected'),
  );
  add('lead_importer_rows_dead_lettered_total', 'Rows moved to the dead-letter queue.', 'counter', (s) =>
    perConnection(s.counters, by, 'outcome|deadLettered'),
  );
  add(
    'lead_importer_contacts_total',
    "Persons and organizations: created, or reused; filled counts reused ones updated with a row's values (one an earlier row of the import created, or with --update-contacts fill-empty one that existed before).",
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
      ).flatMap(([kind, result, field]) =>
        perConnection(s.counters, by, `outcome|${field}`, { kind, result }),
      ),
  );
  add(
    'lead_importer_pipedrive_calls_total',
    'Pipedrive API calls by operation and HTTP status (0: no response).',
    'counter',
    (s) => fieldSamples(s.counters, by, 'calls', ['operation', 'status']),
  );
  add('lead_importer_pipedrive_rate_limited_total', 'Pipedrive 429 answers by scope.', 'counter', (s) =>
    fieldSamples(s.counters, by, 'rate_limited', ['scope']),
  );
  add(
    'lead_importer_pipedrive_tokens_spent_total',
    'Daily-budget tokens spent, by operation.',
    'counter',
    (s) => fieldSamples(s.counters, by, 'tokens', ['operation']),
  );
  add(
    'lead_importer_budget_tokens_limit',
    "Tokens this tool may spend per budget day, by connection (once the connection's workers publish it).",
    'gauge',
    (s) =>
      s.connections.flatMap(({ connection, budget }) =>
        budget ? [{ labels: by(connection), value: budget.limit }] : [],
      ),
  );
  add(
    'lead_importer_budget_tokens_left',
    'Tokens left in the current budget day, by connection.',
    'gauge',
    (s) =>
      s.connections.flatMap(({ connection, budget }) =>
        budget ? [{ labels: by(connection), value: budget.left }] : [],
      ),
  );
  add(
    'lead_importer_pipedrive_call_duration_seconds',
    'Pipedrive call latency by operation.',
    'histogram',
    (s) => [...s.counters].flatMap(([connection, fields]) => latencySamples(fields, by(connection))),
  );
  return registry;
}

const HISTOGRAM = 'lead_importer_pipedrive_call_duration_seconds';

/**
 * The latency histogram of each operation: a bucket is the calls of every `latency_in` bucket up to it (what the
 * recorder writes, each bucket alone), plus the cumulative `latency` field earlier versions wrote for it.
 */
function latencySamples(counters: Record<string, number>, labels: Labels): Sample[] {
  const operations = new Set<string>();
  for (const field of Object.keys(counters)) {
    const [head, operation] = field.split('|');
    if ((head === 'latency' || head === 'latency_in') && operation) operations.add(operation);
  }
  const out: Sample[] = [];
  for (const operation of [...operations].sort()) {
    let within = 0;
    const bucket = (le: number | '+Inf') => {
      within += counters[`latency_in|${operation}|${le}`] ?? 0;
      return within + (counters[`latency|${operation}|${le}`] ?? 0);
    };
    for (const le of LATENCY_BUCKETS_MS) {
      out.push({
        metricName: `${HISTOGRAM}_bucket`,
        labels: { ...labels, operation, le: le / 1000 },
        value: bucket(le),
      });
    }
    const count = bucket('+Inf');
    out.push({
      metricName: `${HISTOGRAM}_bucket`,
      labels: { ...labels, operation, le: '+Inf' },
      value: count,
    });
    out.push({
      metricName: `${HISTOGRAM}_sum`,
      labels: { ...labels, operation },
      value: (counters[`latency_sum|${operation}`] ?? 0) / 1000,
    });
    out.push({ metricName: `${HISTOGRAM}_count`, labels: { ...labels, operation }, value: count });
  }
  return out;
}

async function takeSnapshot(ctx: OpsContext, workerFreshMs: number, many: boolean): Promise<Snapshot> {
  const [counters, deadLetterJobs, workers, connections, imports] = await Promise.all([
    workerCounters(ctx, many),
    ctx.deadLetterQueue.getJobCounts(...JOB_STATES),
    countLiveWorkers(ctx, workerFreshMs),
    Promise.all(ctx.connections.map((c) => connectionSnapshot(ctx, c))),
    // Shared with the imports page's polls: one read of every import record per IMPORT_TOTALS_MAX_AGE_MS.
    sharedImportTotals(ctx),
  ]);
  return { counters, deadLetterJobs, workers, connections, imports };
}

/**
 * The workers' counters by connection: `default`'s alone for one company (as before connections); with several,
 * each configured connection's, and `default`'s too when it holds counters but is no longer configured (counters
 * must not vanish from a scrape).
 */
async function workerCounters(ctx: OpsContext, many: boolean): Promise<Map<string, Record<string, number>>> {
  const names = many ? [...new Set([...ctx.connections, DEFAULT_CONNECTION])] : [DEFAULT_CONNECTION];
  const read = await Promise.all(names.map((c) => readMetrics(ctx.redis, ctx.prefix, c)));
  return new Map(
    names
      .map((c, i) => [c, read[i]!] as const)
      .filter(([c, fields]) => ctx.connections.includes(c) || !many || Object.keys(fields).length > 0),
  );
}

async function connectionSnapshot(ctx: OpsContext, connection: string): Promise<ConnectionSnapshot> {
  const queue = ctx.leadQueueOf(connection);
  const [jobs, paused, control, budget] = await Promise.all([
    queue.getJobCounts(...JOB_STATES),
    queue.isPaused(),
    readControl(ctx.redis, ctx.prefix, connection),
    ctx.readBudget(connection),
  ]);
  return {
    connection,
    queue: leadQueueName(connection),
    jobs,
    paused,
    blocked: !!control.blockedReason,
    failing: failingNow(control, Date.now()) !== undefined,
    budget,
  };
}
