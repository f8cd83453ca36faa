import type { Currency, DealField, LeadLabel, User } from '../pipedrive/types.js';
import { MappingError } from './errors.js';
import type { FieldPath, MappingSpec } from './mapping-spec.js';
import { FIELD_PATHS } from './mapping-spec.js';
import {
  type DateOrder,
  normaliseCurrency,
  parseDateOrder,
  parseVisibility,
  splitList,
  type Visibility,
} from './normalise.js';

/** Header names compare case-, accent-spacing- and punctuation-insensitively: `E-mail ` = `email`. */
export function normaliseHeaderName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Headers each field takes by itself when no mapping names a column for it (normalised spellings). */
export const AUTO_HEADERS: Record<FieldPath, string[]> = {
  'lead.title': ['title', 'leadtitle', 'leadname', 'subject', 'opportunity', 'opportunityname'],
  'lead.value': ['value', 'amount', 'dealvalue', 'leadvalue', 'dealamount', 'dealsize', 'budget'],
  'lead.currency': ['currency', 'currencycode', 'valuecurrency'],
  'lead.expected_close_date': ['expectedclosedate', 'closedate', 'closingdate', 'expectedclose'],
  'lead.owner': ['owner', 'owneremail', 'leadowner', 'leadowneremail', 'assignedto', 'salesrep'],
  'lead.labels': ['labels', 'label', 'tags', 'tag', 'leadlabels'],
  'lead.visible_to': ['visibility', 'visibleto'],
  'lead.was_seen': ['wasseen', 'seen'],
  'lead.channel': ['channel', 'marketingchannel', 'sourcechannel'],
  'lead.channel_id': ['channelid', 'sourcechannelid'],
  'lead.origin_id': ['originid'],
  'person.name': ['name', 'fullname', 'contact', 'contactname', 'personname', 'person', 'contactperson'],
  'person.first_name': ['firstname', 'givenname', 'forename', 'first'],
  'person.last_name': ['lastname', 'surname', 'familyname', 'last'],
  'person.email': [
    'email',
    'emailaddress',
    'workemail',
    'contactemail',
    'primaryemail',
    'businessemail',
    'mail',
  ],
  'person.phone': [
    'phone',
    'mobile',
    'phonenumber',
    'mobilephone',
    'telephone',
    'tel',
    'workphone',
    'cell',
    'mobilenumber',
  ],
  'organization.name': [
    'company',
    'organization',
    'organisation',
    'account',
    'companyname',
    'organizationname',
    'organisationname',
    'accountname',
    'org',
    'employer',
  ],
};

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
}

export interface ReferenceNeeds {
  currentUser: boolean;
  users: boolean;
  labels: boolean;
  currencies: boolean;
  dealFields: boolean;
}

export interface ResolvedCustomField {
  /** Pipedrive's name of the field. */
  name: string;
  /** 40-hex key, or undefined offline. */
  key?: string;
  /** Field type, or undefined offline. */
  type?: string;
  column?: number;
  constant?: string;
  /** enum/set options by lower-cased label. */
  options?: Map<string, number | string>;
  /** Option labels as Pipedrive writes them (for messages). */
  optionLabels?: string[];
}

export interface ResolveOptions {
  /** Where the header was read, as `file.csv:LINE`, for errors about the header itself. */
  headerSource?: string;
  titleTemplate?: string;
  dateOrder?: DateOrder;
  currency?: string;
  /** Premium/Ultimate: visibility groups (changes what "company" means). */
  groupsPlan?: boolean;
  /** Name of the mapping file, for messages. */
  mappingName?: string;
}

/** A mapping bound to one header and one Pipedrive company: what the row validator runs on. */
export interface ResolvedMapping {
  header: string[];
  /** Column index of each mapped field. */
  columns: Partial<Record<FieldPath, number>>;
  /** How each mapped field was found: from the mapping file, or automatically from the header. */
  sources: Partial<Record<FieldPath, 'mapping' | 'auto'>>;
  customFields: ResolvedCustomField[];
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
  groupsPlan: boolean;
  /** Lookups (undefined offline). */
  usersByEmail?: Map<string, number>;
  labelsByName?: Map<string, string>;
  currencyCodes?: Set<string>;
  channelsByName?: Map<string, number>;
  /** Names as Pipedrive writes them, for messages. */
  labelNames?: string[];
  channelNames?: string[];
  /** Whether Pipedrive was consulted (false with --offline). */
  online: boolean;
}

/** Placeholders a title template can use besides column names. */
export const TEMPLATE_FIELDS = ['organization', 'name', 'first_name', 'last_name', 'email', 'phone'];

