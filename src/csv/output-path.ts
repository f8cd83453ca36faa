import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OutputPathError } from './output-path-error.js';

export interface OutputPathOptions {
  /** The flag that named the path, for messages. @defaultValue `output` */
  option?: string;
  /** Files being read (the CSV, the mapping) that the output must never replace. */
  inputs?: readonly string[];
}

/**
 * Checks an output path before anything is written, and returns the file to write: the path
 * itself, or the file an existing symlink points at. Refuses, with an {@link OutputPathError}:
 * a missing directory, a directory as the file, and any of `inputs` — same real path or same
 * device and inode, so neither a symlink nor a hard link to the input gets past it
 * (`import big.csv --rejects big.csv` once truncated the file it was reading).
 */
export async function checkOutputPath(path: string, options: OutputPathOptions = {}): Promise<string> {
  const option = options.option ?? 'output';
  const fail = (problem: string) => new OutputPathError(`${option} ${path}${problem}`);
  let target = resolve(path);
  const existing = await statOrUndefined(target);
  if (existing?.isDirectory()) throw fail(' is a directory; give a file name, e.g. a .csv inside it.');
  if (existing) {
    target = await realpath(target);
    for (const input of options.inputs ?? []) {
      const read = await statOrUndefined(input);
      if (!read) continue;
      const same =
        (read.dev === existing.dev && read.ino === existing.ino) || (await realpath(input)) === target;
      if (same) {
        throw fail(
          ` is the input file ${input}: writing it would destroy what is being read. Choose another path for ${option}.`,
        );
      }
    }
  }
  const dir = dirname(target);
  const parent = await statOrUndefined(dir);
  if (!parent) throw fail(`: the directory ${dir} does not exist; create it first or choose another path.`);
  if (!parent.isDirectory()) throw fail(`: ${dir} is not a directory; choose another path.`);
  return target;

  async function statOrUndefined(file: string): Promise<Stats | undefined> {
    try {
      return await stat(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file stands where a directory of the path should be; for us the path does not exist.
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw fail(`: cannot look at ${file} (${code ?? (err as Error).message}); choose another path.`);
    }
  }
}
