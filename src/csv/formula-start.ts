/**
 * Whether a spreadsheet would run this text as a formula (OWASP "CSV injection"): it starts with
 * `=`, `+`, `-` or `@`, or their full-width forms `＝＋－＠` (Excel and LibreOffice read those as
 * formulas too), possibly after whitespace, a no-break space or a BOM (which they skip); or it
 * starts with a tab or a carriage return (which some of them strip before reading the rest).
 */
export function startsLikeFormula(text: string): boolean {
  return /^[\t\r]/.test(text) || /^\s*[=+\-@＝＋－＠]/u.test(text);
}
