import { startsLikeFormula } from './formula-start.js';

/**
 * A cell's value without the protective `'` that spreadsheets' "text" prefix left in front of it:
 * this tool's own exports (`'=…`, `'+49 …`, see `neutraliseCell`), and Apollo's or Salesforce's,
 * which also protect numbers (`'0049 30 …`, `'1.234,50`, `'2026-03-01`) so a spreadsheet keeps
 * their leading zeros and digits. One quote is taken away, only where it protects something:
 * before what a spreadsheet would run as a formula, or before a number with no letter in it.
 * `'t Hooft`, `'90s Retro Ltd` and `''+49` are text and stay as they are.
 */
export function stripProtectiveQuote(cell: string): string {
  if (cell.charCodeAt(0) !== 0x27) return cell;
  const rest = cell.slice(1);
  if (startsLikeFormula(rest)) return rest;
  if (/^\d/.test(rest) && !/\p{L}/u.test(rest)) return rest;
  return cell;
}
