/**
 * Search like Pipedrive's (pipedrive-api.md §5.5, §4.2): `exact_match` is a case-insensitive
 * full-value match, otherwise a case-insensitive substring match; `fields` restricts where to look;
 * deleted objects and objects not yet indexed (`searchLagMs`) are not found. Exact searches on
 * email, phone and name use the store's indexes, so they cost O(1).
 */
import type {
  Lead,
  LeadSearchItem,
  Organization,
  OrganizationSearchItem,
  Person,
  PersonSearchItem,
  SearchResult,
} from '../pipedrive/types.js';
import { fold, type SandboxStore, type Stored } from './store.js';

export const PERSON_SEARCH_FIELDS = ['custom_fields', 'email', 'notes', 'phone', 'name'] as const;
export const ORGANIZATION_SEARCH_FIELDS = ['address', 'custom_fields', 'notes', 'name'] as const;
export const LEAD_SEARCH_FIELDS = ['custom_fields', 'notes', 'title'] as const;

export interface SearchParams {
  /** Folded search term. */
  term: string;
  fields: ReadonlySet<string>;
  exactMatch: boolean;
  now: number;
  organizationId?: number | undefined;
  personId?: number | undefined;
}

/** Score of one value against the term; 0 = no match. Exact full match 1, prefix 0.8, substring ≤ 0.7. */
function score(value: unknown, p: SearchParams): number {
  if (value === null || value === undefined || typeof value === 'object') return 0;
  const v = fold(String(value));
  if (v === p.term) return 1;
  if (p.exactMatch) return 0;
  if (v.startsWith(p.term)) return 0.8;
  if (v.includes(p.term)) return 0.3 + 0.4 * (p.term.length / v.length);
  return 0;
}

function best(values: Iterable<unknown>, p: SearchParams, matched?: string[]): number {
  let top = 0;
  for (const value of values) {
    const s = score(value, p);
    if (s > 0) matched?.push(String(value));
    if (s > top) top = s;
  }
  return top;
}

function customValues(record: Record<string, unknown>): unknown[] {
  return Object.values(record).filter((v) => typeof v === 'string' || typeof v === 'number');
}

function visible<T>(stored: Stored<T> | undefined, p: SearchParams): stored is Stored<T> {
  return stored !== undefined && stored.searchableAt <= p.now;
}

function byScore<T extends { id: number | string }>(
  a: SearchResult<T>,
  b: SearchResult<T>,
  seqOf: (id: T['id']) => number,
) {
  return b.result_score - a.result_score || seqOf(a.item.id) - seqOf(b.item.id);
}

function round(s: number): number {
  return Math.round(s * 10_000) / 10_000;
}

function personCandidates(store: SandboxStore, p: SearchParams): Iterable<Stored<Person>> {
  const onlyIndexed = p.exactMatch && !p.fields.has('notes') && !p.fields.has('custom_fields');
  if (!onlyIndexed) return store.persons.values();
  const ids = new Set<number>();
  if (p.fields.has('email')) for (const id of store.personsByEmail.get(p.term) ?? []) ids.add(id);
  if (p.fields.has('phone')) for (const id of store.personsByPhone.get(p.term) ?? []) ids.add(id);
  if (p.fields.has('name')) for (const id of store.personsByName.get(p.term) ?? []) ids.add(id);
  return [...ids].map((id) => store.persons.get(id)!);
}

export function searchPersons(store: SandboxStore, p: SearchParams): SearchResult<PersonSearchItem>[] {
  const results: SearchResult<PersonSearchItem>[] = [];
  for (const stored of personCandidates(store, p)) {
    if (!visible(stored, p) || stored.data.is_deleted) continue;
    const person = stored.data;
    if (p.organizationId !== undefined && person.org_id !== p.organizationId) continue;
    const notes: string[] = [];
    const custom: string[] = [];
    let s = 0;
    if (p.fields.has('name')) s = Math.max(s, best([person.name], p));
    if (p.fields.has('email'))
      s = Math.max(
        s,
        best(
          person.emails.map((e) => e.value),
          p,
        ),
      );
    if (p.fields.has('phone'))
      s = Math.max(
        s,
        best(
          person.phones.map((e) => e.value),
          p,
        ),
      );
    if (p.fields.has('notes') && typeof person.notes === 'string')
      s = Math.max(s, best([person.notes], p, notes));
    if (p.fields.has('custom_fields')) s = Math.max(s, best(customValues(person.custom_fields), p, custom));
    if (s === 0) continue;
    const org = person.org_id !== null ? store.organizations.get(person.org_id)?.data : undefined;
    results.push({
      result_score: round(s),
      item: {
        id: person.id,
        type: 'person',
        name: person.name,
        phones: person.phones.map((ph) => ph.value),
        emails: person.emails.map((e) => e.value),
        visible_to: person.visible_to,
        owner: { id: person.owner_id },
        organization: org ? { id: org.id, name: org.name, address: org.address?.value ?? null } : null,
        custom_fields: custom,
        notes,
      },
    });
  }
  return results.sort((a, b) => byScore(a, b, (id) => store.persons.get(id)?.seq ?? 0));
}

