import { formatCount, formatUtc, printable, printableLines, reimportCommand } from './format.js';
import type { RepairPlan, RepairSummary, VerifyPlan, VerifyReport } from './verify.js';

/** Lines of each kind printed; the rest are counted (`--json` has them all). */
const SHOWN = 20;

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** What `verify` is about to read and what it costs, printed before any call. */
export function describeVerifyPlan(p: VerifyPlan): string {
  const lines = [
    `Import ${p.importId}${p.fileName ? ` (${printable(p.fileName)})` : ''}${p.connection !== 'default' ? `, connection ${p.connection}` : ''}: ${plural(p.leads, 'lead')} recorded as created${p.notes ? ` (${formatCount(p.notes)} with a note)` : ''}, on ${plural(p.contacts, 'person or organization', 'persons and organizations')}${p.reverted ? `; ${formatCount(p.reverted)} deleted by revert are not looked for` : ''}.`,
    `Estimated cost: ${p.minTokens === p.maxTokens ? `${formatCount(p.minTokens)} tokens` : `${formatCount(p.minTokens)} tokens at the least, ${formatCount(p.maxTokens)} at the most`}${p.strategy === 'row' ? '' : ', plus 2 per recorded lead no listing shows (to tell a deleted lead from an archived one)'}.`,
    `  leads: ${p.why}.`,
    ...(p.notesWhy ? [`  notes: ${p.notesWhy}.`] : []),
  ];
  if (p.pendingRows > 0) {
    lines.push(
      `Warning: ${plural(p.pendingRows, 'row is', 'rows are')} still pending: leads created meanwhile may show up as unrecorded.`,
    );
  }
  return printableLines(`${lines.join('\n')}\n`);
}

function list<T>(title: string, items: T[], line: (item: T) => string): string[] {
  if (items.length === 0) return [];
  const out = [title, ...items.slice(0, SHOWN).map((i) => `  ${line(i)}`)];
  if (items.length > SHOWN)
    out.push(`  … and ${formatCount(items.length - SHOWN)} more (--json lists them all)`);
  return out;
}

const contact = (personId: number | null, organizationId: number | null) =>
  [
    personId !== null ? `person ${personId}` : '',
    organizationId !== null ? `organization ${organizationId}` : '',
  ]
    .filter(Boolean)
    .join(', ');

/** What a verification found. */
export function describeVerifyReport(r: VerifyReport): string {
  const calls = Object.entries(r.calls)
    .map(([op, n]) => `${formatCount(n)} ${op}`)
    .join(', ');
  const lines = [
    `Checked ${plural(r.leadsChecked, 'lead')}${r.notesChecked ? ` and ${plural(r.notesChecked, 'note')}` : ''} of import ${r.importId}: ` +
      `${formatCount(r.missing.length)} missing, ${formatCount(r.unrecorded.length)} unrecorded, ${plural(r.duplicates.length, 'duplicate lead')}, ${plural(r.duplicateNotes.length, 'duplicate note')}.` +
      ` Spent ${formatCount(r.tokensUsed)} tokens${calls ? ` (${calls})` : ''}${r.fellBack ? '; the company had touched too many other leads since the import, so it listed by contact' : ''}.`,
  ];
  if (r.archived)
    lines.push(
      `${plural(r.archived, 'recorded lead is', 'recorded leads are')} archived in Pipedrive (there, not missing).`,
    );
  lines.push(
    ...list(
      'Missing (recorded as created, gone from Pipedrive):',
      r.missing,
      (m) => `line ${m.line}: lead ${m.leadId}`,
    ),
    ...list(
      "Unrecorded (this import's leads that no row records):",
      r.unrecorded,
      (u) => `lead ${u.leadId} "${u.title}" (${contact(u.personId, u.organizationId)}), added ${u.addTime}`,
    ),
    ...list(
      'Duplicate leads (same title, person and organization as the lead a row records):',
      r.duplicates,
      (d) =>
        `lead ${d.leadId} copies line ${d.line}'s lead ${d.keptLeadId}${d.noteIds.length ? ` (with ${plural(d.noteIds.length, 'note')} of ours)` : ''}`,
    ),
    ...list(
      'Duplicate notes (the text of the note a row records, again on its lead):',
      r.duplicateNotes,
      (n) => `note ${n.noteId} on line ${n.line}'s lead ${n.leadId} copies note ${n.keptNoteId}`,
    ),
  );
  for (const blind of r.blindSpots) lines.push(`Not looked for by this run: ${blind}.`);
  if (r.missing.length + r.unrecorded.length + r.duplicates.length + r.duplicateNotes.length === 0) {
    lines.push('Pipedrive holds exactly what the ledger records.');
  }
  return printableLines(`${lines.join('\n')}\n`);
}

