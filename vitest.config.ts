import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time even on two cores (vitest's default is cores − 1): most tests wait on child processes,
    // sandboxes and Redis rather than compute. Measured in bench/README.md, "Test time: two files at a time".
    maxWorkers: 2,
    reporters: ['default'],
  },
});
