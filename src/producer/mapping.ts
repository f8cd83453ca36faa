import type { Currency, DealField, LeadLabel, User } from '../pipedrive/types.js';
import {
  type ColumnMatch,
  type ColumnPlan,
  emailKindUnsaid,
  matchColumns,
  sampleValues,
} from './column-matcher.js';
import { MappingError } from './errors.js';
import { type CatalogueField, FieldCatalogue, optionKey } from './field-catalogue.js';
import {
  GENERIC_PHONE_NAMES,
  normaliseHeaderName,
  SOURCE_SYSTEMS,
  sameNameKey,
} from './header-conventions.js';
import { customConstants, didYouMean, type MappingSpec } from './mapping-spec.js';
import {
  currencyNameKey,
  type DateOrder,
  type DecimalMark,
  firstAmbiguousAmount,
  inferDateOrder,
  inferDecimalMark,
  namesLastFirst,
  normaliseCurrency,
  parseAmount,
  parseDate,
  parseDateOrder,
  parseVisibility,
  splitList,
  type Visibility,
} from './normalise.js';
import {
  type AddressPart,
  type ContactLabel,
  type Entity,
  type Target,
  targetSlot,
  targetText,
} from './targets.js';

export { normaliseHeaderName } from './header-conventions.js';

/** Fields one column fills (the key is the field's text form, as the dry run prints it). */
export type FieldPath =
  | `lead.${'title' | 'value' | 'currency' | 'expected_close_date' | 'owner' | 'labels' | 'visible_to' | 'was_seen' | 'channel' | 'channel_id' | 'origin_id'}`
  | `person.${'name' | 'first_name' | 'middle_name' | 'last_name' | 'job_title' | 'birthday' | 'labels' | 'marketing_status' | 'email_opt_out'}`
  | `organization.${'name' | 'website' | 'linkedin' | 'industry' | 'employee_count' | 'annual_revenue' | 'labels'}`;

/** Custom field types the importer can fill from a cell. */
const SUPPORTED_CUSTOM_TYPES = new Set([
  'varchar',
  'varchar_auto',
  'text',
  'double',
  'monetary',
  'enum',
  'set',
  'date',
  'user',
  'phone',
  'address',
  'time',
]);

/** Lookups from Pipedrive's reference data; each is present when the mapping needs it and we are online. */
export interface ReferenceData {
  currentUser?: User;
  users?: User[];
  labels?: LeadLabel[];
  currencies?: Currency[];
  dealFields?: DealField[];
  personFields?: DealField[];
  organizationFields?: DealField[];
}

export interface ReferenceNeeds {
  /**
   * The field lists are wanted only to match columns to custom fields by name: without
   * credentials (a dry run on a laptop) they are skipped, not demanded.
   */
  catalogueOptional?: boolean;
  currentUser: boolean;
  users: boolean;
  labels: boolean;
  currencies: boolean;
  dealFields: boolean;
  personFields: boolean;
  organizationFields: boolean;
}

export interface ResolvedCustomField {
  entity: Entity;
  /** Pipedrive's name of the field. */
  name: string;
  /** 40-hex key, or undefined offline. */
  key?: string;
  /** Field type, or undefined offline. */
  type?: string;
  column?: number;
  constant?: string;
  /** enum/set options by `optionKey` of their label. */
  options?: Map<string, number | string>;
  /** Option labels as Pipedrive writes them (for messages). */
  optionLabels?: string[];
}

/** An email or phone column: its label, or a column holding each row's label. */
export interface ContactColumn {
  column: number;
  label: ContactLabel;
  labelColumn?: number;
  /** Phones: a column holding the number's extension, added to its end (`… ext. 89`). */
  extensionColumn?: number;
  /** The cell may hold several values, separated by `;` or `,`. */
  list?: boolean;
  /** The column does not say whose addresses they are: one at a free-mail provider (gmail.com) is labelled home. */
  freeMailHome?: boolean;
  /**
   * A bare `Phone` column, labelled work for want of a kind: a number it shares with a column that says its kind
   * (`Mobile Phone`) takes that column's label.
   */
  kindUnsaid?: boolean;
  /**
   * Emails: the prospecting tool's column saying whether this column's address works (Snov.io's `Email status 2` of
   * `Email 2`, Seamless's `Email 1 Validation` of `Email 1`): an address it calls invalid is not the row's primary
   * while another address is not called so.
   */
  statusColumn?: number;
}

/** An address: one column with all of it, parts in columns of their own (street lines in several), or both. */
export type AddressColumns = Partial<Record<AddressPart | 'whole', number[]>>;

/** Option labels of an option field, for validating cells. */
export interface OptionLookup {
  /** Field name as Pipedrive writes it. */
  name: string;
  byLabel: Map<string, number | string>;
  labels: string[];
}

export interface ResolveOptions {
  /** Where the header was read, as `file.csv:LINE`, for errors about the header itself. */
  headerSource?: string;
  titleTemplate?: string;
  dateOrder?: DateOrder;
  /** The file's decimal separator as the user gave it (`--decimal`): no inference from the amounts. */
  decimalMark?: DecimalMark;
  currency?: string;
  /** Premium/Ultimate: visibility groups (changes what "company" means). */
  groupsPlan?: boolean;
  /** Name of the mapping file, for messages. */
  mappingName?: string;
  /** The first data rows: without a date format, the dates in them tell how to read `03/04/2025`. */
  sample?: readonly (readonly string[])[];
}

