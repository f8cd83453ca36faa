import { stripProtectiveQuote } from '../csv/protective-quote.js';
import type { LeadFields, LeadJobData, OrganizationFields, PersonFields } from '../queue/job-data.js';
import { organizationKey, personKey } from '../queue/match-keys.js';
import type { ResolvedCustomField, ResolvedMapping } from './mapping.js';
import type { FieldPath } from './mapping-spec.js';
import {
  normaliseCurrency,
  normaliseEmail,
  parseAmount,
  parseBoolean,
  parseDate,
  parseVisibility,
  splitList,
} from './normalise.js';

export interface RowReject {
  /** Header name of the column at fault; absent when the row as a whole is at fault. */
  column?: string;
  /** What is wrong and how to fix it, e.g. `"bob@" is not an email address; fix the cell or clear it`. */
  reason: string;
}

export type RowResult =
  | {
      ok: LeadJobData;
      /** Match keys (src/queue/match-keys.ts) for distinct counts. */
      personKey?: string;
      organizationKey?: string;
    }
  | { reject: RowReject };

/** Pipedrive's limit for text fields (pipedrive-api.md §9.6). */
const MAX_TEXT = 255;

/**
 * Builds the function that turns one CSV row into job data or a reject. Pure: the mapping holds
 * every lookup it needs, so a million rows cost no I/O here. All problems of a row are reported
 * together, so one round of fixes is enough.
 */
