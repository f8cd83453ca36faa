/**
 * What the grown-file check of `import` costs (import-csv.ts, `grownFrom`): a 200 MB file against 500 recent imports
 * of distinct sizes. Before: one `hashFile` of a prefix per distinct size (it read the file once per earlier import
 * of the same name). After: `prefixHashes`, one read of the file up to the largest size, one sha256 copied at each
 * size. The old way is timed on `--old-sample` sizes spread evenly over the range (default 50) and scaled to 500:
 * all 500 would read ~50 GB. Both print ms and read MB; `--mb` and `--imports` change the file and the count.
 *
 *   npx tsx bench/grown-file-check.ts [--mb 200] [--imports 500] [--old-sample 50]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFile, prefixHashes } from '../src/producer/import-csv.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const mb = arg('mb', 200);
const imports = arg('imports', 500);
const oldSample = arg('old-sample', 50);
const size = mb * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'lpi-grown-bench-'));
const file = join(dir, 'leads.csv');
try {
  const row = 'Ana Ames,ana@acme.example,Acme,Hot\n';
  writeFileSync(file, Buffer.alloc(size, row));
  // Distinct sizes over the whole file, as 500 earlier exports of a list that kept growing would have.
  const sizes = Array.from({ length: imports }, (_, i) => Math.floor(((i + 1) * (size - 1)) / imports));
  await hashFile(file); // the page cache warm for both, as the import's own hash of the file leaves it

  let t = performance.now();
  const hashes = await prefixHashes(file, sizes);
  const after = performance.now() - t;

  const sample = Array.from(
    { length: oldSample },
    (_, i) => sizes[Math.floor(((i + 0.5) * imports) / oldSample)] as number,
  );
  t = performance.now();
  for (const s of sample) {
    if ((await hashFile(file, s)) !== hashes.get(s)) throw new Error(`prefix ${s}: hashes differ`);
  }
  const oldMs = ((performance.now() - t) * imports) / oldSample;
  const oldMb = sizes.reduce((a, b) => a + b, 0) / 1024 / 1024;

  t = performance.now();
  await hashFile(file);
  const whole = performance.now() - t;

  console.log(
    `file ${mb} MB, ${imports} earlier imports of distinct sizes (load: ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  console.log(
    `before (a hashFile per size): ${(oldMs / 1000).toFixed(1)} s, ${oldMb.toFixed(0)} MB read (timed on ${oldSample} sizes, scaled to ${imports})`,
  );
  console.log(
    `after (prefixHashes, one read): ${(after / 1000).toFixed(2)} s, ${((sizes.at(-1) ?? 0) / 1024 / 1024).toFixed(0)} MB read`,
  );
  console.log(`for scale, the import's own hashFile of the whole file: ${(whole / 1000).toFixed(2)} s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
