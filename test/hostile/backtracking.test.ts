import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';
import { runNode } from '../helpers/run-process.js';

const SCRIPT = resolve(import.meta.dirname, '../fixtures/hostile/backtracking-cells.ts');

describe('cells shaped to make a pattern backtrack (a supplied file is an attacker’s input)', () => {
  it('are each read in one pass: every case answers, none hangs the producer', async () => {
    // Run apart and killed if it outlives its time: a pattern that backtracks blocks its process synchronously
    // (`a` + 60 BOMs + `x` took hours; a run of 200,000 spaces took minutes), and would block this test's too.
    const run = await runNode(['--import', 'tsx', SCRIPT], { timeout: 60_000, killSignal: 'SIGKILL' });
    const outcomes = Object.fromEntries(
      run.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const { name, outcome } = JSON.parse(l) as { name: string; outcome: string };
          return [name, outcome];
        }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(Object.keys(outcomes)).toHaveLength(17);
    // A name with invisibles inside is still a name; a cell of 200,000 characters is over Pipedrive's limit.
    expect(outcomes['invisibles between two letters']).toBe('ok');
    expect(outcomes['spaces in a company size']).toBe('reject');
    expect(outcomes['spaces in header cells']).toBe('ok');
  }, 90_000);

  it('name a few of a row’s problems, not each of a cell’s 100,000 words that are no address', () => {
    const validate = createRowValidator(mapColumns({}, ['Name', 'Email'], undefined), 'words');
    const result = validate(2, ['Ann Lee', Array.from({ length: 100_000 }, (_, i) => `w${i}`).join(' ')]);
    expect(result).toHaveProperty('reject');
    const reason = 'reject' in result ? result.reject.reason : '';
    expect(reason.split('; also ')).toHaveLength(10);
    expect(reason).toMatch(/; and 99,990 more$/);
    expect(reason.length).toBeLessThan(2_000);
  });
});