export function searchOrganizations(
  store: SandboxStore,
  p: SearchParams,
): SearchResult<OrganizationSearchItem>[] {
  const onlyName = p.exactMatch && p.fields.size === 1 && p.fields.has('name');
  const candidates: Iterable<Stored<Organization>> = onlyName
    ? [...(store.organizationsByName.get(p.term) ?? [])].map((id) => store.organizations.get(id)!)
    : store.organizations.values();
  const results: SearchResult<OrganizationSearchItem>[] = [];
  for (const stored of candidates) {
    if (!visible(stored, p) || stored.data.is_deleted) continue;
    const org = stored.data;
    const notes: string[] = [];
    const custom: string[] = [];
    let s = 0;
    if (p.fields.has('name')) s = Math.max(s, best([org.name], p));
    if (p.fields.has('address') && org.address) s = Math.max(s, best([org.address.value], p));
    if (p.fields.has('notes') && typeof org.notes === 'string') s = Math.max(s, best([org.notes], p, notes));
    if (p.fields.has('custom_fields')) s = Math.max(s, best(customValues(org.custom_fields), p, custom));
    if (s === 0) continue;
    results.push({
      result_score: round(s),
      item: {
        id: org.id,
        type: 'organization',
        name: org.name,
        address: org.address?.value ?? null,
        visible_to: org.visible_to,
        owner: { id: org.owner_id },
        custom_fields: custom,
        notes,
      },
    });
  }
  return results.sort((a, b) => byScore(a, b, (id) => store.organizations.get(id)?.seq ?? 0));
}

const CUSTOM_KEY_RE = /^[0-9a-f]{40}$/;

export function searchLeads(store: SandboxStore, p: SearchParams): SearchResult<LeadSearchItem>[] {
  let candidates: Iterable<Stored<Lead>> = store.leads.values();
  if (p.personId !== undefined) {
    candidates = [...(store.leadsByPerson.get(p.personId) ?? [])].map((id) => store.leads.get(id)!);
  } else if (p.organizationId !== undefined) {
    candidates = [...(store.leadsByOrganization.get(p.organizationId) ?? [])].map(
      (id) => store.leads.get(id)!,
    );
  }
  const results: SearchResult<LeadSearchItem>[] = [];
  for (const stored of candidates) {
    if (!visible(stored, p)) continue;
    const lead = stored.data;
    if (p.organizationId !== undefined && lead.organization_id !== p.organizationId) continue;
    const custom: string[] = [];
    let s = 0;
    if (p.fields.has('title')) s = Math.max(s, best([lead.title], p));
    if (p.fields.has('custom_fields')) {
      const values = Object.entries(lead)
        .filter(([k]) => CUSTOM_KEY_RE.test(k))
        .map(([, v]) => v);
      s = Math.max(s, best(values, p, custom));
    }
    if (s === 0) continue;
    const person = lead.person_id !== null ? store.persons.get(lead.person_id)?.data : undefined;
    const org =
      lead.organization_id !== null ? store.organizations.get(lead.organization_id)?.data : undefined;
    results.push({
      result_score: round(s),
      item: {
        id: lead.id,
        type: 'lead',
        title: lead.title,
        owner: { id: lead.owner_id },
        person: person ? { id: person.id, name: person.name } : null,
        organization: org ? { id: org.id, name: org.name } : null,
        phones: person?.phones.map((ph) => ph.value) ?? [],
        emails: person?.emails.map((e) => e.value) ?? [],
        custom_fields: custom,
        notes: [],
        value: lead.value?.amount ?? null,
        currency: lead.value?.currency ?? null,
        visible_to: Number(lead.visible_to) as LeadSearchItem['visible_to'],
        is_archived: lead.is_archived,
      },
    });
  }
  return results.sort((a, b) => byScore(a, b, (id) => store.leads.get(id)?.seq ?? 0));
}
