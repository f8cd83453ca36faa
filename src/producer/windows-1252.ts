/**
 * Windows-1252, the text encoding of Excel on Windows and of older CRMs. We read Latin-1
 * (ISO-8859-1) files as Windows-1252 too: the two differ only in 0x80–0x9F, which Latin-1 fills
 * with C1 control codes that no text file holds.
 */

/* Node's TextDecoder decodes 0x80–0x9F as C1 controls (it treats the label as Latin-1), so the
   27 printable characters there are mapped here. 0x81, 0x8D, 0x8F, 0x90 and 0x9D are undefined and
   stay C1 controls, as the WHATWG Encoding Standard decodes them. */
export const CP1252_HIGH: Readonly<Record<number, string>> = {
  128: '€',
  130: '‚',
  131: 'ƒ',
  132: '„',
  133: '…',
  134: '†',
  135: '‡',
  136: 'ˆ',
  137: '‰',
  138: 'Š',
  139: '‹',
  140: 'Œ',
  142: 'Ž',
  145: '‘',
  146: '’',
  147: '“',
  148: '”',
  149: '•',
  150: '–',
  151: '—',
  152: '˜',
  153: '™',
  154: 'š',
  155: '›',
  156: 'œ',
  158: 'ž',
  159: 'Ÿ',
};

/** Decodes Windows-1252 bytes; single-byte, so any chunking of the input decodes the same. */
export function decodeWindows1252(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return text.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0)] ?? c);
}
