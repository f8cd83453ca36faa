/**
 * Sums a V8 CPU profile's self time by function and by file or package: where a worker's busy
 * time goes, without opening DevTools. Profiles come from any bench run with
 * `BENCH_CPU_PROF_DIR=/some/dir` (every `lead-importer worker` it starts writes one on exit).
 *
 *   npx tsx bench/cpu-profile-summary.ts /tmp/cpuprof/CPU.*.cpuprofile
 *   npx tsx bench/cpu-profile-summary.ts --top 50 FILE
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

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '30' } },
  allowPositionals: true,
});
const top = Number(values.top);
if (positionals.length === 0) {
  console.error('usage: npx tsx bench/cpu-profile-summary.ts [--top N] FILE.cpuprofile…');
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

function table(title: string, totals: Map<string, number>, busyUs: number): void {
  console.log(`\n${title}`);
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, us] of rows) {
    const share = ((us / busyUs) * 100).toFixed(1).padStart(5);
    console.log(`${share} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
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
    const where = frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'}${where}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const group = groupOf(frame.url, frame.functionName);
    byGroup.set(group, (byGroup.get(group) ?? 0) + us);
  }
  console.log(`${file}: busy ${(busyUs / 1000).toFixed(0)} ms, idle ${(idleUs / 1000).toFixed(0)} ms`);
  table(`self time by file or package (top ${top})`, byGroup, busyUs);
  table(`self time by function (top ${top})`, byFunction, busyUs);
}
