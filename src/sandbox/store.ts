/**
 * The sandbox company's data, in memory, with the indexes that keep every lookup O(1): email →
 * persons, lower-cased name → persons and organizations, person/organization → leads, and a
 * title+person+organization key → leads (for duplicate counts).
 */
import { randomUUID } from 'node:crypto';
import type {
  Currency,
  DealField,
  Lead,
  LeadLabel,
  LeadSource,
  Organization,
  Person,
  User,
  VisibleToV2,
} from '../pipedrive/types.js';
import type { SandboxPlan } from './options.js';
import {
  COMPANY,
  ME_USER_ID,
  seedCurrencies,
  seedDealFields,
  seedLeadLabels,
  seedLeadSources,
  seedUsers,
} from './seed.js';
import { isoWithMs, rfc3339 } from './time.js';
import type { LeadInput, OrganizationInput, PersonInput } from './validation.js';

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

function leadKey(lead: Lead): string {
  return `${fold(lead.title)}\u0000${lead.person_id ?? ''}\u0000${lead.organization_id ?? ''}`;
}

export interface SandboxExport {
  persons: Person[];
  organizations: Organization[];
  leads: Lead[];
}

export class SandboxStore {
  readonly users = new Map<number, User>();
  readonly leadLabels = new Map<string, LeadLabel>();
  readonly leadSources: LeadSource[] = seedLeadSources();
  readonly currencies: Currency[] = seedCurrencies();
  readonly currencyCodes = new Set(this.currencies.map((c) => c.code));
  readonly dealFields: DealField[] = seedDealFields();
  readonly dealFieldsByKey = new Map(this.dealFields.map((f) => [f.key, f]));

  readonly persons = new Map<number, Stored<Person>>();
  readonly organizations = new Map<number, Stored<Organization>>();
  readonly leads = new Map<string, Stored<Lead>>();

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

  private nextPersonId = 1;
  private nextOrganizationId = 1;
  private seq = 0;
  private deletedPersons = 0;
  private deletedOrganizations = 0;

  constructor(
    private readonly now: () => number,
    private readonly plan: () => SandboxPlan,
    private readonly searchLagMs: () => number,
  ) {
    for (const u of seedUsers()) this.users.set(u.id, u);
    for (const l of seedLeadLabels()) this.leadLabels.set(l.id, l);
  }

  get me(): User {
    return this.users.get(ME_USER_ID)!;
  }

  /** Drops every person, organization and lead; seed data stays. Ids restart at 1. */
  clear(): void {
    for (const m of [
      this.persons,
      this.organizations,
      this.leads,
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

  addPerson(input: PersonInput): Person {
    const at = this.now();
    const time = input.addTime ? rfc3339(Date.parse(input.addTime)) : rfc3339(at);
    const person: Person = {
      id: this.nextPersonId++,
      name: input.name,
      first_name: input.firstName,
      last_name: input.lastName,
      owner_id: input.ownerId ?? ME_USER_ID,
      org_id: input.orgId,
      add_time: time,
      update_time: rfc3339(at),
      emails: input.emails,
      phones: input.phones,
      is_deleted: false,
      visible_to: input.visibleTo ?? this.defaultVisibility(),
      label_ids: input.labelIds,
      picture_id: null,
      custom_fields: input.customFields,
      ...(input.notes !== null ? { notes: input.notes } : {}),
      ...(input.marketingStatus ? { marketing_status: input.marketingStatus } : {}),
    };
    this.persons.set(person.id, this.stamp(person, at));
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

  addOrganization(input: OrganizationInput): Organization {
    const at = this.now();
    const org: Organization = {
      id: this.nextOrganizationId++,
      name: input.name,
      owner_id: input.ownerId ?? ME_USER_ID,
      add_time: input.addTime ? rfc3339(Date.parse(input.addTime)) : rfc3339(at),
      update_time: rfc3339(at),
      is_deleted: false,
      visible_to: input.visibleTo ?? this.defaultVisibility(),
      label_ids: input.labelIds,
      address: input.address as Organization['address'],
      custom_fields: input.customFields,
      ...(input.notes !== null ? { notes: input.notes } : {}),
    };
    this.organizations.set(org.id, this.stamp(org, at));
    addToIndex(this.organizationsByName, fold(org.name), org.id);
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
      cc_email: `${COMPANY.domain}+${COMPANY.id}+lead${id.replaceAll('-', '').slice(0, 22)}@sandbox.pipedrivemail.com`,
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

  get activePersonCount(): number {
    return this.persons.size - this.deletedPersons;
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
    };
  }
}
