/**
 * Pure normalisers for CSV cells. Each returns `{ value }` or `{ error }`, where the error
 * completes the sentence `column "X": "cell" …` and says how to fix the cell.
 */

export type Parsed<T> = { value: T; error?: undefined } | { value?: undefined; error: string };

const ok = <T>(value: T): Parsed<T> => ({ value });
const fail = <T>(error: string): Parsed<T> => ({ error });

/** Deliberately simple (like browsers' `type=email`, plus international names): local part, @, dotted domain. */
const EMAIL =
  /^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?)+$/u;

/** Trims, accepts `Name <email>` and `mailto:`, lower-cases and validates. */
export function normaliseEmail(cell: string): Parsed<string> {
  let text = cell.trim();
  const angle = /<([^<>]+)>\s*$/.exec(text);
  if (angle?.[1]) text = angle[1].trim();
  text = text.replace(/^mailto:/i, '').toLowerCase();
  // The full stop of a sentence the address was copied from, or the brackets around it: `(ana@example.com).`
  if (/^[([]|[).\]]$/.test(text)) text = text.replace(/^[([]+|[)\].]+$/g, '');
  if (/[,;\s]/.test(text) && text.split(/[,;\s]+/).filter(Boolean).length > 1) {
    return fail('holds more than one email address; keep one per row');
  }
  if (!EMAIL.test(text) || text.includes('..') || text.startsWith('.') || text.includes('.@')) {
    return fail('is not an email address; fix the cell or clear it');
  }
  return ok(text);
}

/** A mailbox's name that says there is none: `noemail@acme.com`, `none@…`, `unknown@…` (not `na@` or `nil@`: initials, a name). */
const NO_MAILBOX =
  /^(?:no[-_.]?e?-?mail(?:[-_.]?address)?|none|nobody|null|unknown|n\/a|dummy|fake|invalid|notprovided|not[-_.]provided|noaddress|no[-_.]?address)$/;
/** Domains under a top-level name that is never delegated on the internet (RFC 6761): no mail reaches them. */
const NO_INTERNET_NAME = /(?:^|\.)(?:localhost|invalid)$/;
/** Names a sheet fills a missing address with, made of these on both sides: `test@test.com`, `no@email.com`, `x@x.com`. */
const FILLER_WORD =
  /^(?:no|na|x+|test|email|e-?mail|mail|none|noemail|nomail|unknown|example|domain|address|abc|asdf|fake|dummy|invalid)$/;

/**
 * An address a sheet writes where a person has none: a mailbox named for no one (`noemail@acme.com`,
 * `none@none.com`), or filler on both sides (`no@email.com`, `test@test.com`, `x@x.com`). It reaches no one, and since
 * a person is found by their address, every row that has it would become one person. `info@acme.com` is a real
 * mailbox and stays. An address under a name reserved never to be on the internet (`.localhost`, `.invalid`, RFC 6761)
 * is one a system made up for someone who gave none (Webex's `…@guest.webex.localhost` for a guest).
 */
export function isPlaceholderEmail(cell: string): boolean {
  const text = cell.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (at <= 0) return false;
  if (NO_INTERNET_NAME.test(text.slice(at + 1))) return true;
  if (text.length > 64) return false;
  const local = text.slice(0, at);
  const domainName = text.slice(at + 1).split('.')[0] ?? '';
  return NO_MAILBOX.test(local) || (FILLER_WORD.test(local) && FILLER_WORD.test(domainName));
}

/**
 * A person's several addresses in one cell, as CRMs export them (`a@x.com, b@y.com`; `;`, spaces
 * or a `/` between them): each address alone, to be checked one by one. A cell with `<` (`Doe, Jane
 * <jane@x.com>`) is one address.
 */
export function emailsInCell(cell: string): string[] {
  if (cell.includes('<')) return [cell];
  // `/`, `|` or `&` between two addresses, spaced or not (`a@x.com / b@y.com`, `a@x.com/b@y.com`), is a list's too.
  // One address alone (the common cell) is that address: no split, no array to filter.
  if (!/[\s,;/|&]/.test(cell)) return [cell];
  const parts = cell
    .split(/[\s,;]+|[/|&](?<=@[^\s/|&@]+[/|&])(?=[^\s/|&@]+@)/)
    .filter((p) => p !== '' && !/^[/|&]$/.test(p));
  // One address with a list's separator left after it (`a@x.com;`, as a list joined by hand ends) is that address.
  return parts.length > 0 ? parts : [cell];
}

/** Digits a phone number has at least; fewer after a `,` is an extension or a note, not a second number. */
const MIN_PHONE_DIGITS = 6;

/**
 * A person's several phone numbers in one cell (`+46 8 555 010 10, +46 70 555 01 01`; or `;`, a line break, or a
 * spaced `/` or `|`): each number alone, when every part has the digits of one; otherwise the cell as
 * it is (`030 / 1234567` is one German number, its area code set apart).
 */
export function phonesInCell(cell: string): string[] {
  const parts = cell
    .split('\n')
    .flatMap((line) => line.split(/(?:(?<!\s)\s+)?[,;]\s*|(?<!\s)\s+[/|]\s+/))
    .map((p) => p.trim())
    .filter(Boolean);
  const isNumber = (p: string) => (p.match(/\d/g) ?? []).length >= MIN_PHONE_DIGITS;
  return parts.length > 1 && parts.every(isNumber) ? parts : [cell];
}

/**
 * A number written in other digits (Arabic-Indic `٩٧١`, Persian `۰۹۱۲`, Devanagari, full-width `１２３` as Japanese
 * and Chinese sheets type them) in ASCII digits, with full-width `＋`, `－` and brackets as their ASCII selves: what
 * a dialer and Pipedrive's search read. Text in ASCII is returned as it is.
 */
export function withAsciiDigits(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  return text.normalize('NFKC').replace(/\p{Nd}/gu, (digit) => {
    if (digit >= '0' && digit <= '9') return digit;
    // Unicode's decimal digits come in runs of ten, 0 to 9 (some runs abut): a digit's value is how far it
    // stands from its run's start, modulo ten.
    let cp = digit.codePointAt(0) as number;
    let distance = 0;
    while (/\p{Nd}/u.test(String.fromCodePoint(cp - 1))) {
      cp--;
      distance++;
    }
    return String(distance % 10);
  });
}

/** Digits an extension has at most: office systems use 2–6, and ten leaves room without taking a second number. */
export const MAX_EXTENSION_DIGITS = 10;

