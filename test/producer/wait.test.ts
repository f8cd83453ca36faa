import { ReplyError } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportFollowLostError, waitForImport } from '../../src/producer/wait.js';
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

  it('rides through polls that fail while Redis fails over (connection closed, MOVED, CLUSTERDOWN, TRYAGAIN) and returns the final record', async () => {
    const ledger = ledgerAnswering([
      record(3),
      new Error('Connection is closed.'),
      new ReplyError('MOVED 3999 127.0.0.1:6381'),
      new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'),
      new ReplyError('CLUSTERDOWN The cluster is down'),
      new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'),
      record(1),
      record(0),
    ]);
    const done = await waitForImport(ledger, 'imp', { intervalMs: 1 });
    expect(done).toMatchObject({ state: 'completed', pending: 0 });
  });

  it('gives up with ImportFollowLostError, naming the import and the last error, once Redis stays away longer than outageToleranceMs', async () => {
    const ledger = ledgerAnswering([record(3), new Error('Connection is closed.')]);
    const failed = waitForImport(ledger, 'imp', { intervalMs: 5, outageToleranceMs: 50 });
    await expect(failed).rejects.toBeInstanceOf(ImportFollowLostError);
    await expect(failed).rejects.toThrow(/while following import imp \(last error: Connection is closed\.\)/);
  });

  it('fails at once on an error that is not Redis being away (a bug, a wrong reply)', async () => {
    const bug = ledgerAnswering([new TypeError("Cannot read properties of undefined (reading 'pending')")]);
    await expect(waitForImport(bug, 'imp', { intervalMs: 1 })).rejects.toBeInstanceOf(TypeError);
    const wrong = ledgerAnswering([
      new ReplyError('WRONGTYPE Operation against a key holding the wrong kind'),
    ]);
    await expect(waitForImport(wrong, 'imp', { intervalMs: 1 })).rejects.toThrow(/^WRONGTYPE/);
    expect(wrong.polls).toBe(1);
  });

  it('stops on abort with the last record seen, even while polls fail', async () => {
    const controller = new AbortController();
    const ledger = ledgerAnswering([record(3), new Error('Connection is closed.')]);
    const waiting = waitForImport(ledger, 'imp', { intervalMs: 5, signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    expect(await waiting).toMatchObject({ pending: 3 });
  });
});
