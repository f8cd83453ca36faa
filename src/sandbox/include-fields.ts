/**
 * `include_fields` of the v2 person and organization endpoints (SPEC-v2 `GET /persons`, `GET /persons/{id}`,
 * `GET /organizations`, `GET /organizations/{id}`): extra counts and ids added at the root of each item. The
 * names each endpoint takes are the spec's enums; any other name is refused (400).
 *
 * What the sandbox answers (where Pipedrive's meaning is not documented, the choice is said):
 * - `open_deals_count`, `won_deals_count`, `lost_deals_count`: deals naming the contact, by status;
 *   `closed_deals_count` = won + lost. Deleted deals are not counted. Archived deals are (they keep their status).
 * - `related_*_deals_count`: for an organization, deals naming it or one of its persons; for a person, its own
 *   (inferred: the spec does not say what "related" adds for a person).
 * - `participant_*_deals_count`: 0, as the sandbox keeps no deal participants.
 * - `people_count`: persons (not deleted) in the organization; `notes_count`: notes linked to the contact.
 * - Activities, files, e-mails and followers: 0; `next_activity_id`, `last_activity_id` and the mail times: null,
 *   as the sandbox keeps none of them.
 * - `marketing_status` and `doi_status` (persons): only for a company with Campaigns, as the spec says; the first
 *   is already on the person, `doi_status` is null.
 */
import type { Organization, Person } from '../pipedrive/types.js';
import type { SandboxStore } from './store.js';

const COMMON = [
  'next_activity_id',
  'last_activity_id',
  'open_deals_count',
  'related_open_deals_count',
  'closed_deals_count',
  'related_closed_deals_count',
  'email_messages_count',
  'activities_count',
  'done_activities_count',
  'undone_activities_count',
  'files_count',
  'notes_count',
  'followers_count',
  'won_deals_count',
  'related_won_deals_count',
  'lost_deals_count',
  'related_lost_deals_count',
] as const;

/** SPEC-v2 `GET /persons` `include_fields` enum. */
export const PERSON_INCLUDE_FIELDS: readonly string[] = [
  ...COMMON,
  'participant_open_deals_count',
  'participant_closed_deals_count',
  'last_incoming_mail_time',
  'last_outgoing_mail_time',
  'marketing_status',
  'doi_status',
];

/** SPEC-v2 `GET /organizations` `include_fields` enum. */
export const ORGANIZATION_INCLUDE_FIELDS: readonly string[] = [...COMMON, 'people_count'];

/**
 * The names in an `include_fields` value, or the message of the 400 that refuses it: a name the endpoint does not
 * take, or a Campaigns field in a company without Campaigns.
 */
export function parseIncludeFields(
  raw: string | null,
  kind: 'person' | 'organization',
  campaigns: boolean,
): { fields: string[] } | { error: string } {
  if (raw === null || raw.trim() === '') return { fields: [] };
  const allowed = kind === 'person' ? PERSON_INCLUDE_FIELDS : ORGANIZATION_INCLUDE_FIELDS;
  const fields = [...new Set(raw.split(',').map((f) => f.trim()))];
  const unknown = fields.filter((f) => !allowed.includes(f));
  if (unknown.length > 0) {
    return { error: `include_fields: ${unknown.join(', ')} not known; it may contain ${allowed.join(', ')}` };
  }
  if (!campaigns && fields.some((f) => f === 'marketing_status' || f === 'doi_status')) {
    return {
      error:
        'include_fields: marketing_status and doi_status can only be included if the company uses Campaigns',
    };
  }
  return { fields };
}

/** The contact with the requested extra fields added at its root (a copy; the stored one is untouched). */
export function withIncludedFields<T extends Person | Organization>(
  store: SandboxStore,
  kind: 'person' | 'organization',
  item: T,
  fields: readonly string[],
): T {
  if (fields.length === 0) return item;
  const own = store.dealCounts(kind, item.id);
  const related = kind === 'organization' ? relatedDealCounts(store, item.id) : own;
  const notes = (kind === 'person' ? store.notesByPerson : store.notesByOrganization).get(item.id)?.size ?? 0;
  const extra: Record<string, unknown> = {};
  for (const field of fields) {
    switch (field) {
      case 'open_deals_count':
        extra[field] = own.open;
        break;
      case 'won_deals_count':
        extra[field] = own.won;
        break;
      case 'lost_deals_count':
        extra[field] = own.lost;
        break;
      case 'closed_deals_count':
        extra[field] = own.won + own.lost;
        break;
      case 'related_open_deals_count':
        extra[field] = related.open;
        break;
      case 'related_won_deals_count':
        extra[field] = related.won;
        break;
      case 'related_lost_deals_count':
        extra[field] = related.lost;
        break;
      case 'related_closed_deals_count':
        extra[field] = related.won + related.lost;
        break;
      case 'people_count':
        extra[field] = peopleCount(store, item.id);
        break;
      case 'notes_count':
        extra[field] = notes;
        break;
      case 'marketing_status':
        // Already on a person of a company with Campaigns.
        break;
      case 'next_activity_id':
      case 'last_activity_id':
      case 'last_incoming_mail_time':
      case 'last_outgoing_mail_time':
      case 'doi_status':
        extra[field] = null;
        break;
      default:
        // Participants, activities, files, e-mails, followers: the sandbox keeps none.
        extra[field] = 0;
    }
  }
  return { ...item, ...extra };
}

function peopleCount(store: SandboxStore, orgId: number): number {
  let count = 0;
  for (const { data: p } of store.persons.values()) if (p.org_id === orgId && !p.is_deleted) count++;
  return count;
}

/** Deals naming the organization or one of its persons (not deleted), each once, by status. */
function relatedDealCounts(store: SandboxStore, orgId: number) {
  const ids = new Set(store.dealsByOrganization.get(orgId) ?? []);
  for (const { data: p } of store.persons.values()) {
    if (p.org_id !== orgId || p.is_deleted) continue;
    for (const id of store.dealsByPerson.get(p.id) ?? []) ids.add(id);
  }
  const counts = { open: 0, won: 0, lost: 0 };
  for (const id of ids) {
    const status = store.deals.get(id)?.data.status;
    if (status === 'open' || status === 'won' || status === 'lost') counts[status]++;
  }
  return counts;
}
