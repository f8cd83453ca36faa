import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import { formatDuration } from '../ops/eta.js';
import { describedColumn, formatCount, lineSpan, printable, printableLines, table } from '../ops/format.js';
import { describeDelimiter } from './delimiter.js';
import type { Estimate, LookupPlan } from './estimate.js';
import { clip } from './header-finder.js';
import type { ImportProgress, ImportSummary } from './import-csv.js';

/**
 * `leads.csv:42, column "Email": "bob@" is not an email address; fix the cell or clear it`, on one line: the file
 * name and the cell a reason quotes may hold line breaks.
 */
export function formatReject(file: string, r: { line: number; column?: string; reason: string }): string {
  return printable(`${file}:${r.line}${r.column ? `, column "${r.column}"` : ''}: ${r.reason}`);
}

/** One progress line: `leads.csv  42% · 12,345 rows · 8,901 rows/s · 3 rejected`. */
export function formatProgress(file: string, p: ImportProgress): string {
  const percent = p.totalBytes > 0 ? Math.floor((p.bytesRead / p.totalBytes) * 100) : 100;
  const rate = p.elapsedMs > 0 ? Math.round((p.rowsRead / p.elapsedMs) * 1000) : 0;
  return printable(
    `${file}  ${String(percent).padStart(3)}% · ${formatCount(p.rowsRead)} rows · ${formatCount(rate)} rows/s · ${formatCount(p.rejected)} rejected`,
  );
}

