import { DLQ_EXPORT_COLUMNS, REJECTS_COLUMNS } from '../csv/own-columns.js';
import { MappingError } from './errors.js';
import type { FieldCatalogue } from './field-catalogue.js';
import {
  AMBIGUOUS_NAME_HEADERS,
  asksQuestion,
  COMPANY_WORD,
  companysFieldName,
  DO_NOT_CALL,
  DO_NOT_CONTACT,
  extensionHeader,
  GENERIC_ADDRESS,
  GENERIC_HEADERS,
  GENERIC_IGNORED,
  GENERIC_PATTERNS,
  GENERIC_PHONE_NAMES,
  JOB_TITLE_WORDS,
  JOB_TITLE_WORDS_ELSEWHERE,
  type Meaning,
  normaliseHeaderName,
  PERSON_LINKEDIN,
  PIPEDRIVE_EXPORT_ENTITIES,
  PIPEDRIVE_EXPORT_FIELDS,
  PIPEDRIVE_LIST_EXPORT_BY_ANALOGY,
  PIPEDRIVE_LIST_EXPORT_CREATED,
  PIPEDRIVE_LIST_EXPORT_VISIBLE_TO,
  SOURCE_SYSTEMS,
  type SourceSystem,
  sameNameKey,
  withoutTags,
} from './header-conventions.js';
import {
  type ColumnReference,
  columnReference,
  didYouMean,
  explicitAssignments,
  MAX_FALLBACKS,
  type MappingSpec,
  mappingPath,
  referenceText,
} from './mapping-spec.js';
import {
  LINKEDIN_COMPANY_PAGE,
  LINKEDIN_PERSON_PROFILE,
  normaliseEmail,
  onlyTitles,
  plainLetters,
} from './normalise.js';
import {
  type AddressPart,
  contactLabelOf,
  type Entity,
  isMultiColumn,
  parseTarget,
  type Target,
  targetSlot,
  targetText,
} from './targets.js';

/** A column and the field it fills, with the reason the dry run gives. */
export interface ColumnMatch {
  index: number;
  header: string;
  target: Target;
  source: 'mapping' | 'auto';
  /** `mapping file (person.email)`, `auto: Salesforce report "Company / Account"`… */
  reason: string;
  /** Among columns of one multi-column field (emails, phones, notes): lower comes first (the primary). */
  order: number;
  /**
   * A column no field takes whose values go into the lead's note after `label` (a person's LinkedIn profile as
   * `LinkedIn: https://…`), and why, for the dry run.
   */
  keptInNote?: { label: string; why: string; flag?: string };
  /**
   * A second column for a one-column field (the team's `Company` beside an enrichment's `company`, `Account Name`
   * beside `Company`), or a second LinkedIn profile for the note: a row takes it where the columns before it (these)
   * are empty, so no row loses a value it has.
   */
  fallbackOf?: number[];
  /** A note column kept under its header even when it is the note's only one (a form's own field: `Interested in`). */
  headed?: true;
  /**
   * The mapping file names the column by its number or by which of the columns of its name it is (`{ column: 9 }`,
   * `{ column: Titre, occurrence: 2 }`): the one of a name the file has twice it means is not in doubt.
   */
  pinned?: true;
  /** The column of its labels (`label_column`), where the mapping file names it by its number or occurrence. */
  labelColumnAt?: number;
  /** The column of its extensions (`extension_column`), where the mapping file names it by its number or occurrence. */
  extensionColumnAt?: number;
}

/** A header that says its emails are work addresses (`Work Email`, `Business e-mail`, `E-Mail geschäftlich`). */
const SAYS_WORK =
  /work|business|office|corporate|company|professional|arbeit|gesch[aä]ft|dienst|firm|travail|trabajo|lavoro|werk|zakelijk|bedrijf|służbow|рабоч/;

/** What the dry run says of an email column that does not say whose addresses they are. */
const FREE_MAIL_REASON = 'an address at a free-mail provider (gmail.com, outlook.com…) is labelled home';

/**
 * Whether an email column leaves whose addresses they are unsaid: a bare `Email` read as work addresses by default,
 * or a mapping file's column written without a label. Its addresses at a free-mail provider (gmail.com) are then
 * labelled home, as they are the person's own.
 */
export function emailKindUnsaid(m: ColumnMatch): boolean {
  const t = m.target;
  if (t.entity !== 'person' || t.field !== 'email' || t.labelColumn !== undefined) return false;
  if (m.source === 'mapping') return t.label === undefined;
  return t.label === 'work' && !SAYS_WORK.test(normaliseHeaderName(m.header));
}

/** A column that is not imported, and why. */
export interface SkippedColumn {
  index: number;
  header: string;
  reason: string;
  /** No field is named like it: not a column the file's conventions leave out on purpose (an id, a fax). */
  unrecognised?: true;
  /**
   * Listed under ignore by its number or by which of the columns of its name it is (`{ column: 4 }`,
   * `{ column: Email, occurrence: 2 }`): the one of a name the file has twice it means is not in doubt.
   */
  pinned?: true;
  /**
   * Listed under ignore in the mapping file: its text goes nowhere, not even as a heading. (A column `auto: false`
   * leaves out is still a heading: --print-mapping writes Calendly's questions so, as the headings of their answers.)
   */
  ignored?: true;
}

export interface DetectedSystem {
  id: string;
  name: string;
  /** Headers that gave it away. */
  evidence: string[];
}

/** Every column of the file: the field(s) it fills, or why it is not imported. */
export interface ColumnPlan {
  system?: DetectedSystem;
  matches: ColumnMatch[];
  skipped: SkippedColumn[];
  /** Readings a person should check, each saying how to override it in the mapping file. */
  notes: string[];
  /**
   * Matched without the account's fields, and some column could be a custom field by its name
   * (or a Pipedrive export names fields): match again once they are loaded.
   */
  wantsCatalogue?: boolean;
}

export interface MatchOptions {
  header: readonly string[];
  spec: MappingSpec;
  /** The first data rows' cells: an ambiguous `Title` is read by its values. */
  sample?: readonly (readonly string[])[];
  /** The account's fields; without it (offline), columns are not matched to custom fields by name. */
  catalogue?: FieldCatalogue;
  /** Name of the mapping file, for messages. */
  mappingName?: string;
}

interface Candidate {
  index: number;
  meaning: Meaning;
  tier: number;
  rank: number;
  reason: string;
  headed?: true;
}

/** Tiers: the file's own words (Pipedrive's `Entity - Field`), then a recognised system, then any file, then custom field names. */
const TIER = { pipedrive: 0, system: 1, generic: 2, custom: 3 } as const;
/**
 * An address part under the address's name (`Default Address City` and `Default Address Province Code`, Shopify's
 * customers export; `Address City`, Stripe's; `Address 1 - Street`, Wix's; `Primary Address Street`, SugarCRM's): the
 * part, or `company` / `phone` for the company and the number Shopify keeps with the address. Undefined otherwise.
 */
function prefixedAddressPart(name: string): AddressPart | 'company' | 'phone' | undefined {
  // The first address only (`Address 1 - …`): a second one's parts joined to it would make neither.
  const m = /^(?:defaultaddress|primaryaddress|address)1?(\D.*)$/.exec(name);
  if (!m) return undefined;
  const rest = m[1] as string;
  if (rest === 'company' || rest === 'companyname') return 'company';
  if (rest === 'phone') return 'phone';
  if (Object.hasOwn(ADDRESS_PART_AFTER_NAME, rest)) return ADDRESS_PART_AFTER_NAME[rest];
  for (const part of ['street', 'street_number', 'city', 'state', 'postal_code', 'country'] as const) {
    if (GENERIC_ADDRESS[part].includes(rest)) return part;
  }
  return undefined;
}

/** The parts' words after an address's name that no column is named alone (`Address Line1`, `Province Code`). */
const ADDRESS_PART_AFTER_NAME: Record<string, AddressPart> = {
  line1: 'street',
  line2: 'street',
  streetline2: 'street',
  provincecode: 'state',
  statecode: 'state',
  countrycode: 'country',
};

/** The columns this tool's own files add after a row's, and why an import of such a file leaves them out. */
const OWN_OUTPUT_COLUMNS: readonly { columns: readonly string[]; reason: string }[] = [
  {
    columns: REJECTS_COLUMNS,
    reason:
      "lead-importer's rejects file (--rejects): where and why the row was rejected, not the row's data",
  },
  {
    columns: DLQ_EXPORT_COLUMNS,
    reason: "lead-importer's dead-letter export (dlq export): why the row failed, not the row's data",
  },
];

/** Ranks a linked organization's or person's name (`Person - Organization`) after the entity's own `- Name`. */
const LINKED_ORGANIZATION_RANK = 100_000;

/**
 * Decides, for every column, which Pipedrive field it fills, as a person reading the file would:
 * the mapping file first; then, unless `auto: false`, the header conventions of the system the
 * file comes from (found by its typical headers), Pipedrive's own `Entity - Field - Label`
 * headers, headers any file uses, and the names of the account's custom fields. A bare `Title`
 * is read from its neighbours and values (a job title next to a person's columns, a lead title
 * otherwise), and address parts go to the organization when the file names one. Each reading
 * carries its reason, and the dry run prints them all.
 */
