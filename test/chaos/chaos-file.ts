/**
 * The lead file of a chaos run: companies and people that repeat (so workers race to create the
 * same contacts), rows the producer must reject, and one organization an operator deletes in
 * Pipedrive mid-import (so Pipedrive rejects the rows still to come for it). Deterministic for a
 * seed; every row's expected fate is known, so the run can account for each one.
 */
import { writeFileSync } from 'node:fs';
import { seededRandom } from '../../src/dev/seeded-random.js';

export const CHAOS_HEADER = ['Title', 'Name', 'Email', 'Phone', 'Company', 'Value', 'Currency', 'Notes'];

/** What the file says about one data row (line = 1-based line in the file, the header is line 1). */
export interface ChaosRow {
  line: number;
  title: string;
  /** The person's email, when the row names one the producer accepts. */
  email?: string;
  /** The person's name (persons without an email are matched by name + organization). */
  name?: string;
  company?: string;
  /** Why the producer must reject the row; undefined for a valid row. */
  rejectBecause?: string;
  /** The row belongs to the organization deleted mid-import. */
  doomed: boolean;
  /** The lead's note (plain text), when the row has one. */
  note?: string;
}

export interface ChaosFile {
  path: string;
  rows: ChaosRow[];
  /** Distinct persons and organizations among the valid rows. */
  persons: number;
  organizations: number;
  /** The organization the run deletes in the sandbox once it exists. */
  doomedOrganization: string;
}

export interface ChaosFileOptions {
  path: string;
  rows: number;
  seed: number;
}

/** A seed always yields the same file (re-exported for the chaos run's own draws). */
export { seededRandom };

const FIRST = [
  'Anna',
  'Ben',
  'Chloé',
  'David',
  'Eva',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Kai',
  'Lena',
];
const LAST = [
  'Adams',
  'Berg',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'García',
  'Horvat',
  "O'Brien",
  'Tamm',
];
const WORDS = ['Blue', 'Northern', 'Bright', 'Silver', 'Rapid', 'Green', 'Quiet', 'Bold', 'Prime', 'Urban'];
const NOUNS = [
  'Harbor',
  'Peak',
  'Forge',
  'Orchard',
  'Signal',
  'Bridge',
  'Canvas',
  'Anchor',
  'Summit',
  'Atlas',
];

const DOOMED = 'Doomed Holdings Ltd';
/** Persons at the doomed organization. */
const DOOMED_PERSONS = 6;

function companyName(i: number): string {
  const base = `${WORDS[i % WORDS.length]} ${NOUNS[Math.floor(i / WORDS.length) % NOUNS.length]}`;
  const round = Math.floor(i / (WORDS.length * NOUNS.length));
  return round === 0 ? `${base} Ltd` : `${base} ${round + 1} Ltd`;
}

function quote(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/**
 * Writes the file. Shares: ~40% as many persons as rows and ~10% as many companies (each person
 * always at the same company, as in a trade-show export); 8% of persons have no email (matched by
 * name and company); 4% of rows name only a company, 4% only a person; 2% are broken in a way
 * the producer rejects; ~1% belong to the doomed organization, spread from 2% of the file on.
 * A third of the rows carry a note (the `Notes` column), each with its own text.
 */
export function writeChaosCsv(options: ChaosFileOptions): ChaosFile {
  const { rows: count, seed } = options;
  const random = seededRandom(seed);
  const personCount = Math.max(4, Math.round(count * 0.4));
  const orgCount = Math.max(2, Math.round(count * 0.1));
  const doomedEvery = Math.max(20, Math.round(count / 60));
  const doomedStart = Math.max(3, Math.round(count * 0.02));

  const rows: ChaosRow[] = [];
  const lines: string[] = [CHAOS_HEADER.join(',')];
  for (let i = 0; i < count; i++) {
    const line = i + 2;
    const doomed = i >= doomedStart && (i - doomedStart) % doomedEvery === 0;
    const roll = random();
    const p = doomed ? Math.floor(random() * DOOMED_PERSONS) : Math.floor(random() * personCount);
    const name = doomed
      ? `${FIRST[p % FIRST.length]} Doomed ${p}`
      : `${FIRST[p % FIRST.length]} ${LAST[Math.floor(p / FIRST.length) % LAST.length]} ${p}`;
    const company = doomed ? DOOMED : companyName(p % orgCount);
    const hasEmail = doomed || p % 12 !== 5;
    const email = hasEmail
      ? `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@${doomed ? 'doomed' : `org${p % orgCount}`}.example`
      : '';
    const value = (100 + Math.floor(random() * 99_000) / 10).toFixed(2);
    const title = `Chaos deal ${line}`;
    // Drawn for every row (broken ones too), so a seed always gives the same file.
    const note = random() < 1 / 3 ? `Met at booth ${line}, wants a call back` : '';

    let cells: string[];
    let row: ChaosRow;
    if (!doomed && roll < 0.02) {
      // Broken rows, one kind after another.
      const kind = i % 3;
      if (kind === 0) {
        cells = [title, name, 'not-an-email', '', company, value, 'EUR', note];
        row = { line, title, rejectBecause: 'email is not an email address', doomed };
      } else if (kind === 1) {
        cells = [title, '', '', '', '', value, 'EUR', note];
        row = { line, title, rejectBecause: 'no person and no organization', doomed };
      } else {
        cells = [title, name, email, '', company, 'lots', 'EUR', note];
        row = { line, title, rejectBecause: 'value is not an amount', doomed };
      }
    } else if (!doomed && roll < 0.06) {
      cells = [title, '', '', '', company, value, 'EUR', note];
      row = { line, title, company, doomed, ...(note ? { note } : {}) };
    } else if (!doomed && roll < 0.1 && hasEmail) {
      cells = [title, name, email, '', '', value, 'EUR', note];
      row = { line, title, name, email, doomed, ...(note ? { note } : {}) };
    } else {
      const phone = random() < 0.5 ? `+372 5${String(100_000 + p).padStart(6, '0')}` : '';
      // Now and then spelled differently: the same contact to the matcher, and to Pipedrive.
      const shout = random() < 0.05;
      cells = [
        title,
        name,
        shout ? email.toUpperCase() : email,
        phone,
        shout ? ` ${company.toUpperCase()}  ` : company,
        value,
        'EUR',
        note,
      ];
      row = { line, title, name, company, doomed, ...(email ? { email } : {}), ...(note ? { note } : {}) };
    }
    rows.push(row);
    lines.push(cells.map(quote).join(','));
  }
  writeFileSync(options.path, `${lines.join('\n')}\n`);

  const valid = rows.filter((r) => !r.rejectBecause);
  const persons = new Set(
    valid.filter((r) => r.name || r.email).map((r) => r.email ?? `${r.name}|${r.company ?? ''}`),
  );
  const organizations = new Set(valid.filter((r) => r.company).map((r) => r.company));
  return {
    path: options.path,
    rows,
    persons: persons.size,
    organizations: organizations.size,
    doomedOrganization: DOOMED,
  };
}
