/**
 * A memory probe preloaded into `lead-importer worker` by a benchmark that spawns it:
 *
 *   BENCH_WORKER_BUILT=1 BENCH_WORKER_NODE_FLAGS="--expose-gc --import ./bench/lib/worker-memory-probe.mjs" \
 *     MEMPROBE_DIR=/tmp/probe npm run -s bench:many-companies -- --rows 3000
 *
 * Every second it appends the worker's memory to `$MEMPROBE_DIR/mem-<pid>.jsonl` (MiB: RSS, peak RSS `VmHWM`,
 * `RssAnon`, `RssFile`, V8 heap total and used, external, array buffers), so RSS can be told apart from the V8 heap
 * without a forced GC changing what is measured; with `MEMPROBE_GC=1` every tenth reading follows a full GC (the live
 * heap). On SIGUSR2 it writes a heap snapshot after a GC to `$MEMPROBE_DIR/w-<n>.heapsnapshot` (writing one costs
 * the process as much RSS again as its heap: readings after it do not count).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

const dir = process.env.MEMPROBE_DIR ?? '.';
const log = `${dir}/mem-${process.pid}.jsonl`;
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const statusMiB = (field) =>
  Math.round(
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) /
      1024,
  );

function read(kind) {
  const m = process.memoryUsage();
  const reading = {
    kind,
    t: Math.round(process.uptime() * 10) / 10,
    rss: mib(m.rss),
    hwm: statusMiB('VmHWM'),
    anon: statusMiB('RssAnon'),
    file: statusMiB('RssFile'),
    heapTotal: mib(m.heapTotal),
    heapUsed: mib(m.heapUsed),
    external: mib(m.external),
    arrayBuffers: mib(m.arrayBuffers),
  };
  appendFileSync(log, `${JSON.stringify(reading)}\n`);
}

let tick = 0;
setInterval(() => {
  tick++;
  if (tick % 10 === 0 && globalThis.gc && process.env.MEMPROBE_GC === '1') {
    globalThis.gc();
    read('gc');
  } else read('raw');
}, 1000).unref();

let snapshots = 0;
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  read('snapshot');
  writeHeapSnapshot(`${dir}/w-${snapshots++}.heapsnapshot`);
});