/** The text summary of a run (import or dry run). */
export function formatSummary(s: ImportSummary, opts: { waiting?: boolean } = {}): string {
  const out: string[] = [];
  const encoding = `${s.encoding}, ${describeDelimiter(s.delimiter)}-separated`;
  out.push(
    `${s.dryRun ? 'Dry run of import' : 'Import'} ${s.importId}${s.connection === DEFAULT_CONNECTION ? '' : ` into ${s.connection}`}: ${printable(s.file)} (${formatCount(s.rows)} row${s.rows === 1 ? '' : 's'}, ${encoding})`,
  );
  if (s.dryRun) {
    out.push(`  valid             ${formatCount(s.valid)}`);
  } else {
    out.push(
      `  enqueued          ${formatCount(s.enqueued)}${s.readded ? ` (${formatCount(s.readded)} of them added again after Redis restarted)` : ''}`,
    );
    // Rows an earlier run enqueued are imported only once a worker has created their leads: those still queued are
    // said to be queued, not imported.
    if (s.alreadyQueued > 0) {
      out.push(
        `  already queued    ${formatCount(s.alreadyQueued)} (by an earlier run; not finished yet)${s.requeued ? `, ${formatCount(s.requeued)} of them queued again now: pending without a job (put back by verify --repair, or their jobs were lost)` : ''}`,
      );
    }
    if (s.alreadyFinished > 0) {
      out.push(
        `  already finished  ${formatCount(s.alreadyFinished)} (by an earlier run: created, dead-lettered or cancelled)`,
      );
    }
  }
  out.push(`  rejected          ${formatCount(s.rejected)}`);
  if (s.repeated > 0) {
    out.push(
      `    of them ${formatCount(s.repeated)} a person's later row${s.repeated === 1 ? '' : 's'}: one lead per person, not a failure (the exit code is not 3 for ${s.repeated === 1 ? 'it' : 'them'})`,
    );
  }
  if (s.layout) {
    out.push(
      `    of them ${formatCount(s.layout)} the sheet's layout (a group's title, the header again, subitems): not a failure (the exit code is not 3 for ${s.layout === 1 ? 'it' : 'them'})`,
    );
  }
  if (s.ownSide) {
    out.push(
      `    of them ${formatCount(s.ownSide)} your own side (a meeting's organizer, a survey's preview), which the file lists beside its people: no lead, not a failure (the exit code is not 3 for ${s.ownSide === 1 ? 'it' : 'them'})`,
    );
  }
  if (s.firstRejects.length > 0) {
    out.push(
      '',
      s.rejected > s.firstRejects.length ? `First ${s.firstRejects.length} rejected rows:` : 'Rejected rows:',
    );
    for (const r of s.firstRejects) out.push(`  ${formatReject(s.file, r)}`);
    if (s.rejected > s.firstRejects.length) {
      out.push(
        `  … and ${formatCount(s.rejected - s.firstRejects.length)} more${s.rejectsFile ? '' : ' (--rejects FILE.csv writes them all)'}`,
      );
    }
    if (s.rejectsFile)
      out.push(
        `  Rejected rows with reasons written to ${s.rejectsFile}: fix them there and import that file.`,
      );
  }
  for (const w of s.warnings) out.push('', `Warning: ${w}`);
  // The dry run lists every column left out, and why; an import says so of those no field is named like, so
  // a file whose headers the importer did not understand (another language, a system of its own) is not taken
  // for a complete import.
  const unrecognised = s.mapping.notImported.filter((c) => c.unrecognised);
  if (!s.dryRun && unrecognised.length > 0) {
    const shown = unrecognised
      .slice(0, 10)
      .map((c) => describedColumn({ ...c, column: printable(c.column) }));
    out.push(
      '',
      `Warning: ${formatCount(unrecognised.length)} column${unrecognised.length === 1 ? ' was' : 's were'} not imported: no Pipedrive field is named like ${shown.join(', ')}${unrecognised.length > shown.length ? ` and ${formatCount(unrecognised.length - shown.length)} more` : ''}. If they hold data you want: \`lead-importer cancel ${s.importId}\` stops this import (\`revert\` deletes what it created), then map them in a mapping file (\`--print-mapping\` writes one to start from) and import with --mapping. \`--dry-run\` shows the mapping before anything is queued.`,
    );
  }
  if (s.dryRun) out.push('', ...formatDryRun(s));
  else if (s.state === 'completed' && s.reverted) {
    // "Finished" alone reads as if the leads were in Pipedrive; a re-run leaves a revert as it is (README: revert).
    out.push(
      '',
      `Every row of this import is finished, and ${formatCount(s.reverted)} of its leads were deleted by \`lead-importer revert\`: running the import again does not create them again. To import the file again, pass another --import-id.`,
    );
  } else if (s.state === 'completed') out.push('', 'Every row of this import is finished.');
  else if (s.enqueued + s.requeued > 0) {
    // With `--wait` the command follows the import itself: telling the user to follow it is not true.
    out.push('', opts.waiting ? waitingText(s) : nextStep(s));
  }
  return printableLines(`${out.join('\n')}\n`);
}

