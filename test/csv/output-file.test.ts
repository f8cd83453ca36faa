import {
  existsSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvWriter } from '../../src/csv/csv-writer.js';
import { UsageError } from '../../src/errors/usage-error.js';

const scratch = mkdtempSync(join(tmpdir(), 'lpi-output-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function dir(name: string): string {
  const path = join(scratch, name);
  rmSync(path, { recursive: true, force: true });
  return mkdtempSync(`${path}-`);
}

describe('CSV output files', () => {
  it('refuses a path in a directory that does not exist, naming the path and the fix', async () => {
    const out = join(scratch, 'missing-dir', 'x.csv');
    const opening = CsvWriter.create(out, ['a'], { option: '--rejects' });
    await expect(opening).rejects.toBeInstanceOf(UsageError);
    await expect(opening).rejects.toThrow(/--rejects .*missing-dir\/x\.csv.*does not exist.*create it/i);
  });

  it('refuses a directory as the output', async () => {
    const here = dir('is-dir');
    await expect(CsvWriter.create(here, ['a'], { option: '--out' })).rejects.toThrow(/is a directory/);
  });

  it('refuses to write over an input: same path, a symlink to it, or a hard link (same inode)', async () => {
    const here = dir('input');
    const input = join(here, 'big.csv');
    writeFileSync(input, 'Name,Email\nAda,ada@example.org\n');
    symlinkSync(input, join(here, 'link.csv'));
    linkSync(input, join(here, 'hard.csv'));
    for (const out of [input, join(here, '.', 'big.csv'), join(here, 'link.csv'), join(here, 'hard.csv')]) {
      const opening = CsvWriter.create(out, ['a'], { option: '--rejects', inputs: [input] });
      await expect(opening, out).rejects.toBeInstanceOf(UsageError);
      await expect(opening, out).rejects.toThrow(/is the input file .*big\.csv/);
    }
    expect(readFileSync(input, 'utf8')).toBe('Name,Email\nAda,ada@example.org\n');
    expect(readdirSync(here).sort()).toEqual(['big.csv', 'hard.csv', 'link.csv']);
  });

  it('writes to a temporary file and renames it over the target only when closed', async () => {
    const here = dir('rename');
    const out = join(here, 'report.csv');
    writeFileSync(out, 'old report\n');
    const writer = await CsvWriter.create(out, ['n'], { option: '--out' });
    for (let i = 0; i < 10_000; i++) await writer.write([i]);
    // Until the end, the old file is untouched and the new one is elsewhere in the same directory.
    expect(readFileSync(out, 'utf8')).toBe('old report\n');
    expect(readdirSync(here)).toHaveLength(2);
    await writer.close();
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('\uFEFFn\r\n0\r\n1\r\n')).toBe(true);
    expect(text.endsWith('9999\r\n')).toBe(true);
    expect(readdirSync(here)).toEqual(['report.csv']);
  });

  it('writes a file only its owner can read: it holds lead data', async () => {
    const out = join(dir('mode'), 'rejects.csv');
    const writer = await CsvWriter.create(out, ['email'], { option: '--rejects' });
    await writer.write(['ada@example.org']);
    await writer.close();
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('leaves the target as it was and no temporary file behind when abandoned', async () => {
    const here = dir('abort');
    const out = join(here, 'rejects.csv');
    writeFileSync(out, 'previous rejects\n');
    const writer = await CsvWriter.create(out, ['n'], { option: '--rejects' });
    await writer.write(['half']);
    await writer.abort();
    expect(readFileSync(out, 'utf8')).toBe('previous rejects\n');
    expect(readdirSync(here)).toEqual(['rejects.csv']);
  });

  it('writes through a symlinked output to the file it points at', async () => {
    const here = dir('symlink-out');
    const real = join(here, 'real.csv');
    writeFileSync(real, 'old\n');
    symlinkSync(real, join(here, 'out.csv'));
    const writer = await CsvWriter.create(join(here, 'out.csv'), ['n'], { option: '--out' });
    await writer.write([1]);
    await writer.close();
    expect(readFileSync(real, 'utf8')).toBe('\uFEFFn\r\n1\r\n');
    expect(existsSync(join(here, 'out.csv'))).toBe(true);
    expect(readFileSync(join(here, 'out.csv'), 'utf8')).toBe('\uFEFFn\r\n1\r\n');
  });
});
