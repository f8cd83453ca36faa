import { describe, expect, it } from 'vitest';
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
});
