import { isNotFoundError } from '../pipedrive/errors.js';
import { TOKEN_COSTS } from '../pipedrive/token-costs.js';
import type { CallOptions, Lead, Note, OffsetPage, Operation, PipedriveApi } from '../pipedrive/types.js';
import { RowState } from '../queue/ledger.js';
import { rfc3339 } from '../worker/contact-keys.js';
import { plainText } from '../worker/note-writer.js';
import type { GuardedCall } from './guarded-pipedrive.js';
import { ImportConnectionError } from './import-connection-error.js';
import { ImportNotFoundError } from './import-not-found-error.js';
import {
  deleteLeadsThenNotes,
  emptyTally,
  type LeadNote,
  type LeadOrNoteOutcome,
  type LeadsThenNotesTally,
} from './leads-then-notes.js';
import type { OpsContext } from './ops-context.js';
import { linesInState, readRowStates } from './row-scan.js';

/**
 * `lead-importer verify`: compares what an import's ledger says it created with what Pipedrive holds, and
 * (with `--repair`) fixes what the import itself caused.
 *
 * What it looks for:
 * - **missing**: a row recorded as created whose lead Pipedrive no longer has (`GET /v1/leads/{id}` answers
 *   404; a lead that is only archived is not missing);
 * - **unrecorded**: a lead of this import (its `origin_id`) that no row records, and that duplicates none;
 * - **duplicates**: a lead of this import with the title (any case), person, organization and `origin_id` of a lead
 *   a row records: what a create sent twice leaves (the sandbox's `duplicateLeads` rule); and a note on a recorded
 *   lead with the text of the note the row recorded, beyond that one.
 *
 * "Of this import" means `origin_id` = the import id and a row's line (`imp-…:12`, the worker's default; the import id
 * alone before), or the `origin_id` a recorded lead of the import carries (a mapping may set its own), and added after
 * the import started.
 *
 * How it finds them, at the lowest token cost (pipedrive-api.md §3.3):
 * - `since` (the default): `GET /v1/leads?updated_since=<the import's start>`, 20 tokens per 500 leads. It
 *   reads every lead touched since the import started, so it sees all of the import's leads, wherever they
 *   hang. It costs 20 × ⌈leads/500⌉ when the company touched nothing else meanwhile; the unknown is how many
 *   other leads the company touched. So it stops after as many pages as listing by contact would cost, and
 *   falls back to that: the worst case is twice the `contacts` cost.
 * - `contacts`: `GET /v1/leads?person_id=…` (or `organization_id` for rows without a person), 20 tokens per
 *   contact: it sees every duplicate and missing lead, and unrecorded leads on the import's contacts only.
 * - `row`: `GET /v1/leads/{id}`, 2 tokens per recorded lead: cheaper than one listing page for fewer than 10
 *   leads, but it sees missing leads only (no listing, so no duplicate and no unrecorded lead).
 * A recorded lead a listing did not show is fetched on its own (2 tokens) before it is called missing.
 * Notes (when the import added any): `GET /v1/notes?sort=add_time DESC`, 20 tokens per 500 notes, back to
 * the import's start, with the same cap and a fallback to listing each recorded lead's notes.
 *
 * A verification is a snapshot: run it on a finished import (`--repair` refuses one with pending rows, whose
 * leads are still being created).
 */

/** Items per listing page: Pipedrive's maximum; a page costs the same whatever its size. */
export const PAGE_SIZE = 500;
/** Leads and notes touched this long before the import started are listed too: clocks differ. */
export const CLOCK_ALLOWANCE_MS = 60_000;

export type VerifyStrategy = 'since' | 'contacts' | 'row';

export interface VerifyOptions {
  importId: string;
  /** Refuse unless the import went to this connection (`--connection NAME`). @defaultValue any */
  connection?: string;
  /** How to find the import's leads (see the module comment). @defaultValue `since` */
  by?: VerifyStrategy;
}

