import { DEFAULT_CONNECTION } from '../config/config.js';
import { isNotFoundError } from '../pipedrive/errors.js';
import { TOKEN_COSTS } from '../pipedrive/token-costs.js';
import type { ContactDealCounts, PipedriveApi } from '../pipedrive/types.js';
import { scanKeys } from '../queue/connection.js';
import { RowState } from '../queue/ledger.js';
import { isBudgetSpentError } from '../worker/errors.js';
import { formatDuration } from './eta.js';
import { formatCount } from './format.js';
import type { GuardedCall } from './guarded-pipedrive.js';
import { ImportConnectionError } from './import-connection-error.js';
import { ImportNotFoundError } from './import-not-found-error.js';
import {
  deleteLeadsThenNotes,
  emptyTally,
  inPool,
  type KeptNote,
  type LeadNote,
  type LeadsThenNotesTally,
  type NotesKept,
} from './leads-then-notes.js';
import type { OpsContext } from './ops-context.js';
import { linesInState, readRowStates } from './row-scan.js';

/** What reverting an import would delete: only what it created, never contacts it reused. */
export interface RevertPlan {
  importId: string;
  /** The connection (Pipedrive company) the import went to: the deletes happen there. */
  connection: string;
  /** The company the import went to, when its record names it (see `ImportMeta.companyId`). */
  companyId?: number;
  leads: string[];
  /**
   * Notes this import attached to its leads, each deleted after its own lead, and only while still on it (see
   * {@link revertImport}).
   */
  notes: RevertNote[];
  /** Notes an earlier, interrupted revert kept, by reason. */
  notesKept: NotesKept;
  /** Persons this import created (empty without `includeContacts`). */
  persons: number[];
  organizations: number[];
  /** Already deleted by an earlier, interrupted revert. */
  alreadyDone: number;
  /**
   * Tokens the run spends at most: `GET /users/me` (2: `--yes` checks the credentials before anything is deleted),
   * the deletes (notes and leads 6, persons and organizations 3 each), reading each note before its delete (2), and
   * the checks that nothing made since uses the contacts (see `unused`). At most, as a note whose lead was gone is
   * not read, and a contact found in use is kept and not checked further.
   */
  tokens: number;
  /** Pipedrive calls the run makes at most: those {@link tokens} counts. */
  calls: number;
  /** At the earliest, with {@link calls} under the burst limit. */
  estimatedMs: number;
  /** Reused persons and organizations that stay (for the message). */
  reusedContactsKept: number;
}

/** A note the import attached to one of its leads, and what the row linked: its lead, the lead's contacts. */
export type RevertNote = LeadNote;
export type { KeptNote, NotesKept };

export interface RevertPlanOptions {
  importId: string;
  /** Also delete the persons and organizations this import created. @defaultValue false */
  includeContacts?: boolean;
  /** Refuse unless the import went to this connection (`--connection NAME`). @defaultValue any */
  connection?: string;
}

