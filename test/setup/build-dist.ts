import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
/** What the build reads: a change to any of these makes dist/ stale. */
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    stat.mtimeMs,
    ...readdirSync(path, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
  );
}

/**
 * Builds dist/ (`tsc -p tsconfig.build.json`, what `npm run build` runs) unless it is newer than
 * everything the build reads, so tests and benchmarks that run the shipped `bin/lead-importer.js`
 * run this checkout's code. Returns whether it built. Throws with tsc's output when the build fails.
 */
export function buildDistIfStale(): boolean {
  const built = join(REPO, 'dist/cli.js');
  if (
    existsSync(built) &&
    statSync(built).mtimeMs >= Math.max(...INPUTS.map((i) => newestMtime(join(REPO, i))))
  ) {
    return false;
  }
  const tsc = spawnSync(
    process.execPath,
    [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: REPO,
      encoding: 'utf8',
    },
  );
  if (tsc.status !== 0) {
    throw new Error(`npm run build failed, so the built CLI cannot be tested:\n${tsc.stdout}${tsc.stderr}`);
  }
  return true;
}