/** What `--repair` did, or would do, about the findings (and what it leaves to a person). */
export function describeRepair(
  r: VerifyReport,
  p: RepairPlan,
  options: {
    repair: boolean;
    fileName: string;
    connection: string;
    readArgs?: string[];
    result?: RepairSummary;
  },
): string {
  const lines: string[] = [];
  const deletes = p.leads.length + p.notes.length;
  const what = [
    deletes
      ? `delete ${plural(p.leads.length, 'duplicate lead')} and ${plural(p.notes.length, 'note')} (${p.notes.length ? 'at most ' : ''}${formatCount(p.tokens)} tokens${p.notes.length ? ': leads first, then each note only while it is still on its lead, read first' : ''})`
      : '',
    p.lines.length ? `put ${plural(p.lines.length, 'row')} whose lead is missing back to pending` : '',
  ]
    .filter(Boolean)
    .join(', and ');
  const again = reimportCommand({ importId: r.importId, ...options });
  const reimport = again.known ? again.command : `${again.command} --mapping …`;
  const result = options.result;
  if (result) {
    const d = result.deleted;
    lines.push(
      `Repaired: deleted ${plural(d.leads, 'duplicate lead')} and ${plural(d.notes, 'note')}${result.alreadyGone ? ` (${formatCount(result.alreadyGone)} were already gone)` : ''}; ${plural(result.requeued.length, 'row')} back to pending. Spent ${formatCount(result.tokensUsed)} tokens.`,
    );
    if (result.leadsGoneBefore) {
      lines.push(
        `${plural(result.leadsGoneBefore, 'duplicate lead was', 'duplicate leads were')} gone before the repair (converted into a deal, or deleted by hand): not deleted by it.`,
      );
    }
    const kept = result.notesKept.leadGone + result.notesKept.moved;
    if (kept) {
      lines.push(
        `Kept ${plural(kept, 'note')} of ours: ${[
          result.notesKept.leadGone
            ? `${formatCount(result.notesKept.leadGone)} as its lead was gone before (converted into a deal, which holds the note now, or deleted by hand)`
            : '',
          result.notesKept.moved
            ? `${formatCount(result.notesKept.moved)} as it is on something else than its lead now (a deal, another lead)`
            : '',
        ]
          .filter(Boolean)
          .join('; ')}.`,
      );
    }
    for (const f of result.failed.slice(0, SHOWN))
      lines.push(`  could not delete ${f.kind} ${f.id}: ${f.error}`);
    if (result.budgetSpentUntil) {
      lines.push(
        `Today's token budget is spent; run the same command again after ${formatUtc(result.budgetSpentUntil)}.`,
      );
    }
    if (result.requeued.length) {
      lines.push(
        `To create their leads again, run the import again with the file${again.known ? ' and the options' : ', the --mapping file and the options'} it started with: ${reimport}` +
          ` — only rows that are pending without a job are enqueued (about ${formatCount(p.reimportTokens)} tokens, more where a contact must be found).`,
      );
    }
  } else if (deletes + p.lines.length > 0) {
    lines.push(
      options.repair
        ? `--repair --yes would ${what}. Nothing was changed. Run again with --repair --yes to repair.`
        : `--repair would ${what}; it asks for --yes first.`,
    );
  }
  if (r.unrecorded.length) {
    lines.push(
      '--repair leaves unrecorded leads alone: no row says which line made them. Compare them with `lead-importer report ' +
        `${r.importId}\` (a lead made for a row that was then dead-lettered or is pending: delete it in Pipedrive, or keep it and leave the row).`,
    );
  }
  return lines.length ? printableLines(`${lines.join('\n')}\n`) : '';
}
