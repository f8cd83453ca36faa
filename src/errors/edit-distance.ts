/**
 * Edit distance with two swapped neighbouring letters as one edit (optimal string alignment): how far a typed name
 * is from a valid one, for the "did you mean" of configuration and mapping errors.
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        current[j] = Math.min(current[j] ?? 0, (before[j - 2] ?? 0) + 1);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate nearest to `wanted` within `limit` edits, the first of equals; undefined when none is that near.
 * `key` is what is compared of each name (lower case, or letters and digits only). The "did you mean" of the CLI's
 * flags, the connections file's keys and the mapping file's names and columns.
 */
export function nearest(
  wanted: string,
  candidates: readonly string[],
  limit: number,
  key: (name: string) => string = (name) => name,
): string | undefined {
  const target = key(wanted);
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(key(candidate), target);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
