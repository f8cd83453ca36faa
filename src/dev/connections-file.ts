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
  /**
   * OAuth instead of a token: the client id, client secret and refresh token read from `<name>.client-id`,
   * `<name>.client-secret` and `<name>.refresh-token`, and the sandbox's own token endpoint.
   */
  oauth?: boolean;
}

/**
 * Writes `connections.yaml` in `dir` for companies served by local sandboxes: each one's base URL and plan, its
 * token read from `<name>.token` in the same folder (written by the caller, and again to rotate it), from the
 * variable `tokenEnv` names, or its OAuth credentials from files beside it (`oauth`), and the same
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
      .map((c) => `  ${c.name}:\n    base_url: ${c.url}\n${credentials(c)}    plan: ${c.plan}\n${extra}`)
      .join('')}`,
  );
  return file;
}

/** A connection's credential lines: a token file or variable, or OAuth parts in files and the sandbox's endpoint. */
function credentials(c: SandboxConnection): string {
  if (c.oauth) {
    return (
      '    oauth:\n' +
      `      client_id_file: ${c.name}.client-id\n` +
      `      client_secret_file: ${c.name}.client-secret\n` +
      `      refresh_token_file: ${c.name}.refresh-token\n` +
      `      token_url: ${c.url}/oauth/token\n`
    );
  }
  return `    ${c.tokenEnv ? `api_token_env: ${c.tokenEnv}` : `api_token_file: ${c.name}.token`}\n`;
}