export function matchColumns(options: MatchOptions): ColumnPlan {
  const { header, spec } = options;
  const where = options.mappingName ?? 'mapping';
  // Headers read without the entity word every one of them starts with (Freshsales: `Contact : First name`).
  const names = withoutEntityPrefix(header).map(normaliseHeaderName);
  const fullNames = header.map(normaliseHeaderName);
  // The first column of each name, looked up once per name (a header of thousands of columns asks it of each).
  const firstOfName = new Map<string, number>();
  names.forEach((n, i) => {
    if (!firstOfName.has(n)) firstOfName.set(n, i);
  });
  const has = (normalised: string): string | undefined => {
    const i = firstOfName.get(normalised);
    return i === undefined ? undefined : header[i];
  };
  // A mapping file may name a column as the file writes it or without its entity word.
  // The column written as named first (`A- Emails` beside `A Emails`, one name once normalised), else by its name.
  const indexOf = (column: string): number => {
    const written = header.findIndex((h) => h.trim().toLowerCase() === column.trim().toLowerCase());
    if (written !== -1) return written;
    const i = fullNames.indexOf(normaliseHeaderName(column));
    return i === -1 ? names.indexOf(normaliseHeaderName(column)) : i;
  };
  const headerList = header.map((h) => `"${h}"`).join(', ');
  /**
   * The column a mapping file's reference names: by its name (as {@link indexOf}), by which of the columns of that
   * name it is, or by its number; -1 when the file has no column so named. Throws a {@link MappingError} at `at` for a
   * number or an occurrence past the file's columns, and for a number that a column is also named (`{ column: 3 }`
   * where the file has a column `3` elsewhere), which it could mean.
   */
  const referenced = (ref: ColumnReference, at: string): number => {
    if ('number' in ref) {
      const n = ref.number;
      if (n > header.length) {
        throw new MappingError(
          `${where}: ${at} names column number ${n}, but the file has ${header.length} column${header.length === 1 ? '' : 's'} (${headerList}); count from 1, the first column, or give the column's name.`,
          mappingPath(at),
        );
      }
      const named = header.findIndex((h) => normaliseHeaderName(h) === String(n));
      if (named !== -1 && named !== n - 1) {
        throw new MappingError(
          `${where}: ${at} names column number ${n} ("${header[n - 1]}"), but column ${named + 1} is named "${header[named]}": write { column: "${header[named]}" } in quotes to mean that one, or { column: ${n} } beside a rename of the column named so.`,
          mappingPath(at),
        );
      }
      return n - 1;
    }
    if (ref.occurrence === undefined) return indexOf(ref.name);
    const first = indexOf(ref.name);
    if (first === -1) return -1;
    const key = sameNameKey(header[first] as string);
    const same = header.flatMap((h, i) => (sameNameKey(h) === key ? [i] : []));
    // A name without its entity word (`First name` for Freshsales' `Contact : First name`) counts those columns.
    const all = same.length > 1 ? same : names.flatMap((n, i) => (n === names[first] ? [i] : []));
    const index = all[ref.occurrence - 1];
    if (index === undefined) {
      throw new MappingError(
        `${where}: ${at} names occurrence ${ref.occurrence} of "${ref.name}", but the file has ${all.length === 1 ? 'one column so named' : `${all.length} columns so named`} (${all.map((i) => `column ${i + 1}`).join(', ')}); give an occurrence from 1 to ${all.length}, or the column's number ({ column: ${first + 1} }).`,
        mappingPath(at),
      );
    }
    return index;
  };

  const matches: ColumnMatch[] = [];
  const skipped: SkippedColumn[] = [];
  const notes: string[] = [];
  const slots = new Map<string, number>();
  /** One-column fields the mapping file gave a column. */
  const chosen = new Set<string>();
  const handled = new Set<number>();

  // A name the file has more than once (a form asking `Any comments?` in two sections), listed as often under the
  // note (or another field of several columns): each listing takes the next column of that name.
  const nextColumnOf = (ref: ColumnReference, target: Target, at: string): number => {
    const index = referenced(ref, at);
    if (!('name' in ref) || ref.occurrence !== undefined) return index;
    const column = ref.name;
    if (index === -1 || !handled.has(index) || !isMultiColumn(target)) return index;
    const key = normaliseHeaderName(column);
    const next = (fullNames[index] === key ? fullNames : names).findIndex(
      (n, i) => n === key && !handled.has(i),
    );
    return next === -1 ? index : next;
  };

  /** `in a row where "A" is empty`: what a fallback column waits for. */
  const emptyIn = (columns: readonly number[]) =>
    `in a row where ${columns.map((i) => `"${header[i]}"`).join(', ')} ${columns.length > 1 ? 'are' : 'is'} empty`;

  // 1. What the mapping file says.
  /** The columns of each entry so far (a field's list: the next is read where these are empty). */
  const listed = new Map<string, number[]>();
  for (const a of explicitAssignments(spec, where)) {
    // The entry a list's column belongs to (`person.name` of `person.name[1]`).
    const list = a.where.replace(/\[\d+\]$/, '');
    const index = nextColumnOf(a.column, a.target, a.where);
    if (index === -1) {
      const asked = 'name' in a.column ? a.column.name : '';
      throw new MappingError(
        `${where}: ${a.where} is mapped to column ${referenceText(a.column)}, which the file does not have${didYouMean(asked, header)}; its columns are ${headerList}.`,
        mappingPath(a.where),
      );
    }
    // A label's or an extension's column named by its number or occurrence: the target takes its name, the match where.
    const beside = (ref: ColumnReference | undefined, at: string, what: string): number | undefined => {
      if (ref === undefined) return undefined;
      const found = referenced(ref, at);
      if (found === -1) {
        throw new MappingError(
          `${where}: ${a.where} takes its ${what} from column ${referenceText(ref)}, which the file does not have${didYouMean('name' in ref ? ref.name : '', header)}; its columns are ${headerList}.`,
          mappingPath(at),
        );
      }
      return found;
    };
    const labelColumnAt = beside(a.labelAt, `${a.where}.label_column`, 'labels');
    const extensionColumnAt = beside(a.extensionAt, `${a.where}.extension_column`, 'extensions');
    if (labelColumnAt !== undefined && (a.target.entity === 'person' || a.target.entity === 'organization'))
      a.target.labelColumn = header[labelColumnAt] as string;
    if (extensionColumnAt !== undefined && a.target.entity === 'person')
      a.target.extensionColumn = header[extensionColumnAt] as string;
    if (
      a.target.entity === 'person' &&
      a.target.labelColumn !== undefined &&
      indexOf(a.target.labelColumn) === -1
    ) {
      throw new MappingError(
        `${where}: ${a.where} takes its labels from column "${a.target.labelColumn}", which the file does not have${didYouMean(a.target.labelColumn, header)}; its columns are ${headerList}.`,
        mappingPath(a.where),
      );
    }
    // A column is not its own labels or extensions: each row would send the value as its label (`+44 20 …` is no
    // label), or be refused as no extension.
    const labelColumn =
      a.target.entity === 'person' || a.target.entity === 'organization' ? a.target.labelColumn : undefined;
    const extensionName = a.target.entity === 'person' ? a.target.extensionColumn : undefined;
    for (const [at, named, what, instead] of [
      [labelColumnAt, labelColumn, 'labels', 'label: work (one label for every row)'],
      [extensionColumnAt, extensionName, 'extensions', 'no extension_column'],
    ] as const) {
      if ((at ?? (named !== undefined ? indexOf(named) : -1)) !== index) continue;
      throw new MappingError(
        `${where}: ${a.where} takes its ${what} from column ${index + 1} ("${header[index]}"), the column it reads itself: name the column beside it that holds the ${what}, or write ${instead}.`,
        mappingPath(`${a.where}.${what === 'labels' ? 'label_column' : 'extension_column'}`),
      );
    }
    const extension = a.target.entity === 'person' ? a.target.extensionColumn : undefined;
    if (extension !== undefined && indexOf(extension) === -1) {
      throw new MappingError(
        `${where}: ${a.where} takes its extensions from column "${extension}", which the file does not have${didYouMean(extension, header)}; its columns are ${headerList}.`,
        mappingPath(a.where),
      );
    }
    matches.push({
      index,
      header: header[index] as string,
      target: a.target,
      source: 'mapping',
      reason: `mapping file (${a.where})${a.fallback ? `; ${emptyIn(listed.get(list) ?? [])}` : ''}`,
      order: matches.length,
      ...(a.noteLabel
        ? {
            keptInNote: {
              label: a.noteLabel,
              why: a.noteFlag ? 'the mapping file says it is a flag' : 'the mapping file labels it',
              ...(a.noteFlag ? { flag: flagMeaning(a.noteLabel) } : {}),
            },
          }
        : {}),
      ...(a.fallback ? { fallbackOf: [...(listed.get(list) ?? [])] } : {}),
      ...('number' in a.column || a.column.occurrence !== undefined ? { pinned: true as const } : {}),
      ...(labelColumnAt !== undefined ? { labelColumnAt } : {}),
      ...(extensionColumnAt !== undefined ? { extensionColumnAt } : {}),
    });
    listed.set(list, [...(listed.get(list) ?? []), index]);
    if (!isMultiColumn(a.target) && !a.fallback) {
      slots.set(targetSlot(a.target), index);
      chosen.add(targetSlot(a.target));
    }
    handled.add(index);
  }
  // The extension columns it names are read with their phones (their numbers' ends), not on their own.
  for (const m of [...matches]) {
    if (m.target.entity !== 'person' || m.target.extensionColumn === undefined) continue;
    const index = m.extensionColumnAt ?? indexOf(m.target.extensionColumn);
    if (handled.has(index)) continue;
    skipped.push({ index, header: header[index] as string, reason: extensionReason(m.header) });
    handled.add(index);
  }
  for (const [i, column] of (spec.ignore ?? []).entries()) {
    const ref = columnReference(column, `ignore[${i}]`, where);
    let index = referenced(ref, `ignore[${i}]`);
    // A name of several columns, one of which a field takes by its number (`phone: { column: 5 }`), leaves out the other.
    if ('name' in ref && ref.occurrence === undefined && handled.has(index)) {
      const key = sameNameKey(header[index] as string);
      const other = header.findIndex((h, k) => !handled.has(k) && sameNameKey(h) === key);
      if (other !== -1) index = other;
    }
    if (index === -1) {
      // A note, not an error: one ignore list may serve exports whose columns differ.
      const asked = 'name' in ref ? ref.name : '';
      notes.push(`ignore: the file has no column ${referenceText(ref)}${didYouMean(asked, header)}.`);
      continue;
    }
    if (handled.has(index)) {
      throw new MappingError(
        `${where}: column ${'name' in ref ? referenceText(ref) : `${ref.number} ("${header[index]}")`} is both mapped and listed under ignore; keep one.`,
        ['ignore', i],
      );
    }
    skipped.push({
      index,
      header: header[index] as string,
      reason: `listed under ignore in ${where}`,
      ignored: true,
      ...('number' in ref || ref.occurrence !== undefined ? { pinned: true as const } : {}),
    });
    handled.add(index);
  }
  if (spec.auto === false) {
    header.forEach((h, index) => {
      if (!handled.has(index)) skipped.push({ index, header: h, reason: `not in ${where} (auto: false)` });
    });
    // The file's system still says how to read its rows, whoever maps the columns: a webinar's or a ticket
    // report's row per occurrence (one lead per person), its own column of email statuses.
    const read = matchColumns({ ...options, spec: {} });
    keepFileReadings(matches, read);
    return finish(read.system, false);
  }

  // 2. What the headers say. First this tool's own columns, which its rejects file (`--rejects`) and dead-letter export
  // (`dlq export`) add after the row's: a fixed file imported again brings them along.
  for (const own of OWN_OUTPUT_COLUMNS) {
    const at = header.length - own.columns.length;
    if (at < 1 || !own.columns.every((c, i) => header[at + i] === c && !handled.has(at + i))) continue;
    own.columns.forEach((_, i) => {
      skipped.push({ index: at + i, header: header[at + i] as string, reason: own.reason });
      handled.add(at + i);
    });
    break;
  }
  const pipedriveEvidence = names.filter((_, i) => pipedriveExportParts(header[i] as string) !== undefined);
  // One list's export writes its entity's fields without the prefix (`Nome`, `Telefone - Trabalho`).
  const listEntity = pipedriveEvidence.length >= 2 ? undefined : pipedriveListEntity(header);
  const system: DetectedSystem | undefined =
    pipedriveEvidence.length >= 2
      ? {
          id: 'pipedrive',
          name: 'Pipedrive export',
          evidence: header.filter((h) => pipedriveExportParts(h) !== undefined).slice(0, 4),
        }
      : listEntity
        ? { id: 'pipedrive', name: 'Pipedrive export', evidence: listEntity.evidence }
        : detectSystem(header, names);
  const table = system ? SOURCE_SYSTEMS.find((s) => s.id === system.id) : undefined;
  const tableEntries = table
    ? Object.entries(table.columns).map(([h, m], rank) => [normaliseHeaderName(h), m, h, rank] as const)
    : [];

  const candidates: Candidate[] = [];
  const titleColumns: number[] = [];
  const extensionColumns: { index: number; phone: string }[] = [];
  const nameColumns: number[] = [];
  const addressColumns: { index: number; part: AddressPart | 'whole' }[] = [];
  const unmatched: number[] = [];
  header.forEach((h, index) => {
    if (handled.has(index)) return;
    const name = names[index] as string;
    const exported =
      pipedriveExportParts(h) ?? (listEntity ? unprefixedPipedriveParts(h, listEntity.entity) : undefined);
    if (exported && system?.id === 'pipedrive') {
      const meaning = pipedriveExportMeaning(exported, options.catalogue);
      // `Person - Organization` (a lead's or deal's too) names the linked organization, and a deal's
      // `Contact person` the linked person: they fill them only when the file has no
      // `Organization - Name` or `Person - Name`, which say more.
      const linked =
        (meaning === 'organization.name' && exported.entity !== 'organization') ||
        (meaning === 'person.name' && exported.entity !== 'person');
      candidates.push({
        index,
        meaning,
        tier: TIER.pipedrive,
        rank: linked ? LINKED_ORGANIZATION_RANK + index : index,
        reason:
          meaning === 'lead.note' &&
          normaliseHeaderName(exported.field) !== 'content' &&
          exported.entity !== 'note'
            ? `auto: Pipedrive export "${h}": this account has no such field, so its text goes into the lead's note`
            : `auto: Pipedrive export "${h}"`,
      });
      return;
    }
    if (table && system) {
      const repeated = Object.entries(table.repeated ?? {}).find(
        ([r]) => normaliseHeaderName(r) === name,
      )?.[1];
      const occurrences = repeated ? names.filter((n) => n === name).length : 0;
      if (repeated && occurrences === 1) {
        titleColumns.push(index);
        return;
      }
      if (repeated) {
        const nth = names.slice(0, index).filter((n) => n === name).length;
        candidates.push({
          index,
          meaning: repeated[Math.min(nth, repeated.length - 1)] as Meaning,
          tier: TIER.system,
          rank: index,
          reason: `auto: ${system.name} "${h}" (column ${nth + 1} of ${occurrences} so named)`,
        });
        return;
      }
      // `A- Emails` beside `A Emails` (one name once normalised): the entry written as the header, else any.
      const entry =
        tableEntries.find(([n, , w]) => n === name && w === h) ?? tableEntries.find(([n]) => n === name);
      // The system's job title holding the contact's `Dr.` (a German user's Salesforce `Titel`): salutations.
      const salutations =
        entry?.[1] === 'person.job_title'
          ? readSalutations(
              h,
              sampleValues(options.sample ?? [], index),
              `, though ${system.name} writes its job title there`,
            )
          : undefined;
      if (salutations) {
        candidates.push({
          index,
          meaning: salutations.meaning,
          tier: TIER.system,
          rank: index,
          reason: `auto: ${system.name} "${h}"`,
        });
        notes.push(salutations.note);
        return;
      }
      if (entry) {
        candidates.push({
          index,
          meaning: entry[1],
          tier: TIER.system,
          rank: contactRank(entry[1], name, index) ?? entry[3],
          reason: `auto: ${system.name} "${entry[2]}"`,
        });
        return;
      }
      for (const pattern of table.patterns ?? []) {
        const m = pattern.match.exec(name);
        const meaning = m ? pattern.meaning(m, has) : undefined;
        if (m && meaning !== undefined) {
          candidates.push({
            index,
            meaning,
            tier: TIER.system,
            rank: 100 + Number(/\d+/.exec(name)?.[0] ?? 0),
            reason: `auto: ${system.name} "${h}"`,
          });
          return;
        }
      }
    }
    const extension = extensionHeader(name, has);
    if (extension) {
      extensionColumns.push({ index, phone: extension.phone });
      return;
    }
    if (name === 'title') {
      titleColumns.push(index);
      return;
    }
    if (AMBIGUOUS_NAME_HEADERS.includes(name)) {
      nameColumns.push(index);
      return;
    }
    for (const pattern of GENERIC_PATTERNS) {
      const m = pattern.match.exec(name);
      const meaning = m ? pattern.meaning(m, has) : undefined;
      if (m && meaning !== undefined) {
        candidates.push({
          index,
          meaning,
          tier: TIER.generic,
          rank: contactRank(meaning, name, index) ?? index,
          reason: `auto: well-known header "${h}"`,
        });
        return;
      }
    }
    for (const [meaning, synonyms] of Object.entries(GENERIC_HEADERS)) {
      if (synonyms.includes(name)) {
        const ids = meaning === 'organization.name' ? recordIds(options.sample ?? [], index) : undefined;
        if (ids) {
          skipped.push({ index, header: h, reason: ids });
          return;
        }
        candidates.push({
          index,
          meaning,
          tier: TIER.generic,
          // `Company industry` beside `Industry` (Snov.io's, the person's) is the company's.
          rank: meaning === 'organization.industry' && name !== 'industry' ? -1 : index,
          reason: `auto: well-known header "${h}"`,
        });
        return;
      }
    }
    for (const [part, synonyms] of Object.entries(GENERIC_ADDRESS) as [
      AddressPart | 'whole',
      readonly string[],
    ][]) {
      if (synonyms.includes(name)) {
        addressColumns.push({ index, part });
        return;
      }
    }
    const prefixed = prefixedAddressPart(name);
    if (prefixed === 'company' || prefixed === 'phone') {
      candidates.push({
        index,
        meaning: prefixed === 'company' ? 'organization.name' : 'person.phone:work',
        tier: TIER.generic,
        rank: index,
        reason: `auto: well-known header "${h}" (the ${prefixed} of the contact's address)`,
      });
      return;
    }
    if (prefixed) {
      addressColumns.push({ index, part: prefixed });
      return;
    }
    const ignored = Object.hasOwn(GENERIC_IGNORED, name) ? GENERIC_IGNORED[name] : undefined;
    if (ignored) {
      candidates.push({ index, meaning: `ignore: ${ignored}`, tier: TIER.generic, rank: index, reason: '' });
      return;
    }
    unmatched.push(index);
  });

  // 3. Columns named like the account's custom fields.
  for (const index of unmatched) {
    const h = header[index] as string;
    const found = (['lead', 'person', 'organization'] as const)
      .map((of) => options.catalogue?.custom(of, h))
      .filter((f) => f !== undefined);
    const asked = found.length === 0 ? askedField(h) : undefined;
    if (found.length === 1) {
      const f = found[0]!;
      candidates.push({
        index,
        meaning: `custom.${f.entity}:${f.name}`,
        tier: TIER.custom,
        rank: index,
        reason: `auto: named like the ${f.entity === 'lead' ? 'lead (deal)' : f.entity} custom field "${f.name}"`,
      });
    } else if (found.length > 1) {
      skipped.push({
        index,
        header: h,
        reason: `named like custom fields of ${found.map((f) => f!.entity).join(' and ')}: say which in the mapping file (custom_fields, person_custom_fields or organization_custom_fields)`,
        unrecognised: true,
      });
    } else if (SECRET_HEADER.test(h)) {
      // Whatever else would take it (a form's field, a question, an account's lead field kept in the note).
      skipped.push({ index, header: h, reason: SECRET_REASON });
    } else if (asked) {
      // A form that asks for a contact's field in a question of its own (Typeform: "What's your email?").
      candidates.push({
        index,
        meaning: asked,
        tier: TIER.generic,
        rank: index,
        reason: `auto: a form's question asking for ${asked.split(':')[0]}`,
      });
    } else if (LINKEDIN_HEADER.test(names[index] as string)) {
      candidates.push(readLinkedIn(index, h, options.sample ?? []));
    } else if (asksQuestion(h)) {
      // A form's question (Google Forms, Typeform, Jotform write each as a column under its text): what the lead
      // answered is for whoever calls them.
      candidates.push({
        index,
        meaning: 'lead.note',
        tier: TIER.generic,
        rank: index,
        reason: "auto: a form's question: the answers go into the lead's note, under the question",
      });
    } else if (holdsLinkedIn(options.sample ?? [], index)) {
      // `Social URL`, `Profile`: named like nothing, but every value is a LinkedIn page.
      candidates.push(readLinkedIn(index, h, options.sample ?? []));
    } else if (!NAMES_SOMEONE_ELSE.test(h) && holdsEmails(options.sample ?? [], index)) {
      // A Clay table's enrichment column, named after its action (`Find work email`), or a formula column named as
      // its author chose (`Final Email`): named like nothing, but every value is an email address (the person's).
      candidates.push({
        index,
        meaning: 'person.email:work',
        tier: TIER.generic,
        rank: index,
        reason: `auto: "${h}" holds email addresses`,
      });
    } else if (
      listEntity &&
      (listEntity.entity === 'lead' || listEntity.entity === 'deal') &&
      options.catalogue
    ) {
      // A lead field of the exporting account this one lacks, in a Leads or Deals export without prefixes: its text
      // is kept in the lead's note, as a prefixed export's (`Lead - Budget`) is.
      candidates.push({
        index,
        meaning: 'lead.note',
        tier: TIER.pipedrive,
        rank: index,
        reason: `auto: Pipedrive export "${h}": this account has no such field, so its text goes into the lead's note`,
      });
    } else if (table?.form && system) {
      // A form tool's export: after the tool's own columns, each is one of the form's fields under its label (a
      // checkbox field's `Interested in`, its choices in one cell): what the respondent answered, for whoever calls.
      candidates.push({
        index,
        meaning: 'lead.note',
        tier: TIER.generic,
        rank: index,
        reason: `auto: a field of the form (${system.name}): the answers go into the lead's note, under its name`,
        headed: true,
      });
    } else if (options.sample?.length && sampleValues(options.sample, index).length === 0) {
      // Clay's `Find people`, a form's unused field: what it is matters less than that it holds nothing.
      skipped.push({
        index,
        header: h,
        reason: `empty in the first ${options.sample.length === 1 ? 'row' : `${options.sample.length} rows`}, and no field is named like it`,
        unrecognised: true,
      });
    } else {
      skipped.push({
        index,
        header: h,
        reason: options.catalogue
          ? `no Pipedrive field is named like it: map it to a custom field in the mapping file (custom_fields, person_custom_fields, organization_custom_fields) or list it under ignore`
          : 'no standard field is named like it (custom fields are matched by name when Pipedrive is reachable)',
        unrecognised: true,
      });
    }
  }

  // 4. Readings that depend on the rest of the file.
  // A bare name column first: what it becomes (a first or last name) counts as a person's column below.
  const columnOf = (text: string, tier?: number): number | undefined => {
    const slot = targetSlot(parseTarget(text));
    const mapped = matches.find((m) => targetSlot(m.target) === slot);
    if (mapped) return mapped.index;
    return candidates
      .filter(
        (c) =>
          !c.meaning.startsWith('ignore:') &&
          (tier === undefined || c.tier === tier) &&
          targetSlot(parseMeaning(c.meaning).target) === slot,
      )
      .sort((a, b) => a.tier - b.tier || a.rank - b.rank)[0]?.index;
  };
  for (const index of nameColumns) {
    // Beside the columns named as plainly as it (the team's `Prénom` and `Nom` in an enriched file whose system adds
    // `first_name` and `last_name`), where there are any: those are the ones it pairs with.
    const plain = [columnOf('person.first_name', TIER.generic), columnOf('person.last_name', TIER.generic)];
    const all = [columnOf('person.first_name'), columnOf('person.last_name')];
    const [first, last] = plain.some((i) => i !== undefined) ? plain : all;
    const reading = readName(index, header[index] as string, {
      sample: options.sample ?? [],
      ...(plain.some((i, k) => i !== all[k]) ? { systemNamesOwn: true } : {}),
      first: first === undefined ? undefined : { index: first, header: header[first] as string },
      last: last === undefined ? undefined : { index: last, header: header[last] as string },
    });
    candidates.push({
      index,
      meaning: reading.meaning,
      tier: TIER.generic,
      rank: index,
      reason: reading.reason,
    });
    if (reading.note) notes.push(reading.note);
  }
  const targetsSoFar = [
    ...matches.map((m) => m.target),
    ...candidates.filter((c) => !c.meaning.startsWith('ignore:')).map((c) => parseMeaning(c.meaning).target),
  ];
  const hasTarget = (text: string) =>
    targetsSoFar.some((t) => targetSlot(t) === targetSlot(parseTarget(text)));
  const personContext =
    ['person.name', 'person.first_name', 'person.last_name', 'organization.name'].some(hasTarget) ||
    targetsSoFar.some((t) => t.entity === 'person' && t.field === 'email');
  for (const index of titleColumns) {
    const reading = readTitle(index, header[index] as string, {
      sample: options.sample ?? [],
      personContext,
      leadTitleMapped: hasTarget('lead.title'),
      jobTitleMapped: hasTarget('person.job_title'),
    });
    candidates.push({
      index,
      meaning: reading.meaning,
      tier: TIER.generic,
      rank: index,
      reason: reading.reason,
    });
    notes.push(reading.note);
  }
  if (addressColumns.length > 0) {
    // `Address` beside `Address 2` (Klaviyo's profiles, a typed sheet) is the first street line, not a whole address:
    // read as one, the second line became the street and the first was searched for a city and a postal code.
    const lineOf = (a: { index: number }) => normaliseHeaderName(header[a.index] ?? '');
    if (
      addressColumns.some((a) => a.part === 'street' && SECOND_STREET_LINES.has(lineOf(a))) &&
      !addressColumns.some((a) => a.part === 'street' && !SECOND_STREET_LINES.has(lineOf(a)))
    ) {
      for (const a of addressColumns) if (a.part === 'whole' && lineOf(a) === 'address') a.part = 'street';
    }
    // Columns named for the company's address (`Company City`) leave the ownerless ones to the person.
    const organizationNamed = candidates.some((c) => c.meaning.startsWith('organization.address'));
    // The file's system placed its other address parts (a Salesforce report's `City` is the company's): a part it
    // did not name (`Country/Region`) joins them, so one address is never split between person and company.
    const placedBySystem = systemAddress(candidates);
    const joins =
      placedBySystem !== undefined &&
      addressColumns.every((a) => a.part !== 'whole' && !placedBySystem.parts.has(a.part));
    // A form (a header that asks in a sentence: LinkedIn's lead gen forms, a HubSpot form's submissions) asks its
    // respondent where they are: its `Country/Region` is the person's, even beside the company they typed. A sales
    // sheet's flag (`Contacted?`, `Follow up needed?`) asks too, but makes no form of the sheet: a form's export also
    // says when each answer came in, or from which form or page. A form tool's export (its system says so) is one.
    const form =
      table?.form === true ||
      (header.some((h) => FORM_MARKER.test(normaliseHeaderName(h))) &&
        header.some(
          (h) =>
            asksQuestion(h) &&
            withoutTags(h)
              .split(/[\s_]+/)
              .filter(Boolean).length >= 3,
        ));
    // A FileMaker export that takes the company from its own table (`Companies::Company Name`): the address fields
    // of the table exported, the contacts', are the person's (the company's would be `Companies::City`).
    const companyTable = header.find(isCompanyTableField);
    const toOrganization = joins
      ? placedBySystem.entity === 'organization'
      : hasTarget('organization.name') && !organizationNamed && !form && companyTable === undefined;
    const entity = toOrganization ? 'organization' : 'person';
    const field = toOrganization ? 'address' : 'postal_address';
    for (const { index, part } of addressColumns) {
      candidates.push({
        index,
        meaning: `${entity}.${field}${part === 'whole' ? '' : `.${part}`}`,
        tier: TIER.generic,
        rank: index,
        reason: `auto: well-known header "${header[index]}"`,
      });
    }
    const columns = addressColumns.map((a) => `"${header[a.index]}"`).join(', ');
    notes.push(
      joins
        ? `${columns} read as part of the ${toOrganization ? "organization's address" : "person's postal address"}, with the file's other address columns; for the ${toOrganization ? "person's postal address write person: { postal_address: … }" : "organization's write organization: { address: … }"} in the mapping file.`
        : toOrganization
          ? `${columns} read as the organization's address (the file names an organization); for the person's postal address write person: { postal_address: … } in the mapping file.`
          : organizationNamed
            ? `${columns} read as the person's postal address (the organization's address has columns of its own); for the organization's write organization: { address: … } in the mapping file.`
            : companyTable
              ? `${columns} read as the person's postal address (the company's fields come from a table of their own, as "${companyTable}"); for the organization's address write organization: { address: … } in the mapping file.`
              : form && hasTarget('organization.name')
                ? `${columns} read as the person's postal address (a form asks its respondent where they are); for the organization's address write organization: { address: … } in the mapping file.`
                : `${columns} read as the person's postal address (the file names no organization); for an organization's address write organization: { address: … } in the mapping file.`,
    );
  }

  // 5. Assign: a single-column field goes to the best candidate; the others are left out, saying why.
  /** The person's LinkedIn profile columns so far: one line in the note. */
  const linkedIn: number[] = [];
  /** Each one-column field's columns so far (found by name): the first fills it, the next where those are empty. */
  const readers = new Map<string, number[]>();
  /** The columns a recognised system's own table put first for their field (a survey's `Recipient Last Name`). */
  const systemColumns = new Set(candidates.filter((c) => c.tier === TIER.system).map((c) => c.index));
  candidates.sort((a, b) => a.tier - b.tier || a.rank - b.rank || a.index - b.index);
  for (const c of candidates) {
    const h = header[c.index] as string;
    if (c.meaning.startsWith('ignore:')) {
      skipped.push({ index: c.index, header: h, reason: c.meaning.slice('ignore:'.length).trim() });
      continue;
    }
    const { target, labelColumn, keptInNote } = parseMeaning(c.meaning);
    // `note(*)`: the column's own name is the label (a consent box's `Privacy Policy: I agree`).
    if (keptInNote?.label === '*') keptInNote.label = h;
    if ((target.entity === 'person' || target.entity === 'organization') && labelColumn !== undefined) {
      target.labelColumn = labelColumn;
    }
    // One LinkedIn line in the note: a second column of profiles (Evaboot's `Linkedin URL Unique ID` beside its
    // public URL) is the same person's.
    const labelled = keptInNote ? `note(${keptInNote.label})` : undefined;
    const profiles = labelled === 'note(LinkedIn)' ? linkedIn : undefined;
    // A second one whose values are not the first's (Evaboot's `Linkedin URL Unique ID`, the profile's id) is left out,
    // as is one past the few a field reads in turn.
    const first = profiles?.[0];
    if (
      profiles &&
      first !== undefined &&
      (profiles.length > MAX_FALLBACKS || !sameValues(options.sample, first, c.index))
    ) {
      skipped.push({
        index: c.index,
        header: h,
        reason: `the person's LinkedIn profile again ("${header[first]}" gives it)`,
      });
      continue;
    }
    if (profiles && first !== undefined && keptInNote) {
      matches.push({
        index: c.index,
        header: h,
        target,
        source: 'auto',
        reason: `${c.reason}; the person's LinkedIn profile again, for ${emptyIn(profiles)}`,
        order: c.tier * 100_000 + c.rank,
        keptInNote,
        fallbackOf: [...profiles],
      });
      profiles.push(c.index);
      continue;
    }
    profiles?.push(c.index);
    const slot = targetSlot(target);
    let fallbackOf: number[] | undefined;
    if (!isMultiColumn(target)) {
      const taken = slots.get(slot);
      // Behind a column found by its name, a second one fills the field where the first is empty in a row; behind
      // the mapping file's choice, it stays out (the file said which column, and can list both).
      const before = readers.get(slot) ?? [];
      if (
        taken !== undefined &&
        !chosen.has(slot) &&
        before.length <= MAX_FALLBACKS &&
        takesFallback(target) &&
        !matches.some((m) => m.index === taken && hasLabelColumn(m.target)) &&
        (sameValues(options.sample, taken, c.index) ||
          (table?.form === true &&
            systemColumns.has(taken) &&
            c.tier !== TIER.system &&
            onlyFilled(options.sample, c.index, before)))
      ) {
        fallbackOf = [...before];
      } else if (taken !== undefined) {
        skipped.push({
          index: c.index,
          header: h,
          reason: `would fill ${targetText(target)}, which "${header[taken]}" fills already`,
        });
        continue;
      }
      if (fallbackOf === undefined) slots.set(slot, c.index);
      readers.set(slot, [...before, c.index]);
    }
    matches.push({
      index: c.index,
      header: h,
      target,
      source: 'auto',
      reason: keptInNote
        ? `${c.reason}; ${keptInNote.why}, so ${keptInNote.flag ? "where it is set (true, yes, 1) the lead's note says so" : "it goes into the lead's note"}`
        : fallbackOf !== undefined
          ? `${c.reason}; ${emptyIn(fallbackOf)}`
          : c.reason,
      order: c.tier * 100_000 + c.rank,
      ...(keptInNote ? { keptInNote } : {}),
      ...(fallbackOf !== undefined ? { fallbackOf } : {}),
      ...(c.headed ? { headed: true as const } : {}),
    });
  }
  // 6. Extension columns join the phone column their name gives (`Phone 1 Ext`), else the file's one phone column;
  // with several and no name to choose by, none (a guess could put a desk's extension on a mobile).
  const phones = matches.filter(
    (m): m is ColumnMatch & { target: { entity: 'person' } } =>
      m.target.entity === 'person' && m.target.field === 'phone',
  );
  for (const { index, phone } of extensionColumns) {
    const h = header[index] as string;
    // A lone `Extension` names no column, not even one called `Phone`.
    const named = phone
      ? phones.find((m) => names[m.index] === phone || names[m.index] === `${phone}phone`)
      : undefined;
    const lone = GENERIC_PHONE_NAMES.includes(phone);
    const to = named ?? (lone && phones.length === 1 ? phones[0] : undefined);
    let reason: string;
    if (to && to.target.extensionColumn === undefined) {
      to.target.extensionColumn = h;
      reason = extensionReason(to.header);
    } else if (to) {
      reason = `a phone extension for "${to.header}", which takes its extension from "${to.target.extensionColumn}" already`;
    } else if (!lone) {
      const other = has(phone) ?? has(`${phone}phone`);
      reason = other
        ? `a phone extension of "${other}", which is not imported as a phone number`
        : `a phone extension, and the file has no phone column "${h.replace(/(?<![\s._-])[\s._-]*(?:ext|extn|extension)\.?(?:\s*(?:no|number)\.?)?\s*$/i, '')}" for it`;
    } else if (phones.length === 0) {
      reason = 'a phone extension, and the file has no phone column to add it to';
    } else {
      const list = phones.map((m) => `"${m.header}"`).join(', ');
      reason = `a phone extension, but the file has ${phones.length} phone columns (${list}) and this name does not say whose it is; to keep it, name it in the mapping file: person: { phone: [{ column: ${phones[0]?.header}, extension_column: ${h} }] }`;
    }
    skipped.push({ index, header: h, reason });
  }

  const wantsCatalogue = !options.catalogue && (unmatched.length > 0 || system?.id === 'pipedrive');
  if (matches.some((m) => m.source === 'mapping'))
    keepFileReadings(matches, matchColumns({ ...options, spec: {} }));
  return finish(system, wantsCatalogue);

  function finish(detected: DetectedSystem | undefined, wants: boolean): ColumnPlan {
    for (const m of matches) if (emailKindUnsaid(m)) m.reason += `; ${FREE_MAIL_REASON}`;
    matches.sort((a, b) => a.index - b.index);
    skipped.sort((a, b) => a.index - b.index);
    return {
      ...(detected ? { system: detected } : {}),
      matches,
      skipped,
      notes,
      ...(wants ? { wantsCatalogue: true } : {}),
    };
  }
}