/** What reference data a mapping needs from Pipedrive, so the producer fetches only that. */
export function referenceNeeds(spec: MappingSpec, header: string[], currencyOption?: string): ReferenceNeeds {
  const mapped = (path: FieldPath) => findColumn(spec, header, path) !== undefined;
  const defaults = spec.defaults ?? {};
  const hasValue = mapped('lead.value');
  return {
    // Amounts without a currency (an empty currency cell too) take the API user's default one.
    currentUser: hasValue && !defaults.currency && !currencyOption,
    users:
      mapped('lead.owner') ||
      defaults.owner !== undefined ||
      Object.keys(spec.custom_fields ?? {}).length > 0,
    labels: mapped('lead.labels') || defaults.labels !== undefined,
    currencies: hasValue || Object.keys(spec.custom_fields ?? {}).length > 0,
    dealFields:
      Object.keys(spec.custom_fields ?? {}).length > 0 ||
      mapped('lead.channel') ||
      defaults.channel !== undefined,
  };
}

/** Where a field's column is, by the mapping file or (unless `auto: false`) by a well-known header. */
function findColumn(spec: MappingSpec, header: string[], path: FieldPath): number | undefined {
  const explicit = explicitColumnName(spec, path);
  if (explicit !== undefined) return indexOfHeader(header, explicit);
  if (spec.auto === false) return undefined;
  const taken = new Set(
    FIELD_PATHS.map((p) => explicitColumnName(spec, p))
      .filter((c): c is string => c !== undefined)
      .map(normaliseHeaderName),
  );
  for (const customTarget of Object.values(spec.custom_fields ?? {})) {
    const column = typeof customTarget === 'string' ? customTarget : customTarget.column;
    if (column) taken.add(normaliseHeaderName(column));
  }
  const names = header.map(normaliseHeaderName);
  for (const synonym of AUTO_HEADERS[path]) {
    const i = names.indexOf(synonym);
    if (i !== -1 && !taken.has(synonym)) return i;
  }
  return undefined;
}

function explicitColumnName(spec: MappingSpec, path: FieldPath): string | undefined {
  const [section, field] = path.split('.') as [keyof MappingSpec, string];
  const value = (spec[section] as Record<string, string> | undefined)?.[field];
  return value;
}

function indexOfHeader(header: string[], name: string): number | undefined {
  const wanted = normaliseHeaderName(name);
  const i = header.findIndex((h) => normaliseHeaderName(h) === wanted);
  return i === -1 ? undefined : i;
}

/** Throws when two header names are the same once normalised (`Email` and `e-mail`). */
export function assertDistinctHeader(header: string[], fileName: string, headerLine: number): void {
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  header.forEach((h, i) => {
    const key = normaliseHeaderName(h);
    if (!key) return;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else duplicates.push(`"${header[first]}" (column ${first + 1}) and "${h}" (column ${i + 1})`);
  });
  if (duplicates.length > 0) {
    throw new MappingError(
      `${fileName}:${headerLine}: duplicate column names ${duplicates.join(', ')}; rename one of each pair so every column has its own name.`,
    );
  }
}

/**
 * Binds a mapping to a header and to the company's reference data (users, labels, currencies,
 * deal fields). Every problem a whole import would hit is raised here, once, as a
 * {@link MappingError}: an unknown column, custom field, label, owner or option.
 * Without reference data (offline) names stay unresolved; only a dry run can use that.
 */
