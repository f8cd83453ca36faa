import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** The `code` of {@link readBoundedFile}'s error for a FIFO, a device or a socket. */
export const NOT_A_FILE = 'ENOTREGULAR';
/** The `code` of {@link readBoundedFile}'s error for a file over its limit. */
export const TOO_LARGE = 'ETOOLARGE';

/**
 * Reads a regular file (a symlink to one included) of at most `max` bytes without blocking on what it is: opened
 * without blocking, so a FIFO at the path cannot hang the process until someone writes to it, and read only when it
 * is a regular file, so `/dev/zero` cannot fill its memory. Throws with `code` set ({@link NOT_A_FILE},
 * {@link TOO_LARGE}, or the system's).
 */
export function readBoundedFile(file: string, max: number): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    const fail = (code: string) => Object.assign(new Error(`${file}: ${code}`), { code });
    if (stats.isDirectory()) throw fail('EISDIR');
    if (!stats.isFile()) throw fail(NOT_A_FILE);
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > max) throw fail(TOO_LARGE);
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}