/**
 * A phone extension as its own column holds it (Keap's `Phone 1 Ext`): digits, written bare or after
 * `x`, `ext`, `ext.` or `#`. Anything else (a word, a formula, a second number) is not one.
 */
export function phoneExtension(cell: string): Parsed<string> {
  const digits = cell
    .trim()
    .replace(/^(?:ext(?:ension)?\.?|x|#)\s*/i, '')
    .trim();
  if (!/^\d+$/.test(digits)) {
    return fail('is not a phone extension (digits only, e.g. 89); fix the cell or clear it');
  }
  if (digits.length > MAX_EXTENSION_DIGITS) {
    return fail(
      `has ${digits.length} digits, not an extension (at most ${MAX_EXTENSION_DIGITS}); fix the cell or clear it`,
    );
  }
  return ok(digits);
}

/** The ways a number already ends in its extension: `x89`, `ext 89`, `Ext. 89`, `extension 89`, `#89`, `;ext=89` (RFC 3966). */
const NUMBER_WITH_EXTENSION = /(?:(?<![a-z])(?:x|ext(?:ension)?\.?)|#|;ext=)\s*\d+\s*$/i;

/**
 * The number with its extension at its end, `+1 555 123 4567 ext. 89`, as Pipedrive's free-text phone
 * keeps it; a number that ends in an extension already is left as it is (never two).
 */
export function withExtension(number: string, extension: string): string {
  if (NUMBER_WITH_EXTENSION.test(number)) return number;
  return `${number} ext. ${extension}`;
}

/** Words before a surname that belong to it (`van der Berg`, `de la Cruz`, `von Trapp`, `bin Said`). */
const SURNAME_PARTICLES = new Set(
  'van von der den de del della di da das dos do du la le ten ter zu af av bin ibn al el st st.'.split(' '),
);
/** What follows a name's comma when the name is not "Last, First": a suffix, a degree, a company's legal form. */
const AFTER_NAME_COMMA =
  /^(?:jr|sr|ii|iii|iv|v|vi|phd|md|mba|cpa|esq|dds|dmd|rn|pe|cfa|jd|llm|msc|bsc|ma|ba|mph|facs|inc|llc|ltd|gmbh|co|corp|sa|ag|bv|nv|plc|llp|lp|sas|sarl|srl|spa|ab|as|oy|kg|pty|limited|company|group)\.?$/i;
const NAME_WORD = /^\p{L}[\p{L}\p{M}'’-]*\.?$/u;

/**
 * A name written "Last, First" (`Doe, Jane`, `van der Berg, Anna M.`), as directories and Outlook show display
 * names: its surname and given names, or undefined for any other name. Given "Doe, Jane" Pipedrive would take
 * "Doe," as the first name. Read only where nothing else fits: one comma, one surname (its particles allowed)
 * before it, one to three given names after it, and not a suffix, a degree or a company's form (`Jane Doe, PhD`,
 * `Smith, Jr.`, `Acme, Inc.`); `Jane Doe, Acme` and `García Márquez, Gabriel` are left as written.
 */
export function lastCommaFirst(
  name: string,
  options: { surnames?: 'one' | 'several' } = {},
): { first: string; last: string } | undefined {
  const parts = name.split(',');
  if (parts.length !== 2) return undefined;
  const before = (parts[0] as string).trim().split(/\s+/);
  const after = (parts[1] as string).trim().split(/\s+/);
  if (after.length > 3) return undefined;
  if (!before.every((w) => NAME_WORD.test(w)) || !after.every((w) => NAME_WORD.test(w))) return undefined;
  // Two surnames (`García Márquez, Gabriel`) only where the whole column is written so (see namesLastFirst).
  if (options.surnames === 'several') {
    if (before.filter((w) => !SURNAME_PARTICLES.has(w.toLowerCase())).length > 3) return undefined;
  } else if (before.slice(0, -1).some((w) => !SURNAME_PARTICLES.has(w.toLowerCase()))) return undefined;
  if (AFTER_NAME_COMMA.test(after[0] as string)) return undefined;
  return { first: after.join(' '), last: before.join(' ') };
}

/**
 * Whether a name column is written "Last, First" throughout (a directory's or Outlook's display names), from its
 * first values: most hold a comma, every one that does reads as "Last, First" with up to three surnames, and at
 * least two read so with one surname (`Doe, Jane`), which nothing else writes. Then `García Márquez, Gabriel` in it
 * is Gabriel García Márquez; in a column of `Jane Doe, Acme`, where no value has one surname before the comma, it
 * stays as written.
 */
export function namesLastFirst(values: readonly string[]): boolean {
  const withComma = values.filter((v) => v.includes(','));
  if (withComma.length < 2 || withComma.length < values.length * 0.8) return false;
  if (!withComma.every((v) => lastCommaFirst(v, { surnames: 'several' }))) return false;
  return withComma.filter((v) => lastCommaFirst(v)).length >= 2;
}

/** A company's LinkedIn page (`https://www.linkedin.com/company/acme/`, `linkedin.com/company/acme`). */
export const LINKEDIN_COMPANY_PAGE =
  /^(?:https?:\/\/)?(?:[a-z]{2,3}\.)?linkedin\.com\/(?:company|school|showcase)\//i;

/** A person's public LinkedIn profile (`https://www.linkedin.com/in/jane-doe`, the older `linkedin.com/pub/…`). */
export const LINKEDIN_PERSON_PROFILE = /^(?:https?:\/\/)?(?:[a-z]{2,3}\.)?linkedin\.com\/(?:in|pub)\//i;

/** Currency symbols that name one currency without doubt. `$` alone is taken as USD. */
const CURRENCY_SYMBOLS: Record<string, string> = {
  $: 'USD',
  US$: 'USD',
  '€': 'EUR',
  '£': 'GBP',
  '₹': 'INR',
  '₽': 'RUB',
  '₩': 'KRW',
  '₪': 'ILS',
  '₺': 'TRY',
  '₴': 'UAH',
  zł: 'PLN',
  R$: 'BRL',
  C$: 'CAD',
  A$: 'AUD',
  NZ$: 'NZD',
  HK$: 'HKD',
  S$: 'SGD',
  MX$: 'MXN',
  'JP¥': 'JPY',
  'CN¥': 'CNY',
  円: 'JPY',
  元: 'CNY',
  'Fr.': 'CHF',
  Fr: 'CHF',
  kr: 'SEK',
};

/** Signs of more than one currency: the yen's and the yuan's. */
const YEN_OR_YUAN = ['JPY', 'CNY'];
/** Other currencies a sign above also serves, beside a code that says which (`NOK 500 kr`). */
const ALSO_WRITTEN: Record<string, string[]> = { kr: ['NOK', 'DKK', 'ISK'] };
/** A currency's common name that is no ISO code (China's renminbi). */
const CODE_ALIASES: Record<string, string> = { RMB: 'CNY' };
/** An estimate's mark before the amount: `~5000`, `≈ 5000`, `ca. 5000`, `approx. 5000`, `circa 5000`. */
const APPROXIMATELY = /^(?:~|≈|ca\.|approx\.?|circa)\s*/i;

/** Every sign and the currencies it may stand for, longest first, so `US$` wins over `$` and `JP¥` over `¥`. */
type Sign = [sign: string, currencies: string[]];
const SIGNS_LONGEST_FIRST: Sign[] = [
  ...Object.entries(CURRENCY_SYMBOLS).map(
    ([sign, iso]): Sign => [sign, [iso, ...(ALSO_WRITTEN[sign] ?? [])]],
  ),
  ['¥', YEN_OR_YUAN] satisfies Sign,
  ['￥', YEN_OR_YUAN] satisfies Sign,
].sort((a, b) => b[0].length - a[0].length);

/** The currency sign `text` starts or ends with, the currencies it may stand for, and the text without it. */
function signAtEnds(text: string): { sign: string; currencies: string[]; rest: string } | undefined {
  for (const [sign, currencies] of SIGNS_LONGEST_FIRST) {
    if (text.startsWith(sign)) return { sign, currencies, rest: text.slice(sign.length).trim() };
    if (text.endsWith(sign)) return { sign, currencies, rest: text.slice(0, -sign.length).trim() };
  }
  return undefined;
}

export interface Amount {
  amount: number;
  /** ISO 4217 code when the cell named one (`EUR 1 234,50`, `$1,234`). */
  currency?: string;
}

/** The decimal separator of a file's amounts: `.` (1,234.56, US and UK) or `,` (1.234,56, most of Europe). */
export type DecimalMark = '.' | ',';

/** `--decimal`: `,` or `.` (spaces around it ignored); undefined for anything else. */
export function parseDecimalMark(value: string): DecimalMark | undefined {
  const v = value.trim();
  return v === '.' || v === ',' ? v : undefined;
}

/**
 * How a file writes its amounts, from the amounts themselves: `1,234.56` or `99.5` can only have a
 * decimal point, `1.234,56` or `99,5` only a decimal comma. Undefined when none tells (`1.500`, `45000`),
 * or when they disagree. It decides what a lone separator before three digits means (`1.500`: 1.5 with a
 * decimal point, 1500 with a decimal comma), which alone reads both ways.
 */
export function inferDecimalMark(
  values: Iterable<string>,
): { mark: DecimalMark; example: string } | undefined {
  let point: string | undefined;
  let comma: string | undefined;
  for (const value of values) {
    const text = value.replace(/[^\d.,]/g, '');
    if (!/^\d/.test(text)) continue;
    const lastDot = text.lastIndexOf('.');
    const lastComma = text.lastIndexOf(',');
    let mark: DecimalMark | undefined;
    if (lastDot !== -1 && lastComma !== -1) mark = lastDot > lastComma ? '.' : ',';
    else if (/^\d+[.,]\d{1,2}$/.test(text)) mark = lastDot !== -1 ? '.' : ',';
    if (mark === '.') point ??= value.trim();
    if (mark === ',') comma ??= value.trim();
  }
  if (point && !comma) return { mark: '.', example: point };
  if (comma && !point) return { mark: ',', example: comma };
  return undefined;
}

/**
 * The first amount that reads both ways (`1.500`, `€1,500`: one separator, three digits after it, at most three
 * before), for a file whose decimal separator nothing tells: with no mark it is read as thousands (`asThousands`),
 * and the user may mean the other (`asDecimal`, the amount with `separator` as the decimal mark).
 */
export function firstAmbiguousAmount(
  values: Iterable<string>,
): { example: string; separator: DecimalMark; asThousands: number; asDecimal: number } | undefined {
  for (const value of values) {
    const text = value.replace(/[^\d.,]/g, '');
    if (!/^\d{1,3}[.,]\d{3}$/.test(text)) continue;
    const separator: DecimalMark = text.includes('.') ? '.' : ',';
    const asThousands = parseAmount(value).value?.amount;
    const asDecimal = parseAmount(value, separator).value?.amount;
    if (asThousands !== undefined && asDecimal !== undefined && asThousands !== asDecimal)
      return { example: value.trim(), separator, asThousands, asDecimal };
  }
  return undefined;
}

/**
 * Reads money as people write it: `1234.5`, `1,234.50`, `1.234,50`, `$1,234`, `EUR 1 234,50`,
 * `1 234,50 €`, `1'234.50`, `(1,234)` is refused (negative). The decimal separator is the last of
 * `.`/`,` when both appear; a single separator followed by exactly three digits is a thousands
 * separator (money rarely has three decimals), unless `mark`, the file's decimal separator (see
 * {@link inferDecimalMark}), is that one: in a file of `1,234.56` amounts, `1.500` is 1.5.
 */
export function parseAmount(cell: string, mark?: DecimalMark): Parsed<Amount> {
  let text = cell.trim().replace(/[\u00a0\u202f\u2009]/g, ' ');
  if (text === '') return fail('is empty');
  let currency: string | undefined;
  // A code sticks to the number only in capitals (`1234USD`), so `12abc` is not read as 12 ABC.
  const code = /^([A-Z]{3}|[A-Za-z]{3}\s)\s*(?=[-+\d.,])|(?<=[\d.,])(?:\s+([A-Za-z]{3})|([A-Z]{3}))$/.exec(
    text,
  );
  if (code) {
    const named = (code[1] ?? code[2] ?? code[3])?.trim().toUpperCase() as string;
    currency = CODE_ALIASES[named] ?? named;
    text = text.replace(code[0], '').trim();
  }
  const beside = signAtEnds(text);
  if (beside && currency) {
    // A sign beside the code (`$5,000.00 USD`, `¥500,000 JPY`): the code says which; `$` serves many dollars.
    if (beside.sign !== '$' && !beside.currencies.includes(currency))
      return fail(`names two currencies (${beside.sign} and ${currency}); keep one`);
    text = beside.rest;
  } else if (beside) {
    if (beside.currencies === YEN_OR_YUAN)
      return fail(
        `has "${beside.sign}", the sign of both the Japanese yen and the Chinese yuan; write JPY or CNY with the amount`,
      );
    currency = beside.currencies[0];
    text = beside.rest;
  }
  text = text.replace(APPROXIMATELY, '');
  if (text.startsWith('-') || text.startsWith('('))
    return fail('is negative; a lead value must be 0 or more');
  // Swiss whole francs: `5'000.–`, `5'000.-`.
  text = text.replace(/^\+/, '').replace(/(?<=\d)[.,][–-]{1,2}$/, '');
  // Thousands and millions as sales sheets shorten them: `5k`, `50 k€`, `£2.5m`, `$1.5MM`, `2,5 Mio. €`, `30 Tsd. €`.
  const short = AMOUNT_MULTIPLIER.exec(text);
  // `Mio.` and `Mio` alike.
  const multiplier = short ? MULTIPLIERS[(short[1] as string).toLowerCase().replace(/\.$/, '')] : undefined;
  if (short && multiplier !== undefined) {
    const number = text.slice(0, short.index).trim();
    // One word only (`5 k k` is no amount), and no second currency.
    const base = AMOUNT_MULTIPLIER.test(number) ? undefined : parseAmount(number, mark);
    if (base?.value === undefined || base.value.currency !== undefined) return fail(AMOUNT_FORMAT);
    const amount = Math.round(base.value.amount * multiplier * 100) / 100;
    if (!Number.isFinite(amount)) return fail(AMOUNT_FORMAT);
    return ok(currency ? { amount, currency } : { amount });
  }
  // Java and spreadsheets write big numbers in scientific notation (Salesforce Data Loader: 3.8E7).
  if (/^\d+(?:\.\d+)?[eE][+]?\d{1,3}$/.test(text)) {
    const amount = Number(text);
    if (Number.isFinite(amount)) return ok(currency ? { amount, currency } : { amount });
  }
  // Spaces and apostrophes only ever group thousands (1 234,50 / 1'234.50).
  if (/^\d{1,3}(?:[ ']\d{3})+(?:[.,]\d+)?$/.test(text)) text = text.replace(/[ ']/g, '');
  if (!/^\d[\d.,]*$/.test(text) || /[.,]$/.test(text)) return fail(AMOUNT_FORMAT);
  const dots = text.split('.').length - 1;
  const commas = text.split(',').length - 1;
  let decimal: '.' | ',' | undefined;
  if (dots && commas) decimal = text.lastIndexOf('.') > text.lastIndexOf(',') ? '.' : ',';
  else if (dots + commas === 1) {
    const sep = dots ? '.' : ',';
    // Three digits after it: thousands, unless the file's amounts say this is their decimal separator.
    decimal = text.length - text.indexOf(sep) - 1 === 3 && sep !== mark ? undefined : sep;
  }
  const [intPart, fraction] = decimal ? splitLast(text, decimal) : [text, undefined];
  if (/[.,]/.test(intPart)) {
    const thousands = decimal === '.' ? ',' : decimal === ',' ? '.' : dots ? '.' : ',';
    const groups = intPart.split(thousands);
    // India groups lakhs and crores by two digits above the thousands: 12,34,56,789.
    const indian = thousands === ',' && /^\d{1,2}(?:,\d{2})+,\d{3}$/.test(intPart);
    const badGroups =
      !indian &&
      (/[.,]/.test(intPart.replaceAll(thousands, '')) ||
        (groups[0] ?? '').length > 3 ||
        groups.slice(1).some((g) => g.length !== 3));
    if (badGroups) return fail(AMOUNT_FORMAT);
  }
  const amount = Number(intPart.replace(/[.,]/g, '') + (fraction !== undefined ? `.${fraction}` : ''));
  if (!Number.isFinite(amount)) return fail(AMOUNT_FORMAT);
  return ok(currency ? { amount, currency } : { amount });
}

/**
 * A band or a bound where one amount goes (`10k–50k €`, `10,000 - 50,000`, `< 10k`, `up to 5000`, `5000+`, `~5k–10k`):
 * what a web form's budget question and a lead database's revenue band hold. Not a negative amount (`-500`).
 */
export function isAmountRange(cell: string): boolean {
  const t = cell.trim();
  if (!/\d/.test(t) || t.length > 100) return false;
  if (
    /^(?:[<>≤≥~≈]|(?:up to|under|over|less than|more than|at least|approx\.?|about|bis|ab|über|unter|max\.?|min\.?)\s)/i.test(
      t,
    )
  )
    return true;
  // `5,000+`, and a shortened open bucket: `$1B+`, `10M+`, `5 Mio.+` (ZoomInfo's and Apollo's revenue ranges).
  if (/\d\s*(?:[a-z]{1,3}\.?\s*)?\+\s*\D{0,4}$/i.test(t)) return true;
  return /\d[^-–—\d]{0,6}\s*(?:[-–—]|\bto\b|\bbis\b)\s*\D{0,4}\d/i.test(t);
}

const AMOUNT_FORMAT =
  'is not an amount; write it like 1234.50, 1,234.50 or 1.234,50 (optionally with a currency code)';

/** A shortened amount's word after its number: `k`, `M`, `MM`, `Mio.`, `Tsd.`, `bn`, `B`, `Mrd.`. */
const AMOUNT_MULTIPLIER = /(?<=[\d\s])(k|mm|m|tsd\.?|mio\.?|bn|b|mrd\.?)$/i;
const MULTIPLIERS: Record<string, number> = {
  k: 1e3,
  tsd: 1e3,
  m: 1e6,
  mm: 1e6,
  mio: 1e6,
  bn: 1e9,
  b: 1e9,
  mrd: 1e9,
};

function splitLast(text: string, sep: string): [string, string] {
  const i = text.lastIndexOf(sep);
  return [text.slice(0, i), text.slice(i + 1)];
}

/** Currency codes: three letters, upper-cased; a well-known symbol is accepted too. */
export function normaliseCurrency(cell: string, names?: ReadonlyMap<string, string>): Parsed<string> {
  const text = cell.trim();
  // Own keys only: a cell such as `constructor` or `__proto__` would otherwise find Object.prototype's members.
  const symbol = Object.hasOwn(CURRENCY_SYMBOLS, text) ? CURRENCY_SYMBOLS[text] : undefined;
  if (symbol) return ok(symbol);
  if (/^[A-Za-z]{3}$/.test(text)) return ok(text.toUpperCase());
  const key = currencyNameKey(text);
  // A Map, not an object: a cell such as `constructor` must not find Object.prototype's members here either.
  const named = names?.get(key) ?? CURRENCY_NAMES.get(key);
  if (named) return ok(named);
  return fail('is not a currency code; use a three-letter code such as EUR or USD');
}

/** A currency's name as names compare: `US Dollar` = `us-dollar`. */
export function currencyNameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}]+/gu, '');
}

/**
 * ISO 4217's English names of common currencies, as CRMs write a record's currency (Dynamics 365's
 * Currency column: `Euro`, `US Dollar`, `Pound Sterling`); the account's own names are added to these.
 */
const CURRENCY_NAMES: ReadonlyMap<string, string> = new Map(
  (
    [
      ['US Dollar', 'USD'],
      ['Euro', 'EUR'],
      ['Pound Sterling', 'GBP'],
      ['British Pound', 'GBP'],
      ['Swedish Krona', 'SEK'],
      ['Norwegian Krone', 'NOK'],
      ['Danish Krone', 'DKK'],
      ['Swiss Franc', 'CHF'],
      ['Zloty', 'PLN'],
      ['Polish Zloty', 'PLN'],
      ['Czech Koruna', 'CZK'],
      ['Canadian Dollar', 'CAD'],
      ['Australian Dollar', 'AUD'],
      ['New Zealand Dollar', 'NZD'],
      ['Yen', 'JPY'],
      ['Japanese Yen', 'JPY'],
      ['Indian Rupee', 'INR'],
      ['Russian Ruble', 'RUB'],
      // As Bitrix24 and Russian, Ukrainian, Polish and Czech sheets name them.
      ['Российский рубль', 'RUB'],
      ['Рубль', 'RUB'],
      ['Доллар США', 'USD'],
      ['Евро', 'EUR'],
      ['Гривна', 'UAH'],
      ['Гривня', 'UAH'],
      ['Белорусский рубль', 'BYN'],
      ['Тенге', 'KZT'],
      ['Złoty', 'PLN'],
      ['Polski złoty', 'PLN'],
      ['Koruna česká', 'CZK'],
      ['Česká koruna', 'CZK'],
      ['Mexican Peso', 'MXN'],
      ['Brazilian Real', 'BRL'],
    ] as const
  ).map(([name, code]) => [currencyNameKey(name), code] as const),
);

/** How to read `xx/yy/zzzz` dates, which are ambiguous when both parts are 12 or less. */
export type DateOrder = 'DMY' | 'MDY';

/** Accepts `DMY`, `MDY`, `DD/MM/YYYY`, `MM/DD/YYYY`, `dd.mm.yyyy`, `eu`, `us`. */
export function parseDateOrder(value: string): DateOrder | undefined {
  const v = value
    .trim()
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
  if (v === 'DMY' || v === 'DDMMYYYY' || v === 'DDMMYY' || v === 'EU' || v === 'DAYFIRST') return 'DMY';
  if (v === 'MDY' || v === 'MMDDYYYY' || v === 'MMDDYY' || v === 'US' || v === 'MONTHFIRST') return 'MDY';
  return undefined;
}

/**
 * How a file writes its dates, from the dates themselves: `25/12/2025` can only be day-first,
 * `12/25/2025` only month-first. Undefined when no date tells, or when they disagree.
 */
export function inferDateOrder(values: Iterable<string>): { order: DateOrder; example: string } | undefined {
  let dmy: string | undefined;
  let mdy: string | undefined;
  for (const value of values) {
    const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b/.exec(value.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > 12 && b <= 12) dmy ??= value.trim();
    if (b > 12 && a <= 12) mdy ??= value.trim();
  }
  if (dmy && !mdy) return { order: 'DMY', example: dmy };
  if (mdy && !dmy) return { order: 'MDY', example: mdy };
  return undefined;
}

/** Excel's day 0 is 1899-12-30 (it counts the non-existent 1900-02-29). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;

/**
 * A month or a quarter where one day goes (`March 2027`, `2027-03`, `Q1 2027`, `2027 Q1`, `H2 2027`): what a
 * sheet's expected close date often holds. Not a date of its own: `parseDate` refuses it.
 */
export function isDatePeriod(cell: string): boolean {
  const t = cell.trim();
  if (
    /^(?:[QH][1-4]|[1-4]Q)\s*(?:[/-]\s*)?(?:FY\s*)?\d{4}$|^(?:FY\s*)?\d{4}\s*(?:[/-]\s*)?[QH][1-4]$/i.test(t)
  )
    return /^[^H]*$|H[12]/i.test(t);
  if (/^\d{4}[-/.](?:0?[1-9]|1[0-2])$|^(?:0?[1-9]|1[0-2])[-/.]\d{4}$/.test(t)) return true;
  // A month's name and a four-digit year (`March 2027`, `Mär. 2027`, `mars 2027`): a date once a day is put before it.
  return /^\p{L}[\p{L}.]*,?\s+\d{4}$/u.test(t) && parseDate(`1 ${t.replace(',', '')}`).error === undefined;
}

/**
 * Reads a date as `YYYY-MM-DD`: ISO (`2025-03-31`, with or without a time), `YYYY/MM/DD`,
 * `DD/MM/YYYY` or `MM/DD/YYYY` (also with `.` or `-`; two-digit years are 20xx), and Excel
 * serial numbers (`45747` = 2025-03-31), and ISO's basic format
 * (`20250331`, as SAP and databases export dates). A date like `03/04/2025` needs `order`.
 */
export function parseDate(cell: string, order?: DateOrder): Parsed<string> {
  const text = cell.trim();
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (m) return checkedDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?:[ T][\d:.]+(?:\s?[AP]M)?)?$/i.exec(text);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const year = m[4]!.length === 2 ? 2000 + Number(m[4]) : Number(m[4]);
    // A dot is only used day-first (German, Dutch, Nordic…).
    let dayFirst: boolean | undefined = m[2] === '.' ? true : undefined;
    if (dayFirst === undefined) {
      if (a > 12 && b <= 12) dayFirst = true;
      else if (b > 12 && a <= 12) dayFirst = false;
      else if (a === b) dayFirst = true;
      else if (order) dayFirst = order === 'DMY';
      else {
        return fail(
          'is ambiguous (day/month or month/day?); run with --date-format DD/MM/YYYY or --date-format MM/DD/YYYY',
        );
      }
    }
    return dayFirst ? checkedDate(year, b, a) : checkedDate(year, a, b);
  }
  const named = monthNameDate(text);
  if (named) return named;
  m = /^((?:19|20)\d{2})(\d{2})(\d{2})$/.exec(text);
  if (m) return checkedDate(Number(m[1]), Number(m[2]), Number(m[3]));
  if (/^\d{5}(\.\d+)?$/.test(text)) {
    const serial = Number(text);
    // 1954..2119: a plausible close date, and not some other number.
    if (serial >= 20_000 && serial < 80_000) {
      return ok(new Date(EXCEL_EPOCH_MS + Math.floor(serial) * DAY_MS).toISOString().slice(0, 10));
    }
  }
  return fail('is not a date; write it as YYYY-MM-DD (or DD/MM/YYYY, MM/DD/YYYY)');
}

