/**
 * What a long-lived process remembers per import (its company, its rows per job, its connection, whether its
 * cache was warmed): a `Map` that keeps the {@link RecentMap.limit} most recently used entries and forgets the
 * least recently used one beyond. A worker serves imports for months; a plain map kept every import it ever
 * saw (a few hundred bytes each in each of four maps, found by `bench:worker-soak`). Each such entry is a cache
 * of something Redis holds, so a forgotten entry costs one read again, never a wrong answer.
 *
 * Use counts as `get` or `set`: an import whose rows are running is used with every row and never forgotten
 * while fewer than `limit` other imports were used since.
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, V>();

  /** Entries kept: the most an import-keyed map of a worker holds. @defaultValue 10,000 */
  constructor(readonly limit = 10_000) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a whole number ≥ 1, got ${limit}`);
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value, which becomes the most recently used. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    // A Map iterates in insertion order: moved to the end, it is the last to be forgotten.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Sets the value as the most recently used, forgetting the least recently used entry beyond the limit. */
  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K);
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }
}
