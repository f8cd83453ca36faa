import { detectDelimiter } from './delimiter.js';
import { isKnownHeader, normaliseHeaderName } from './header-conventions.js';

/** Lines the header finder looks through for the header. */
const MAX_PREAMBLE_LINES = 40;

export interface FoundHeader {
  /** 0-based index of the header line among the sample's lines. */
  index: number;
  delimiter: string;
  /** Lines before the header (1-based line numbers, text shortened), for the dry run to name. */
  preamble: { line: number; text: string }[];
  /**
   * The table's name when a line holding only a name (`Attendee Details,`) sits directly above the
   * header: a report of several tables, each under its name (Zoom's webinar reports). Another such
   * name and header after the rows is where the table ends.
   */
  title?: { line: number; text: string };
  /** With `title`: the named tables before it, each its name, first and last line (a report's summary, its hosts…). */
  tablesBefore?: { title: string; line: number; lastLine: number }[];
  /** With `title`: the report numbers its sections (`1. Summary`, `2. Participants`): a numbered name is a name too. */
  numberedSections?: true;
  /**
   * A header of two lines: the line above the columns' names names groups of them (`Contact,,,Company,,`: Excel writes
   * a merged cell's text in its first cell). Each column's group (empty where it has none), and the group line's
   * number; a column whose name is only in the group line (a cell merged down both lines) has that name.
   */
  groups?: { line: number; names: string[] };
  /**
   * The columns' names where the header line's own would not do (a survey tool's question text for a field of a
   * contact question: Qualtrics' `Your contact details - Email` is `Email`), by column; undefined keeps the written one.
   */
  names?: (string | undefined)[];
  /** Lines after the header that are more of it (Qualtrics' import ids), not rows: their 1-based numbers. */
  headerLinesAfter?: number[];
}

/** Table names that say the table lists the people who signed up: the one to import from a report of several. */
const PEOPLE_TABLE = /\b(attendees?|registrants?|registrations?|participants?|contacts?|leads?)\b/i;
/** Tables of a report that are not its audience, whatever else their name says. */
const NOT_PEOPLE_TABLE = /\b(hosts?|panelists?|other|polls?|q\s*&\s*a|surveys?)\b/i;

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
  const survey = surveyHeader(lines, candidates);
  if (survey) return survey;
  // A first line of one field (a report's name, `1. Summary`) says nothing of the delimiter: each table's header does.
  const numbered = numberedSections(lines);
  const tables = namedTables(
    lines,
    delimiter ?? sepDelimiter ?? (first.cells.length >= 2 ? first.delimiter : undefined),
    numbered,
  );

  const knownCount = (c: { cells: string[] }) => c.cells.filter((cell) => isKnownHeader(cell)).length;
  // A first line of two or more fields is the header, as it always was, unless it names nothing
  // the conventions know and a line below names several things they do (a report's "Title:,x"
  // before the real header). A first line of one field (`Notes:`, a report's name) is skipped
  // for the first line that names known columns, or else has as many fields as the line after it.
  let chosen = first;
  // A report of several named tables (a summary, then `Host Details,`, `Panelist Details,`,
  // `Attendee Details,` each over its own header): the attendees' table, wherever it is.
  // (The report's own name, `Attendee Report,` over `Report Generated:,…`, names no column: not a table of people.)
  const people =
    tables.length >= 2
      ? tables
          .map((t) => ({ ...t, known: knownCount(t) }))
          .filter((t) => PEOPLE_TABLE.test(t.title) && !NOT_PEOPLE_TABLE.test(t.title) && t.known >= 2)
          .sort((a, b) => b.known - a.known)[0]
      : undefined;
  if (people) {
    chosen = people;
  } else if (first.cells.length >= 2) {
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
  // A line of groups over the columns' names (a report's two-line header): the names are the header.
  const groupLine = chosen;
  const below = candidates[candidates.indexOf(chosen) + 1];
  const groups =
    below && below.index === chosen.index + 1 ? columnGroups(chosen.cells, below.cells) : undefined;
  const distinctKnown = (c: { cells: string[] }) =>
    new Set(c.cells.filter((cell) => isKnownHeader(cell))).size;
  // The two lines read together (a column named only above, merged down both, keeps that name) name more columns.
  const together = below && { cells: below.cells.map((c, i) => c || (chosen.cells[i] ?? '')) };
  if (groups && together && distinctKnown(below) >= 2 && distinctKnown(together) > distinctKnown(chosen))
    chosen = below;
  const grouped = chosen !== groupLine;
  // A line of a label and its value over the header (`Account,Acme Dental Group,,,,`, an export's account name): a
  // line mostly empty whose next line names more of the columns, and names three at least, is no header.
  const sparse = chosen.cells.filter((c) => c !== '').length * 2 <= chosen.cells.length;
  if (
    !grouped &&
    sparse &&
    below &&
    below.index === chosen.index + 1 &&
    knownCount(below) >= 3 &&
    knownCount(below) > knownCount(chosen)
  )
    chosen = below;
  const preamble = preambleOf(lines, grouped ? groupLine.index : chosen.index);
  if (grouped && groups) {
    return {
      index: chosen.index,
      delimiter: chosen.delimiter,
      preamble,
      groups: { line: groupLine.index + 1, names: groups },
    };
  }
  const above = chosen.index - 1;
  const title = above >= 0 ? onlyName(lines[above] as string, chosen.delimiter, numbered) : undefined;
  if (title === undefined) return { index: chosen.index, delimiter: chosen.delimiter, preamble };
  // The tables before this one, each from its name to the line before the next table's name.
  const before = tables.filter((t) => t.index - 1 < above);
  const tablesBefore = before.map((t, k) => {
    let last = (k + 1 < before.length ? (before[k + 1] as { index: number }).index - 1 : above) - 1;
    while (last > t.index && (lines[last] as string).trim() === '') last--;
    return { title: t.title, line: t.index, lastLine: last + 1 };
  });
  return {
    index: chosen.index,
    delimiter: chosen.delimiter,
    preamble,
    title: { line: above + 1, text: title },
    ...(numbered ? { numberedSections: true as const } : {}),
    ...(tablesBefore.length ? { tablesBefore } : {}),
  };
}