/** Month names in English and the languages of the header tables, January first. */
const MONTH_NAMES: readonly (readonly string[])[] = [
  [
    'january',
    'february',
    'march',
    'april',
    'may',
    'june',
    'july',
    'august',
    'september',
    'october',
    'november',
    'december',
  ],
  [
    'januar',
    'februar',
    'märz',
    'april',
    'mai',
    'juni',
    'juli',
    'august',
    'september',
    'oktober',
    'november',
    'dezember',
  ],
  [
    'janvier',
    'février',
    'mars',
    'avril',
    'mai',
    'juin',
    'juillet',
    'août',
    'septembre',
    'octobre',
    'novembre',
    'décembre',
  ],
  [
    'enero',
    'febrero',
    'marzo',
    'abril',
    'mayo',
    'junio',
    'julio',
    'agosto',
    'septiembre',
    'octubre',
    'noviembre',
    'diciembre',
  ],
  [
    'januari',
    'februari',
    'maart',
    'april',
    'mei',
    'juni',
    'juli',
    'augustus',
    'september',
    'oktober',
    'november',
    'december',
  ],
  [
    'gennaio',
    'febbraio',
    'marzo',
    'aprile',
    'maggio',
    'giugno',
    'luglio',
    'agosto',
    'settembre',
    'ottobre',
    'novembre',
    'dicembre',
  ],
  [
    'janeiro',
    'fevereiro',
    'março',
    'abril',
    'maio',
    'junho',
    'julho',
    'agosto',
    'setembro',
    'outubro',
    'novembro',
    'dezembro',
  ],
];
/** A word without its accents, lower-cased: `Ångström` is `angstrom`. */
export const plainLetters = (word: string) => word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const MONTH_WORDS = MONTH_NAMES.flatMap((names) =>
  names.map((name, i) => [plainLetters(name), i + 1] as const),
);
/** Abbreviations that are not the start of the name: German `Mrz`, Dutch `mrt`. */
const MONTH_ABBREVIATIONS: Record<string, number> = { mrz: 3, mrt: 3 };

