/**
 * What a CSV column can fill in Pipedrive: the vocabulary shared by the mapping file, the header
 * conventions of source systems, the dry run and the row validator.
 *
 * Written as text it reads `lead.title`, `person.email:home`, `person.postal_address.city`,
 * `organization.address`, `custom.person:Preferred language` — the form the convention tables
 * use and the dry run prints.
 */

export const LEAD_FIELDS = [
  'title',
  'value',
  'currency',
  'expected_close_date',
  'owner',
  'labels',
  'visible_to',
  'was_seen',
  'channel',
  'channel_id',
  'origin_id',
  /** Text that becomes a note attached to the lead (several columns join into one note). */
  'note',
] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];

export const PERSON_FIELDS = [
  'name',
  'first_name',
  /** Joins the full name between first and last name (Google, Outlook). */
  'middle_name',
  'last_name',
  'email',
  'phone',
  'job_title',
  'birthday',
  'postal_address',
  'labels',
  'marketing_status',
  /** A yes/no (or a date) saying the person opted out of email: `unsubscribed` when set. */
  'email_opt_out',
] as const;
export type PersonField = (typeof PERSON_FIELDS)[number];

export const ORGANIZATION_FIELDS = [
  'name',
  'address',
  'website',
  'linkedin',
  'industry',
  'employee_count',
  'annual_revenue',
  'labels',
] as const;
export type OrganizationField = (typeof ORGANIZATION_FIELDS)[number];

/** Pipedrive's labels for emails and phones (pipedrive-api.md §5.2). */
export const CONTACT_LABELS = ['work', 'home', 'mobile', 'other'] as const;
export type ContactLabel = (typeof CONTACT_LABELS)[number];

/** Parts of an address a file may spread over several columns. */
/** `street_number`: the house number, where a file keeps it apart from the street (`Rue` + `Numéro de la rue`). */
export const ADDRESS_PARTS = ['street', 'street_number', 'city', 'state', 'postal_code', 'country'] as const;
export type AddressPart = (typeof ADDRESS_PARTS)[number];

export type Entity = 'lead' | 'person' | 'organization';

export type Target =
  | { entity: 'lead'; field: LeadField }
  | {
      entity: 'person';
      field: PersonField;
      /** Email and phone: the label, when the header says it (`Mobile Phone`). */
      label?: ContactLabel;
      /** Email and phone: a column whose cell holds each row's label (Google's `E-mail 1 - Label`). */
      labelColumn?: string;
      /** Phone: a column whose cell holds the number's extension (Keap's `Phone 1 Ext`), added to its end. */
      extensionColumn?: string;
      /** Email and phone: a cell may hold several, separated by `;` or `,` (HubSpot's additional emails). */
      list?: boolean;
      /** Postal address: one part of it (`City`); without a part, the whole address in one cell. */
      part?: AddressPart;
    }
  | {
      entity: 'organization';
      field: OrganizationField;
      part?: AddressPart;
      /** Name: a cell may name several companies (Teamleader's `Entreprises`); the first is the organization. */
      list?: boolean;
      /** Website: a column whose cell says what kind of site it is; only a work site is the organization's. */
      labelColumn?: string;
    }
  | { entity: 'custom'; of: Entity; name: string };

/** Fields one column fills alone; a second column for the same one is left out (emails, phones, notes and address parts take several). */
export function isMultiColumn(target: Target): boolean {
  if (target.entity === 'custom') return false;
  if (target.entity === 'lead') return target.field === 'note';
  // Street lines (Outlook's Business Street 2 and 3) join the street.
  if (target.part === 'street') return true;
  if (target.entity === 'person') return target.field === 'email' || target.field === 'phone';
  return false;
}

/** `person.email:home`, `organization.address.city`, `custom.person:Preferred language`. */
export function targetText(target: Target): string {
  if (target.entity === 'custom') return `custom.${target.of}:${target.name}`;
  let text = `${target.entity}.${target.field}`;
  if ('part' in target && target.part) text += `.${target.part}`;
  if ('label' in target && target.label) text += `:${target.label}`;
  return text;
}