/** A mapping bound to one header and one Pipedrive company: what the row validator runs on. */
export interface ResolvedMapping {
  header: string[];
  /** How every column was read (for the dry run and `--print-mapping`). */
  plan: ColumnPlan;
  /** Column of each field one column fills. */
  columns: Partial<Record<FieldPath, number>>;
  /** Columns read in turn for a field where its column is empty in a row (`Account Name` behind `Company`). */
  fallbacks: Partial<Record<FieldPath, number[]>>;
  /**
   * Organization name columns whose cell may name several companies (Teamleader's `Entreprises`, each company the
   * contact is linked to): the first is the lead's organization, the others are kept in the lead's note.
   */
  organizationLists?: number[];
  /** Email and phone columns, the primary first. */
  emails: ContactColumn[];
  phones: ContactColumn[];
  /** Columns whose text becomes the lead's note (several join under their headers). */
  noteColumns: number[];
  /** Note columns kept under their header even alone (a form's own field: `Interested in`). */
  headedNotes?: number[];
  /**
   * Note columns whose heading in the note is, row by row, another column's value: an answer's (`Response 1`) is its
   * question's (`Question 1`), which differs between the rows of an export of several forms.
   */
  noteHeadings?: Record<number, number>;
  /**
   * Columns whose values go to the end of the lead's note after a label: one named like a standard field this account
   * lacks (marketing status without Campaigns), under the column's name and with a warning saying `why`; one no
   * field takes by design (a person's LinkedIn profile), after its `label` and without a warning.
   */
  keptInNote: {
    column: number;
    why: string;
    label?: string;
    unlessFilled?: number[];
    /** A yes/no column, in the note only where set; what a set value says, for the row's warning. */
    flag?: string;
  }[];
  /** The organization's website is taken only where this column's cell says it is a work site. */
  websiteLabelColumn?: number;
  personAddress?: AddressColumns;
  organizationAddress?: AddressColumns;
  customFields: ResolvedCustomField[];
  personCustomFields: ResolvedCustomField[];
  organizationCustomFields: ResolvedCustomField[];
  /** Option fields of persons and organizations (online). */
  personLabels?: OptionLookup;
  organizationLabels?: OptionLookup;
  industries?: OptionLookup;
  defaults: {
    currency?: string;
    /** True when the currency is the API user's default (not known offline). */
    currencyFromUser: boolean;
    ownerId?: number;
    ownerEmail?: string;
    labelIds: string[];
    labelNames: string[];
    visibleTo?: Visibility;
    channel?: number;
    channelName?: string;
    originId?: string;
  };
  titleTemplate?: string;
  /** Template placeholders bound to column indexes (named fields resolve at render time). */
  templateColumns: Map<string, number>;
  dateOrder?: DateOrder;
  /** The file's decimal separator, when its amounts (or its US dates) tell: decides what `1.500` is. */
  decimalMark?: DecimalMark;
  groupsPlan: boolean;
  /** Lookups (undefined offline). */
  usersByEmail?: Map<string, number>;
  /** Active users by lower-cased name, when the name is unique. */
  usersByName?: Map<string, number>;
  labelsByName?: Map<string, string>;
  currencyCodes?: Set<string>;
  /** The account's currencies by name (`currencyNameKey`), for a currency column that names them (`Euro`). */
  currencyNames?: Map<string, string>;
  channelsByName?: Map<string, number>;
  /** Names as Pipedrive writes them, for messages. */
  labelNames?: string[];
  channelNames?: string[];
  /** Whether Pipedrive was consulted (false with --offline). */
  online: boolean;
  /** The name column is written "Last, First" throughout: two surnames before the comma are read so too. */
  namesLastFirst?: true;
  /**
   * A column where the tool that found the addresses says whether they work (Hunter's `Verification status`,
   * lemlist's `emailStatus`): not imported, but a row whose address it calls invalid is said.
   */
  emailStatusColumn?: number;
  /** The system's column whose value says the row's address bounced (Instantly's lead `status`, `-1`). */
  bouncedStatusColumn?: number;
  /** The system's column whose value marks a row of the file owner's own side (Teams' `Role`, `Organizer`). */
  ownSideColumn?: number;
  /** The system's email columns named by a grade below the addresses it verified (RocketReach's `B Emails`). */
  gradedEmailColumns?: { column: number; meaning: string }[];
  /**
   * A column that says of each row whether it is a person or an organization (Capsule's `Type`, in a list of people
   * and organisations): a row it calls an organization's has the organization's name in the name column, and no
   * person.
   */
  recordKindColumn?: number;
}

/** Headers of a column saying whether a row is a person or an organization. */
const RECORD_KIND_HEADERS = new Set(['type', 'contacttype', 'partytype', 'recordtype', 'kind']);
/** The values of such a column: a person's or an organization's row (Capsule writes `Person` and `Organisation`). */
const RECORD_KINDS = /^(person|people|individual|contact|organi[sz]ation|organisme|company)$/i;
/** What such a column says of an organization's row (its cell as read, spaces around it allowed). */
export const ORGANIZATION_KIND = /^\s*(organi[sz]ation|organisme|company)\s*$/i;

/** Headers of the columns where a prospecting tool says whether the primary address works. */
const EMAIL_STATUS_HEADERS = new Set([
  'emailstatus',
  'emailverificationstatus',
  'emailverification',
  'verificationstatus',
  'emailquality',
  'emaildeliverability',
  'deliverability',
  'emailvalidity',
]);

/** Words that make an email column's header its status column's (`Email 2` → `Email status 2`, `Email 1 Validation`). */
const EMAIL_STATUS_WORDS = [
  'verificationstatus',
  'status',
  'validation',
  'verification',
  'validity',
  'deliverability',
];

/** Placeholders a title template can use besides column names. */
export const TEMPLATE_FIELDS = ['organization', 'name', 'first_name', 'last_name', 'email', 'phone'];

/** Person fields beyond name, email and phone: they need the account's person fields. */
const PERSON_CATALOGUE_FIELDS = new Set([
  'job_title',
  'birthday',
  'postal_address',
  'labels',
  'marketing_status',
  'email_opt_out',
]);

/**
 * What reference data a column plan needs from Pipedrive, so the producer fetches only that
 * (each list costs 10–20 tokens, see reference-data.ts).
 */
export function referenceNeeds(plan: ColumnPlan, spec: MappingSpec, currencyOption?: string): ReferenceNeeds {
  const targets = plan.matches.map((m) => m.target);
  const has = (text: string) => targets.some((t) => targetText(t) === text);
  const defaults = spec.defaults ?? {};
  const hasValue = has('lead.value');
  const custom = (of: Entity) =>
    targets.some((t) => t.entity === 'custom' && t.of === of) ||
    customConstants(spec).some((c) => c.of === of);
  const byName = plan.wantsCatalogue === true;
  const required = {
    dealFields: custom('lead') || has('lead.channel') || defaults.channel !== undefined,
    personFields:
      custom('person') || targets.some((t) => t.entity === 'person' && PERSON_CATALOGUE_FIELDS.has(t.field)),
    organizationFields:
      custom('organization') || targets.some((t) => t.entity === 'organization' && t.field !== 'name'),
  };
  return {
    ...(byName && !required.dealFields && !required.personFields && !required.organizationFields
      ? { catalogueOptional: true }
      : {}),
    // Amounts without a currency (an empty currency cell too) take the API user's default one.
    currentUser: hasValue && !defaults.currency && !currencyOption,
    users: has('lead.owner') || defaults.owner !== undefined || targets.some((t) => t.entity === 'custom'),
    labels: has('lead.labels') || defaults.labels !== undefined,
    currencies: hasValue || targets.some((t) => t.entity === 'custom') || customConstants(spec).length > 0,
    dealFields: byName || required.dealFields,
    personFields: byName || required.personFields,
    organizationFields: byName || required.organizationFields,
  };
}

/**
 * Throws when two header names are the same once normalised (`Email` and `e-mail`) and one of
 * them is imported: which one a mapping file or a reader means is then unclear. Two columns of
 * one name that are both left out (Pipedrive's deals export has a custom `Deal - Status` beside
 * the built-in one) harm nothing; nor do two that both go into the lead's note (a form that asks
 * `Any comments?` in two sections): each answer is kept under its question, in the file's order,
 * and a mapping file lists the name twice. Two `Email` columns stay refused: the second may be
 * someone else's (a form's "your manager" section), and a person's fields say who the lead is.
 * Nor does a name the file's system writes twice, each time for another field (French Outlook's
 * `Titre`: the salutation, then the job title), read by that system's order: a mapping file that
 * names one of them by its name is refused, as it could mean either. A column the mapping file names
 * by its number or occurrence (`{ column: 7 }`, `{ column: Titre, occurrence: 2 }`) is not in doubt:
 * a pair whose imported columns are all so named, or left out, passes, and the message says so. Nor
 * is the one column of a name left when the mapping file names every other by its number or occurrence,
 * under ignore (`ignore: [{ column: 4 }]` beside a second `Email`): read by its name or automatically,
 * it is the only one it can be. Where one is named under a field (`phone: { column: 5 }`), the one left
 * is passed only when the mapping file names it too: read automatically, it would fill the field unasked.
 */