/** The month a name or abbreviation (3 letters or more) names, in any of those languages; undefined if none or several. */
function monthOf(word: string): number | undefined {
  const key = plainLetters(word);
  if (Object.hasOwn(MONTH_ABBREVIATIONS, key)) return MONTH_ABBREVIATIONS[key];
  if (key.length < 3) return undefined;
  const months = new Set(MONTH_WORDS.filter(([name]) => name.startsWith(key)).map(([, month]) => month));
  return months.size === 1 ? [...months][0] : undefined;
}

const MONTH = '(\\p{L}{3,10})\\.?';
const DAY = '(\\d{1,2})(?:st|nd|rd|th|er|\\.)?';
const WEEKDAY = '(?:\\p{L}{2,13}\\.?,?\\s+)?';
const TIME = '(?:,?\\s+(?:at\\s+|um\\s+|à\\s+)?\\d{1,2}[:h]\\d{2}(?::\\d{2})?\\s*(?:[ap]\\.?m\\.?)?)?';
const DAY_MONTH_YEAR = new RegExp(
  `^${WEEKDAY}${DAY}[-\\s]+(?:de\\s+)?${MONTH}[-\\s,]+(?:de\\s+)?(\\d{4}|\\d{2})${TIME}$`,
  'iu',
);
const MONTH_DAY_YEAR = new RegExp(`^${WEEKDAY}${MONTH}\\s+${DAY},?\\s+(\\d{4})${TIME}$`, 'iu');