/**
 * A line or a name from the file as the dry run quotes it: at most 80 characters (or `max`), the cut marked with `…`.
 */
export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A question's text as a part of a column's name (`Question: Choice`, one per choice): at most 120 characters. Whole, a
 * question's text was repeated in each of its choices' names: a question of 60,000 characters over 300 choices made
 * names of 18 MB.
 */
const QUESTION_IN_NAME = 120;

/** The lines before line `upTo` (0-based) that hold anything, as the dry run quotes them. */
function preambleOf(lines: readonly string[], upTo: number): FoundHeader['preamble'] {
  return lines.slice(0, upTo).flatMap((line, i) => {
    const text = line.trim();
    return text === '' ? [] : [{ line: i + 1, text: clip(text) }];
  });
}

/** A line's cells as the header finder reads them. */
type Candidate = { index: number; delimiter: string; cells: string[] };

/**
 * A survey tool's header of several lines, recognised by its own column names (never by common ones):
 * - SurveyMonkey's "All responses data" export: line 1 names the metadata columns (`Respondent ID`, `Collector ID`…)
 *   and each question's text over its first column; line 2 is empty under the metadata and names each question's
 *   answers (`Response`, `Open-Ended Response`, a contact question's `Name`, `Email Address`…). Line 1 holds groups
 *   over line 2's names, whatever a question's text holds (digits, `@`), so the general rule of {@link columnGroups}
 *   is not asked.
 * - Qualtrics' export of responses: line 1 the columns' ids (`StartDate`, `ResponseId`, `Q1_1`), line 2 their names
 *   or questions' text, line 3 each column's import id as JSON (`{"ImportId":"QID1_1"}`). Line 2 names the columns
 *   (ids such as `Q3` say nothing), line 1 is skipped as a line before the header, and line 3 is more of the header,
 *   not a row. A field of a question of several (`Your contact details - First name`) is named by its field where
 *   that is a name the importer knows.
 */
