/**
 * What every benchmark prints and writes: an aligned table on stdout and a JSON file under
 * `bench/results/<name>.json` (gitignored), both stamped with the machine and its load, because
 * figures from a shared 2-core machine mean little without them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { REPO_ROOT } from './cli-process.js';

export interface MachineInfo {
  date: string;
  node: string;
  cpu: string;
  cpus: number;
  memoryGiB: number;
  /** 1, 5 and 15-minute load averages when the benchmark started or ended. */
  loadAverage: number[];
  /** The `uptime` line, for the README. */
  uptime: string;
  /** The code measured: `BENCH_COMMIT` (set when running from an exported snapshot), else `git rev-parse HEAD`, plus "-dirty" when the tree has changes. */
  commit: string;
}

function codeVersion(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  let uptime = '';
  try {
    uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    uptime = `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`;
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    uptime,
    commit: codeVersion(),
  };
}

export type Cell = string | number | boolean | null | undefined;

/** Formats numbers for people: thousands separators, at most `digits` decimals. */
export function fmt(value: Cell, digits = 2): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    return value.toLocaleString('en-US', { maximumFractionDigits: digits });
  }
  return String(value);
}

/** An aligned plain-text table (numbers right-aligned), as a string. */
export function renderTable(rows: Record<string, Cell>[], columns?: string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => fmt(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const numeric = cols.map((c) => rows.every((r) => typeof r[c] === 'number' || r[c] == null));
  const line = (values: string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
  return [line(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function printTable(title: string, rows: Record<string, Cell>[], columns?: string[]): void {
  console.log(`\n${title}\n${renderTable(rows, columns)}`);
}

/** Writes `bench/results/<name>.json` with the machine info; returns its path. */
export function writeResults(name: string, report: Record<string, unknown>): string {
  const file = resolve(REPO_ROOT, 'bench/results', `${name}.json`);
  mkdirSync(resolve(REPO_ROOT, 'bench/results'), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ benchmark: name, ...report }, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
  return file;
}

export const MiB = 2 ** 20;
export const toMiB = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