/**
 * A column a mapping file sends where the file's own reading sends it keeps how that reading reads its cells: a
 * Teamleader `Entreprises` cell of several companies (the first the organization, the others in the note), a form
 * tool's field under its label (WPForms' `Interested in: Demo` columns, one block of ticked choices). So a mapping
 * written by `--print-mapping` and read back makes the rows the automatic reading made.
 */
function keepFileReadings(matches: ColumnMatch[], read: ColumnPlan): void {
  const byIndex = new Map(read.matches.map((m) => [m.index, m]));
  for (const m of matches) {
    const auto = byIndex.get(m.index);
    if (m.source !== 'mapping' || !auto || targetSlot(auto.target) !== targetSlot(m.target)) continue;
    if (auto.headed) m.headed = true;
    if (auto.target.entity === 'organization' && auto.target.list && m.target.entity === 'organization')
      m.target = { ...m.target, list: true };
  }
}

/** What the dry run says of an extension column read with its phone. */
function extensionReason(phoneHeader: string): string {
  return `the extension of "${phoneHeader}": added to its number ("… ext. 89"), as Pipedrive's phones have no extension field`;
}

/**
 * A phone column that calls itself the primary one: Outlook's `Primary Phone`, German `Haupttelefon`, French
 * `Téléphone principal`, Spanish `Teléfono principal`, Dutch `Hoofdtelefoon`. Not one that says it is not (SuiteCRM's
 * `Non Primary E-mails`).
 */
