/**
 * A decoder for a single-byte code page whose bytes 0x00–0x7F are ASCII and whose bytes 0x80–0xFF are the
 * characters of `high`, in order (`high[byte - 0x80]`). One byte is one character, so a chunk boundary never
 * splits one: any chunking of the input decodes to the same text.
 */
export function singleByteDecoder(high: string): (bytes: Uint8Array) => string {
  if (high.length !== 0x80)
    throw new RangeError(`a single-byte code page maps 128 high bytes, not ${high.length}`);
  return (bytes) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      .toString('latin1')
      .replace(/[\u0080-\u00ff]/g, (c) => high[c.charCodeAt(0) - 0x80] as string);
}
