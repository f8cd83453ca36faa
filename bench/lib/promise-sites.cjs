/**
 * How many promises, timers and ticks a process makes, and where its promises come from: preload it into a worker with
 *
 *   BENCH_ASYNC_OUT=/tmp/async.txt BENCH_WORKER_NODE_FLAGS="--require ./bench/lib/promise-sites.cjs" npm run bench:…
 *
 * and it writes, when the process exits, the count of every async resource by type (`PROMISE`, `TickObject`,
 * `Timeout`, …; from `async_hooks`' init), then the creation sites of one promise in `BENCH_ASYNC_EVERY` (default 200),
 * each site its first four stack frames, most frequent first. Divide the counts by the run's leads. The hook makes
 * every promise dearer: read counts from such a run, not its CPU figures.
 */
const { createHook } = require('node:async_hooks');
const { writeFileSync } = require('node:fs');

const out = process.env.BENCH_ASYNC_OUT;
if (out) {
  const every = Number(process.env.BENCH_ASYNC_EVERY ?? 200);
  const types = new Map();
  const sites = new Map();
  let promises = 0;
  let inHook = false;
  const frame = (line) =>
    line
      .trim()
      .replace(/^at /, '')
      .replace(/file:\/\/|\/[^ (]*\/(?=(dist|src|node_modules)\/)/g, '')
      .replace(/:\d+\)$/, ')');
  createHook({
    init(_id, type) {
      types.set(type, (types.get(type) ?? 0) + 1);
      if (type !== 'PROMISE' || inHook || ++promises % every !== 0) return;
      inHook = true;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 12;
      const stack = (new Error().stack ?? '')
        .split('\n')
        .slice(2)
        .filter((l) => !l.includes('async_hooks'));
      Error.stackTraceLimit = limit;
      const site = stack.slice(0, 4).map(frame).join(' <- ');
      sites.set(site, (sites.get(site) ?? 0) + 1);
      inHook = false;
    },
  }).enable();
  process.on('exit', () => {
    const byCount = (m) => [...m].sort((a, b) => b[1] - a[1]);
    const lines = [
      ...byCount(types).map(([type, n]) => `${type}\t${n}`),
      '',
      `promise sites, one promise in ${every}:`,
      ...byCount(sites).map(([site, n]) => `${n}\t${site}`),
    ];
    writeFileSync(out, `${lines.join('\n')}\n`);
  });
}
