/**
 * The sandbox company's data, in memory, with the indexes that keep every lookup O(1): email →
 * persons, lower-cased name → persons and organizations, person/organization → leads and deals, a
 * title+person+organization key → leads (for duplicate counts), and lead/person/organization/deal → notes.
 */
import { randomUUID } from 'node:crypto';
import type {
  ContactDetail,
  Currency,
  Deal,
  DealField,
  Lead,
  LeadLabel,
  LeadSource,
  Note,
  Organization,
  Person,
  PipedriveField,
  User,
  VisibleToV2,
} from '../pipedrive/types.js';
import type { OrganizationWrite, PersonWrite } from './contact-validation.js';
import { type DealInput, v2FromV1CustomFields } from './deal-validation.js';
import type { NoteChange, NoteInput } from './note-validation.js';
import type { SandboxPlan } from './options.js';
import {
  COMPANY,
  ME_USER_ID,
  seedCurrencies,
  seedDealFields,
  seedLeadLabels,
  seedLeadSources,
  seedOrganizationFields,
  seedPersonFields,
  seedUsers,
} from './seed.js';
import { isoWithMs, rfc3339, v1DateTime } from './time.js';
import type { LeadInput } from './validation.js';

export interface Stored<T> {
  data: T;
  /** Epoch ms from which search finds the object (search indexing lags behind creates). */
  searchableAt: number;
  /** Epoch ms of the last change, for `updated_since` filters. */
  updatedAt: number;
  /** Creation order, stable across equal timestamps. */
  seq: number;
}

function addToIndex<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(value);
}

function removeFromIndex<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

/** Normalises names and emails for case-insensitive matching. */
export function fold(value: string): string {
  return value.trim().toLowerCase();
}

function noteKey(leadId: string, content: string): string {
  return `${leadId}\u0000${content}`;
}

/** The survivor's contact details, then the other's it lacks (folded), none of those primary. */
function unionDetails(kept: ContactDetail[], other: ContactDetail[]): ContactDetail[] {
  const seen = new Set(kept.map((d) => fold(d.value)));
  const added = other.filter((d) => !seen.has(fold(d.value))).map((d) => ({ ...d, primary: false }));
  return [...kept, ...added];
}

function leadKey(lead: Lead): string {
  return `${fold(lead.title)}\u0000${lead.person_id ?? ''}\u0000${lead.organization_id ?? ''}`;
}

/** Custom-field values of a write applied to stored ones: a `null` value clears that field. */
function mergeCustomFields(
  current: Record<string, unknown>,
  written: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...current };
  for (const [key, value] of Object.entries(written)) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

export interface SandboxExport {
  persons: Person[];
  organizations: Organization[];
  leads: Lead[];
  /** Every deal (deleted ones included, marked), as `GET /api/v2/deals/{id}` shows it. */
  deals: Deal[];
  /** Every stored note (deleted ones are gone), as `GET /v1/notes/{id}` shows it. */
  notes: Note[];
}

/** A note as stored; `GET /v1/notes` adds the related `person`, `organization` and `user` on the way out. */
export type StoredNote = Omit<Note, 'person' | 'organization' | 'user' | 'deal' | 'project'>;

/** A lead's conversion into a deal (`POST /api/v2/leads/{id}/convert/deal`), kept for its status endpoint. */
export interface LeadConversion {
  conversion_id: string;
  lead_id: string;
  status: 'completed' | 'failed';
  /** Set when completed. */
  deal_id?: number;
}

/** A contact's deals by status: deleted deals are not counted. */
export interface DealCounts {
  open: number;
  won: number;
  lost: number;
}

export class SandboxStore {
  readonly users = new Map<number, User>();
  readonly leadLabels = new Map<string, LeadLabel>();
  readonly leadSources: LeadSource[] = seedLeadSources();
  readonly currencies: Currency[] = seedCurrencies();
  readonly currencyCodes = new Set(this.currencies.map((c) => c.code));
  readonly dealFields: DealField[] = seedDealFields();
  readonly dealFieldsByKey = new Map(this.dealFields.map((f) => [f.key, f]));
  /** Every person field, `marketing_status` included (the route hides it when Campaigns is off). */
  readonly personFields: PipedriveField[] = seedPersonFields();
  readonly personFieldsByKey = new Map(this.personFields.map((f) => [f.key, f]));
  readonly organizationFields: PipedriveField[] = seedOrganizationFields();
  readonly organizationFieldsByKey = new Map(this.organizationFields.map((f) => [f.key, f]));