export function createRowValidator(mapping: ResolvedMapping, importId: string) {
  const { columns, header, defaults } = mapping;
  const at = (path: FieldPath) => columns[path];

  return function validateRow(line: number, fileCells: string[]): RowResult {
    // Values are read without a spreadsheet's protective `'` (`'+49 30 …` is a phone number); the
    // job keeps `fileCells`, what the file had, for the report and the DLQ export.
    const cells = fileCells.some((c) => c.startsWith("'")) ? fileCells.map(stripProtectiveQuote) : fileCells;
    const problems: RowReject[] = [];
    const cell = (path: FieldPath): string => {
      const i = at(path);
      return i === undefined ? '' : (cells[i] ?? '').trim();
    };
    const problem = (index: number | undefined, value: string, message: string) => {
      problems.push({
        ...(index !== undefined ? { column: header[index] } : {}),
        reason: value === '' ? message : `${quote(value)} ${message}`,
      });
    };
    const tooLong = (path: FieldPath, value: string) => {
      if (value.length > MAX_TEXT) {
        problem(at(path), '', `has ${value.length} characters; Pipedrive takes at most ${MAX_TEXT}`);
        return true;
      }
      return false;
    };

    // Organization and person.
    const orgName = cell('organization.name');
    tooLong('organization.name', orgName);
    const emailCell = cell('person.email');
    let email: string | undefined;
    if (emailCell) {
      const parsed = normaliseEmail(emailCell);
      if (parsed.error !== undefined) problem(at('person.email'), emailCell, parsed.error);
      else email = parsed.value;
    }
    const fullName =
      cell('person.name') || [cell('person.first_name'), cell('person.last_name')].filter(Boolean).join(' ');
    tooLong(at('person.name') !== undefined ? 'person.name' : 'person.first_name', fullName);
    const phone = cell('person.phone');
    if (!orgName && !fullName && !emailCell) {
      const names = (['person.name', 'person.first_name', 'person.email', 'organization.name'] as const)
        .map((p) => at(p))
        .filter((i): i is number => i !== undefined)
        .map((i) => `"${header[i]}"`);
      problems.unshift({
        reason: `has no person (name or email) and no organization; fill in at least one of ${names.join(', ')}`,
      });
    }

    // Lead fields.
    const lead: LeadFields = { title: '' };
    const valueCell = cell('lead.value');
    if (valueCell) {
      const parsed = parseAmount(valueCell);
      if (parsed.error !== undefined) problem(at('lead.value'), valueCell, parsed.error);
      else {
        const currencyCell = cell('lead.currency');
        let currency = parsed.value.currency;
        if (currencyCell) {
          const c = normaliseCurrency(currencyCell);
          if (c.error !== undefined) problem(at('lead.currency'), currencyCell, c.error);
          else if (currency && c.value !== currency) {
            problem(
              at('lead.currency'),
              currencyCell,
              `contradicts the currency in the amount (${quote(valueCell)}); make them agree`,
            );
          } else currency = c.value;
        }
        currency ??= defaults.currency;
        if (!currency && !defaults.currencyFromUser) {
          problem(
            at('lead.value'),
            valueCell,
            'has no currency; add a currency column or set defaults.currency',
          );
        } else if (currency && mapping.currencyCodes && !mapping.currencyCodes.has(currency)) {
          problem(
            at(cell('lead.currency') ? 'lead.currency' : 'lead.value'),
            currency,
            `is not one of the company's currencies (${[...mapping.currencyCodes].join(', ')}); fix the cell or add the currency in Pipedrive`,
          );
        } else {
          lead.value = { amount: parsed.value.amount, currency: currency ?? '' };
        }
      }
    }
    const closeCell = cell('lead.expected_close_date');
    if (closeCell) {
      const parsed = parseDate(closeCell, mapping.dateOrder);
      if (parsed.error !== undefined) problem(at('lead.expected_close_date'), closeCell, parsed.error);
      else lead.expected_close_date = parsed.value;
    }
    const ownerCell = cell('lead.owner');
    let ownerId = defaults.ownerId;
    if (ownerCell) {
      const parsed = normaliseEmail(ownerCell);
      if (parsed.error !== undefined)
        problem(
          at('lead.owner'),
          ownerCell,
          'is not an email address; owners are given by their Pipedrive login email',
        );
      else if (mapping.usersByEmail) {
        const id = mapping.usersByEmail.get(parsed.value);
        if (id === undefined) {
          problem(
            at('lead.owner'),
            ownerCell,
            "is not an active Pipedrive user of the company; use a user's login email or clear the cell",
          );
        } else ownerId = id;
      }
    }
    if (ownerId !== undefined) lead.owner_id = ownerId;
    const labelCell = cell('lead.labels');
    const labelIds = [...defaults.labelIds];
    if (labelCell && mapping.labelsByName) {
      for (const name of splitList(labelCell)) {
        const id = mapping.labelsByName.get(name.toLowerCase());
        if (!id) {
          problem(
            at('lead.labels'),
            name,
            `is not a lead label in Pipedrive (labels: ${(mapping.labelNames ?? []).join(', ')}); fix the name or create the label`,
          );
        } else if (!labelIds.includes(id)) labelIds.push(id);
      }
    }
    if (labelIds.length) lead.label_ids = labelIds;
    const visibilityCell = cell('lead.visible_to');
    let visibleTo = defaults.visibleTo;
    if (visibilityCell) {
      const parsed = parseVisibility(visibilityCell, mapping.groupsPlan);
      if (parsed.error !== undefined) problem(at('lead.visible_to'), visibilityCell, parsed.error);
      else visibleTo = parsed.value;
    }
    if (visibleTo) lead.visible_to = visibleTo;
    const seenCell = cell('lead.was_seen');
    if (seenCell) {
      const parsed = parseBoolean(seenCell);
      if (parsed.error !== undefined) problem(at('lead.was_seen'), seenCell, parsed.error);
      else lead.was_seen = parsed.value;
    }
    const channelCell = cell('lead.channel');
    let channel = defaults.channel;
    if (channelCell && mapping.channelsByName) {
      const byName = mapping.channelsByName.get(channelCell.toLowerCase());
      const byId =
        /^\d+$/.test(channelCell) && [...mapping.channelsByName.values()].includes(Number(channelCell));
      if (byName !== undefined) channel = byName;
      else if (byId) channel = Number(channelCell);
      else {
        problem(
          at('lead.channel'),
          channelCell,
          `is not one of the company's marketing channels (${(mapping.channelNames ?? []).join(', ')})`,
        );
      }
    }
    if (channel !== undefined) lead.channel = channel;
    const channelId = cell('lead.channel_id');
    if (channelId && !tooLong('lead.channel_id', channelId)) lead.channel_id = channelId;
    // Without one, origin_id is the import id; the worker fills it in (src/worker/lead-writer.ts),
    // so a million waiting jobs do not each carry it twice.
    const originId = cell('lead.origin_id') || defaults.originId;
    if (originId && originId !== importId && !tooLong('lead.origin_id', originId)) lead.origin_id = originId;

    const custom: Record<string, unknown> = {};
    for (const field of mapping.customFields) {
      const raw = field.column !== undefined ? (cells[field.column] ?? '').trim() : (field.constant ?? '');
      if (raw === '') continue;
      const converted = convertCustom(field, raw, mapping, defaults.currency);
      if ('error' in converted) problem(field.column, raw, converted.error);
      else if (field.key) Object.assign(custom, converted.values);
    }
    if (Object.keys(custom).length) lead.custom_fields = custom;

    const titleCell = cell('lead.title');
    lead.title =
      titleCell ||
      renderTitle(mapping, cells, {
        organization: orgName,
        name: fullName || email || '',
        email: email ?? '',
        phone,
      });
    tooLong(titleCell ? 'lead.title' : 'organization.name', lead.title);

    if (problems.length > 0) {
      const [first, ...rest] = problems as [RowReject, ...RowReject[]];
      const more = rest.map((p) => (p.column ? `column "${p.column}": ${p.reason}` : p.reason));
      return {
        reject: {
          ...(first.column ? { column: first.column } : {}),
          reason: [first.reason, ...more].join('; also '),
        },
      };
    }

    const visibleV2 = visibleTo ? (Number(visibleTo) as 1 | 3 | 5 | 7) : undefined;
    const data: LeadJobData = { v: 1, importId, line, lead, cells: fileCells };
    let pKey: string | undefined;
    let oKey: string | undefined;
    if (orgName) {
      const organization: OrganizationFields = { name: orgName };
      if (ownerId !== undefined) organization.owner_id = ownerId;
      if (visibleV2) organization.visible_to = visibleV2;
      data.organization = organization;
      oKey = organizationKey(orgName);
    }
    if (fullName || email) {
      const person: PersonFields = { name: fullName || (email as string) };
      if (email) person.email = email;
      if (phone) person.phone = phone;
      if (ownerId !== undefined) person.owner_id = ownerId;
      if (visibleV2) person.visible_to = visibleV2;
      data.person = person;
      pKey = personKey(person, orgName || undefined);
    }
    return {
      ok: data,
      ...(pKey ? { personKey: pKey } : {}),
      ...(oKey ? { organizationKey: oKey } : {}),
    };
  };
}

