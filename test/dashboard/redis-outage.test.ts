import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { type DashboardProcess, startDashboardProcess } from '../helpers/dashboard-process.js';
import { restartableRedis } from '../helpers/restartable-redis.js';

/** Every Redis-backed GET an operator's browser or a scraper makes: ours, and bull-board's API (`/queues/api/…`). */
const PATHS = [
  '/api/imports',
  '/api/imports?connection=default',
  '/api/connections',
  '/fragments/connections',
  '/',
  '/metrics',
  '/queues/api/queues',
  '/queues/api/queues?activeQueue=lead-import&status=latest&page=1&jobsPerPage=10',
  '/queues/api/queues?activeQueue=lead-import-dlq&status=failed&page=1&jobsPerPage=10',
  '/queues/api/redis/stats',
  '/queues/api/queues/lead-import/held-job',
  '/queues/api/queues/lead-import/held-job/logs',
];

/** What every one of them answers while Redis is not there: our 503, nothing of Redis' or BullMQ's own words. */
const CLEAN_503 = { error: 'Could not read the queues (is Redis reachable?). See the dashboard log.' };

/** Longest a request may take while Redis is gone or frozen: the dashboard's own bound, and some. */
const ANSWER_WITHIN_MS = 12_000;

interface Answer {
  path: string;
  status: number;
  body: string;
  ms: number;
}

async function ask(base: string, path: string): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
    return { path, status: res.status, body: await res.text(), ms: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      path,
      status: 0,
      body: `no answer: ${String(err)}`,
      ms: Math.round(performance.now() - started),
    };
  }
}

const askAll = (base: string) => Promise.all(PATHS.map((p) => ask(base, p)));

function expectAllClean503(answers: Answer[]): void {
  for (const a of answers) {
    expect({ path: a.path, status: a.status }).toEqual({ path: a.path, status: 503 });
    expect({ path: a.path, body: JSON.parse(a.body) as unknown }).toEqual({ path: a.path, body: CLEAN_503 });
  }
}

/** Asks every path until each answers 200 (Redis is back and the dashboard reconnected by itself). */
async function untilAll200(base: string, withinMs = 20_000): Promise<Answer[]> {
  const deadline = Date.now() + withinMs;
  let answers: Answer[] = [];
  while (Date.now() < deadline) {
    answers = await askAll(base);
    if (answers.every((a) => a.status === 200)) return answers;
    await new Promise((r) => setTimeout(r, 250));
  }
  return answers;
}

const ok = (answers: Answer[]) => answers.map((a) => ({ path: a.path, status: a.status }));
const all200 = PATHS.map((path) => ({ path, status: 200 }));

describe('dashboard process when Redis fails', () => {
  let dashboard: DashboardProcess | undefined;
  afterEach(() => dashboard?.kill());

  it('answers a clean 503 everywhere, never crashes or hangs, and recovers: killed, frozen, restarted, refusing auth', async () => {
    const redis = await restartableRedis();
    // A job for bull-board's job routes to find (a paused queue keeps it waiting; no worker runs here).
    const queue = new Queue('lead-import', { connection: redis.client, prefix: 'lpi' });
    await queue.add('row', { note: 'held' }, { jobId: 'held-job' });
    await queue.close();
    dashboard = await startDashboardProcess({ REDIS_URL: redis.url });
    const base = dashboard.url;
    expect(ok(await untilAll200(base))).toEqual(all200);

    // Killed while requests are in flight, then asked again while it is gone.
    const inFlight = [askAll(base), askAll(base)];
    await new Promise((r) => setTimeout(r, 5));
    await redis.kill();
    for (const answers of await Promise.all(inFlight)) {
      for (const a of answers) expect([200, 503]).toContain(a.status);
      expectAllClean503(answers.filter((a) => a.status !== 200));
    }
    expectAllClean503(await askAll(base));
    await new Promise((r) => setTimeout(r, 1_500)); // past its first reconnect attempts
    expectAllClean503(await askAll(base));
    expect(dashboard.running()).toBe(true);

    await redis.start();
    expect(ok(await untilAll200(base))).toEqual(all200);

    // Frozen (SIGSTOP): connected, and nothing answers. Every request is still answered, in bounded time.
    const beforeFreeze = askAll(base);
    redis.freeze();
    await beforeFreeze;
    const frozen = await askAll(base);
    expectAllClean503(frozen);
    for (const a of frozen) expect(a.ms).toBeLessThan(ANSWER_WITHIN_MS);
    redis.thaw();
    expect(ok(await untilAll200(base))).toEqual(all200);

    // Back with a password the dashboard does not have: not ready, so 503, until it is back without one.
    await redis.kill();
    await redis.start({ requirePass: 'not-the-dashboards' });
    await new Promise((r) => setTimeout(r, 1_000));
    expectAllClean503(await askAll(base));
    await redis.kill();
    await redis.start();
    expect(ok(await untilAll200(base))).toEqual(all200);

    expect(dashboard.running()).toBe(true);
    expect(await dashboard.stop()).toBe(0);
    expect(dashboard.output()).not.toMatch(/Unhandled|uncaught/i);
  }, 120_000);
});
