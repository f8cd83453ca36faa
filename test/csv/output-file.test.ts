import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
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

/**
 * A link among the directories of an output path, judged as Linux's fs.protected_symlinks judges it (the sysctl
 * is 0 in many containers, this one included). Another user's link needs root to make (`lchown`): skipped without.
 */
describe('symbolic links among the directories of an output path', () => {
  const OTHER = 12345;
  const asRoot = process.geteuid?.() === 0;

  /** A sticky directory like /tmp (mode `mode`, owned by `owner`), and a real directory the links lead to. */
  function setting(mode = 0o1777, owner = 0) {
    const here = dir('parent-links');
    const shared = join(here, 'shared');
    mkdirSync(shared);
    chmodSync(shared, mode);
    if (owner !== 0) chownSync(shared, owner, owner);
    const real = join(here, 'real');
    mkdirSync(join(real, 'sub'), { recursive: true });
    /** A link `name` in the shared directory to `to`, owned by `uid`. */
    const link = (name: string, to: string, uid: number) => {
      const path = join(shared, name);
      symlinkSync(to, path);
      lchownSync(path, uid, uid);
      return path;
    };
    return { here, shared, real, link };
  }

  async function written(out: string): Promise<string> {
    const writer = await CsvWriter.create(out, ['n'], { option: '--out' });
    await writer.write([1]);
    await writer.close();
    return readFileSync(out, 'utf8');
  }

  it.skipIf(!asRoot)(
    "refuses another user's link in a sticky world-writable directory, naming it and the fix; writes nothing",
    async () => {
      const { shared, real, link } = setting();
      const planted = link('reports', real, OTHER);
      for (const out of [join(planted, 'report.csv'), join(planted, 'sub', 'report.csv')]) {
        const opening = CsvWriter.create(out, ['n'], { option: '--out' });
        await expect(opening, out).rejects.toBeInstanceOf(UsageError);
        await expect(opening, out).rejects.toThrow(
          `--out ${out}: ${planted} is a symbolic link in ${shared}, a sticky directory anyone can write to, and belongs to uid ${OTHER}: neither you (uid 0) nor the directory's owner (uid 0). It is not followed, as Linux's fs.protected_symlinks would not follow it: whoever made it can point it at any directory you can write to. Give a path that does not go through the link (the directory's own path), or have the link removed.`,
        );
      }
      expect(readdirSync(real)).toEqual(['sub']);
      expect(readdirSync(join(real, 'sub'))).toEqual([]);
    },
  );

  it.skipIf(!asRoot)(
    'refuses such a link reached through a link of its own, and through a relative one with ..',
    async () => {
      const { here, real, link } = setting();
      const planted = link('reports', real, OTHER);
      // Trusted links (the user's own) whose targets go through the planted one.
      const mine = join(here, 'mine');
      symlinkSync(planted, mine);
      const relative = link('relative', '../shared/reports/sub', 0);
      for (const out of [join(mine, 'report.csv'), join(relative, 'report.csv')]) {
        await expect(CsvWriter.create(out, ['n'], { option: '--out' }), out).rejects.toThrow(
          `${planted} is a symbolic link in`,
        );
      }
      expect(readdirSync(join(real, 'sub'))).toEqual([]);
    },
  );

  it.skipIf(!asRoot).each([
    ["the user's own link in a sticky world-writable directory", 0o1777, 0, 0],
    ["the directory owner's link there", 0o1777, OTHER, OTHER],
    ["another user's link in a world-writable directory without the sticky bit", 0o777, 0, OTHER],
    ["another user's link in a sticky directory only its owner can write to", 0o1755, 0, OTHER],
  ])('follows %s, as the kernel would', async (_name, mode, dirOwner, linkOwner) => {
    const { real, link } = setting(mode, dirOwner);
    const followed = link('reports', real, linkOwner);
    expect(await written(join(followed, 'sub', 'report.csv'))).toBe('\uFEFFn\r\n1\r\n');
    expect(readdirSync(join(real, 'sub'))).toEqual(['report.csv']);
  });
});
