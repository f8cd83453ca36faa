import { randomBytes } from 'node:crypto';
import { stripProtectiveQuote } from '../csv/protective-quote.js';
import { formatCount } from '../ops/format.js';
import type {
  AddressFields,
  ContactValue,
  LeadFields,
  LeadJobData,
  OrganizationFields,
  PersonFields,
} from '../queue/job-data.js';
import { organizationKey, personKey } from '../queue/match-keys.js';
import { optionKey } from './field-catalogue.js';
import { asksQuestion, SOURCE_SYSTEMS, withoutTags } from './header-conventions.js';
import {
  type AddressColumns,
  type ContactColumn,
  type FieldPath,
  type OptionLookup,
  ORGANIZATION_KIND,
  type ResolvedCustomField,
  type ResolvedMapping,
} from './mapping.js';
import {
  emailsInCell,
  isAmountRange,
  isDatePeriod,
  isFreeMail,
  isPlaceholderEmail,
  isRoleAddress,
  LINKEDIN_COMPANY_PAGE,
  lastCommaFirst,
  linkedPageTitles,
  nonWebScheme,
  normaliseCurrency,
  normaliseEmail,
  onlyTitles,
  parseAmount,
  parseBoolean,
  parseDate,
  parseVisibility,
  phoneExtension,
  phonesInCell,
  splitList,
  withAsciiDigits,
  withExtension,
  withoutNameTitles,
} from './normalise.js';
import { contactLabelOf } from './targets.js';

export interface RowReject {
  /** Header name of the column at fault; absent when the row as a whole is at fault. */
  column?: string;
  /** What is wrong and how to fix it, e.g. `"bob@" is not an email address; fix the cell or clear it`. */
  reason: string;
  /**
   * The line of the person's first row, when this row is rejected only because it repeats that person in a report
   * with a row per visit or ticket (`repeatsPerson`): the person's lead comes from that line, so nothing failed.
   */
  repeatOf?: number;
  /**
   * Set when the line is the sheet's layout, not a row of data (a section's title and the header repeated under it, an
   * item's subitems, as monday.com writes a board): nothing failed.
   */
  layout?: true;
  /**
   * Set when the row is the file owner's own side, which the system's report lists beside the people it is about (a
   * Teams meeting's organizer among its participants): no lead, and nothing failed.
   */
  ownSide?: true;
}

export type RowResult =
  | {
      ok: LeadJobData;
      /** Match keys (src/queue/match-keys.ts) for distinct counts. */
      personKey?: string;
      organizationKey?: string;
      /** Values left out of an imported row, and why (the summary counts them per column). */
      warnings?: RowWarning[];
    }
  | { reject: RowReject };

/** A value the row could not carry into Pipedrive, though the row itself is fine. */
export interface RowWarning {
  column: string;
  /** Completes "N rows: column X …": the same text for every row it applies to. */
  message: string;
}

export interface RowValidatorOptions {
  /** `fill-empty`: existing contacts get the row's values where they have none. */
  updateContacts?: 'fill-empty';
  /** Distinct emails the repeated-person check holds at most. @defaultValue {@link REPEATED_PERSON_CHECK_LIMIT} */
  repeatedPersonLimit?: number;
}

/**
 * Distinct emails the repeated-person check of a report with a row per occurrence (Zoom, Eventbrite) holds: about
 * 100 bytes each, so 20 MB at most, however many millions of people a file names. Past it, the people held are
 * still checked and the others are imported row by row, and the import says so.
 */
export const REPEATED_PERSON_CHECK_LIMIT = 200_000;
/**
 * Addresses the check for one address given to different names keeps, in any file: 100,000 take 4 MiB (a table of
 * numbers), which keeps the producer of a 1,000,000-row file under its 200 MB.
 */
export const SHARED_ADDRESS_CHECK_LIMIT = 100_000;

/** Turns one CSV row into job data or a reject; `notes()`: what the import should say once, after the last row. */
export type RowValidator = ((line: number, fileCells: string[]) => RowResult) & { notes(): string[] };

/** Pipedrive's limit for text fields (pipedrive-api.md §9.6). */
const MAX_TEXT = 255;
/** Pipedrive's long text ("text" fields, notes): up to 65k characters. */
const MAX_NOTE = 65_535;
/** Google Contacts puts several values of one kind in one cell, joined by ` ::: `. */
// Each pattern that splits or trims at spaces reads a run of them one way (`(?<!\s)` before a run), never two: a cell
// of a million spaces must cost a pass, not its square (test/hostile/backtracking.test.ts).
const MULTI_VALUE = /(?<!\s)\s+:::\s+/;
/** A list column's separators (Outreach's `Emails`): `;`, `,` or Google's ` ::: `. */
const LIST_SEPARATOR = /(?:(?<!\s)\s+)?[;,]\s*|(?<!\s)\s+:::\s+/;
/** Outlook writes an unset date as 0/0/00. */
const EMPTY_DATE = /^0{1,2}[/.-]0{1,2}[/.-]0{2,4}$/;
/** A date without a year: Google's `--11-30`, Mailchimp's `11/30`. */
const NO_YEAR_DATE = /^(--\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2})$/;
/**
 * A cell that says it has no value, as people and programs write it: `N/A`, `n.a.`, `-`, `none`, `unknown`, `TBD`,
 * `?`; R's `NA`, a database's `NULL` and MySQL's `\\N`. Read as empty: a company called "n/a" would gather every
 * such row's person, and a phone of `N/A` rejected its whole lead.
 */
const NO_VALUE =
  /^(?:n\/a|n\.\s?a\.?|na|not applicable|not available|not provided|none|null|nil|\\n|unknown|tbd|tba|-+|–|—|\?)$/i;
/**
 * `NA` and `Na` are names too (the Korean surname Na): in a name column, only the forms no one is called. (A name
 * of question marks is no placeholder: Excel wrote them for letters its code page lacks, and that is rejected.)
 */
const NO_VALUE_IN_NAME =
  /^(?:n\/a|n\.\s?a\.|not applicable|not available|not provided|null|\\n|unknown|-+|–|—)$/i;
/** The first characters a {@link NO_VALUE} cell can start with, as char codes (a space or tab before it too). */
const PLACEHOLDER_START = new Set([...' \tnNuUtT?\\-–—'].map((c) => c.charCodeAt(0)));
/**
 * Excel's error values, which a CSV holds where a formula failed (a VLOOKUP that found nothing: `#N/A`),
 * in English and in the languages of the header tables (German `#NV`, `#BEZUG!`; French `#VALEUR!`;
 * Spanish `#¡REF!`…).
 */
const EXCEL_ERROR =
  /^#(?:N\/A|NV|N\/D|REF!|BEZUG!|¡REF!|VALUE!|WERT!|VALEUR!|¡VALOR!|VALOR!|NAME\?|NOM\?|¿NOMBRE\?|NOME\?|DIV\/0!|¡DIV\/0!|NUM!|ZAHL!|NOMBRE!|¡NUM!|NULL!|NUL!|¡NULO!|NULO!|SPILL!|ÜBERLAUF!|CALC!|BERECHNUNG!|GETTING_DATA)$/i;
/**
 * Names in which `?` stands for letters: alone, or within a word, before a letter or another `?`
 * (`????`, `Gda?sk`, `?ukasz`); not in a link's query (`/?leak=`) nor ending a word (`Why? Labs`).
 */
const LOST_LETTERS = /^\?+$|(?<=^|[\s\p{L}])\?(?=[?\p{L}])/u;
const LOST_LETTER_FIELDS: FieldPath[] = [
  'person.name',
  'person.first_name',
  'person.middle_name',
  'person.last_name',
  'organization.name',
];
/** Characters that show nothing and are no part of a value: zero-width spaces and joiners, word joiner, BOM. */
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/;
/** Spaces and invisibles before a cell's text, up to its last invisible one there. */
const LEADING_INVISIBLES = /^[\s\u200b-\u200d\u2060\ufeff]*[\u200b-\u200d\u2060\ufeff]/;
/** The run of spaces and invisibles that ends a cell. */
const TRAILING_RUN = /(?<![\s\u200b-\u200d\u2060\ufeff])[\s\u200b-\u200d\u2060\ufeff]+$/;

/**
 * A cell without the invisible characters at its ends (and the spaces between them and the end), its other spaces
 * kept: ` \u200b Jane \u200b ` is ` Jane `. Two linear steps; the one pattern this was took time exponential in the
 * invisibles between two letters (`a` + 40 BOMs + `x`: hours).
 */
function withoutInvisibleEnds(cell: string): string {
  const text = cell.replace(LEADING_INVISIBLES, '');
  const tail = TRAILING_RUN.exec(text);
  if (!tail) return text;
  const first = tail[0].search(INVISIBLE);
  return first === -1 ? text : text.slice(0, tail.index + first);
}
/**
 * What LinkedIn and its scrapers give as the company of someone who works for no company (`Self-employed`,
 * `Freelance`, `Retired`, and the same in German, French, Spanish, Portuguese, Italian and Dutch): as an
 * organization it would gather every freelancer of the file.
 */
