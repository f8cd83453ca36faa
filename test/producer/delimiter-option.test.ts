import { describe, expect, it } from 'vitest';
import { parseDelimiterOption } from '../../src/producer/delimiter.js';

describe('--delimiter', () => {
  it('reads the words and single characters', () => {
    expect(['tab', 'Comma', 'semicolon', 'pipe', ';', '|'].map(parseDelimiterOption)).toEqual([
      '\t',
      ',',
      ';',
      '|',
      ';',
      '|',
    ]);
  });

  it("refuses a word that is a plain object's own member (Object's length is 1, as a delimiter's)", () => {
    for (const word of ['constructor', '__proto__', 'toString', 'valueOf'])
      expect(parseDelimiterOption(word), word).toBeUndefined();
  });
});