const PRIMARY_CONTACT =
  /(?<!non|not)primary|^(?:haupttelefon|hoofdtelefoon)$|^(?:téléphone|teléfono)principal$/;

/**
 * Emails and phones keep the file's column order (the primary first in every export we know), but
 * a column that calls itself primary (Outlook's `Primary Phone`) comes first. Other fields
 * return undefined: the convention table's order decides which of two columns fills them.
 */
function contactRank(meaning: Meaning, name: string, index: number): number | undefined {
  if (!/^person\.(email|phone)\b/.test(meaning)) return undefined;
  return PRIMARY_CONTACT.test(name) ? -1 : index;
}

/**
 * The headers without the entity word that most of them start with, as Freshsales writes its exports
 * (`Contact : First name`, `Contact : Emails`): the words after it are the field's name. Headers
 * without it, and files where no one word starts most headers, are kept as they are.
 */
export function withoutEntityPrefix(fileHeader: readonly string[]): string[] {
  const header = fileHeader.map(relatedFieldName);
  const prefixOf = (h: string) => /^\s*(\p{L}[\p{L} ]{0,30}?)\s+:\s+\S/u.exec(h)?.[1]?.toLowerCase();
  const counts = new Map<string, number>();
  for (const h of header) {
    const p = prefixOf(h);
    if (p) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  const [prefix, count] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [];
  if (!prefix || (count ?? 0) < Math.max(3, header.length * 0.8)) return header;
  return header.map((h) => (prefixOf(h) === prefix ? h.slice(h.indexOf(':') + 1).trim() : h));
}

/** A FileMaker related field, `Table::Field`: a field of the record another table holds (`Companies::Website`). */
const RELATED_FIELD = /^\s*([\p{L}\p{N}_ ]{1,40}?)\s*::\s*(\S.*)$/u;

/**
 * What a table of the file's people is called, whose related fields are the lead person's (`Contacts::Email`). Not
 * `Clients` or `Customers`, which hold companies as often as people, nor any other table's (`Staff::Name` is the
 * person who looks after the contact, `Invoices::Email` where an invoice went).
 */
const PEOPLE_TABLE = /^(?:contacts?|people|persons?|leads?|kontakte?|personen|interessenten|prospects?)$/i;

/**
 * What a FileMaker related field is called without its table where the table holds the file's people
 * (`Contacts::Email` is `Email`), or with the company's word where the table holds companies (`Companies::Website` is
 * `Company Website`, `Companies::Name` `Company Name`): its export names the fields of a related record so. Another
 * table's fields (`Staff::Name`, `Invoices::Email`) are no lead's and keep their table; other headers are returned as
 * they are.
 */
function relatedFieldName(h: string): string {
  const related = relatedField(h);
  if (!related) return h;
  if (COMPANY_WORD.test(related.table)) return companysFieldName(related.field);
  return PEOPLE_TABLE.test(related.table) ? related.field : h;
}

/** A FileMaker related field of a table of companies (`Companies::Website`). */
function isCompanyTableField(h: string): boolean {
  const related = relatedField(h);
  return related !== undefined && COMPANY_WORD.test(related.table);
}

/** A FileMaker related field's table and field (`Companies::Website`), or undefined for another header. */
function relatedField(h: string): { table: string; field: string } | undefined {
  const m = h.includes('::') ? RELATED_FIELD.exec(h) : null;
  return m ? { table: (m[1] as string).trim(), field: m[2] as string } : undefined;
}

/** The system whose typical headers the file has most of (at least its threshold). */
export function detectSystem(
  header: readonly string[],
  names: readonly string[],
): DetectedSystem | undefined {
  let best: { system: SourceSystem; score: number; evidence: string[] } | undefined;
  for (const system of SOURCE_SYSTEMS) {
    // Headers the system writes in its own way (Kit's `email_address`): another sheet's `Email Address` is not its.
    if (system.headersAsWritten && !system.headersAsWritten.every((w) => header.some((h) => h.trim() === w)))
      continue;
    let score = 0;
    const evidence: string[] = [];
    names.forEach((n, i) => {
      // Own names only: a column named `Constructor` is no evidence (it found Object's, and the score became text).
      const weight = Object.hasOwn(system.fingerprint, n) ? system.fingerprint[n] : undefined;
      if (weight) {
        score += weight;
        evidence.push(header[i] as string);
      }
    });
    if (score >= system.minScore && (!best || score > best.score)) best = { system, score, evidence };
  }
  return best ? { id: best.system.id, name: best.system.name, evidence: best.evidence } : undefined;
}

/** `person.email:other*@E-mail 1 - Label`: a target, `*` for several values in a cell, `@` a label column. */
function parseMeaning(meaning: Meaning): {
  target: Target;
  labelColumn?: string;
  keptInNote?: { label: string; why: string; flag?: string };
} {
  const kept = KEPT_IN_NOTE.exec(meaning);
  if (kept) {
    return {
      target: { entity: 'lead', field: 'note' },
      keptInNote: {
        label: kept[2]!,
        why: kept[3]!,
        ...(kept[1] === 'flag' ? { flag: kept[3]!.split(':')[0]!.trim() } : {}),
      },
    };
  }
  const at = meaning.indexOf('@');
  let text = at === -1 ? meaning : meaning.slice(0, at);
  const list = text.endsWith('*');
  if (list) text = text.slice(0, -1);
  const target = parseTarget(text);
  if (list && (target.entity === 'person' || (target.entity === 'organization' && target.field === 'name')))
    target.list = true;
  return at === -1 ? { target } : { target, labelColumn: meaning.slice(at + 1) };
}

/**
 * `note(LinkedIn): why`: a column whose values go into the lead's note after the label; `flag(Do not call): why`: one
 * whose set values (`true`, `yes`, `1`) do, with a warning (header-conventions.ts).
 */
const KEPT_IN_NOTE = /^(note|flag)\(([^)]+)\):\s*(.+)$/;

