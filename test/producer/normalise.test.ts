import { describe, expect, it } from 'vitest';
import {
  emailsInCell,
  firstAmbiguousAmount,
  inferDecimalMark,
  isPlaceholderEmail,
  linkedPageTitles,
  normaliseCurrency,
  normaliseEmail,
  parseAmount,
  parseBoolean,
  parseDate,
  parseDateOrder,
  parseVisibility,
  phoneExtension,
  phonesInCell,
  splitList,
  withExtension,
} from '../../src/producer/normalise.js';

describe('normaliseEmail', () => {
  it.each([
    ['  Jane.Doe@Example.COM ', 'jane.doe@example.com'],
    ['Jane Doe <jane@example.com>', 'jane@example.com'],
    ['mailto:bob@example.co.uk', 'bob@example.co.uk'],
    ['o+tag@sub.example.io', 'o+tag@sub.example.io'],
    ['José@Müller.example', 'josé@müller.example'],
  ])('accepts %j as %j', (cell, email) => {
    expect(normaliseEmail(cell)).toEqual({ value: email });
  });

  it.each([
    ['bob@', 'is not an email address'],
    ['bob', 'is not an email address'],
    ['bob@example', 'is not an email address'],
    ['bob@@example.com', 'is not an email address'],
    ['bob..x@example.com', 'is not an email address'],
    ['a@example.com; b@example.com', 'more than one email'],
  ])('refuses %j', (cell, reason) => {
    expect(normaliseEmail(cell).error).toContain(reason);
  });
});

describe('parseAmount', () => {
  it.each([
    ['1234.5', 1234.5, undefined],
    ['1,234.50', 1234.5, undefined],
    ['1.234,50', 1234.5, undefined],
    ['$1,234', 1234, 'USD'],
    ['EUR 1 234,50', 1234.5, 'EUR'],
    ['1 234,50 €', 1234.5, 'EUR'],
    ['€1.234', 1234, 'EUR'],
    ["CHF 1'234.50", 1234.5, 'CHF'],
    ['1234 usd', 1234, 'USD'],
    ['1234USD', 1234, 'USD'],
    ['£99.99', 99.99, 'GBP'],
    ['1,5', 1.5, undefined],
    ['0.75', 0.75, undefined],
    ['1,234,567.89', 1234567.89, undefined],
    ['1.234.567,89', 1234567.89, undefined],
    ['1\u00a0234,50', 1234.5, undefined],
    ['5000', 5000, undefined],
    // Thousands and millions as sales sheets shorten them.
    ['5k', 5000, undefined],
    ['$5K', 5000, 'USD'],
    ['€1.2k', 1200, 'EUR'],
    ['50 k€', 50000, 'EUR'],
    ['1,2 M€', 1200000, 'EUR'],
    ['£2.5m', 2500000, 'GBP'],
    ['$1.5MM', 1500000, 'USD'],
    ['2,5 Mio. €', 2500000, 'EUR'],
    ['30 Tsd. €', 30000, 'EUR'],
    ['USD 1.25bn', 1250000000, 'USD'],
    // India's grouping: lakhs and crores.
    ['₹1,00,000', 100000, 'INR'],
    ['INR 12,34,56,789.50', 123456789.5, 'INR'],
    // A symbol and a code that agree, as reports write them; `$` beside any dollar's code.
    ['$5,000.00 USD', 5000, 'USD'],
    ['$5,000 CAD', 5000, 'CAD'],
    ['¥500,000 JPY', 500000, 'JPY'],
    ['JP¥500,000', 500000, 'JPY'],
    ['500,000円', 500000, 'JPY'],
    ['500,000 JP¥', 500000, 'JPY'],
    ['￥3,000 CNY', 3000, 'CNY'],
    ['NOK 5 000 kr', 5000, 'NOK'],
    ['5 000 kr', 5000, 'SEK'],
    ['RMB 5000', 5000, 'CNY'],
    ['HK$ 12,000', 12000, 'HKD'],
    // Swiss whole francs.
    ["CHF 5'000.–", 5000, 'CHF'],
    ["Fr. 5'000.-", 5000, 'CHF'],
    // An estimate's mark: a lead's value is one anyway.
    ['~5000', 5000, undefined],
    ['ca. 5.000 €', 5000, 'EUR'],
    ['approx. 5000', 5000, undefined],
    ['≈ 5k', 5000, undefined],
  ])('reads %j as %d %s', (cell, amount, currency) => {
    expect(parseAmount(cell)).toEqual({ value: currency ? { amount, currency } : { amount } });
  });

  it.each([
    ['abc'],
    ['12a'],
    ['12abc'],
    ['1,23,4'],
    ['-5'],
    ['1.2.3,4,5'],
    ['12,'],
    ['k'],
    ['5kk'],
    ['5 k k'],
    ['5 M k'],
    ['1e308k'],
    ['1,00,00'],
    ['~-5'],
    ['5-'],
  ])('refuses %j', (cell) => {
    expect(parseAmount(cell).error).toBeDefined();
  });

  it('says which currencies a cell names when it names two, or one sign serves two', () => {
    expect(parseAmount('€5.000 USD').error).toBe('names two currencies (€ and USD); keep one');
    expect(parseAmount('¥500,000 USD').error).toBe('names two currencies (¥ and USD); keep one');
    expect(parseAmount('USD 500 €').error).toBe('names two currencies (€ and USD); keep one');
    expect(parseAmount('¥500,000').error).toBe(
      'has "¥", the sign of both the Japanese yen and the Chinese yuan; write JPY or CNY with the amount',
    );
  });
});

