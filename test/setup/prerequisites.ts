import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The one install line for everything `npm test` needs besides Node (README, "On a fresh machine"). */
export const INSTALL_LINE = 'apt-get install -y redis-server chromium';

export interface PrerequisiteOptions {
  env?: Record<string, string | undefined>;
  /** Whether the browser test runs (it is the only one that needs Chromium). @defaultValue true */
  browser?: boolean;
  /** @defaultValue `process.versions.node` */
  nodeVersion?: string;
}

/**
 * What `npm test` needs and this machine lacks, one phrase each: Node ≥ 20.19, a `redis-server`
 * (unless `REDIS_URL` names a Redis to use) and Chromium for the browser test (at `CHROMIUM_PATH`,
 * else /usr/bin/chromium, where test/dashboard/browser.test.ts looks).
 */
export function missingPrerequisites(options: PrerequisiteOptions = {}): string[] {
  const env = options.env ?? process.env;
  const missing: string[] = [];
  const [major = 0, minor = 0] = (options.nodeVersion ?? process.versions.node).split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    missing.push(`Node.js ≥ 20.19 (this is ${options.nodeVersion ?? process.versions.node})`);
  }
  if (!env.REDIS_URL) {
    const bin = env.REDIS_SERVER_BIN ?? 'redis-server';
    const probe = spawnSync(bin, ['--version'], { encoding: 'utf8', env: { PATH: env.PATH ?? '' } });
    if (probe.error || probe.status !== 0) missing.push(`redis-server ("${bin}"; or set REDIS_URL)`);
  }
  if (options.browser !== false) {
    const chromium = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(chromium)) missing.push(`Chromium at ${chromium} (or set CHROMIUM_PATH)`);
  }
  return missing;
}

/** One line saying what is missing and how to install it, or undefined when nothing is. */
export function prerequisitesMessage(options: PrerequisiteOptions = {}): string | undefined {
  const missing = missingPrerequisites(options);
  if (missing.length === 0) return undefined;
  const node = missing.some((m) => m.startsWith('Node.js')) ? '; Node.js from https://nodejs.org' : '';
  return `npm test cannot run: missing ${missing.join(', ')}. Install with \`${INSTALL_LINE}\` (Debian/Ubuntu; macOS: \`brew install redis chromium\`)${node}.`;
}