export function assertDistinctHeader(
  header: string[],
  fileName: string,
  headerLine: number,
  plan?: Pick<ColumnPlan, 'matches' | 'system'> & { skipped?: ColumnPlan['skipped'] },
): void {
  const imported = new Map<number, ColumnMatch | undefined>(
    plan ? plan.matches.map((m) => [m.index, m]) : [...header.keys()].map((i) => [i, undefined]),
  );
  const noted = (i: number) => {
    const m = imported.get(i);
    return m !== undefined && m.target.entity === 'lead' && m.target.field === 'note';
  };
  const system = plan?.system && SOURCE_SYSTEMS.find((s) => s.id === plan.system?.id);
  const repeated = new Set(Object.keys(system?.repeated ?? {}).map(normaliseHeaderName));
  const byOrder = (i: number) => imported.get(i)?.source !== 'mapping';
  /** Left out, or named by its number or occurrence in the mapping file: which column it is is not in doubt. */
  const clear = (i: number) => !imported.has(i) || imported.get(i)?.pinned === true;
  /** Listed under ignore by its number or occurrence. */
  const ignoredPinned = new Set((plan?.skipped ?? []).filter((s) => s.pinned).map((s) => s.index));
  /**
   * For each name, its columns the mapping file does not name by number or occurrence, and whether it names any
   * under a field: then the one left must be named too (by its name), or the field may get it unasked.
   */
  const unpinned = new Map<string, { left: number[]; pinnedField: boolean }>();
  header.forEach((h, i) => {
    if (!normaliseHeaderName(h)) return;
    const key = sameNameKey(h);
    const entry = unpinned.get(key) ?? { left: [], pinnedField: false };
    if (imported.get(i)?.pinned === true) entry.pinnedField = true;
    else if (!ignoredPinned.has(i)) entry.left.push(i);
    unpinned.set(key, entry);
  });
  /** The one column of a name the mapping file does not name by number or occurrence, read as it asks. */
  const onlyOneLeft = (key: string) => {
    const entry = unpinned.get(key);
    if (!entry || entry.left.length > 1) return false;
    const left = entry.left[0];
    return !entry.pinnedField || left === undefined || !byOrder(left) || !imported.has(left);
  };
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  const numbers: number[] = [];
  header.forEach((h, i) => {
    const name = normaliseHeaderName(h);
    if (!name) return;
    const key = sameNameKey(h);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else if (plan && repeated.has(key) && byOrder(first) && byOrder(i)) return;
    else if (clear(first) && clear(i)) return;
    else if (onlyOneLeft(key)) return;
    else if (!(noted(first) && noted(i))) {
      duplicates.push(`"${header[first]}" (column ${first + 1}) and "${h}" (column ${i + 1})`);
      numbers.push(i + 1);
    }
  });
  if (duplicates.length > 0) {
    throw new MappingError(
      `${fileName}:${headerLine}: duplicate column names ${duplicates.join(', ')}; rename one of each pair so every column has its own name, or name them by their numbers in the mapping file: ${numbers.map((n) => `{ column: ${n} }`).join(', ')} under the field ${numbers.length === 1 ? 'it fills' : 'each fills'}, or under ignore.`,
    );
  }
}

/**
 * Matches the columns and binds them to the company in one step (for callers that have the
 * reference data already: tests, benchmarks).
 */
export function mapColumns(
  spec: MappingSpec,
  header: string[],
  reference: ReferenceData | undefined,
  options: ResolveOptions & { sample?: readonly (readonly string[])[] } = {},
): ResolvedMapping {
  const catalogue = catalogueOf(reference);
  const plan = matchColumns({
    header,
    spec,
    ...(options.sample ? { sample: options.sample } : {}),
    ...(catalogue ? { catalogue } : {}),
    ...(options.mappingName ? { mappingName: options.mappingName } : {}),
  });
  return resolveMapping(spec, header, plan, reference, options);
}

/**
 * A row needs a person or an organization: throws when no column can give either (before any
 * call to Pipedrive, whose fields could not change that).
 */
export function assertNamesContact(plan: ColumnPlan, header: readonly string[], headerSource?: string): void {
  const contact = plan.matches.some(
    (m) =>
      (m.target.entity === 'person' &&
        ['name', 'first_name', 'last_name', 'email'].includes(m.target.field)) ||
      (m.target.entity === 'organization' && m.target.field === 'name'),
  );
  if (!contact) {
    throw new MappingError(
      `${headerSource ? `${headerSource}: ` : ''}No column names a person or an organization (columns: ${header.map((h) => `"${h}"`).join(', ')}). Name them like "Name", "Email" or "Company", or map them in a mapping file (--mapping mapping.yaml). The first line must be the header (a few lines of notes before it are skipped).`,
    );
  }
}

/** The account's fields as a catalogue (undefined offline). */
export function catalogueOf(reference: ReferenceData | undefined): FieldCatalogue | undefined {
  if (!reference || !(reference.dealFields || reference.personFields || reference.organizationFields))
    return undefined;
  return new FieldCatalogue({
    ...(reference.dealFields ? { lead: reference.dealFields } : {}),
    ...(reference.personFields ? { person: reference.personFields } : {}),
    ...(reference.organizationFields ? { organization: reference.organizationFields } : {}),
  });
}

/**
 * Binds a column plan to the company's reference data (users, labels, currencies, fields).
 * Every problem a whole import would hit is raised here, once, as a {@link MappingError}: an
 * unknown custom field, label, owner or option, or a field this account does not have. A field
 * the mapping file did not ask for and the account does not have is dropped from the plan with
 * the reason instead. Without reference data (offline) names stay unresolved; only a dry run can
 * use that.
 */