  readonly persons = new Map<number, Stored<Person>>();
  readonly organizations = new Map<number, Stored<Organization>>();
  readonly leads = new Map<string, Stored<Lead>>();
  /** By id, in id order (the default order of `GET /v1/notes`). */
  readonly notes = new Map<number, StoredNote>();
  /** By id; a deleted deal stays, marked (soft delete, SPEC-v2 `DELETE /deals/{id}`). */
  readonly deals = new Map<number, Stored<Deal>>();
  /** Lead conversions by conversion id. */
  readonly conversions = new Map<string, LeadConversion>();

  /** Non-deleted persons by folded email. */
  readonly personsByEmail = new Map<string, Set<number>>();
  /** Non-deleted persons by folded phone. */
  readonly personsByPhone = new Map<string, Set<number>>();
  /** Non-deleted persons by folded name. */
  readonly personsByName = new Map<string, Set<number>>();
  /** Non-deleted organizations by folded name. */
  readonly organizationsByName = new Map<string, Set<number>>();
  readonly leadsByPerson = new Map<number, Set<string>>();
  readonly leadsByOrganization = new Map<number, Set<string>>();
  private readonly leadsByKey = new Map<string, Set<string>>();
  readonly notesByLead = new Map<string, Set<number>>();
  readonly notesByPerson = new Map<number, Set<number>>();
  readonly notesByOrganization = new Map<number, Set<number>>();
  readonly notesByDeal = new Map<number, Set<number>>();
  /** Deals (deleted ones too) by the person and by the organization they name. */
  readonly dealsByPerson = new Map<number, Set<number>>();
  readonly dealsByOrganization = new Map<number, Set<number>>();
  /** lead id + content → note ids, for duplicate counts. */
  private readonly notesByLeadContent = new Map<string, Set<number>>();
  private notesOnLeads = 0;

  private nextPersonId = 1;
  private nextOrganizationId = 1;
  private nextNoteId = 1;
  private nextDealId = 1;
  private seq = 0;
  private deletedPersons = 0;
  private deletedOrganizations = 0;

  constructor(
    private readonly now: () => number,
    private readonly plan: () => SandboxPlan,
    private readonly searchLagMs: () => number,
    private readonly companyId: number = COMPANY.id,
  ) {
    for (const u of seedUsers(companyId)) this.users.set(u.id, u);
    for (const l of seedLeadLabels()) this.leadLabels.set(l.id, l);
  }

  /** A lead label an admin adds (`POST /v1/leadLabels`). */
  addLeadLabel(name: string, color: string): LeadLabel {
    const time = isoWithMs(this.now());
    const label: LeadLabel = { id: randomUUID(), name, color, add_time: time, update_time: time };
    this.leadLabels.set(label.id, label);
    return label;
  }

  get me(): User {
    return this.users.get(ME_USER_ID)!;
  }

  /** Drops every person, organization, lead, deal and note; seed data stays. Ids restart at 1. */
  clear(): void {
    // Labels an admin added go; the seeded ones come back.
    this.leadLabels.clear();
    for (const l of seedLeadLabels()) this.leadLabels.set(l.id, l);
    for (const m of [
      this.persons,
      this.organizations,
      this.leads,
      this.notes,
      this.notesByLead,
      this.notesByPerson,
      this.notesByOrganization,
      this.notesByDeal,
      this.notesByLeadContent,
      this.deals,
      this.conversions,
      this.dealsByPerson,
      this.dealsByOrganization,
      this.personsByEmail,
      this.personsByPhone,
      this.personsByName,
      this.organizationsByName,
      this.leadsByPerson,
      this.leadsByOrganization,
      this.leadsByKey,
    ]) {
      m.clear();
    }
    this.nextPersonId = 1;
    this.nextOrganizationId = 1;
    this.nextNoteId = 1;
    this.nextDealId = 1;
    this.notesOnLeads = 0;
    this.seq = 0;
    this.deletedPersons = 0;
    this.deletedOrganizations = 0;
  }