function formatDryRun(s: ImportSummary): string[] {
  const m = s.mapping;
  const out: string[] = [
    m.system
      ? `Mapping (column → Pipedrive field), for ${/^[AEIOU]/.test(m.system) ? 'an' : 'a'} ${m.system} file:`
      : 'Mapping (column → Pipedrive field):',
  ];
  out.push(
    ...indent(
      table(
        ['COLUMN', 'FIELD', 'WHY'],
        m.columns.map((c) => [describedColumn(c, (t) => t), c.field, c.reason]),
      ),
    ),
  );
  for (const [field, value] of Object.entries(m.constants))
    out.push(`  ${field} = ${JSON.stringify(value)} (constant)`);
  if (m.notImported.length) {
    out.push('', 'Not imported:');
    for (const c of m.notImported)
      out.push(`  ${describedColumn({ ...c, column: printable(c.column) })}: ${printable(c.reason)}`);
  }
  if (m.notes.length) {
    out.push('', 'Check these readings:');
    for (const note of m.notes) out.push(`  ${printable(note)}`);
  }
  // A report of named tables: the tables before the imported one by name, not line by line.
  const firstTable = s.tablesBefore[0]?.line;
  const loose = firstTable === undefined ? s.preamble : s.preamble.filter((p) => p.line < firstTable);
  if (loose.length) {
    out.push(
      '',
      `Skipped before the header (line ${loose.map((p) => p.line).join(', ')}): ${loose.map((p) => JSON.stringify(p.text)).join(', ')}`,
    );
  }
  if (s.headerLinesAfter?.length) {
    const lines = s.headerLinesAfter;
    out.push(
      '',
      `Skipped after the header (line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}): more of the header (Qualtrics' import ids, {"ImportId":…}), no row${lines.length > 1 ? 's' : ''}.`,
    );
  }
  if (s.headerGroups) {
    const { line, names, renamed } = s.headerGroups;
    // Whoever wrote the file chose these names: a dozen of them, each cut at 80 characters (a groups line can run to 1 MiB).
    const list = (items: string[]) =>
      items
        .slice(0, 12)
        .map((g) => JSON.stringify(printable(clip(g))))
        .join(', ') + (items.length > 12 ? ` and ${formatCount(items.length - 12)} more` : '');
    out.push(
      '',
      `A header of two lines: line ${line} names groups of columns (${list([...new Set(names.filter(Boolean))])}), line ${line + 1} the columns${renamed.length ? `; read with their group where it says whose they are: ${list(renamed)}` : ''}.`,
    );
  }
  if (s.tablesBefore.length) {
    out.push(
      '',
      `Skipped before the header: the table${s.tablesBefore.length > 1 ? 's' : ''} ${s.tablesBefore.map((t) => `"${printable(t.title)}" (${lineSpan(t)})`).join(', ')}, not the one imported.`,
    );
  }
  // (A file of one table under a name is no report of several: the name is among the lines skipped before the header.)
  if (s.table && (s.tablesBefore.length > 0 || s.tablesAfter.length > 0)) {
    out.push(
      '',
      `Read the table "${printable(s.table.text)}" (its name on line ${s.table.line}, its header on line ${s.table.line + 1}) of a report of several tables.`,
    );
  }
  for (const t of s.tablesAfter) {
    out.push(
      '',
      `Skipped after the data: the table "${printable(t.title)}" (${lineSpan(t)}), not the one imported; to import it, save it as a file of its own.`,
    );
  }
  if (s.footer.length) {
    out.push(
      '',
      `Skipped after the data (a report footer, line ${s.footer.map((p) => p.line).join(', ')}): ${s.footer.map((p) => JSON.stringify(p.text)).join(', ')}`,
    );
  }
  out.push('', 'Defaults:');
  for (const [k, v] of Object.entries(m.defaults))
    out.push(`  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  const byColumn = Object.entries(s.rejectsByColumn).sort((a, b) => b[1] - a[1]);
  if (byColumn.length > 1 || (byColumn.length === 1 && s.rejected > s.firstRejects.length)) {
    out.push(
      '',
      `Rejected rows by column: ${byColumn.map(([c, n]) => `${c === '(row)' ? 'the row as a whole' : `"${c}"`} ${formatCount(n)}`).join(', ')}`,
    );
  }
  out.push(
    '',
    '(`--print-mapping` writes this mapping as a file to start from: fix a wrong guess once, then import with --mapping.)',
  );
  const e = s.estimate;
  const approx = s.distinctExact ? '' : ' (estimated)';
  out.push(
    '',
    `Distinct${approx}: ${formatCount(s.distinctPersons)} persons${s.distinctEmails === undefined ? '' : ` (${formatCount(s.distinctEmails)} emails)`}, ${formatCount(s.distinctOrganizations)} organizations`,
    '',
    'Estimate (Pipedrive tokens and time):',
    `  leads             ${formatCount(e.leads)} × 10 tokens`,
    ...(e.notes
      ? [`  notes             ${formatCount(e.notes)} × 10 tokens (a note per lead with note text)`]
      : []),
    ...(e.fillTokens
      ? [
          `  fill-empty        up to ${formatCount(e.fillTokens)} tokens (read 1 + update 5 per existing contact)`,
        ]
      : []),
    `  contacts lookup   ${describeLookup('persons', e.persons)}; ${describeLookup('organizations', e.organizations)}`,
    `  tokens            ${formatCount(e.minTokens)} if every contact exists${e.persons.atMost || e.organizations.atMost ? ' and listing them is cheap' : ''}, up to ${formatCount(e.maxTokens)} if all are new (5 per person or organization created)`,
    apiTimeLine(e),
    `  daily budget      ${formatCount(e.usableTokensPerDay)} tokens usable per day (after a 10% reserve for other integrations)`,
    e.days === 1
      ? "  → fits in one day's budget"
      : e.minDays === 1
        ? `  → fits in one day's budget at best; needs up to ${e.days} budget days (about ${formatDuration(e.totalTimeMs)} in all) if every contact is new`
        : `  → needs ${e.minDays === e.days ? e.days : `${e.minDays} to ${e.days}`} budget days: about ${formatDuration(e.totalTimeMs)} in all at most`,
    `  (this dry run spent ${s.referenceTokens} tokens on reference data)`,
  );
  return out;
}