export function resolveMapping(
  spec: MappingSpec,
  header: string[],
  reference: ReferenceData | undefined,
  options: ResolveOptions = {},
): ResolvedMapping {
  const where = options.mappingName ?? 'mapping';
  const columns: Partial<Record<FieldPath, number>> = {};
  const sources: Partial<Record<FieldPath, 'mapping' | 'auto'>> = {};
  const headerList = header.map((h) => `"${h}"`).join(', ');
  for (const path of FIELD_PATHS) {
    const explicit = explicitColumnName(spec, path);
    const index = findColumn(spec, header, path);
    if (explicit !== undefined && index === undefined) {
      throw new MappingError(
        `${where}: ${path} is mapped to column "${explicit}", which the file does not have; its columns are ${headerList}.`,
      );
    }
    if (index !== undefined) {
      columns[path] = index;
      sources[path] = explicit !== undefined ? 'mapping' : 'auto';
    }
  }
  const hasContact =
    columns['person.name'] !== undefined ||
    columns['person.first_name'] !== undefined ||
    columns['person.last_name'] !== undefined ||
    columns['person.email'] !== undefined ||
    columns['organization.name'] !== undefined;
  if (!hasContact) {
    throw new MappingError(
      `${options.headerSource ? `${options.headerSource}: ` : ''}No column names a person or an organization (columns: ${headerList}). Name them like "Name", "Email" or "Company", or map them in a mapping file (--mapping mapping.yaml). The first line must be the header.`,
    );
  }

  const online = reference !== undefined;
  const usersByEmail = reference?.users
    ? new Map(
        reference.users.filter((u) => u.active_flag !== false).map((u) => [u.email.toLowerCase(), u.id]),
      )
    : undefined;
  const labelsByName = reference?.labels
    ? new Map(reference.labels.map((l) => [l.name.trim().toLowerCase(), l.id]))
    : undefined;
  const currencyCodes = reference?.currencies
    ? new Set(reference.currencies.filter((c) => c.active_flag !== false).map((c) => c.code.toUpperCase()))
    : undefined;
  const channelField = reference?.dealFields?.find((f) => f.key === 'channel');
  const channelsByName = channelField
    ? new Map((channelField.options ?? []).map((o) => [o.label.trim().toLowerCase(), Number(o.id)]))
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
    if (parsed.value === undefined) {
      throw new MappingError(`${where}: default currency "${currencyText}" ${parsed.error}.`);
    }
    if (currencyCodes && !currencyCodes.has(parsed.value)) {
      throw new MappingError(
        `${where}: default currency ${parsed.value} is not one of the company's currencies (${[...currencyCodes].join(', ')}).`,
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
    const email = String(defaults.owner).trim().toLowerCase();
    resolvedDefaults.ownerEmail = email;
    if (usersByEmail) {
      const id = usersByEmail.get(email);
      if (id === undefined) {
        throw new MappingError(
          `${where}: default owner "${defaults.owner}" is not an active user of the company; users: ${[...usersByEmail.keys()].join(', ')}.`,
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
        const id = labelsByName.get(n.trim().toLowerCase());
        if (!id) {
          throw new MappingError(
            `${where}: default label "${n}" does not exist in Pipedrive; labels: ${[...(reference?.labels ?? [])].map((l) => l.name).join(', ')}. Create it in Pipedrive or fix the name.`,
          );
        }
        return id;
      });
    }
  }
  if (defaults.visible_to !== undefined) {
    const parsed = parseVisibility(String(defaults.visible_to), groupsPlan);
    if (parsed.error !== undefined)
      throw new MappingError(`${where}: default visible_to "${defaults.visible_to}" ${parsed.error}.`);
    resolvedDefaults.visibleTo = parsed.value;
  }
  if (defaults.channel !== undefined) {
    resolvedDefaults.channelName = String(defaults.channel);
    if (channelsByName) {
      const id = channelsByName.get(String(defaults.channel).trim().toLowerCase());
      if (id === undefined) {
        throw new MappingError(
          `${where}: default channel "${defaults.channel}" is not one of the company's marketing channels (${(channelField?.options ?? []).map((o) => o.label).join(', ')}).`,
        );
      }
      resolvedDefaults.channel = id;
    }
  }
  if (defaults.origin_id !== undefined) resolvedDefaults.originId = String(defaults.origin_id);

  let dateOrder = options.dateOrder;
  if (!dateOrder && defaults.date_format !== undefined) {
    dateOrder = parseDateOrder(String(defaults.date_format));
    if (!dateOrder) {
      throw new MappingError(
        `${where}: date_format "${defaults.date_format}" must be DD/MM/YYYY or MM/DD/YYYY.`,
      );
    }
  }

  const titleTemplate = options.titleTemplate ?? defaults.title_template;
  const templateColumns = new Map<string, number>();
  if (titleTemplate !== undefined) {
    const placeholders = [...titleTemplate.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!.trim());
    if (placeholders.length === 0) {
      throw new MappingError(
        `Title template "${titleTemplate}" has no placeholder; use fields like {organization} and {name}, or column names in braces.`,
      );
    }
    for (const p of placeholders) {
      if (TEMPLATE_FIELDS.includes(p)) continue;
      const index = indexOfHeader(header, p);
      if (index === undefined) {
        throw new MappingError(
          `Title template placeholder {${p}} is neither a field (${TEMPLATE_FIELDS.join(', ')}) nor a column (${headerList}).`,
        );
      }
      templateColumns.set(p, index);
    }
  }

  const customFields = resolveCustomFields(spec, header, reference, where, headerList);
  for (const field of customFields) {
    if (field.constant === undefined || !field.options) continue;
    for (const label of field.type === 'set' ? splitList(field.constant) : [field.constant]) {
      if (!field.options.has(label.toLowerCase())) {
        throw new MappingError(
          `${where}: "${label}" is not an option of custom field "${field.name}"; options: ${(field.optionLabels ?? []).join(', ')}.`,
        );
      }
    }
  }

  return {
    header,
    columns,
    sources,
    customFields,
    defaults: resolvedDefaults,
    ...(titleTemplate !== undefined ? { titleTemplate } : {}),
    templateColumns,
    ...(dateOrder ? { dateOrder } : {}),
    groupsPlan,
    ...(usersByEmail ? { usersByEmail } : {}),
    ...(labelsByName ? { labelsByName } : {}),
    ...(currencyCodes ? { currencyCodes } : {}),
    ...(channelsByName ? { channelsByName } : {}),
    ...(reference?.labels ? { labelNames: reference.labels.map((l) => l.name) } : {}),
    ...(channelField ? { channelNames: (channelField.options ?? []).map((o) => o.label) } : {}),
    online,
  };
}

function resolveCustomFields(
  spec: MappingSpec,
  header: string[],
  reference: ReferenceData | undefined,
  where: string,
  headerList: string,
): ResolvedCustomField[] {
  const entries = Object.entries(spec.custom_fields ?? {});
  const custom = reference?.dealFields?.filter((f) => f.edit_flag && f.active_flag !== false);
  return entries.map(([name, target]) => {
    const columnName = typeof target === 'string' ? target : target.column;
    const constant = typeof target === 'string' ? undefined : target.value;
    let column: number | undefined;
    if (columnName !== undefined) {
      column = indexOfHeader(header, columnName);
      if (column === undefined) {
        throw new MappingError(
          `${where}: custom field "${name}" is mapped to column "${columnName}", which the file does not have; its columns are ${headerList}.`,
        );
      }
    }
    const base: ResolvedCustomField = {
      name,
      ...(column !== undefined ? { column } : {}),
      ...(constant !== undefined ? { constant } : {}),
    };
    if (!custom) return base;
    const wanted = name.trim().toLowerCase();
    const field =
      custom.find((f) => f.key === name.trim()) ?? custom.find((f) => f.name.trim().toLowerCase() === wanted);
    if (!field) {
      throw new MappingError(
        `${where}: custom field "${name}" does not exist in Pipedrive (lead custom fields are deal fields); known custom fields: ${custom.map((f) => `"${f.name}"`).join(', ') || 'none'}.`,
      );
    }
    if (!SUPPORTED_CUSTOM_TYPES.has(field.field_type)) {
      throw new MappingError(
        `${where}: custom field "${field.name}" has type ${field.field_type}, which cannot be filled from a CSV cell; remove it from the mapping.`,
      );
    }
    const options =
      field.field_type === 'enum' || field.field_type === 'set'
        ? new Map((field.options ?? []).map((o) => [o.label.trim().toLowerCase(), o.id]))
        : undefined;
    return {
      ...base,
      name: field.name,
      key: field.key,
      type: field.field_type,
      ...(options ? { options, optionLabels: (field.options ?? []).map((o) => o.label) } : {}),
    };
  });
}

/**
 * The mapping as people read it (for `--dry-run` and the import record): field → column, and
 * the resolved custom fields and defaults. No secrets, nothing from rows.
 */
export function describeMapping(m: ResolvedMapping): Record<string, unknown> {
  const fields: Record<string, string> = {};
  for (const path of FIELD_PATHS) {
    const i = m.columns[path];
    if (i !== undefined) fields[path] = `${m.header[i]}${m.sources[path] === 'auto' ? ' (auto)' : ''}`;
  }
  const custom = Object.fromEntries(
    m.customFields.map((f) => [
      f.key ? `${f.name} (${f.key})` : f.name,
      f.column !== undefined ? `column ${m.header[f.column]}` : `constant ${JSON.stringify(f.constant)}`,
    ]),
  );
  const d = m.defaults;
  const defaults: Record<string, unknown> = {};
  if (d.currency) defaults.currency = d.currency;
  else if (d.currencyFromUser) defaults.currency = "the API user's default currency";
  if (d.ownerEmail) defaults.owner = d.ownerId ? `${d.ownerEmail} (${d.ownerId})` : d.ownerEmail;
  if (d.labelNames.length) defaults.labels = d.labelNames;
  if (d.visibleTo) defaults.visible_to = d.visibleTo;
  if (d.channelName) defaults.channel = d.channel ? `${d.channelName} (${d.channel})` : d.channelName;
  defaults.origin_id = d.originId ?? 'the import id';
  defaults.title = m.titleTemplate ?? '{organization} lead, else {name} lead';
  if (m.dateOrder) defaults.date_format = m.dateOrder === 'DMY' ? 'DD/MM/YYYY' : 'MM/DD/YYYY';
  const unmapped = m.header.filter(
    (_, i) => !Object.values(m.columns).includes(i) && !m.customFields.some((f) => f.column === i),
  );
  return { fields, customFields: custom, defaults, unmappedColumns: unmapped };
}
