import { describe, expect, it } from 'vitest';
import { knownImportConnection, rememberImportConnection } from '../../src/queue/names.js';
import { RecentMap } from '../../src/queue/recent-map.js';
import { uniquePrefix } from '../helpers/redis.js';

describe('RecentMap', () => {
  it('keeps the most recently used entries and forgets the least recently used one beyond its limit', () => {
    const m = new RecentMap<string, number>(3);
    m.set('a', 1).set('b', 2).set('c', 3);
    // Reading `a` makes it the most recent: `b` is now the least recently used.
    expect(m.get('a')).toBe(1);
    m.set('d', 4);
    expect([m.has('a'), m.has('b'), m.has('c'), m.has('d')]).toEqual([true, false, true, true]);
    expect(m.size).toBe(3);
    // Setting an entry again makes it the most recent too, without growing the map.
    m.set('c', 30).set('e', 5);
    expect([m.has('a'), m.get('c'), m.has('d'), m.has('e')]).toEqual([false, 30, true, true]);
    expect(m.delete('e')).toBe(true);
    expect(m.size).toBe(2);
    expect(() => new RecentMap(0)).toThrow(RangeError);
  });

  it("bounds what a worker remembers of the imports' connections, keeping the ones in use", () => {
    const prefix = uniquePrefix('recent');
    rememberImportConnection(prefix, 'imp-running', 'a');
    for (let i = 0; i < 15_000; i++) {
      rememberImportConnection(prefix, `imp-${i}`, 'b');
      // The running import is used with each of its rows.
      if (i % 1000 === 0) expect(knownImportConnection(prefix, 'imp-running')).toBe('a');
    }
    expect(knownImportConnection(prefix, 'imp-running')).toBe('a');
    expect(knownImportConnection(prefix, 'imp-14999')).toBe('b');
    // The oldest imports nobody used since are forgotten (before: all 15,000 kept for the process's life).
    expect(knownImportConnection(prefix, 'imp-0')).toBeUndefined();
  });
});