/**
 * The API time as the tokens line puts it, a range in the same two cases: a best case alone reads as a promise, a
 * worst case alone (every contact searched for) said 8 min of an import that took 3.6.
 */
function apiTimeLine(e: Estimate): string {
  const label = '  API time          ';
  if (e.minRequests === e.requests && e.minApiTimeMs === e.apiTimeMs)
    return `${label}${formatDuration(e.apiTimeMs)} at the burst limit (${formatCount(e.requests)} requests)`;
  const best = formatDuration(e.minApiTimeMs);
  const worst = formatDuration(e.apiTimeMs);
  return `${label}${best === worst ? best : `${best} to ${worst}`} at the burst limit (${formatCount(e.minRequests)} requests if every contact exists, up to ${formatCount(e.requests)} if all are searched for and created)`;
}

function indent(text: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`);
}

function describeLookup(kind: string, plan: LookupPlan): string {
  if (plan.strategy === 'list')
    return `${kind} listed in ${plan.requests} pages (${formatCount(plan.tokens)} tokens)`;
  const search = `${formatCount(plan.requests)} ${kind} searches (${formatCount(plan.tokens)} tokens)`;
  return plan.atMost ? `at most ${search}, fewer tokens if listing the company's ${kind} costs less` : search;
}

/** `--wait`'s opening line: what it waits for, and that nothing will move until a worker is started when none serves. */
function waitingText(s: ImportSummary): string {
  const stop = `Ctrl-C stops waiting; the import goes on, \`lead-importer status ${s.importId}\` follows it`;
  if (s.workersServing === 0) {
    const none =
      s.connection === DEFAULT_CONNECTION ? 'No worker is running' : `No worker serves ${s.connection}`;
    return `${none}: the rows wait on the queue until one is started (\`lead-importer worker\`${s.connection === DEFAULT_CONNECTION ? '' : ` with ${s.connection} in its --connections`}). Waiting for one to finish them (${stop})…`;
  }
  return `Waiting for workers to finish it (${stop})…`;
}

/** What to do once the rows are queued: start a worker only when none serves the import's connection. */
function nextStep(s: ImportSummary): string {
  const follow = `follow with \`lead-importer status ${s.importId}\``;
  const named = s.connection !== DEFAULT_CONNECTION;
  const n = s.workersServing;
  if (n === undefined)
    return `Next: run \`lead-importer worker\` to process the rows, unless one runs already; ${follow}.`;
  if (n === 0)
    return `No worker ${named ? `serves ${s.connection}` : 'is running'} yet: run \`lead-importer worker\` to process the rows; ${follow}.`;
  const who = n === 1 ? 'A worker' : `${formatCount(n)} workers`;
  if (s.heldBack)
    return `${who}${named ? ` serving ${s.connection}` : ''} will process the rows, but ${s.heldBack}; ${follow}.`;
  return `${who}${named ? ` serving ${s.connection}` : ''} will process the rows; ${follow}.`;
}
