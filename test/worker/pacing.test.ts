import { describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import type { RequestLogEntry } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import {
  enqueueImport,
  FAST_WORKER_FLAGS,
  finished,
  jobsFor,
  sharedContactRows,
  spawnWorker,
  testSandbox,
  workerEnv,
} from './helpers.js';

const redis = testRedis();
const GROWTH_LIMIT = 40;
const WINDOW_MS = 2000;

/**
 * Share of Pipedrive's window the import used while it ran, from the sandbox's own log: the
 * requests the server admitted after the first window (whose burst any limiter gets for free),
 * ÷ what the limit allows in the time from there to the last one. The server admits a request
 * when its simulated latency has passed, just before it answers: `at + ms`.
 */
function steadyUtilisation(log: RequestLogEntry[], limitPer2s: number): number {
  const admitted = log
    .filter((e) => !e.path.startsWith('/_sandbox') && e.status !== 429)
    .map((e) => e.at + e.ms)
    .sort((a, b) => a - b);
  const from = (admitted[0] as number) + WINDOW_MS;
  const to = admitted.at(-1) as number;
  const inSteady = admitted.filter((t) => t > from).length;
  return inSteady / (((to - from) / WINDOW_MS) * limitPer2s);
}

/** Requests the server admitted in each 2 s from the first: what a failure shows. */
function perWindow(log: RequestLogEntry[]): number[] {
  const admitted = log.filter((e) => e.status !== 429).map((e) => e.at + e.ms);
  const first = Math.min(...admitted);
  const counts: number[] = [];
  for (const t of admitted) {
    const i = Math.floor((t - first) / WINDOW_MS);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}

describe('pacing against the server window', () => {
  it('uses at least 92 % of the burst window with at most 5 429s per 1,000 requests, three worker processes sharing it over a jittery network', async () => {
    // Growth (40 requests / 2 s per token), 100 ms + uniform [0, 100) ms latency before the
    // server counts a request: requests sent 50 ms apart reach it up to 100 ms closer together.
    const sandbox = await testSandbox({
      plan: 'growth',
      latencyMs: 100,
      latencyJitterMs: 100,
      requestLogSize: 10_000,
    });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const jobs = jobsFor('imp-pace', sharedContactRows(360, 30, 90));
    const env = workerEnv(testRedisUrl(), prefix, sandbox.url, { PIPEDRIVE_PLAN: 'growth' });
    let importStartedAt = Number.POSITIVE_INFINITY;
    const workers = [1, 2, 3].map(() => spawnWorker(env, [...FAST_WORKER_FLAGS, '--concurrency', '8']));
    try {
      await Promise.all(workers.map((w) => w.waitForLine(/processing lead-import/, 60_000)));
      importStartedAt = Date.now();
      await enqueueImport(redis, prefix, 'imp-pace', jobs);
      const record = await finished(ledger, 'imp-pace', 120_000);
      expect(record).toMatchObject({ created: 360, deadLettered: 0 });
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }

    // The import's requests (the workers' start-up calls came before).
    const log = sandbox.requests().filter((e) => !e.path.startsWith('/_sandbox') && e.at >= importStartedAt);
    const state = sandbox.state();
    expect(state).toMatchObject({ leads: 360, duplicateLeads: 0, duplicatePersons: 0, blocked: 0 });
    const utilisation = steadyUtilisation(log, GROWTH_LIMIT);
    const per1000 = (state.rateLimited / log.length) * 1000;
    const figures = `utilisation ${utilisation.toFixed(3)}, ${state.rateLimited} 429s in ${log.length} requests; admitted per 2 s: ${perWindow(log).join(' ')}`;
    // The fixed margin of 0.95 used 79 % here: it spaced by send time, so it needed headroom for
    // jitter, and every 429 cut its share by another 10 % for 30 s.
    expect(utilisation, figures).toBeGreaterThanOrEqual(0.92);
    expect(per1000, figures).toBeLessThanOrEqual(5);
  }, 180_000);

  it("sends a row's later calls before other rows' first ones, so rows end one by one and give their permits back", async () => {
    // Lite (20 requests / 2 s): 40 rows, each with its own organization and person, all taken at once.
    const sandbox = await testSandbox({ plan: 'lite', latencyMs: 30, latencyJitterMs: 30 });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const jobs = jobsFor('imp-order', sharedContactRows(40, 40, 40));
    const worker = spawnWorker(workerEnv(testRedisUrl(), prefix, sandbox.url, { PIPEDRIVE_PLAN: 'lite' }), [
      ...FAST_WORKER_FLAGS,
      '--concurrency',
      '40',
    ]);
    let importStartedAt = Number.POSITIVE_INFINITY;
    try {
      await worker.waitForLine(/processing lead-import/, 60_000);
      importStartedAt = Date.now();
      await enqueueImport(redis, prefix, 'imp-order', jobs);
      expect(await finished(ledger, 'imp-order', 120_000)).toMatchObject({ created: 40, deadLettered: 0 });
    } finally {
      await worker.stop();
    }
    expect(sandbox.state()).toMatchObject({ leads: 40, duplicateLeads: 0, duplicatePersons: 0 });
    const sent = sandbox
      .requests()
      .filter((e) => !e.path.startsWith('/_sandbox') && e.at >= importStartedAt)
      .sort((x, y) => x.at - y.at)
      .map((e) => `${e.method} ${e.path.replace(/^\/api\/v\d/, '')}`);
    // In the order the rows came (before 2026-12-03), the first lead was the 43rd request, after every row's
    // organization: 2 s of Lite's window in which no row ended, every permit held. Now a row's person and lead
    // go as soon as its organization is answered.
    const firstLead = sent.indexOf('POST /leads');
    expect(firstLead, sent.slice(0, 20).join(', ')).toBeGreaterThanOrEqual(0);
    expect(firstLead, sent.slice(0, 20).join(', ')).toBeLessThan(12);
  }, 180_000);
});
