import { isNotFoundError } from '../pipedrive/errors.js';
import type { Note, PipedriveApi } from '../pipedrive/types.js';
import { isBudgetSpentError } from '../worker/errors.js';
import type { GuardedCall } from './guarded-pipedrive.js';

/** A note the import attached to a lead, and what the row linked: the lead, the lead's contacts. */
export interface LeadNote {
  id: number;
  leadId: string;
  personId?: number;
  organizationId?: number;
}

/**
 * Why a note was left: `leadGone`, its lead was gone before anything was sent for it (converted into a deal, which
 * holds the note now, or deleted by hand), so the note is not touched; `moved`, the note is on something else than
 * its lead now (a deal, another lead, a contact or project).
 */
export interface NotesKept {
  leadGone: number;
  moved: number;
}

export interface KeptNote {
  id: number;
  leadId: string;
  reason: keyof NotesKept;
}

/** What {@link deleteLeadsThenNotes} did; `revert` and `verify --repair` keep it in their own summaries. */
export interface LeadsThenNotesTally {
  deleted: { leads: number; notes: number };
  /**
   * Leads that answered 404 to the first delete ever sent for them: gone before (converted into a deal, or deleted
   * by hand), not deleted by this command. Their notes are kept ({@link NotesKept.leadGone}).
   */
  leadsGoneBefore: number;
  /**
   * Other 404s: a lead whose delete had been sent before (a retry whose first answer was lost, an earlier run that
   * stopped before it recorded the answer: most likely deleted by us), and notes found gone.
   */
  alreadyGone: number;
  failed: { kind: 'note' | 'lead' | 'person' | 'organization'; id: string | number; error: string }[];
  /** Set when the daily budget ran out: run again after this time (ms epoch). */
  budgetSpentUntil?: number;
  notesKept: NotesKept;
  keptNotes: KeptNote[];
}

export type LeadOrNoteOutcome = 'deleted' | 'goneBefore' | 'gone' | 'kept' | 'failed';

export interface LeadsThenNotesOptions {
  api: Pick<PipedriveApi, 'deleteLead' | 'getNote' | 'deleteNote'>;
  call: GuardedCall;
  /** Deletes in flight at once (the limiter spaces them). */
  concurrency: number;
  /**
   * Remembers a step (tags `ls:`, `lg:`, `l:`, `nm:`, `n:`, see `ImportLedger.markReverted`) so a re-run resumes;
   * answers whether the tag is new. Without it nothing outlives the run: every lead's first send is this run's.
   */
  remember?: (tag: string) => Promise<boolean>;
  /** After each lead or note is settled (deleted, gone, kept), not after a failure or a spent budget. */
  onStep?: () => void;
  /** Each lead's or note's outcome, as it happens; `detail` is a failure's error, or why a note was kept. */
  onOutcome?: (
    kind: 'lead' | 'note',
    id: string | number,
    outcome: LeadOrNoteOutcome,
    detail?: string,
  ) => void;
}

export function emptyTally(): LeadsThenNotesTally {
  return {
    deleted: { leads: 0, notes: 0 },
    leadsGoneBefore: 0,
    alreadyGone: 0,
    failed: [],
    notesKept: { leadGone: 0, moved: 0 },
    keptNotes: [],
  };
}

/**
 * Deletes `leads`, then `notes`, each note only once its own lead is gone by our hand and while the note is still on
 * it; used by `revert` (an import's leads and notes) and by `verify --repair` (duplicate leads and their notes, and
 * copies of a note on a recorded lead, which stays).
 *
 * Why this order: the note of a lead converted into a deal since is on the deal now ("Related entities (notes, …)
 * are transferred", SPEC-v2 convertLeadToDeal), and deleting it by id destroyed a salesperson's note on a live deal;
 * so did deleting a note someone had moved. So the leads go first. A lead that answers 404 to the first delete ever
 * sent for it was gone before (converted, or deleted by hand): its notes are kept, unread, no token spent. The note of
 * a lead we deleted (now, or in an earlier run), and a note whose lead is not in `leads` (an earlier run deleted it,
 * or it stays: a recorded lead), is read (2 tokens) and deleted only if it is still on that lead and nothing else
 * (see {@link stillOnItsLead}). A lead whose delete may have been sent before (a retry in this run, or `ls:`
 * remembered by an earlier one) and that answers 404 may have been deleted by us: its notes are read too, and each
 * note tells. What Pipedrive does to a lead's notes when the lead is deleted is undocumented (SPEC-v1 deleteLead:
 * "Deletes a specific lead"; a converted lead is "marked as deleted"): they may stay (we delete ours) and may go (a
 * note answering 404 counts as gone).
 *
 * A note whose lead's delete failed or was not reached (a spent budget) waits for the next run.
 */
