import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliNodeArgs } from '../helpers/cli-entry.js';
import { runNode } from '../helpers/run-process.js';

const FAULT = resolve(import.meta.dirname, '../fixtures/faults/lingering-handle.ts');

describe('a finished command whose process still holds a handle it did not open', () => {
  it('exits anyway, with the command’s own code, for a supervisor not to have to kill it', async () => {
    const run = await runNode([...cliNodeArgs(['--import', FAULT]), '--version']);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.code).toBe(0);
    const failed = await runNode([...cliNodeArgs(['--import', FAULT]), 'no-such-command']);
    expect(failed.code).toBe(2);
  }, 30_000);
});
