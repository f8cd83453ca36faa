import { nonWebScheme, normaliseEmail, parseDate } from '../producer/normalise.js';
import type { DeadLetterJobData } from '../queue/dead-letter.js';
import { jobIdFor } from '../queue/names.js';

/** Pipedrive's limit for text fields (pipedrive-api.md §9.6), as the producer enforces it. */
const MAX_TEXT = 255;

const LEAD_KEYS = new Set([
  'title',
  'value',
  'expected_close_date',
  'owner_id',
  'label_ids',
  'visible_to',
  'was_seen',
  'origin_id',
  'channel',
  'channel_id',
  'custom_fields',
]);
const PERSON_KEYS = new Set([
  'name',
  'first_name',
  'last_name',
  'email',
  'phone',
  'emails',
  'phones',
  'job_title',
  'birthday',
  'postal_address',
  'label_ids',
  'marketing_status',
  'owner_id',
  'visible_to',
  'custom_fields',
]);
const ORGANIZATION_KEYS = new Set([
  'name',
  'address',
  'website',
  'linkedin',
  'industry',
  'employee_count',
  'annual_revenue',
  'label_ids',
  'owner_id',
  'visible_to',
  'custom_fields',
]);
const JOB_KEYS = new Set([
  'v',
  'importId',
  'line',
  'turn',
  'lead',
  'person',
  'organization',
  'cells',
  'note',
  'updateContacts',
  'checkpoint',
  // A row enqueued in a chunk (LEAD_IMPORTER_ROWS_PER_JOB): its checkpoint under its own key, its attempts so far.
  'cpKey',
  'priorAttempts',
]);
const CHECKPOINT_NUMBERS = new Set([
  'organizationId',
  'personId',
  'leadIntentAt',
  'noteIntentAt',
  'noteId',
  'firstAttemptAt',
  'rateLimitRequeues',
  'contactRechecks',
]);
const CHECKPOINT_FLAGS = new Set([
  'organizationCreated',
  'personCreated',
  'organizationFilled',
  'personFilled',
]);
/** A deal (lead) custom field key, and a monetary field's currency companion. */
const CUSTOM_FIELD_KEY = /^[0-9a-f]{40}(?:_currency)?$/;
const CONTACT_LABELS = ['work', 'home', 'mobile', 'other'];
const MARKETING_STATUSES = ['no_consent', 'unsubscribed', 'subscribed', 'archived'];
const ADDRESS_PARTS = [
  'value',
  'route',
  'street_number',
  'locality',
  'admin_area_level_1',
  'postal_code',
  'country',
];
/** A note's HTML: the producer refuses text over 65,535 characters; escaping can grow it a few times. */
const MAX_NOTE_HTML = 6 * 65_535;

type Problems = string[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(where: string, value: Record<string, unknown>, known: Set<string>, out: Problems): void {
  for (const key of Object.keys(value))
    if (!known.has(key)) out.push(`${where}.${key} is not a field the importer writes`);
}

function text(where: string, value: unknown, out: Problems, { required = false } = {}): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string') out.push(`${where} must be text`);
  else if (required && value.trim() === '') out.push(`${where} is empty`);
  else if (value.length > MAX_TEXT)
    out.push(`${where} has ${value.length} characters; Pipedrive takes at most ${MAX_TEXT}`);
}

function id(where: string, value: unknown, out: Problems): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
    out.push(`${where} must be a positive whole number`);
  }
}

function customFields(where: string, value: unknown, out: Problems): void {
  if (value === undefined) return;
  if (!isRecord(value)) return void out.push(`${where} must be an object`);
  for (const [key, v] of Object.entries(value)) {
    if (!CUSTOM_FIELD_KEY.test(key)) out.push(`${where}.${key} is not a custom field key`);
    const scalar = (x: unknown) => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x));
    // v2 person and organization fields: monetary as { value, currency }, an address as { value }.
    const object = (x: unknown) => isRecord(x) && Object.values(x).every(scalar);
    if (!(scalar(v) || object(v) || (Array.isArray(v) && v.every(scalar))))
      out.push(`${where}.${key} must be text, a number, a list or a value object`);
  }
}

function contactList(where: string, value: unknown, email: boolean, out: Problems): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) return void out.push(`${where} must be a list`);
  value.forEach((item, i) => {
    if (!isRecord(item) || typeof item.value !== 'string' || !CONTACT_LABELS.includes(item.label as string)) {
      out.push(`${where}[${i}] must be a value with a label (${CONTACT_LABELS.join(', ')})`);
    } else if (email && normaliseEmail(item.value).value !== item.value) {
      out.push(`${where}[${i}] is not an email address`);
    } else text(`${where}[${i}]`, item.value, out);
  });
}