/** A row the ledger records as created. */
interface RecordedRow {
  line: number;
  leadId: string;
  noteId?: number | undefined;
  personId?: number | undefined;
  organizationId?: number | undefined;
}

/** What verifying will read and roughly cost, before any call. */
export interface VerifyPlan {
  importId: string;
  /** The connection (Pipedrive company) the import went to: verified there, with its credentials. */
  connection: string;
  /** The company the import went to, when its record names it (see `ImportMeta.companyId`). */
  companyId?: number;
  fileName: string;
  /** The options the import's first run read its file with (`ImportMeta.readArgs`), for the re-run it prints. */
  readArgs?: string[];
  strategy: VerifyStrategy;
  /** Rows recorded as created, whose lead is looked for. */
  leads: number;
  /** Of them, deleted by `lead-importer revert` (expected gone, not looked for). */
  reverted: number;
  /** Recorded notes (their leads' notes are checked for copies). */
  notes: number;
  /** Distinct persons (or organizations, for rows without a person) the recorded leads hang on. */
  contacts: number;
  /** Leads and notes touched since then are listed (the import's start less {@link CLOCK_ALLOWANCE_MS}). */
  sinceMs: number;
  /** Listing pages of leads `since` reads at most before it falls back to listing by contact. */
  sincePageCap: number;
  /** Tokens at the least (only this import's leads and notes were touched since it started). */
  minTokens: number;
  /** Tokens at the most, before the 2-token look at each recorded lead a listing did not show. */
  maxTokens: number;
  /** Rows not finished yet: a verification now sees leads still being created. */
  pendingRows: number;
  /** How it finds the leads, why that way, what it costs. */
  why: string;
  /** How it finds copies of notes, and what that costs ('' when the import has no note or `row` looks). */
  notesWhy: string;
}

export interface MissingLead {
  line: number;
  leadId: string;
}
export interface FoundLead {
  leadId: string;
  title: string;
  personId: number | null;
  organizationId: number | null;
  addTime: string;
}
export interface DuplicateLead extends FoundLead {
  /** The row whose recorded lead it copies, and that lead (kept). */
  line: number;
  keptLeadId: string;
  /** Notes on it with the row's note text (ours: deleted with it). */
  noteIds: number[];
}
export interface DuplicateNote {
  noteId: number;
  leadId: string;
  line: number;
  /** The note the row recorded (kept). */
  keptNoteId: number;
}

export interface VerifyReport {
  importId: string;
  /** As run: `since` may have fallen back to `contacts`. */
  strategy: VerifyStrategy;
  fellBack: boolean;
  checkedAt: number;
  /** Recorded leads looked for (recorded leads less reverted ones). */
  leadsChecked: number;
  notesChecked: number;
  missing: MissingLead[];
  unrecorded: FoundLead[];
  duplicates: DuplicateLead[];
  duplicateNotes: DuplicateNote[];
  /** Recorded leads found archived: there, not missing. */
  archived: number;
  /** Recorded leads deleted by `revert`: gone on purpose, not missing. */
  reverted: number;
  /** What this run could not see, in words (empty when it saw everything it looks for). */
  blindSpots: string[];
  tokensUsed: number;
  /** Calls made, by operation. */
  calls: Partial<Record<Operation, number>>;
  pendingRows: number;
}

export interface VerifyRunOptions {
  api: Pick<PipedriveApi, 'listLeads' | 'getLead' | 'listNotes'>;
  call: GuardedCall;
  onProgress?: (what: string) => void;
}

/** What a verification needs from Redis: the plan, and the recorded rows it was made from. */
export interface PreparedVerify {
  plan: VerifyPlan;
  rows: RecordedRow[];
  /** Lead ids `revert` deleted. */
  revertedLeads: Set<string>;
  createdAt: number;
}

const pagesFor = (items: number) => Math.max(1, Math.ceil(items / PAGE_SIZE));

function contactOf(row: RecordedRow): string {
  return row.personId !== undefined ? `p${row.personId}` : `o${row.organizationId ?? ''}`;
}