  private defaultVisibility(): VisibleToV2 {
    // Lite/Growth know "1 owner & followers" and "3 entire company"; Premium/Ultimate use 7 for the company.
    const plan = this.plan();
    return plan === 'premium' || plan === 'ultimate' ? 7 : 3;
  }

  private stamp<T>(data: T, at: number): Stored<T> {
    return { data, searchableAt: at + this.searchLagMs(), updatedAt: at, seq: this.seq++ };
  }

  addPerson(write: PersonWrite & { name: string }): Person {
    const at = this.now();
    const person: Person = {
      id: this.nextPersonId++,
      name: write.name,
      first_name: write.first_name ?? null,
      last_name: write.last_name ?? null,
      owner_id: write.owner_id ?? ME_USER_ID,
      org_id: write.org_id ?? null,
      add_time: write.add_time ? rfc3339(Date.parse(write.add_time)) : rfc3339(at),
      update_time: rfc3339(at),
      emails: write.emails ?? [],
      phones: write.phones ?? [],
      is_deleted: false,
      visible_to: write.visible_to ?? this.defaultVisibility(),
      label_ids: write.label_ids ?? [],
      picture_id: null,
      custom_fields: mergeCustomFields({}, write.custom_fields ?? {}),
      // Contact-sync fields are always present, null when unset, so a reader can tell "empty" at a glance.
      notes: write.notes ?? null,
      job_title: write.job_title ?? null,
      birthday: write.birthday ?? null,
      postal_address: write.postal_address ?? null,
      ...(write.marketing_status ? { marketing_status: write.marketing_status } : {}),
    };
    this.persons.set(person.id, this.stamp(person, at));
    this.indexPerson(person);
    return person;
  }

  /**
   * Applies a PATCH: only the written fields change (a `null` clears one), emails and phones are
   * replaced as a whole, and the search indexes follow. Undefined for an unknown or deleted person.
   */
  updatePerson(id: number, write: PersonWrite): Person | undefined {
    const stored = this.persons.get(id);
    if (!stored || stored.data.is_deleted) return undefined;
    const at = this.now();
    const person = stored.data;
    this.unindexPerson(person);
    const { custom_fields: custom, add_time: addTime, ...fields } = write;
    Object.assign(person, fields);
    if (addTime !== undefined) person.add_time = rfc3339(Date.parse(addTime));
    if (custom !== undefined) person.custom_fields = mergeCustomFields(person.custom_fields, custom);
    person.update_time = rfc3339(at);
    stored.updatedAt = at;
    this.indexPerson(person);
    return person;
  }

  private indexPerson(p: Person): void {
    for (const e of p.emails) addToIndex(this.personsByEmail, fold(e.value), p.id);
    for (const ph of p.phones) addToIndex(this.personsByPhone, fold(ph.value), p.id);
    addToIndex(this.personsByName, fold(p.name), p.id);
  }

  private unindexPerson(p: Person): void {
    for (const e of p.emails) removeFromIndex(this.personsByEmail, fold(e.value), p.id);
    for (const ph of p.phones) removeFromIndex(this.personsByPhone, fold(ph.value), p.id);
    removeFromIndex(this.personsByName, fold(p.name), p.id);
  }

  addOrganization(write: OrganizationWrite & { name: string }): Organization {
    const at = this.now();
    const org: Organization = {
      id: this.nextOrganizationId++,
      name: write.name,
      owner_id: write.owner_id ?? ME_USER_ID,
      add_time: write.add_time ? rfc3339(Date.parse(write.add_time)) : rfc3339(at),
      update_time: rfc3339(at),
      is_deleted: false,
      visible_to: write.visible_to ?? this.defaultVisibility(),
      label_ids: write.label_ids ?? [],
      address: write.address ?? null,
      website: write.website ?? null,
      linkedin: write.linkedin ?? null,
      industry: write.industry ?? null,
      annual_revenue: write.annual_revenue ?? null,
      employee_count: write.employee_count ?? null,
      custom_fields: mergeCustomFields({}, write.custom_fields ?? {}),
      ...(write.notes != null ? { notes: write.notes } : {}),
    };
    this.organizations.set(org.id, this.stamp(org, at));
    addToIndex(this.organizationsByName, fold(org.name), org.id);
    return org;
  }

