/**
 * What the benchmarks that run a worker for several companies or imports share (isolation, many-companies, fairness):
 * the connections file naming each company's sandbox, waiting for a condition, and when an import is done.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportRecord } from '../../src/queue/ledger.js';

export interface CompanyEntry {
  name: string;
  /** Its sandbox's base URL. */
  url: string;
  plan: string;
}

/**
 * Writes `connections.yaml` in `dir`: each company's sandbox, plan and timeout, its token read from `<name>.token`
 * in the same folder (written by the caller, and again to rotate it). Returns the file's path.
 */
export function writeConnectionsFile(
  dir: string,
  companies: readonly CompanyEntry[],
  timeoutMs: number,
): string {
  const file = join(dir, 'connections.yaml');
  writeFileSync(
    file,
    `connections:\n${companies
      .map(
        (c) =>
          `  ${c.name}:\n    base_url: ${c.url}\n    api_token_file: ${c.name}.token\n    plan: ${c.plan}\n    timeout_ms: ${timeoutMs}\n`,
      )
      .join('')}`,
  );
  return file;
}

/** Waits until `check` gives a value, polling every `intervalMs`; throws with `what` after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20 * 60_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Every row of the import has its outcome (completed, or nothing pending any more). */
export const importDone = (r: ImportRecord | null) =>
  r !== null && (r.state === 'completed' || (r.state === 'enqueued' && r.pending === 0));
