import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

/** The field a column is read as, by the file's header and first values. */
function fieldOf(header: string[], rows: string[][], column: string): string | undefined {
  const mapping = mapColumns({}, header, undefined, { sample: rows });
  const at = header.indexOf(column);
  const hit = Object.entries(mapping.columns).find(([, i]) => i === at);
  return hit?.[0];
}

describe("Odoo CRM's table", () => {
  const SALES = [
    'Contact Name',
    'Title',
    'Company Name',
    'Email',
    'Phone',
    'Salesperson',
    'Expected Revenue',
    'Stage',
    'Type',
  ];
  const ROWS = [
    [
      'Anna Berg',
      'CEO',
      'Acme',
      'anna@example.com',
      '+1 555 0100',
      'Jane Roe',
      '5000',
      'Qualified',
      'Inbound',
    ],
    ['Bob Carr', 'CTO', 'Beta', 'bob@example.com', '+1 555 0101', 'Jane Roe', '0', 'New', 'Outbound'],
  ];

  it('is not taken for an ordinary sales sheet, whose `Title` (CEO, CTO) stays the job title', () => {
    expect(mapColumns({}, SALES, undefined, { sample: ROWS }).plan.system).toBeUndefined();
    expect(fieldOf(SALES, ROWS, 'Title')).toBe('person.job_title');
  });

  it("reads `Title` by its values in Odoo's file too: job titles kept, salutations left out", () => {
    const header = [...SALES, 'Sales Team', 'Expected Closing'];
    expect(mapColumns({}, header, undefined).plan.system?.id).toBe('odoo-crm');
    const jobs = ROWS.map((r) => [...r, 'Sales', '2026-06-30']);
    expect(fieldOf(header, jobs, 'Title')).toBe('person.job_title');
    const salutations = jobs.map(
      (r, i) => r.map((c, j) => (j === 1 ? ['Madam', 'Mister'][i] : c)) as string[],
    );
    expect(fieldOf(header, salutations, 'Title')).toBeUndefined();
  });
});

describe('a line holding only a label', () => {
  it("is not said to be Odoo's in a file that is not Odoo's", () => {
    const header = ['Name', 'Email', 'Company', 'Tags'];
    const mapping = mapColumns({ lead: { labels: 'Tags' } }, header, undefined);
    expect(mapping.plan.system).toBeUndefined();
    const r = createRowValidator(mapping, 'tags')(3, ['', '', '', 'Hot']);
    const reason = 'reject' in r ? r.reject.reason : 'imported';
    expect(reason).toContain('holds only "Tags" ("Hot"), no person (name or email) and no organization');
    expect(reason).not.toContain('Odoo');
  });
});
