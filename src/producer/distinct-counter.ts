/**
 * Counts distinct strings in bounded memory: exactly up to `exactLimit` values, then with a
 * HyperLogLog sketch (16 KiB, about 1 % standard error). The producer counts distinct persons
 * and organizations of a file for the cost estimate and for the worker's list-or-search choice,
 * where a percent does not matter and a million strings in a Set would.
 */
export class DistinctCounter {
  private exact: Set<string> | undefined = new Set();
  private registers: Uint8Array | undefined;
  private static readonly P = 14;

  /** @param exactLimit values counted exactly before switching to the sketch. @defaultValue 16384 */
  constructor(private readonly exactLimit = 16_384) {}

  add(value: string): void {
    if (this.exact) {
      this.exact.add(value);
      if (this.exact.size > this.exactLimit) {
        this.registers = new Uint8Array(1 << DistinctCounter.P);
        for (const v of this.exact) this.addToSketch(v);
        this.exact = undefined;
      }
      return;
    }
    this.addToSketch(value);
  }

  /** Whether the count is exact (no sketch used yet). */
  get isExact(): boolean {
    return this.exact !== undefined;
  }

  get count(): number {
    if (this.exact) return this.exact.size;
    const registers = this.registers as Uint8Array;
    const m = registers.length;
    let sum = 0;
    let zeros = 0;
    for (const r of registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    const estimate = (alpha * m * m) / sum;
    // Small-range correction (linear counting), as in the HyperLogLog paper.
    if (estimate <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    return Math.round(estimate);
  }

  private addToSketch(value: string): void {
    const hash = murmur3(value);
    const p = DistinctCounter.P;
    const index = hash >>> (32 - p);
    const rest = (hash << p) >>> 0;
    const rank = rest === 0 ? 32 - p + 1 : Math.clz32(rest) + 1;
    const registers = this.registers as Uint8Array;
    if (rank > (registers[index] ?? 0)) registers[index] = rank;
  }
}

/** MurmurHash3 (x86, 32-bit) over pairs of UTF-16 code units: fast, well mixed, no allocation. */
function murmur3(text: string, seed = 0x9747b28c): number {
  let h = seed;
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = text.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