/**
 * A date with a month name, as spreadsheets and tools show one: Excel's `31-Mar-25` and long dates
 * (`Monday, March 31, 2025`, `Montag, 31. März 2025`, `31 de marzo de 2025`), Google Sheets, Notion
 * and Airtable (`March 31, 2025 6:13 PM`). The name says which part is the month, so these are never
 * ambiguous.
 */
function monthNameDate(text: string): Parsed<string> | undefined {
  const dmy = DAY_MONTH_YEAR.exec(text);
  const mdy = dmy ? undefined : MONTH_DAY_YEAR.exec(text);
  const [day, name, year] = dmy ? [dmy[1], dmy[2], dmy[3]] : mdy ? [mdy[2], mdy[1], mdy[3]] : [];
  const month = name ? monthOf(name) : undefined;
  if (!day || !year || month === undefined) return undefined;
  return checkedDate(year.length === 2 ? 2000 + Number(year) : Number(year), month, Number(day));
}

function checkedDate(year: number, month: number, day: number): Parsed<string> {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return fail('is not a valid date (no such day)');
  }
  if (year < 1900 || year > 2199) return fail('has an implausible year');
  return ok(date.toISOString().slice(0, 10));
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'y', 'x', 'on', 'ja', 'oui', 'si', 'sí', 'seen', '✓']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'n', 'off', 'nein', 'non', 'unseen', '']);