function quote(value: string): string {
  const short = value.length > 60 ? `${value.slice(0, 57)}…` : value;
  return JSON.stringify(short);
}

/**
 * Renders the title template; placeholders that are empty in this row drop out with the
 * separator next to them (`{organization} – {name}` gives `Jane Doe` when there is no company).
 * Without a template: `<organization> lead`, else `<person> lead`.
 */
function renderTitle(
  mapping: ResolvedMapping,
  cells: string[],
  fields: { organization: string; name: string; email: string; phone: string },
): string {
  const fallback = `${fields.organization || fields.name} lead`;
  if (!mapping.titleTemplate) return fallback;
  const named: Record<string, string> = {
    organization: fields.organization,
    name: fields.name,
    email: fields.email,
    phone: fields.phone,
    first_name: cellOf(mapping, cells, 'person.first_name'),
    last_name: cellOf(mapping, cells, 'person.last_name'),
  };
  const rendered = mapping.titleTemplate.replace(/\{([^{}]+)\}/g, (_, key: string) => {
    const k = key.trim();
    const column = mapping.templateColumns.get(k);
    const value = column !== undefined ? (cells[column] ?? '').trim() : (named[k] ?? '');
    return value === '' ? '\u0000' : value;
  });
  const title = rendered
    // An empty placeholder takes one neighbouring separator with it.
    .replace(/\s*[-–—|:,/·•]?\s*\u0000\s*[-–—|:,/·•]?\s*/g, (m) =>
      /^\s*[-–—|:,/·•]/.test(m) && /[-–—|:,/·•]\s*$/.test(m) ? ' – ' : ' ',
    )
    .replace(/\s+/g, ' ')
    .replace(/^[\s\-–—|:,/·•]+|[\s\-–—|:,/·•]+$/g, '');
  return title || fallback;
}

function cellOf(mapping: ResolvedMapping, cells: string[], path: FieldPath): string {
  const i = mapping.columns[path];
  return i === undefined ? '' : (cells[i] ?? '').trim();
}

type Converted = { values: Record<string, unknown> } | { error: string };

function convertCustom(
  field: ResolvedCustomField,
  raw: string,
  mapping: ResolvedMapping,
  defaultCurrency: string | undefined,
): Converted {
  const key = field.key ?? field.name;
  switch (field.type) {
    case undefined:
      return { values: {} };
    case 'double': {
      const parsed = parseAmount(raw);
      return parsed.error !== undefined
        ? { error: 'is not a number' }
        : { values: { [key]: parsed.value.amount } };
    }
    case 'monetary': {
      const parsed = parseAmount(raw);
      if (parsed.error !== undefined) return { error: parsed.error };
      const currency = parsed.value.currency ?? defaultCurrency;
      if (currency && mapping.currencyCodes && !mapping.currencyCodes.has(currency)) {
        return { error: `has currency ${currency}, which is not one of the company's currencies` };
      }
      return {
        values: { [key]: parsed.value.amount, ...(currency ? { [`${key}_currency`]: currency } : {}) },
      };
    }
    case 'date': {
      const parsed = parseDate(raw, mapping.dateOrder);
      return parsed.error !== undefined ? { error: parsed.error } : { values: { [key]: parsed.value } };
    }
    case 'enum': {
      const id = field.options?.get(raw.toLowerCase());
      return id === undefined
        ? {
            error: `is not an option of "${field.name}" (options: ${(field.optionLabels ?? []).join(', ')})`,
          }
        : { values: { [key]: id } };
    }
    case 'set': {
      const ids: (number | string)[] = [];
      for (const label of splitList(raw)) {
        const id = field.options?.get(label.toLowerCase());
        if (id === undefined) {
          return {
            error: `holds "${label}", which is not an option of "${field.name}" (options: ${(field.optionLabels ?? []).join(', ')})`,
          };
        }
        ids.push(id);
      }
      return { values: { [key]: ids } };
    }
    case 'user': {
      const email = normaliseEmail(raw);
      const id = email.value ? mapping.usersByEmail?.get(email.value) : undefined;
      return id === undefined
        ? { error: `is not the login email of an active Pipedrive user (for "${field.name}")` }
        : { values: { [key]: id } };
    }
    default:
      if ((field.type === 'varchar' || field.type === 'varchar_auto') && raw.length > MAX_TEXT) {
        return { error: `is longer than ${MAX_TEXT} characters (the limit of "${field.name}")` };
      }
      return { values: { [key]: raw } };
  }
}
