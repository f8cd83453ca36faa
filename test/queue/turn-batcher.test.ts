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
  const ask = (n: number) =>
    new Promise<void>((resolve, reject) => {
      batcher.add({ n, resolve, reject });
    });
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
});
