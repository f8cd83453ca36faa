import type { Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, parse } from 'node:path';

/** A symlink on a path that {@link untrustedSymlinkOn} will not follow, and why. */
export interface UntrustedSymlink {
  /** The link, as reached through the path (its directories already resolved). */
  link: string;
  /** The sticky, world-writable directory it sits in. */
  directory: string;
  /** Who owns the link: neither the user running the command nor the directory's owner. */
  linkUid: number;
  directoryUid: number;
}

/** Links followed before giving up, as the kernel does (`ELOOP` after 40). */
const MAX_LINKS = 40;
const STICKY = 0o1000;
const OTHERS_WRITE = 0o002;

/**
 * The first symlink on the way to `directory` that Linux's `fs.protected_symlinks` would not follow for
 * the user `uid`: one in a sticky, world-writable directory (like /tmp) owned by neither `uid` nor the
 * directory's owner. Such a link was planted by another user, who can point it at any directory the
 * command's user can write to. Links anywhere else are followed, component by component as the kernel
 * walks a path (a link's own target may hold links, and `..` after a link is the parent of where it led).
 *
 * Checked in user space because the sysctl may be off (it is 0 in many containers) and other systems have
 * none, and so the error can name the link. Undefined when every link is trusted, or when the walk stops
 * early (a directory missing, a file in the way, a loop): the caller's own checks say what is wrong then.
 */
export async function untrustedSymlinkOn(
  directory: string,
  uid: number,
): Promise<UntrustedSymlink | undefined> {
  const { root } = parse(directory);
  let resolved = root;
  const rest = components(directory.slice(root.length));
  let followed = 0;
  while (rest.length > 0) {
    const name = rest.shift() as string;
    if (name === '.') continue;
    if (name === '..') {
      resolved = dirname(resolved);
      continue;
    }
    const next = join(resolved, name);
    const entry = await lstat(next).catch(() => undefined);
    if (!entry) return undefined;
    if (!entry.isSymbolicLink()) {
      resolved = next;
      continue;
    }
    const parent = await lstat(resolved).catch(() => undefined);
    if (parent && isShared(parent) && entry.uid !== uid && entry.uid !== parent.uid) {
      return { link: next, directory: resolved, linkUid: entry.uid, directoryUid: parent.uid };
    }
    if (++followed > MAX_LINKS) return undefined;
    const to = await readlink(next).catch(() => undefined);
    if (to === undefined) return undefined;
    rest.unshift(...components(to));
    if (isAbsolute(to)) resolved = parse(to).root;
  }
  return undefined;
}

/** Sticky and writable by anyone: each user may add entries, and only remove their own. */
function isShared(dir: Stats): boolean {
  return (dir.mode & STICKY) !== 0 && (dir.mode & OTHERS_WRITE) !== 0;
}

/** POSIX: `\` is a character of a name, not a separator (and on Windows there is no uid to check). */
function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '');
}
