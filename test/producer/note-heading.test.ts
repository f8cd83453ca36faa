import { describe, expect, it } from 'vitest';
import { asksQuestion } from '../../src/producer/header-conventions.js';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator, noteHeading } from '../../src/producer/row-validator.js';

describe('noteHeading', () => {
  it('reads a question written in snake case (Meta lead exports) as the question', () => {
    expect(noteHeading('what_is_your_budget?')).toBe('What is your budget?');
    expect(noteHeading('education_level')).toBe('Education level');
    expect(noteHeading('¿cuál_es_su_presupuesto?')).toBe('¿cuál es su presupuesto?');
  });

  it('keeps any other header as it is', () => {
    for (const header of ['Notes', 'Questions & Comments', 'Budget?', 'Lead_Source', 'my note_x y', 'notes'])
      expect(noteHeading(header)).toBe(header);
  });

  it("drops a form's HTML tags from a question (Typeform), in one pass over a header of a million '<'", () => {
    expect(noteHeading('<strong>How many seats?</strong>')).toBe('How many seats?');
    expect(asksQuestion('<strong>How many seats?</strong>')).toBe(true);
    expect(asksQuestion('Seats')).toBe(false);
    // A tag pattern that scans to the next '>' from every '<' took 1.2 s for 50,000 of them (quadratic): a header
    // is up to 1 MiB.
    const hostile = `${'<'.repeat(1_000_000)}?`;
    expect(asksQuestion(hostile)).toBe(true);
    expect(noteHeading(hostile)).toBe(hostile);
  });
});

describe('a labelled note column in the mapping file', () => {
  const header = ['Name', 'Email', 'Notes', 'Profile'];
  const cells = ['Ann Lee', 'ann@example.org', 'Met at the fair', 'https://www.linkedin.com/in/annlee'];

  it("goes to the note's end after its label, the note's own text first", () => {
    const mapping = mapColumns(
      { lead: { note: ['Notes', { column: 'Profile', label: 'LinkedIn' }] } },
      header,
      undefined,
    );
    const result = createRowValidator(mapping, 'labelled')(2, cells);
    expect('ok' in result && result.ok.note).toBe(
      'Met at the fair<br><br>LinkedIn: https://www.linkedin.com/in/annlee',
    );
  });

  it('refuses a label that would not read as one (a colon, a line break, not text) and an unknown key', () => {
    for (const label of ['Linked: In', 'Linked\nIn', 42, ''])
      expect(() =>
        mapColumns({ lead: { note: [{ column: 'Profile', label } as never] } }, header, undefined),
      ).toThrow(/lead\.note\[0\]\.label must be a short text without a colon or a line break/);
    expect(() =>
      mapColumns({ lead: { note: { column: 'Profile', heading: 'X' } as never } }, header, undefined),
    ).toThrow(/unknown key "heading"/);
  });
});
