import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
/** The shipped binary: `bin/lead-importer.js` → `dist/`, which global setup rebuilds whenever `src/` is newer. */
export const BUILT_CLI = resolve(REPO, 'bin/lead-importer.js');

/**
 * The arguments to `node` (`process.execPath`) that start `lead-importer` in a child process, `nodeArgs` first.
 *
 * Why the built binary: plain `node bin/lead-importer.js` starts on about half the CPU of
 * `node --import tsx src/cli.ts` (≈ 1 s against ≈ 2 s here: the tsx loader, not the transform, is the cost), and
 * the suite starts a few hundred such processes on two cores. It runs this checkout's code: global setup
 * (test/setup/global-setup.ts) builds dist/ when anything it is built from is newer, and test/cli/built-bin.test.ts
 * checks that it did. A `nodeArgs` entry that is a TypeScript file (a fault under test/fixtures/faults) needs the
 * tsx loader, and then the source runs under it as before.
 */
export function cliNodeArgs(nodeArgs: readonly string[] = []): string[] {
  if (nodeArgs.some((a) => a.endsWith('.ts'))) {
    return ['--import', 'tsx', ...nodeArgs, resolve(REPO, 'src/cli.ts')];
  }
  return [...nodeArgs, BUILT_CLI];
}
