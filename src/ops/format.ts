import { DEFAULT_CONNECTION } from '../config/config.js';
import type { Failing } from '../worker/control.js';
import { formatDuration } from './eta.js';
import type { ImportStatus } from './status.js';

/**
 * Text for a terminal: control characters as `?`, line breaks and tabs kept. What is printed quotes CSV headers and
 * cells, file names and Pipedrive's messages, which whoever wrote them controls: an escape sequence there would
 * otherwise reach the operator's terminal (rewrite or hide lines, set the title, or worse on some terminals), and a
 * carriage return would print over the line before it.
 */
export function printableLines(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

/** One value from a file shown on a terminal: every control character (escape sequences, line breaks) as `?`. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A column of an import's mapping description as people read it: `"Phone" (column 4)` where another is named `Phone` too. */
export function describedColumn(
  c: { column: string; position?: number },
  quote = (t: string) => `"${t}"`,
): string {
  return `${quote(c.column)}${c.position ? ` (column ${c.position})` : ''}`;
}

/** Where a run of lines is, as messages name it: `line 4`, `lines 4–9`. */
export function lineSpan(t: { line: number; lastLine: number }): string {
  return t.lastLine > t.line ? `lines ${t.line}–${t.lastLine}` : `line ${t.line}`;
}

/** `12,345` */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `2026-05-15 00:00 UTC`: the worker's format for budget waits, the same in what status prints. */
export { formatUtc } from '../worker/control.js';

/** `04:15:02 UTC`: a time today, to the second (a 429 pause's end, the first of a run of failed calls). */
export function formatClockUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

/** The human-readable `status ID` block. */
export function formatStatus(s: ImportStatus): string {
  const lines = [
    // One line: the file name (and the state text, which may quote it) are the user's text, a line break included.
    printable(
      `Import ${s.importId} (${s.fileName || 'unknown file'}${s.connection === DEFAULT_CONNECTION ? '' : `, connection ${s.connection}`}${s.priority === 1 ? '' : `, priority ${s.priority}`}): ${s.stateText}`,
    ),
    `  rows ${formatCount(s.rows)} = created ${formatCount(s.created)}${s.reverted > 0 ? ` (${formatCount(s.reverted)} reverted${s.revertFoundGone > 0 ? `, ${formatCount(s.revertFoundGone)} of them gone before revert came` : ''})` : ''} + rejected ${formatCount(s.rejected)} + dead-lettered ${formatCount(s.deadLettered)} + cancelled ${formatCount(s.cancelled)} + pending ${formatCount(s.pending)}${s.balanced || s.state === 'reading' ? '' : '  (does not add up: report this)'}`,
    `  progress ${Math.floor(s.progress * 100)}%   persons created ${formatCount(s.createdPersons)}, reused ${formatCount(s.reusedPersons)}   organizations created ${formatCount(s.createdOrganizations)}, reused ${formatCount(s.reusedOrganizations)}${s.createdNotes || s.failedNotes ? `   notes ${formatCount(s.createdNotes)}${s.failedNotes ? ` (${formatCount(s.failedNotes)} refused: see the report)` : ''}` : ''}`,
    `  tokens spent ${formatCount(s.tokensUsed)}${s.pending > 0 ? `, about ${formatCount(s.tokensRemaining)} to go` : ''}${s.budget ? `   budget left today ${formatCount(s.budget.left)} of ${formatCount(s.budget.limit)}` : ''}`,
  ];
  if (s.etaMs !== null)
    lines.push(`  ETA ${formatDuration(s.etaMs)} at the earliest (burst limit and budget)`);
  if (s.reverted > 0) {
    const deleted = s.reverted - s.revertFoundGone;
    const found = s.revertFoundGone;
    lines.push(
      `  ${[
        deleted > 0
          ? `${formatCount(deleted)} of its leads ${deleted === 1 ? 'was' : 'were'} deleted by \`lead-importer revert\``
          : '',
        found > 0
          ? `${deleted > 0 ? '' : 'of its leads, '}${formatCount(found)} ${found === 1 ? 'was' : 'were'} gone before revert came (converted into a deal, or deleted by hand)`
          : '',
      ]
        .filter(Boolean)
        .join(', and ')}; running the import again does not create them again`,
    );
  }
  if (s.alreadyImported > 0)
    // Counted when the import was run again: rows an earlier run had enqueued, finished or not (a row still queued
    // then is not imported, so it must not be said to be).
    lines.push(
      `  ${formatCount(s.alreadyImported)} rows were already enqueued or imported by an earlier run (not enqueued again)`,
    );
  return printableLines(`${lines.join('\n')}\n`);
}

/**
 * The `status` (no id) table; with a CONNECTION column once an import goes to another connection than `default`
 * (one company's table stays as it was).
 */
export function formatStatusTable(list: ImportStatus[], connection?: string): string {
  if (list.length === 0) {
    return connection === undefined
      ? 'No imports yet. Start one with `lead-importer import FILE`.\n'
      : `No imports into connection ${connection} yet. Start one with \`lead-importer import FILE --connection ${connection}\`.\n`;
  }
  const withConnection = list.some((s) => s.connection !== DEFAULT_CONNECTION);
  const rows = list.map((s) => [
    s.importId,
    ...(withConnection ? [s.connection] : []),
    s.fileName,
    s.state,
    `${Math.floor(s.progress * 100)}%`,
    formatCount(s.rows),
    formatCount(s.created),
    formatCount(s.rejected),
    formatCount(s.deadLettered),
    formatCount(s.pending),
    new Date(s.createdAt).toISOString().slice(0, 16).replace('T', ' '),
  ]);
  // A stalled import says why under the table (its state text), once per reason: the table has no room for it.
  // So does a running import held back by what its connection meets (no worker serves it, every call to Pipedrive
  // fails: "running, but …"), once per connection: the STATE column alone reads `running`.
  const RUNNING_BUT = 'running, but ';
  const heldBack = list.flatMap((s) =>
    s.state === 'running' && s.stateText.startsWith(RUNNING_BUT)
      ? [
          `${withConnection ? `${s.connection}: ` : ''}${s.stateText.charAt(RUNNING_BUT.length).toUpperCase()}${s.stateText.slice(RUNNING_BUT.length + 1)}`,
        ]
      : [],
  );
  const why = [
    ...new Set([
      ...heldBack,
      ...list.filter((s) => s.state === 'stalled').map((s) => `${s.importId}: ${s.stateText}`),
    ]),
  ];
  return `${table(
    [
      'IMPORT',
      ...(withConnection ? ['CONNECTION'] : []),
      'FILE',
      'STATE',
      'DONE',
      'ROWS',
      'CREATED',
      'REJECTED',
      'DLQ',
      'PENDING',
      'STARTED (UTC)',
    ],
    rows,
  )}${why.length > 0 ? printableLines(`\n${why.join('\n')}\n`) : ''}`;
}

