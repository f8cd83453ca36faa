import { stat } from 'node:fs/promises';

/**
 * What `stat` says of a file as its path names it now (a symlink followed): device, inode, size, and modification
 * and change times, or why it cannot be looked at. Equal signatures: the same file, unchanged (an editor that saves
 * by renaming gives a new inode). Content is never read. For the watchers of the connections file and the token files
 * it names.
 */
export async function fileSignature(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'error';
  }
}
