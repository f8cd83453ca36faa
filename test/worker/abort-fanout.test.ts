import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkSignals } from '../../src/worker/abort-fanout.js';

describe("a row's signal, linked to its job's and the connection's", () => {
  it("gives a chunk's rows one linked signal: one listener on the job's signal, gone when the last row ends", () => {
    const job = new AbortController();
    const shutdown = new AbortController();
    const rows = Array.from({ length: 10 }, () => linkSignals(job.signal, shutdown.signal));
    expect(new Set(rows.map((r) => r.signal)).size).toBe(1);
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(1);
    for (const row of rows.slice(0, 9)) row.unlink();
    rows[0]?.unlink(); // a row unlinking twice does not count twice
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(1);
    rows[9]?.unlink();
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(0);
    // A row starting on the job after that gets a signal of its own again.
    const later = linkSignals(job.signal, shutdown.signal);
    expect(later.signal).not.toBe(rows[0]?.signal);
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(1);
    later.unlink();
  });

  it("aborts with the job's reason or the shutdown's, whichever comes first, for every row", () => {
    const job = new AbortController();
    const shutdown = new AbortController();
    const [a, b] = [linkSignals(job.signal, shutdown.signal), linkSignals(job.signal, shutdown.signal)];
    job.abort(new Error('lock lost'));
    expect(a.signal.aborted && b.signal.aborted).toBe(true);
    expect((a.signal.reason as Error).message).toBe('lock lost');
    a.unlink();
    b.unlink();

    const otherJob = new AbortController();
    const c = linkSignals(otherJob.signal, shutdown.signal);
    shutdown.abort(new Error('stopping'));
    expect((c.signal.reason as Error).message).toBe('stopping');
    // Already aborted sources: the linked signal starts aborted.
    const d = linkSignals(new AbortController().signal, shutdown.signal);
    expect(d.signal.aborted).toBe(true);
    c.unlink();
    d.unlink();
  });

  it('rows of different jobs get signals of their own', () => {
    const shutdown = new AbortController();
    const [one, two] = [new AbortController(), new AbortController()];
    const a = linkSignals(one.signal, shutdown.signal);
    const b = linkSignals(two.signal, shutdown.signal);
    expect(a.signal).not.toBe(b.signal);
    one.abort();
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
    a.unlink();
    b.unlink();
  });
});