/** What a set flag of the built-in ones says, by its label in the note (`Do not call`): the person asked not to be… */
const FLAG_MEANINGS = new Map(
  [DO_NOT_CALL, DO_NOT_CONTACT].flatMap((meaning) => {
    const kept = parseMeaning(meaning).keptInNote;
    return kept?.flag ? [[kept.label.toLowerCase(), kept.flag] as const] : [];
  }),
);

/**
 * What a set value of a mapping file's flag says in the row's warning: a built-in flag's meaning where the label is
 * one of theirs (as `--print-mapping` writes them), else the flag's own label.
 */
function flagMeaning(label: string): string {
  return FLAG_MEANINGS.get(label.trim().toLowerCase()) ?? `the mapping file's flag "${label}" is set`;
}

/** `Person - Email - Work` → entity, field and the rest, for Pipedrive's own exports. */
export function pipedriveExportParts(
  header: string,
): { entity: string; field: string; rest?: string } | undefined {
  const parts = header.split(/(?<!\s)\s+-\s+/);
  if (parts.length < 2) return undefined;
  const entity = PIPEDRIVE_EXPORT_ENTITIES[normaliseHeaderName(parts[0] as string)];
  if (!entity) return undefined;
  const rest = parts.slice(2).join(' - ');
  return { entity, field: parts[1] as string, ...(rest ? { rest } : {}) };
}