  /** Applies a PATCH to an organization; undefined for an unknown or deleted one. */
  updateOrganization(id: number, write: OrganizationWrite): Organization | undefined {
    const stored = this.organizations.get(id);
    if (!stored || stored.data.is_deleted) return undefined;
    const at = this.now();
    const org = stored.data;
    removeFromIndex(this.organizationsByName, fold(org.name), id);
    const { custom_fields: custom, add_time: addTime, notes, ...fields } = write;
    Object.assign(org, fields);
    if (addTime !== undefined) org.add_time = rfc3339(Date.parse(addTime));
    if (custom !== undefined) org.custom_fields = mergeCustomFields(org.custom_fields, custom);
    if (notes === null) delete org.notes;
    else if (notes !== undefined) org.notes = notes;
    org.update_time = rfc3339(at);
    stored.updatedAt = at;
    addToIndex(this.organizationsByName, fold(org.name), id);
    return org;
  }

  addLead(input: LeadInput): Lead {
    const at = this.now();
    const time = isoWithMs(at);
    const id = randomUUID();
    const lead: Lead = {
      id,
      title: input.title,
      owner_id: input.ownerId ?? ME_USER_ID,
      creator_id: ME_USER_ID,
      label_ids: input.labelIds,
      person_id: input.personId,
      organization_id: input.organizationId,
      source_name: 'API',
      origin: 'API',
      origin_id: input.originId,
      channel: input.channel,
      channel_id: input.channelId,
      source_deal_id: null,
      is_archived: false,
      was_seen: input.wasSeen,
      value: input.value,
      expected_close_date: input.expectedCloseDate,
      next_activity_id: null,
      archive_time: null,
      add_time: time,
      update_time: time,
      visible_to: input.visibleTo ?? (this.defaultVisibility() === 7 ? '7' : '3'),
      cc_email: `${COMPANY.domain}+${this.companyId}+lead${id.replaceAll('-', '').slice(0, 22)}@sandbox.pipedrivemail.com`,
      ...input.customFields,
    };
    this.leads.set(id, this.stamp(lead, at));
    if (lead.person_id !== null) addToIndex(this.leadsByPerson, lead.person_id, id);
    if (lead.organization_id !== null) addToIndex(this.leadsByOrganization, lead.organization_id, id);
    addToIndex(this.leadsByKey, leadKey(lead), id);
    return lead;
  }

  /** Leads are deleted for good (there is no soft delete for leads). */
  deleteLead(id: string): boolean {
    const stored = this.leads.get(id);
    if (!stored) return false;
    const lead = stored.data;
    this.leads.delete(id);
    if (lead.person_id !== null) removeFromIndex(this.leadsByPerson, lead.person_id, id);
    if (lead.organization_id !== null) removeFromIndex(this.leadsByOrganization, lead.organization_id, id);
    removeFromIndex(this.leadsByKey, leadKey(lead), id);
    return true;
  }

  addNote(input: NoteInput): StoredNote {
    const at = this.now();
    const time = input.addTime ?? v1DateTime(at);
    const userId = input.userId ?? ME_USER_ID;
    const note: StoredNote = {
      id: this.nextNoteId++,
      user_id: userId,
      deal_id: input.dealId,
      person_id: input.personId,
      org_id: input.orgId,
      lead_id: input.leadId,
      project_id: null,
      content: input.content,
      add_time: time,
      update_time: v1DateTime(at),
      active_flag: true,
      pinned_to_lead_flag: input.pinnedToLead,
      pinned_to_deal_flag: input.pinnedToDeal,
      pinned_to_organization_flag: input.pinnedToOrganization,
      pinned_to_person_flag: input.pinnedToPerson,
      pinned_to_project_flag: false,
      last_update_user_id: userId,
    };
    this.notes.set(note.id, note);
    this.indexNote(note);
    return note;
  }

