import { describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
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

describe('exactly once, across worker processes', () => {
  it('creates no duplicate when 2 processes × 8 rows at a time share 15 organizations and 60 persons', async () => {
    // Search lags creates, and the cache is not warmed: every contact goes through search, lock and create.
    const sandbox = await testSandbox({ limits: false, latencyMs: 0, latencyJitterMs: 20, searchLagMs: 300 });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(redis, prefix, 'imp-conc', jobsFor('imp-conc', sharedContactRows(300, 15, 60)));
    const env = workerEnv(testRedisUrl(), prefix, sandbox.url);
    const flags = [...FAST_WORKER_FLAGS, '--concurrency', '8', '--no-rate-limit', '--warm-cache', 'never'];
    const workers = [spawnWorker(env, flags), spawnWorker(env, flags)];

    const record = await finished(ledger, 'imp-conc');
    await Promise.all(workers.map((w) => w.stop()));

    expect(record).toMatchObject({
      created: 300,
      deadLettered: 0,
      createdPersons: 60,
      createdOrganizations: 15,
    });
    expect(sandbox.state()).toMatchObject({
      persons: 60,
      organizations: 15,
      leads: 300,
      duplicatePersons: 0,
      duplicateOrganizations: 0,
      duplicateLeads: 0,
    });
    // Both processes did work.
    for (const w of workers) expect(w.lines.some((l) => l.includes('Created lead'))).toBe(true);
  }, 120_000);

  it('creates every row once or dead-letters it with a reason when Pipedrive faults, times out and drops connections', async () => {
    const sandbox = await testSandbox({
      limits: false,
      latencyJitterMs: 10,
      faultRate: 0.2,
      timeoutRate: 0.05,
      resetRate: 0.05,
      searchLagMs: 500,
      seed: 42,
    });
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const rows = sharedContactRows(60, 6, 20);
    // One row Pipedrive refuses (an owner that does not exist): dead-lettered at once, with its message.
    rows.push({ title: 'Bad owner', org: 'Company 0 Ltd', lead: { owner_id: 999_999 } });
    await enqueueImport(redis, prefix, 'imp-faults', jobsFor('imp-faults', rows), { backoffMs: 100 });
    const env = workerEnv(testRedisUrl(), prefix, sandbox.url, { PIPEDRIVE_TIMEOUT_MS: '300' });
    const flags = [...FAST_WORKER_FLAGS, '--concurrency', '8', '--no-rate-limit', '--warm-cache', 'never'];
    const workers = [spawnWorker(env, flags), spawnWorker(env, flags)];

    const record = await finished(ledger, 'imp-faults');
    await Promise.all(workers.map((w) => w.stop()));

    expect(record.rows).toBe(61);
    expect(record.created + record.rejected + record.deadLettered).toBe(record.rows);
    const state = sandbox.state();
    expect(state).toMatchObject({ duplicatePersons: 0, duplicateOrganizations: 0, duplicateLeads: 0 });
    expect(state.leads).toBe(record.created);
    const outcomes = await ledger.outcomes(
      'imp-faults',
      rows.map((_, i) => i + 2),
    );
    const bad = outcomes.at(-1);
    expect(bad).toMatchObject({
      state: 'dead-lettered',
      errorClass: 'PipedriveValidationError',
      httpStatus: 400,
    });
    for (const o of outcomes) {
      if (o.state === 'dead-lettered') expect(o.message).not.toBe('');
      else expect(o.state).toBe('created');
    }
  }, 120_000);
});
