/**
 * Code page 850 ("DOS Latin 1", IBM850), the OEM code page of Windows in Western European locales: what Excel's
 * "CSV (MS-DOS)" type writes (on Windows; "MS-DOS Comma Separated" on Mac), where its plain "CSV" writes
 * Windows-1252 (superuser.com question 385265, "What's the difference between CSV (MS-DOS), CSV (Macintosh) and
 * CSV (Comma delimited)": the DOS one uses the old PC code page, usually 437, the US one; 850 in Western Europe). Outlook's "Comma Separated Values (DOS)" export, by its name, likely the same (unconfirmed). Users pick it
 * from the list by mistake; read as Windows-1252 or Mac Roman, "René Müller" becomes "Ren‚ M\u0081ller" or
 * "RenÇ MÅller". Bytes 0x00–0x7F are ASCII;
 * 0x80–0xFF follow IBM's table as Unicode publishes it:
 * https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/PC/CP850.TXT
 *
 * Code page 437, the US one, is read with this table too: the two agree on every Latin letter 437 has (0x80–0xA5,
 * ß, µ). They differ where 437 has box drawing, math symbols and a few Greek letters (and ¢ ¥ ₧ at 0x9B, 0x9D and
 * 0x9E, where 850 has ø Ø ×), which lead lists do not hold.
 *
 * Written out, as `mac-roman.ts` is: no TextDecoder knows it (the WHATWG Encoding Standard has no DOS code page but
 * 866). 0xF0 is a soft hyphen and 0xFF a no-break space; `·` marks them below.
 */

import { singleByteDecoder } from './single-byte.js';

/* Code points of bytes 0x80–0xFF, sixteen per row. */
const CP850_CODE_POINTS = [
  // 0x80: Ç ü é â ä à å ç ê ë è ï î ì Ä Å
  0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7, 0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee,
  0x00ec, 0x00c4, 0x00c5,
  // 0x90: É æ Æ ô ö ò û ù ÿ Ö Ü ø £ Ø × ƒ
  0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9, 0x00ff, 0x00d6, 0x00dc, 0x00f8, 0x00a3,
  0x00d8, 0x00d7, 0x0192,
  // 0xA0: á í ó ú ñ Ñ ª º ¿ ® ¬ ½ ¼ ¡ « »
  0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba, 0x00bf, 0x00ae, 0x00ac, 0x00bd, 0x00bc,
  0x00a1, 0x00ab, 0x00bb,
  // 0xB0: ░ ▒ ▓ │ ┤ Á Â À © ╣ ║ ╗ ╝ ¢ ¥ ┐
  0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00c1, 0x00c2, 0x00c0, 0x00a9, 0x2563, 0x2551, 0x2557, 0x255d,
  0x00a2, 0x00a5, 0x2510,
  // 0xC0: └ ┴ ┬ ├ ─ ┼ ã Ã ╚ ╔ ╩ ╦ ╠ ═ ╬ ¤
  0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x00e3, 0x00c3, 0x255a, 0x2554, 0x2569, 0x2566, 0x2560,
  0x2550, 0x256c, 0x00a4,
  // 0xD0: ð Ð Ê Ë È ı Í Î Ï ┘ ┌ █ ▄ ¦ Ì ▀
  0x00f0, 0x00d0, 0x00ca, 0x00cb, 0x00c8, 0x0131, 0x00cd, 0x00ce, 0x00cf, 0x2518, 0x250c, 0x2588, 0x2584,
  0x00a6, 0x00cc, 0x2580,
  // 0xE0: Ó ß Ô Ò õ Õ µ þ Þ Ú Û Ù ý Ý ¯ ´
  0x00d3, 0x00df, 0x00d4, 0x00d2, 0x00f5, 0x00d5, 0x00b5, 0x00fe, 0x00de, 0x00da, 0x00db, 0x00d9, 0x00fd,
  0x00dd, 0x00af, 0x00b4,
  // 0xF0: · ± ‗ ¾ ¶ § ÷ ¸ ° ¨ · ¹ ³ ² ■ ·
  0x00ad, 0x00b1, 0x2017, 0x00be, 0x00b6, 0x00a7, 0x00f7, 0x00b8, 0x00b0, 0x00a8, 0x00b7, 0x00b9, 0x00b3,
  0x00b2, 0x25a0, 0x00a0,
];

/** The characters of bytes 0x80–0xFF: `CP850_HIGH[byte - 0x80]`. */
export const CP850_HIGH: string = String.fromCharCode(...CP850_CODE_POINTS);

/** Decodes code page 850 bytes (see {@link singleByteDecoder}). */
export const decodeCp850: (bytes: Uint8Array) => string = singleByteDecoder(CP850_HIGH);