function address(where: string, value: unknown, out: Problems): void {
  if (value === undefined) return;
  if (!isRecord(value)) return void out.push(`${where} must be an address`);
  unknownKeys(where, value, new Set(ADDRESS_PARTS), out);
  for (const part of ADDRESS_PARTS)
    text(`${where}.${part}`, value[part], out, { required: part === 'value' });
}

function ids(where: string, value: unknown, out: Problems): void {
  if (
    value !== undefined &&
    !(Array.isArray(value) && value.every((v) => Number.isSafeInteger(v) && v > 0))
  ) {
    out.push(`${where} must be a list of ids`);
  }
}

function visibility(where: string, value: unknown, allowed: readonly unknown[], out: Problems): void {
  if (value !== undefined && !allowed.includes(value))
    out.push(`${where} must be one of ${allowed.join(', ')}`);
}

/**
 * Why a dead-lettered row must not be replayed as it is, or undefined when it may be.
 *
 * `dlq retry` puts the entry's job data back on the lead queue, and a worker sends it to Pipedrive as it
 * stands. The producer built that data from a validated row, but the entry has sat in Redis since: it may
 * have been edited (bull-board allowed it before it became read-only), written by an older version, or
 * claim another row than its id says. The mapping's reference data (users, labels, options) is not kept, so
 * the producer's validator cannot simply run again; instead the data must be the shape the producer writes,
 * with each field passing the producer's own rules (emails, dates, lengths, codes, ids), and name the row
 * the entry is filed under. Anything else is refused; the fix is `dlq export`, correct the row, import again.
 */
