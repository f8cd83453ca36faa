import { afterEach, describe, expect, it } from 'vitest';
import { waitForImport } from '../../src/producer/wait.js';
import type { ImportLedger, ImportRecord } from '../../src/queue/ledger.js';

/** A record that is `pending` rows short of done. */
function record(pending: number): ImportRecord {
  return { importId: 'imp', state: pending === 0 ? 'completed' : 'enqueued', pending } as ImportRecord;
}

/** A ledger whose polls answer `answers` in turn (an Error is thrown), the last one for ever after. */
function ledgerAnswering(answers: (ImportRecord | Error)[]): ImportLedger & { polls: number } {
  const ledger = {
    polls: 0,
    async getImport() {
      const answer = answers[Math.min(ledger.polls++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return ledger as unknown as ImportLedger & { polls: number };
}

const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('waitForImport', () => {
  it('follows an import over more than eleven polls without a MaxListenersExceededWarning on its signal', async () => {
    process.on('warning', onWarning);
    const ledger = ledgerAnswering([...Array.from({ length: 15 }, () => record(3)), record(0)]);
    const done = await waitForImport(ledger, 'imp', { intervalMs: 1, signal: new AbortController().signal });
    expect(done.state).toBe('completed');
    expect(ledger.polls).toBe(16);
    // Node emits the warning on the next tick.
    await new Promise((r) => setImmediate(r));
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });
});
