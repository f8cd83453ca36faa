import { describe, expect, it } from 'vitest';
import { demoMismatches } from '../../src/commands/demo.js';

const record = { rows: 300, created: 288, rejected: 8, deadLettered: 4, cancelled: 0, pending: 0 };
const sandbox = {
  leads: 288,
  duplicateLeads: 0,
  duplicatePersons: 0,
  duplicateOrganizations: 0,
  duplicateNotes: 0,
};

describe('the demo’s end check (its exit status in CI)', () => {
  it('finds nothing wrong when every row is accounted for once', () => {
    expect(demoMismatches(record, sandbox)).toEqual([]);
  });

  it('names what was doubled, what the ledger and the sandbox disagree on, and rows not accounted for', () => {
    expect(demoMismatches(record, { ...sandbox, leads: 289, duplicateLeads: 1, duplicateNotes: 2 })).toEqual([
      'duplicates in the sandbox (1 leads, 2 notes)',
      'the sandbox holds 289 leads, the import recorded 288 created',
    ]);
    expect(demoMismatches({ ...record, created: 287, pending: 1 }, { ...sandbox, leads: 287 })).toEqual([
      '300 rows, 299 of them accounted for, 1 pending',
    ]);
  });
});