function surveyHeader(lines: readonly string[], candidates: readonly Candidate[]): FoundHeader | undefined {
  const [top, second, third] = candidates;
  if (!top || !second || second.index !== top.index + 1 || second.cells.length !== top.cells.length)
    return undefined;
  const keys = new Set(top.cells.map(normaliseHeaderName));
  if (keys.has('respondentid') && keys.has('collectorid')) {
    // Line 2 is empty under the metadata (named on line 1 alone) and names the answers under each question. A sheet
    // whose second header line was deleted (in Excel) has a row there: its respondent's id is no name, and the row
    // is read as the first of the one-line header's rows.
    const names = second.cells;
    const metadataSeen = new Set<string>();
    const metadataNamed = top.cells.some((c, i) => {
      const key = normaliseHeaderName(c);
      if (!SURVEYMONKEY_METADATA.has(key) || metadataSeen.has(key)) return false;
      metadataSeen.add(key);
      return names[i] !== '';
    });
    if (
      metadataNamed ||
      !top.cells.some((c, i) => c !== '' && names[i] === '') ||
      !names.some((c) => c !== '')
    )
      return undefined;
    const groups: string[] = [];
    let group = '';
    top.cells.forEach((cell, i) => {
      if (cell !== '') group = cell;
      if (names[i] === '') {
        groups.push(cell);
        group = '';
      } else groups.push(group);
    });
    return {
      index: second.index,
      delimiter: second.delimiter,
      preamble: preambleOf(lines, top.index),
      groups: { line: top.index + 1, names: groups },
      names: surveyMonkeyNames(
        top.cells,
        names,
        groups,
        lines
          .slice(second.index + 1)
          .map((line) => splitLine(line, second.delimiter))
          .filter((cells) => cells.length === names.length),
      ),
    };
  }
  // Line 3 (the import ids, no data to whoever reads the file) may have been deleted by hand: line 2 still names
  // `ResponseId`'s column `Response ID` and `StartDate`'s `Start Date`.
  const importIds =
    third !== undefined &&
    third.index === second.index + 1 &&
    third.cells.filter((c) => IMPORT_ID.test(c)).length * 2 > third.cells.length;
  const namedBelow = (id: string) => {
    const at = top.cells.findIndex((c) => normaliseHeaderName(c) === id);
    return (
      at !== -1 && normaliseHeaderName(second.cells[at] ?? '') === id && second.cells[at] !== top.cells[at]
    );
  };
  if (
    keys.has('responseid') &&
    keys.has('startdate') &&
    (importIds || (namedBelow('responseid') && namedBelow('startdate')))
  ) {
    const names = second.cells.map((text, i) => {
      // A choice question's answer: `Which features? - Selected Choice` is the question's.
      const question = withoutSelectedChoice(text);
      if (question !== undefined) return question;
      const id = top.cells[i] ?? '';
      const cut = text.lastIndexOf(' - ');
      if (!/^Q[\w.]*_\d+$/i.test(id) || cut === -1) return undefined;
      const field = text.slice(cut + 3).trim();
      return isKnownHeader(field) ? field : undefined;
    });
    // A name no other column gets: two questions asking for an email (`Your contact details - Email`, `Invite a
    // colleague - Email`) keep their whole text, rather than two columns `Email` (refused as duplicate names) or one
    // question's field taken for the other's.
    const counts = new Map<string, number>();
    second.cells.forEach((text, i) => {
      const key = normaliseHeaderName(names[i] ?? text);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    names.forEach((name, i) => {
      if (name !== undefined && (counts.get(normaliseHeaderName(name)) ?? 0) > 1) names[i] = undefined;
    });
    return {
      index: second.index,
      delimiter: second.delimiter,
      preamble: preambleOf(lines, second.index),
      ...(names.some((n) => n !== undefined) ? { names } : {}),
      ...(importIds && third ? { headerLinesAfter: [third.index + 1] } : {}),
    };
  }
  return undefined;
}

/**
 * SurveyMonkey's metadata columns, named on line 1 alone: line 2 is empty under each (its first column of the name: a
 * question's text could repeat one), where a row holds the response's id, its collector, its dates.
 */
const SURVEYMONKEY_METADATA = new Set(['respondentid', 'collectorid', 'startdate', 'enddate', 'ipaddress']);

/** What SurveyMonkey writes under a question whose answer is one column: the answer's kind, not its name. */
const ANSWER_PLACEHOLDER = /^(?:response|open-ended response)$/i;
/** A choice question's column for the respondent's own answer (`Other (please specify)`): typed, not ticked. */
const OTHER_CHOICE = /^other\b/i;

/**
 * The columns' names of SurveyMonkey's two header lines, each question's (line 1) answers (line 2) read together:
 * - a column named on line 1 alone (the metadata: `Respondent ID`, the recipient's `Email Address`) keeps that name;
 * - a one-column answer (`Response`, `Open-Ended Response`) is named by its question, the note's heading for it;
 * - a choice question's columns, a choice each (ticked: the cell holds the choice's text, as the rows show, or the
 *   choices are no names a field is known by), are `Question: Choice`, so the ticked ones go together under the
 *   question in the note, never read as a field (`How should we contact you?` over `Email`, `Phone`);
 * - any other question's fields (Contact Information's `Name`, `Company`, `Email Address`…) keep their names, with
 *   the question before a name another column has too (the contact question's `Email Address` beside the recipient's).
 */
function surveyMonkeyNames(
  questions: readonly string[],
  answers: readonly string[],
  groups: readonly string[],
  rows: readonly string[][],
): string[] {
  const out = answers.map((answer, i) => (answer === '' ? (questions[i] ?? '') : answer));
  // Each question's columns: from a question's text on line 1 to the next (or to a column named on line 1 alone).
  const runs: number[][] = [];
  answers.forEach((answer, i) => {
    if (answer === '') return;
    if ((questions[i] ?? '') !== '' || runs.length === 0) runs.push([i]);
    else runs.at(-1)?.push(i);
  });
  for (const run of runs) {
    const question = groups[run[0] as number] ?? '';
    const choices = run.filter((i) => !ANSWER_PLACEHOLDER.test(answers[i] as string));
    const ticked = choices.filter((i) => !OTHER_CHOICE.test(answers[i] as string));
    const cells = rows.flatMap((row) => ticked.map((i) => ({ i, cell: (row[i] ?? '').trim() })));
    const isChoice =
      ticked.length > 0 &&
      (ticked.some((i) => !isKnownHeader(answers[i] as string)) ||
        (cells.some((c) => c.cell !== '') &&
          cells.every(
            (c) =>
              c.cell === '' || normaliseHeaderName(c.cell) === normaliseHeaderName(answers[c.i] as string),
          )));
    for (const i of run) {
      const answer = answers[i] as string;
      if (ANSWER_PLACEHOLDER.test(answer)) out[i] = question;
      else if (isChoice) out[i] = `${clip(question, QUESTION_IN_NAME)}: ${answer}`;
    }
  }
  // A name two columns share: the question's field is named with its question.
  const counts = new Map<string, number>();
  for (const name of out)
    counts.set(normaliseHeaderName(name), (counts.get(normaliseHeaderName(name)) ?? 0) + 1);
  return out.map((name, i) =>
    answers[i] !== '' && groups[i] && (counts.get(normaliseHeaderName(name)) ?? 0) > 1
      ? `${clip(groups[i], QUESTION_IN_NAME)} ${name}`
      : name,
  );
}

/**
 * A Qualtrics choice question's text without what Qualtrics writes after it for the choices ticked (`Which features?
 * - Selected Choice`; the column beside holds `- Text`), or undefined where the text does not end so. Read from the
 * end, in one pass: a pattern of `\s+-\s+` took time growing with the square of a run of spaces in the text.
 */
function withoutSelectedChoice(text: string): string | undefined {
  const suffix = 'selected choice';
  if (text.length <= suffix.length || text.slice(-suffix.length).toLowerCase() !== suffix) return undefined;
  const before = text.slice(0, -suffix.length);
  const dash = before.trimEnd();
  if (dash === before || !dash.endsWith('-')) return undefined;
  const question = dash.slice(0, -1);
  const trimmed = question.trimEnd();
  return trimmed === question || trimmed === '' ? undefined : trimmed;
}

/** A cell of Qualtrics' third header line: the column's import id, as JSON. */
const IMPORT_ID = /^\{\s*"ImportId"\s*:/;

/**
 * Each column's group when `top` is a line of groups over the line of names `names`: Excel writes a group's merged
 * cell as its text in the first column and empty cells after it (`Contact,,,Company,,`), a sheet without merged cells
 * repeats the group's name (`Contact,Contact,Company,Company`). Two groups at least, each over two columns or more, the
 * names line filled where the groups line is not, and no group a value a row would have (a digit, an address). A group runs to the next one, or to
 * a column named only in the groups line (a cell merged down both lines: `Notes` over an empty cell), which ends it.
 * Undefined when `top` is no such line.
 */
function columnGroups(top: readonly string[], names: readonly string[]): string[] | undefined {
  if (top.length < 3 || top.length !== names.length) return undefined;
  const filled = top.filter((c) => c !== '');
  if (filled.some((c) => /[\d@]/.test(c))) return undefined;
  const runs = top.filter((c, i) => c !== '' && c !== top[i - 1]);
  // Merged cells leave most of the line empty; repeated names come in runs.
  const merged = filled.length * 2 <= top.length;
  const repeated = filled.length === top.length && runs.length * 2 <= top.length;
  if ((!merged && !repeated) || runs.length < 2) return undefined;
  const named = names.filter((c) => c !== '').length;
  if (named * 5 < names.length * 4 && !merged) return undefined;
  // A merged group spans two columns or more: a name over a single named column is a value beside its label
  // (`Account,Acme Dental Group,,,,` over the header), not a group.
  const single = top.some(
    (cell, i) =>
      cell !== '' && names[i] !== '' && (top[i + 1] !== '' || names[i + 1] === '' || i + 1 === top.length),
  );
  if (merged && single) return undefined;
  const out: string[] = [];
  let group = '';
  top.forEach((cell, i) => {
    if (cell !== '') group = cell;
    // A name only in the groups line: a column of its own, and the group it would have started ends there.
    if (names[i] === '' && cell !== '') {
      out.push(cell);
      group = '';
      return;
    }
    out.push(group);
  });
  return out;
}

/**
 * The text of a line that holds only a name: one non-empty cell, the first (`Host Details,`), and no
 * digit (not a row's lone value such as a date or an amount) but a section's number before a word
 * (`2. Participants`, as Microsoft Teams numbers the sections of its attendance report).
 */
export function onlyName(line: string, delimiter: string, numbered = false): string | undefined {
  return nameIn(splitLine(line, delimiter), numbered);
}

/** A section's number before its name: `2. `, `3) ` (then a letter, so not a date such as `3.4.2026`). */
const SECTION_NUMBER = /^\d{1,2}[.)]\s+(?=\p{L})/u;

/**
 * A report that numbers its sections: two lines or more of a numbered name alone (`1. Summary`, `2. Participants`).
 * One such line over a sheet (`1. Contacts`) is a sheet's title, whose number says nothing of tables after it: read as a
 * table's name, it turned a later short row into the next table's name and the rows after it were lost.
 */
function numberedSections(lines: readonly string[]): boolean {
  let count = 0;
  for (const line of lines) if (NUMBERED_NAME_LINE.test(line) && ++count >= 2) return true;
  return false;
}

const NUMBERED_NAME_LINE = /^\s*"?\d{1,2}[.)]\s+\p{L}[^\t,;"]*"?[\t,;\s]*$/u;

/** {@link onlyName} of a line read into cells; `numbered`: a section's number before the name is allowed. */
export function nameIn(cells: readonly string[], numbered = false): string | undefined {
  const name = cells[0]?.trim() ?? '';
  if (
    name === '' ||
    /\d/.test(numbered ? name.replace(SECTION_NUMBER, '') : name) ||
    cells.slice(1).some((c) => c.trim() !== '')
  )
    return undefined;
  return name;
}

/**
 * Named tables in the sample: a line holding only a name, directly above a line of two or more fields (the table's
 * header: its index, delimiter and cells).
 */
function namedTables(
  lines: readonly string[],
  delimiter: string | undefined,
  numbered: boolean,
): { title: string; index: number; delimiter: string; cells: string[] }[] {
  const out: { title: string; index: number; delimiter: string; cells: string[] }[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const next = lines[i + 1] as string;
    const d = delimiter ?? detectDelimiter(next);
    const title = onlyName(lines[i] as string, d, numbered);
    if (title === undefined) continue;
    const cells = splitLine(next, d);
    if (cells.filter((c) => c !== '').length >= 2) out.push({ title, index: i + 1, delimiter: d, cells });
  }
  return out;
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
