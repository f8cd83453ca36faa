/**
 * A generated lead file like a trade-show or CRM export: every row a lead for a person at a
 * company, people and companies repeating (each person appears in ~rows/persons rows, always at
 * the same company). Deterministic for a seed, streamed to disk so a million rows cost no memory.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { seededRandom } from '../../src/dev/seeded-random.js';

export interface LeadsCsvOptions {
  path: string;
  rows: number;
  /** Distinct persons (each appears at least once when rows ≥ persons). @defaultValue 40% of rows */
  persons?: number;
  /** Distinct organizations (person p works at organization p mod orgs). @defaultValue 10% of rows */
  organizations?: number;
  /** @defaultValue 42 */
  seed?: number;
  /**
   * Numbers the file's persons and organizations from `contactsFrom` × their counts, so files written with 0, 1, 2, …
   * hold no person or organization in common (a second import of fresh contacts, not one the first created).
   * @defaultValue 0
   */
  contactsFrom?: number;
}

export interface LeadsCsv {
  path: string;
  rows: number;
  /** Distinct persons (by email) and organizations (by name) in the file. */
  persons: number;
  organizations: number;
  header: string[];
}

export const LEADS_CSV_HEADER = ['Title', 'Name', 'Email', 'Phone', 'Company', 'Value', 'Currency'];

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
  'Marek',
  'Nora',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
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
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Laine',
  'Müller',
  'Novak',
  "O'Brien",
  'Petrov',
  'Rossi',
  'Silva',
  'Tamm',
  'Virtanen',
];
const ADJECTIVES = [
  'Blue',
  'Northern',
  'Bright',
  'Silver',
  'Rapid',
  'Green',
  'Quiet',
  'Bold',
  'Prime',
  'Urban',
  'Solid',
  'Clever',
  'Lucky',
  'Golden',
  'Open',
  'True',
];
const NOUNS = [
  'Harbor',
  'Peak',
  'Forge',
  'Orchard',
  'Signal',
  'Bridge',
  'Canvas',
  'Pixel',
  'Anchor',
  'Summit',
  'Meadow',
  'Circuit',
  'Lantern',
  'Atlas',
  'Beacon',
  'Falcon',
];
const SUFFIXES = ['Ltd', 'GmbH', 'Inc.', 'OÜ', 'S.A.', 'AB', 'B.V.', 'LLC'];

/** A unique company name for index i (numbered once the word combinations run out). */
export function companyName(i: number): string {
  const a = ADJECTIVES[i % ADJECTIVES.length]!;
  const n = NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length]!;
  const s = SUFFIXES[Math.floor(i / (ADJECTIVES.length * NOUNS.length)) % SUFFIXES.length]!;
  const round = Math.floor(i / (ADJECTIVES.length * NOUNS.length * SUFFIXES.length));
  return round === 0 ? `${a} ${n} ${s}` : `${a} ${n} ${round + 1} ${s}`;
}

function quote(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** Writes the file; resolves with what is in it. */
export async function writeLeadsCsv(options: LeadsCsvOptions): Promise<LeadsCsv> {
  const { path, rows } = options;
  const persons = Math.max(1, Math.min(rows, options.persons ?? Math.round(rows * 0.4)));
  const organizations = Math.max(1, Math.min(persons, options.organizations ?? Math.round(rows * 0.1)));
  const random = seededRandom(options.seed ?? 42);
  const firstPerson = (options.contactsFrom ?? 0) * persons;
  const firstOrganization = (options.contactsFrom ?? 0) * organizations;

  // Row i is for person order[i]: every person once, then repeats, shuffled (Fisher–Yates).
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i < persons ? i : Math.floor(random() * persons);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }

  const out = createWriteStream(path, { encoding: 'utf8' });
  let chunk = `${LEADS_CSV_HEADER.join(',')}\n`;
  for (let i = 0; i < rows; i++) {
    const p = firstPerson + order[i]!;
    const o = firstOrganization + (order[i]! % organizations);
    const first = FIRST[p % FIRST.length]!;
    const last = LAST[Math.floor(p / FIRST.length) % LAST.length]!;
    const company = companyName(o);
    const domain = `${company.split(' ').slice(0, 2).join('').toLowerCase()}${o}.example`;
    const local = `${first}.${last}.${p}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
    const email = `${local}@${domain}`;
    const phone = `+372 5${String(1_000_000 + p).slice(1)}`;
    const value = (100 + Math.floor(random() * 99_000) / 10).toFixed(2);
    const cells = [`${company} deal #${i + 1}`, `${first} ${last}`, email, phone, company, value, 'EUR'];
    chunk += `${cells.map(quote).join(',')}\n`;
    if (chunk.length > 64 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return { path, rows, persons, organizations, header: LEADS_CSV_HEADER };
}