/** Reads the recorded rows and works out the plan and its cost; no Pipedrive call. */
export async function prepareVerify(ctx: OpsContext, options: VerifyOptions): Promise<PreparedVerify> {
  const { importId } = options;
  const record = await ctx.ledger.getImport(importId);
  if (!record) throw new ImportNotFoundError(importId, ctx.prefix);
  ImportConnectionError.check(record, options.connection);
  const revertedLeads = await ctx.ledger.revertedLeads(importId);
  const rows: RecordedRow[] = [];
  const snapshot = await readRowStates(ctx.redis, ctx.ledger, importId);
  for (const lines of linesInState(snapshot, [RowState.Created])) {
    const outcomes = await ctx.ledger.outcomes(importId, lines);
    for (const [i, o] of outcomes.entries()) {
      if (o.state !== 'created') continue;
      rows.push({
        line: lines[i]!,
        leadId: o.leadId,
        noteId: o.noteId,
        personId: o.personId,
        organizationId: o.organizationId,
      });
    }
  }
  const live = rows.filter((r) => !revertedLeads.has(r.leadId));
  const perContact = new Map<string, number>();
  for (const r of live) perContact.set(contactOf(r), (perContact.get(contactOf(r)) ?? 0) + 1);
  const contactPages = [...perContact.values()].reduce((sum, n) => sum + pagesFor(n), 0);
  const notes = live.filter((r) => r.noteId !== undefined).length;
  // The notes listing runs back to the import's start; past as many pages as listing each noted lead would
  // cost, listing each noted lead is cheaper.
  const noteTokens =
    notes === 0 ? [0, 0] : [pagesFor(notes), 2 * notes].map((p) => p * TOKEN_COSTS['notes.list']);
  const list = TOKEN_COSTS['leads.list'];
  const strategy = options.by ?? 'since';
  const sincePages = pagesFor(live.length);
  const sincePageCap = Math.max(sincePages, contactPages);
  let minTokens: number;
  let maxTokens: number;
  let why: string;
  const notesWhy =
    notes === 0 || strategy === 'row'
      ? ''
      : `list the notes added since the import started, 20 tokens per 500 (${noteTokens[0]} if they are only the import's ${notes}); past ${notes} page${notes === 1 ? '' : 's'}, each noted lead's notes instead (20 each)`;
  if (strategy === 'row') {
    minTokens = maxTokens = live.length * TOKEN_COSTS['leads.get'];
    why = `one GET per recorded lead (2 tokens each): it finds missing leads only, not duplicates or unrecorded ones`;
  } else if (strategy === 'contacts') {
    minTokens = maxTokens = contactPages * list + noteTokens[0]!;
    maxTokens += noteTokens[1]! - noteTokens[0]!;
    why = `list the leads of each of the ${perContact.size} persons and organizations the rows recorded (20 tokens per 500): it finds unrecorded leads on those contacts only`;
  } else {
    minTokens = sincePages * list + noteTokens[0]!;
    maxTokens = (sincePageCap + contactPages) * list + noteTokens[1]!;
    const perLead = live.length * TOKEN_COSTS['leads.get'];
    why =
      `list every lead touched since the import started, 20 tokens per 500 (${sincePages * list} if the company touched no other lead since): ` +
      (perLead > sincePages * list
        ? `${Math.floor(perLead / (sincePages * list))}× cheaper than a GET per lead (${perLead} tokens), and the only way to see every lead the import made`
        : `a GET per lead would cost ${perLead} tokens but sees no duplicate and no unrecorded lead`) +
      `; past ${sincePageCap} page${sincePageCap === 1 ? '' : 's'} it lists by contact instead (${contactPages * list} tokens)`;
  }
  return {
    plan: {
      importId,
      connection: record.connection,
      ...(record.companyId !== undefined ? { companyId: record.companyId } : {}),
      fileName: record.fileName,
      ...(record.readArgs !== undefined ? { readArgs: record.readArgs } : {}),
      strategy,
      leads: rows.length,
      reverted: rows.length - live.length,
      notes,
      contacts: perContact.size,
      sinceMs: record.createdAt - CLOCK_ALLOWANCE_MS,
      sincePageCap,
      minTokens,
      maxTokens,
      pendingRows: record.pending,
      why,
      notesWhy,
    },
    rows,
    revertedLeads,
    createdAt: record.createdAt,
  };
}

