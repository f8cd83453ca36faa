import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

// A FileMaker export names a related record's fields `Table::Field`.
describe("a FileMaker related field is the lead's only where its table holds the file's people or companies", () => {
  const header = [
    'First Name',
    'Last Name',
    'Email',
    'Companies::Company Name',
    'Staff::Name',
    'Contacts::Phone',
  ];
  const rows = [['Anna', 'Berg', 'anna@example.com', 'Acme', 'Rita Rep', '+49 30 1234567']];

  it("does not send a related staff record's name as the person's name", () => {
    // Before: `Staff::Name` was read as `Name`, and the lead's person was "Rita Rep".
    const mapping = mapColumns({}, header, undefined, { sample: rows });
    const target = (h: string) => mapping.plan.matches.find((m) => m.header === h)?.target;
    expect(target('Staff::Name')).toBeUndefined();
    expect(target('Companies::Company Name')).toMatchObject({ entity: 'organization', field: 'name' });
    expect(target('Contacts::Phone')).toMatchObject({ entity: 'person', field: 'phone' });
    const out = createRowValidator(mapping, 'fm')(2, rows[0] as string[]);
    if (!('ok' in out)) throw new Error(JSON.stringify(out));
    expect(out.ok.person?.name).toBe('Anna Berg');
  });

  it("does not read another table's Email by its header", () => {
    // Before: `Invoices::Email` was "well-known header Email"; only values like an address may make it one now.
    const h = ['First Name', 'Last Name', 'Email', 'Invoices::Email'];
    const mapping = mapColumns({}, h, undefined, { sample: [['Anna', 'Berg', 'anna@example.com', '']] });
    expect(mapping.plan.matches.find((m) => m.header === 'Invoices::Email')).toBeUndefined();
  });
});
