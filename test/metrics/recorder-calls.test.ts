import { describe, expect, it } from 'vitest';
import { MetricsRecorder, readMetrics } from '../../src/metrics/recorder.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

/**
 * The fields one flush writes for the calls recorded since the last one. The recorder tallies calls in place and
 * builds these fields once per flush (src/metrics/recorder.ts); the dashboard reads them as Prometheus counters, so
 * they must be exactly what one increment per field per call would have written.
 */
describe('MetricsRecorder: the fields of the calls it recorded', () => {
  const redis = testRedis();

  it('counts per status, tokens, the calls in each latency bucket they fell in (past the last: +Inf) and the rounded sum, over two flushes', async () => {
    const prefix = uniquePrefix('calls');
    const recorder = new MetricsRecorder(redis, prefix, 0);
    const acme = recorder.connection('acme');
    acme.recordCall('leads.add', 201, 25, 10); // on a bucket's bound: counted in it
    acme.recordCall('leads.add', 201, 25.4, 10);
    acme.recordCall('leads.add', 0, 30_000, 10); // no response, past the last bucket
    acme.recordCall('leads.add', 429, 3, 0); // a rejected call charges nothing
    acme.recordCall('persons.search', 200, 240.6, 20);
    acme.recordOutcome('created');
    await recorder.flush();

    expect(await readMetrics(redis, prefix, 'acme')).toEqual({
      'calls|leads.add|201': 2,
      'calls|leads.add|0': 1,
      'calls|leads.add|429': 1,
      'tokens|leads.add': 30,
      'latency_in|leads.add|25': 2,
      'latency_in|leads.add|50': 1,
      'latency_in|leads.add|+Inf': 1,
      'latency_sum|leads.add': 25 + 25 + 30_000 + 3,
      'calls|persons.search|200': 1,
      'tokens|persons.search': 20,
      'latency_in|persons.search|250': 1,
      'latency_sum|persons.search': 241,
      'outcome|created': 1,
    });

    // What the next flush adds is only what came since, on top of the first.
    acme.recordCall('leads.add', 201, 60, 10);
    recorder.recordCall('users.me', 200, 7, 0);
    await recorder.flush();
    const after = await readMetrics(redis, prefix, 'acme');
    expect(after['calls|leads.add|201']).toBe(3);
    expect(after['latency_in|leads.add|25']).toBe(2);
    expect(after['latency_in|leads.add|50']).toBe(1);
    expect(after['latency_in|leads.add|100']).toBe(1);
    expect(after['latency_in|leads.add|+Inf']).toBe(1);
    expect(after['tokens|leads.add']).toBe(40);
    expect(await readMetrics(redis, prefix)).toEqual({
      'calls|users.me|200': 1,
      'latency_in|users.me|25': 1,
      'latency_sum|users.me': 7,
    });
    await recorder.close();
  });
});