export interface RevertOptions extends RevertPlanOptions {
  api: Pick<
    PipedriveApi,
    | 'deleteLead'
    | 'getNote'
    | 'deleteNote'
    | 'deletePerson'
    | 'deleteOrganization'
    | 'listLeads'
    | 'listPersons'
    | 'listOrganizations'
  >;
  call: GuardedCall;
  /** Deletes in flight at once (the limiter spaces them). @defaultValue 4 */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RevertSummary extends LeadsThenNotesTally {
  /** What this run deleted. A lead gone before revert came is not in it, but in `leadsGoneBefore`. */
  deleted: { notes: number; leads: number; persons: number; organizations: number };
  /**
   * Gone already (404) after a delete revert may have sent itself (a retry, an earlier run that stopped before it
   * recorded the answer), and notes, persons and organizations found gone.
   */
  alreadyGone: number;
  failed: { kind: 'note' | 'lead' | 'person' | 'organization'; id: string | number; error: string }[];
  /** Contacts were not deleted because some leads could not be. */
  contactsSkipped: boolean;
  /** Contacts it created that were kept, as something made since uses them (see `unused` in revert.ts). */
  inUse: { persons: number; organizations: number };
  /** Each contact counted in `inUse`, with what was found using it. */
  kept: KeptContact[];
}

/**
 * What keeps a contact the import created: a deal names it (open, won or lost, made by hand or from a lead), a lead
 * names it (another import's, or one made by hand), or, for an organization, a person is in it.
 */
export type InUseReason = 'deals' | 'leads' | 'persons';

export interface KeptContact {
  kind: 'person' | 'organization';
  id: number;
  reason: InUseReason;
}

export async function planRevert(ctx: OpsContext, options: RevertPlanOptions): Promise<RevertPlan> {
  const { importId } = options;
  const record = await ctx.ledger.getImport(importId);
  if (!record) throw new ImportNotFoundError(importId, ctx.prefix);
  ImportConnectionError.check(record, options.connection);
  const done = new Set(await ctx.redis.smembers(ctx.keys.reverted(importId)));
  const leads: string[] = [];
  const notes: RevertNote[] = [];
  const notesKept: NotesKept = { leadGone: 0, moved: 0 };
  const persons = new Set<number>();
  const organizations = new Set<number>();
  const reusedPersons = new Set<number>();
  const reusedOrganizations = new Set<number>();
  let alreadyDone = 0;
  const snapshot = await readRowStates(ctx.redis, ctx.ledger, importId);
  for (const lines of linesInState(snapshot, [RowState.Created])) {
    for (const o of await ctx.ledger.outcomes(importId, lines)) {
      if (o.state !== 'created') continue;
      if (done.has(`l:${o.leadId}`)) alreadyDone++;
      else leads.push(o.leadId);
      if (o.noteId !== undefined) {
        if (done.has(`n:${o.noteId}`)) alreadyDone++;
        else if (done.has(`lg:${o.leadId}`)) notesKept.leadGone++;
        else if (done.has(`nm:${o.noteId}`)) notesKept.moved++;
        else {
          notes.push({
            id: o.noteId,
            leadId: o.leadId,
            ...(o.personId !== undefined ? { personId: o.personId } : {}),
            ...(o.organizationId !== undefined ? { organizationId: o.organizationId } : {}),
          });
        }
      }
      // Only the row that created a contact says so; later rows of the same import reuse it.
      if (o.personId !== undefined) (o.personCreated ? persons : reusedPersons).add(o.personId);
      if (o.organizationId !== undefined) {
        (o.organizationCreated ? organizations : reusedOrganizations).add(o.organizationId);
      }
    }
  }
  const pick = <T>(ids: Set<T>, tag: string) =>
    [...ids].filter((id) => {
      if (!done.has(`${tag}:${id}`)) return true;
      alreadyDone++;
      return false;
    });
  const contacts = options.includeContacts
    ? { persons: pick(persons, 'p'), organizations: pick(organizations, 'o') }
    : { persons: [], organizations: [] };
  const { tokens, calls } = revertCost(
    leads.length,
    notes.length,
    contacts.persons.length,
    contacts.organizations.length,
  );
  return {
    importId,
    connection: record.connection,
    ...(record.companyId !== undefined ? { companyId: record.companyId } : {}),
    leads,
    notes,
    notesKept,
    ...contacts,
    alreadyDone,
    tokens,
    calls,
    estimatedMs: Math.round((calls / (ctx.limitsOf(record.connection).burstPer2s / 2)) * 1000),
    reusedContactsKept:
      [...reusedPersons].filter((id) => !persons.has(id)).length +
      [...reusedOrganizations].filter((id) => !organizations.has(id)).length,
  };
}

/**
 * The calls `revert --yes` makes at most, and their tokens: `GET /users/me` first (the credentials' check, always
 * made), each lead's delete, each note's read and delete, and for each person and organization its checks (see
 * `unused`) and its delete.
 */
function revertCost(
  leads: number,
  notes: number,
  persons: number,
  organizations: number,
): { tokens: number; calls: number } {
  const tokens =
    TOKEN_COSTS['users.me'] +
    leads * TOKEN_COSTS['leads.delete'] +
    notes * (TOKEN_COSTS['notes.get'] + TOKEN_COSTS['notes.delete']) +
    persons * (TOKEN_COSTS['persons.delete'] + PERSON_CHECK_TOKENS) +
    dealCheckTokens('person', persons) +
    organizations * (TOKEN_COSTS['organizations.delete'] + ORGANIZATION_CHECK_TOKENS) +
    dealCheckTokens('organization', organizations);
  const calls =
    1 +
    leads +
    2 * notes +
    persons * (1 + PERSON_CHECK_CALLS) +
    Math.ceil(persons / IDS_PER_DEAL_CHECK) +
    organizations * (1 + ORGANIZATION_CHECK_CALLS) +
    Math.ceil(organizations / IDS_PER_DEAL_CHECK);
  return { tokens, calls };
}

/**
 * Deletes what an import created, in the company it went to (`api` must be that connection's client; the revert
 * command builds it from the plan's `connection`): its leads, then their notes, then (with `includeContacts`) the
 * persons, then the organizations it created — never contacts it found and reused. Every call goes through `call`
 * (the worker's budget governor and rate limiter). Each step is remembered, so a re-run after a failure, a crash or a
 * spent budget resumes; a 404 counts as already gone.
 *
 * A note goes only after its own lead, and only while it is still on that lead: a lead converted into a deal since
 * has its note on the deal now, and a note someone moved is theirs (see {@link deleteLeadsThenNotes}, which
 * `verify --repair` shares). A lead gone before revert came keeps its note, unread.
 *
 * Contacts are only deleted when all leads and notes are gone, so nothing of ours still points at them, and only
 * when nothing made since uses them: no deal, lead or (for an organization) person (see `unused`).
 */
export async function revertImport(
  ctx: OpsContext,
  options: RevertOptions,
  plan?: RevertPlan,
): Promise<RevertSummary> {
  const p = plan ?? (await planRevert(ctx, options));
  const summary: RevertSummary = {
    ...emptyTally(),
    deleted: { notes: 0, leads: 0, persons: 0, organizations: 0 },
    contactsSkipped: false,
    inUse: { persons: 0, organizations: 0 },
    kept: [],
  };
  const total = p.notes.length + p.leads.length + p.persons.length + p.organizations.length;
  let progressed = 0;
  const remember = async (tag: string) => ctx.ledger.markReverted(p.importId, tag);
  const stepDone = () => options.onProgress?.(++progressed, total);
  const fail = (kind: RevertSummary['failed'][number]['kind'], id: string | number, err: unknown) =>
    summary.failed.push({ kind, id, error: err instanceof Error ? err.message : String(err) });
  /** One call: `ok`, `gone` (404), `failed` (listed in the summary) or `stop` (the budget is spent). */
  const attempt = async (
    kind: RevertSummary['failed'][number]['kind'],
    id: string | number,
    send: () => Promise<unknown>,
  ) => {
    try {
      await send();
      return 'ok' as const;
    } catch (err) {
      if (isBudgetSpentError(err)) {
        summary.budgetSpentUntil = err.untilMs;
        return 'stop' as const;
      }
      if (isNotFoundError(err)) return 'gone' as const;
      fail(kind, id, err);
      return 'failed' as const;
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? 4);

  // The plan's notes of leads not in `p.leads` are of leads an earlier run deleted; those of leads gone before revert
  // came are not in the plan (`lg:`).
  await deleteLeadsThenNotes(
    p.leads,
    p.notes,
    { api: options.api, call: options.call, concurrency, remember, onStep: stepDone },
    summary,
  );

  if (p.persons.length + p.organizations.length > 0) {
    if (summary.failed.length > 0 || summary.budgetSpentUntil !== undefined) {
      summary.contactsSkipped = true;
    } else {
      const deleteEach = (kind: 'person' | 'organization', ids: number[]) =>
        inPool(ids, concurrency, summary, async (id) => {
          const outcome = await attempt(kind, id, () =>
            kind === 'person'
              ? options.call('persons.delete', (o) => options.api.deletePerson(id, o))
              : options.call('organizations.delete', (o) => options.api.deleteOrganization(id, o)),
          );
          if (outcome === 'stop' || outcome === 'failed') return;
          if (outcome === 'ok') summary.deleted[kind === 'person' ? 'persons' : 'organizations']++;
          else summary.alreadyGone++;
          await remember(`${kind[0]}:${id}`);
          stepDone();
        });
      const persons = await unused(options, summary, 'person', p.persons);
      await deleteEach('person', persons);
      // After the persons: one of them kept links its organization, which then stays too.
      const organizations =
        summary.budgetSpentUntil === undefined
          ? await unused(options, summary, 'organization', p.organizations)
          : [];
      await deleteEach('organization', organizations);
      // The workers' contact cache still maps match keys to these ids; a later import must not
      // link a lead to a deleted contact, so forget them (it re-finds or re-creates them).
      await forgetCachedContacts(ctx, 'person', persons);
      await forgetCachedContacts(ctx, 'org', organizations);
    }
  }
  return summary;
}

/** Tokens to check that no lead made since names a person the import created: a page of its leads. */
const PERSON_CHECK_TOKENS = TOKEN_COSTS['leads.list'];
const PERSON_CHECK_CALLS = 1;
/** The same for an organization: a page of its leads and one of its persons. */
const ORGANIZATION_CHECK_TOKENS = TOKEN_COSTS['leads.list'] + TOKEN_COSTS['persons.list'];
const ORGANIZATION_CHECK_CALLS = 2;

/**
 * Contacts one deal check covers: a v2 list takes up to 100 `ids` (SPEC-v2 `GET /persons`, `GET /organizations`).
 *
 * Why the deals are counted this way: `GET /api/v2/persons?ids=…&include_fields=open_deals_count,…` (and the same
 * for organizations) costs 10 tokens for up to 100 contacts, and its counts go by status, so open, won and lost deals
 * are all seen and deleted ones are not. `GET /api/v2/deals?person_id=` (or `org_id=`) costs the same 10 tokens for
 * one contact, 100 times as much for a large import, and lists only deals not archived; the v1
 * `GET /v1/persons/{id}/deals` costs 20 for one and is deprecated (x-token-cost in both specs).
 */
const IDS_PER_DEAL_CHECK = 100;

/** Tokens to check `count` contacts for deals: one v2 list page per {@link IDS_PER_DEAL_CHECK}. */
function dealCheckTokens(kind: 'person' | 'organization', count: number): number {
  return (
    Math.ceil(count / IDS_PER_DEAL_CHECK) *
    TOKEN_COSTS[kind === 'person' ? 'persons.list' : 'organizations.list']
  );
}

/** Deal counts a person's check asks for: every status, and the deals it takes part in. */
const PERSON_DEAL_COUNTS: (keyof ContactDealCounts)[] = [
  'open_deals_count',
  'closed_deals_count',
  'won_deals_count',
  'lost_deals_count',
  'participant_open_deals_count',
  'participant_closed_deals_count',
];
/** An organization's: every status (organizations have no participant counts). */
const ORGANIZATION_DEAL_COUNTS = [
  'open_deals_count',
  'closed_deals_count',
  'won_deals_count',
  'lost_deals_count',
] as const;

/** Deals naming the contact, by the counts Pipedrive answered; undefined when it answered none of them. */
function dealsOf(item: ContactDealCounts, fields: readonly (keyof ContactDealCounts)[]): number | undefined {
  const counts = fields.map((f) => item[f]).filter((n): n is number => typeof n === 'number');
  return counts.length === 0 ? undefined : counts.reduce((a, b) => a + b, 0);
}

/**
 * The contacts among `ids` (created by the import) that nothing left uses, once the import's own leads are gone: no
 * deal names it (open, won or lost: one someone made, or one a lead became), no lead names it (another import's,
 * which found it in the workers' shared contact cache, or one made by hand), and for an organization no person is in
 * it. Deleting a used one left those pointing at a deleted contact: `revert A --include-contacts` deleted the
 * organization import B's leads had since reused.
 *
 * First the deals, for up to 100 contacts a call ({@link IDS_PER_DEAL_CHECK}); then, for each contact no deal
 * names, a page of its leads ({@link PERSON_CHECK_TOKENS}, {@link ORGANIZATION_CHECK_TOKENS}). A contact is kept
 * at the first check that finds it in use, and counted with that reason. A contact whose check fails is kept and
 * listed as failed, and a spent budget stops the checks (the next run checks again). A contact the deal check does
 * not answer for (deleted since, or not visible to the token's user) goes on to the lead check and its delete.
 * Archived leads are not read (`GET /v1/leads` lists only leads not archived).
 */
async function unused(
  options: RevertOptions,
  summary: RevertSummary,
  kind: 'person' | 'organization',
  ids: number[],
): Promise<number[]> {
  const keep = (id: number, reason: InUseReason) => {
    summary.inUse[kind === 'person' ? 'persons' : 'organizations']++;
    summary.kept.push({ kind, id, reason });
  };
  const fail = (id: number, err: unknown) =>
    summary.failed.push({ kind, id, error: err instanceof Error ? err.message : String(err) });
  const withoutDeals = await withoutDealsOf(options, summary, kind, ids, keep, fail);
  const free: number[] = [];
  await inPool(withoutDeals, Math.max(1, options.concurrency ?? 4), summary, async (id) => {
    try {
      const leads = await options.call('leads.list', (o) =>
        options.api.listLeads(
          kind === 'person' ? { person_id: id, limit: 1 } : { organization_id: id, limit: 1 },
          o,
        ),
      );
      if (leads.items.length > 0) {
        keep(id, 'leads');
        return;
      }
      if (kind === 'organization') {
        const persons = await options.call('persons.list', (o) =>
          options.api.listPersons({ org_id: id, limit: 1 }, o),
        );
        if (persons.items.length > 0) {
          keep(id, 'persons');
          return;
        }
      }
      free.push(id);
    } catch (err) {
      // A spent budget stops every check (`inPool` takes no more); the next run checks again.
      if (isBudgetSpentError(err)) summary.budgetSpentUntil = err.untilMs;
      else fail(id, err);
    }
  });
  return free.sort((a, b) => a - b);
}

/**
 * The contacts among `ids` no deal names, after keeping (`keep`) those a deal names. One v2 list call per 100; a
 * failed call keeps its contacts (`fail`), and so does an answer without the counts asked for.
 */
async function withoutDealsOf(
  options: RevertOptions,
  summary: RevertSummary,
  kind: 'person' | 'organization',
  ids: number[],
  keep: (id: number, reason: InUseReason) => void,
  fail: (id: number, err: unknown) => void,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < ids.length && summary.budgetSpentUntil === undefined; i += IDS_PER_DEAL_CHECK) {
    const chunk = ids.slice(i, i + IDS_PER_DEAL_CHECK);
    const query = { ids: chunk, limit: IDS_PER_DEAL_CHECK };
    try {
      const page =
        kind === 'person'
          ? await options.call('persons.list', (o) =>
              options.api.listPersons({ ...query, include_fields: PERSON_DEAL_COUNTS }, o),
            )
          : await options.call('organizations.list', (o) =>
              options.api.listOrganizations({ ...query, include_fields: [...ORGANIZATION_DEAL_COUNTS] }, o),
            );
      const fields = kind === 'person' ? PERSON_DEAL_COUNTS : ORGANIZATION_DEAL_COUNTS;
      const deals = new Map(page.items.map((item) => [item.id, dealsOf(item, fields)]));
      for (const id of chunk) {
        const count = deals.get(id);
        if (count === undefined && deals.has(id)) {
          fail(id, new Error(`Pipedrive answered the ${kind} without its deal counts (include_fields)`));
        } else if (count !== undefined && count > 0) keep(id, 'deals');
        else out.push(id);
      }
    } catch (err) {
      if (isBudgetSpentError(err)) {
        summary.budgetSpentUntil = err.untilMs;
        break;
      }
      for (const id of chunk) fail(id, err);
    }
  }
  return out;
}

/** Removes cache entries (every company's) that point at the given contact ids. */
async function forgetCachedContacts(ctx: OpsContext, kind: 'org' | 'person', ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const gone = new Set(ids.map(String));
  for await (const cacheKeys of scanKeys(ctx.redis, ctx.keys.cachePattern(kind))) {
    for (const cacheKey of cacheKeys) {
      let fieldCursor = '0';
      do {
        const [nextField, flat] = await ctx.redis.hscan(cacheKey, fieldCursor, 'COUNT', 1000);
        fieldCursor = nextField;
        const stale: string[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) if (gone.has(flat[i + 1]!)) stale.push(flat[i]!);
        if (stale.length > 0) await ctx.redis.hdel(cacheKey, ...stale);
      } while (fieldCursor !== '0');
    }
  }
}

/**
 * The line saying which contacts the import created were kept, and why, e.g. `Kept 2 persons and 1 organizations it
 * created, as something made since uses them: deals name 1 persons and 1 organizations; leads name 1 persons.`
 * Empty when none was kept.
 */
export function describeKept(summary: Pick<RevertSummary, 'inUse' | 'kept'>): string {
  const { persons, organizations } = summary.inUse;
  if (persons + organizations === 0) return '';
  const counted = (reason: InUseReason) => {
    const of = (kind: KeptContact['kind']) =>
      summary.kept.filter((k) => k.reason === reason && k.kind === kind).length;
    return [
      [of('person'), 'persons'],
      [of('organization'), 'organizations'],
    ]
      .filter(([n]) => (n as number) > 0)
      .map(([n, what]) => `${formatCount(n as number)} ${what}`)
      .join(' and ');
  };
  const reasons = [
    ['deals name', counted('deals')],
    ['leads name', counted('leads')],
    ['persons are in', counted('persons')],
  ]
    .filter(([, what]) => what !== '')
    .map(([verb, what]) => `${verb} ${what}`);
  return `Kept ${formatCount(persons)} persons and ${formatCount(organizations)} organizations it created, as something made since uses them: ${reasons.join('; ')}.\n`;
}

/**
 * The line saying which notes of the import's leads were kept, and why, e.g. `Kept 2 notes it added: 1 as its lead
 * was gone before revert came (…); 1 as it is on something else than its lead now (…).` Empty when none was kept.
 */
export function describeKeptNotes(kept: NotesKept): string {
  if (kept.leadGone + kept.moved === 0) return '';
  const reasons = [];
  if (kept.leadGone > 0) {
    reasons.push(
      `${formatCount(kept.leadGone)} as its lead was gone before revert came (converted into a deal, which holds the note now, or deleted by hand)`,
    );
  }
  if (kept.moved > 0) {
    reasons.push(
      `${formatCount(kept.moved)} as it is on something else than its lead now (the deal its lead became, or where someone moved it)`,
    );
  }
  return `Kept ${formatCount(kept.leadGone + kept.moved)} notes it added: ${reasons.join('; ')}.\n`;
}

/** The dry-run text of `revert` without `--yes`. */
export function describePlan(p: RevertPlan, includeContacts: boolean): string {
  const parts = [`${p.leads.length} leads`];
  if (p.notes.length) parts.push(`their ${p.notes.length} notes`);
  if (includeContacts) parts.push(`${p.persons.length} persons`, `${p.organizations.length} organizations`);
  // A note whose lead is found gone is not read, and a contact found in use is neither checked further nor deleted:
  // the reads and checks make the cost an upper bound.
  const upperBound = p.notes.length > 0 || (includeContacts && p.persons.length + p.organizations.length > 0);
  const lines = [
    `Reverting import ${p.importId}${p.connection === DEFAULT_CONNECTION ? '' : ` (connection ${p.connection})`} would delete ${parts.join(', ')} it created.`,
    `Cost: ${upperBound ? 'at most ' : ''}${p.tokens.toLocaleString('en-US')} tokens of the daily budget (${TOKEN_COSTS['users.me']} of them to check the credentials first), at least ${formatDuration(p.estimatedMs)} at the burst limit.`,
  ];
  if (p.notes.length > 0) {
    lines.push(
      'Leads go first; a note goes after its lead, only if revert deleted that lead and the note is still on it (read first, 2 tokens): the note of a lead converted into a deal or deleted by hand since, or of one someone moved, stays.',
    );
  }
  if (includeContacts) {
    lines.push(
      `${p.reusedContactsKept} persons and organizations it only reused stay untouched, and so does each it created that a deal, lead or person made since uses (the cost includes checking that).`,
    );
  } else {
    lines.push(
      'Persons and organizations stay (add --include-contacts to delete the ones this import created).',
    );
  }
  if (p.alreadyDone > 0) lines.push(`${p.alreadyDone} were deleted by an earlier revert run.`);
  const keptEarlier = [
    [p.notesKept.leadGone, 'as its lead was gone before revert came'],
    [p.notesKept.moved, 'as it is on something else than its lead'],
  ] as const;
  if (keptEarlier.some(([n]) => n > 0)) {
    const reasons = keptEarlier.filter(([n]) => n > 0).map(([n, why]) => `${formatCount(n)} ${why}`);
    lines.push(`Notes an earlier revert run kept stay: ${reasons.join('; ')}.`);
  }
  lines.push('Nothing was deleted. Run again with --yes to delete.');
  return `${lines.join('\n')}\n`;
}