export function parseBoolean(cell: string): Parsed<boolean> {
  const v = cell.trim().toLowerCase();
  if (TRUE_WORDS.has(v)) return ok(true);
  if (FALSE_WORDS.has(v)) return ok(false);
  return fail('is not yes or no; use yes/no, true/false or 1/0');
}

/** Pipedrive visibility codes (pipedrive-api.md §9.1). */
export type Visibility = '1' | '3' | '5' | '7';

/**
 * Reads visibility as a code (1, 3, 5, 7) or a word. "Company" means 3 on Lite and Growth and 7
 * on Premium and Ultimate, where 3 is the owner's visibility group.
 */
export function parseVisibility(cell: string, groupsPlan: boolean): Parsed<Visibility> {
  const v = cell
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9&]+/g, ' ')
    .trim();
  if (v === '1' || v === '3' || v === '5' || v === '7') {
    if (!groupsPlan && (v === '5' || v === '7')) {
      return fail('is only available on Premium and Ultimate plans; use 1 (owner) or 3 (company)');
    }
    return ok(v);
  }
  const words: Record<string, Visibility> = {
    owner: '1',
    'owner only': '1',
    private: '1',
    'owner & followers': '1',
    'owner and followers': '1',
    'owner followers': '1',
    company: groupsPlan ? '7' : '3',
    'entire company': groupsPlan ? '7' : '3',
    everyone: groupsPlan ? '7' : '3',
    shared: groupsPlan ? '7' : '3',
    public: groupsPlan ? '7' : '3',
  };
  if (groupsPlan) {
    Object.assign(words, {
      group: '3',
      'visibility group': '3',
      'owner s visibility group': '3',
      'group and sub groups': '5',
      'group and subgroups': '5',
      'group & sub groups': '5',
      'group & subgroups': '5',
    });
  }
  const code = Object.hasOwn(words, v) ? words[v] : undefined;
  if (code) return ok(code);
  return fail(
    groupsPlan
      ? 'is not a visibility; use owner, group, group and subgroups, company (or 1, 3, 5, 7)'
      : 'is not a visibility; use owner or company (or 1, 3)',
  );
}

