import { describe, expect, it } from 'vitest';
import { BudgetGovernor, type WindowCheck } from '../../src/worker/budget-governor.js';
import { createCallLimiter } from '../../src/worker/call-limiter.js';
import {
  BASE_SAFETY_MS,
  LatencySpread,
  MAX_SAFETY_MS,
  QUIET_MS,
  SAFETY_STEP_MS,
  UNKNOWN_PENDING_MS,
} from '../../src/worker/latency-spread.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

function setup() {
  const prefix = uniquePrefix();
  const governor = new BudgetGovernor({
    redis,
    prefix,
    companyKey: 'c1',
    dailyTokens: 10_000,
    reserve: 0,
    resetOffsetMs: 0,
  });
  let n = 0;
  const check = (over: Partial<WindowCheck>): WindowCheck => ({
    callsKey: `${prefix}:window:test:calls`,
    callsCap: 1,
    member: `m${++n}`,
    ...over,
  });
  return { governor, check };
}

/** One call's admission, which must be a place in the windows (`atMs` is the Redis clock it was reckoned at). */
async function admitted(governor: BudgetGovernor, window: WindowCheck) {
  const a = await governor.admit(1, false, window);
  if (a.kind !== 'admitted') throw new Error(`not admitted: ${a.kind}`);
  return a;
}

describe('windows by arrival', () => {
  it('reserves the send time at which the server window has room, given how early a call arrives', async () => {
    const { governor, check } = setup();
    const window = { callsCap: 3, leadMs: 500, horizonMs: 2000 };
    const firsts = [];
    for (let i = 0; i < 3; i++) firsts.push(await admitted(governor, check(window)));
    for (const a of firsts) expect(a.delayMs).toBe(0);
    // The first call leaves the server's window 2 s after it arrived; the fourth arrives 500 ms
    // after it is sent at the earliest, so it may be sent 1.5 s (and 1 ms) after the first rather than 2 s.
    // Reckoned from the Redis clock at each admission, however long the admissions took on a busy machine.
    const fourth = await admitted(governor, check(window));
    expect(fourth.atMs + fourth.delayMs).toBe(firsts[0]!.atMs + 2000 - 500 + 1);
    expect(fourth.delayMs).toBeGreaterThan(0);
  });

  it('counts a call on the wire until its slowest arrival, and an answered one from its answer', async () => {
    const { governor, check } = setup();
    const first = await admitted(governor, check({ pendingMs: 300 }));
    // On the wire: it may reach the server up to 300 ms after it was sent, so the next may not go for 2.3 s after.
    const onTheWire = await admitted(governor, check({ horizonMs: 5000 }));
    expect(onTheWire.atMs + onTheWire.delayMs).toBe(first.atMs + 300 + 2000 + 1);
    // Nothing is reserved beyond the horizon: the caller is told when to ask again.
    const beyond = await governor.admit(1, false, check({ horizonMs: 1000 }));
    expect(beyond.kind).toBe('window');

    // Its answer came 50 ms after admission: it arrived by then, which frees its place earlier
    // than the on-the-wire guess (the reservation above still holds its own place).
    const { governor: g2, check: c2 } = setup();
    const a = await admitted(g2, c2({ member: 'answered', pendingMs: 300 }));
    const corrected = await admitted(
      g2,
      c2({ horizonMs: 5000, takeCorrections: () => ['answered', a.atMs + 50] }),
    );
    expect(corrected.atMs + corrected.delayMs).toBe(a.atMs + 50 + 2000 + 1);
  });

  it('ignores corrections for calls that already left the windows', async () => {
    const { governor, check } = setup();
    const a = await governor.admit(1, false, check({ takeCorrections: () => ['gone', Date.now()] }));
    expect(a).toMatchObject({ kind: 'admitted', delayMs: 0 });
  });
});

describe('the call limiter between admissions', () => {
  it('hands each answered call to the next admission once, and learns the spread from the round trips', async () => {
    const limiter = await createCallLimiter({ redis, id: uniquePrefix('lim'), burstLimit: 40, margin: 1 });
    try {
      const first = limiter.windowFor('call');
      if (!first) throw new Error('no window');
      expect(first).toMatchObject({ callsCap: 40, leadMs: 0, pendingMs: UNKNOWN_PENDING_MS });
      for (let i = 0; i < 8; i++) {
        const check = i === 0 ? first : (limiter.windowFor('call') as WindowCheck);
        limiter.answered(check, { admittedAtMs: 1000 + i, sinceAdmitMs: 150, roundTripMs: 140 + i });
      }
      const next = limiter.windowFor('call') as WindowCheck;
      expect(next.member).not.toBe(first.member);
      expect(next).toMatchObject({ leadMs: 140 - BASE_SAFETY_MS, pendingMs: 147 });
      const corrections = next.takeCorrections?.() ?? [];
      expect(corrections.slice(0, 2)).toEqual([first.member, 1150]);
      expect(corrections).toHaveLength(16);
      expect(next.takeCorrections?.()).toEqual([]);
    } finally {
      await limiter.close();
    }
  });
});

describe('LatencySpread', () => {
  it('assumes nothing before enough answers: no lead, a second on the wire', () => {
    const spread = new LatencySpread();
    for (let i = 0; i < 7; i++) spread.record(100);
    expect(spread.leadMs).toBe(0);
    expect(spread.pendingMs).toBe(UNKNOWN_PENDING_MS);
  });

  it('takes the fastest round trip less a safety as the lead, and the slowest as the time on the wire', () => {
    const spread = new LatencySpread();
    for (const ms of [150, 120, 180, 101, 199, 160, 130, 140]) spread.record(ms);
    expect(spread.leadMs).toBe(101 - BASE_SAFETY_MS);
    expect(spread.pendingMs).toBe(199);
  });

  it('forgets old round trips after 64 newer ones', () => {
    const spread = new LatencySpread();
    spread.record(20);
    for (let i = 0; i < 64; i++) spread.record(100);
    expect(spread.leadMs).toBe(100 - BASE_SAFETY_MS);
  });

  it('widens the safety after each burst 429, up to a cap, and narrows it after 30 quiet seconds', () => {
    let now = 0;
    const spread = new LatencySpread(() => now);
    for (let i = 0; i < 8; i++) spread.record(400);
    spread.rejected();
    expect(spread.leadMs).toBe(400 - BASE_SAFETY_MS - SAFETY_STEP_MS);
    for (let i = 0; i < 20; i++) spread.rejected();
    expect(spread.leadMs).toBe(400 - MAX_SAFETY_MS);
    now += QUIET_MS - 1;
    expect(spread.leadMs).toBe(400 - MAX_SAFETY_MS);
    now += 1;
    expect(spread.leadMs).toBe(400 - BASE_SAFETY_MS);
  });

  it('ignores round trips that are not durations', () => {
    const spread = new LatencySpread();
    for (let i = 0; i < 8; i++) spread.record(100);
    spread.record(Number.NaN);
    spread.record(-5);
    expect(spread.leadMs).toBe(100 - BASE_SAFETY_MS);
  });
});