/** Pages of an offset listing, one call each, until the last (or until `more` says stop). */
async function listAll<T>(
  fetchPage: (start: number) => Promise<OffsetPage<T>>,
  onPage: (items: T[]) => boolean | undefined,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<'done' | 'stopped' | 'capped'> {
  let start = 0;
  for (let pages = 0; ; pages++) {
    if (pages >= maxPages) return 'capped';
    const page = await fetchPage(start);
    if (onPage(page.items) === false) return 'stopped';
    if (!page.moreItems || page.items.length === 0) return 'done';
    start = page.nextStart ?? start + page.items.length;
  }
}

/** The lead fields verify keeps (a listing may hold many leads that are not ours). */
type SeenLead = Pick<
  Lead,
  'id' | 'title' | 'person_id' | 'organization_id' | 'origin_id' | 'add_time' | 'is_archived'
>;

function keep(lead: Lead): SeenLead {
  const { id, title, person_id, organization_id, origin_id, add_time, is_archived } = lead;
  return { id, title, person_id, organization_id, origin_id, add_time, is_archived };
}

/**
 * What two copies of one row's lead share: its title (any case), person, organization and `origin_id`, which names the
 * row since leads carry it (`imp-…:12`, worker/lead-writer.ts `leadOriginOf`): two rows' leads alike in all else are no
 * copies of each other. (Before, the import id alone: such twins looked like copies, and `--repair` deleted one.)
 */
const leadKey = (l: Pick<Lead, 'title' | 'person_id' | 'organization_id' | 'origin_id'>) =>
  `${(l.title ?? '').trim().toLowerCase()}\u0000${l.person_id ?? ''}\u0000${l.organization_id ?? ''}\u0000${l.origin_id ?? ''}`;

/** v1 notes write `YYYY-MM-DD HH:MM:SS` in UTC. */
const noteTime = (t: string) => Date.parse(`${t.replace(' ', 'T')}Z`);

/** Looks for the import's leads (and notes) in Pipedrive and compares them with the ledger. */
export async function verifyImport(
  prepared: PreparedVerify,
  options: VerifyRunOptions,
): Promise<VerifyReport> {
  const { plan, rows, revertedLeads } = prepared;
  const { api } = options;
  const progress = options.onProgress ?? (() => {});
  const report: VerifyReport = {
    importId: plan.importId,
    strategy: plan.strategy,
    fellBack: false,
    checkedAt: Date.now(),
    leadsChecked: rows.length - plan.reverted,
    notesChecked: plan.notes,
    missing: [],
    unrecorded: [],
    duplicates: [],
    duplicateNotes: [],
    archived: 0,
    reverted: plan.reverted,
    blindSpots: [],
    tokensUsed: 0,
    calls: {},
    pendingRows: plan.pendingRows,
  };
  /** The guarded call, counting what Pipedrive charges (a 404 is an answer too). */
  const call = async <T>(operation: Operation, fn: (o: CallOptions) => Promise<T>): Promise<T> => {
    const charge = () => {
      report.tokensUsed += TOKEN_COSTS[operation];
      report.calls[operation] = (report.calls[operation] ?? 0) + 1;
    };
    try {
      const result = await options.call(operation, fn);
      charge();
      return result;
    } catch (err) {
      if (isNotFoundError(err)) charge();
      throw err;
    }
  };

  const live = rows.filter((r) => !revertedLeads.has(r.leadId));
  const recorded = new Map(live.map((r) => [r.leadId, r]));
  const since = rfc3339(plan.sinceMs);
  const seen = new Map<string, SeenLead>();
  const remember = (items: Lead[]) => {
    // Leads without an origin are people's own: never the import's, never kept.
    for (const l of items) if (recorded.has(l.id) || l.origin_id) seen.set(l.id, keep(l));
    return undefined;
  };

  const listByContact = async () => {
    const contacts = new Map<string, RecordedRow>();
    for (const r of live) if (!contacts.has(contactOf(r))) contacts.set(contactOf(r), r);
    let done = 0;
    for (const r of contacts.values()) {
      const by =
        r.personId !== undefined ? { person_id: r.personId } : { organization_id: r.organizationId! };
      await listAll(
        (start) =>
          call('leads.list', (o) =>
            api.listLeads({ ...by, updated_since: since, start, limit: PAGE_SIZE }, o),
          ),
        remember,
      );
      if (++done % 50 === 0) progress(`listed the leads of ${done} of ${contacts.size} contacts`);
    }
  };

  if (plan.strategy === 'since') {
    let pages = 0;
    const outcome = await listAll(
      (start) =>
        call('leads.list', (o) => api.listLeads({ updated_since: since, start, limit: PAGE_SIZE }, o)),
      (items) => {
        remember(items);
        if (++pages % 10 === 0) progress(`listed ${pages} pages of leads`);
        return undefined;
      },
      plan.sincePageCap,
    );
    if (outcome === 'capped') {
      report.fellBack = true;
      report.strategy = 'contacts';
      progress(
        `more than ${plan.sincePageCap * PAGE_SIZE} leads were touched since the import started: listing by contact`,
      );
      await listByContact();
    }
  } else if (plan.strategy === 'contacts') {
    await listByContact();
  }
  if (report.strategy === 'contacts') {
    report.blindSpots.push(
      'unrecorded leads on persons and organizations that no row recorded (list them all with --by since)',
    );
  }

  // A recorded lead no listing showed: archived (listings skip those), moved to another contact, or gone.
  // A few at once: the limiter spaces them.
  const unseen = live.filter((r) => !seen.has(r.leadId));
  let next = 0;
  const look = async () => {
    while (next < unseen.length) {
      const r = unseen[next++]!;
      try {
        const lead = await call('leads.get', (o) => api.getLead(r.leadId, o));
        seen.set(lead.id, keep(lead));
      } catch (err) {
        if (!isNotFoundError(err)) throw err;
        report.missing.push({ line: r.line, leadId: r.leadId });
      }
      if (next % 200 === 0) progress(`looked up ${next} of ${unseen.length} leads one by one`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, look));
  report.missing.sort((a, b) => a.line - b.line);
  for (const r of live) if (seen.get(r.leadId)?.is_archived) report.archived++;
  if (plan.strategy === 'row') {
    report.blindSpots.push('duplicates and unrecorded leads (only listings show them: run with --by since)');
    return report;
  }

  // Which of the listed leads are the import's: its origin ids, added since it started.
  const origins = new Set<string>([plan.importId]);
  for (const r of live) {
    const origin = seen.get(r.leadId)?.origin_id;
    if (origin) origins.add(origin);
  }
  const ours = [...seen.values()].filter(
    (l) =>
      !recorded.has(l.id) &&
      !revertedLeads.has(l.id) &&
      l.origin_id &&
      (origins.has(l.origin_id) || l.origin_id.startsWith(`${plan.importId}:`)) &&
      Date.parse(l.add_time) >= plan.sinceMs,
  );
  const recordedByKey = new Map<string, RecordedRow>();
  for (const r of live) {
    const lead = seen.get(r.leadId);
    if (lead && !recordedByKey.has(leadKey(lead))) recordedByKey.set(leadKey(lead), r);
  }
  const found = (l: SeenLead): FoundLead => ({
    leadId: l.id,
    title: l.title,
    personId: l.person_id,
    organizationId: l.organization_id,
    addTime: l.add_time,
  });
  for (const l of ours) {
    const original = recordedByKey.get(leadKey(l));
    if (original)
      report.duplicates.push({ ...found(l), line: original.line, keptLeadId: original.leadId, noteIds: [] });
    else report.unrecorded.push(found(l));
  }

  if (plan.notes > 0) await checkNotes(plan, live, report, call, api, progress);
  return report;
}

/**
 * Copies of recorded notes: on a recorded lead, notes with the text of the note its row recorded (beyond that
 * one); on a duplicate lead, notes with that text (ours, deleted with the lead).
 */
async function checkNotes(
  plan: VerifyPlan,
  live: RecordedRow[],
  report: VerifyReport,
  call: GuardedCall,
  api: VerifyRunOptions['api'],
  progress: (what: string) => void,
): Promise<void> {
  const gone = new Set(report.missing.map((m) => m.leadId));
  const noted = live.filter((r) => r.noteId !== undefined && !gone.has(r.leadId));
  const byLead = new Map<string, RecordedRow>(noted.map((r) => [r.leadId, r]));
  const duplicatesOf = new Map<string, DuplicateLead>();
  for (const d of report.duplicates) if (byLead.has(d.keptLeadId)) duplicatesOf.set(d.leadId, d);
  const notes = new Map<number, Note>();
  const collect = (items: Note[]) => {
    for (const n of items)
      if (n.lead_id && (byLead.has(n.lead_id) || duplicatesOf.has(n.lead_id))) notes.set(n.id, n);
  };
  const scope = byLead.size + duplicatesOf.size;
  let pages = 0;
  const outcome = await listAll(
    (start) =>
      call('notes.list', (o) => api.listNotes({ sort: 'add_time DESC', start, limit: PAGE_SIZE }, o)),
    (items) => {
      collect(items);
      if (++pages % 10 === 0) progress(`listed ${pages} pages of notes`);
      const oldest = items.at(-1);
      // Newest first: once a page reaches back before the import, every later one does too.
      return oldest && noteTime(oldest.add_time) < plan.sinceMs ? false : undefined;
    },
    Math.max(pagesFor(noted.length), scope),
  );
  if (outcome === 'capped') {
    progress("many notes were added since the import started: listing each noted lead's notes");
    for (const leadId of [...byLead.keys(), ...duplicatesOf.keys()]) {
      await listAll(
        (start) => call('notes.list', (o) => api.listNotes({ lead_id: leadId, start, limit: PAGE_SIZE }, o)),
        (items) => {
          collect(items);
          return undefined;
        },
      );
    }
  }
  const onLead = new Map<string, Note[]>();
  for (const n of notes.values()) onLead.set(n.lead_id!, [...(onLead.get(n.lead_id!) ?? []), n]);
  for (const r of noted) {
    const kept = notes.get(r.noteId!);
    // A recorded note someone deleted: nothing to compare with (and nothing of ours to repair).
    if (!kept || kept.lead_id !== r.leadId) continue;
    const text = plainText(kept.content ?? '');
    for (const n of onLead.get(r.leadId) ?? []) {
      if (n.id !== kept.id && plainText(n.content ?? '') === text) {
        report.duplicateNotes.push({ noteId: n.id, leadId: r.leadId, line: r.line, keptNoteId: kept.id });
      }
    }
    for (const d of report.duplicates) {
      if (d.keptLeadId !== r.leadId) continue;
      for (const n of onLead.get(d.leadId) ?? [])
        if (plainText(n.content ?? '') === text) d.noteIds.push(n.id);
    }
  }
}

/** What `--repair` would do, and what it costs. */
export interface RepairPlan {
  /**
   * Our notes on duplicate leads, and copies of a recorded note on its lead: each deleted after its lead (a duplicate)
   * is, or with its lead staying (a recorded one), and only while still on that lead (see `deleteLeadsThenNotes`).
   */
  notes: LeadNote[];
  /** Duplicate leads: copies of a lead a row records (the recorded one stays). Deleted first. */
  leads: string[];
  /** Rows whose lead is missing: back to pending, for a re-run of the import to create again. */
  lines: number[];
  /**
   * Tokens at most: 6 a lead's delete, 2 a note's read and 6 its delete (at most: a note of a duplicate lead found gone
   * before, converted or deleted by hand, is not read).
   */
  tokens: number;
  /** What creating the missing rows' leads again costs, at the least (10 per lead, 10 per note). */
  reimportTokens: number;
}

export function planRepair(report: VerifyReport, prepared: PreparedVerify): RepairPlan {
  const byLine = new Map(prepared.rows.map((r) => [r.line, r]));
  const contacts = (personId: number | null | undefined, organizationId: number | null | undefined) => ({
    ...(personId != null ? { personId } : {}),
    ...(organizationId != null ? { organizationId } : {}),
  });
  const notes: LeadNote[] = [
    ...report.duplicateNotes.map((n) => ({
      id: n.noteId,
      leadId: n.leadId,
      ...contacts(byLine.get(n.line)?.personId, byLine.get(n.line)?.organizationId),
    })),
    ...report.duplicates.flatMap((d) =>
      d.noteIds.map((id) => ({ id, leadId: d.leadId, ...contacts(d.personId, d.organizationId) })),
    ),
  ];
  const leads = report.duplicates.map((d) => d.leadId);
  const lines = report.missing.map((m) => m.line);
  const missingWithNote = new Set(prepared.rows.filter((r) => r.noteId !== undefined).map((r) => r.line));
  return {
    notes,
    leads,
    lines,
    tokens:
      notes.length * (TOKEN_COSTS['notes.get'] + TOKEN_COSTS['notes.delete']) +
      leads.length * TOKEN_COSTS['leads.delete'],
    reimportTokens:
      lines.length * TOKEN_COSTS['leads.add'] +
      lines.filter((l) => missingWithNote.has(l)).length * TOKEN_COSTS['notes.add'],
  };
}

export interface RepairSummary extends LeadsThenNotesTally {
  /** Lines put back to pending. */
  requeued: number[];
  tokensUsed: number;
}

export interface RepairOptions {
  api: Pick<PipedriveApi, 'deleteLead' | 'getNote' | 'deleteNote'>;
  call: GuardedCall;
  onAction?: (line: string) => void;
}

/**
 * Deletes the duplicates this import created, as `revert` deletes its leads ({@link deleteLeadsThenNotes}): the
 * duplicate leads first, then each note of ours, only while it is still on its lead (read first): the note of a
 * duplicate lead someone converted into a deal since is on the deal now, and stays, as does one someone moved. Each
 * lead and note a row records stays. Then puts rows whose lead is missing back to pending (`Created → Pending` in the
 * ledger). Only what {@link verifyImport} found: run it on a fresh report.
 */
export async function repairImport(
  ctx: OpsContext,
  importId: string,
  plan: RepairPlan,
  options: RepairOptions,
): Promise<RepairSummary> {
  const summary: RepairSummary = { ...emptyTally(), requeued: [], tokensUsed: 0 };
  const say = options.onAction ?? (() => {});
  /** The guarded call, counting what Pipedrive charges (a 404 is an answer too). */
  const call: GuardedCall = async (operation, fn) => {
    try {
      const result = await options.call(operation, fn);
      summary.tokensUsed += TOKEN_COSTS[operation];
      return result;
    } catch (err) {
      if (isNotFoundError(err)) summary.tokensUsed += TOKEN_COSTS[operation];
      throw err;
    }
  };
  const line = (kind: 'lead' | 'note', id: string | number, outcome: LeadOrNoteOutcome, detail?: string) => {
    if (outcome === 'deleted') return `deleted duplicate ${kind} ${id}`;
    if (outcome === 'failed') return `could not delete ${kind} ${id}: ${detail}`;
    if (outcome === 'goneBefore')
      return `${kind} ${id} was gone before (converted into a deal, or deleted by hand): its notes stay`;
    if (outcome === 'gone') return `${kind} ${id} was already gone`;
    return detail === 'moved'
      ? `kept note ${id}: it is on something else than its lead now (a deal, another lead)`
      : `kept note ${id}: its lead was gone before (converted into a deal, which holds the note now, or deleted by hand)`;
  };
  await deleteLeadsThenNotes(
    plan.leads,
    plan.notes,
    { api: options.api, call, concurrency: 1, onOutcome: (...a) => say(line(...a)) },
    summary,
  );
  if (summary.budgetSpentUntil !== undefined) return summary;
  for (const line of plan.lines) {
    if ((await ctx.ledger.recordLeadMissing(importId, line)).applied) {
      summary.requeued.push(line);
      say(`line ${line}: back to pending (its lead is gone)`);
    }
  }
  if (summary.requeued.length > 0) {
    // Not finished any more: the rows wait for a re-run of the import to re-add their jobs.
    const record = await ctx.ledger.getImport(importId);
    if (record?.state === 'completed') await ctx.ledger.setState(importId, 'enqueued');
    // No job runs them: `status` and the dashboard say they wait for a re-run, not an ETA of seconds.
    await ctx.ledger.markAwaitingReimport(importId);
  }
  return summary;
}

/** The last verification, kept on the import record for `status` readers and the dashboard. */
export interface LastVerification {
  at: number;
  strategy: VerifyStrategy;
  leadsChecked: number;
  missing: number;
  unrecorded: number;
  duplicates: number;
  duplicateNotes: number;
  /** Deletes and rows put back by `--repair --yes` (0 without). */
  repaired: number;
  tokensUsed: number;
  /** False when the run had blind spots (see `VerifyReport.blindSpots`). */
  complete: boolean;
}

/** The import record's field that holds the last verification (JSON). */
const VERIFICATION_FIELD = 'verification';

export function lastVerificationOf(report: VerifyReport, repair?: RepairSummary): LastVerification {
  return {
    at: report.checkedAt,
    strategy: report.strategy,
    leadsChecked: report.leadsChecked,
    missing: report.missing.length,
    unrecorded: report.unrecorded.length,
    duplicates: report.duplicates.length,
    duplicateNotes: report.duplicateNotes.length,
    repaired: repair ? repair.deleted.notes + repair.deleted.leads + repair.requeued.length : 0,
    tokensUsed: report.tokensUsed + (repair?.tokensUsed ?? 0),
    complete: report.blindSpots.length === 0,
  };
}

export async function saveVerification(
  ctx: OpsContext,
  importId: string,
  v: LastVerification,
): Promise<void> {
  await ctx.ledger.resolve(importId);
  await ctx.redis.hset(ctx.keys.import(importId), VERIFICATION_FIELD, JSON.stringify(v));
}

/** The last verification of an import, or null; fields that are not what they should be come back as 0. */
export async function readLastVerification(
  ctx: OpsContext,
  importId: string,
): Promise<LastVerification | null> {
  if ((await ctx.ledger.resolve(importId)) === undefined) return null;
  const raw = await ctx.redis.hget(ctx.keys.import(importId), VERIFICATION_FIELD);
  if (!raw) return null;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return null;
  }
  const n = (k: string) => (typeof v[k] === 'number' && Number.isFinite(v[k]) ? (v[k] as number) : 0);
  const strategy = (['since', 'contacts', 'row'] as const).find((s) => s === v.strategy) ?? 'since';
  return {
    at: n('at'),
    strategy,
    leadsChecked: n('leadsChecked'),
    missing: n('missing'),
    unrecorded: n('unrecorded'),
    duplicates: n('duplicates'),
    duplicateNotes: n('duplicateNotes'),
    repaired: n('repaired'),
    tokensUsed: n('tokensUsed'),
    complete: v.complete === true,
  };
}
