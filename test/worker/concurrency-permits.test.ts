import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ConcurrencyPermits, type ReleasePermit, ROWS_AHEAD } from '../../src/worker/concurrency-permits.js';

/** Records the order in which rows of each connection get their permits. */
function recorder(permits: ConcurrencyPermits) {
  const order: string[] = [];
  const held: ReleasePermit[] = [];
  const ask = (connection: string, signal?: AbortSignal) =>
    permits.acquire(connection, signal).then((release) => {
      order.push(connection);
      held.push(release);
      return release;
    });
  return { order, held, ask };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyPermits: the process concurrency shared by its connections', () => {
  it('grants free permits at once, and a connection alone may use all of them', async () => {
    const permits = new ConcurrencyPermits(3);
    const { order, ask } = recorder(permits);
    await Promise.all([ask('a'), ask('a'), ask('a')]);
    expect(order).toEqual(['a', 'a', 'a']);
    expect(permits.heldBy('a')).toBe(3);
  });

  it("gives a freed permit to the waiting connection holding the fewest, so a busy company's queue never stands in front of another's row", async () => {
    const permits = new ConcurrencyPermits(2);
    const { order, held, ask } = recorder(permits);
    await Promise.all([ask('busy'), ask('busy')]);
    // The busy company has five more rows waiting before the small one asks.
    for (let i = 0; i < 5; i++) void ask('busy');
    void ask('small');
    void ask('other');
    await settle();
    expect(permits.waitingFor('busy')).toBe(5);

    for (let i = 0; i < 4; i++) {
      held.shift()!();
      await settle();
    }

    // The first permit back goes to small (busy still holds one); then equals take turns in the order they queued.
    expect(order).toEqual(['busy', 'busy', 'small', 'busy', 'other', 'busy']);
    expect(permits.waitingFor('busy')).toBe(3);
    expect(permits.waitingFor('small')).toBe(0);
  });

  it('keeps a slow company (its rows wait on its own rate limit) from gathering the permits a fast one gives back', async () => {
    const permits = new ConcurrencyPermits(3);
    const { order, held, ask } = recorder(permits);
    const slow = await Promise.all([ask('slow'), ask('slow')]);
    const fast = [await ask('fast')];
    for (let i = 0; i < 5; i++) void ask('slow');
    for (let i = 0; i < 5; i++) void ask('fast');
    await settle();
    held.length = 0;

    // The fast company's rows end quickly; the slow one's hold on.
    for (let i = 0; i < 5; i++) {
      (fast.shift() ?? held.shift())!();
      await settle();
      fast.push(held.shift()!);
    }

    // With turns alone, the slow company would take every other permit back and end up with all three.
    expect(order.slice(3)).toEqual(['fast', 'fast', 'fast', 'fast', 'fast']);
    expect(permits.heldBy('slow')).toBe(2);
    expect(permits.heldBy('fast')).toBe(1);
    for (const release of [...slow, ...fast]) release();
  });

  it('returns a permit to the pool when no row waits, and counts a double release once', async () => {
    const permits = new ConcurrencyPermits(1);
    const release = await permits.acquire('a');
    release();
    release();
    const { order, held, ask } = recorder(permits);
    await ask('b');
    const late = ask('c');
    await settle();
    // Counted twice, the pool would hold two permits and c would run beside b.
    expect(order).toEqual(['b']);
    expect(permits.waitingFor('c')).toBe(1);
    held.shift()!();
    await late;
    expect(order).toEqual(['b', 'c']);
  });

  it('drops a waiting row whose signal aborts (a shutdown), without losing the permit', async () => {
    const permits = new ConcurrencyPermits(1);
    const { order, held, ask } = recorder(permits);
    await ask('a');
    const stop = new AbortController();
    const waiting = ask('b', stop.signal);
    const next = ask('c');
    stop.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    held.shift()!();
    await next;
    expect(order).toEqual(['a', 'c']);
    await expect(permits.acquire('d', stop.signal)).rejects.toThrow('stopping');
  });

  it('listens once on a shutdown signal all waiting rows share, however many wait, and still drops each of them when it aborts', async () => {
    const permits = new ConcurrencyPermits(1);
    const { held, ask } = recorder(permits);
    await ask('a');
    const shutdown = new AbortController();
    const rows = Array.from({ length: 50 }, () => new AbortController());
    const waiting = rows.map((row) =>
      permits.acquire('b', row.signal, shutdown.signal).then(
        (release) => ({ release }),
        (err: unknown) => ({ err }),
      ),
    );
    await settle();
    // Each row's own signal has its one listener; the shared one has one for all fifty, not fifty.
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    expect(getEventListeners(rows[0]!.signal, 'abort')).toHaveLength(1);
    // A row granted its permit stops listening: its own signal's abort does nothing to it any more.
    held.shift()!();
    const first = await waiting[0]!;
    expect(first).toHaveProperty('release');
    rows[0]!.abort(new Error('too late'));
    shutdown.abort(new Error('stopping'));
    const rest = await Promise.all(waiting.slice(1));
    expect(rest.every((r) => 'err' in r && (r.err as Error).message === 'stopping')).toBe(true);
    expect(permits.waitingFor('b')).toBe(0);
    // The permit the first row holds is still its own: given back, it is free for the next row.
    (first as { release: ReleasePermit }).release();
    await expect(permits.acquire('c', shutdown.signal)).rejects.toThrow('stopping');
    await expect(permits.acquire('c')).resolves.toBeTypeOf('function');
  });
  it('holds a connection to its cap whatever is free, gives what it cannot take to others, and lets it take more once the cap is raised', async () => {
    const permits = new ConcurrencyPermits(5);
    const { order, held, ask } = recorder(permits);
    // A rate-limited company whose window admits 2 calls per 2 s: a third row would only wait in its limiter.
    permits.cap('limited', 2);
    for (let i = 0; i < 4; i++) void ask('limited');
    await settle();
    expect(permits.heldBy('limited')).toBe(2);
    expect(permits.waitingFor('limited')).toBe(2);
    // The permits it may not take stay free for a company whose rows come later.
    await Promise.all([ask('late'), ask('late'), ask('late')]);
    expect(permits.heldBy('late')).toBe(3);
    const late = ask('late');
    await settle();
    expect(permits.waitingFor('late')).toBe(1);

    // A permit of the limited company comes back: it goes to limited's waiting row (the fewest held).
    held.shift()!();
    await settle();
    expect(order.slice(5)).toEqual(['limited']);
    // A permit of late's comes back: limited holds fewer but is at its cap, so late's row takes it.
    held.splice(2, 1)[0]!();
    await late;
    expect(permits.heldBy('limited')).toBe(2);
    expect(permits.waitingFor('limited')).toBe(1);

    // Its window grows (a header said so): its waiting row takes the next permit given back, another's too.
    permits.cap('limited', 3);
    held.splice(1, 1)[0]!();
    await settle();
    expect(permits.heldBy('limited')).toBe(3);
    expect(permits.waitingFor('limited')).toBe(0);
    expect(() => permits.cap('limited', 0)).toThrow(RangeError);
  });

  it('tells each BullMQ worker to take its permits and a share more, not every row the process could run', async () => {
    const permits = new ConcurrencyPermits(200);
    // One connection served: it takes as many as it may run, as before.
    permits.cap('alone', Number.POSITIVE_INFINITY);
    expect(permits.rowsToTake('alone')).toBe(200);
    permits.forget('alone');
    // Ten served: each takes its permits plus a tenth of them, within its cap.
    const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
    for (const name of names) permits.cap(name, name === 'c9' ? 30 : Number.POSITIVE_INFINITY);
    expect(permits.rowsToTake('c0')).toBe(20);
    const releases = await Promise.all(Array.from({ length: 15 }, () => permits.acquire('c0')));
    expect(permits.rowsToTake('c0')).toBe(35);
    await Promise.all(Array.from({ length: 25 }, () => permits.acquire('c9')));
    expect(permits.heldBy('c9')).toBe(25);
    expect(permits.rowsToTake('c9')).toBe(30);
    for (const release of releases) release();
    expect(permits.rowsToTake('c0')).toBe(20);
    // Never fewer than a few ahead, however many connections share the permits.
    const small = new ConcurrencyPermits(8);
    for (const name of names) small.cap(name, Number.POSITIVE_INFINITY);
    expect(small.rowsToTake('c0')).toBe(ROWS_AHEAD);
  });
});