  /**
   * `PUT /v1/notes/{id}`: the content, links and pins the change gives; a link set to null is detached and
   * loses its pin. Undefined for an unknown note.
   */
  updateNote(id: number, change: NoteChange): StoredNote | undefined {
    const note = this.notes.get(id);
    if (!note) return undefined;
    this.unindexNote(note);
    if (change.content !== undefined) note.content = change.content;
    if (change.leadId !== undefined) note.lead_id = change.leadId;
    if (change.personId !== undefined) note.person_id = change.personId;
    if (change.orgId !== undefined) note.org_id = change.orgId;
    if (change.dealId !== undefined) note.deal_id = change.dealId;
    if (change.pinnedToLead !== undefined) note.pinned_to_lead_flag = change.pinnedToLead;
    if (change.pinnedToPerson !== undefined) note.pinned_to_person_flag = change.pinnedToPerson;
    if (change.pinnedToOrganization !== undefined)
      note.pinned_to_organization_flag = change.pinnedToOrganization;
    if (change.pinnedToDeal !== undefined) note.pinned_to_deal_flag = change.pinnedToDeal;
    if (note.lead_id === null) note.pinned_to_lead_flag = false;
    if (note.person_id === null) note.pinned_to_person_flag = false;
    if (note.org_id === null) note.pinned_to_organization_flag = false;
    if (note.deal_id === null) note.pinned_to_deal_flag = false;
    note.update_time = v1DateTime(this.now());
    note.last_update_user_id = ME_USER_ID;
    this.indexNote(note);
    return note;
  }

  /** Notes are deleted for good. A lead's delete leaves its notes: Pipedrive's behaviour is undocumented. */
  deleteNote(id: number): boolean {
    const note = this.notes.get(id);
    if (!note) return false;
    this.notes.delete(id);
    this.unindexNote(note);
    return true;
  }

  private indexNote(note: StoredNote): void {
    if (note.lead_id !== null) {
      addToIndex(this.notesByLead, note.lead_id, note.id);
      addToIndex(this.notesByLeadContent, noteKey(note.lead_id, note.content), note.id);
      this.notesOnLeads++;
    }
    if (note.person_id !== null) addToIndex(this.notesByPerson, note.person_id, note.id);
    if (note.org_id !== null) addToIndex(this.notesByOrganization, note.org_id, note.id);
    if (note.deal_id !== null) addToIndex(this.notesByDeal, note.deal_id, note.id);
  }

  private unindexNote(note: StoredNote): void {
    if (note.lead_id !== null) {
      removeFromIndex(this.notesByLead, note.lead_id, note.id);
      removeFromIndex(this.notesByLeadContent, noteKey(note.lead_id, note.content), note.id);
      this.notesOnLeads--;
    }
    if (note.person_id !== null) removeFromIndex(this.notesByPerson, note.person_id, note.id);
    if (note.org_id !== null) removeFromIndex(this.notesByOrganization, note.org_id, note.id);
    if (note.deal_id !== null) removeFromIndex(this.notesByDeal, note.deal_id, note.id);
  }

  /** A note as v1 answers it: the related person, organization and author by name (null when not linked). */
  noteView(note: StoredNote): Note {
    const person = note.person_id !== null ? this.persons.get(note.person_id)?.data : undefined;
    const org = note.org_id !== null ? this.organizations.get(note.org_id)?.data : undefined;
    const deal = note.deal_id !== null ? this.deals.get(note.deal_id)?.data : undefined;
    const user = this.users.get(note.user_id);
    return {
      ...note,
      deal: deal ? { title: deal.title } : null,
      person: person ? { name: person.name } : null,
      organization: org ? { name: org.name } : null,
      project: null,
      user: user ? { email: user.email, name: user.name, is_you: user.id === ME_USER_ID } : null,
    };
  }

  /** Surplus notes sharing lead and content (the importer's retries must not add a lead's note twice). */
  duplicateNotes(): number {
    return this.notesOnLeads - this.notesByLeadContent.size;
  }

