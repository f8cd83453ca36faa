import { describe, expect, it } from 'vitest';
import { TurnBatcher } from '../../src/queue/turn-batcher.js';

interface Ask {
  n: number;
  resolve(): void;
  reject(err: unknown): void;
}

/** A batcher whose calls are recorded (each call's request numbers) and answered after a turn. */
function recording(lingerMs?: number) {
  const calls: number[][] = [];
  const batcher = new TurnBatcher<Ask>(
    (taken) => ({ calls: [taken] }),
    async (call) => {
      calls.push(call.map((a) => a.n));
      await new Promise((r) => setImmediate(r));
      for (const a of call) a.resolve();
    },
    lingerMs,
  );
  const ask = (n: number) => batcher.ask({ n });
  return { calls, ask };
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('TurnBatcher', () => {
  it('sends a request asked alone at the end of its turn; one asked in the next turn waits for that step', async () => {
    const { calls, ask } = recording();
    const first = ask(1);
    const second = ask(2);
    await nextTurn();
    const third = ask(3);
    await Promise.all([first, second, third]);
    expect(calls).toEqual([[1, 2], [3]]);
  });

  it('with a linger, holds the first request of an idle batcher so that later turns join its step', async () => {
    const { calls, ask } = recording(500);
    const first = ask(1);
    await nextTurn();
    const second = ask(2);
    await nextTurn();
    const third = ask(3);
    await Promise.all([first, second, third]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('answers each request asked with its own answer, and rejects those of a call that failed', async () => {
    const batcher = new TurnBatcher<{ n: number; resolve(answer: string): void; reject(err: unknown): void }>(
      // Odd and even numbers in calls of their own; the odd ones' call fails.
      (taken) => ({ calls: [taken.filter((r) => r.n % 2 === 0), taken.filter((r) => r.n % 2 === 1)] }),
      async (call) => {
        if (call[0]!.n % 2 === 1) throw new Error('odd call failed');
        for (const r of call) r.resolve(`answer ${r.n}`);
      },
    );
    const settled = await Promise.allSettled([0, 1, 2, 3].map((n) => batcher.ask({ n })));
    expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'answer 0',
      'odd call failed',
      'answer 2',
      'odd call failed',
    ]);
  });
});
