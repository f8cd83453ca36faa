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
 * - `PUT /v1/notes/{id}` (SPEC-v1 `updateNote`) changes what the body gives. The spec does not say how a
 *   note leaves what it is attached to; the sandbox takes `null` for a link to detach it (as `PATCH
 *   /v1/leads/{id}` unsets with `null`), so a note can be moved from a lead to a deal. The note must stay
 *   attached to something, and a detached link loses its pin.
 */

import type { SandboxStore, StoredNote } from './store.js';
import { isV1DateTime } from './time.js';
import { fail, isInteger, isObject, mustExist, run, UUID_RE, type Validation } from './validation.js';

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

/** The lead `lead_id` names, which must exist; null when not given. */
function leadLink(store: SandboxStore, body: Record<string, unknown>): string | null {
  const v = body.lead_id;
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !UUID_RE.test(v)) fail('lead_id must be a lead UUID');
  if (!store.leads.has(v)) fail(`Lead with id ${v} does not exist`);
  return v;
}

/** The person, organization and deal the body links, each existing and not deleted; null when not given. */
function contactLinks(
  store: SandboxStore,
  body: Record<string, unknown>,
): { personId: number | null; orgId: number | null; dealId: number | null } {
  const personId = link(body, 'person_id');
  if (personId !== null) mustExist(store, 'person', personId);
  const orgId = link(body, 'org_id');
  if (orgId !== null) mustExist(store, 'organization', orgId);
  const dealId = link(body, 'deal_id');
  if (dealId !== null) mustExist(store, 'deal', dealId);
  const projectId = link(body, 'project_id');
  if (projectId !== null) fail(`Project with id ${projectId} does not exist`);
  return { personId, orgId, dealId };
}

function content(body: Record<string, unknown>): string {
  const v = body.content;
  if (v === undefined || v === null) fail('content is required: the text of the note (HTML)');
  if (typeof v !== 'string' || v.trim() === '') fail('content must be a non-empty string');
  return sanitizeNoteContent(v);
}

export function validateNote(store: SandboxStore, body: unknown): Validation<NoteInput> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const text = content(body);
    const leadId = leadLink(store, body);
    const { personId, orgId, dealId } = contactLinks(store, body);
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
      content: text,
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

/** What `PUT /v1/notes/{id}` changes: each field the body gives (a link given as `null` is detached). */
export interface NoteChange {
  content?: string;
  leadId?: string | null;
  personId?: number | null;
  orgId?: number | null;
  dealId?: number | null;
  pinnedToLead?: boolean;
  pinnedToPerson?: boolean;
  pinnedToOrganization?: boolean;
  pinnedToDeal?: boolean;
}

/** `PUT /v1/notes/{id}` of `current`: the links given must exist, and the note must stay attached to something. */
export function validateNoteUpdate(
  store: SandboxStore,
  body: unknown,
  current: Pick<StoredNote, 'lead_id' | 'person_id' | 'org_id' | 'deal_id'>,
): Validation<NoteChange> {
  return run(() => {
    if (!isObject(body)) fail('Request body must be a JSON object');
    const given = (key: string) => body[key] !== undefined;
    const change: NoteChange = {};
    if (given('content')) change.content = content(body);
    if (given('lead_id')) change.leadId = leadLink(store, body);
    const contacts = contactLinks(store, body);
    if (given('person_id')) change.personId = contacts.personId;
    if (given('org_id')) change.orgId = contacts.orgId;
    if (given('deal_id')) change.dealId = contacts.dealId;
    const after = {
      lead_id: change.leadId !== undefined ? change.leadId : current.lead_id,
      person_id: change.personId !== undefined ? change.personId : current.person_id,
      org_id: change.orgId !== undefined ? change.orgId : current.org_id,
      deal_id: change.dealId !== undefined ? change.dealId : current.deal_id,
    };
    if (Object.values(after).every((v) => v === null)) {
      fail('A note must stay attached to something: keep one of lead_id, person_id, org_id or deal_id');
    }
    const pin = (key: string, needs: keyof typeof after) =>
      given(key) ? flag({ ...body, ...after }, key, needs) : undefined;
    const pins = {
      pinnedToLead: pin('pinned_to_lead_flag', 'lead_id'),
      pinnedToPerson: pin('pinned_to_person_flag', 'person_id'),
      pinnedToOrganization: pin('pinned_to_organization_flag', 'org_id'),
      pinnedToDeal: pin('pinned_to_deal_flag', 'deal_id'),
    };
    for (const [key, value] of Object.entries(pins))
      if (value !== undefined) change[key as keyof typeof pins] = value;
    return change;
  });
}
