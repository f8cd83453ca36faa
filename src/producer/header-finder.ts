import { detectDelimiter } from './delimiter.js';
import { isKnownHeader } from './header-conventions.js';

/** Lines the header finder looks through for the header. */
const MAX_PREAMBLE_LINES = 40;

export interface FoundHeader {
  /** 0-based index of the header line among the sample's lines. */
  index: number;
  delimiter: string;
  /** Lines before the header (1-based line numbers, text shortened), for the dry run to name. */
  preamble: { line: number; text: string }[];
}

/**
 * Finds the header in the first lines of a file, skipping what some systems write before it:
 * LinkedIn's `Notes:` paragraph, a report's title and filters, Excel's `sep=;`. Lines that hold
 * one field are skipped up to the first line naming columns the conventions know (`First Name`,
 * `Email`…), or else of two or more fields with as many on the line after it; a first line of
 * several fields stays the header (whatever language it is in). `delimiter` overrides detection.
 */
export function findHeader(lines: readonly string[], delimiter?: string): FoundHeader {
  const candidates: { index: number; delimiter: string; cells: string[] }[] = [];
  let sepDelimiter: string | undefined;
  for (let i = 0; i < lines.length && candidates.length < MAX_PREAMBLE_LINES; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const sep = /^sep=(.)\s*$/i.exec(line);
    if (sep) {
      // Excel announces the delimiter on a line of its own.
      sepDelimiter ??= sep[1];
      continue;
    }
    const d = delimiter ?? sepDelimiter ?? detectDelimiter(line);
    const cells = splitLine(line, d);
    // A line of delimiters only (`,,,`) is as blank as an empty one: the reader skips both.
    if (cells.every((c) => c === '')) continue;
    candidates.push({ index: i, delimiter: d, cells });
  }
  const first = candidates[0];
  if (!first) return { index: 0, delimiter: delimiter ?? sepDelimiter ?? ',', preamble: [] };

  const knownCount = (c: { cells: string[] }) => c.cells.filter((cell) => isKnownHeader(cell)).length;
  // A first line of two or more fields is the header, as it always was, unless it names nothing
  // the conventions know and a line below names several things they do (a report's "Title:,x"
  // before the real header). A first line of one field (`Notes:`, a report's name) is skipped
  // for the first line that names known columns, or else has as many fields as the line after it.
  let chosen = first;
  if (first.cells.length >= 2) {
    if (knownCount(first) === 0) chosen = candidates.find((c) => knownCount(c) >= 3) ?? first;
  } else {
    chosen =
      candidates.find((c) => c.cells.length >= 2 && knownCount(c) >= 2) ??
      candidates.find((c, k) => {
        if (c.cells.length < 2) return false;
        const next = candidates[k + 1];
        return (
          next === undefined || splitLine(lines[next.index] as string, c.delimiter).length === c.cells.length
        );
      }) ??
      first;
  }
  const preamble: FoundHeader['preamble'] = [];
  for (let i = 0; i < chosen.index; i++) {
    const text = (lines[i] as string).trim();
    if (text !== '') preamble.push({ line: i + 1, text: text.length > 80 ? `${text.slice(0, 79)}…` : text });
  }
  return { index: chosen.index, delimiter: chosen.delimiter, preamble };
}

/** Cells of one line, honouring quotes (a line of the sample; values spanning lines are rare here). */
function splitLine(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}
