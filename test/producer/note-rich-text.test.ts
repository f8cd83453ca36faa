import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

describe("a note column a rich-text field exported as HTML (Odoo's Notes)", () => {
  const header = ['Opportunity', 'Contact Name', 'Email', 'Expected Revenue', 'Expected Closing', 'Notes'];
  const validate = createRowValidator(mapColumns({}, header, undefined), 'odoo');
  const row = (notes: string) =>
    validate(2, ['Production lines', 'Zoë Ørsted', 'zoe@angstrom.example', '45000.0', '2026-06-30', notes]);

  it('becomes its text, a line a paragraph, escaped as any note: Pipedrive shows no tags, and gets none of the file', () => {
    const r = row('<p>Met at expo &amp; <b>keen</b></p><p>Call in Q3<br>re: <script>x()</script>pricing</p>');
    expect('ok' in r ? r.ok.note : r.reject.reason).toBe(
      'Met at expo &amp; keen<br>Call in Q3<br>re: x()pricing',
    );
  });

  it("reads Odoo's Expected Revenue and Expected Closing as the lead's value and close date", () => {
    const r = row('');
    expect('ok' in r ? [r.ok.lead.value?.amount, r.ok.lead.expected_close_date] : r.reject.reason).toEqual([
      45000,
      '2026-06-30',
    ]);
  });

  it('leaves a note that only mentions a tag as written (escaped)', () => {
    const r = row('Use <b> for bold');
    expect('ok' in r ? r.ok.note : r.reject.reason).toBe('Use &lt;b&gt; for bold');
  });
});
