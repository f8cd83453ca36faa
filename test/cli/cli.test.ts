import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { capturedIo } from '../ops/run-cli.js';

const capture = () => capturedIo();

describe('lead-importer CLI', () => {
  it('lists the commands and exit codes on --help', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out()).toMatch(/import FILE/);
    expect(c.out()).toMatch(/3 some rows rejected or dead-lettered/);
  });

  it('exits 2 on an unknown command and says which', async () => {
    const c = capture();
    expect(await main(['imprt'], c.io)).toBe(2);
    expect(c.err()).toContain('Unknown command "imprt"');
  });

  it('exits 2 on an unknown flag, naming it', async () => {
    const c = capture();
    expect(await main(['status', '--bogus'], c.io)).toBe(2);
    expect(c.err()).toContain('--bogus');
    // In one line of its own, with the nearest flag the command has: not Node's text with its unbalanced quote.
    const typo = capture();
    expect(await main(['import', 'leads.csv', '--dryrun'], typo.io)).toBe(2);
    expect(typo.err()).toBe(
      'lead-importer import: Unknown option --dryrun (did you mean --dry-run?).\nRun `lead-importer import --help` for usage.\n',
    );
  });

  it('refuses import --wait with --dry-run or --print-mapping (exit 2, naming both), before reading the file', async () => {
    for (const dry of ['--dry-run', '--print-mapping']) {
      const c = capture();
      // The file does not exist: the usage error comes first.
      expect(await main(['import', 'no-such-file.csv', dry, '--wait'], c.io)).toBe(2);
      expect(c.err()).toContain(`--wait goes with an import, not with ${dry}`);
      expect(c.out()).toBe('');
    }
  });

  it('exits 0 when the only rows rejected repeat a person in a report with a row per visit, 3 for any other reject', async () => {
    const exports = join(import.meta.dirname, '../fixtures/real-exports');
    // A Zoom viewer who rejoined has a row per session: one lead from the first, the later row rejected naming it.
    const zoom = capture();
    expect(
      await main(['import', join(exports, 'zoom-webinar-attendees.csv'), '--dry-run', '--offline'], zoom.io),
    ).toBe(0);
    expect(zoom.out()).toMatch(/rejected +1\n/);
    expect(zoom.out()).toMatch(/of them 1 a person's later row: one lead per person, not a failure/);
    expect(zoom.out()).toContain('is on line 13 too');
    // The user's sum under the list is a row that is wrong: exit 3 as before.
    const excel = capture();
    expect(
      await main(['import', join(exports, 'excel-windows-eu.csv'), '--dry-run', '--offline'], excel.io),
    ).toBe(3);
    expect(excel.out()).not.toContain("a person's later row");
  });
});