/**
 * The entity of a Pipedrive export of one list, whose columns have no `Entity - ` prefix: named by its creation-time
 * column (`Pessoa criada`, `Lead created`) beside `Visible to` and its `ID`. Undefined for any other file.
 */
export function pipedriveListEntity(
  header: readonly string[],
): { entity: 'lead' | 'deal' | 'person' | 'organization'; evidence: string[] } | undefined {
  const names = header.map(normaliseHeaderName);
  const created = names.findIndex((n) => Object.hasOwn(PIPEDRIVE_LIST_EXPORT_CREATED, n));
  const visible = names.findIndex((n) => PIPEDRIVE_LIST_EXPORT_VISIBLE_TO.includes(n));
  if (created === -1 || visible === -1) return undefined;
  // English names (read by analogy) also need the export's record id (`ID`): a sheet of one's own with `Visible to` and
  // `Lead created` is no export. Portuguese ones are the export's own words (its columns may be chosen, `ID` left out).
  const confirmed = !PIPEDRIVE_LIST_EXPORT_BY_ANALOGY.has(names[created] as string);
  if (!confirmed && !names.includes('id')) return undefined;
  return {
    entity: PIPEDRIVE_LIST_EXPORT_CREATED[names[created] as string] as
      | 'lead'
      | 'deal'
      | 'person'
      | 'organization',
    evidence: [header[created] as string, header[visible] as string],
  };
}

/**
 * A column of such a list as `Entity - Field - Rest`, when the entity's fields include it: the others (the account's
 * custom fields, `Linkedin`) are read as any file's columns are.
 */
function unprefixedPipedriveParts(
  header: string,
  entity: string,
): { entity: string; field: string; rest?: string } | undefined {
  const [field, ...rest] = header.trim().split(/(?<!\s)\s+-\s+/);
  const parts = { entity, field: field as string, ...(rest.length ? { rest: rest.join(' - ') } : {}) };
  return knownPipedriveMeaning(parts) === undefined ? undefined : parts;
}

/** What Pipedrive's own name of a field means, when its tables know it (else the account's fields decide). */
function knownPipedriveMeaning(exported: {
  entity: string;
  field: string;
  rest?: string;
}): Meaning | undefined {
  let parts = exported;
  const table = PIPEDRIVE_EXPORT_FIELDS[parts.entity] ?? {};
  // Address subfields read `City/town/village/locality of Address` (or `Organization - Address - City…`).
  const of = /^(.+) of (address|postal address)$/i.exec(parts.field);
  if (of) parts = { ...parts, field: of[2] as string, rest: of[1] as string };
  // Pipedrive's sample import spreadsheet says an address's kind in brackets: `Person - Email (Work)`.
  const kind = /^([^()]+?)\s*\(([^()]+)\)$/.exec(parts.field);
  if (kind && !parts.rest && table[normaliseHeaderName(parts.field)] === undefined) {
    if (table[normaliseHeaderName(kind[1] as string)] !== undefined) {
      parts = { ...parts, field: kind[1] as string, rest: kind[2] as string };
    }
  }
  const field = normaliseHeaderName(parts.field);
  const meaning = Object.hasOwn(table, field) ? table[field] : undefined;
  if (meaning === undefined) return undefined;
  if (meaning === 'person.email' || meaning === 'person.phone') {
    return parts.rest ? `${meaning}:${contactLabelOf(parts.rest)}` : `${meaning}:work`;
  }
  if ((meaning === 'organization.address' || meaning === 'person.postal_address') && parts.rest) {
    const part = addressPartOf(parts.rest);
    if (part === undefined) return `ignore: a part of the address Pipedrive keeps in the whole address`;
    return part === 'whole' ? meaning : `${meaning}.${part}`;
  }
  return meaning;
}

