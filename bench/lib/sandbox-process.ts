/**
 * `lead-importer sandbox` in its own process (so its CPU is its own and measurable), driven
 * through its control API (`/_sandbox/*`, which is never rate-limited or charged).
 */
import type { RequestLogEntry, SandboxState } from '../../src/sandbox/index.js';
import { type CliProcess, spawnCli } from './cli-process.js';

export interface SandboxProcess {
  readonly url: string;
  readonly apiToken: string;
  readonly process: CliProcess;
  state(): Promise<SandboxState>;
  /** The request log (a ring buffer of the last 10,000 API requests by default). */
  requests(): Promise<RequestLogEntry[]>;
  /** Empties data, windows, budget and counters. */
  reset(): Promise<SandboxState>;
  stop(): Promise<void>;
}

/**
 * A sandbox that limits nothing: no burst windows, and a daily budget no benchmark spends. The
 * budget matters even with `--no-limits`, because the sandbox still sends the daily-budget
 * headers and the worker, as it should, believes them and waits for the next budget day.
 */
export function unlimitedSandboxFlags(...extra: string[]): string[] {
  return ['--no-limits', '--plan', 'ultimate', '--daily-tokens', String(1_000_000_000), ...extra];
}

/** Starts `lead-importer sandbox --port 0 --json <flags>`; resolves when it listens. */
export async function startSandboxProcess(flags: string[] = []): Promise<SandboxProcess> {
  const proc = spawnCli(['sandbox', '--port', '0', '--json', ...flags], { name: 'sandbox' });
  const line = await proc.waitForLine(/^\{/, 60_000);
  const { url } = JSON.parse(line) as { url: string };
  const call = async <T>(method: string, path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { method });
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    url,
    apiToken: 'sandbox-token',
    process: proc,
    state: () => call<SandboxState>('GET', '/_sandbox/state'),
    requests: () => call<RequestLogEntry[]>('GET', '/_sandbox/requests'),
    reset: () => call<SandboxState>('POST', '/_sandbox/reset'),
    async stop() {
      await proc.stop('SIGTERM', 5_000);
    },
  };
}
