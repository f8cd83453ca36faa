import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliNodeArgs } from '../helpers/cli-entry.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { runNode } from '../helpers/run-process.js';

const FAULT = resolve(import.meta.dirname, '../fixtures/faults/unanswered-command.ts');

describe('a command left waiting on a promise nothing will settle', () => {
  it('exits 1 and says so, rather than exit 0 having printed nothing', async () => {
    const env = { ...process.env, REDIS_URL: testRedisUrl(), REDIS_PREFIX: uniquePrefix('stall') };
    const run = await runNode([...cliNodeArgs(['--import', FAULT]), 'status'], { env });
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^lead-importer status: unexpected error: stopped while waiting on something/);
    expect(run.code).toBe(1);
  });
});
