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
    // Even when the Windows-1252 accents outnumber the UTF-8 ones.
    const mostlyLatin1 = Buffer.concat([
      utf8('Name\nJosé\n'),
      latin1('Hélène Lefèvre\nFrançois Garçon\nRenée Crème\n'),
    ]);
    expect(detectEncoding(mostlyLatin1).encoding).toBe('utf-8');
  });

  it('does not take byte runs that only look like UTF-8 (overlong forms, surrogates) for UTF-8', () => {
    // E0 80 80 is an overlong form and ED A0 80 a surrogate: both invalid UTF-8 (Unicode Table 3-7).
    expect(detectEncoding(latin1('Name\nà\x80\x80 Café\n')).encoding).toBe('windows-1252');
    expect(detectEncoding(latin1('Name\ní\xa0\x80 Café\n')).encoding).toBe('windows-1252');
  });

  it('still reads a file with accents and no well-formed UTF-8 sequence as Windows-1252', () => {
    expect(detectEncoding(latin1('Nom;Société\nHélène Lefèvre;Café Crème\n')).encoding).toBe('windows-1252');
    const cp1252 = readFileSync(join(import.meta.dirname, '../fixtures/csv/windows-1252.csv'));
    expect(detectEncoding(cp1252).encoding).toBe('windows-1252');
  });
});