/**
 * The scheme of a link that is not a web address (`javascript`, `data`, `vbscript`, `file`…), or undefined for a
 * bare domain (`acme.com`, `acme.com:8080/x`) or an http(s) address. Browsers ignore tabs, line breaks and leading
 * controls in a URL, so the scheme is read without them.
 */
export function nonWebScheme(link: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+-]*):/i.exec(link.replace(/[\u0000-\u0020]/g, ''))?.[1];
  return scheme && !/^https?$/i.test(scheme) ? scheme : undefined;
}

/** Splits a list cell (`Hot, VIP; Trade show`) into trimmed, non-empty, distinct items. */
export function splitList(cell: string): string[] {
  const items = cell
    .split(/[,;|\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return [...new Set(items)];
}

/** One linked page as Notion's CSV export writes it: its title, a space, its link in parentheses. */
const LINKED_PAGE = /(.+?) \((?:https?:\/\/)?(?:www\.)?notion\.(?:so|site)\/[^\s()]*\)(?:,\s*|$)/y;

/**
 * The titles of the pages a cell links to, as Notion's CSV export writes a relation property:
 * `Ångström AB (https://www.notion.so/2d5a4e63bf2381519b98c81833668844)`, several joined by `, `.
 * Undefined when the cell is not such a list (whatever else it holds, it is read as it is).
 */
export function linkedPageTitles(cell: string): string[] | undefined {
  const titles: string[] = [];
  LINKED_PAGE.lastIndex = 0;
  while (LINKED_PAGE.lastIndex < cell.length) {
    const m = LINKED_PAGE.exec(cell);
    if (!m) return undefined;
    titles.push((m[1] as string).trim());
  }
  return titles.length ? titles : undefined;
}

/**
 * Free-mail providers: an address there is a person's own, not their employer's. Exact domains, and the big
 * providers' country domains (`yahoo.co.uk`, `hotmail.fr`, `gmx.de`).
 */
const FREE_MAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'msn.com',
  'aol.com',
  'protonmail.com',
  'protonmail.ch',
  'proton.me',
  'pm.me',
  'tutanota.com',
  'tuta.io',
  'fastmail.com',
  'hey.com',
  'mail.com',
  'zoho.com',
  'comcast.net',
  'verizon.net',
  'att.net',
  'sbcglobal.net',
  'bellsouth.net',
  'cox.net',
  'charter.net',
  'shaw.ca',
  'rogers.com',
  'sympatico.ca',
  'btinternet.com',
  'sky.com',
  'virginmedia.com',
  'talktalk.net',
  'bigpond.com',
  'web.de',
  't-online.de',
  'freenet.de',
  'arcor.de',
  'posteo.de',
  'mailbox.org',
  'bluewin.ch',
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'laposte.net',
  'sfr.fr',
  'neuf.fr',
  'libero.it',
  'virgilio.it',
  'tiscali.it',
  'alice.it',
  'terra.com.br',
  'uol.com.br',
  'bol.com.br',
  'wp.pl',
  'o2.pl',
  'onet.pl',
  'interia.pl',
  'seznam.cz',
  'centrum.cz',
  'email.cz',
  'mail.ru',
  'bk.ru',
  'list.ru',
  'inbox.ru',
  'rambler.ru',
  'ya.ru',
  'ukr.net',
  'qq.com',
  '163.com',
  '126.com',
  'sina.com',
  'sohu.com',
  'naver.com',
  'hanmail.net',
  'daum.net',
  'rediffmail.com',
]);
const FREE_MAIL_FAMILIES =
  /^(?:yahoo|ymail|rocketmail|hotmail|outlook|live|windowslive|gmx|yandex)\.(?:com|net|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$/;

/** Whether an address is at a free-mail provider (`jane@gmail.com`, `jane@yahoo.co.uk`). */
export function isFreeMail(address: string): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return FREE_MAIL_DOMAINS.has(domain) || FREE_MAIL_FAMILIES.test(domain);
}

/**
 * A salutation or an academic or professional title written before a name, as one word or a few: `Dr.`, `Prof.`, `Mr`,
 * `Ms.`, and as German and Austrian users write them, `Dr. med.`, `Dr.-Ing.`, `Dipl.-Ing. (FH)`, `Mag.`, `Ing.`
 * (`Mag` and `Ing` only with their dot: names start so). Each word ends where a space, a comma or the text does, so a
 * text is read in one pass.
 */
const HONORIFIC = String.raw`(?:(?:dr|prof)\.?(?:-ing\.?)?(?:\s*(?:med|dent|vet|rer|nat|pol|oec|soc|phil|jur|iur|techn|habil|h\.\s?c)\.)*|dipl\.?\s?-?\s?(?:ing|kfm|kff|psych|inf|phys|chem|math|biol)\.?(?:\s?\(fh\))?|(?:mag|ing)\.|(?:mr|mrs|ms|mx|miss)\.?)`;
/** {@link HONORIFIC}s before a name (`Prof. Dr. Anna Huber`). */
const TITLE_BEFORE = new RegExp(String.raw`^(?:${HONORIFIC}\s+)+(?=\S)`, 'i');
/**
 * A cell of salutations and titles only, as a `Title` column or a job-title column holds them where the person's
 * title was typed: the {@link HONORIFIC}s, and salutations that stand before no name here as they could be a first
 * name or an initial (`Herr`, `Frau`, `Sir`, `M.`, `Mme`, `Sr.`, `Dott.`; Odoo's `Mister`). Case aside: {@link onlyTitles}
 * takes a word without its dot only in its own case (`Dr`, not `DR` or `HR`).
 */
