/**
 * Sums a V8 CPU profile's self time by function and by file or package: where a worker's busy
 * time goes, without opening DevTools. Profiles come from any bench run with
 * `BENCH_CPU_PROF_DIR=/some/dir` (every `lead-importer worker` it starts writes one on exit).
 *
 *   npx tsx bench/cpu-profile-summary.ts /tmp/cpuprof/CPU.*.cpuprofile
 *   npx tsx bench/cpu-profile-summary.ts --top 50 FILE
 *   npx tsx bench/cpu-profile-summary.ts --from-s 60 FILE   # steady state: samples from 60 s into the profile
 *   npx tsx bench/cpu-profile-summary.ts /tmp/alloc/ALLOC.*.heapprofile   # bytes allocated, by the same groups
 *
 * A `.heapprofile` (bench/lib/alloc-sampler.cjs, or `node --heap-prof`) is summed the same way: sampled bytes
 * allocated by each function itself instead of time.
 *
 * Shares are of the busy time: `(idle)` is left out of the total and shown apart. Groups: a
 * package under node_modules (`bullmq`, `ioredis`, `pino`, …), a file of ours (`src/…`), Node's
 * own JavaScript (`node:…`), and V8's pseudo-frames (`(garbage collector)`, `(program)`: native
 * code outside JavaScript, such as the write system calls).
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A sampling heap profile: a tree of frames, each with the bytes sampled in it. */
interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '30' }, 'from-s': { type: 'string', default: '0' } },
  allowPositionals: true,
});
const top = Number(values.top);
const fromUs = Number(values['from-s']) * 1e6;
if (positionals.length === 0) {
  console.error(
    'usage: npx tsx bench/cpu-profile-summary.ts [--top N] [--from-s S] FILE.cpuprofile|FILE.heapprofile…',
  );
  process.exit(2);
}

/** Where a frame's code lives: a package, a file of ours, Node's own code or a V8 pseudo-frame. */
export function groupOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: (Node.js internals)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url;
}

function table(title: string, totals: Map<string, number>, total: number, unit: 'ms' | 'KiB'): void {
  console.log(`\n${title}`);
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, amount] of rows) {
    const share = ((amount / total) * 100).toFixed(1).padStart(5);
    const scaled = unit === 'ms' ? amount / 1000 : amount / 1024;
    console.log(`${share} %  ${scaled.toFixed(0).padStart(7)} ${unit}  ${name}`);
  }
}

function frameName(frame: ProfileNode['callFrame']): string {
  const where = frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where}`;
}

function summarizeHeap(file: string, head: HeapNode): void {
  const byFunction = new Map<string, number>();
  const byGroup = new Map<string, number>();
  let totalBytes = 0;
  const visit = (node: HeapNode) => {
    if (node.selfSize > 0) {
      totalBytes += node.selfSize;
      const fn = frameName(node.callFrame);
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.selfSize);
      const group = groupOf(node.callFrame.url, node.callFrame.functionName);
      byGroup.set(group, (byGroup.get(group) ?? 0) + node.selfSize);
    }
    for (const child of node.children) visit(child);
  };
  visit(head);
  console.log(`${file}: ${(totalBytes / 1024 / 1024).toFixed(1)} MiB sampled`);
  table(`bytes allocated by file or package (top ${top})`, byGroup, totalBytes, 'KiB');
  table(`bytes allocated by function (top ${top})`, byFunction, totalBytes, 'KiB');
}

for (const file of positionals) {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Profile | { head: HeapNode };
  if ('head' in parsed) {
    summarizeHeap(file, parsed.head);
    continue;
  }
  const profile = parsed;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let atUs = 0;
  profile.samples.forEach((id, i) => {
    atUs += profile.timeDeltas[i] ?? 0;
    if (atUs < fromUs) return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byGroup = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const fn = frameName(frame);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const group = groupOf(frame.url, frame.functionName);
    byGroup.set(group, (byGroup.get(group) ?? 0) + us);
  }
  console.log(`${file}: busy ${(busyUs / 1000).toFixed(0)} ms, idle ${(idleUs / 1000).toFixed(0)} ms`);
  table(`self time by file or package (top ${top})`, byGroup, busyUs, 'ms');
  table(`self time by function (top ${top})`, byFunction, busyUs, 'ms');
}