function pipedriveExportMeaning(
  parts: { entity: string; field: string; rest?: string },
  catalogue: FieldCatalogue | undefined,
): Meaning {
  if (parts.entity === 'activity') {
    return 'ignore: an activity: this tool creates leads, not activities (add them in Pipedrive, or map the column to the note)';
  }
  const known = knownPipedriveMeaning(parts);
  if (known !== undefined) return known;
  const entity: Entity =
    parts.entity === 'person' ? 'person' : parts.entity === 'organization' ? 'organization' : 'lead';
  const custom = catalogue?.custom(entity, parts.field);
  if (custom) return `custom.${entity}:${custom.name}`;
  if (!catalogue?.has(entity))
    return `ignore: a ${entity} field matched by name only when Pipedrive is reachable`;
  // A lead field of the exporting account this one lacks: its text is kept in the lead's note
  // rather than lost; create the field to get it as a field.
  if (entity === 'lead') return 'lead.note';
  return `ignore: a field of the exporting account this account does not have: create ${entity === 'organization' ? 'an organization' : 'a person'} field "${parts.field}" in Pipedrive to import it, or list the column under ignore`;
}

/** Street columns that are the second line of a street (a suite, a floor): `Address 2`, `Address Line 2`. */
const SECOND_STREET_LINES = new Set(['address2', 'addressline2', 'street2']);

/** Pipedrive's address subfield names (`City/town/village/locality`, `ZIP/Postal code`…). */
function addressPartOf(text: string): AddressPart | 'whole' | undefined {
  const t = text.toLowerCase();
  if (/full|combined|formatted/.test(t)) return 'whole';
  // `District/sublocality` is a part of the city (Berlin's Mitte), not the city `City/town/village/locality` names.
  if (/district|sublocality/.test(t)) return undefined;
  if (/house number|street number/.test(t)) return 'street_number';
  if (/city|town|locality/.test(t)) return 'city';
  if (/zip|postal/.test(t)) return 'postal_code';
  if (/state|county|region|province/.test(t)) return 'state';
  if (/country/.test(t)) return 'country';
  if (/street|road|route/.test(t)) return 'street';
  return undefined;
}

interface NameContext {
  sample: readonly (readonly string[])[];
  /** The column that fills the person's first name, if any does. */
  first?: { index: number; header: string };
  /** The column that fills the person's last name, if any does. */
  last?: { index: number; header: string };
  /** `first` and `last` are the file's plainly named columns, beside which its system names its own. */
  systemNamesOwn?: true;
}

/**
 * A bare `Name` (`Nom`, `Nombre`, `Nome`, `Naam`): alone, the person's full name; but German and
 * French forms write `Vorname` + `Name` and `Prénom` + `Nom` with the surname in it, and Spanish and
 * Italian ones `Nombre` + `Apellidos` and `Nome` + `Cognome` with the given name. So beside a
 * first-name column it is the last name, beside a last-name column the first name, unless its
 * values hold the other column's (`Anna Schmidt` beside `Anna`): then it is the full name after all.
 */
function readName(
  index: number,
  header: string,
  ctx: NameContext,
): { meaning: Meaning; reason: string; note?: string } {
  const fullName = { meaning: 'person.name', reason: `auto: well-known header "${header}"` };
  // With both (or neither) beside it, it is the full name, as in English files.
  if ((ctx.first === undefined) === (ctx.last === undefined)) return fullName;
  const other = (ctx.first ?? ctx.last) as { index: number; header: string };
  const part = ctx.first ? 'last name' : 'first name';
  const otherPart = ctx.first ? 'first' : 'last';
  const pairs = ctx.sample
    .map((row) => [(row[index] ?? '').trim(), (row[other.index] ?? '').trim()] as const)
    .filter(([mine, theirs]) => mine !== '' && theirs !== '')
    .slice(0, 50);
  const holding = pairs.filter(([mine, theirs]) => containsWord(mine, theirs));
  if (pairs.length > 0 && holding.length * 2 >= pairs.length) {
    const example = JSON.stringify(holding[0]?.[0]);
    return {
      meaning: 'person.name',
      reason: `auto: "${header}" holds full names (with "${other.header}" in them, e.g. ${example})`,
      note: `"${header}" read as the person's full name (its values hold the ${otherPart} names of "${other.header}", e.g. ${example}); if it is the ${part}, write person: { ${ctx.first ? 'last_name' : 'first_name'}: ${header} } in the mapping file.`,
    };
  }
  const why = `beside "${other.header}" (${otherPart} names) with no ${otherPart === 'first' ? 'last' : 'first'}-name column${ctx.systemNamesOwn ? " named as plainly (the ones the file's system adds are its own)" : ''}`;
  return {
    meaning: ctx.first ? 'person.last_name' : 'person.first_name',
    reason: `auto: "${header}" is the ${part}: ${why}`,
    note: `"${header}" read as the person's ${part} (it stands ${why}${pairs.length ? ', and its values do not hold those names' : ''}); if it holds full names, write person: { name: ${header} } in the mapping file.`,
  };
}

/** Whether a target takes its label from a column of its own (a website read with its `Website 1 - Type`). */
function hasLabelColumn(target: Target): boolean {
  return (target.entity === 'person' || target.entity === 'organization') && target.labelColumn !== undefined;
}

/**
 * A column only a form's export has: when the answer came in (Google Forms' `Timestamp`, Typeform's `Submit Date
 * (UTC)`, LinkedIn's `Lead Submitted At (UTC)`, HubSpot's `Conversion Date`), or from which form or page.
 */
const FORM_MARKER =
  /^(?:timestamp|formname|formid|conversion(?:date|page)|(?:lead)?submi(?:tted|ssion|t)(?:at|on|date|time|id)?(?:utc)?|(?:submitdate|entrydate|completiontime)(?:utc)?|responsetype)$/;

/**
 * Whether a second column for this field can fill it in a row where the first is empty: a one-column field of the
 * lead, person or organization. Not an address part (two addresses' parts would make one that is neither) nor a
 * website read with its label column.
 */
function takesFallback(target: Target): boolean {
  if (target.entity === 'custom') return false;
  if (target.entity === 'lead') return target.field !== 'note';
  if (target.field === 'postal_address' || target.field === 'address') return false;
  return !hasLabelColumn(target);
}

/**
 * Whether two columns hold the same values where a sample row fills both (the team's `Angstrom` and the enrichment's
 * `Ångström AB`, `MULLER` and `Müller`), in at least half such rows, and in one at least: a `Contact` of email
 * addresses beside `Name`, a person's `Industry` beside the company's, a column filled only where the other is empty,
 * are not known to be the same field's values.
 */
function sameValues(sample: readonly (readonly string[])[] | undefined, a: number, b: number): boolean {
  // Letters no accent makes (`Ø`, `Æ`, `ß`) spelt as a team types them without one.
  const fold = (s: string) => plainLetters(s.replace(/ø/gi, 'o').replace(/æ/gi, 'ae').replace(/ß/g, 'ss'));
  const pairs = (sample ?? [])
    .map((row) => [fold((row[a] ?? '').trim()), fold((row[b] ?? '').trim())] as const)
    .filter(([x, y]) => x !== '' && y !== '')
    .slice(0, 50);
  // One inside the other as whole words, the shorter of three letters at least (`A` is in `a@x.io`).
  const inside = (long: string, short: string) =>
    short.replace(/[^\p{L}\p{N}]/gu, '').length >= 3 && containsWord(long, short);
  const same = pairs.filter(([x, y]) => (x.length >= y.length ? inside(x, y) : inside(y, x)));
  return pairs.length > 0 && same.length * 2 >= pairs.length;
}

/**
 * Whether the sample fills column `b` and none of the columns `before` it: in a form tool's export, the tool's own
 * column for a field that the whole sample leaves empty (a survey's `Recipient Last Name` where every respondent came by
 * the anonymous link) keeps no value from the form's field after it (the `Last name` each typed), which fills it where
 * it is empty, as it would behind a column of the same values. Only there: in any other file, a column filled only
 * where another is empty is not known to be the same field's (a `Contact` of addresses beside an empty `Name`, an event
 * list's `Role` beside an unanswered `Job Title`), and one column with values beside the empty one is compared as ever.
 */
function onlyFilled(
  sample: readonly (readonly string[])[] | undefined,
  b: number,
  before: readonly number[],
): boolean {
  const rows = (sample ?? []).slice(0, 50);
  const filled = (row: readonly string[], i: number) => (row[i] ?? '').trim() !== '';
  return rows.some((row) => filled(row, b)) && rows.every((row) => before.every((i) => !filled(row, i)));
}

/** Whether `text` has `word` in it as whole words, case- and accent-spacing-insensitively: "Anna Schmidt" has "anna". */
function containsWord(text: string, word: string): boolean {
  const norm = (s: string) =>
    ` ${s
      .normalize('NFKC')
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean)
      .join(' ')} `;
  const w = norm(word);
  return w.trim() !== '' && norm(text).includes(w);
}

/** A column's first 50 filled values in the sample rows, trimmed: what a reading by values goes by. */
export function sampleValues(sample: readonly (readonly string[])[], index: number): string[] {
  return sample
    .map((row) => (row[index] ?? '').trim())
    .filter((v) => v !== '')
    .slice(0, 50);
}

