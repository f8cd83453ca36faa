import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One company of a connections file written for local sandboxes (benchmarks, tests). */
export interface SandboxConnection {
  name: string;
  /** Its sandbox's base URL. */
  url: string;
  plan: string;
  /** The variable holding its token (`api_token_env`) instead of the token file `<name>.token`. */
  tokenEnv?: string;
}

/**
 * Writes `connections.yaml` in `dir` for companies served by local sandboxes: each one's base URL and plan, its
 * token read from `<name>.token` in the same folder (written by the caller, and again to rotate it) or from the
 * variable `tokenEnv` names, and the same
 * `settings` (`timeout_ms`, `budget_reserve`, …) for every one. Returns the file's path.
 */
export function writeConnectionsFile(
  dir: string,
  companies: readonly SandboxConnection[],
  settings: Readonly<Record<string, string | number>> = {},
): string {
  const extra = Object.entries(settings)
    .map(([key, value]) => `    ${key}: ${value}\n`)
    .join('');
  const file = join(dir, 'connections.yaml');
  writeFileSync(
    file,
    `connections:\n${companies
      .map(
        (c) =>
          `  ${c.name}:\n    base_url: ${c.url}\n    ${c.tokenEnv ? `api_token_env: ${c.tokenEnv}` : `api_token_file: ${c.name}.token`}\n    plan: ${c.plan}\n${extra}`,
      )
      .join('')}`,
  );
  return file;
}
