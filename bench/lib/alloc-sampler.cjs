/**
 * Where a process allocates, garbage included: preload it into a worker with
 *
 *   BENCH_ALLOC_PROF_DIR=/tmp/alloc BENCH_WORKER_NODE_FLAGS="--require ./bench/lib/alloc-sampler.cjs" npm run bench:…
 *   npx tsx bench/cpu-profile-summary.ts /tmp/alloc/ALLOC.*.heapprofile
 *
 * `node --heap-prof` keeps only the samples still alive when the profile is taken, which says what a process holds,
 * not what it churns through (the allocations that make its GC time). This one asks V8's sampling heap profiler to
 * keep the samples that the minor and major GCs collected as well, and writes the profile (`.heapprofile`, readable
 * by Chrome DevTools) when the process exits. `BENCH_ALLOC_FROM_S` (default 0) starts sampling that many seconds
 * after the process starts, to leave out the warm-up; `BENCH_ALLOC_INTERVAL_BYTES` (default 32768) is the mean
 * distance between samples.
 */
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_ALLOC_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let started = false;
  const start = () => {
    session.post('HeapProfiler.startSampling', {
      samplingInterval: Number(process.env.BENCH_ALLOC_INTERVAL_BYTES ?? 32768),
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    started = true;
  };
  const fromS = Number(process.env.BENCH_ALLOC_FROM_S ?? 0);
  if (fromS > 0) setTimeout(start, fromS * 1000).unref();
  else start();
  // An in-process session answers synchronously, so this works in `exit`.
  process.on('exit', () => {
    if (!started) return;
    session.post('HeapProfiler.getSamplingProfile', (err, result) => {
      if (err) return;
      writeFileSync(join(dir, `ALLOC.${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  });
}