/** A header naming someone other than the row's person (`Created by`, `Sales rep`): its addresses are not theirs. */
/**
 * A column named like a secret or a personal identifier (a form's `Password`, `Credit Card Number`, `Social Security
 * Number`, `IBAN`, `Passport No.`): never imported unless a mapping file says where, not even into the lead's note,
 * where every user of the account would read it. A form tool's export sends its unnamed fields to the note, so the name
 * decides: an identifier's name, not a topic (`Do you have a valid passport?`, `Passport Country`, `PIN Code`, an Indian
 * postal code, stay what they were).
 */
const SECRET_HEADER =
  /\b(?:password|passwort|passwd|passcode|wachtwoord|contrase[ñn]a|senha|has[łl]o|cvv2?|cvc2?|iban|ssn)\b|mot de passe|card ?(?:number|no\b|nr\b|#)|kreditkartennummer|num[ée]ro de carte|n[úu]mero de tarjeta|social security|sécurité sociale|sozialversicherungs|national insurance|national id|steuer-?id|(?:passport|reisepass|passeport|pasaporte) ?(?:number|no\b|nr\b|#|nummer|num[ée]ro|n[úu]mero)|reisepassnummer/i;
const SECRET_REASON =
  'named like a secret or a personal identifier (a password, a card, bank or ID number): never imported, not even into the note; map it in a mapping file if it must be';

const NAMES_SOMEONE_ELSE =
  /\b(?:by|owner|users?|assigned|assignee|reps?|agent|manager|creator|author|sender|referr?er|colleague|cc|bcc)\b/i;

/** Whether every value of a column in the sample is one email address (at least one value). */
function holdsEmails(sample: readonly (readonly string[])[], index: number): boolean {
  const values = sampleValues(sample, index);
  return values.length > 0 && values.every((v) => normaliseEmail(v).error === undefined);
}

/** Whether every value of a column in the sample is a LinkedIn profile or company page (at least one value). */
function holdsLinkedIn(sample: readonly (readonly string[])[], index: number): boolean {
  const values = sampleValues(sample, index);
  return (
    values.length > 0 && values.every((v) => LINKEDIN_PERSON_PROFILE.test(v) || LINKEDIN_COMPANY_PAGE.test(v))
  );
}

/** A UUID (`0196f3a2-7c1e-7d3a-9b8e-3c2f1a0b9d4e`) or a long hexadecimal id (a MongoDB ObjectId). */
const RECORD_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/**
 * Why a column named like a company's name is not one: every value in the sample is a record id (Instantly's
 * `organization` is the workspace's UUID; its `company_name` names the company). Undefined when one value is not.
 */
function recordIds(sample: readonly (readonly string[])[], index: number): string | undefined {
  const values = sampleValues(sample, index);
  if (values.length === 0 || !values.every((v) => RECORD_ID.test(v))) return undefined;
  return `its values are record ids, not names (${JSON.stringify(values[0])}): map it in a mapping file if they are names`;
}

/** A LinkedIn column that does not say whose (`LinkedIn`, `LinkedIn URL`, `Person Linkedin Url`): not a company's. */
const LINKEDIN_HEADER =
  /^(?!.*(?:company|companies|organi[sz]ation|account|business|firm))(?:.*linkedin.*|li(?:profile)?url)$/;

/**
 * A LinkedIn column that does not say whose: a lead list's is the person's profile (`linkedin.com/in/…`), kept in the
 * lead's note; a column of company pages (`linkedin.com/company/…`) is the organization's LinkedIn.
 */
function readLinkedIn(index: number, header: string, sample: readonly (readonly string[])[]): Candidate {
  const values = sampleValues(sample, index);
  if (values.length > 0 && values.every((v) => LINKEDIN_COMPANY_PAGE.test(v))) {
    return {
      index,
      meaning: 'organization.linkedin',
      tier: TIER.generic,
      rank: index,
      reason: `auto: "${header}" holds companies' LinkedIn pages`,
    };
  }
  return {
    index,
    meaning: PERSON_LINKEDIN,
    tier: TIER.generic,
    rank: index,
    reason: `auto: "${header}" holds a person's LinkedIn profile`,
  };
}

/**
 * A column whose values are mostly salutations or academic titles (`Ms.`, `Dr`, `Prof. Dr.`, `Herr`, `Mme`): Keap,
 * Outlook and many sheets call the salutation `Title`, and a German user types the contact's `Dr.` into Salesforce's
 * job title `Titel`. Left out, saying so; undefined where most values are something else.
 */
function readSalutations(
  header: string,
  values: readonly string[],
  what: string,
): { meaning: Meaning; note: string } | undefined {
  if (values.length === 0 || values.filter((v) => onlyTitles(v)).length * 2 <= values.length)
    return undefined;
  const examples = [...new Set(values.filter((v) => onlyTitles(v)))]
    .slice(0, 2)
    .map((v) => JSON.stringify(v));
  return {
    meaning:
      'ignore: salutations and titles (Mr., Ms., Dr., Prof.): Pipedrive persons have no salutation field',
    note: `"${header}" holds salutations or academic titles, e.g. ${examples.join(', ')}: left out (Pipedrive persons have no salutation field)${what}; if it is the job title, write person: { job_title: ${header} } in the mapping file.`,
  };
}

interface TitleContext {
  sample: readonly (readonly string[])[];
  personContext: boolean;
  leadTitleMapped: boolean;
  jobTitleMapped: boolean;
}

/**
 * A bare `Title`: in most exports (Salesforce, Apollo, HubSpot lists) the person's job title, in
 * hand-made sheets sometimes the lead's title. Read it as people do: by its values ("CTO",
 * "VP Sales" are job titles) and its neighbours.
 */
function readTitle(
  index: number,
  header: string,
  ctx: TitleContext,
): { meaning: Meaning; reason: string; note: string } {
  const values = sampleValues(ctx.sample, index);
  const jobLike = values.filter((v) => JOB_TITLE_WORDS.test(v) || JOB_TITLE_WORDS_ELSEWHERE.test(v)).length;
  const examples = values.slice(0, 2).map((v) => JSON.stringify(v.length > 30 ? `${v.slice(0, 29)}…` : v));
  // Keap, Outlook and many sheets call the salutation `Title`: neither a job nor a lead title.
  const salutations = readSalutations(header, values, '');
  if (salutations) return { ...salutations, reason: '' };
  const asJob = (why: string) => ({
    meaning: ctx.jobTitleMapped ? `ignore: another column is the job title` : 'person.job_title',
    reason: `auto: "${header}" ${why}`,
    note: `"${header}" read as the person's job title (${why}); if it is the lead's title, write lead: { title: ${header} } in the mapping file.`,
  });
  if (values.length > 0 && jobLike * 2 >= values.length) {
    return asJob(`holds job titles, e.g. ${examples.join(', ')}`);
  }
  if (ctx.leadTitleMapped) return asJob('stands beside a lead title column');
  if (values.length === 0 && ctx.personContext) return asJob("stands beside a person's columns");
  return {
    meaning: 'lead.title',
    reason: `auto: "${header}" holds lead titles${examples.length ? `, e.g. ${examples.join(', ')}` : ''}`,
    note: `"${header}" read as the lead's title (its values do not look like job titles${examples.length ? `: ${examples.join(', ')}` : ''}); if it is the person's job title, write person: { job_title: ${header} } in the mapping file.`,
  };
}

/**
 * `What's your email?`, `And your last name?`, `Your phone number`, Contact Form 7's `your-email`: a form's question
 * (or field) that asks for one of the contact's own fields, by a name the generic headers know. Only fields that
 * take any text (names, emails, phones, job title, company, website): an answer to "What's your budget?" is no
 * amount to read, so it stays in the note.
 */
function askedField(header: string): Meaning | undefined {
  const text = withoutTags(header);
  if (WORKS_FOR.test(text)) return 'organization.name';
  const asked = ASKED_FOR.exec(text);
  if (!asked) return undefined;
  const name = normaliseHeaderName(asked[1] as string);
  if (name === 'name' || name === 'fullname') return 'person.name';
  for (const [meaning, synonyms] of Object.entries(GENERIC_HEADERS)) {
    if (synonyms.includes(name) && ASKABLE.test(meaning)) return meaning;
  }
  return undefined;
}

const ASKED_FOR =
  /^(?:and\s+)?(?:(?:what(?:'|’)?s|what is|which is)\s+|(?:please\s+)?(?:enter|share|give us|tell us|type|provide)\s+|(?:may|can|could) we (?:have|get)\s+)?your[\s_-]+([^?？.:]{1,40}?)\s*[?？.:]?\s*$/i;

/** `What company do you work for?`, `Where do you work?` */
const WORKS_FOR =
  /^(?:(?:what|which) (?:company|organi[sz]ation|business|firm) do you (?:work (?:for|at|with)|represent)|where do you work)\s*[?？]?$/i;

const ASKABLE =
  /^(?:person\.(?:name|first_name|last_name|email|phone|job_title)|organization\.(?:name|website))(?::|$)/;

/**
 * Where the conventions of the file's system put its address parts: one entity and the parts it has, or undefined
 * when they name none or split them between the person and the company (ZoomInfo's `Person City`, `Company City`).
 */
function systemAddress(
  candidates: readonly Candidate[],
): { entity: 'person' | 'organization'; parts: Set<AddressPart | 'whole'> } | undefined {
  const entities = new Set<'person' | 'organization'>();
  const parts = new Set<AddressPart | 'whole'>();
  for (const c of candidates) {
    if (c.tier !== TIER.system) continue;
    const m = /^(organization)\.address(?:\.(\w+))?$|^(person)\.postal_address(?:\.(\w+))?$/.exec(c.meaning);
    if (!m) continue;
    entities.add(m[1] ? 'organization' : 'person');
    parts.add((m[2] ?? m[4] ?? 'whole') as AddressPart | 'whole');
  }
  const [entity] = entities;
  return entities.size === 1 && entity ? { entity, parts } : undefined;
}
