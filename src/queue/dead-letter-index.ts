import type { Redis } from 'ioredis';
import { keyScope, keysFor } from './names.js';
import { sendTogether } from './send-together.js';

/**
 * Which of the shared dead-letter queue's entries belong to each connection: a set of entry ids per connection
 * (`keys.deadLetterIndex`, in the connection's slot on a cluster), and the set of connections that have one
 * (`keys.deadLetterIndexed`). One connection's count (the dashboard's DLQ tile with `?connection=`, polled every 2 s by
 * each viewer) is then an `SCARD` per connection and the DLQ's own counts, not a read of every entry's id and of every
 * import they name.
 *
 * BullMQ adds and removes an entry in its own scripts, on the DLQ's keys (the shared slot on a cluster), which ours
 * cannot join; so the index moves in its own step, idempotent (`SADD`, `SREM`), ordered so that a step cut short is
 * redone by running the same thing again:
 * - an entry is indexed **after** it was added (`DeadLetterWriter`): a worker that dies in between runs the row
 *   again, adds it again (same id: one entry) and indexes it;
 * - an entry leaves the index **before** it is removed (`dlq retry` replays it, `dlq purge` deletes it, a stale
 *   entry is dropped): cut short, the entry is still in the DLQ, and the command run again removes it.
 *
 * The index is trusted only while it adds up: its connections' counts sum to the DLQ's ({@link countIfWhole}). They
 * do not while an add or a removal is between its two steps, for entries written before the index existed or by
 * anything else than our code, or removed by anything else: the caller then reads the DLQ's ids as before and
 * {@link heal}s the index from them.
 */
export class DeadLetterIndex {
  private readonly keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = keysFor(prefix, keyScope(redis));
  }

  async add(connection: string, entryId: string): Promise<void> {
    await this.redis.sadd(this.keys.deadLetterIndexed, connection);
    await this.redis.sadd(this.keys.deadLetterIndex(connection), entryId);
  }

  async remove(connection: string, entryId: string): Promise<void> {
    await this.redis.srem(this.keys.deadLetterIndex(connection), entryId);
  }

  /**
   * The connection's entries, when the index adds up to `dlqTotal` (every entry of the DLQ, read just before): the
   * sum of every indexed connection's count. Undefined when it does not.
   */
  async countIfWhole(connection: string, dlqTotal: number): Promise<number | undefined> {
    const named = await this.redis.smembers(this.keys.deadLetterIndexed);
    const counts =
      named.length === 0
        ? []
        : await sendTogether(this.redis, (r) => named.map((c) => r.scard(this.keys.deadLetterIndex(c))));
    if (counts.reduce((a, b) => a + b, 0) !== dlqTotal) return undefined;
    const i = named.indexOf(connection);
    return i === -1 ? 0 : counts[i];
  }

  /**
   * Makes the index say what a read of the whole DLQ found (`seen`: each connection's entry ids): adds what it lacks,
   * and drops ids it holds that are not in the DLQ any more (`exists` asked after the read: an entry added since is
   * kept). A change racing this is caught by the next {@link countIfWhole}, which reads the DLQ again.
   */
  async heal(
    seen: ReadonlyMap<string, ReadonlySet<string>>,
    exists: (ids: string[]) => Promise<boolean[]>,
  ): Promise<void> {
    const named = new Set([...(await this.redis.smembers(this.keys.deadLetterIndexed)), ...seen.keys()]);
    for (const connection of named) {
      const ids = seen.get(connection) ?? new Set<string>();
      if (ids.size > 0) await this.redis.sadd(this.keys.deadLetterIndexed, connection);
      if (ids.size > 0) await this.redis.sadd(this.keys.deadLetterIndex(connection), ...ids);
      const members = await this.redis.smembers(this.keys.deadLetterIndex(connection));
      const extra = members.filter((id) => !ids.has(id));
      if (extra.length === 0) continue;
      const there = await exists(extra);
      const gone = extra.filter((_, i) => !there[i]);
      if (gone.length > 0) await this.redis.srem(this.keys.deadLetterIndex(connection), ...gone);
    }
  }
}