export async function deleteLeadsThenNotes(
  leads: readonly string[],
  notes: readonly LeadNote[],
  options: LeadsThenNotesOptions,
  tally: LeadsThenNotesTally = emptyTally(),
): Promise<LeadsThenNotesTally> {
  const remember = options.remember ?? (async () => true);
  const stepDone = () => options.onStep?.();
  const said = options.onOutcome ?? (() => {});
  /** One call: `ok`, `gone` (404), `failed` (listed in the tally) or `stop` (the budget is spent). */
  const attempt = async (kind: 'lead' | 'note', id: string | number, send: () => Promise<unknown>) => {
    try {
      await send();
      return 'ok' as const;
    } catch (err) {
      if (isBudgetSpentError(err)) {
        tally.budgetSpentUntil = err.untilMs;
        return 'stop' as const;
      }
      if (isNotFoundError(err)) return 'gone' as const;
      const error = err instanceof Error ? err.message : String(err);
      tally.failed.push({ kind, id, error });
      said(kind, id, 'failed', error);
      return 'failed' as const;
    }
  };

  const leadsOfThisRun = new Set(leads);
  const deletedLeads = new Set<string>();
  const goneBefore = new Set<string>();
  await inPool(leads, options.concurrency, tally, async (id) => {
    let sends = 0;
    let firstSend = false;
    const outcome = await attempt('lead', id, () =>
      options.call('leads.delete', async (o) => {
        // Right before the request leaves (after admission): a later 404 is then known to follow a send of ours.
        if (sends++ === 0) firstSend = await remember(`ls:${id}`);
        return options.api.deleteLead(id, o);
      }),
    );
    if (outcome === 'stop' || outcome === 'failed') return;
    if (outcome === 'ok') {
      tally.deleted.leads++;
      deletedLeads.add(id);
      said('lead', id, 'deleted');
    } else if (firstSend && sends === 1) {
      tally.leadsGoneBefore++;
      await remember(`lg:${id}`);
      goneBefore.add(id);
      said('lead', id, 'goneBefore');
    } else {
      tally.alreadyGone++;
      deletedLeads.add(id);
      said('lead', id, 'gone');
    }
    await remember(`l:${id}`);
    stepDone();
  });

  const keepNote = (n: LeadNote, reason: keyof NotesKept) => {
    tally.notesKept[reason]++;
    tally.keptNotes.push({ id: n.id, leadId: n.leadId, reason });
    said('note', n.id, 'kept', reason);
  };
  const toDelete: LeadNote[] = [];
  for (const n of notes) {
    if (goneBefore.has(n.leadId)) {
      keepNote(n, 'leadGone');
      stepDone();
    } else if (!leadsOfThisRun.has(n.leadId) || deletedLeads.has(n.leadId)) toDelete.push(n);
    // Otherwise its lead's delete failed or was not reached: the note waits for the next run.
  }
  if (tally.budgetSpentUntil !== undefined) return tally;
  await inPool(toDelete, options.concurrency, tally, async (n) => {
    let note: Note | undefined;
    const read = await attempt('note', n.id, async () => {
      note = await options.call('notes.get', (o) => options.api.getNote(n.id, o));
    });
    if (read === 'stop' || read === 'failed') return;
    if (read === 'ok' && note && !stillOnItsLead(note, n)) {
      keepNote(n, 'moved');
      await remember(`nm:${n.id}`);
      stepDone();
      return;
    }
    const outcome =
      read === 'gone'
        ? read
        : await attempt('note', n.id, () =>
            options.call('notes.delete', (o) => options.api.deleteNote(n.id, o)),
          );
    if (outcome === 'stop' || outcome === 'failed') return;
    if (outcome === 'ok') {
      tally.deleted.notes++;
      said('note', n.id, 'deleted');
    } else {
      tally.alreadyGone++;
      said('note', n.id, 'gone');
    }
    await remember(`n:${n.id}`);
    stepDone();
  });
  return tally;
}

/**
 * Runs `step` for each item, `concurrency` at a time (the limiter spaces the calls), until the items run out or the
 * budget is spent (`state.budgetSpentUntil`).
 */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  state: { budgetSpentUntil?: number },
  step: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && state.budgetSpentUntil === undefined) await step(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

/**
 * Whether a note is still where the import put it: on its lead, and on nothing else but that lead's person and
 * organization (Pipedrive may show a lead's note on them too: whether it links them is undocumented). A note on a
 * deal (its lead converted into one), another lead, another contact or a project is someone's now, and stays.
 */
function stillOnItsLead(note: Note, ours: LeadNote): boolean {
  return (
    note.lead_id === ours.leadId &&
    note.deal_id === null &&
    (note.project_id ?? null) === null &&
    (note.person_id === null || note.person_id === ours.personId) &&
    (note.org_id === null || note.org_id === ours.organizationId)
  );
}