describe('normaliseCurrency', () => {
  it("reads currency names as CRMs write them (Dynamics 365: Euro, Pound Sterling), and the account's own names", () => {
    expect(normaliseCurrency('Euro').value).toBe('EUR');
    expect(normaliseCurrency('Pound Sterling').value).toBe('GBP');
    expect(normaliseCurrency('US Dollar').value).toBe('USD');
    expect(normaliseCurrency('Hong Kong Dollar', new Map([['hongkongdollar', 'HKD']])).value).toBe('HKD');
    expect(normaliseCurrency('Moon Dollar').error).toMatch(/not a currency code/);
    // Bitrix24 writes the currency's name in the portal's language; Polish and Czech sheets their own.
    expect(normaliseCurrency('Российский рубль').value).toBe('RUB');
    expect(normaliseCurrency('Евро').value).toBe('EUR');
    expect(normaliseCurrency('Доллар США').value).toBe('USD');
    expect(normaliseCurrency('Złoty').value).toBe('PLN');
    expect(normaliseCurrency('Česká koruna').value).toBe('CZK');
  });

  it('upper-cases codes and knows common symbols', () => {
    expect(normaliseCurrency(' eur ')).toEqual({ value: 'EUR' });
    expect(normaliseCurrency('€')).toEqual({ value: 'EUR' });
    expect(normaliseCurrency('eurodollars').error).toContain('three-letter code');
  });

  it("refuses a cell named like a plain object's own member instead of taking it for a symbol", () => {
    for (const cell of ['constructor', '__proto__', 'toString'])
      expect(normaliseCurrency(cell).error, cell).toContain('three-letter code');
  });
});