/** East Asian wide and full-width characters (CJK, Hangul, kana, full-width forms, emoji): two columns of a terminal. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
/** A combining mark (the `̈` of a decomposed `ë`): no column of its own. */
const COMBINING = /\p{M}/u;

/** How many columns of a terminal `text` takes: a wide character two, a combining mark none, any other one. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const c of text) width += WIDE.test(c) ? 2 : COMBINING.test(c) ? 0 : 1;
  return width;
}

/**
 * A plain, left-aligned text table. Each cell is one line: a line break in one (a file name, a message) would start a
 * row of its own, in whatever words the file's author chose.
 */
export function table(header: string[], rawRows: string[][]): string {
  // Each cell with its width on a terminal, measured once.
  const measured = [header, ...rawRows.map((r) => r.map((c) => printable(c)))].map((r) =>
    r.map((text) => ({ text, width: displayWidth(text) })),
  );
  const widths = header.map((_, i) => Math.max(...measured.map((r) => r[i]?.width ?? 0)));
  const line = (cells: { text: string; width: number }[]) =>
    cells
      .map((c, i) => c.text + ' '.repeat(Math.max(0, (widths[i] ?? 0) - c.width)))
      .join('  ')
      .trimEnd();
  return printableLines(`${measured.map(line).join('\n')}\n`);
}

/** A word or a path as a POSIX shell reads it back. */
export function shellQuote(word: string): string {
  if (/^[\w./@%+=:,-]+$/.test(word)) return word;
  // A control character (a line break in a file's name) as an escape in `$'…'` (bash, zsh): the command stays one
  // line to copy, and a name cannot print a line of its own (a fake one) into another operator's output.
  if (printable(word) !== word) {
    return `$'${word.replace(/[\\'\u0000-\u001f\u007f-\u009f]/g, (c) => {
      const code = c.charCodeAt(0);
      if (c === '\\' || c === "'") return `\\${c}`;
      return code < 0x80
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    })}'`;
  }
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The command that runs an import again (after `verify --repair` put rows whose lead was gone back to pending): its
 * file, id and connection, and the options its first run read the file with when the record keeps them
 * (`ImportMeta.readArgs`; `known: false` for records from before, which the caller says to add).
 */
export function reimportCommand(r: {
  importId: string;
  fileName: string;
  connection: string;
  readArgs?: string[];
}): { command: string; known: boolean } {
  const parts = [
    'lead-importer import',
    r.fileName ? shellQuote(r.fileName) : 'FILE',
    `--import-id ${r.importId}`,
    ...(r.connection !== 'default' ? [`--connection ${r.connection}`] : []),
    ...(r.readArgs ?? []).map(shellQuote),
  ];
  return { command: parts.join(' '), known: r.readArgs !== undefined };
}

/** "every call to Pipedrive has failed since 04:15:02 UTC (the latest: 500 Internal Server Error to GET /api/v1/users/me)" */
export function failingText(failing: Failing): string {
  return `every call to Pipedrive has failed since ${formatClockUtc(failing.since)} (the latest: ${failing.reason})`;
}
