import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CANDIDATE_DELIMITERS, detectDelimiter } from '../../src/producer/delimiter.js';
import { normaliseEmail, parseAmount, parseDate } from '../../src/producer/normalise.js';

/** `PROPERTY_RUNS=5000 npx vitest run test/property` searches harder. */
const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) };
const MORE_RUNS = { numRuns: RUNS.numRuns * 3 };

describe('normaliseEmail', () => {
  const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
  const word = (max: number) => fc.array(alnum, { minLength: 1, maxLength: max }).map((c) => c.join(''));
  const localPart = fc
    .array(fc.tuple(word(8), fc.constantFrom('', '.', '_', '-', '+', '%')), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.map(([w, sep]) => w + sep).join(''))
    .map((s) => s.replace(/\.$/, ''));
  const label = fc
    .tuple(word(10), fc.option(word(5), { nil: undefined }))
    .map(([a, b]) => (b ? `${a}-${b}` : a));
  const domain = fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-zA-Z]{2,6}$/))
    .map(([labels, tld]) => [...labels, tld].join('.'));
  const email = fc.tuple(localPart, domain).map(([l, d]) => `${l}@${d}`);

  it('accepts valid addresses and gives them back lower-cased', () => {
    fc.assert(
      fc.property(email, (e) => {
        expect(normaliseEmail(e)).toEqual({ value: e.toLowerCase() });
      }),
      RUNS,
    );
  });

  it('reads the same address out of padding, a display name or a mailto: link', () => {
    fc.assert(
      fc.property(email, fc.constantFrom(' ', '\t', '  '), word(12), (e, pad, name) => {
        const want = { value: e.toLowerCase() };
        expect(normaliseEmail(`${pad}${e}${pad}`)).toEqual(want);
        expect(normaliseEmail(`${name} <${e}>`)).toEqual(want);
        expect(normaliseEmail(`mailto:${e}`)).toEqual(want);
      }),
      RUNS,
    );
  });

  it('is idempotent and lower-case on anything it accepts, whatever the input', () => {
    const anything = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      email.map((e) => e.replace(/[a-z]/, 'İ')),
      fc.tuple(fc.string({ unit: 'grapheme', maxLength: 10 }), email).map(([a, e]) => `${a}${e}`),
    );
    fc.assert(
      fc.property(anything, (cell) => {
        const once = normaliseEmail(cell);
        if (once.error !== undefined) return;
        expect(once.value).toBe(once.value.toLowerCase());
        expect(normaliseEmail(once.value)).toEqual(once);
      }),
      MORE_RUNS,
    );
  });
});

describe('parseAmount', () => {
  /** Cents, up to a billion: money, with at most two decimals. */
  const cents = fc.integer({ min: 0, max: 100_000_000_000 });
  const group = (digits: string, sep: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  const STYLES: Record<string, (c: number) => { text: string; currency?: string }> = {
    plain: (c) => ({ text: String(c / 100) }), // 1234.5
    'en grouped': (c) => ({
      text: `${group(String(Math.floor(c / 100)), ',')}.${String(c % 100).padStart(2, '0')}`,
    }),
    'de grouped': (c) => ({
      text: `${group(String(Math.floor(c / 100)), '.')},${String(c % 100).padStart(2, '0')}`,
    }),
    'dollar whole': (c) => ({ text: `$${group(String(Math.floor(c / 100)), ',')}`, currency: 'USD' }),
    'EUR code, spaces': (c) => ({
      text: `EUR ${group(String(Math.floor(c / 100)), ' ')},${String(c % 100).padStart(2, '0')}`,
      currency: 'EUR',
    }),
    'euro sign after': (c) => ({
      text: `${group(String(Math.floor(c / 100)), '\u00a0')},${String(c % 100).padStart(2, '0')} €`,
      currency: 'EUR',
    }),
    'swiss apostrophes': (c) => ({
      text: `${group(String(Math.floor(c / 100)), "'")}.${String(c % 100).padStart(2, '0')}`,
    }),
  };
  const wholeOnly = new Set(['dollar whole']);

  it.each(Object.keys(STYLES))('reads back any amount written in the %s style', (style) => {
    const format = STYLES[style] as (c: number) => { text: string; currency?: string };
    fc.assert(
      fc.property(cents, (c) => {
        const { text, currency } = format(c);
        const amount = wholeOnly.has(style) ? Math.floor(c / 100) : c / 100;
        expect(parseAmount(text), text).toEqual({ value: currency ? { amount, currency } : { amount } });
      }),
      RUNS,
    );
  });

  it('never reads a negative amount, and never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (cell) => {
        const parsed = parseAmount(cell);
        if (parsed.error === undefined) {
          expect(Number.isFinite(parsed.value.amount)).toBe(true);
          expect(parsed.value.amount).toBeGreaterThanOrEqual(0);
        }
      }),
      MORE_RUNS,
    );
  });
});