describe('parseDate', () => {
  it.each([
    ['2025-03-31', undefined, '2025-03-31'],
    ['2025-03-31T10:00:00Z', undefined, '2025-03-31'],
    ['2025/3/5', undefined, '2025-03-05'],
    ['31/03/2025', undefined, '2025-03-31'],
    ['03/31/2025', undefined, '2025-03-31'],
    ['31.03.2025', undefined, '2025-03-31'],
    ['05/05/2025', undefined, '2025-05-05'],
    ['03/04/2025', 'DMY', '2025-04-03'],
    ['03/04/2025', 'MDY', '2025-03-04'],
    ['3/4/25', 'MDY', '2025-03-04'],
    ['45747', undefined, '2025-03-31'],
    ['45747.5', undefined, '2025-03-31'],
    // Month names, as spreadsheets and tools show dates: Excel's d-mmm-yy and long date, Google Sheets,
    // Notion and Airtable's "friendly" dates, with a time after some of them.
    ['31-Mar-25', undefined, '2025-03-31'],
    ['31-Mar-2025', undefined, '2025-03-31'],
    ['31 March 2025', undefined, '2025-03-31'],
    ['Monday, 31 March 2025', undefined, '2025-03-31'],
    ['Mar 31, 2025', undefined, '2025-03-31'],
    ['March 31, 2025', undefined, '2025-03-31'],
    ['Monday, March 31, 2025', undefined, '2025-03-31'],
    ['March 3, 2025 6:13 PM', undefined, '2025-03-03'],
    ['Sept. 3rd, 2025', undefined, '2025-09-03'],
    ['3 sep 2025 14:05', undefined, '2025-09-03'],
    // …and in the languages of the header tables.
    ['31. März 2025', undefined, '2025-03-31'],
    ['Montag, 31. März 2025', undefined, '2025-03-31'],
    ['31-Mrz-25', undefined, '2025-03-31'],
    ['1er mars 2025', undefined, '2025-03-01'],
    ['lundi 31 mars 2025', undefined, '2025-03-31'],
    ['31 de marzo de 2025', undefined, '2025-03-31'],
    ['31 maart 2025', undefined, '2025-03-31'],
    ['31-mrt-25', undefined, '2025-03-31'],
    ['31 marzo 2025', undefined, '2025-03-31'],
    ['31 de março de 2025', undefined, '2025-03-31'],
    ['3 déc. 2025', undefined, '2025-12-03'],
    // ISO 8601's basic format, as SAP and database exports write dates.
    ['20250331', undefined, '2025-03-31'],
    ['19991231', undefined, '1999-12-31'],
  ] as const)('reads %j (%s) as %s', (cell, order, date) => {
    expect(parseDate(cell, order)).toEqual({ value: date });
  });

  it('asks for --date-format when day and month could be swapped', () => {
    expect(parseDate('03/04/2025').error).toContain('--date-format');
  });

  it.each([
    ['2025-02-30'],
    ['31/31/2025'],
    ['next week'],
    ['12345'],
    ['2025-13-01'],
    ['Feb 30, 2025'],
    ['Mayday 3, 2025'],
    // Eight digits that are no year-first date, or no date at all.
    ['20251301'],
    ['20250230'],
    ['31032025'],
    ['12345678'],
  ])('refuses %j', (cell) => {
    expect(parseDate(cell).error).toBeDefined();
  });

  it('understands the usual spellings of --date-format', () => {
    expect(parseDateOrder('DD/MM/YYYY')).toBe('DMY');
    expect(parseDateOrder('mm/dd/yyyy')).toBe('MDY');
    expect(parseDateOrder('YYYY')).toBeUndefined();
  });
});

describe('parseBoolean', () => {
  it.each([
    ['Yes', true],
    ['TRUE', true],
    ['1', true],
    ['x', true],
    ['no', false],
    ['0', false],
    ['', false],
  ])('reads %j as %s', (cell, value) => {
    expect(parseBoolean(cell)).toEqual({ value });
  });

  it('refuses anything else', () => {
    expect(parseBoolean('maybe').error).toContain('yes/no');
  });
});

describe('parseVisibility', () => {
  it('maps words to the codes of the plan', () => {
    expect(parseVisibility('Company', false)).toEqual({ value: '3' });
    expect(parseVisibility('Entire company', true)).toEqual({ value: '7' });
    expect(parseVisibility('Owner & followers', false)).toEqual({ value: '1' });
    expect(parseVisibility('group and sub-groups', true)).toEqual({ value: '5' });
    expect(parseVisibility('7', true)).toEqual({ value: '7' });
  });

  it('refuses codes the plan does not have', () => {
    expect(parseVisibility('7', false).error).toContain('Premium');
    expect(parseVisibility('group', false).error).toContain('owner or company');
  });

  it("refuses a cell named like a plain object's own member instead of taking it for a word", () => {
    expect(parseVisibility('constructor', false).error).toContain('is not a visibility');
    expect(parseVisibility('Constructor', true).error).toContain('is not a visibility');
  });
});

describe('splitList', () => {
  it('splits on commas, semicolons and pipes and drops blanks and repeats', () => {
    expect(splitList(' Hot; VIP ,,Hot| Trade show ')).toEqual(['Hot', 'VIP', 'Trade show']);
  });
});

