/**
 * A report that writes a row per occurrence (Zoom: a row each time a viewer joined) makes one lead per email, from its
 * first row: the validator keeps each email's first line. That map is bounded: past the limit it stops adding emails
 * (those it holds are still checked), and says once that the check covered only the first people.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { importCsv } from '../../src/producer/import-csv.js';
import { mapColumns } from '../../src/producer/mapping.js';
import {
  createRowValidator,
  REPEATED_PERSON_CHECK_LIMIT,
  type RowResult,
} from '../../src/producer/row-validator.js';

const ZOOM = [
  'Attended',
  'User Name (Original Name)',
  'Email',
  'Time in Session (minutes)',
  'Approval Status',
];
const row = (name: string, email: string) => ['Yes', name, email, '12', 'approved'];
const rejected = (r: RowResult) => 'reject' in r;

describe('the repeated-person check of a report with a row per occurrence', () => {
  it('holds 200,000 people by default', () => {
    expect(REPEATED_PERSON_CHECK_LIMIT).toBe(200_000);
  });

  it('stops adding people at its limit, still checks those it holds, and says so once', () => {
    const mapping = mapColumns({}, ZOOM, undefined);
    expect(mapping.plan.system?.id).toBe('zoom-webinar');
    const validate = createRowValidator(mapping, 'imp', { repeatedPersonLimit: 2 });
    expect(validate.notes()).toEqual([]);
    expect(rejected(validate(2, row('Ada', 'ada@example.org')))).toBe(false);
    expect(rejected(validate(3, row('Bo', 'bo@example.org')))).toBe(false);
    // A third person: imported, but no longer held.
    expect(rejected(validate(4, row('Cy', 'cy@example.org')))).toBe(false);
    expect(rejected(validate(5, row('Cy', 'cy@example.org')))).toBe(false);
    // The people held are still checked.
    const again = validate(6, row('Ada', 'ada@example.org'));
    expect(again).toMatchObject({ reject: { column: 'Email' } });
    expect('reject' in again && again.reject.reason).toContain('is on line 2 too');
    expect(validate.notes()).toEqual([
      'the check for people repeated in this Zoom webinar report (one lead per person, from their first row) covered only the first 2 people: a later person on several rows gets a lead for each row.',
    ]);
  });

  it('says nothing under its limit; past it, in a file that is not such a report, names the check for shared addresses', () => {
    const zoom = createRowValidator(mapColumns({}, ZOOM, undefined), 'imp', { repeatedPersonLimit: 5 });
    zoom(2, row('Ada', 'ada@example.org'));
    zoom(3, row('Ada', 'ada@example.org'));
    expect(zoom.notes()).toEqual([]);
    const plain = createRowValidator(mapColumns({}, ['Name', 'Email'], undefined), 'imp', {
      repeatedPersonLimit: 1,
    });
    plain(2, ['Ada', 'ada@example.org']);
    expect(plain.notes()).toEqual([]);
    plain(3, ['Bo', 'bo@example.org']);
    // Past the limit a shared address is no longer told, and the summary says so; no row is rejected for it.
    expect(plain(4, ['Cy', 'bo@example.org'])).not.toHaveProperty('reject');
    expect(plain.notes()).toEqual([
      'the check for an address that rows give to different names covered only the first 1 addresses.',
    ]);
  });

  it('tells it among thousands of addresses, and only it', () => {
    const plain = createRowValidator(mapColumns({}, ['Name', 'Email'], undefined), 'imp');
    const told: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = plain(i + 2, [`Person ${i}`, `p${i}@example.org`]);
      if ('ok' in r && r.warnings) told.push(i + 2);
    }
    for (const i of [0, 2500, 4999]) {
      const r = plain(6000 + i, [`Someone Else ${i}`, `p${i}@example.org`]);
      if ('ok' in r && r.warnings) told.push(6000 + i);
    }
    expect(told).toEqual([6000, 8500, 10999]);
  });

  it('tells a later row that gives an address to another name, and keeps its lead', () => {
    const plain = createRowValidator(mapColumns({}, ['Name', 'Email'], undefined), 'imp');
    expect(plain(2, ['Ana Ruiz', 'info@acme.example'])).not.toHaveProperty('warnings');
    // The same person again (case and accents aside) keeps its lead too, but is said: a list exported twice, or a
    // contact in two campaigns, gives a person a lead per row.
    const again = plain(3, ['ana ruiz', 'info@acme.example']);
    expect('ok' in again && again.warnings).toEqual([
      {
        column: 'Email',
        message:
          "has the address and name of an earlier row's person: each such row makes another lead for them (remove the repeated rows to have one lead per person)",
      },
    ]);
    // The first row's line again (a short line validated alone, then joined with the next) is not a repeat.
    expect(plain(2, ['Ana Ruiz', 'info@acme.example'])).not.toHaveProperty('warnings');
    const other = plain(4, ['Bo Chen', 'INFO@acme.example']);
    expect(other).toHaveProperty('ok');
    expect('ok' in other && other.warnings).toEqual([
      {
        column: 'Email',
        message:
          "has an address an earlier row gives to another name: a person is found by address, so these rows' leads go to the first row's person (give each person an address of their own, or clear it, to keep them apart)",
      },
    ]);
  });
});

describe('import --dry-run of such a report past the limit', () => {
  it('says once, among its warnings, that the check covered only the first people', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'repeated-person-')), 'zoom.csv');
    const rows = [row('Ada', 'ada@example.org'), row('Bo', 'bo@example.org'), row('Cy', 'cy@example.org')];
    writeFileSync(file, [ZOOM, ...rows, row('Cy', 'cy@example.org')].map((r) => r.join(',')).join('\n'));
    const summary = await importCsv({
      file,
      config: loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }),
      dryRun: true,
      offline: true,
      repeatedPersonLimit: 2,
    });
    expect(summary.valid).toBe(4);
    expect(summary.warnings.filter((w) => w.includes('covered only the first 2 people'))).toHaveLength(1);
  });
});

describe('a row of such a report broken by an unquoted line break', () => {
  it('is found and rejected as one broken row, not taken as a repeat of its own line', async () => {
    // `Questions & Comments` in the middle: its line break splits the row into two short lines.
    const header = [
      'Attended',
      'User Name (Original Name)',
      'Email',
      'Questions & Comments',
      'Time in Session (minutes)',
    ];
    const lines = [
      header.join(','),
      'Yes,Ada,ada@example.org,Is there an API?',
      'And a sandbox?,12',
      'Yes,Bo,bo@example.org,,7',
    ];
    const file = join(mkdtempSync(join(tmpdir(), 'repeated-person-')), 'zoom.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const summary = await importCsv({
      file,
      config: loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }),
      dryRun: true,
      offline: true,
    });
    expect(summary.firstRejects.map((r) => r.line)).toEqual([2, 3]);
    for (const r of summary.firstRejects) expect(r.reason).toContain('are one row broken by a line break');
    expect(summary.repeated).toBe(0);
    expect(summary.valid).toBe(1);
  });
});