export function resolveMapping(
  spec: MappingSpec,
  header: string[],
  plan: ColumnPlan,
  reference: ReferenceData | undefined,
  options: ResolveOptions = {},
): ResolvedMapping {
  const where = options.mappingName ?? 'mapping';
  const headerList = header.map((h) => `"${h}"`).join(', ');
  const online = reference !== undefined;
  const catalogue = catalogueOf(reference);

  // Standard fields an account may lack (marketing status needs Campaigns).
  const kept: ColumnMatch[] = [];
  const keptInNote: ResolvedMapping['keptInNote'] = [];
  for (const m of plan.matches) {
    if (m.keptInNote) {
      keptInNote.push({
        column: m.index,
        why: m.keptInNote.why,
        label: m.keptInNote.label,
        ...(m.keptInNote.flag ? { flag: m.keptInNote.flag } : {}),
        ...(m.fallbackOf ? { unlessFilled: m.fallbackOf } : {}),
      });
    }
    const foreign =
      m.source === 'auto'
        ? (foreignNames(m, reference, options.sample) ?? unfitForCustomField(m, catalogue, options.sample))
        : undefined;
    if (foreign !== undefined) {
      // Another system's tags or users (a Hunter file's `Tags`, its `Owner`): each row would be refused for naming
      // what this company does not have. What they say is kept in the note instead, as an unknown industry is.
      kept.push({
        ...m,
        target: { entity: 'lead', field: 'note' },
        reason: `${m.reason}; ${foreign}, so its values go into the lead's note`,
      });
      keptInNote.push({ column: m.index, why: foreign });
      continue;
    }
    const missing = missingStandardField(m.target, catalogue);
    if (missing === undefined) {
      kept.push(m);
      continue;
    }
    if (m.source === 'mapping')
      throw new MappingError(`${where}: ${targetText(m.target)} (column "${m.header}"): ${missing}.`);
    // Found by its name, its values are not dropped (a "No consent" must not vanish): they go into the lead's
    // note under the column's name, as an industry the account has no option for does.
    kept.push({
      ...m,
      target: { entity: 'lead', field: 'note' },
      reason: `${m.reason}; ${missing}, so its values go into the lead's note`,
    });
    keptInNote.push({ column: m.index, why: missing });
  }
  plan.matches = kept;
  plan.skipped.sort((a, b) => a.index - b.index);

  const columns: Partial<Record<FieldPath, number>> = {};
  const fallbacks: Partial<Record<FieldPath, number[]>> = {};
  const emails: ContactColumn[] = [];
  const phones: ContactColumn[] = [];
  const noteColumns: number[] = [];
  const organizationLists: number[] = [];
  const headedNotes: number[] = [];
  let personAddress: AddressColumns | undefined;
  let organizationAddress: AddressColumns | undefined;
  let websiteLabelColumn: number | undefined;
  const customMatches: { of: Entity; name: string; column: number }[] = [];
  /** The index of the column a target names beside its own (a label's, an extension's), if the file has it. */
  const columnNamed = (name: string | undefined): number | undefined => {
    if (name === undefined) return undefined;
    const index = header.findIndex((h) => normaliseHeaderName(h) === normaliseHeaderName(name));
    return index === -1 ? undefined : index;
  };
  const byOrder = [...plan.matches].sort((a, b) => a.order - b.order);
  for (const m of byOrder) {
    const t = m.target;
    if (t.entity === 'custom') {
      customMatches.push({ of: t.of, name: t.name, column: m.index });
    } else if (t.entity === 'lead' && t.field === 'note') {
      if (!keptInNote.some((k) => k.column === m.index)) noteColumns.push(m.index);
      if (m.headed) headedNotes.push(m.index);
    } else if (t.entity === 'person' && (t.field === 'email' || t.field === 'phone')) {
      const labelColumn = m.labelColumnAt ?? columnNamed(t.labelColumn);
      const extensionColumn = m.extensionColumnAt ?? columnNamed(t.extensionColumn);
      (t.field === 'email' ? emails : phones).push({
        column: m.index,
        label: t.label ?? 'work',
        ...(labelColumn !== undefined ? { labelColumn } : {}),
        ...(extensionColumn !== undefined ? { extensionColumn } : {}),
        ...(t.list ? { list: true } : {}),
        ...(emailKindUnsaid(m) ? { freeMailHome: true } : {}),
        ...(t.field === 'phone' &&
        t.label === 'work' &&
        GENERIC_PHONE_NAMES.includes(normaliseHeaderName(m.header))
          ? { kindUnsaid: true }
          : {}),
      });
    } else if (t.entity === 'person' && t.field === 'postal_address') {
      personAddress = withColumn(personAddress, t.part ?? 'whole', m.index);
    } else if (t.entity === 'organization' && t.field === 'address') {
      organizationAddress = withColumn(organizationAddress, t.part ?? 'whole', m.index);
    } else {
      const path = targetSlot(t) as FieldPath;
      if (t.entity === 'organization' && t.list) organizationLists.push(m.index);
      // A fallback whose field's first column went elsewhere (into the note) takes its place.
      if (m.fallbackOf && columns[path] !== undefined)
        fallbacks[path] = [...(fallbacks[path] ?? []), m.index];
      else columns[path] = m.index;
      if (t.entity === 'organization')
        websiteLabelColumn = m.labelColumnAt ?? columnNamed(t.labelColumn) ?? websiteLabelColumn;
    }
  }
  noteColumns.sort((a, b) => a - b);
  // A form's answers in numbered pairs (Calendly's `Question 1`, `Response 1`): each answer goes into the note under the
  // question its own row asked, since one column holds the questions of several event types or forms. Not a question
  // the mapping file leaves out: its text reaches Pipedrive in no way, and the answer keeps its own header.
  const noteHeadings: Record<number, number> = {};
  const leftOut = new Set(plan.skipped.filter((s) => s.ignored).map((s) => s.index));
  for (const i of noteColumns) {
    const pair = ANSWER_COLUMN.exec(normaliseHeaderName(header[i] as string));
    const question = pair ? columnNamed(`question${pair[2]}`) : undefined;
    if (question !== undefined && !noteColumns.includes(question) && !leftOut.has(question))
      noteHeadings[i] = question;
  }
  for (const address of [personAddress, organizationAddress]) {
    for (const list of Object.values(address ?? {})) list.sort((a, b) => a - b);
  }

  assertNamesContact(plan, header, options.headerSource);

  const usersByEmail = reference?.users
    ? new Map(
        reference.users.filter((u) => u.active_flag !== false).map((u) => [u.email.toLowerCase(), u.id]),
      )
    : undefined;
  const usersByName = reference?.users
    ? uniqueByName(reference.users.filter((u) => u.active_flag !== false))
    : undefined;
  const labelsByName = reference?.labels
    ? new Map(reference.labels.map((l) => [optionKey(l.name), l.id]))
    : undefined;
  const currencyCodes = reference?.currencies
    ? new Set(reference.currencies.filter((c) => c.active_flag !== false).map((c) => c.code.toUpperCase()))
    : undefined;
  const currencyNames = reference?.currencies
    ? new Map(
        reference.currencies
          .filter((c) => c.active_flag !== false && c.name)
          .map((c) => [currencyNameKey(c.name), c.code.toUpperCase()]),
      )
    : undefined;
  const channelField = reference?.dealFields?.find((f) => f.key === 'channel');
  const channelsByName = channelField
    ? new Map((channelField.options ?? []).map((o) => [optionKey(o.label), Number(o.id)]))
    : undefined;

  const defaults = spec.defaults ?? {};
  const groupsPlan = options.groupsPlan ?? false;
  const resolvedDefaults: ResolvedMapping['defaults'] = {
    labelIds: [],
    labelNames: [],
    currencyFromUser: false,
  };

  const currencyText = options.currency ?? defaults.currency;
  if (currencyText !== undefined) {
    const parsed = normaliseCurrency(String(currencyText));
    if (parsed.value === undefined)
      throw new MappingError(`${where}: default currency "${currencyText}" ${parsed.error}.`, [
        'defaults',
        'currency',
      ]);
    if (currencyCodes && !currencyCodes.has(parsed.value)) {
      throw new MappingError(
        `${where}: default currency ${parsed.value} is not one of the company's currencies (${[...currencyCodes].join(', ')}).`,
        ['defaults', 'currency'],
      );
    }
    resolvedDefaults.currency = parsed.value;
  } else if (columns['lead.value'] !== undefined) {
    if (reference?.currentUser?.default_currency) {
      resolvedDefaults.currency = reference.currentUser.default_currency.toUpperCase();
    } else {
      resolvedDefaults.currencyFromUser = true;
    }
  }
  if (defaults.owner !== undefined) {
    const text = String(defaults.owner).trim().toLowerCase();
    resolvedDefaults.ownerEmail = text;
    if (usersByEmail) {
      const id = usersByEmail.get(text) ?? usersByName?.get(text);
      if (id === undefined) {
        throw new MappingError(
          `${where}: default owner "${defaults.owner}" is not an active user of the company; users: ${[...usersByEmail.keys()].join(', ')}.`,
          ['defaults', 'owner'],
        );
      }
      resolvedDefaults.ownerId = id;
    }
  }
  if (defaults.labels !== undefined) {
    const names = Array.isArray(defaults.labels)
      ? defaults.labels.map(String)
      : splitList(String(defaults.labels));
    resolvedDefaults.labelNames = names;
    if (labelsByName) {
      resolvedDefaults.labelIds = names.map((n) => {
        const id = labelsByName.get(optionKey(n));
        if (!id) {
          throw new MappingError(
            `${where}: default label "${n}" does not exist in Pipedrive; labels: ${[...(reference?.labels ?? [])].map((l) => l.name).join(', ')}. Create it in Pipedrive or fix the name.`,
            ['defaults', 'labels'],
          );
        }
        return id;
      });
    }
  }
  if (defaults.visible_to !== undefined) {
    const parsed = parseVisibility(String(defaults.visible_to), groupsPlan);
    if (parsed.error !== undefined)
      throw new MappingError(`${where}: default visible_to "${defaults.visible_to}" ${parsed.error}.`, [
        'defaults',
        'visible_to',
      ]);
    resolvedDefaults.visibleTo = parsed.value;
  }
  if (defaults.channel !== undefined) {
    resolvedDefaults.channelName = String(defaults.channel);
    if (channelsByName) {
      const id = channelsByName.get(optionKey(String(defaults.channel)));
      if (id === undefined) {
        throw new MappingError(
          `${where}: default channel "${defaults.channel}" is not one of the company's marketing channels (${(channelField?.options ?? []).map((o) => o.label).join(', ')}).`,
          ['defaults', 'channel'],
        );
      }
      resolvedDefaults.channel = id;
    }
  }
  if (defaults.origin_id !== undefined) resolvedDefaults.originId = String(defaults.origin_id);

  let dateOrder = options.dateOrder;
  if (!dateOrder && defaults.date_format !== undefined) {
    dateOrder = parseDateOrder(String(defaults.date_format));
    if (!dateOrder)
      throw new MappingError(
        `${where}: date_format "${defaults.date_format}" must be DD/MM/YYYY or MM/DD/YYYY.`,
        ['defaults', 'date_format'],
      );
  }
  if (!dateOrder && options.sample) {
    const dateColumns = [
      columns['lead.expected_close_date'],
      columns['person.birthday'],
      ...(fallbacks['lead.expected_close_date'] ?? []),
      ...(fallbacks['person.birthday'] ?? []),
      ...customMatches.map((c) => c.column),
    ].filter((c): c is number => c !== undefined);
    const inferred = inferDateOrder(options.sample.flatMap((row) => dateColumns.map((c) => row[c] ?? '')));
    if (inferred) {
      dateOrder = inferred.order;
      plan.notes.push(
        `Dates read as ${inferred.order === 'DMY' ? 'DD/MM/YYYY' : 'MM/DD/YYYY'} (the file has "${inferred.example}"); pass --date-format to read them otherwise.`,
      );
    }
  }

  // What `1.500` means: 1.5 in a file whose amounts have a decimal point (1,234.56), 1500 where they
  // have a decimal comma (1.234,56), and 1500 (thousands, as money rarely has three decimals) when nothing
  // tells. Month-first dates (12/31/2026) are the US's, and so is the decimal point then. The user's word
  // (--decimal) beats all of it: a file can be read wrongly (US dates beside European amounts) or not at all.
  let decimalMark = options.decimalMark;
  if (decimalMark) {
    plan.notes.push(
      `Amounts read with "${decimalMark}" as the decimal separator (--decimal), so ${decimalMark === '.' ? '"1.500" is 1.5 and "1,500" is 1500' : '"1,500" is 1.5 and "1.500" is 1500'}.`,
    );
  } else if (options.sample) {
    const amountColumns = [
      columns['lead.value'],
      columns['organization.annual_revenue'],
      ...(fallbacks['lead.value'] ?? []),
      ...(fallbacks['organization.annual_revenue'] ?? []),
      ...customMatches.map((c) => c.column),
    ].filter((c): c is number => c !== undefined);
    const amounts = options.sample.flatMap((row) => amountColumns.map((c) => row[c] ?? ''));
    const inferred = inferDecimalMark(amounts);
    const ambiguous = firstAmbiguousAmount(amounts);
    if (inferred) {
      decimalMark = inferred.mark;
      plan.notes.push(
        `Amounts read with "${inferred.mark}" as the decimal separator (the file has "${inferred.example}"), so ${inferred.mark === '.' ? '"1.500" is 1.5 and "1,500" is 1500' : '"1,500" is 1.5 and "1.500" is 1500'}; pass --decimal to read them otherwise.`,
      );
    } else if (dateOrder === 'MDY' && !options.dateOrder && amountColumns.length > 0) {
      decimalMark = '.';
      plan.notes.push(
        'Amounts read with "." as the decimal separator, as the file\'s month-first dates are US ones: "1.500" is 1.5 and "1,500" is 1500; pass --decimal , to read them otherwise.',
      );
    } else if (ambiguous) {
      // Read as thousands, which is right more often than not; but say so, since the user may mean otherwise.
      const { example, separator, asThousands, asDecimal } = ambiguous;
      plan.notes.push(
        `Amounts such as "${example}" read as ${asThousands}, "${separator}" a thousands separator, as nothing in the file tells its decimal separator; pass --decimal ${separator} to read them as ${asDecimal}.`,
      );
    }
  }

  const titleTemplate = options.titleTemplate ?? defaults.title_template;
  const templateColumns = new Map<string, number>();
  if (titleTemplate !== undefined) {
    // Named where it was written: the flag, or the mapping file's defaults.title_template (at its line and column).
    const fromFlag = options.titleTemplate !== undefined;
    const templateAt = fromFlag ? '--title-template' : `${where}: defaults.title_template`;
    const templatePath = fromFlag ? undefined : ['defaults', 'title_template'];
    const placeholders = [...titleTemplate.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!.trim());
    if (placeholders.length === 0) {
      throw new MappingError(
        `${templateAt}: title template "${titleTemplate}" has no placeholder; use fields like {organization} and {name}, or column names in braces.`,
        templatePath,
      );
    }
    for (const p of placeholders) {
      if (TEMPLATE_FIELDS.includes(p)) continue;
      const index = header.findIndex((h) => normaliseHeaderName(h) === normaliseHeaderName(p));
      if (index === -1) {
        throw new MappingError(
          `${templateAt}: title template placeholder {${p}} is neither a field (${TEMPLATE_FIELDS.join(', ')}) nor a column (${headerList})${didYouMean(p, [...TEMPLATE_FIELDS, ...header])}.`,
          templatePath,
        );
      }
      templateColumns.set(p, index);
    }
  }

  const constants = customConstants(spec);
  const resolveCustom = (of: Entity) =>
    resolveCustomFields(
      of,
      [
        ...customMatches.filter((c) => c.of === of).map((c) => ({ name: c.name, column: c.column })),
        ...constants.filter((c) => c.of === of).map((c) => ({ name: c.name, constant: c.value })),
      ],
      catalogue,
      where,
    );

  const optionLookup = (entity: Entity, key: string): OptionLookup | undefined => {
    const field = catalogue?.standard(entity, key);
    if (!field?.options) return undefined;
    return { name: field.name, byLabel: field.options, labels: field.optionLabels ?? [] };
  };

  // The file's system may name its own columns of what its rows say (Dropcontact's `qualification`).
  const system = SOURCE_SYSTEMS.find((s) => s.id === plan.system?.id);
  const systemStatus = system?.emailStatus;
  const emailStatusColumn = emails.length
    ? header.findIndex((h) => {
        const name = normaliseHeaderName(h);
        return (
          EMAIL_STATUS_HEADERS.has(name) ||
          (systemStatus !== undefined && name === normaliseHeaderName(systemStatus))
        );
      })
    : -1;
  const bouncedStatusColumn = emails.length ? columnNamed(system?.bouncedStatus?.column) : undefined;
  // Not where a mapping file imports that column as something (`Role` as the job title): the user reads it otherwise.
  const ownSideAt = columnNamed(system?.ownSideRows?.column);
  const ownSideColumn = plan.matches.some((m) => m.index === ownSideAt && m.source === 'mapping')
    ? undefined
    : ownSideAt;
  const gradedEmailColumns = Object.entries(system?.gradedEmails ?? {}).flatMap(([name, meaning]) => {
    const column = emails.find(
      (e) => normaliseHeaderName(header[e.column] ?? '') === normaliseHeaderName(name),
    )?.column;
    return column === undefined ? [] : [{ column, meaning }];
  });
  // Each address's own status column, where the file has one per address: its header is the email column's with a
  // status word added (`Email status 2` of `Email 2`, `Email 1 Validation` of `Email 1`, `Email Status` of `Email`).
  // Only a column no field took (a mapping file that imports one as a custom field reads it so).
  // Each header is normalised once, into the email column's name it would be the status of (the first such column
  // wins): a header of thousands of `Email N`/`Email status N` pairs is paired in one pass, not one per email column.
  const taken = new Set(plan.matches.map((m) => m.index));
  const statusColumnOf = new Map<string, number>();
  header.forEach((h, i) => {
    if (taken.has(i)) return;
    const name = normaliseHeaderName(h);
    for (const word of EMAIL_STATUS_WORDS) {
      if (!name.includes(word)) continue;
      const own = name.replace(word, '');
      if (!statusColumnOf.has(own)) statusColumnOf.set(own, i);
    }
  });
  const skippedAt = new Map<number, (typeof plan.skipped)[number]>();
  for (const k of plan.skipped) if (!skippedAt.has(k.index)) skippedAt.set(k.index, k);
  for (const e of emails) {
    const statusColumn = statusColumnOf.get(normaliseHeaderName(header[e.column] ?? ''));
    if (statusColumn === undefined) continue;
    e.statusColumn = statusColumn;
    const skipped = skippedAt.get(statusColumn);
    if (skipped?.unrecognised) {
      skipped.reason = `says whether "${header[e.column]}"'s address works: not imported, but an address it calls invalid is not made the person's primary while the row has another, and is said`;
      delete skipped.unrecognised;
    }
  }
  const mapped = new Set([...Object.values(columns), ...Object.values(fallbacks).flat()]);
  // Only a column whose values say person or organization (in the rows read ahead) and nothing else: a `Type` that
  // is a customer type (`Prospect`, `Business` for B2B) must not turn a person's row into an organization's.
  const recordKindColumn =
    columns['person.name'] !== undefined
      ? header.findIndex((h, i) => {
          if (mapped.has(i) || !RECORD_KIND_HEADERS.has(normaliseHeaderName(h))) return false;
          const values = sampleValues(options.sample ?? [], i);
          return values.every((v) => RECORD_KINDS.test(v)) && values.some((v) => ORGANIZATION_KIND.test(v));
        })
      : -1;
  const kindSkipped = plan.skipped.find((k) => k.index === recordKindColumn);
  if (kindSkipped) {
    kindSkipped.reason = `says whether a row is a person's or an organization's: on an organization's row, "${header[columns['person.name'] as number]}" is the organization's name and the row has no person`;
    delete kindSkipped.unrecognised;
  }
  return {
    header,
    plan,
    columns,
    fallbacks,
    ...(organizationLists.length ? { organizationLists } : {}),
    emails,
    phones,
    noteColumns,
    ...(headedNotes.length ? { headedNotes } : {}),
    ...(Object.keys(noteHeadings).length ? { noteHeadings } : {}),
    keptInNote,
    ...(websiteLabelColumn !== undefined ? { websiteLabelColumn } : {}),
    ...(personAddress ? { personAddress } : {}),
    ...(organizationAddress ? { organizationAddress } : {}),
    customFields: resolveCustom('lead'),
    personCustomFields: resolveCustom('person'),
    organizationCustomFields: resolveCustom('organization'),
    ...optionalEntry(
      'personLabels',
      columns['person.labels'] !== undefined ? optionLookup('person', 'label_ids') : undefined,
    ),
    ...optionalEntry(
      'organizationLabels',
      columns['organization.labels'] !== undefined ? optionLookup('organization', 'label_ids') : undefined,
    ),
    ...optionalEntry(
      'industries',
      columns['organization.industry'] !== undefined ? optionLookup('organization', 'industry') : undefined,
    ),
    defaults: resolvedDefaults,
    ...(titleTemplate !== undefined ? { titleTemplate } : {}),
    templateColumns,
    ...(dateOrder ? { dateOrder } : {}),
    ...(decimalMark ? { decimalMark } : {}),
    groupsPlan,
    ...(usersByEmail ? { usersByEmail } : {}),
    ...(usersByName ? { usersByName } : {}),
    ...(labelsByName ? { labelsByName } : {}),
    ...(currencyCodes ? { currencyCodes } : {}),
    ...(currencyNames ? { currencyNames } : {}),
    ...(channelsByName ? { channelsByName } : {}),
    ...(reference?.labels ? { labelNames: reference.labels.map((l) => l.name) } : {}),
    ...(channelField ? { channelNames: (channelField.options ?? []).map((o) => o.label) } : {}),
    ...(emailStatusColumn >= 0 ? { emailStatusColumn } : {}),
    ...(bouncedStatusColumn !== undefined ? { bouncedStatusColumn } : {}),
    ...(ownSideColumn !== undefined ? { ownSideColumn } : {}),
    ...(gradedEmailColumns.length ? { gradedEmailColumns } : {}),
    ...(recordKindColumn >= 0 ? { recordKindColumn } : {}),
    ...(columns['person.name'] !== undefined &&
    namesLastFirst(sampleValues(options.sample ?? [], columns['person.name']))
      ? { namesLastFirst: true }
      : {}),
    online,
  };
}

