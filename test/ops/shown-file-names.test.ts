import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { reimportCommand, shellQuote } from '../../src/ops/format.js';
import type { VerifyPlan } from '../../src/ops/verify.js';
import { describeVerifyPlan } from '../../src/ops/verify-text.js';

// A file name anyone who can put a file where imports are read from chooses: a line break and an escape sequence
// in it must not print a line of its own (a fake one) into another operator's output.
const HOSTILE = 'ev\u001b]0;T\u0007x\nImport done: 0 rejected\n.csv';

describe('file names in what commands print', () => {
  it('verify names the import’s file on its own line, control characters as ?', () => {
    const plan: VerifyPlan = {
      importId: 'imp-1',
      connection: 'default',
      fileName: HOSTILE,
      strategy: 'since',
      leads: 3,
      reverted: 0,
      notes: 0,
      contacts: 2,
      sinceMs: 0,
      sincePageCap: 10,
      minTokens: 20,
      maxTokens: 40,
      pendingRows: 0,
      why: 'listed since the import started',
      notesWhy: '',
    };
    const [first] = describeVerifyPlan(plan).split('\n');
    expect(first).toMatch(/^Import imp-1 \(ev\?\]0;T\?x\?Import done: 0 rejected\?\.csv\): 3 leads/);
  });

  it("a command to copy quotes a name with control characters as $'…' escapes, on one line, that bash reads back", () => {
    for (const name of [HOSTILE, "it's\ta\\b.csv", 'naïve\u0085.csv']) {
      const quoted = shellQuote(name);
      expect(quoted).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      const echoed = spawnSync('bash', ['-c', `printf '%s' ${quoted}`], { encoding: 'utf8' });
      expect(echoed.stdout).toBe(name);
    }
    expect(shellQuote("plain name's.csv")).toBe("'plain name'\\''s.csv'");
    expect(reimportCommand({ importId: 'imp-1', fileName: 'a\nb.csv', connection: 'default' }).command).toBe(
      "lead-importer import $'a\\x0ab.csv' --import-id imp-1",
    );
  });
});
