import { execFileSync } from 'node:child_process';
import {
  linkSync,
  lstatSync,
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

  it('refuses a symlinked output, leaving the link and the file it points at as they were', async () => {
    const here = dir('symlink-out');
    const real = join(here, 'real.csv');
    writeFileSync(real, 'old\n');
    symlinkSync(real, join(here, 'out.csv'));
    symlinkSync(join(here, 'gone.csv'), join(here, 'dangling.csv'));
    for (const link of ['out.csv', 'dangling.csv']) {
      const opening = CsvWriter.create(join(here, link), ['n'], { option: '--out' });
      await expect(opening, link).rejects.toBeInstanceOf(UsageError);
      await expect(opening, link).rejects.toThrow(/is a symbolic link .*give the path of the file itself/i);
    }
    expect(readFileSync(real, 'utf8')).toBe('old\n');
    expect(lstatSync(join(here, 'out.csv')).isSymbolicLink()).toBe(true);
    expect(readdirSync(here).sort()).toEqual(['dangling.csv', 'out.csv', 'real.csv']);
  });

  it('does not replace a target that became a FIFO or a symlink while the file was written', async () => {
    const here = dir('swapped');
    const real = join(here, 'real.csv');
    writeFileSync(real, 'keep\n');
    for (const swap of [
      (out: string) => execFileSync('mkfifo', [out]),
      (out: string) => symlinkSync(real, out),
    ]) {
      const out = join(here, 'out.csv');
      rmSync(out, { force: true });
      const writer = await CsvWriter.create(out, ['n'], { option: '--out' });
      await writer.write([1]);
      swap(out);
      await expect(writer.close()).rejects.toThrow(/--out .*out\.csv is now a (FIFO|symbolic link)/);
      expect(lstatSync(out).isFile()).toBe(false);
      expect(readdirSync(here).sort()).toEqual(['out.csv', 'real.csv']);
    }
    expect(readFileSync(real, 'utf8')).toBe('keep\n');
  });
});
