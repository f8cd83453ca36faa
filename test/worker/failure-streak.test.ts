import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import type { ResponseEvent } from '../../src/pipedrive/types.js';
import { FailureStreak, failureReason } from '../../src/worker/failure-streak.js';

const call = (status: number, extra: Partial<ResponseEvent> = {}): ResponseEvent => ({
  operation: 'leads.add',
  method: 'POST',
  path: '/api/v1/leads',
  status,
  durationMs: 5,
  tokenCost: 10,
  rateLimit: {},
  ...extra,
});

/** A streak on a clock the test moves, recording what it would write to the control hash. */
function streak() {
  let now = 1_000_000;
  const writes: (Record<string, string> | 'clear')[] = [];
  const s = new FailureStreak({
    publish: async (fields) => writes.push(fields),
    clear: async () => writes.push('clear'),
    logger: createLogger({ level: 'silent' }),
    now: () => now,
  });
  return { s, writes, at: (ms: number) => (now = 1_000_000 + ms) };
}

describe('FailureStreak', () => {
  it('publishes once every call has failed for 5 s, at most once a second, and clears on the next answer', () => {
    const { s, writes, at } = streak();
    for (const ms of [0, 1000, 4999]) {
      at(ms);
      s.observe(call(503));
    }
    expect(writes).toEqual([]);
    at(5000);
    s.observe(call(0, { failure: 'timeout' }));
    expect(writes).toEqual([
      {
        failingSince: '1000000',
        failingAt: '1005000',
        failingReason: 'no answer to POST /api/v1/leads in time (timeout)',
      },
    ]);
    at(5500);
    s.observe(call(502));
    expect(writes).toHaveLength(1);
    at(6000);
    s.observe(call(502));
    expect(writes[1]).toEqual({
      failingSince: '1000000',
      failingAt: '1006000',
      failingReason: '502 Bad Gateway to POST /api/v1/leads',
    });
    // A 429 is no answer about Pipedrive being down (it has its own pause), nor is a call aborted here.
    s.observe(call(429));
    s.observe(call(0, { failure: 'aborted' }));
    expect(writes).toHaveLength(2);
    at(6100);
    s.observe(call(201));
    expect(writes[2]).toBe('clear');
    // A streak starts again from its own first failure.
    at(7000);
    s.observe(call(500));
    at(11_000);
    s.observe(call(500));
    expect(writes).toHaveLength(3);
  });

  it('writes nothing for failures among answers, however long they go on', () => {
    const { s, writes, at } = streak();
    for (let ms = 0; ms < 60_000; ms += 250) {
      at(ms);
      s.observe(call(ms % 1000 === 0 ? 500 : 201));
    }
    expect(writes).toEqual([]);
  });

  it('takes any answer but a 5xx as Pipedrive answering: a refused write is no outage', () => {
    expect(failureReason(call(400))).toBeUndefined();
    expect(failureReason(call(404))).toBeUndefined();
    expect(failureReason(call(403))).toBeUndefined();
    expect(failureReason(call(504))).toBe('504 Gateway Timeout to POST /api/v1/leads');
    expect(failureReason(call(599))).toBe('599 to POST /api/v1/leads');
    expect(failureReason(call(0, { failure: 'network' }))).toMatch(
      /^no answer to POST \/api\/v1\/leads \(connection/,
    );
    expect(failureReason(call(0, { failure: 'invalid' }))).toBeNull();
  });

  it('removes what it published when its connection stops, and only then', async () => {
    const { s, writes, at } = streak();
    await s.close();
    expect(writes).toEqual([]);
    at(0);
    s.observe(call(500));
    at(5000);
    s.observe(call(500));
    await s.close();
    expect(writes.at(-1)).toBe('clear');
  });
});