function withColumn(
  address: AddressColumns | undefined,
  part: AddressPart | 'whole',
  index: number,
): AddressColumns {
  return { ...address, [part]: [...(address?.[part] ?? []), index] };
}

function optionalEntry<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Standard fields by target, as the account's field lists name them. */
const STANDARD_KEYS: Partial<Record<string, { entity: Entity; key: string; what: string }>> = {
  'person.job_title': { entity: 'person', key: 'job_title', what: 'job title field' },
  'person.birthday': { entity: 'person', key: 'birthday', what: 'birthday field' },
  'person.postal_address': { entity: 'person', key: 'postal_address', what: 'postal address field' },
  'person.labels': { entity: 'person', key: 'label_ids', what: 'person labels' },
  'person.marketing_status': {
    entity: 'person',
    key: 'marketing_status',
    what: 'marketing status field (it comes with Campaigns)',
  },
  'person.email_opt_out': {
    entity: 'person',
    key: 'marketing_status',
    what: 'marketing status field (it comes with Campaigns), where an opt-out is kept',
  },
  'organization.address': { entity: 'organization', key: 'address', what: 'address field' },
  'organization.website': { entity: 'organization', key: 'website', what: 'website field' },
  'organization.linkedin': { entity: 'organization', key: 'linkedin', what: 'LinkedIn field' },
  'organization.industry': { entity: 'organization', key: 'industry', what: 'industry field' },
  'organization.employee_count': {
    entity: 'organization',
    key: 'employee_count',
    what: 'employee count field',
  },
  'organization.annual_revenue': {
    entity: 'organization',
    key: 'annual_revenue',
    what: 'annual revenue field',
  },
  'organization.labels': { entity: 'organization', key: 'label_ids', what: 'organization labels' },
};

