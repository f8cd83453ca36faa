/**
 * Writes examples/leads.csv: 300 leads as a trade-show scanner or CRM export would give them,
 * deterministic (run again, get the same bytes): `npx tsx examples/generate-leads.ts`.
 *
 * - 40 companies and 180 people; most people appear once, some several times (one person, several
 *   leads), so the worker reuses contacts instead of creating them again;
 * - amounts written in several ways (1234.50, "1,234.50", "EUR 1 234,50", $900), dates as
 *   DD/MM/YYYY (the mapping says so), labels, owners, marketing channels and custom fields;
 * - 8 rows the producer rejects, each for a reason it explains: a bad email, no person and no
 *   company, an impossible date, an unknown label, an owner who is not a user, an unknown
 *   segment, a malformed quote, a comma that is not in quotes (one field too many);
 * - 4 rows owned by a user whom the demo deactivates before the worker starts: Pipedrive
 *   refuses them, and they land in the dead-letter queue.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../src/dev/seeded-random.js';

const random = seededRandom(2026);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const FIRST = ['Anna', 'Ben', 'Chloé', 'David', 'Eva', 'Farid', 'Grace', 'Hugo', 'Inès', 'Jonas', 'Kai', 'Lena'];
const LAST = ['Adams', 'Berg', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Horvat', 'Müller', "O'Brien", 'Rossi', 'Tamm'];
const COMPANY_WORDS = ['Blue Harbor', 'Northern Peak', 'Bright Forge', 'Silver Orchard', 'Rapid Signal', 'Green Bridge', 'Quiet Canvas', 'Bold Pixel'];
const SUFFIXES = ['Ltd', 'GmbH', 'Inc.', 'OÜ', 'S.A.'];
const TAGS = ['Hot', 'Warm', 'Cold', 'Hot; Warm', ''];
const OWNERS = ['olivia@sandbox.example', 'marcus@sandbox.example', 'priya@sandbox.example', ''];
const SOURCES = ['Events', 'Referral', 'Paid search', 'Organic search', 'Social media', ''];
const SEGMENTS = ['SMB', 'Mid-market', 'Enterprise', ''];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'SEK'];
// What the lead is about; the mapping's title template uses it, so one person's several leads
// get different titles (no two rows of the file describe the same lead).
const INTERESTS = ['CRM rollout', 'Website redesign', 'Support plan', 'Data migration', 'Training', 'Integrations'];
// A sales rep who leaves the company while the import waits in the queue (the demo deactivates
// this user in the sandbox): Pipedrive refuses the rows she owns, and they land in the
// dead-letter queue with Pipedrive's message.
const DEPARTING_OWNER = 'dana@sandbox.example';
const DEPARTING_ROWS = new Set([30, 99, 180, 250]);

const companies = Array.from({ length: 40 }, (_, i) => {
  const base = `${COMPANY_WORDS[i % COMPANY_WORDS.length]} ${SUFFIXES[Math.floor(i / COMPANY_WORDS.length) % SUFFIXES.length]}`;
  return { name: base, domain: `${base.toLowerCase().replace(/[^a-z]+/g, '')}.example` };
});
const people = Array.from({ length: 180 }, (_, i) => {
  const first = FIRST[i % FIRST.length] as string;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
  const company = companies[i % companies.length] as (typeof companies)[number];
  const local = `${first}.${last}`
    .normalize('NFD')
    .replace(/[\u0300-\u036f']/g, '')
    .toLowerCase();
  return { first, last, company, email: `${local}${i >= 144 ? i : ''}@${company.domain}` };
});

function amount(currency: string): string {
  const value = Math.round(random() * 400) * 25 + 500;
  switch (Math.floor(random() * 4)) {
    case 0:
      return `${value}.50`;
    case 1:
      return value.toLocaleString('en-US', { minimumFractionDigits: 2 });
    case 2:
      return `${currency} ${value.toLocaleString('fr-FR').replace(/\u202f/g, ' ')},00`;
    default:
      return currency === 'USD' ? `$${value}` : String(value);
  }
}

function date(): string {
  const day = 1 + Math.floor(random() * 28);
  const month = 1 + Math.floor(random() * 12);
  return `${String(day).padStart(2, '0')}/${String(month).padStart(2, '0')}/2026`;
}

function quote(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

const header = [
  'First name',
  'Last name',
  'Email',
  'Phone',
  'Company',
  'Deal value',
  'Currency',
  'Expected close',
  'Tags',
  'Owner',
  'Source',
  'Campaign',
  'Segment',
  'Score',
  'Website',
  'Notes',
  'Interest',
];
const rows: string[][] = [];
const interestsOf = new Map<string, Set<string>>();
for (let i = 0; i < 292; i++) {
  // Every person once, then repeats (a second or third lead for someone already met).
  const person = i < people.length ? (people[i] as (typeof people)[number]) : pick(people);
  const currency = pick(CURRENCIES);
  const used = interestsOf.get(person.email) ?? new Set<string>();
  const interest = pick(INTERESTS.filter((x) => !used.has(x)));
  used.add(interest);
  interestsOf.set(person.email, used);
  rows.push([
    person.first,
    person.last,
    person.email,
    random() < 0.7 ? `+49 30 ${String(1_000_000 + Math.floor(random() * 8_999_999))}` : '',
    person.company.name,
    random() < 0.85 ? amount(currency) : '',
    currency,
    random() < 0.8 ? date() : '',
    pick(TAGS),
    DEPARTING_ROWS.has(i) ? DEPARTING_OWNER : pick(OWNERS),
    pick(SOURCES),
    random() < 0.5 ? 'Spring fair 2026' : '',
    pick(SEGMENTS),
    random() < 0.6 ? String(Math.round(random() * 1000) / 10) : '',
    random() < 0.5 ? `https://www.${person.company.domain}` : '',
    random() < 0.2 ? 'Met at booth 12, wants a demo, "ASAP"' : '',
    interest,
  ]);
}

// Rows the producer rejects, spread through the file (index → row).
const bad: [number, string[] | string][] = [
  [17, ['Tom', 'Typo', 'tom@@northernpeak.example', '', 'Northern Peak Ltd', '1200', 'EUR', '', '', '', '', '', '', '', '', '', '']],
  [45, ['', '', '', '+49 30 5550100', '', '800', 'EUR', '', 'Hot', '', '', '', '', '', '', 'A phone number and nothing else', '']],
  [88, ['Ida', 'Late', 'ida@quietcanvas.example', '', 'Quiet Canvas Ltd', '950', 'EUR', '31/02/2026', '', '', '', '', '', '', '', '', '']],
  [121, ['Ray', 'Tag', 'ray@boldpixel.example', '', 'Bold Pixel Ltd', '700', 'USD', '', 'Scorching', '', '', '', '', '', '', '', '']],
  [160, ['Sam', 'Owner', 'sam@bluehabor.example', '', 'Blue Harbor Ltd', '', '', '', '', 'nobody@example.com', '', '', '', '', '', '', '']],
  [203, ['Uma', 'Tier', 'uma@greenbridge.example', '', 'Green Bridge Ltd', '3000', 'GBP', '', '', '', '', '', 'Gigantic', '', '', '', '']],
  [240, 'Vic,Quote,vic@rapidsignal.example,,"Rapid Signal Ltd,1500,EUR,,,,,,,,,,'],
  // A company name with a comma, not in quotes: one field too many (a short row would be read, as Excel writes them).
  [
    266,
    ['Wes', 'Comma', 'wes@silverorchard.example', '', 'Silver Orchard, Inc.', '600', 'EUR', '', '', '', '', '', '', '', '', '', 'Orchard tour'].join(','),
  ],
];
const lines = [header.map(quote).join(','), ...rows.map((r) => r.map(quote).join(','))];
for (const [index, row] of bad.sort((a, b) => b[0] - a[0])) {
  lines.splice(index + 1, 0, typeof row === 'string' ? row : row.map(quote).join(','));
}
const path = join(dirname(fileURLToPath(import.meta.url)), 'leads.csv');
writeFileSync(path, `${lines.join('\r\n')}\r\n`);
console.log(`Wrote ${lines.length - 1} rows to ${path}`);