describe('parseDate', () => {
  const date = fc
    .date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2199, 11, 31)), noInvalidDate: true })
    .map((d) => ({ y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() }));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const iso = ({ y, m, d }: { y: number; m: number; d: number }) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

  it('reads ISO dates, with or without a time, and YYYY/MM/DD', () => {
    fc.assert(
      fc.property(date, (x) => {
        const want = { value: iso(x) };
        expect(parseDate(iso(x))).toEqual(want);
        expect(parseDate(`${iso(x)}T13:45:00Z`)).toEqual(want);
        expect(parseDate(`${iso(x)} 08:00:00+02:00`)).toEqual(want);
        expect(parseDate(`${pad(x.y, 4)}/${pad(x.m)}/${pad(x.d)}`)).toEqual(want);
      }),
      RUNS,
    );
  });

  it('reads DD/MM/YYYY and MM/DD/YYYY with --date-format, and DD.MM.YYYY without', () => {
    fc.assert(
      fc.property(date, fc.boolean(), (x, padded) => {
        const p = (n: number) => (padded ? pad(n) : String(n));
        const want = { value: iso(x) };
        expect(parseDate(`${p(x.d)}/${p(x.m)}/${x.y}`, 'DMY')).toEqual(want);
        expect(parseDate(`${p(x.m)}/${p(x.d)}/${x.y}`, 'MDY')).toEqual(want);
        expect(parseDate(`${p(x.d)}-${p(x.m)}-${x.y}`, 'DMY')).toEqual(want);
        expect(parseDate(`${p(x.d)}.${p(x.m)}.${x.y}`)).toEqual(want);
      }),
      RUNS,
    );
  });

  it('resolves a slash date by itself only when it is not ambiguous, and asks for --date-format when it is', () => {
    fc.assert(
      fc.property(date, (x) => {
        const dayFirst = parseDate(`${pad(x.d)}/${pad(x.m)}/${x.y}`);
        const ambiguous = x.d <= 12 && x.d !== x.m;
        if (ambiguous) expect(dayFirst.error).toMatch(/--date-format/);
        else expect(dayFirst).toEqual({ value: iso(x) });
      }),
      RUNS,
    );
  });

  it('reads Excel serial numbers (days since 1899-12-30), with or without a time of day', () => {
    const epoch = Date.UTC(1899, 11, 30);
    fc.assert(
      fc.property(
        fc.integer({ min: 20_000, max: 79_999 }),
        fc.constantFrom('', '.5', '.25', '.999'),
        (serial, time) => {
          const want = new Date(epoch + serial * 86_400_000).toISOString().slice(0, 10);
          expect(parseDate(`${serial}${time}`)).toEqual({ value: want });
        },
      ),
      RUNS,
    );
  });
});

describe('detectDelimiter', () => {
  const plainName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _.-]{0,15}$/);
  /** A quoted name may hold any delimiter: quoted text does not count. */
  const quotedName = fc
    .string({ unit: 'grapheme', maxLength: 12 })
    .map((s) => `"${s.replace(/[\r\n]/g, ' ').replaceAll('"', '""')}"`);

  it('finds the delimiter of any header of two or more columns, whatever the quoted names hold', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CANDIDATE_DELIMITERS),
        fc.array(fc.oneof(plainName, quotedName), { minLength: 2, maxLength: 12 }),
        (delimiter, names) => {
          expect(detectDelimiter(names.join(delimiter))).toBe(delimiter);
        },
      ),
      RUNS,
    );
  });
});
