/**
 * A deal as the deprecated v1 endpoints answer it (SPEC-v1 `Deal`, `POST /v1/deals` and `GET /v1/deals/{id}`):
 * the owner, creator, person and organization as objects whose `value` is the id, v1 times
 * (`YYYY-MM-DD HH:MM:SS`), `visible_to` as a string, `active`/`deleted` flags, custom fields at the root (a
 * monetary one with `<key>_currency`), and `related_objects` beside `data`. v2 answers the stored {@link Deal}
 * as it is.
 */
import type { Deal, User } from '../pipedrive/types.js';
import { COMPANY, PIPELINES } from './seed.js';
import type { SandboxStore } from './store.js';
import { v1DateTime } from './time.js';

const v1Time = (rfc: string | null) => (rfc === null ? null : v1DateTime(Date.parse(rfc)));

function userObject(user: User | undefined, id: number) {
  return {
    id,
    name: user?.name ?? '',
    email: user?.email ?? '',
    has_pic: false,
    pic_hash: null,
    active_flag: user?.active_flag ?? false,
    value: id,
  };
}

/** `{ success, data, related_objects }` of the v1 deal endpoints. */
export function dealV1Body(store: SandboxStore, deal: Deal): Record<string, unknown> {
  const owner = store.users.get(deal.owner_id);
  const creator = store.users.get(deal.creator_user_id);
  const person = deal.person_id === null ? undefined : store.persons.get(deal.person_id)?.data;
  const org = deal.org_id === null ? undefined : store.organizations.get(deal.org_id)?.data;
  const symbol = store.currencies.find((c) => c.code === deal.currency)?.symbol ?? `${deal.currency} `;
  const formatted = (n: number) => `${symbol}${n.toLocaleString('en-US')}`;
  const weighted = (deal.value * (deal.probability ?? 100)) / 100;
  const stageOrder =
    PIPELINES.find((p) => p.id === deal.pipeline_id)?.stages.findIndex((s) => s.id === deal.stage_id) ?? 0;
  const personObject = person
    ? {
        active_flag: !person.is_deleted,
        name: person.name,
        email: person.emails,
        phone: person.phones,
        owner_id: person.owner_id,
        value: person.id,
      }
    : null;
  const orgObject = org
    ? {
        name: org.name,
        people_count: [...store.persons.values()].filter(
          (p) => p.data.org_id === org.id && !p.data.is_deleted,
        ).length,
        owner_id: org.owner_id,
        address: org.address?.value ?? null,
        active_flag: !org.is_deleted,
        cc_email: `${COMPANY.domain}+org${org.id}@sandbox.pipedrivemail.com`,
        value: org.id,
      }
    : null;
  const custom: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(deal.custom_fields)) {
    const money = value as { value?: unknown; currency?: unknown } | null;
    if (
      store.dealFieldsByKey.get(key)?.field_type === 'monetary' &&
      money !== null &&
      typeof money === 'object'
    ) {
      custom[key] = money.value;
      custom[`${key}_currency`] = money.currency;
    } else {
      custom[key] = value;
    }
  }
  const notes = store.notesByDeal.get(deal.id)?.size ?? 0;
  const data = {
    id: deal.id,
    creator_user_id: userObject(creator, deal.creator_user_id),
    user_id: userObject(owner, deal.owner_id),
    person_id: personObject,
    org_id: orgObject,
    stage_id: deal.stage_id,
    title: deal.title,
    value: deal.value,
    currency: deal.currency,
    add_time: v1Time(deal.add_time),
    update_time: v1Time(deal.update_time),
    stage_change_time: v1Time(deal.stage_change_time),
    active: deal.status === 'open',
    deleted: deal.is_deleted,
    is_archived: deal.is_archived,
    archive_time: v1Time(deal.archive_time),
    status: deal.status,
    probability: deal.probability,
    next_activity_date: null,
    next_activity_time: null,
    next_activity_id: null,
    last_activity_id: null,
    last_activity_date: null,
    lost_reason: deal.lost_reason,
    visible_to: String(deal.visible_to),
    close_time: v1Time(deal.close_time),
    pipeline_id: deal.pipeline_id,
    won_time: v1Time(deal.won_time),
    first_won_time: v1Time(deal.won_time),
    lost_time: v1Time(deal.lost_time),
    products_count: 0,
    files_count: 0,
    notes_count: notes,
    followers_count: 0,
    email_messages_count: 0,
    activities_count: 0,
    done_activities_count: 0,
    undone_activities_count: 0,
    participants_count: 0,
    expected_close_date: deal.expected_close_date,
    last_incoming_mail_time: null,
    last_outgoing_mail_time: null,
    label: deal.label_ids.length > 0 ? deal.label_ids.join(',') : null,
    stage_order_nr: stageOrder + 1,
    person_name: person?.name ?? null,
    org_name: org?.name ?? null,
    next_activity_subject: null,
    next_activity_type: null,
    next_activity_duration: null,
    next_activity_note: null,
    formatted_value: formatted(deal.value),
    weighted_value: weighted,
    formatted_weighted_value: formatted(weighted),
    weighted_value_currency: deal.currency,
    rotten_time: null,
    owner_name: owner?.name ?? '',
    cc_email: `${COMPANY.domain}+deal${deal.id}@sandbox.pipedrivemail.com`,
    org_hidden: false,
    person_hidden: false,
    origin: deal.origin,
    origin_id: deal.origin_id,
    channel: deal.channel,
    channel_id: deal.channel_id,
    arr: null,
    mrr: null,
    acv: null,
    arr_currency: null,
    mrr_currency: null,
    acv_currency: null,
    ...custom,
  };
  const related: Record<string, unknown> = {
    user: Object.fromEntries(
      [...new Set([deal.owner_id, deal.creator_user_id])].map((id) => {
        // `related_objects` users say `has_pic` as 0 or 1 (SPEC-v1 `userDataWithId`).
        const { value: _value, has_pic: _hasPic, ...user } = userObject(store.users.get(id), id);
        return [String(id), { ...user, has_pic: 0 }];
      }),
    ),
  };
  if (personObject) {
    related.person = {
      [String(person!.id)]: {
        active_flag: personObject.active_flag,
        id: person!.id,
        name: person!.name,
        email: person!.emails,
        phone: person!.phones,
        owner_id: person!.owner_id,
      },
    };
  }
  if (orgObject) {
    const { value: _value, ...rest } = orgObject;
    related.organization = { [String(org!.id)]: { id: org!.id, ...rest } };
  }
  return { success: true, data, related_objects: related };
}