/** Why the account cannot take this target, or undefined when it can (or we cannot tell, offline). */
function missingStandardField(target: Target, catalogue: FieldCatalogue | undefined): string | undefined {
  if (target.entity === 'custom' || !catalogue) return undefined;
  const slot = `${target.entity}.${target.field}`;
  const standard = STANDARD_KEYS[slot];
  if (!standard) return undefined;
  return catalogue.hasStandard(standard.entity, standard.key) === false
    ? `this Pipedrive account has no ${standard.what}`
    : undefined;
}

/**
 * Why a column found by its name (`Tags`, `Owner`) is not this company's lead labels or users: fewer than half of the
 * distinct names in the sample rows are (the words to say so), or undefined when at least half are, or when that
 * cannot be told (offline, or no value in the sample). A column mostly of names the company has is its own: a row
 * naming another is a mistake to fix, and is refused as such.
 */
function foreignNames(
  m: ColumnMatch,
  reference: ReferenceData | undefined,
  sample: readonly (readonly string[])[] | undefined,
): string | undefined {
  const slot = targetSlot(m.target);
  const kind =
    slot === 'lead.labels' && reference?.labels
      ? {
          names: reference.labels.map((l) => l.name),
          what: 'a lead label',
          known: (n: string) => reference.labels?.some((l) => optionKey(l.name) === optionKey(n)) === true,
        }
      : slot === 'lead.owner' && reference?.users
        ? {
            names: reference.users.filter((u) => u.active_flag !== false).map((u) => u.name),
            what: 'an active Pipedrive user',
            // A user who left, or an address at the company's own domain, is still the company's: refused per row.
            known: (n: string) =>
              reference.users?.some((u) => {
                const value = n.toLowerCase();
                const email = u.email.toLowerCase();
                return (
                  email === value ||
                  u.name.trim().toLowerCase() === value ||
                  (value.includes('@') && value.split('@').pop() === email.split('@').pop())
                );
              }) === true,
          }
        : undefined;
  if (!kind || !sample) return undefined;
  const values = sampleValues(sample, m.index).flatMap((cell) =>
    slot === 'lead.labels' ? splitList(cell) : [cell],
  );
  // One of a marketing tool's tags that happens to be a label's name (`hot` beside `webinar-nov`, `newsletter`) does not
  // make the column this company's: its other rows would each be refused. Its own when most distinct names are known.
  const distinct = [...new Set(values)];
  if (distinct.length === 0 || distinct.filter(kind.known).length * 2 >= distinct.length) return undefined;
  const theirs = kind.names.length
    ? ` (${kind.names.slice(0, 5).join(', ')}${kind.names.length > 5 ? ', …' : ''})`
    : '';
  const some = distinct.some(kind.known);
  // The examples are the names the company does not have: its own would contradict the message.
  const unknown = values.filter((v) => !kind.known(v));
  return `${some ? 'most of its values' : 'none of its values'} (${someOf(unknown)}) ${some ? 'are not' : 'is'} ${kind.what} of this company${theirs}, as in a file from another system`;
}

