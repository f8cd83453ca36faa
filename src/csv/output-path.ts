import type { Stats } from 'node:fs';
import { lstat, readlink, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OutputPathError } from './output-path-error.js';
import { untrustedSymlinkOn } from './protected-symlinks.js';

export interface OutputPathOptions {
  /** The flag that named the path, for messages. @defaultValue `output` */
  option?: string;
  /** Files being read (the CSV, the mapping) that the output must never replace. */
  inputs?: readonly string[];
}

/**
 * Names of the process's own streams. The CSV cannot go there: the commands print their summary on
 * stdout, and the file is written beside the target and renamed over it, which a stream is not.
 */
const STANDARD_STREAM = /^(-|\/dev\/(stdin|stdout|stderr|fd\/\d+)|\/proc\/(self|thread-self|\d+)\/fd\/\d+)$/;

/**
 * Checks an output path before anything is written, and returns the file to write: the path as given,
 * made absolute. Refuses, with an {@link OutputPathError} (exit 2): `-` and `/dev/stdout` and the like,
 * a missing directory, a directory as the file, any of `inputs` — same device and inode, so neither a
 * symlink nor a hard link to the input gets past it (`import big.csv --rejects big.csv` once truncated
 * the file it was reading) — anything but a regular file (a device, a FIFO, a socket: the rename that
 * puts the CSV in place would replace it with a file, `--out /dev/null` as root the system's
 * /dev/null), and a symlink.
 *
 * Why every symlink, not only other users' ones: the file is renamed over the target, so writing
 * through a link meant resolving it here and renaming over whatever it named then: a link another user
 * planted in /tmp made root replace any file of root's, and a link checked for its owner can still be
 * swapped, or point through a directory someone else can change, between the check and the rename.
 * The kernel's own guard (fs.protected_symlinks) does not apply to a link resolved in user space.
 * Refusing the link costs the operator only giving the real path, which the message names.
 *
 * A link among the directories of the path is followed, as the kernel follows it, unless
 * `fs.protected_symlinks` would not: one in a sticky, world-writable directory (like /tmp) that
 * belongs to neither the user running the command nor the directory's owner (see
 * {@link untrustedSymlinkOn}). Its owner can point it at any directory the user can write to, and the
 * sysctl is off in many containers; a link the user or the directory's owner made cannot be swapped by
 * others there, since the sticky bit lets only them remove it.
 */
export async function checkOutputPath(path: string, options: OutputPathOptions = {}): Promise<string> {
  const option = options.option ?? 'output';
  const fail = (problem: string) => new OutputPathError(`${option} ${path}${problem}`);
  if (STANDARD_STREAM.test(path)) {
    throw fail(
      ': the CSV cannot be written to standard output or another stream (the command prints its summary there); give a file name, e.g. report.csv, and read that file.',
    );
  }
  const target = resolve(path);
  // First: every look below goes through the path's directories, and would follow such a link already.
  const uid = process.geteuid?.();
  const planted = uid === undefined ? undefined : await untrustedSymlinkOn(dirname(target), uid);
  if (planted) {
    throw fail(
      `: ${planted.link} is a symbolic link in ${planted.directory}, a sticky directory anyone can write to, and belongs to uid ${planted.linkUid}: neither you (uid ${uid}) nor the directory's owner (uid ${planted.directoryUid}). It is not followed, as Linux's fs.protected_symlinks would not follow it: whoever made it can point it at any directory you can write to. Give a path that does not go through the link (the directory's own path), or have the link removed.`,
    );
  }
  // The path itself (the link, when it is one) and what it resolves to.
  const entry = await look(target, lstat);
  const existing = entry?.isSymbolicLink() ? await look(target, stat) : entry;
  if (existing?.isDirectory()) throw fail(' is a directory; give a file name, e.g. a .csv inside it.');
  if (existing) {
    for (const input of options.inputs ?? []) {
      const read = await look(input, stat);
      if (read && read.dev === existing.dev && read.ino === existing.ino) {
        throw fail(
          ` is the input file ${input}: writing it would destroy what is being read. Choose another path for ${option}.`,
        );
      }
    }
  }
  if (entry?.isSymbolicLink()) {
    const to = await readlink(target).catch(() => undefined);
    throw fail(
      ` is a symbolic link${to === undefined ? '' : ` to ${to}`}: the CSV is not written through links (one planted by another user could name any file). Give the path of the file itself, or remove the link.`,
    );
  }
  if (existing && !existing.isFile()) {
    throw fail(
      ` is ${kindOf(existing)}, not a regular file: the CSV would replace it. Give the path of a regular file or a new one, e.g. report.csv.`,
    );
  }
  const dir = dirname(target);
  const parent = await look(dir, stat);
  if (!parent) throw fail(`: the directory ${dir} does not exist; create it first or choose another path.`);
  if (!parent.isDirectory()) throw fail(`: ${dir} is not a directory; choose another path.`);
  return target;

  async function look(file: string, how: (file: string) => Promise<Stats>): Promise<Stats | undefined> {
    try {
      return await how(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file stands where a directory of the path should be; for us the path does not exist.
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw fail(`: cannot look at ${file} (${code ?? (err as Error).message}); choose another path.`);
    }
  }
}

/** What a non-regular file is, for messages: "a FIFO (named pipe)". */
export function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}
