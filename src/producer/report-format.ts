import { formatDuration } from '../ops/eta.js';
import { formatCount, table } from '../ops/format.js';
import { describeDelimiter } from './delimiter.js';
import type { ImportProgress, ImportSummary } from './import-csv.js';

/** `leads.csv:42, column "Email": "bob@" is not an email address; fix the cell or clear it` */
export function formatReject(file: string, r: { line: number; column?: string; reason: string }): string {
  return `${file}:${r.line}${r.column ? `, column "${r.column}"` : ''}: ${r.reason}`;
}

/** One progress line: `leads.csv  42% · 12,345 rows · 8,901 rows/s · 3 rejected`. */
export function formatProgress(file: string, p: ImportProgress): string {
  const percent = p.totalBytes > 0 ? Math.floor((p.bytesRead / p.totalBytes) * 100) : 100;
  const rate = p.elapsedMs > 0 ? Math.round((p.rowsRead / p.elapsedMs) * 1000) : 0;
  return `${file}  ${String(percent).padStart(3)}% · ${formatCount(p.rowsRead)} rows · ${formatCount(rate)} rows/s · ${formatCount(p.rejected)} rejected`;
}

/** The text summary of a run (import or dry run). */
export function formatSummary(s: ImportSummary): string {
  const out: string[] = [];
  const encoding = `${s.encoding}, ${describeDelimiter(s.delimiter)}-separated`;
  out.push(
    `${s.dryRun ? 'Dry run of import' : 'Import'} ${s.importId}: ${s.file} (${formatCount(s.rows)} rows, ${encoding})`,
  );
  if (s.dryRun) {
    out.push(`  valid             ${formatCount(s.valid)}`);
  } else {
    out.push(`  enqueued          ${formatCount(s.enqueued)}`);
    if (s.alreadyImported > 0) {
      out.push(
        `  already imported  ${formatCount(s.alreadyImported)}${s.requeued ? ` (${formatCount(s.requeued)} of them re-queued: their jobs had been lost)` : ''}`,
      );
    }
  }
  out.push(`  rejected          ${formatCount(s.rejected)}`);
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
  if (s.dryRun) out.push('', ...formatDryRun(s));
  else if (s.state === 'completed') out.push('', 'Every row of this import is finished.');
  else if (s.enqueued + s.requeued > 0) {
    out.push(
      '',
      `Next: run \`lead-importer worker\` to process the rows; follow with \`lead-importer status ${s.importId}\`.`,
    );
  }
  return `${out.join('\n')}\n`;
}

function formatDryRun(s: ImportSummary): string[] {
  const out: string[] = ['Mapping (column → Pipedrive field):'];
  const m = s.mapping as {
    fields: Record<string, string>;
    customFields: Record<string, string>;
    defaults: Record<string, unknown>;
    unmappedColumns: string[];
  };
  const rows = Object.entries(m.fields).map(([field, column]) => [column, field]);
  for (const [name, target] of Object.entries(m.customFields)) rows.push([target, `custom field ${name}`]);
  out.push(
    ...table(['COLUMN', 'FIELD'], rows)
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
  );
  for (const [k, v] of Object.entries(m.defaults))
    out.push(`  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  if (m.unmappedColumns.length)
    out.push(`  not imported: ${m.unmappedColumns.map((c) => `"${c}"`).join(', ')}`);
  const e = s.estimate;
  const approx = s.distinctExact ? '' : ' (estimated)';
  out.push(
    '',
    `Distinct${approx}: ${formatCount(s.distinctPersons)} persons (${formatCount(s.distinctEmails)} emails), ${formatCount(s.distinctOrganizations)} organizations`,
    '',
    'Estimate (Pipedrive tokens and time):',
    `  leads             ${formatCount(e.leads)} × 10 tokens`,
    `  contacts lookup   ${describeLookup('persons', e.persons)}; ${describeLookup('organizations', e.organizations)}`,
    `  tokens            ${formatCount(e.minTokens)} if every contact exists, up to ${formatCount(e.maxTokens)} if all are new (5 per person or organization created)`,
    `  API time          ${formatDuration(e.apiTimeMs)} at the burst limit (${formatCount(e.requests)} requests at most)`,
    `  daily budget      ${formatCount(e.usableTokensPerDay)} tokens usable per day (after a 10% reserve for other integrations)`,
    e.days === 1
      ? "  → fits in one day's budget"
      : `  → needs ${e.days} budget days: about ${formatDuration(e.totalTimeMs)} in all`,
    `  (this dry run spent ${s.referenceTokens} tokens on reference data)`,
  );
  return out;
}

function describeLookup(kind: string, plan: { strategy: string; requests: number; tokens: number }): string {
  return plan.strategy === 'list'
    ? `${kind} listed in ${plan.requests} pages (${formatCount(plan.tokens)} tokens)`
    : `${formatCount(plan.requests)} ${kind} searches (${formatCount(plan.tokens)} tokens)`;
}