  addDeal(input: DealInput, origin = 'API'): Deal {
    const at = this.now();
    const time = rfc3339(at);
    const closed = input.status === 'won' || input.status === 'lost';
    const deleted = input.status === 'deleted';
    const deal: Deal = {
      id: this.nextDealId++,
      title: input.title,
      creator_user_id: ME_USER_ID,
      owner_id: input.ownerId ?? ME_USER_ID,
      person_id: input.personId,
      org_id: input.orgId,
      pipeline_id: input.pipelineId,
      stage_id: input.stageId,
      value: input.value,
      currency: input.currency ?? this.me.default_currency,
      add_time: time,
      update_time: time,
      stage_change_time: null,
      is_deleted: deleted,
      is_archived: input.isArchived,
      archive_time: input.isArchived ? time : null,
      status: input.status,
      probability: input.probability,
      lost_reason: input.lostReason,
      visible_to: input.visibleTo ?? this.defaultVisibility(),
      close_time: closed ? time : null,
      won_time: input.status === 'won' ? time : null,
      lost_time: input.status === 'lost' ? time : null,
      local_won_date: input.status === 'won' ? time.slice(0, 10) : null,
      local_lost_date: input.status === 'lost' ? time.slice(0, 10) : null,
      local_close_date: closed ? time.slice(0, 10) : null,
      expected_close_date: input.expectedCloseDate,
      label_ids: input.labelIds,
      origin,
      origin_id: input.originId,
      channel: input.channel,
      channel_id: input.channelId,
      arr: null,
      mrr: null,
      acv: null,
      custom_fields: mergeCustomFields({}, input.customFields),
    };
    this.deals.set(deal.id, this.stamp(deal, at));
    if (deal.person_id !== null) addToIndex(this.dealsByPerson, deal.person_id, deal.id);
    if (deal.org_id !== null) addToIndex(this.dealsByOrganization, deal.org_id, deal.id);
    return deal;
  }

  /**
   * Soft delete (SPEC-v2: "Marks a deal as deleted. After 30 days, the deal will be permanently deleted"): the deal
   * stays, with `is_deleted` and status `deleted`, and no longer counts among its contacts' deals. False when
   * unknown or already deleted.
   */
  deleteDeal(id: number): boolean {
    const stored = this.deals.get(id);
    if (!stored || stored.data.is_deleted) return false;
    const at = this.now();
    stored.data.is_deleted = true;
    stored.data.status = 'deleted';
    stored.data.update_time = rfc3339(at);
    stored.updatedAt = at;
    return true;
  }

  /** The deals (not deleted) that name a person or an organization, by status. */
  dealCounts(kind: 'person' | 'organization', id: number): DealCounts {
    const counts: DealCounts = { open: 0, won: 0, lost: 0 };
    for (const dealId of (kind === 'person' ? this.dealsByPerson : this.dealsByOrganization).get(id) ?? []) {
      const status = this.deals.get(dealId)?.data.status;
      if (status === 'open' || status === 'won' || status === 'lost') counts[status]++;
    }
    return counts;
  }

