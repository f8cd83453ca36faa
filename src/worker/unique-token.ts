import { randomBytes } from 'node:crypto';

/**
 * Tokens that no other source makes: `randomBytes` random bytes drawn once, then a counter (8 hex digits;
 * all in hex, 2 × `randomBytes` + 8 digits). For lock and lease values, which must differ between holders
 * but need not be unguessable (they stay in Redis): drawing random bytes for each one cost a system call
 * per row for nothing.
 */
export function uniqueTokens(randomBytesCount: number): () => string {
  const prefix = randomBytes(randomBytesCount).toString('hex');
  let seq = 0;
  return () => {
    seq = (seq + 1) >>> 0;
    return `${prefix}${seq.toString(16).padStart(8, '0')}`;
  };
}
