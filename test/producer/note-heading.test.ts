import { describe, expect, it } from 'vitest';
import { asksQuestion } from '../../src/producer/header-conventions.js';
import { noteHeading } from '../../src/producer/row-validator.js';

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