  /**
   * `POST /api/v2/leads/{id}/convert/deal`, done at once (Pipedrive runs it as a job; its status endpoint then
   * answers `completed`): a deal with the lead's title, contacts, owner, value and custom fields, in the given
   * stage or pipeline; the lead's notes move to the deal ("Related entities … are transferred"), and "the lead is
   * marked as deleted" (gone, as a deleted lead is here). A lead whose person or organization was deleted since
   * cannot become a deal: that conversion `failed`, and the lead stays. Undefined for an unknown lead.
   */
  convertLead(leadId: string, place: { pipelineId: number; stageId: number }): LeadConversion | undefined {
    const lead = this.leads.get(leadId)?.data;
    if (!lead) return undefined;
    const conversion: LeadConversion = { conversion_id: randomUUID(), lead_id: leadId, status: 'failed' };
    this.conversions.set(conversion.conversion_id, conversion);
    const gone = (map: Map<number, Stored<{ is_deleted: boolean }>>, id: number | null) =>
      id !== null && map.get(id)?.data.is_deleted !== false;
    if (gone(this.persons, lead.person_id) || gone(this.organizations, lead.organization_id))
      return conversion;
    const custom: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(lead)) if (this.dealFieldsByKey.has(key)) custom[key] = value;
    const deal = this.addDeal(
      {
        title: lead.title,
        ownerId: lead.owner_id,
        personId: lead.person_id,
        orgId: lead.organization_id,
        ...place,
        value: lead.value?.amount ?? 0,
        currency: lead.value?.currency,
        status: 'open',
        probability: null,
        lostReason: null,
        visibleTo: Number(lead.visible_to) as VisibleToV2,
        expectedCloseDate: lead.expected_close_date,
        labelIds: [],
        isArchived: false,
        originId: lead.origin_id,
        channel: lead.channel,
        channelId: lead.channel_id,
        customFields: v2FromV1CustomFields(this, custom),
      },
      lead.origin,
    );
    for (const noteId of [...(this.notesByLead.get(leadId) ?? [])]) {
      const note = this.notes.get(noteId)!;
      removeFromIndex(this.notesByLead, leadId, noteId);
      removeFromIndex(this.notesByLeadContent, noteKey(leadId, note.content), noteId);
      this.notesOnLeads--;
      note.lead_id = null;
      note.pinned_to_deal_flag = note.pinned_to_lead_flag === true;
      note.pinned_to_lead_flag = false;
      note.deal_id = deal.id;
      addToIndex(this.notesByDeal, deal.id, noteId);
    }
    this.deleteLead(leadId);
    conversion.status = 'completed';
    conversion.deal_id = deal.id;
    return conversion;
  }

  /** Soft delete (SPEC-v2: "Marks a person as deleted"). False when unknown or already deleted. */
  deletePerson(id: number): boolean {
    const stored = this.persons.get(id);
    if (!stored || stored.data.is_deleted) return false;
    const at = this.now();
    stored.data.is_deleted = true;
    stored.data.update_time = rfc3339(at);
    stored.updatedAt = at;
    this.unindexPerson(stored.data);
    this.deletedPersons++;
    return true;
  }

  deleteOrganization(id: number): boolean {
    const stored = this.organizations.get(id);
    if (!stored || stored.data.is_deleted) return false;
    const at = this.now();
    stored.data.is_deleted = true;
    stored.data.update_time = rfc3339(at);
    stored.updatedAt = at;
    removeFromIndex(this.organizationsByName, fold(stored.data.name), id);
    this.deletedOrganizations++;
    return true;
  }

  /**
   * `PUT /v1/persons/{id}/merge`: `id` is merged into `withId`, whose data wins a conflict (SPEC-v1 mergePersons:
   * "the person that will not be overwritten"). The survivor gains the other's emails and phones it lacks (as
   * non-primary) and any field it leaves empty; the other's leads, deals and notes move to it; the other is deleted.
   * Undefined when either is unknown or deleted, or both are one.
   */
  mergePersons(id: number, withId: number): Person | undefined {
    const gone = this.persons.get(id)?.data;
    const survivor = this.persons.get(withId)?.data;
    if (!gone || !survivor || gone.is_deleted || survivor.is_deleted || id === withId) return undefined;
    const write: PersonWrite = {
      emails: unionDetails(survivor.emails, gone.emails),
      phones: unionDetails(survivor.phones, gone.phones),
    };
    for (const key of ['first_name', 'last_name', 'org_id', 'notes', 'job_title', 'birthday'] as const) {
      if (survivor[key] == null && gone[key] != null) Object.assign(write, { [key]: gone[key] });
    }
    if (survivor.postal_address == null && gone.postal_address != null)
      write.postal_address = gone.postal_address;
    this.relinkLeads(this.leadsByPerson, id, withId, 'person_id');
    this.relinkDeals(this.dealsByPerson, id, withId, 'person_id');
    this.relinkNotes(this.notesByPerson, id, withId, 'person_id');
    this.deletePerson(id);
    return this.updatePerson(withId, write);
  }

  /**
   * `PUT /v1/organizations/{id}/merge`: `id` is merged into `withId`; the other's persons, leads, deals and notes move to
   * the survivor, and the other is deleted. Undefined when either is unknown or deleted, or both are one.
   */
  mergeOrganizations(id: number, withId: number): Organization | undefined {
    const gone = this.organizations.get(id)?.data;
    const survivor = this.organizations.get(withId)?.data;
    if (!gone || !survivor || gone.is_deleted || survivor.is_deleted || id === withId) return undefined;
    for (const { data: p } of this.persons.values()) {
      if (p.org_id === id && !p.is_deleted) this.updatePerson(p.id, { org_id: withId });
    }
    this.relinkLeads(this.leadsByOrganization, id, withId, 'organization_id');
    this.relinkDeals(this.dealsByOrganization, id, withId, 'org_id');
    this.relinkNotes(this.notesByOrganization, id, withId, 'org_id');
    this.deleteOrganization(id);
    const write: OrganizationWrite = {};
    for (const key of [
      'address',
      'website',
      'linkedin',
      'industry',
      'annual_revenue',
      'employee_count',
    ] as const) {
      if (survivor[key] == null && gone[key] != null) Object.assign(write, { [key]: gone[key] });
    }
    return this.updateOrganization(withId, write);
  }

  /** Points the leads of `from` (by `index`) at `to`, keeping the indexes (duplicate counts) in step. */
  private relinkLeads(
    index: Map<number, Set<string>>,
    from: number,
    to: number,
    field: 'person_id' | 'organization_id',
  ): void {
    for (const leadId of [...(index.get(from) ?? [])]) {
      const stored = this.leads.get(leadId);
      if (!stored) continue;
      removeFromIndex(this.leadsByKey, leadKey(stored.data), leadId);
      removeFromIndex(index, from, leadId);
      stored.data[field] = to;
      addToIndex(index, to, leadId);
      addToIndex(this.leadsByKey, leadKey(stored.data), leadId);
      stored.data.update_time = isoWithMs(this.now());
    }
  }

  /** Points the deals of `from` (by `index`) at `to`. */
  private relinkDeals(
    index: Map<number, Set<number>>,
    from: number,
    to: number,
    field: 'person_id' | 'org_id',
  ): void {
    const at = this.now();
    for (const dealId of [...(index.get(from) ?? [])]) {
      const stored = this.deals.get(dealId);
      if (!stored) continue;
      removeFromIndex(index, from, dealId);
      stored.data[field] = to;
      addToIndex(index, to, dealId);
      stored.data.update_time = rfc3339(at);
      stored.updatedAt = at;
    }
  }

  private relinkNotes(
    index: Map<number, Set<number>>,
    from: number,
    to: number,
    field: 'person_id' | 'org_id',
  ): void {
    for (const noteId of [...(index.get(from) ?? [])]) {
      const note = this.notes.get(noteId);
      if (!note) continue;
      removeFromIndex(index, from, noteId);
      note[field] = to;
      addToIndex(index, to, noteId);
    }
  }

  get activePersonCount(): number {
    return this.persons.size - this.deletedPersons;
  }

  get activeDealCount(): number {
    let count = 0;
    for (const { data } of this.deals.values()) if (!data.is_deleted) count++;
    return count;
  }

  get activeOrganizationCount(): number {
    return this.organizations.size - this.deletedOrganizations;
  }

  /** Surplus persons: a non-deleted person sharing an email with a non-deleted person of lower id. */
  duplicatePersons(): number {
    let count = 0;
    for (const { data: p } of this.persons.values()) {
      if (p.is_deleted) continue;
      const shared = p.emails.some((e) => {
        const ids = this.personsByEmail.get(fold(e.value));
        if (!ids || ids.size < 2) return false;
        for (const other of ids) if (other < p.id) return true;
        return false;
      });
      if (shared) count++;
    }
    return count;
  }

  /** Surplus organizations: non-deleted ones sharing a name case-insensitively. */
  duplicateOrganizations(): number {
    return this.activeOrganizationCount - this.organizationsByName.size;
  }

  /** Surplus leads sharing title (case-insensitive) + person + organization. */
  duplicateLeads(): number {
    return this.leads.size - this.leadsByKey.size;
  }

  export(): SandboxExport {
    return {
      persons: [...this.persons.values()].map((s) => structuredClone(s.data)),
      organizations: [...this.organizations.values()].map((s) => structuredClone(s.data)),
      leads: [...this.leads.values()].map((s) => structuredClone(s.data)),
      deals: [...this.deals.values()].map((s) => structuredClone(s.data)),
      notes: [...this.notes.values()].map((n) => this.noteView(n)),
    };
  }
}