describe('emailsInCell', () => {
  it("splits a cell of several addresses, as CRMs export a person's emails", () => {
    expect(emailsInCell('a@example.com, b@example.org')).toEqual(['a@example.com', 'b@example.org']);
    expect(emailsInCell('a@example.com;b@example.org')).toEqual(['a@example.com', 'b@example.org']);
    expect(emailsInCell('a@example.com b@example.org')).toEqual(['a@example.com', 'b@example.org']);
  });

  it('keeps one address whole, with a display name that has a comma too', () => {
    expect(emailsInCell('a@example.com')).toEqual(['a@example.com']);
    expect(emailsInCell('Doe, Jane <jane@example.com>')).toEqual(['Doe, Jane <jane@example.com>']);
  });

  it('drops the separator a list left after its last address (`a@example.com;`)', () => {
    expect(emailsInCell('a@example.com;')).toEqual(['a@example.com']);
    expect(emailsInCell('a@example.com, ')).toEqual(['a@example.com']);
    expect(emailsInCell('; a@example.com')).toEqual(['a@example.com']);
  });

  it('splits two addresses joined by a slash, a bar or an ampersand; a slash within an address stays', () => {
    expect(emailsInCell('ed@example.com / ed.fox@gmail.com')).toEqual(['ed@example.com', 'ed.fox@gmail.com']);
    expect(emailsInCell('ed@example.com/ed.fox@gmail.com')).toEqual(['ed@example.com', 'ed.fox@gmail.com']);
    expect(emailsInCell('a@x.example | b@y.example')).toEqual(['a@x.example', 'b@y.example']);
    expect(emailsInCell('a@x.example & b@y.example')).toEqual(['a@x.example', 'b@y.example']);
    expect(emailsInCell('dept/sales@example.com')).toEqual(['dept/sales@example.com']);
  });

  it('tells an address written where there is none from a real one, shared mailboxes included', () => {
    for (const filler of [
      'noemail@acme.com',
      'no-email@acme.com',
      'none@none.com',
      'no@email.com',
      'test@test.com',
      'x@x.com',
      'unknown@unknown.com',
      'n/a@acme.com',
    ])
      expect(isPlaceholderEmail(filler), filler).toBe(true);
    for (const real of [
      'info@acme.com',
      'test@acme.com',
      'john@email.com',
      'no@acme.com',
      'sales@example.com',
      'noreply@acme.com',
      'ana@none.com',
      // Initials and a name.
      'na@acme.com',
      'nil@acme.com',
    ])
      expect(isPlaceholderEmail(real), real).toBe(false);
  });

  it('reads an address out of the full stop or brackets it was copied with', () => {
    expect(normaliseEmail('DI@EXAMPLE.COM.')).toEqual({ value: 'di@example.com' });
    expect(normaliseEmail('(ana@example.com)')).toEqual({ value: 'ana@example.com' });
    expect(normaliseEmail('[ana@example.com].')).toEqual({ value: 'ana@example.com' });
    expect(normaliseEmail('a.@example.com').error).toMatch(/is not an email address/);
    expect(normaliseEmail('(@example.com)').error).toMatch(/is not an email address/);
  });
});

describe('phonesInCell', () => {
  it('splits numbers set apart by a spaced slash or bar, and keeps a German area code set apart by one', () => {
    expect(phonesInCell('+33 6 12 34 56 78 / +33 1 23 45 67 89')).toEqual([
      '+33 6 12 34 56 78',
      '+33 1 23 45 67 89',
    ]);
    expect(phonesInCell('0171 1234567 | 030 1234567')).toEqual(['0171 1234567', '030 1234567']);
    expect(phonesInCell('030 / 1234567')).toEqual(['030 / 1234567']);
    expect(phonesInCell('06151/123456')).toEqual(['06151/123456']);
  });

  it('splits a cell of several numbers when each part has the digits of one', () => {
    expect(phonesInCell('+46 8 555 010 10, +46 70 555 01 01')).toEqual([
      '+46 8 555 010 10',
      '+46 70 555 01 01',
    ]);
    expect(phonesInCell('+1 555 0100; +1 555 0101')).toEqual(['+1 555 0100', '+1 555 0101']);
  });

  it('splits numbers on lines of their own (a cell of two lines, a FileMaker repeating field)', () => {
    expect(phonesInCell('+1 555 0100\n+1 555 0101')).toEqual(['+1 555 0100', '+1 555 0101']);
    expect(phonesInCell('+1 555 0100 \n\n +44 20 7946 0000, +44 7700 900123')).toEqual([
      '+1 555 0100',
      '+44 20 7946 0000',
      '+44 7700 900123',
    ]);
  });

  it('keeps a number with an extension whole', () => {
    expect(phonesInCell('+1 555 0100, ext. 12')).toEqual(['+1 555 0100, ext. 12']);
  });
});

