import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectEncoding } from '../../src/producer/encoding.js';
import { HOSTILE_DIR } from '../fixtures/hostile/generate.js';

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('encoding detection of files that mix encodings', () => {
  it('takes a UTF-8 file with a Windows-1252 line for UTF-8, so that line is rejected rather than every accent garbled', () => {
    expect(detectEncoding(readFileSync(join(HOSTILE_DIR, 'mixed-encodings.csv')))).toEqual({
      encoding: 'utf-8',
      bom: false,
    });
    // One line among several UTF-8 ones, whatever its share of the accents.
    const oneLine = Buffer.concat([
      utf8('Name\nJosé Müller\nZoë Ødegård\n'),
      latin1('Hélène Lefèvre, Crème brûlée\n'),
    ]);
    expect(detectEncoding(oneLine).encoding).toBe('utf-8');
  });

  it('does not take byte runs that only look like UTF-8 (overlong forms, surrogates) for UTF-8', () => {
    // E0 80 80 is an overlong form and ED A0 80 a surrogate: both invalid UTF-8 (Unicode Table 3-7).
    expect(detectEncoding(latin1('Name\nà\x80\x80 Café\n')).encoding).toBe('windows-1252');
    expect(detectEncoding(latin1('Name\ní\xa0\x80 Café\n')).encoding).toBe('windows-1252');
  });

  it('reads a Windows-1252 file as Windows-1252 even when an accented capital and a curly quote look like UTF-8', () => {
    // "É”" is C9 94, a well-formed two-byte UTF-8 sequence; every other accent here is not.
    expect(
      detectEncoding(
        latin1(
          'Nom;Société\n“CAFÉ” Hélène;Crème brûlée à la carte\n'.replace(/[“”]/g, (q) =>
            q === '“' ? '\x93' : '\x94',
          ),
        ),
      ).encoding,
    ).toBe('windows-1252');
  });

  it('still reads a file with accents and no well-formed UTF-8 sequence as Windows-1252', () => {
    expect(detectEncoding(latin1('Nom;Société\nHélène Lefèvre;Café Crème\n')).encoding).toBe('windows-1252');
    const cp1252 = readFileSync(join(import.meta.dirname, '../fixtures/csv/windows-1252.csv'));
    expect(detectEncoding(cp1252).encoding).toBe('windows-1252');
  });
});