const TITLES_ONLY = new RegExp(
  String.raw`^(?:(?:${HONORIFIC}|(?:sir|madam|mister|herr|frau|hr|fr|mme|mlle|m|sr|sra|srta|dott|dra)\.?)(?:[\s,]+|$))+$`,
  'i',
);
/** Longer than any run of titles and degrees (`Univ.-Prof. Dipl.-Ing. Dr. techn. … , MBA`): some other text. */
const TITLES_MAX = 80;
/**
 * A degree at the very end of a text: `PhD`, `Ph.D.`, `MBA`, `MD` (capitals only: `Md` starts names), `DPhil`, `MSc`,
 * `CPA`, `Esq.`. Not `Jr.` or `III`, which are part of the name. Tried on a text's last few characters only
 * ({@link degreesAfter}): from every position of a long cell, a pattern for "spaces, a comma, spaces, a degree" took
 * time in the square of the cell's spaces (a name cell of 200,000 spaces: 26 s).
 */
const DEGREE_AT_END = /(?:[Pp][Hh]\.?\s?[Dd]\.?|MBA|M\.?D\.?|D[Pp]hil|MSc|M\.Sc\.|CPA|Esq\.?)$/;
/** The longest degree {@link DEGREE_AT_END} reads (`Ph. D.`), and room to spare. */
const DEGREE_TAIL = 8;

/**
 * The degrees after a name (`Raman, PhD MBA` → `Raman`, `PhD`, `MBA`): each after a space, the first after the name
 * and an optional comma. From the end, in time linear in the text's length.
 */
function degreesAfter(text: string): { rest: string; degrees: string[]; comma: boolean } {
  let rest = text.trimEnd();
  const degrees: string[] = [];
  let comma = false;
  for (;;) {
    const tail = rest.slice(-DEGREE_TAIL);
    const found = DEGREE_AT_END.exec(tail);
    if (!found) break;
    const start = rest.length - tail.length + found.index;
    // After a space, with a name before it.
    if (start === 0 || !/\s/.test(rest[start - 1] as string)) break;
    let before = rest.slice(0, start).trimEnd();
    let afterComma = false;
    if (before.endsWith(',')) {
      afterComma = true;
      before = before.slice(0, -1).trimEnd();
    }
    if (before === '') break;
    degrees.unshift(found[0]);
    comma ||= afterComma;
    rest = before;
  }
  return { rest, degrees, comma };
}

/**
 * Whether a cell is only salutations, academic titles or degrees (`Dr.`, `Prof. Dr.`, `Dipl.-Ing.`, `Herr`, `Ms.`,
 * `Dr. rer. nat., MBA`, `PhD`): no job title. `MD` or `CPA` alone is one (a managing director, an accountant); a job
 * title with a title in it (`Professor of Chemistry`, `Head of R&D`, `Dr. Oetker brand manager`) is one too.
 */
export function onlyTitles(value: string): boolean {
  const text = value.trim();
  if (text === '' || text.length > TITLES_MAX) return false;
  // The degrees at the end, each after a space or a comma (`Dr. rer. nat., MBA`), or the whole cell.
  let end = text.length;
  const degrees: string[] = [];
  for (;;) {
    const tail = text.slice(Math.max(0, end - DEGREE_TAIL), end);
    const found = DEGREE_AT_END.exec(tail);
    if (!found) break;
    const start = end - tail.length + found.index;
    if (start > 0 && !/[\s,]/.test(text[start - 1] as string)) break;
    degrees.push(found[0]);
    end = start;
    while (end > 0 && /[\s,]/.test(text[end - 1] as string)) end--;
  }
  if (end === 0) return !(degrees.length === 1 && /^(?:MD|CPA)$/.test(degrees[0] as string));
  const titles = text.slice(0, end);
  return TITLES_ONLY.test(titles) && titles.split(/[\s,]+/).every(writtenAsTitle);
}

/**
 * Whether a word {@link TITLES_ONLY} read is written as people write a title: with its dot (`Hr.`, `M.`, `Sr.`,
 * `DR.`), or without one in its own case (`Dr`, `Mr`, `Herr`, `Prof`). Without a dot, in capitals or in lower case it
 * is some other word: `HR`, `SR`, `MS`, `M` are job titles and departments.
 */
function writtenAsTitle(word: string): boolean {
  return word === '' || word.includes('.') || !(/^\p{Lu}+$/u.test(word) || /^\p{Ll}+$/u.test(word));
}

/**
 * A name without the title before it and the degrees after it (`Dr. Priya Raman, PhD` → `Priya Raman`): Pipedrive
 * persons have no field for them, and given them in the name it would greet "Dr." as the first name. `removed` says what
 * was left out, for the warning; a name that is only a title is left as it is.
 */
export function withoutNameTitles(
  name: string,
  where: 'whole' | 'first' | 'last' = 'whole',
): { name: string; removed: string[] } {
  let rest = name;
  const removed: string[] = [];
  if (where !== 'last') {
    const before = TITLE_BEFORE.exec(rest);
    if (before) {
      removed.push(before[0].trim());
      rest = rest.slice(before[0].length);
    }
  }
  if (where !== 'first') {
    const after = degreesAfter(rest);
    // In a whole name, what follows a comma is left as written (`Jane Doe, PhD` as `Jane Doe, Acme`: the "Last, First"
    // reading decides about those); a last-name column's `Raman, PhD` is a degree.
    if (after.degrees.length > 0 && !(where === 'whole' && after.comma)) {
      removed.push(after.degrees.join(' '));
      rest = after.rest;
    }
  }
  return { name: rest, removed };
}

/** The names a company's shared mailbox goes by (`info@`, `sales@`, `kontakt@`): nobody's own address. */
const ROLE_MAILBOX =
  /^(?:info|contact|contacts|hello|sales|office|admin|support|enquiries|enquiry|inquiries|inquiry|team|mail|kontakt|post|service|marketing|press|hr|jobs|careers|billing|accounts|reception|general)$/i;

/** An address of a company's shared mailbox (`info@angstrom.example.com`), not of a person. */
export function isRoleAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  return at > 0 && ROLE_MAILBOX.test(address.slice(0, at));
}