/** The key under which single-column targets are kept (labels and label columns do not matter). */
export function targetSlot(target: Target): string {
  if (target.entity === 'custom') return `custom.${target.of}:${target.name.trim().toLowerCase()}`;
  if (isMultiColumn(target)) return `${targetText(target)}#multi`;
  let text = `${target.entity}.${target.field}`;
  if ('part' in target && target.part) text += `.${target.part}`;
  return text;
}

/**
 * Reads the text form back (the convention tables are written in it). Throws on a typo, so a
 * wrong table entry fails the first test that loads it.
 */
export function parseTarget(text: string): Target {
  const custom = /^custom\.(lead|person|organization):(.+)$/.exec(text);
  if (custom) return { entity: 'custom', of: custom[1] as Entity, name: custom[2] as string };
  const m = /^(lead|person|organization)\.([a-z_]+)(?:\.([a-z_]+))?(?::([a-z]+))?$/.exec(text);
  if (!m) throw new Error(`Not a field: "${text}"`);
  const [, entity, field, part, label] = m as unknown as [string, Entity, string, string?, string?];
  if (entity === 'lead') {
    if (!(LEAD_FIELDS as readonly string[]).includes(field) || part || label) {
      throw new Error(`Not a lead field: "${text}"`);
    }
    return { entity, field: field as LeadField };
  }
  if (part !== undefined && !(ADDRESS_PARTS as readonly string[]).includes(part)) {
    throw new Error(`Not an address part: "${text}"`);
  }
  if (label !== undefined && !(CONTACT_LABELS as readonly string[]).includes(label)) {
    throw new Error(`Not an email or phone label: "${text}"`);
  }
  if (entity === 'person') {
    if (!(PERSON_FIELDS as readonly string[]).includes(field))
      throw new Error(`Not a person field: "${text}"`);
    if (part && field !== 'postal_address') throw new Error(`Only an address has parts: "${text}"`);
    if (label && field !== 'email' && field !== 'phone')
      throw new Error(`Only emails and phones have labels: "${text}"`);
    return {
      entity,
      field: field as PersonField,
      ...(part ? { part: part as AddressPart } : {}),
      ...(label ? { label: label as ContactLabel } : {}),
    };
  }
  if (!(ORGANIZATION_FIELDS as readonly string[]).includes(field) || label) {
    throw new Error(`Not an organization field: "${text}"`);
  }
  if (part && field !== 'address') throw new Error(`Only an address has parts: "${text}"`);
  return { entity, field: field as OrganizationField, ...(part ? { part: part as AddressPart } : {}) };
}

/** `work`, `Home`, `* Mobile`, `Business`, `Cell`… → Pipedrive's label; unknown words are `other`. */
export function contactLabelOf(text: string): ContactLabel {
  const word = text
    .replace(/^\s*\*\s*/, '')
    .trim()
    .toLowerCase();
  // English, then the words German, French, Spanish, Portuguese, Italian and Dutch accounts and address books write
  // (a Brazilian Pipedrive account's `Telefone - Trabalho`, `E-mail - Residencial`).
  if (
    /^(work|business|office|direct|main|company|corporate|job|primary|pref|büro|buero|arbeit|geschäftlich|geschaeftlich|dienstlich|firma|travail|bureau|professionnel|trabajo|trabalho|oficina|escritório|escritorio|lavoro|ufficio|werk|kantoor|zakelijk)/.test(
      word,
    )
  )
    return 'work';
  if (
    /^(home|personal|private|house|privat|zuhause|domicile|privé|prive|casa|particular|residencial|residência|residencia|pessoal|thuis)/.test(
      word,
    )
  )
    return 'home';
  if (/^(mobile|cell|handy|iphone|gsm|mobil|portable|móvil|movil|celular|cellulare|mobiel)/.test(word))
    return 'mobile';
  return 'other';
}