describe('the decimal separator of a file', () => {
  it('is told by amounts that read one way only, and decides what a lone separator before three digits is', () => {
    expect(inferDecimalMark(['1.500', '1,234.56', '45000'])).toEqual({ mark: '.', example: '1,234.56' });
    expect(inferDecimalMark(['$99.5'])).toEqual({ mark: '.', example: '$99.5' });
    expect(inferDecimalMark(['1.500', '1.234,56 €'])).toEqual({ mark: ',', example: '1.234,56 €' });
    expect(inferDecimalMark(['12,5'])).toEqual({ mark: ',', example: '12,5' });
    // Nothing tells, or the amounts disagree: no decision (a lone separator before three digits stays thousands).
    expect(inferDecimalMark(['1.500', '25.000', '45000', ''])).toBeUndefined();
    expect(inferDecimalMark(['1,234.56', '1.234,56'])).toBeUndefined();
    expect(parseAmount('1.500')).toEqual({ value: { amount: 1500 } });
    expect(parseAmount('1.500', '.')).toEqual({ value: { amount: 1.5 } });
    expect(parseAmount('1,500', '.')).toEqual({ value: { amount: 1500 } });
    expect(parseAmount('1,500', ',')).toEqual({ value: { amount: 1.5 } });
    expect(parseAmount('1.500', ',')).toEqual({ value: { amount: 1500 } });
    expect(parseAmount('1.234,56', '.')).toEqual({ value: { amount: 1234.56 } });
  });

  it('finds the first amount that reads both ways, for a file where nothing tells', () => {
    expect(firstAmbiguousAmount(['45000', '1.500.000', '1234.567', '', ' €1,500 ', '2.500'])).toEqual({
      example: '€1,500',
      separator: ',',
      asThousands: 1500,
      asDecimal: 1.5,
    });
    expect(firstAmbiguousAmount(['12.5', '1.500.000', 'n/a 1.500 x'])).toBeUndefined();
  });
});

describe('linkedPageTitles', () => {
  it.each([
    ['Ångström AB (https://www.notion.so/2d5a4e63bf2381519b98c81833668844)', ['Ångström AB']],
    [
      'Acme (Europe) Ltd (https://www.notion.so/Acme-Europe-Ltd-2d5a4e63bf2381519b98c81833668844)',
      ['Acme (Europe) Ltd'],
    ],
    [
      'A & B (https://www.notion.so/2d5a4e63bf2381519b98c81833668844), C, Inc. (https://notion.so/2d5a4e63bf238168af99d85e20bfb76f)',
      ['A & B', 'C, Inc.'],
    ],
  ])('reads %j as the titles of the pages it links', (cell, titles) => {
    expect(linkedPageTitles(cell)).toEqual(titles);
  });

  it.each([
    'Ångström AB',
    'Acme (Europe) Ltd',
    'Acme (https://acme.example.com)',
    'Ångström AB (https://www.notion.so/2d5a4e63bf2381519b98c81833668844) and more',
    '',
  ])('leaves %j as it is: no linked page', (cell) => {
    expect(linkedPageTitles(cell)).toBeUndefined();
  });
});

describe('phoneExtension', () => {
  it.each([
    ['89', '89'],
    [' 0123 ', '0123'],
    ['x89', '89'],
    ['Ext. 89', '89'],
    ['ext 89', '89'],
    ['#89', '89'],
    ['1234567890', '1234567890'],
  ])('reads %j as the extension %j', (cell, ext) => {
    expect(phoneExtension(cell)).toEqual({ value: ext });
  });

  it.each([
    ['abc', 'is not a phone extension'],
    ['=HYPERLINK("tel:89","89")', 'is not a phone extension'],
    ['12-34', 'is not a phone extension'],
    ['123456789012345678901234567890', 'has 30 digits'],
    ['12345678901', 'has 11 digits'],
  ])('refuses %j, saying why', (cell, words) => {
    expect(phoneExtension(cell).error).toContain(words);
  });
});

describe('withExtension', () => {
  it('appends the extension to the number in the form people write it', () => {
    expect(withExtension('+1 555 123 4567', '89')).toBe('+1 555 123 4567 ext. 89');
  });

  it.each([
    '+1 555 123 4567 x89',
    '+1 555 123 4567 x 89',
    '555-1234x89',
    '+1 555 123 4567 ext 89',
    '+1 555 123 4567 Ext. 89',
    '+1 555 0100, ext. 12',
    'tel:+1-555-123-4567;ext=89',
    '+1 555 123 4567 #89',
    '+49 30 1234567 extension 89',
  ])('leaves %j as it is: it has an extension already', (number) => {
    expect(withExtension(number, '89')).toBe(number);
  });
});