export function replayProblem(jobId: string, entry: DeadLetterJobData): string | undefined {
  const out: Problems = [];
  const job = entry.job as unknown;
  if (!Number.isSafeInteger(entry.line) || entry.line < 2 || jobId !== jobIdFor(entry.importId, entry.line)) {
    return `the entry ${JSON.stringify(jobId)} does not belong to import ${JSON.stringify(entry.importId)} line ${JSON.stringify(entry.line)}`;
  }
  if (!isRecord(job)) return 'it holds no job data';
  unknownKeys('job', job, JOB_KEYS, out);
  if (job.v !== 1) out.push(`job data version ${JSON.stringify(job.v)} is not one this version reads (1)`);
  if (job.importId !== entry.importId || job.line !== entry.line) {
    out.push(`its job data names import ${JSON.stringify(job.importId)} line ${JSON.stringify(job.line)}`);
  }
  if (job.turn !== undefined && (!Number.isSafeInteger(job.turn) || (job.turn as number) < 1)) {
    out.push('turn must be a whole number from 1');
  }
  if (!Array.isArray(job.cells) || !job.cells.every((c) => typeof c === 'string')) {
    out.push('cells must be a list of text');
  }
  if (
    job.note !== undefined &&
    (typeof job.note !== 'string' || job.note === '' || job.note.length > MAX_NOTE_HTML)
  ) {
    out.push('note must be the text of a note');
  }
  if (job.updateContacts !== undefined && job.updateContacts !== 'fill-empty') {
    out.push('updateContacts must be fill-empty');
  }

  const lead = job.lead;
  if (!isRecord(lead)) out.push('lead is missing');
  else {
    unknownKeys('lead', lead, LEAD_KEYS, out);
    text('lead.title', lead.title, out, { required: true });
    if (lead.value !== undefined) {
      const value = lead.value;
      if (
        !isRecord(value) ||
        typeof value.amount !== 'number' ||
        !Number.isFinite(value.amount) ||
        typeof value.currency !== 'string' ||
        !/^[A-Z]{3}$/.test(value.currency) ||
        Object.keys(value).length !== 2
      ) {
        out.push('lead.value must be an amount and a three-letter currency code');
      }
    }
    if (lead.expected_close_date !== undefined) {
      const date = lead.expected_close_date;
      if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date) || parseDate(date).value !== date) {
        out.push('lead.expected_close_date must be a date as YYYY-MM-DD');
      }
    }
    id('lead.owner_id', lead.owner_id, out);
    id('lead.channel', lead.channel, out);
    if (
      lead.label_ids !== undefined &&
      !(
        Array.isArray(lead.label_ids) &&
        lead.label_ids.every((l) => typeof l === 'string' && /^[\w-]{1,64}$/.test(l))
      )
    ) {
      out.push('lead.label_ids must be a list of label ids');
    }
    visibility('lead.visible_to', lead.visible_to, ['1', '3', '5', '7'], out);
    if (lead.was_seen !== undefined && typeof lead.was_seen !== 'boolean')
      out.push('lead.was_seen must be true or false');
    text('lead.origin_id', lead.origin_id, out);
    text('lead.channel_id', lead.channel_id, out);
    customFields('lead.custom_fields', lead.custom_fields, out);
  }

  for (const [name, keys] of [
    ['person', PERSON_KEYS],
    ['organization', ORGANIZATION_KEYS],
  ] as const) {
    const contact = job[name];
    if (contact === undefined) continue;
    if (!isRecord(contact)) {
      out.push(`${name} must be an object`);
      continue;
    }
    unknownKeys(name, contact, keys, out);
    text(`${name}.name`, contact.name, out, { required: true });
    id(`${name}.owner_id`, contact.owner_id, out);
    visibility(`${name}.visible_to`, contact.visible_to, [1, 3, 5, 7], out);
    customFields(`${name}.custom_fields`, contact.custom_fields, out);
    ids(`${name}.label_ids`, contact.label_ids, out);
    if (name === 'person') {
      if (contact.email !== undefined) {
        const email = typeof contact.email === 'string' ? normaliseEmail(contact.email) : undefined;
        if (email?.value !== contact.email) out.push('person.email is not an email address');
      }
      text('person.phone', contact.phone, out);
      text('person.first_name', contact.first_name, out);
      text('person.last_name', contact.last_name, out);
      text('person.job_title', contact.job_title, out);
      contactList('person.emails', contact.emails, true, out);
      contactList('person.phones', contact.phones, false, out);
      address('person.postal_address', contact.postal_address, out);
      if (contact.birthday !== undefined) {
        const date = contact.birthday;
        if (typeof date !== 'string' || parseDate(date).value !== date)
          out.push('person.birthday must be a date as YYYY-MM-DD');
      }
      if (
        contact.marketing_status !== undefined &&
        !MARKETING_STATUSES.includes(contact.marketing_status as string)
      ) {
        out.push(`person.marketing_status must be one of ${MARKETING_STATUSES.join(', ')}`);
      }
    } else {
      address('organization.address', contact.address, out);
      for (const key of ['website', 'linkedin'] as const) {
        text(`organization.${key}`, contact[key], out);
        if (typeof contact[key] === 'string' && nonWebScheme(contact[key]))
          out.push(`organization.${key} is not a web address`);
      }
      id('organization.industry', contact.industry, out);
      for (const key of ['employee_count', 'annual_revenue'] as const) {
        const n = contact[key];
        if (n !== undefined && !(typeof n === 'number' && Number.isFinite(n) && n >= 0)) {
          out.push(`organization.${key} must be a number`);
        }
      }
    }
  }
  if (job.person === undefined && job.organization === undefined) {
    out.push('it has no person and no organization');
  }

  if (job.cpKey !== undefined && job.cpKey !== 1) out.push('cpKey must be 1');
  if (
    job.priorAttempts !== undefined &&
    !(Number.isSafeInteger(job.priorAttempts) && Number(job.priorAttempts) >= 0)
  )
    out.push('priorAttempts must be a whole number');
  if (job.checkpoint !== undefined) {
    const checkpoint = job.checkpoint;
    if (!isRecord(checkpoint)) out.push('checkpoint must be an object');
    else {
      for (const [key, value] of Object.entries(checkpoint)) {
        if (CHECKPOINT_NUMBERS.has(key)) {
          if (!(Number.isSafeInteger(value) && (value as number) >= 0))
            out.push(`checkpoint.${key} must be a whole number`);
        } else if (CHECKPOINT_FLAGS.has(key)) {
          if (typeof value !== 'boolean') out.push(`checkpoint.${key} must be true or false`);
        } else if (key === 'leadId') {
          if (typeof value !== 'string' || !/^[\w-]{1,64}$/.test(value))
            out.push('checkpoint.leadId must be a lead id');
        } else {
          out.push(`checkpoint.${key} is not a field the importer writes`);
        }
      }
    }
  }
  return out.length > 0 ? out.join('; ') : undefined;
}