/** A numbered answer column (`Response 1`, `Answer 2`), normalised: its question is `Question <n>`. */
const ANSWER_COLUMN = /^(response|answer)(\d+)$/;

/**
 * Up to three of a column's distinct values, for a message: quoted as JSON and cut, so a cell's control characters
 * reach no terminal and a long one no summary; `…` when there are more.
 */
function someOf(values: readonly string[]): string {
  const distinct = [...new Set(values)];
  const examples = distinct.slice(0, 3).map((v) => JSON.stringify(v.length > 40 ? `${v.slice(0, 39)}…` : v));
  return `${examples.join(', ')}${distinct.length > 3 ? ', …' : ''}`;
}

/**
 * Why a column found by its name alone (`Segment`, `Lead score`, like the account's custom fields) holds what that
 * field cannot take: none of the values in the sample rows is one of its options, a number or a date as the field
 * is. Undefined when one fits (the column is that field, and a row with another value is a mistake to fix, refused
 * as such), when the field takes any text, or offline. Another system's segments and scores are kept in the note.
 */
function unfitForCustomField(
  m: ColumnMatch,
  catalogue: FieldCatalogue | undefined,
  sample: readonly (readonly string[])[] | undefined,
): string | undefined {
  if (m.target.entity !== 'custom' || !catalogue || !sample) return undefined;
  const field = catalogue.custom(m.target.of, m.target.name);
  if (!field) return undefined;
  const option = (v: string) => field.options?.has(optionKey(v)) === true;
  const fits: ((v: string) => boolean) | undefined =
    field.type === 'enum'
      ? option
      : field.type === 'set'
        ? (v) => splitList(v).every(option)
        : field.type === 'double' || field.type === 'monetary'
          ? (v) => parseAmount(v).error === undefined
          : field.type === 'date'
            ? (v) => parseDate(v, 'DMY').error === undefined || parseDate(v, 'MDY').error === undefined
            : undefined;
  if (!fits) return undefined;
  const values = sampleValues(sample, m.index);
  if (values.length === 0 || values.some(fits)) return undefined;
  const named = `the ${m.target.of === 'lead' ? 'lead (deal)' : m.target.of} field "${field.name}"`;
  const what =
    field.type === 'enum' || field.type === 'set'
      ? `an option of ${named}`
      : `${field.type === 'date' ? 'a date' : 'a number'}, as ${named} takes`;
  return `none of its values (${someOf(values)}) is ${what}, as in a file from another system`;
}

