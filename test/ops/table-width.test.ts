import { describe, expect, it } from 'vitest';
import { displayWidth, table } from '../../src/ops/format.js';

describe("a text table's columns", () => {
  it('line up under Japanese, Chinese and Korean headers, which take two columns of a terminal a character', () => {
    const text = table(
      ['COLUMN', 'FIELD'],
      [
        ['名前', 'person.name'],
        ['메일', 'person.email:work'],
        ['Zoë Ørsted', 'organization.name'],
      ],
    );
    const lines = text.trimEnd().split('\n');
    // Where the second column starts, counted as a terminal shows it.
    const starts = lines.map((l) => displayWidth(l.slice(0, l.search(/(person|organization|FIELD)/))));
    expect(new Set(starts).size).toBe(1);
    expect(lines[1]).toBe('名前        person.name');
  });

  it('count a wide character as two columns, a combining mark as none', () => {
    expect(displayWidth('名前')).toBe(4);
    expect(displayWidth('Email')).toBe(5);
    expect(displayWidth('Zoe\u0308')).toBe(3);
    expect(displayWidth('ｱｲｳ')).toBe(3); // half-width katakana
    expect(displayWidth('ＡＢ')).toBe(4); // full-width Latin
  });
});
