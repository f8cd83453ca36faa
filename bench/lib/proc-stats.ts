/**
 * CPU time and memory of a process, read from Linux's `/proc/<pid>/stat` and `/proc/<pid>/status`.
 * Benchmarks compare processes (workers, the sandbox, redis-server) by these, not by wall time
 * alone, because the machine is shared and wall time is noisy.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of `utime`/`stime` (almost always 100 on Linux). */
const CLOCK_TICKS_PER_S = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcStats {
  /** User + system CPU time since the process started, in milliseconds. */
  cpuMs: number;
  /** Resident set size now, in bytes. */
  rssBytes: number;
  /** Highest resident set size since the process started (`VmHWM`), in bytes. */
  peakRssBytes: number;
  /**
   * `write` system calls since the process started (`syscw` of /proc/<pid>/io): for a worker, about
   * one per Redis round trip (a pipeline is one), per HTTP request and per log line.
   */
  writeCalls: number;
}

/** Stats of a live process, or `null` when it has exited (or is not ours to read). */
export function readProcStats(pid: number): ProcStats | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    let writeCalls = 0;
    try {
      writeCalls = Number(/^syscw:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
    } catch {
      // /proc/<pid>/io needs ptrace access: left at 0 where it is refused.
    }
    return {
      cpuMs: ((utime + stime) * 1000) / CLOCK_TICKS_PER_S,
      rssBytes: kb('VmRSS') * 1024,
      peakRssBytes: kb('VmHWM') * 1024,
      writeCalls,
    };
  } catch {
    return null;
  }
}

/** What a {@link ProcSampler} learned about one process. */
export interface SampledProcess {
  name: string;
  pid: number;
  /** CPU ms spent between `start()` (or when the process was added) and the last sample. */
  cpuMs: number;
  /** Highest RSS seen (sampled RSS and the kernel's `VmHWM`), in bytes. */
  peakRssBytes: number;
  /** `write` system calls over the same span as `cpuMs` (see {@link ProcStats.writeCalls}). */
  writeCalls?: number;
}

/**
 * Samples a set of processes every `intervalMs` so that CPU and peak RSS are known even for a
 * process that exits before the benchmark ends (its last sample stands).
 */
export class ProcSampler {
  private readonly procs = new Map<
    number,
    SampledProcess & { cpuAtStartMs: number; writesAtStart: number }
  >();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 250) {}

  /** Starts counting CPU of `pid` from now. */
  add(name: string, pid: number): void {
    const now = readProcStats(pid);
    this.procs.set(pid, {
      name,
      pid,
      cpuAtStartMs: now?.cpuMs ?? 0,
      cpuMs: 0,
      peakRssBytes: now?.peakRssBytes ?? 0,
      writesAtStart: now?.writeCalls ?? 0,
      writeCalls: 0,
    });
  }

  /** Forgets the CPU spent so far by every process: counting starts again from now. */
  resetCpu(): void {
    for (const p of this.procs.values()) {
      const now = readProcStats(p.pid);
      if (now) {
        p.cpuAtStartMs = now.cpuMs;
        p.writesAtStart = now.writeCalls;
      }
      p.cpuMs = 0;
      p.writeCalls = 0;
    }
  }

  sample(): void {
    for (const p of this.procs.values()) {
      const now = readProcStats(p.pid);
      if (!now) continue;
      p.cpuMs = now.cpuMs - p.cpuAtStartMs;
      p.writeCalls = now.writeCalls - p.writesAtStart;
      p.peakRssBytes = Math.max(p.peakRssBytes, now.peakRssBytes, now.rssBytes);
    }
  }

  start(): this {
    this.sample();
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Takes a last sample and stops. */
  stop(): SampledProcess[] {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
    return this.results();
  }

  results(): SampledProcess[] {
    return [...this.procs.values()].map(({ cpuAtStartMs: _, writesAtStart: __, ...p }) => p);
  }
}

/** Busy and total CPU time of the whole machine (all cores), from the `cpu` line of /proc/stat. */
export interface MachineCpu {
  busyMs: number;
  totalMs: number;
}

export function readMachineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idleAll = idle + iowait;
  const total = user + nice + system + idleAll + irq + softirq + steal;
  const toMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_S;
  return { busyMs: toMs(total - idleAll), totalMs: toMs(total) };
}

/** Share of the machine's CPU (all cores) that was busy between two readings, 0–1. */
export function machineBusyShare(from: MachineCpu, to: MachineCpu): number {
  const total = to.totalMs - from.totalMs;
  return total > 0 ? (to.busyMs - from.busyMs) / total : 0;
}

/**
 * A process's CPU split by thread, from `/proc/<pid>/task/*`: its main thread (where JavaScript runs) and all the
 * others (for Node: V8's helpers, which compile optimised code and mark and scavenge the heap, and libuv's pool).
 * Null when the process has exited.
 */
export function readThreadCpu(pid: number): { mainMs: number; otherMs: number } | null {
  try {
    let mainMs = 0;
    let otherMs = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      } catch {
        continue; // the thread ended between the listing and the read
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
      if (Number(tid) === pid) mainMs += ms;
      else otherMs += ms;
    }
    return { mainMs, otherMs };
  } catch {
    return null;
  }
}