function uniqueByName(users: User[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const u of users)
    counts.set(u.name.trim().toLowerCase(), (counts.get(u.name.trim().toLowerCase()) ?? 0) + 1);
  return new Map(
    users
      .filter((u) => counts.get(u.name.trim().toLowerCase()) === 1)
      .map((u) => [u.name.trim().toLowerCase(), u.id]),
  );
}

function resolveCustomFields(
  entity: Entity,
  entries: { name: string; column?: number; constant?: string }[],
  catalogue: FieldCatalogue | undefined,
  where: string,
): ResolvedCustomField[] {
  const section = `${entity}_custom_fields`;
  return entries.map((entry) => {
    const base: ResolvedCustomField = {
      entity,
      name: entry.name,
      ...(entry.column !== undefined ? { column: entry.column } : {}),
      ...(entry.constant !== undefined ? { constant: entry.constant } : {}),
    };
    if (!catalogue?.has(entity)) return base;
    const field = catalogue.custom(entity, entry.name);
    if (!field) {
      const known = catalogue.customFields(entity).map((f) => `"${f.name}"`);
      throw new MappingError(
        entity === 'lead'
          ? `${where}: custom field "${entry.name}" does not exist in Pipedrive (lead custom fields are deal fields); known custom fields: ${known.join(', ') || 'none'}.`
          : `${where}: ${section}: ${entity} custom field "${entry.name}" does not exist in Pipedrive; known custom ${entity} fields: ${known.join(', ') || 'none'}.`,
        [entity === 'lead' ? 'custom_fields' : section, entry.name],
      );
    }
    return bindField(base, field, where);
  });
}

function bindField(base: ResolvedCustomField, field: CatalogueField, where: string): ResolvedCustomField {
  if (!SUPPORTED_CUSTOM_TYPES.has(field.type)) {
    throw new MappingError(
      `${where}: custom field "${field.name}" has type ${field.type}, which cannot be filled from a CSV cell; remove it from the mapping.`,
    );
  }
  const resolved: ResolvedCustomField = { ...base, name: field.name, key: field.key, type: field.type };
  if ((field.type === 'enum' || field.type === 'set') && field.options) {
    resolved.options = field.options;
    resolved.optionLabels = field.optionLabels ?? [];
    if (base.constant !== undefined) {
      for (const label of field.type === 'set' ? splitList(base.constant) : [base.constant]) {
        if (!field.options.has(optionKey(label))) {
          throw new MappingError(
            `${where}: "${label}" is not an option of custom field "${field.name}"; options: ${(field.optionLabels ?? []).join(', ')}.`,
          );
        }
      }
    }
  }
  return resolved;
}

/**
 * The mapping as people read it (for `--dry-run` and the import record): each column with its
 * field and the reason, the columns not imported and why, the readings to check, and the
 * defaults. No secrets, nothing from rows.
 */
export function describeMapping(m: ResolvedMapping): MappingDescription {
  const d = m.defaults;
  const defaults: Record<string, unknown> = {};
  if (d.currency) defaults.currency = d.currency;
  else if (d.currencyFromUser) defaults.currency = "the API user's default currency";
  if (d.ownerEmail) defaults.owner = d.ownerId ? `${d.ownerEmail} (${d.ownerId})` : d.ownerEmail;
  if (d.labelNames.length) defaults.labels = d.labelNames;
  if (d.visibleTo) defaults.visible_to = d.visibleTo;
  if (d.channelName) defaults.channel = d.channel ? `${d.channelName} (${d.channel})` : d.channelName;
  defaults.origin_id = d.originId ?? "the import id and the row's line (imp-…:12)";
  defaults.title =
    m.titleTemplate ??
    (m.columns['lead.title'] !== undefined ? 'the title column' : '{organization} lead, else {name} lead');
  if (m.dateOrder) defaults.date_format = m.dateOrder === 'DMY' ? 'DD/MM/YYYY' : 'MM/DD/YYYY';
  const custom = [...m.customFields, ...m.personCustomFields, ...m.organizationCustomFields];
  const positionOf = positionsOfRepeated(m.header);
  return {
    ...(m.plan.system
      ? {
          system: `${m.plan.system.name} (recognised by ${m.plan.system.evidence.map((e) => `"${e}"`).join(', ')})`,
        }
      : {}),
    columns: m.plan.matches.map((c) => {
      const field = custom.find(
        (f) => f.column === c.index && c.target.entity === 'custom' && f.entity === c.target.of,
      );
      return {
        column: c.header,
        ...positionOf(c.index),
        field: field
          ? `custom.${field.entity}:${field.name}${field.key ? ` (${field.key})` : ''}`
          : describeTarget(c.target, m),
        reason: c.reason,
      };
    }),
    notImported: columnsNotImported(m),
    notes: m.plan.notes,
    constants: Object.fromEntries(
      custom.filter((f) => f.constant !== undefined).map((f) => [`custom.${f.entity}:${f.name}`, f.constant]),
    ),
    defaults,
  };
}

/**
 * The columns a mapping leaves out, each with its reason; `unrecognised` when no field is named like it. A column
 * only the title template reads is understood, not one "no field is named like": the import must not warn about it
 * (and advise cancelling), as it did for examples/mapping.yaml's `{Interest}`.
 */
export function columnsNotImported(m: ResolvedMapping): MappingDescription['notImported'] {
  const positionOf = positionsOfRepeated(m.header);
  return m.plan.skipped.map((s) => {
    const column = { column: s.header, ...positionOf(s.index) };
    const placeholder = [...m.templateColumns].find(([, index]) => index === s.index)?.[0];
    if (placeholder !== undefined)
      return {
        ...column,
        reason: `no field of its own; read into the lead title ({${placeholder}} in the title template)`,
      };
    return { ...column, reason: s.reason, ...(s.unrecognised ? { unrecognised: true as const } : {}) };
  });
}

/**
 * Each column's number (from 1) where another column has the same header, which is how a mapping file tells the two
 * apart: without it the description's two lines of `Phone` read alike, one imported, one not. The repeated headers
 * are found once (a header can have thousands of columns).
 */
function positionsOfRepeated(header: readonly string[]): (index: number) => { position?: number } {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) repeated.add(h);
    else seen.add(h);
  }
  return (index) => (repeated.has(header[index] as string) ? { position: index + 1 } : {});
}

function describeTarget(t: Target, m: ResolvedMapping): string {
  const text = targetText(t);
  if (t.entity !== 'person') return text;
  const from = [
    ...(t.labelColumn !== undefined ? [`label from "${t.labelColumn}"`] : []),
    ...(t.extensionColumn !== undefined ? [`extension from "${t.extensionColumn}"`] : []),
  ];
  if (from.length)
    return `${t.labelColumn === undefined && !t.label ? `${text}:work` : text} (${from.join(', ')})`;
  if ((t.field === 'email' || t.field === 'phone') && !t.label) return `${text}:work`;
  void m;
  return text;
}

export interface MappingDescription {
  /** The system the header conventions were recognised from. */
  system?: string;
  /** `position`: the column's number (from 1), where another column has the same header. */
  columns: { column: string; position?: number; field: string; reason: string }[];
  /** `unrecognised`: no field is named like the column (see {@link SkippedColumn}). */
  notImported: { column: string; position?: number; reason: string; unrecognised?: true }[];
  notes: string[];
  constants: Record<string, string | undefined>;
  defaults: Record<string, unknown>;
}