const NO_COMPANY =
  /^(?:self[\s-]?employed|freelancer?|freelance consultant|independent(?: consultant| contractor)?|retired|student|unemployed|open to work|selbstst[äa]ndig|freiberufler(?:in)?|freiberuflich|ind[ée]pendante?|travailleur ind[ée]pendant|aut[óo]nom[oa]|trabajador aut[óo]nomo|aut[ôo]nom[oa]|libero professionista|zzp(?:'er)?|zelfstandige)$/i;
/**
 * Fields Pipedrive shows on one line (names, titles): a cell a spreadsheet wrapped (`Multi` newline `Line Inc`) is
 * joined with spaces, as an organization named with a line break in it would be a second one beside the first.
 */
const SINGLE_LINE = new Set<FieldPath>([
  'person.name',
  'person.first_name',
  'person.middle_name',
  'person.last_name',
  'person.job_title',
  'organization.name',
  'lead.title',
]);

/** A cell's lines joined with a space, each trimmed (a split, not a pattern: linear in any cell). */
function oneLine(value: string): string {
  return value
    .split(/[\r\n]/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}

/** A contact named with the address: `Zoë Ørsted (zoe@angstrom.example.com)`, then maybe `; …` (HubSpot's deals). */
const NAME_WITH_EMAIL = /^([^();]+?)\s*\(([^()\s;@]+@[^()\s;]+)\)(?=\s*(?:;|$))/;

/** What systems put in a required field that has no value: it is no value. */
const PLACEHOLDERS = new Set(['[not provided]', 'not provided', 'n/a', '-', '—', 'none', 'null', 'unknown']);
/**
 * What starts the totals row a spreadsheet user adds under a list (`Total`, `Grand total:`,
 * `Sum`, and the same in the languages of Excel's European users), with the figure in the same
 * cell or not (`Total: 12`).
 */
const SUMMARY_LABEL =
  /^(?:(?:grand\s+|sub-?)?totals?|sum|count|summe|gesamt(?:summe)?|somme|totaal|totale|summa|yhteensä)(?:\s*(?:[:=]\s*)?|[^\p{L}\d]*\d[^\p{L}]*)$/iu;

/** A sum or a count: digits with the signs, separators and currency marks amounts carry. */
const FIGURE = /^[^\p{L}\d]*\d[^\p{L}]*$|^\p{Lu}{3}[-\d.,\s]+$|^[-\d.,\s]+\p{Lu}{3}$/u;

/**
 * A totals row: its first filled cell says `Total` (or the like) and every other filled cell is a
 * figure. A lead named "Total" has an email, a company or a name beside it, which are not figures
 * (a phone number alone is, so such a row is rejected too, with the reason). Imported, a totals
 * row would be a person called "Total" with the list's sum as its value.
 */
function summaryRowLabel(cells: readonly string[]): { index: number; label: string } | undefined {
  const index = cells.findIndex((c) => c.trim() !== '');
  const label = cells[index]?.trim() ?? '';
  if (!SUMMARY_LABEL.test(label)) return undefined;
  const others = cells.filter((c, i) => i !== index && c.trim() !== '');
  return others.every((c) => FIGURE.test(c.trim())) ? { index, label } : undefined;
}

/** `="text"`: a formula whose value is the text in quotes (no quote inside it). */
const FORMULA_TEXT = /^="([^"]*)"$/;

/** The text of Excel's `="…"` formula; any other cell as it is. */
function formulaText(cell: string): string {
  const m = FORMULA_TEXT.exec(cell);
  return m ? (m[1] as string) : cell;
}

/**
 * What prospecting tools write of an address that does not work (Hunter `invalid`, lemlist `undeliverable`, Snov.io
 * `not valid`, a bounce); `risky`, `accept_all`, `unknown` and `webmail` may still work, and are not said.
 */
const BAD_EMAIL_STATUS =
  /^(?:invalid|not[\s_-]?valid|undeliverable|bounced?|hard[\s_-]?bounced?|disposable|spam[\s_-]?trap)$/i;
/**
 * Dropcontact's qualification, `localpart@domain` (developer.dropcontact.com, Enriched record): an address that does
 * not exist (`invalid`, `invalide`), whose owner asked not to be contacted (`Do_Not_Contact`, `Ne_Pas_Contacter`), or
 * at a disposable or invalid domain; `nominative@pro`, `catch_all@pro`, `generic@pro` may still work.
 */
const BAD_QUALIFICATION =
  /^(?:invalide?|do[\s_-]?not[\s_-]?contact|ne[\s_-]?pas[\s_-]?contacter)@|@(?:jetable|disposable|invalid[\s_-]?domain|domaine[\s_-]?invalide)$/i;

/** Problems a rejected row's reason names at most. */
const MAX_REASONS = 10;

/** Apollo's stand-in for an email not revealed yet. */
const LOCKED_EMAIL = /^email_not_unlocked@/i;

const MARKETING_STATUS: Record<string, NonNullable<PersonFields['marketing_status']>> = {
  subscribed: 'subscribed',
  unsubscribed: 'unsubscribed',
  noconsent: 'no_consent',
  archived: 'archived',
  optedin: 'subscribed',
  optedout: 'unsubscribed',
  // Mailchimp's and Klaviyo's statuses, Wix's: asked but not confirmed, never asked, or only sent receipts.
  doubleoptin: 'subscribed',
  confirmed: 'subscribed',
  pending: 'no_consent',
  transactional: 'no_consent',
  neversubscribed: 'no_consent',
  notsubscribed: 'no_consent',
  nonsubscribed: 'no_consent',
  notset: 'no_consent',
  // Mailchimp's `cleaned`: an address that bounced, which it no longer sends to.
  cleaned: 'archived',
  // A system's own words (Kit's `cancelled`, Constant Contact's `Explicit`) are on its SOURCE_SYSTEMS entry: read only
  // in its file (`active` in a billing export's `Subscription Status` is no consent to emails).
  // A form's consent box (Gravity Forms' `Checked` / `Not Checked`, WPForms' one-box `Checked`), read only where a
  // mapping file says the box is consent to marketing emails: the importer never guesses it (header-conventions.ts).
  checked: 'subscribed',
  notchecked: 'no_consent',
  unchecked: 'no_consent',
};

/**
 * Builds the function that turns one CSV row into job data or a reject. Pure: the mapping holds
 * every lookup it needs, so a million rows cost no I/O here. All problems of a row are reported
 * together, so one round of fixes is enough.
 */
export function createRowValidator(
  mapping: ResolvedMapping,
  importId: string,
  options: RowValidatorOptions = {},
): RowValidator {
  const { columns, header, defaults } = mapping;
  /** A form's fields kept under their labels (a set: a form export may have thousands, read for every row). */
  const headedNotes: ReadonlySet<number> = new Set(mapping.headedNotes ?? []);
  // The column each field is read from in the row at hand: where a field's column is empty, the first of its
  // fallbacks that is not (`Account Name` where `Company` is empty), so errors name the column the value came from.
  const fallbacks = Object.entries(mapping.fallbacks) as [FieldPath, number[]][];
  let rowColumns = columns;
  const at = (path: FieldPath) => rowColumns[path];
  const columnsOf = (cells: readonly string[]): Partial<Record<FieldPath, number>> => {
    let chosen = columns;
    for (const [path, list] of fallbacks) {
      const first = columns[path];
      if (first !== undefined && (cells[first] ?? '').trim() !== '') continue;
      const filled = list.find((i) => (cells[i] ?? '').trim() !== '');
      if (filled !== undefined) chosen = { ...chosen, [path]: filled };
    }
    return chosen;
  };
  const importedColumns = [...new Set(mapping.plan.matches.map((m) => m.index))];
  // A note keeps an answer as written (`Any allergies?` `None`); a name column takes fewer placeholders.
  const noteColumns = new Set(mapping.noteColumns);
  const names = new Set(
    (['person.name', 'person.first_name', 'person.middle_name', 'person.last_name'] as const).flatMap(
      (path) => [columns[path], ...(mapping.fallbacks[path] ?? [])],
    ),
  );
  const emailColumns = new Set(mapping.emails.map((e) => e.column));
  // Only a cell that starts as a placeholder can (`N/A`, `-`, `NULL`, `unknown`, `TBD`, `?`, `\N`, or a space): a
  // character's test before the pattern's, on every imported cell of every row.
  const says = (pattern: RegExp) => (value: string) =>
    value.length <= 16 && PLACEHOLDER_START.has(value.charCodeAt(0)) && pattern.test(value.trim());
  const noValue = says(NO_VALUE);
  const noAddress = (value: string) => noValue(value) || isPlaceholderEmail(value);
  const blankable = importedColumns
    .filter((i) => !noteColumns.has(i))
    .map((i) => ({
      index: i,
      blank: names.has(i) ? says(NO_VALUE_IN_NAME) : emailColumns.has(i) ? noAddress : noValue,
    }));
  // Each address's first row, up to a limit: a file of millions of people must not grow it without end. A report
  // with a row per occurrence (a webinar viewer who rejoined has a row each time) gets one lead per person, from
  // their first row; the others are rejected naming it (the map keeps each address, to name it). In any other file,
  // an address a later row gives to another name (a purchased list's info@ for three people) is said, as a person is
  // found by address; that table keeps numbers only (the address's and the name's hashes, the line): 4 MiB at its
  // limit, where a Map of them took 17 and one of the addresses 38.
  const system = SOURCE_SYSTEMS.find((s) => s.id === mapping.plan.system?.id);
  /** The system's meaning of an email status it writes for an address that does not work (Instantly's `-1`), said after it. */
  const systemSays = (status: string) =>
    system?.invalidEmailStatus?.values.includes(status)
      ? ` (${system.name}: ${system.invalidEmailStatus.meaning})`
      : undefined;
  const calledBad = (status: string) =>
    BAD_EMAIL_STATUS.test(status) || BAD_QUALIFICATION.test(status) || systemSays(status) !== undefined;
  /** The email columns with a status column of their own (Snov.io's `Email 2` beside `Email status 2`). */
  const emailsWithStatus = mapping.emails.filter(
    (c): c is ContactColumn & { statusColumn: number } => c.statusColumn !== undefined,
  );
  /** The file's one email status column, unless it is one address's own (then it says nothing of the others). */
  const fileEmailStatusColumn = emailsWithStatus.some((c) => c.statusColumn === mapping.emailStatusColumn)
    ? undefined
    : mapping.emailStatusColumn;
  const sessions = system?.repeatsPerson;
  const firstRowOf = new Map<string, number>();
  const limit =
    options.repeatedPersonLimit ?? (sessions ? REPEATED_PERSON_CHECK_LIMIT : SHARED_ADDRESS_CHECK_LIMIT);
  const firstNameOf = new NumberTable();
  let full = false;
  const notes = () =>
    !full
      ? []
      : sessions
        ? [
            `the check for people repeated in this ${system.name} (one lead per person, from their first row) covered only the first ${formatCount(limit)} people: a later person on several rows gets a lead for each row.`,
          ]
        : [
            `the check for an address that rows give to different names covered only the first ${formatCount(limit)} addresses.`,
          ];
  return Object.assign(sessions ? validateSession : validateShared, { notes });

  function validateShared(line: number, fileCells: string[]): RowResult {
    const result = validateRow(line, fileCells);
    if (!('ok' in result) || !result.personKey?.startsWith('e:')) return result;
    const name = organizationKey(result.ok.person?.name ?? '');
    const key = hash53(result.personKey) + 1;
    // The name's hash above the line's 27 bits: one number a row.
    const mark = (name ? hash53(name) % 2 ** 26 : 0) * 2 ** 27 + (line % 2 ** 27);
    const seen = firstNameOf.get(key);
    if (seen === undefined) {
      if (firstNameOf.size < limit) firstNameOf.set(key, mark);
      else full = true;
      return result;
    }
    // The same line again (short-rows.ts validates a short line alone, then joined with the next), a row without a
    // name, or the same name: nothing to say.
    const column = mapping.emails[0]?.column;
    if (seen % 2 ** 27 === mark % 2 ** 27 || mark < 2 ** 27 || seen < 2 ** 27 || column === undefined)
      return result;
    if (Math.floor(seen / 2 ** 27) === Math.floor(mark / 2 ** 27)) {
      // The same person again (a list exported twice, a contact in two campaigns): a lead of its own, as asked, said.
      const again = {
        column: header[column] as string,
        // One message for every such row: one line of the summary, with the count and the first lines.
        message:
          "has the address and name of an earlier row's person: each such row makes another lead for them (remove the repeated rows to have one lead per person)",
      };
      return { ...result, warnings: [...(result.warnings ?? []), again] };
    }
    const warning = {
      column: header[column] as string,
      message:
        "has an address an earlier row gives to another name: a person is found by address, so these rows' leads go to the first row's person (give each person an address of their own, or clear it, to keep them apart)",
    };
    return { ...result, warnings: [...(result.warnings ?? []), warning] };
  }

  function validateSession(line: number, fileCells: string[]): RowResult {
    const result = validateRow(line, fileCells);
    const key = 'ok' in result ? result.personKey : undefined;
    // By address, or by name (and company) where the row has none: a Webex guest's made-up address is none, and a
    // guest who rejoined has a row per join all the same.
    if (!key || !sessions || !(key.startsWith('e:') || key.startsWith('n:'))) return result;
    const who = key.startsWith('e:')
      ? key.slice(2)
      : ('ok' in result && result.ok.person?.name) || key.slice(2);
    const first = firstRowOf.get(key);
    if (first === undefined) {
      if (firstRowOf.size < limit) firstRowOf.set(key, line);
      else full = true;
      return result;
    }
    // The same line again: the short-row check validates a short line alone, then joined with the next (short-rows.ts).
    if (first === line) return result;
    const column = mapping.emails[0]?.column;
    return {
      reject: {
        ...(column !== undefined ? { column: header[column] as string } : {}),
        reason: `${quote(who)} is on line ${first} too: ${sessions}; one lead per person, from line ${first}`,
        repeatOf: first,
      },
    };
  }

  function validateRow(line: number, fileCells: string[]): RowResult {
    // Values are read without the invisible characters a cell pasted from a web page brings at its
    // ends (a zero-width space) and without a spreadsheet's protective `'` (`'+49 30 …` is a phone
    // number); the job keeps `fileCells`, what the file had, for the report and the DLQ export.
    const visible = fileCells.some((c) => INVISIBLE.test(c))
      ? fileCells.map(withoutInvisibleEnds)
      : fileCells;
    const unquoted = visible.some((c) => c.startsWith("'")) ? visible.map(stripProtectiveQuote) : visible;
    // Excel's formula for text, `="0049170…"`, which programs write to keep a number's leading zeros: its
    // text (a phone, a zip code, an id). Any other formula is text as written, never run.
    const written = unquoted.some((c) => c.startsWith('="')) ? unquoted.map(formulaText) : unquoted;
    // `N/A`, `-`, `NULL` where a value would be: no value, counted per column in the summary.
    const blanks = blankable.filter(({ index, blank }) => {
      const value = written[index];
      return value !== undefined && value !== '' && blank(value);
    });
    const cells = blanks.length
      ? written.map((c, i) => (blanks.some((b) => b.index === i) ? '' : c))
      : written;
    rowColumns = fallbacks.length ? columnsOf(cells) : columns;
    const summary = summaryRowLabel(cells);
    if (summary) {
      return {
        reject: {
          column: header[summary.index] as string,
          reason: `${quote(summary.label)} starts a summary row (a spreadsheet's totals), not a lead; delete the line from the file`,
        },
      };
    }
    // The header again, as two exports joined one after the other have it.
    if (repeatsHeader(cells, header)) {
      return {
        reject: {
          reason:
            'repeats the header line (files joined one after the other?), not a lead; delete the line from the file',
        },
      };
    }
    // Meta's Lead Ads Testing Tool sends a lead whose answers are placeholders (`<test lead: dummy data for
    // full_name>`, the email `test@meta.com`); a download of the form's leads has it among the real ones.
    const placeholder = importedColumns.find((i) => META_TEST_LEAD.test(cells[i] ?? ''));
    if (placeholder !== undefined) {
      return {
        reject: {
          column: header[placeholder] as string,
          reason: `${quote((cells[placeholder] ?? '').trim())} is a placeholder of Meta's Lead Ads Testing Tool: the row is a test lead, not a lead`,
        },
      };
    }
    // The file owner's own side, listed beside the people the report is about (a Teams meeting's organizer): no lead.
    if (mapping.ownSideColumn !== undefined && system?.ownSideRows) {
      const role = (cells[mapping.ownSideColumn] ?? '').trim();
      if (role !== '' && system.ownSideRows.values.some((v) => v.toLowerCase() === role.toLowerCase())) {
        return {
          reject: {
            column: header[mapping.ownSideColumn] as string,
            reason: `${quote(role)} is ${system.ownSideRows.meaning} (${system.name}): your own side, not a lead`,
            ownSide: true,
          },
        };
      }
    }
    // A formula that failed leaves its error value where the data should be: no field can take it.
    const failed = importedColumns.filter((i) => EXCEL_ERROR.test((cells[i] ?? '').trim()));
    if (failed.length) {
      const reasons = failed.map(
        (i, k) =>
          `${k ? `column "${header[i]}": ` : ''}${quote((cells[i] ?? '').trim())} is the error value of an Excel formula that failed, not a value`,
      );
      return {
        reject: {
          column: header[failed[0] as number] as string,
          reason: `${reasons.join('; also ')}; fix the formula (or clear the cell) in the sheet and export it again`,
        },
      };
    }
    const problems: RowReject[] = [];
    const warnings: RowWarning[] = blanks.map(({ index }) => ({
      column: header[index] as string,
      // One message for every such address (`noemail@` at each company's domain): one line of the summary.
      message: (written[index] ?? '').includes('@')
        ? 'has an address written where there is none (noemail@…, test@test.com): it reaches no one, and would make every such row one person: read as empty'
        : `has ${quote((written[index] ?? '').trim())}, which says there is no value: read as empty`,
    }));
    /** Values with no Pipedrive field to go to, kept at the end of the lead's note (`Industry: …`). */
    const noteExtras: string[] = [];
    /**
     * A value no field takes as it is (an unknown industry, another tool's status, a range): an optional field must
     * not cost the lead. It goes to the note under its column's name, and the summary says `message` of the column.
     */
    const keepInNote = (index: number, value: string, message: string) => {
      const column = header[index] as string;
      noteExtras.push(`${column}: ${value}`);
      warnings.push({ column, message });
    };
    /**
     * A range where Pipedrive keeps one value (a company's size, a form's budget, a lead database's revenue band),
     * counted per column in the summary. `keeps`: what Pipedrive keeps; `one`: what to write instead.
     */
    const keepRange = (path: FieldPath, value: string, keeps: string, one: string) =>
      keepInNote(
        at(path) as number,
        value,
        `has ${quote(value)}, a range: Pipedrive keeps ${keeps}, so the row is imported without it and the range is kept in the lead's note (write one ${one} in the file to have it set)`,
      );
    const read = (index: number | undefined): string =>
      index === undefined ? '' : (cells[index] ?? '').trim();
    const cell = (path: FieldPath): string => {
      const value = read(at(path));
      return SINGLE_LINE.has(path) && /[\r\n]/.test(value) ? oneLine(value) : value;
    };
    const problem = (index: number | undefined, value: string, message: string) => {
      problems.push({
        ...(index !== undefined ? { column: header[index] } : {}),
        reason: value === '' ? message : `${quote(value)} ${message}`,
      });
    };
    const text = (path: FieldPath): string | undefined => {
      const value = cell(path);
      if (value === '') return undefined;
      if (value.length > MAX_TEXT) {
        problem(at(path), '', `has ${value.length} characters; Pipedrive takes at most ${MAX_TEXT}`);
        return undefined;
      }
      return value;
    };

    /** A website or profile link, which Pipedrive shows as a link: a `javascript:` one would be a click from running. */
    const webAddress = (path: FieldPath): string | undefined => {
      const value = text(path);
      if (!value || nonWebScheme(value) === undefined) return value;
      problem(at(path), value, 'is not a web address; use https://… or a domain such as acme.com');
      return undefined;
    };

    /**
     * A name cell that links a page of another table (Notion's relation: `Ångström AB (https://www.notion.so/…)`)
     * names it by its title; one that links several names no one of them.
     */
    const nameCell = (path: FieldPath, what: string): string => {
      const value = cell(path);
      const titles = linkedPageTitles(value);
      if (!titles) return value;
      if (titles.length === 1) return titles[0] as string;
      problem(
        at(path),
        '',
        `links ${titles.length} pages (${titles.map(quote).join(', ')}) where a lead has one ${what}; keep one of them in this cell`,
      );
      return '';
    };

    // Organization (Salesforce's Web-to-Lead writes "[not provided]" in the required Company).
    // A list of people and organizations (Capsule's `Type`): an organization's row names it in the name column.
    const organizationRow = ORGANIZATION_KIND.test(read(mapping.recordKindColumn));
    let orgCell =
      nameCell('organization.name', 'organization') ||
      (organizationRow ? nameCell('person.name', 'organization') : '');
    // A cell naming every company the person is linked to (Teamleader's `Entreprises`: `Müller & Fils SARL, Club Export
    // Rhône-Alpes`): the first is the lead's organization, the others are kept in the note, as a name cell's second
    // contact is.
    const orgColumn = at('organization.name');
    if (orgColumn !== undefined && mapping.organizationLists?.includes(orgColumn)) {
      // A column of one company filled in the same row (Teamleader's `Société`) names the organization: a company's own
      // name may hold a comma (`Müller, Schmidt & Partner`), which the list's cell cannot tell from its separator.
      const single = (mapping.fallbacks['organization.name'] ?? [])
        .filter((i) => !mapping.organizationLists?.includes(i))
        .map((i) => ({ index: i, value: read(i).trim() }))
        .find((c) => c.value !== '');
      const [first, ...others] = companyNames(orgCell);
      const same = (a: string | undefined, b: string) =>
        a !== undefined && a.toLowerCase() === b.toLowerCase();
      // Where it names the list's first, the list reads as the list's separator says: the others are the note's.
      if (single && !same(first, single.value)) {
        if (!same(orgCell.trim(), single.value))
          keepInNote(
            orgColumn,
            orgCell,
            `names the companies the person is linked to: the lead's organization is the one "${header[single.index]}" names, and this cell is kept in the lead's note`,
          );
        orgCell = single.value;
      } else if (first !== undefined && others.length) {
        keepInNote(
          orgColumn,
          others.join(', '),
          "names several companies: the first is the lead's organization, the others are kept in the lead's note",
        );
        orgCell = first;
      }
    }
    const noCompany = orgCell.length <= 40 && NO_COMPANY.test(orgCell.trim());
    if (noCompany) {
      keepInNote(
        at('organization.name') as number,
        orgCell,
        `has ${quote(orgCell)}, which names no company: the lead is the person's alone and the value is kept in the lead's note`,
      );
    }
    const orgName = noCompany || PLACEHOLDERS.has(orgCell.toLowerCase()) ? '' : orgCell;
    if (orgName.length > MAX_TEXT) {
      problem(
        at('organization.name'),
        '',
        `has ${orgName.length} characters; Pipedrive takes at most ${MAX_TEXT}`,
      );
    }

    // A code page's stand-in for a character it lacks: Excel's plain "CSV" writes `?` for each one.
    for (const path of LOST_LETTER_FIELDS) {
      const value = cell(path);
      if (LOST_LETTERS.test(value)) {
        problem(
          at(path),
          value,
          'has question marks where letters were (the program that wrote the file had no code for them); save it as "CSV UTF-8" (or "Unicode Text") and import that file',
        );
      }
    }

    // Person: name, emails, phones.
    const emails = contactValues(mapping.emails, 'email');
    // HubSpot's deals export names the deal's contact with the address: `Zoë Ørsted (zoe@angstrom.example.com)`,
    // several separated by `;`. The first is the lead's person (its address one of theirs); the others go to the note.
    let personCell = nameCell('person.name', 'person');
    const named = personCell.length <= MAX_TEXT ? NAME_WITH_EMAIL.exec(personCell) : null;
    if (named) {
      const others = personCell.slice(named[0].length).replace(/^\s*;\s*/, '');
      if (others !== '') {
        keepInNote(
          at('person.name') as number,
          others,
          "names several contacts: the first is the lead's person, the others are kept in the lead's note",
        );
      }
      personCell = (named[1] as string).trim();
      const address = normaliseEmail(named[2] as string);
      if (address.value !== undefined && !emails.some((e) => e.value === address.value)) {
        emails.push({ value: address.value, label: 'work' });
      }
    }
    // A company's own row (a Zendesk Sell lead is a person or a company; Capsule's organisations): its name column
    // holds the company's name and its first- and last-name columns are empty; no person is called that, the lead is
    // the organization's. (A sole trader's row, `Ingrid Dahl` at `Ingrid Dahl`, has its first and last name, or comes
    // from a file without those columns, and keeps its person.)
    const namesParts = at('person.first_name') !== undefined || at('person.last_name') !== undefined;
    const companyNamed =
      personCell !== '' &&
      orgName !== '' &&
      namesParts &&
      cell('person.first_name') === '' &&
      cell('person.last_name') === '' &&
      sameName(personCell, orgName);
    if (companyNamed || (organizationRow && sameName(personCell, orgName))) personCell = '';
    const phones = contactValues(mapping.phones, 'phone');
    // What each address's own status column says of it (Snov.io's `Email status 2` of `Email 2`): the person is found
    // and emailed by the primary address, so one the tool calls invalid goes after any address it does not.
    const statusOf = new Map<string, { column: number; status: string; emailColumn: number }>();
    for (const c of emailsWithStatus) {
      for (const part of emailsInCell(read(c.column))) {
        const value = normaliseEmail(part).value;
        if (value !== undefined && !statusOf.has(value)) {
          statusOf.set(value, {
            column: c.statusColumn,
            status: read(c.statusColumn),
            emailColumn: c.column,
          });
        }
      }
    }
    const isCalledBad = (e: ContactValue) => calledBad(statusOf.get(e.value)?.status ?? '');
    // Status columns whose invalid address the row has said already (one warning per column).
    const saidColumns = new Set<number>();
    const first = emails[0];
    if (first && isCalledBad(first) && emails.some((e) => !isCalledBad(e))) {
      const reordered = [...emails.filter((e) => !isCalledBad(e)), ...emails.filter(isCalledBad)];
      emails.splice(0, emails.length, ...reordered);
      const said = statusOf.get(first.value) as { column: number; status: string };
      saidColumns.add(said.column);
      warnings.push({
        column: header[said.column] as string,
        message: `says ${quote(said.status)}${systemSays(said.status) ?? ''} of the row's first address: the person's primary is the next address not called invalid, and the first is kept after the others (clear it in the file not to have it)`,
      });
    }
    const email = emails[0]?.value;
    // The status of the primary address: its own column's, else the file's one status column, unless that column is
    // another address's own.
    const ownStatus = email === undefined ? undefined : statusOf.get(email);
    const statusColumn = ownStatus?.column ?? fileEmailStatusColumn;
    const emailStatus = read(statusColumn);
    if (email && calledBad(emailStatus)) {
      // The tool that found the address says it bounces: imported as given (the file is the user's), but said, as
      // emailing it from Pipedrive would harm the sender's reputation.
      saidColumns.add(statusColumn as number);
      warnings.push({
        column: header[statusColumn as number] as string,
        message: `says ${quote(emailStatus)}${systemSays(emailStatus) ?? ''} of the row's address: it is imported as given (clear it in the file not to have it, or remove the row)`,
      });
    }
    // Every other address its own status column calls invalid (Snov.io's `Email 2` beside `Email status 2`, the
    // `Email` after a `Work Email` of a file whose `Email Status` is `Email`'s): kept after the primary, and said, as
    // emailing it from Pipedrive would bounce too. The text names no address, so a large file's rows share one line.
    const imported = statusOf.size > 0 ? new Set(emails.map((e) => e.value)) : undefined;
    for (const [value, own] of statusOf) {
      if (saidColumns.has(own.column) || !calledBad(own.status) || !imported?.has(value)) continue;
      saidColumns.add(own.column);
      warnings.push({
        column: header[own.column] as string,
        message: `says ${quote(own.status)}${systemSays(own.status) ?? ''} of the row's address in ${quote(header[own.emailColumn] ?? '')}: it is imported as given, after the person's primary (clear it in the file not to have it)`,
      });
    }
    // The campaign's own record that the address bounced (Instantly's lead `status` -1): said as an invalid one is.
    const bouncedStatus = read(mapping.bouncedStatusColumn);
    if (email && bouncedStatus !== '' && system?.bouncedStatus?.values.includes(bouncedStatus)) {
      warnings.push({
        column: header[mapping.bouncedStatusColumn as number] as string,
        message: `says ${quote(bouncedStatus)} (${system.name}: ${system.bouncedStatus.meaning}) of the row's address: it is imported as given (clear it in the file not to have it, or remove the row)`,
      });
    }
    // An address of a grade below the ones the system verified (RocketReach's `B Emails`), and no better one: said, as
    // one whose email status calls it bad is.
    const graded =
      email === undefined
        ? undefined
        : mapping.gradedEmailColumns?.find((g) =>
            emailsInCell(read(g.column)).some((part) => normaliseEmail(part).value === email),
          );
    if (graded && system) {
      warnings.push({
        column: header[graded.column] as string,
        message: `has the row's first address, ${quote(email as string)} (${system.name}: ${graded.meaning}), and no better one: it is imported as given (clear it in the file not to have it, or remove the row)`,
      });
    }
    // `Dr. Priya Raman, PhD`: the person is Priya Raman (Pipedrive has no field for the title or the degree).
    const untitled = (path: FieldPath, where: 'whole' | 'first' | 'last', value: string): string => {
      if (value === '') return value;
      const { name, removed } = withoutNameTitles(value, where);
      if (removed.length) {
        keepInNote(
          at(path) as number,
          value,
          `has ${removed.map(quote).join(' and ')} with the name: the person is ${quote(name)} (Pipedrive persons have no field for a title or a degree, and would greet "Dr." as the first name), and the name as written is kept in the lead's note`,
        );
      }
      return name;
    };
    const nameText = untitled('person.name', 'whole', personCell);
    const firstName = untitled('person.first_name', 'first', cell('person.first_name'));
    const lastName = untitled('person.last_name', 'last', cell('person.last_name'));
    const lastFirst = nameText
      ? lastCommaFirst(nameText, { surnames: mapping.namesLastFirst ? 'several' : 'one' })
      : undefined;
    if (lastFirst) {
      warnings.push({
        column: header[at('person.name') as number] as string,
        message: 'is written "Last, First": sent as "First Last", with the first and last name set',
      });
    }
    const fullName =
      (lastFirst ? `${lastFirst.first} ${lastFirst.last}` : nameText) ||
      [firstName, cell('person.middle_name'), lastName].filter(Boolean).join(' ');
    if (fullName.length > MAX_TEXT) {
      problem(
        at(at('person.name') !== undefined ? 'person.name' : 'person.first_name'),
        '',
        `has ${fullName.length} characters; Pipedrive takes at most ${MAX_TEXT}`,
      );
    }
    const emailColumnsHaveText = mapping.emails.some((c) => read(c.column) !== '');
    if (!orgName && !fullName && !emailColumnsHaveText) {
      const names = [
        at('person.name'),
        at('person.first_name'),
        mapping.emails[0]?.column,
        at('organization.name'),
      ]
        .filter((i): i is number => i !== undefined)
        .map((i) => `"${header[i]}"`);
      const labelsAt = at('lead.labels');
      const onlyLabels =
        labelsAt !== undefined &&
        read(labelsAt) !== '' &&
        cells.every((c, i) => i === labelsAt || c.trim() === '');
      problems.unshift({
        reason: !onlyLabels
          ? `has no person (name or email) and no organization; fill in at least one of ${names.join(', ')}`
          : system?.id === 'odoo-crm'
            ? // Odoo's export (not import-compatible) writes a record's first tag on its line and each further one on
              // a line of its own, every other cell empty: the line is the row above's, not a lead.
              `holds only "${header[labelsAt]}" (${quote(read(labelsAt))}): a further tag of the row above (Odoo's export writes each tag after a record's first on a line of its own); add it to that lead in Pipedrive, or export with "I want to update data (import-compatible export)" to have a record's tags in one cell`
            : // Any other file: the line is no lead, and may be the row above's label written on a line of its own.
              `holds only "${header[labelsAt]}" (${quote(read(labelsAt))}), no person (name or email) and no organization: if it is a further label of the row above, add it to that lead in Pipedrive (or put the row's labels in one cell, comma-separated); else fill in at least one of ${names.join(', ')}`,
      });
    }

    // Lead fields.
    const lead: LeadFields = { title: '' };
    const valueCell = cell('lead.value');
    if (valueCell) {
      const parsed = parseAmount(valueCell, mapping.decimalMark);
      if (parsed.error !== undefined) {
        if (isAmountRange(valueCell))
          keepRange('lead.value', valueCell, 'the one value a lead has', 'amount');
        else problem(at('lead.value'), valueCell, parsed.error);
      } else if (parsed.value.amount === 0) {
        // Nothing is no value: a CRM's amount field left empty (Odoo's Expected Revenue `0.0` on every lead without
        // one), not a lead worth nothing to show in Pipedrive as 0.
      } else {
        const currencyCell = cell('lead.currency');
        let currency = parsed.value.currency;
        if (currencyCell) {
          const c = normaliseCurrency(currencyCell, mapping.currencyNames);
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
      if (parsed.error === undefined) lead.expected_close_date = parsed.value;
      // `March 2027`, `Q1 2027`: a period, where Pipedrive keeps a day; choosing one would put words in the file's mouth.
      else if (isDatePeriod(closeCell))
        keepRange('lead.expected_close_date', closeCell, 'one day as the expected close date', 'date');
      else problem(at('lead.expected_close_date'), closeCell, parsed.error);
    }
    const ownerCell = cell('lead.owner');
    let ownerId = defaults.ownerId;
    if (ownerCell) {
      const byEmail = normaliseEmail(ownerCell);
      if (mapping.usersByEmail) {
        const id =
          byEmail.value !== undefined
            ? mapping.usersByEmail.get(byEmail.value)
            : mapping.usersByName?.get(ownerCell.toLowerCase());
        if (id === undefined) {
          problem(
            at('lead.owner'),
            ownerCell,
            `is not an active Pipedrive user of the company (by login email or name); fix the cell, clear it, or add ignore: [${header[at('lead.owner') as number]}] to the mapping file to leave owners out`,
          );
        } else ownerId = id;
      }
    }
    if (ownerId !== undefined) lead.owner_id = ownerId;
    const labelCell = cell('lead.labels');
    const labelIds = [...defaults.labelIds];
    if (labelCell && mapping.labelsByName) {
      for (const name of splitList(labelCell)) {
        const id = mapping.labelsByName.get(optionKey(name));
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
      const byName = mapping.channelsByName.get(optionKey(channelCell));
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
    const channelId = text('lead.channel_id');
    if (channelId) lead.channel_id = channelId;
    // Without one, origin_id is the import id; the worker fills it in (src/worker/lead-writer.ts),
    // so a million waiting jobs do not each carry it twice.
    const originId = text('lead.origin_id') ?? defaults.originId;
    if (originId && originId !== importId) {
      if (originId.length > MAX_TEXT)
        problem(undefined, '', `origin_id has more than ${MAX_TEXT} characters`);
      else lead.origin_id = originId;
    }
    const leadCustom = customValues(mapping.customFields);
    if (leadCustom) lead.custom_fields = leadCustom;

    const titleCell = cell('lead.title');
    lead.title =
      titleCell ||
      renderTitle(mapping, cells, {
        organization: orgName,
        name: fullName || email || '',
        email: email ?? '',
        phone: phones[0]?.value ?? '',
        first_name: read(at('person.first_name')),
        last_name: read(at('person.last_name')),
      });
    if (lead.title.length > MAX_TEXT) {
      problem(
        at(titleCell ? 'lead.title' : 'organization.name'),
        '',
        `makes a lead title of ${lead.title.length} characters; Pipedrive takes at most ${MAX_TEXT}`,
      );
    }

    // The person's and organization's other fields.
    const person: Omit<PersonFields, 'name'> = {};
    let jobTitle = text('person.job_title');
    // `Dr.` in a job title column (a German user's Salesforce `Titel`): the person's title, which Pipedrive persons
    // have no field for, as before a name; never a job. Whoever read the column so (a mapping file too): the value
    // is not lost but kept in the note, and a column of mostly titles is read as salutations before any row.
    const jobTitleColumn = at('person.job_title');
    if (jobTitle && jobTitleColumn !== undefined && onlyTitles(jobTitle)) {
      keepInNote(
        jobTitleColumn,
        jobTitle,
        `has ${quote(jobTitle)}, a salutation or academic title, not a job title: the person has no job title (Pipedrive persons have no field for a title or a degree), and the title is kept in the lead's note`,
      );
      jobTitle = undefined;
    }
    if (jobTitle) person.job_title = jobTitle;
    const birthdayCell = cell('person.birthday');
    if (birthdayCell && !EMPTY_DATE.test(birthdayCell)) {
      if (NO_YEAR_DATE.test(birthdayCell)) {
        // Nothing to fix in the file: the year is not known. The birthday is left out, and said so.
        warnings.push({
          column: header[at('person.birthday') as number] as string,
          message: "has a birthday without a year (Pipedrive's birthday needs one): the birthday is left out",
        });
      } else {
        const parsed = parseDate(birthdayCell, mapping.dateOrder);
        if (parsed.error !== undefined) problem(at('person.birthday'), birthdayCell, parsed.error);
        else person.birthday = parsed.value;
      }
    }
    const personAddress = address(mapping.personAddress);
    if (personAddress) person.postal_address = personAddress;
    const personLabels = optionIds('person.labels', mapping.personLabels, 'person label');
    if (personLabels) person.label_ids = personLabels;
    const statusCell = cell('person.marketing_status');
    if (statusCell) {
      const word = statusCell.toLowerCase().replace(/[^a-z]/g, '');
      const own = system?.marketingStatuses;
      // Own words only: a cell `constructor` is no status (it would find Object's).
      const status =
        own && Object.hasOwn(own, word)
          ? own[word]
          : Object.hasOwn(MARKETING_STATUS, word)
            ? MARKETING_STATUS[word]
            : undefined;
      const none = system?.noMarketingStatus;
      if (!status && none?.values.includes(word)) {
        keepInNote(
          at('person.marketing_status') as number,
          statusCell,
          `has ${quote(statusCell)}, ${none.why}: the row is imported without a marketing status and the value is kept in the lead's note`,
        );
      } else if (!status) {
        // Each mailing tool has statuses of its own: one Pipedrive has no word for must not cost the lead. It is
        // kept in the note, and the summary says so per value.
        keepInNote(
          at('person.marketing_status') as number,
          statusCell,
          `has ${quote(statusCell)}, not a marketing status Pipedrive knows (subscribed, unsubscribed, no consent, archived): the row is imported without one and the value is kept in the lead's note`,
        );
      } else person.marketing_status = status;
    }
    const optOutCell = cell('person.email_opt_out');
    if (optOutCell && person.marketing_status === undefined) {
      const parsed = parseBoolean(optOutCell);
      // A date (Mailchimp's UNSUB_TIME) says when the person opted out: that is a yes.
      const optedOut =
        parsed.error === undefined ? parsed.value : parseDate(optOutCell.slice(0, 10)).error === undefined;
      if (parsed.error !== undefined && !optedOut)
        problem(at('person.email_opt_out'), optOutCell, parsed.error);
      else if (optedOut) person.marketing_status = 'unsubscribed';
    }
    const personCustom = customValues(mapping.personCustomFields);
    if (personCustom) person.custom_fields = personCustom;

    const organization: Omit<OrganizationFields, 'name'> = {};
    const orgAddress = address(mapping.organizationAddress);
    if (orgAddress) organization.address = orgAddress;
    const website = webAddress('organization.website');
    const siteKind = read(mapping.websiteLabelColumn);
    const linkedin = webAddress('organization.linkedin');
    if (linkedin) organization.linkedin = linkedin;
    if (website && (!siteKind || contactLabelOf(siteKind) === 'work')) {
      // A scraped list gives a company's LinkedIn page as its website: Pipedrive has a field for that page.
      if (!LINKEDIN_COMPANY_PAGE.test(website)) organization.website = website;
      else if (!linkedin) organization.linkedin = website;
    }
    const industryCell = cell('organization.industry');
    if (industryCell && mapping.industries) {
      const id = mapping.industries.byLabel.get(optionKey(industryCell));
      if (id === undefined) {
        // Each CRM names industries its own way (LinkedIn's "IT Services and IT Consulting"): a
        // value the account has no option for must not cost the lead. It goes to the note, and the
        // summary counts it per value, so the user can add the option or fix the file.
        keepInNote(
          at('organization.industry') as number,
          industryCell,
          `has ${quote(industryCell)}, none of the account's industries: the row is imported without an industry and the value is kept in the lead's note (add the option in Pipedrive to have it set)`,
        );
      } else organization.industry = Number(id);
    }
    const employeesCell = cell('organization.employee_count');
    if (employeesCell) {
      const parsed = parseCount(employeesCell);
      if ('range' in parsed) {
        // LinkedIn and lead databases give company sizes as ranges ("11-50"): Pipedrive keeps one number, and
        // picking one would invent it.
        keepRange('organization.employee_count', employeesCell, 'one number of employees', 'number');
      } else if (parsed.error !== undefined)
        problem(at('organization.employee_count'), employeesCell, parsed.error);
      // A company of no one is a CRM's empty number field (Vtiger's, SugarCRM's `0.00000000`), not a head count.
      else if (parsed.value > 0) organization.employee_count = parsed.value;
    }
    const revenueCell = cell('organization.annual_revenue');
    if (revenueCell) {
      const parsed = parseAmount(revenueCell, mapping.decimalMark);
      // A revenue of nothing is a CRM's empty amount field too (vtiger's `0.00000000`), not a figure to set.
      if (parsed.error === undefined) {
        if (parsed.value.amount !== 0) organization.annual_revenue = parsed.value.amount;
      } else if (isAmountRange(revenueCell))
        keepRange(
          'organization.annual_revenue',
          revenueCell,
          "the one amount an organization's revenue has",
          'amount',
        );
      else problem(at('organization.annual_revenue'), revenueCell, parsed.error);
    }
    const orgLabels = optionIds('organization.labels', mapping.organizationLabels, 'organization label');
    if (orgLabels) organization.label_ids = orgLabels;
    const orgCustom = customValues(mapping.organizationCustomFields);
    if (orgCustom) organization.custom_fields = orgCustom;
    for (const { column: index, why, label, unlessFilled, flag } of mapping.keptInNote) {
      const value = read(index);
      // A second column of the same (a LinkedIn profile) only where the ones before it are empty.
      if (value === '' || unlessFilled?.some((i) => read(i) !== '')) continue;
      const column = header[index] as string;
      if (flag) {
        // A do-not-call flag: said where set (or where it says something else than yes or no), never where it is not.
        const set = parseBoolean(value);
        if (set.error === undefined && !set.value) continue;
        noteExtras.push(`${label ?? column}: ${value}`);
        warnings.push({
          column,
          message: `says ${quote(value)}: ${flag}; the lead is imported and its note says so for whoever calls`,
        });
        continue;
      }
      noteExtras.push(`${label ?? column}: ${value}`);
      if (label === undefined)
        warnings.push({ column, message: `has a value, but ${why}: it is kept in the lead's note` });
    }

    // A company's shared mailbox (info@, sales@) on a row that names no person (a company list, Crunchbase's `Contact
    // Email`): the organization's address, not a person called "info@…". Pipedrive organizations have no email field,
    // so the address, and the row's phones, which have no person to go to, are kept in the lead's note.
    const companyMailbox =
      fullName === '' &&
      orgName !== '' &&
      emails.length > 0 &&
      (organizationRow || companyNamed || emails.every((e) => isRoleAddress(e.value)));
    if (companyMailbox) {
      for (const c of [...mapping.emails, ...mapping.phones]) {
        const value = read(c.column);
        if (value === '') continue;
        const isPhone = mapping.phones.includes(c);
        keepInNote(
          c.column,
          value,
          !(organizationRow || companyNamed) && isPhone
            ? "is the company's phone on a row whose address is its shared mailbox (info@, sales@…) and that names no person: no person's line, and Pipedrive organizations have no phone field, so it is kept in the lead's note"
            : organizationRow || companyNamed
              ? organizationRow
                ? `is the organization's: column "${header[mapping.recordKindColumn as number]}" says the row is an organization's, so the lead is the organization's and the row's addresses and phones are kept in the lead's note (Pipedrive organizations have no email or phone field)`
                : `is the organization's: the row's name is its organization's (${quote(orgName)}) and it has no first or last name, so the lead is the organization's and the row's addresses and phones are kept in the lead's note (Pipedrive organizations have no email or phone field)`
              : "is a company's shared mailbox's (info@, sales@…) on a row that names no person: the lead is the organization's, and the row's addresses and phones are kept in the lead's note (Pipedrive organizations have no email field)",
        );
      }
    } else if (fullName === '' && emails.length === 0 && orgName !== '') {
      // A company's own row (no name, no email) with a phone: its switchboard, which no person takes and Pipedrive
      // organizations have no field for. Dropped, the lead would have no number to call.
      for (const c of mapping.phones) {
        const value = read(c.column);
        if (value === '') continue;
        keepInNote(
          c.column,
          value,
          "is a phone on a row that names no person (the company's own row): Pipedrive organizations have no phone field, so it is kept in the lead's note",
        );
      }
    }
    const note = noteOf();

    if (problems.length > 0) {
      const [first, ...rest] = problems as [RowReject, ...RowReject[]];
      // A reason names a few problems: a cell of 500,000 words that are no addresses is one problem each, and the
      // reason (kept in Redis, the report and the rejects file) would be 38 MB.
      const more = rest
        .slice(0, MAX_REASONS - 1)
        .map((p) => (p.column ? `column "${p.column}": ${p.reason}` : p.reason));
      const unsaid = rest.length - more.length;
      return {
        reject: {
          ...(first.column ? { column: first.column } : {}),
          reason:
            [first.reason, ...more].join('; also ') + (unsaid ? `; and ${formatCount(unsaid)} more` : ''),
        },
      };
    }

    const visibleV2 = visibleTo ? (Number(visibleTo) as 1 | 3 | 5 | 7) : undefined;
    const data: LeadJobData = { v: 1, importId, line, lead, cells: fileCells };
    if (note) data.note = note;
    if (options.updateContacts === 'fill-empty') data.updateContacts = 'fill-empty';
    let pKey: string | undefined;
    let oKey: string | undefined;
    if (orgName) {
      data.organization = { name: orgName, ...organization };
      if (ownerId !== undefined) data.organization.owner_id = ownerId;
      if (visibleV2) data.organization.visible_to = visibleV2;
      oKey = organizationKey(orgName);
    } else if (orgAddress && !person.postal_address) {
      // No organization on this row: an address the file gives organizations is the person's own.
      person.postal_address = orgAddress;
    }
    if ((fullName || email) && !companyMailbox) {
      const p: PersonFields = { name: fullName || (email as string) };
      const first = firstName;
      const last = lastName;
      // Also beside a full-name column: given the full name alone, Pipedrive splits "Priya K. Raman" at its first
      // space, and the file says the surname is "Raman" (lead databases write the full name and its parts).
      if (first && last) {
        p.first_name = first;
        p.last_name = last;
      } else if (lastFirst) {
        p.first_name = lastFirst.first;
        p.last_name = lastFirst.last;
      }
      if (email) p.email = email;
      if (phones[0]) p.phone = phones[0].value;
      // The lists only when they say more than the primary email and phone do.
      if (emails.length > 1 || (emails[0] && emails[0].label !== 'work')) p.emails = emails;
      if (phones.length > 1 || (phones[0] && phones[0].label !== 'work')) p.phones = phones;
      Object.assign(p, person);
      if (ownerId !== undefined) p.owner_id = ownerId;
      if (visibleV2) p.visible_to = visibleV2;
      data.person = p;
      pKey = personKey(p, orgName || undefined);
    }
    return {
      ok: data,
      ...(pKey ? { personKey: pKey } : {}),
      ...(oKey ? { organizationKey: oKey } : {}),
      ...(warnings.length ? { warnings } : {}),
    };

    /** The values of email or phone columns, deduplicated, the primary first. */
    function contactValues(list: ContactColumn[], kind: 'email' | 'phone'): ContactValue[] {
      const out: (ContactValue & { starred: boolean; unsaid?: true })[] = [];
      /** Email cells that hold no address: the row's problem only when no other column gives it one. */
      const unreadable: { column: number; cell: string; error: string }[] = [];
      /** The columns that gave an address. */
      const gave = new Set<number>();
      for (const c of list) {
        const raw = read(c.column);
        const extensionCell = read(c.extensionColumn);
        if (raw === '') {
          if (extensionCell !== '' && c.extensionColumn !== undefined) {
            warnings.push({
              column: header[c.extensionColumn] as string,
              message: `has an extension but column "${header[c.column]}" has no number: the extension is left out`,
            });
          }
          continue;
        }
        const labelCell = c.labelColumn !== undefined ? read(c.labelColumn) : '';
        const label = labelCell ? contactLabelOf(labelCell) : c.label;
        // Google marks the preferred value's label with a star: `* Work`.
        const starred = labelCell.startsWith('*');
        const cellParts = (kind === 'phone' ? withAsciiDigits(raw) : raw).split(
          c.list ? LIST_SEPARATOR : MULTI_VALUE,
        );
        const parts = cellParts
          .flatMap(kind === 'email' ? emailsInCell : phonesInCell)
          .filter((part) => part !== '' && !(kind === 'email' && LOCKED_EMAIL.test(part)));
        const extension = extensionCell === '' ? undefined : checkedExtension(c, extensionCell, parts.length);
        for (const part of parts) {
          let value: string | undefined;
          if (kind === 'email') {
            // Read once: a problem only once no other column gives the row an address (below).
            const parsed = normaliseEmail(part);
            if (parsed.error !== undefined) {
              if (!unreadable.some((u) => u.column === c.column)) {
                unreadable.push({
                  column: c.column,
                  cell: raw,
                  error: `${quote(part)} ${parsed.error.replace(/;.*$/, '')}`,
                });
              }
              continue;
            }
            value = parsed.value;
          } else value = checkedPhone(c.column, part);
          if (value !== undefined && extension !== undefined) value = withExtension(value, extension);
          const same = value === undefined ? undefined : out.find((o) => o.value === value);
          if (value !== undefined && same === undefined) {
            const own = kind === 'email' && c.freeMailHome && !labelCell && isFreeMail(value);
            out.push({
              value,
              label: own ? 'home' : label,
              starred,
              ...(c.kindUnsaid ? { unsaid: true } : {}),
            });
            gave.add(c.column);
          } else if (same?.unsaid && !c.kindUnsaid && !labelCell) {
            // A bare `Phone`'s number that `Mobile Phone` has too is a mobile number.
            same.label = label;
            delete same.unsaid;
          }
        }
      }
      for (const u of unreadable) {
        if (![...gave].some((column) => column !== u.column)) {
          // No address from another column: a typo among a cell's addresses (`dan@x.com, d2@`) is to be fixed, and a
          // row with no address cannot be found again by it.
          for (const part of emailsInCell(u.cell)) checkedEmail(u.column, part);
          continue;
        }
        // A second column's note (`see notes`, `n.a. - ask`) beside a good address: the row is not lost for it.
        keepInNote(
          u.column,
          u.cell,
          `holds no email address (${u.error}): the row is imported with its other address, and the cell is kept in the lead's note`,
        );
      }
      const starred = out.findIndex((o) => o.starred);
      if (starred > 0) out.unshift(...out.splice(starred, 1));
      return out.map(({ value, label }) => ({ value, label }));
    }

    /** A phone column's extension cell, to add to its one number; checked as a phone cell is (a bad one rejects the row). */
    function checkedExtension(c: ContactColumn, cell: string, numbers: number): string | undefined {
      const column = c.extensionColumn as number;
      const parsed = phoneExtension(cell);
      if (parsed.error !== undefined) {
        problem(column, cell, parsed.error);
        return undefined;
      }
      if (numbers > 1) {
        warnings.push({
          column: header[column] as string,
          message: `has an extension but column "${header[c.column]}" holds several numbers and does not say whose it is: the extension is left out`,
        });
        return undefined;
      }
      return parsed.value;
    }

    function checkedEmail(column: number, value: string): string | undefined {
      const parsed = normaliseEmail(value);
      if (parsed.error !== undefined) {
        problem(column, value, parsed.error);
        return undefined;
      }
      return parsed.value;
    }

    function checkedPhone(column: number, raw: string): string | undefined {
      // Meta's lead exports write `p:+34612345678` (the `p:` keeps a spreadsheet from reading the number as a
      // formula or an amount); a link copied from a web page, `tel:+34…`. Neither prefix is part of the number.
      const value = raw.trim().replace(PHONE_SCHEME, '').replace(SPREADSHEET_TEXT_MARK, '');
      if (!/\d/.test(value)) {
        problem(column, value, 'is not a phone number (it has no digits); fix the cell or clear it');
        return undefined;
      }
      // A formula saved as its text (`=A2*1`, `=SUM(B2)`; Excel's `="0049…"` was read as its text above): not a
      // number anyone can call, and a digit in it is not enough.
      if (value.startsWith('=')) {
        problem(
          column,
          value,
          'is a spreadsheet formula, not a phone number; in the workbook copy the column and paste it as values, then save it as CSV again',
        );
        return undefined;
      }
      // Excel writes a long number in a General-format column as it shows it: 4155550123 → 4.15555E+09.
      if (/^\+?\d(?:[.,]\d+)?E\+?\d{1,2}$/i.test(value)) {
        problem(
          column,
          value,
          'is a number in scientific notation, as Excel writes a long number, and its last digits are lost; format the column as Text (or Number without decimals) in the workbook and save it as CSV again: the file no longer holds the number',
        );
        return undefined;
      }
      if (value.length > MAX_TEXT) {
        problem(column, '', `has ${value.length} characters; Pipedrive takes at most ${MAX_TEXT}`);
        return undefined;
      }
      return value;
    }

    function address(spec: AddressColumns | undefined): AddressFields | undefined {
      if (!spec) return undefined;
      const join = (columns: number[] | undefined, unmarked = false) =>
        (columns ?? [])
          .map((i) => (unmarked ? read(i).replace(SPREADSHEET_TEXT_MARK, '') : read(i)))
          .map((v) => v.replace(/(?<!\s)\s*\r?\n\s*/g, ', '))
          .filter(Boolean)
          .join(', ');
      const parts: Record<'route' | 'locality' | 'admin_area_level_1' | 'postal_code' | 'country', string> = {
        route: join(spec.street),
        locality: join(spec.city),
        admin_area_level_1: join(spec.state),
        postal_code: join(spec.postal_code, true),
        country: join(spec.country),
      };
      let whole = join(spec.whole);
      if (whole && !Object.values(parts).some(Boolean)) {
        // Mailchimp separates the parts of its one address cell with two spaces:
        // street [street 2] city state zip country.
        const spaced = whole.split(/ {2,}/);
        if (spaced.length >= 5) {
          const [country, zip, state, city] = spaced.splice(-4).reverse() as [string, string, string, string];
          Object.assign(parts, {
            route: spaced.join(', '),
            locality: city,
            admin_area_level_1: state,
            postal_code: zip,
            country,
          });
          whole = '';
        }
      }
      // `Address` beside `City`, `State`, `Zip` (lead lists, HubSpot's street `Address`, Klaviyo's `Address 1`) is the
      // street line: the whole address is all of them, which is what Pipedrive shows and places on its map.
      if (whole && !parts.route && (parts.locality || parts.postal_code || parts.admin_area_level_1)) {
        const lower = whole.toLowerCase();
        const named = [parts.locality, parts.postal_code].filter(Boolean);
        if (!named.some((p) => lower.includes(p.toLowerCase()))) {
          parts.route = whole;
          whole = '';
        }
      }
      if (whole) fillFromWhole(whole, parts);
      // The house number in a column of its own (Teamleader's `Numéro de la rue`): Pipedrive's street number, and in the
      // address's line beside the street, in the file's order of the two columns (`Storgatan` then `12`: `Storgatan 12`).
      const streetNumber = join(spec.street_number);
      const numberFirst = (spec.street_number?.[0] ?? 0) < (spec.street?.[0] ?? Number.POSITIVE_INFINITY);
      const streetLine =
        streetNumber && parts.route && !writesNumber(parts.route, streetNumber)
          ? numberFirst
            ? `${streetNumber} ${parts.route}`
            : `${parts.route} ${streetNumber}`
          : parts.route || streetNumber;
      const value =
        whole ||
        [streetLine, parts.locality, parts.admin_area_level_1, parts.postal_code, parts.country]
          .filter(Boolean)
          .join(', ');
      if (value === '') return undefined;
      if (value.length > MAX_TEXT) {
        problem(
          spec.whole?.[0] ?? spec.street?.[0],
          '',
          `makes an address of ${value.length} characters; Pipedrive takes at most ${MAX_TEXT}`,
        );
        return undefined;
      }
      const out: AddressFields = { value };
      for (const [key, v] of Object.entries(parts))
        if (v) (out as unknown as Record<string, string>)[key] = v;
      if (streetNumber) out.street_number = streetNumber;
      // Each part is a field of Pipedrive's too, beside a whole address that may be short (a 300-digit house number).
      const partColumns: [keyof AddressFields, number[] | undefined][] = [
        ['route', spec.street],
        ['street_number', spec.street_number],
        ['locality', spec.city],
        ['admin_area_level_1', spec.state],
        ['postal_code', spec.postal_code],
        ['country', spec.country],
      ];
      for (const [key, columns] of partColumns) {
        const v = out[key];
        if (v !== undefined && v.length > MAX_TEXT) {
          problem(
            columns?.[0] ?? spec.whole?.[0],
            '',
            `has ${v.length} characters; Pipedrive takes at most ${MAX_TEXT}`,
          );
          return undefined;
        }
      }
      return out;
    }

    function optionIds(
      path: FieldPath,
      lookup: OptionLookup | undefined,
      what: string,
    ): number[] | undefined {
      const raw = cell(path);
      if (!raw || !lookup) return undefined;
      const ids: number[] = [];
      for (const name of splitList(raw)) {
        const id = lookup.byLabel.get(optionKey(name));
        if (id === undefined) {
          problem(
            at(path),
            name,
            `is not a ${what} in Pipedrive (${lookup.labels.join(', ')}); fix the name or create the label`,
          );
        } else if (!ids.includes(Number(id))) ids.push(Number(id));
      }
      return ids.length ? ids : undefined;
    }

    function customValues(fields: ResolvedCustomField[]): Record<string, unknown> | undefined {
      const values: Record<string, unknown> = {};
      for (const field of fields) {
        const raw = field.column !== undefined ? (cells[field.column] ?? '').trim() : (field.constant ?? '');
        if (raw === '') continue;
        const converted = convertCustom(field, raw, mapping, defaults.currency);
        if ('error' in converted) problem(field.column, raw, converted.error);
        else if (field.key) Object.assign(values, converted.values);
      }
      return Object.keys(values).length ? values : undefined;
    }

    function noteOf(): string | undefined {
      const parts = mapping.noteColumns
        .map((i) => {
          const question = mapping.noteHeadings?.[i];
          const asked = question === undefined ? '' : (cells[question] ?? '').trim();
          return {
            index: i,
            header: asked || (header[i] as string),
            headed: question !== undefined,
            text: richTextAsPlain((cells[i] ?? '').replace(/\r\n?/g, '\n')).trim(),
          };
        })
        .filter((p) => p.text !== '');
      if (parts.length === 0 && noteExtras.length === 0) return undefined;
      // One note column is the note, unless it is a form's question or field: an answer is kept under its question.
      const only = parts.length === 1 && mapping.noteColumns.length === 1 ? parts[0] : undefined;
      const fromColumns =
        only && !only.headed && !isQuestion(only.header) && !headedNotes.has(only.index)
          ? only.text
          : choicesTogether(parts, headedNotes)
              .map((p) => `${noteHeading(p.header)}:\n${p.text}`)
              .join('\n\n');
      const plain = [fromColumns, noteExtras.join('\n')].filter((p) => p !== '').join('\n\n');
      if (plain.length > MAX_NOTE) {
        problem(
          mapping.noteColumns[0],
          '',
          `makes a note of ${plain.length} characters; Pipedrive takes at most ${MAX_NOTE}`,
        );
        return undefined;
      }
      return noteHtml(plain);
    }
  }
}

/**
 * The row holds the header again (two exports joined one after the other): at least two cells filled, each the
 * header's name of its column. Stops at the first cell that is not, so a lead's row costs a comparison or two.
 */
export function repeatsHeader(cells: readonly string[], header: readonly string[]): boolean {
  let filled = 0;
  for (const [i, cell] of cells.entries()) {
    const value = cell.trim();
    if (value === '') continue;
    const name = header[i];
    if (name === undefined || value.toLowerCase() !== name.trim().toLowerCase()) return false;
    filled++;
  }
  return filled >= 2;
}

/** A form's column of one choice of a field (WPForms' `Interested in: Demo`): the field's label, the choice. */
const CHOICE_COLUMN = /^(.+?):\s+(\S.*)$/;

/**
 * A form's note blocks with the ticked choices of a field written a column per choice (WPForms since 1.8.5: `Interested
 * in: Demo`, its cell the choice, or `Checked` where the field has one) as one block under the field's label, a choice
 * a line, as the form showed them; any other block as it is.
 */
function choicesTogether(
  parts: readonly { index: number; header: string; text: string }[],
  formFields: ReadonlySet<number>,
): { header: string; text: string }[] {
  const blocks: { header: string; text: string; field?: string }[] = [];
  for (const p of parts) {
    const choice = formFields.has(p.index) ? CHOICE_COLUMN.exec(p.header) : null;
    const [, field, option] = choice ?? [];
    if (field && option && (sameName(p.text, option) || /^checked$/i.test(p.text))) {
      const last = blocks.at(-1);
      if (last?.field === field) last.text += `\n${option}`;
      else blocks.push({ header: field, text: option, field });
      continue;
    }
    blocks.push(p);
  }
  return blocks;
}

/** A legal form alone (`Inc.`, `Ltd`, `GmbH`): after a comma it ends the company's name, it names no company of its own. */
const LEGAL_FORM_ALONE =
  /^(?:inc|ltd|llc|llp|lp|plc|corp|co|gmbh|ag|kg|gmbhcokg|ev|sa|sas|sarl|srl|spa|sl|sro|bv|bvba|nv|ab|as|asa|oy|oyj|kft|kk|ptyltd|limited|incorporated)$/i;

/** The companies a cell names, `,` or `;` between them; a legal form after a comma stays with its name (`Acme, Inc.`). */
function companyNames(cell: string): string[] {
  const names: string[] = [];
  for (const piece of cell.split(LIST_SEPARATOR)) {
    const name = piece.trim();
    if (name === '') continue;
    // Written with or without dots and spaces: `S.A.`, `L.L.C.`, `s.r.o.`, `GmbH & Co. KG`.
    if (names.length && LEGAL_FORM_ALONE.test(name.replace(/[.\s&]/g, '')))
      names[names.length - 1] += `, ${name}`;
    else names.push(name);
  }
  return names;
}

/** A street that has its house number written in already, first or last (`12 Storgatan`, `Storgatan 12`). */
function writesNumber(street: string, number: string): boolean {
  const words = street.split(/[\s,]+/).filter(Boolean);
  return words[0] === number || words.at(-1) === number;
}

/** A value Meta's Lead Ads Testing Tool fills a test lead's answers with. */
const META_TEST_LEAD = /^\s*<?test lead: dummy data for /i;

/** `p:` (Meta's lead exports) or `tel:` (a link) before a number. */
const PHONE_SCHEME = /^(?:p|tel):\s*(?=[+(\d])/i;
/**
 * The `'` a program writes before a phone number or a zip code so that a spreadsheet keeps it as text (Shopify's
 * `'+16175550123`, `'02134`), also where the value is not all digits (`'(617) 555-0123`, `'K1A 0B1`, `'1012 AB`), which
 * the file-wide reading keeps as text (`'t Hooft` is a name): no phone number or postal code starts with one.
 */
const SPREADSHEET_TEXT_MARK = /^'(?=[^\s'])/;

/**
 * A column's header as a heading in the lead's note: a question written in snake case, as Meta's lead exports name
 * a form's own questions (`what_is_your_budget?`), reads as the question (`What is your budget?`); any other
 * header is kept as it is.
 */
export function noteHeading(header: string): string {
  // Typeform writes a question's formatting into its column name: `<strong>Budget?</strong>`.
  const text = header.includes('<') ? withoutTags(header) : header;
  if (!text.includes('_') || /\p{Lu}|\s/u.test(text)) return text;
  const words = text.replace(/_+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A header that asks something (`Budget?`, `what_is_your_budget?`) or names a form's field in snake case. */
function isQuestion(header: string): boolean {
  return asksQuestion(header) || noteHeading(header) !== header;
}

/** A cell a rich-text field exported as HTML (Odoo's `Notes`: `<p>Met at expo</p><p>Call in Q3</p>`). */
const RICH_TEXT = /^\s*<(?:p|div|br|span|ul|ol|h[1-6]|b|strong|em|i)\b[^<>]{0,200}>/i;
const HTML_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

/**
 * A note cell a rich-text field exported as HTML, as its plain text: paragraphs and line breaks as lines, other tags
 * dropped, the common entities read. Escaped again as every note is ({@link noteHtml}), so Pipedrive shows the text,
 * not `&lt;p&gt;`, and no tag of the file's reaches it. A cell that does not start with a tag is left as it is.
 */
export function richTextAsPlain(cell: string): string {
  if (!RICH_TEXT.test(cell)) return cell;
  return cell
    .replace(/<(?:br\s*\/?|\/(?:p|div|li|h[1-6]))>/gi, '\n')
    .replace(/<[^<>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_, name: string) => HTML_ENTITIES[name] as string)
    .replace(/\n{3,}/g, '\n\n');
}

/**
 * Note content is HTML in Pipedrive (`POST /v1/notes`, "subject to sanitization"): the plain text
 * of the file is escaped, so `<b>` stays text, and its line breaks become `<br>`.
 */
export function noteHtml(plain: string): string {
  return plain
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '<br>');
}

/**
 * A whole address on one line with some parts in columns of their own (Apollo's Company Address
 * beside Company City): the comma-separated pieces the parts do not name give the street (the
 * first) and the postal code (one with a digit, at the start or the end).
 */
function fillFromWhole(whole: string, parts: Record<string, string>): void {
  const known = new Set(
    Object.values(parts)
      .filter(Boolean)
      .map((v) => v.toLowerCase()),
  );
  const pieces = whole.split(/(?:(?<!\s)\s+)?,\s*/).filter((p) => p && !known.has(p.toLowerCase()));
  if (pieces.length < 2 || known.size === 0) return;
  if (!parts.route) parts.route = pieces.shift() as string;
  if (!parts.postal_code) {
    const zip = [pieces[pieces.length - 1], pieces[0]].find(
      (p) => p !== undefined && /\d/.test(p) && p.length <= 10,
    );
    if (zip) parts.postal_code = zip;
  }
}

/**
 * A whole number of people: `250`, `1,200`, `10000+`, `5K`; or a range (`51-200`, `1,001-5,000`, Hunter's `251-1K`),
 * which is not one.
 */
function parseCount(
  cell: string,
): { value: number; error?: undefined } | { error: string } | { range: true; error?: undefined } {
  // LinkedIn writes sizes with their unit ("11-50 employees", "10,001+ employees") and a one-person company as
  // "Self-employed"; Snov.io as "Self".
  if (/^self(?:[-\s]?employed)?$/i.test(cell.trim())) return { value: 1 };
  // `10,001-50,000 employees` is the longest a size is written.
  if (cell.length > 64) return { error: 'is not a whole number of employees' };
  const text = cell
    .trim()
    .replace(/\s*employees?$/i, '')
    .replace(/\+$/, '');
  if (COUNT_RANGE.test(text)) return { range: true };
  const parsed = parseAmount(text);
  if (parsed.error !== undefined || !Number.isInteger(parsed.value.amount) || parsed.value.currency) {
    return { error: 'is not a whole number of employees' };
  }
  return { value: parsed.value.amount };
}

/** Two names written alike, case and spacing aside: `Núñez Logística S.L.` and `núñez  logística s.l.`. */
function sameName(a: string, b: string): boolean {
  const plain = (t: string) => t.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
  return plain(a) === plain(b);
}

/**
 * `51-200`, `1,001 – 5,000`, `251-1K`, `1K-5K`, `10 to 50`: a bound, a dash or `to`, a bound. Each run of spaces has
 * one way to be read, so a cell of a million spaces is refused in one pass.
 */
const COUNT_RANGE = /^\d+(?:[,.\s]\d+)*\s*(?:[kKmM]\s*)?(?:[-–—]|to)\s*\d+(?:[,.\s]\d+)*(?:\s*[kKmM])?$/;

export function quote(value: string): string {
  const short = value.length > 60 ? `${value.slice(0, 57)}…` : value;
  // What shows nothing is shown as its code, or the message would name a value that looks right.
  return JSON.stringify(short).replace(
    /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Renders the title template; placeholders that are empty in this row drop out with the
 * separator next to them (`{organization} – {name}` gives `Jane Doe` when there is no company).
 * Without a template: `<organization> lead`, else `<person> lead`.
 */
function renderTitle(
  mapping: ResolvedMapping,
  cells: string[],
  fields: {
    organization: string;
    name: string;
    email: string;
    phone: string;
    first_name: string;
    last_name: string;
  },
): string {
  const fallback = `${fields.organization || fields.name} lead`;
  if (!mapping.titleTemplate) return fallback;
  const named: Record<string, string> = {
    organization: fields.organization,
    name: fields.name,
    email: fields.email,
    phone: fields.phone,
    first_name: fields.first_name,
    last_name: fields.last_name,
  };
  const rendered = mapping.titleTemplate.replace(/\{([^{}]+)\}/g, (_, key: string) => {
    const k = key.trim();
    const column = mapping.templateColumns.get(k);
    // Own keys only: `{constructor}` is an unknown placeholder, not Object.prototype's member.
    const value =
      column !== undefined
        ? (cells[column] ?? '').trim()
        : Object.hasOwn(named, k)
          ? (named[k] as string)
          : '';
    return value === '' ? '\u0000' : value;
  });
  const title = rendered
    // An empty placeholder takes one neighbouring separator with it.
    .replace(/(?:(?<!\s)\s+)?(?:[-–—|:,/·•]\s*)?\u0000\s*(?:[-–—|:,/·•]\s*)?/g, (m) =>
      /^\s*[-–—|:,/·•]/.test(m) && /[-–—|:,/·•]\s*$/.test(m) ? ' – ' : ' ',
    )
    .replace(/\s+/g, ' ')
    .replace(/^[\s\-–—|:,/·•]+|(?<![\s\-–—|:,/·•])[\s\-–—|:,/·•]+$/g, '');
  return title || fallback;
}

type Converted = { values: Record<string, unknown> } | { error: string };

/**
 * A custom field's value from a cell. Lead fields go flat at the root of the lead body (v1:
 * monetary as `<key>` + `<key>_currency`); person and organization fields go under
 * `custom_fields` (v2: monetary as `{ value, currency }`).
 */
function convertCustom(
  field: ResolvedCustomField,
  raw: string,
  mapping: ResolvedMapping,
  defaultCurrency: string | undefined,
): Converted {
  const key = field.key ?? field.name;
  const v2 = field.entity !== 'lead';
  switch (field.type) {
    case undefined:
      return { values: {} };
    case 'double': {
      const parsed = parseAmount(raw, mapping.decimalMark);
      return parsed.error !== undefined
        ? { error: 'is not a number' }
        : { values: { [key]: parsed.value.amount } };
    }
    case 'monetary': {
      const parsed = parseAmount(raw, mapping.decimalMark);
      if (parsed.error !== undefined) return { error: parsed.error };
      const currency = parsed.value.currency ?? defaultCurrency;
      if (currency && mapping.currencyCodes && !mapping.currencyCodes.has(currency)) {
        return { error: `has currency ${currency}, which is not one of the company's currencies` };
      }
      if (v2) return { values: { [key]: { value: parsed.value.amount, ...(currency ? { currency } : {}) } } };
      return {
        values: { [key]: parsed.value.amount, ...(currency ? { [`${key}_currency`]: currency } : {}) },
      };
    }
    case 'date': {
      const parsed = parseDate(raw, mapping.dateOrder);
      return parsed.error !== undefined ? { error: parsed.error } : { values: { [key]: parsed.value } };
    }
    case 'enum': {
      const id = field.options?.get(optionKey(raw));
      return id === undefined
        ? { error: `is not an option of "${field.name}" (options: ${(field.optionLabels ?? []).join(', ')})` }
        : { values: { [key]: id } };
    }
    case 'set': {
      const ids: (number | string)[] = [];
      for (const label of splitList(raw)) {
        const id = field.options?.get(optionKey(label));
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
    case 'address':
      return { values: { [key]: v2 ? { value: raw } : raw } };
    default:
      if ((field.type === 'varchar' || field.type === 'varchar_auto') && raw.length > MAX_TEXT) {
        return { error: `is longer than ${MAX_TEXT} characters (the limit of "${field.name}")` };
      }
      return { values: { [key]: raw } };
  }
}

/**
 * Each process's own start for {@link hash53}: a file written to collide in the table (addresses sent through a
 * web form, say) cannot know it, so it cannot make every lookup walk the whole table.
 */
const HASH_SEED = randomBytes(8);
const SEED_A = HASH_SEED.readUInt32LE(0);
const SEED_B = HASH_SEED.readUInt32LE(4);

/**
 * A 53-bit hash of a text (two 32-bit FNV-1a lanes from a random start): a key a number holds, with about one
 * collision in 10^16 pairs, where the text itself would cost its bytes.
 */
function hash53(text: string): number {
  let a = 0x811c9dc5 ^ SEED_A;
  let b = 0x01000193 ^ SEED_B ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

/**
 * Numbers by number (an address's 53-bit hash: its row's mark), in typed arrays with open addressing: 16 bytes a
 * slot, grown by doubling while at most half full. A `Map` of the same numbers boxes each, four times the memory.
 */
class NumberTable {
  #keys = new Float64Array(1024);
  #values = new Float64Array(1024);
  size = 0;

  get(key: number): number | undefined {
    const slot = this.#find(key);
    return this.#keys[slot] === 0 ? undefined : this.#values[slot];
  }

  set(key: number, value: number): void {
    if ((this.size + 1) * 2 > this.#keys.length) this.#grow();
    const slot = this.#find(key);
    if (this.#keys[slot] === 0) this.size++;
    this.#keys[slot] = key;
    this.#values[slot] = value;
  }

  /** Its slot, or the empty one where it would go. Key 0 stands for empty, so a key is never 0 (hash53 + 1). */
  #find(key: number): number {
    const mask = this.#keys.length - 1;
    let slot = (key % 2 ** 31) & mask;
    while (this.#keys[slot] !== 0 && this.#keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#keys = new Float64Array(keys.length * 2);
    this.#values = new Float64Array(keys.length * 2);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.set(keys[i] as number, values[i] as number);
  }
}
