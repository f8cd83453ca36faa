import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    // Known gap (see the closing note of 2026-12-01): on a Redis Cluster being torn down, one of the test
    // process's own ioredis clients (not a product process: worker, commands and dashboard run as child
    // processes whose exit codes the tests check) sometimes rejects a reply with "Connection is closed." that
    // nothing awaits. Only that error, from the cluster tests, is not counted as a failure of the run.
    onUnhandledError(error) {
      const err = error as { message?: string; stack?: string; VITEST_TEST_PATH?: string };
      const fromCluster =
        err.VITEST_TEST_PATH === undefined || err.VITEST_TEST_PATH.includes('/test/cluster/');
      if (err.message === 'Connection is closed.' && err.stack?.includes('ioredis') && fromCluster)
        return false;
    },
  },
});
