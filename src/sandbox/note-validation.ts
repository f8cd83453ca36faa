/**
 * Validation of `POST /v1/notes` (SPEC-v1 `addNote`): `content` is required, and so is one of
 * `lead_id`, `person_id`, `org_id`, `deal_id` (or `project_id`). What the spec leaves open and the
 * sandbox chooses:
 * - A linked lead must exist, and a linked person, organization or deal must exist and not be deleted
 *   (400 otherwise, like a lead's links). The sandbox has no projects, so `project_id` always names
 *   something that does not exist.
 * - Content is HTML that Pipedrive "sanitises on the back-end", by rules it does not publish. The
 *   sandbox removes `<script>` elements and keeps everything else as sent, so a client cannot
 *   assume its content comes back byte for byte.
 */

import type { SandboxStore } from './store.js';
import { isV1DateTime } from './time.js';
import { fail, isInteger, isObject, run, UUID_RE, type Validation } from './validation.js';

export interface NoteInput {
  content: string;
  leadId: string | null;
  personId: number | null;
  orgId: number | null;
  dealId: number | null;
  userId: number | undefined;
  /** `YYYY-MM-DD HH:MM:SS` (UTC), when given. */
  addTime: string | undefined;
  pinnedToLead: boolean;
  pinnedToPerson: boolean;
  pinnedToOrganization: boolean;
  pinnedToDeal: boolean;
}

const SCRIPT_ELEMENT = /<script\b[^>]*>[\s\S]*?<\/script\s*>/gi;
const SCRIPT_TAG = /<\/?script\b[^>]*>/gi;

/** Drops `<script>` elements (and stray script tags); the rest of the HTML is kept as sent. */
export function sanitizeNoteContent(content: string): string {
  return content.replace(SCRIPT_ELEMENT, '').replace(SCRIPT_TAG, '');
}

/** v1 takes 0/1 for these flags and, like other v1 booleans, true/false (pipedrive-api.md §9.7). */
function flag(body: Record<string, unknown>, key: string, needs: string): boolean {
  const v = body[key];
  if (v === undefined || v === null || v === 0 || v === false) return false;
  if (v !== 1 && v !== true) fail(`${key} must be 0 or 1`);
  if (body[needs] === undefined || body[needs] === null)
    fail(`${key} needs ${needs}: pin a note to what it is attached to`);
  return true;
}

function link(body: Record<string, unknown>, key: string): number | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (!isInteger(v)) fail(`${key} must be an integer`);
  return v;
}

export function validateNote(store: SandboxStore, body: unknown): Validation<NoteInput> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const content = body.content;
    if (content === undefined || content === null) fail('content is required: the text of the note (HTML)');
    if (typeof content !== 'string' || content.trim() === '') fail('content must be a non-empty string');

    let leadId: string | null = null;
    if (body.lead_id !== undefined && body.lead_id !== null) {
      if (typeof body.lead_id !== 'string' || !UUID_RE.test(body.lead_id))
        fail('lead_id must be a lead UUID');
      if (!store.leads.has(body.lead_id)) fail(`Lead with id ${body.lead_id} does not exist`);
      leadId = body.lead_id;
    }
    const personId = link(body, 'person_id');
    if (personId !== null) {
      const p = store.persons.get(personId);
      if (!p || p.data.is_deleted) fail(`Person with id ${personId} does not exist`);
    }
    const orgId = link(body, 'org_id');
    if (orgId !== null) {
      const o = store.organizations.get(orgId);
      if (!o || o.data.is_deleted) fail(`Organization with id ${orgId} does not exist`);
    }
    const dealId = link(body, 'deal_id');
    if (dealId !== null) {
      const d = store.deals.get(dealId);
      if (!d || d.data.is_deleted) fail(`Deal with id ${dealId} does not exist`);
    }
    const projectId = link(body, 'project_id');
    if (projectId !== null) fail(`Project with id ${projectId} does not exist`);
    if (leadId === null && personId === null && orgId === null && dealId === null) {
      fail('A note must be attached to something: give lead_id, person_id, org_id or deal_id');
    }

    let userId: number | undefined;
    if (body.user_id !== undefined && body.user_id !== null) {
      if (!isInteger(body.user_id)) fail('user_id must be an integer (a user id)');
      const user = store.users.get(body.user_id);
      if (!user) fail(`user_id ${body.user_id} is not a user of this company`);
      if (!user.active_flag) fail(`user_id ${body.user_id} is a deactivated user`);
      userId = body.user_id;
    }
    let addTime: string | undefined;
    if (body.add_time !== undefined && body.add_time !== null) {
      if (!isV1DateTime(body.add_time))
        fail('add_time must be a UTC date-time in YYYY-MM-DD HH:MM:SS format');
      addTime = body.add_time;
    }

    return {
      content: sanitizeNoteContent(content),
      leadId,
      personId,
      orgId,
      dealId,
      userId,
      addTime,
      pinnedToLead: flag(body, 'pinned_to_lead_flag', 'lead_id'),
      pinnedToPerson: flag(body, 'pinned_to_person_flag', 'person_id'),
      pinnedToOrganization: flag(body, 'pinned_to_organization_flag', 'org_id'),
      pinnedToDeal: flag(body, 'pinned_to_deal_flag', 'deal_id'),
    };
  });
}
