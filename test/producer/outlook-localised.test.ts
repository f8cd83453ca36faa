/**
 * Outlook's contacts export in the user's Outlook language (test/fixtures/real-exports/README.md, 87 and 88): its
 * localised headers mean what the English ones do.
 */
import { describe, expect, it } from 'vitest';
import { type ColumnPlan, matchColumns } from '../../src/producer/column-matcher.js';
import { assertDistinctHeader, mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';
import { targetText } from '../../src/producer/targets.js';

/** Each column's field by its position, `-` for one left out. */
function byColumn(plan: ColumnPlan, header: readonly string[]): string[] {
  return header.map((_, i) => {
    const m = plan.matches.find((c) => c.index === i);
    return m ? targetText(m.target) : '-';
  });
}

const GERMAN = [
  'Anrede',
  'Vorname',
  'Weitere Vornamen',
  'Nachname',
  'Firma',
  'Position',
  'Straße geschäftlich',
  'Ort geschäftlich',
  'Postleitzahl geschäftlich',
  'Land/Region geschäftlich',
  'Straße privat',
  'Ort privat',
  'Telefon geschäftlich',
  'Telefon privat',
  'Mobiltelefon',
  'Haupttelefon',
  'Mobiltelefon 2',
  'E-Mail-Adresse',
  'E-Mail-Typ',
  'E-Mail: Angezeigter Name',
  'E-Mail 2: Adresse',
  'Geburtstag',
  'Kategorien',
  'Notizen',
  'Ort',
  'Webseite',
];

describe("Outlook's contacts export in German", () => {
  const plan = matchColumns({ header: GERMAN, spec: {} });

  it('is read as Outlook, each column as its English one is', () => {
    expect(plan.system?.id).toBe('outlook');
    expect(Object.fromEntries(GERMAN.map((h, i) => [h, byColumn(plan, GERMAN)[i]]))).toEqual({
      Anrede: '-',
      Vorname: 'person.first_name',
      'Weitere Vornamen': 'person.middle_name',
      Nachname: 'person.last_name',
      Firma: 'organization.name',
      Position: 'person.job_title',
      'Straße geschäftlich': 'organization.address.street',
      'Ort geschäftlich': 'organization.address.city',
      'Postleitzahl geschäftlich': 'organization.address.postal_code',
      'Land/Region geschäftlich': 'organization.address.country',
      'Straße privat': 'person.postal_address.street',
      'Ort privat': 'person.postal_address.city',
      'Telefon geschäftlich': 'person.phone:work',
      'Telefon privat': 'person.phone:home',
      Mobiltelefon: 'person.phone:mobile',
      Haupttelefon: 'person.phone:other',
      'Mobiltelefon 2': 'person.phone:mobile',
      'E-Mail-Adresse': 'person.email:work',
      'E-Mail-Typ': '-',
      'E-Mail: Angezeigter Name': '-',
      'E-Mail 2: Adresse': 'person.email:other',
      Geburtstag: 'person.birthday',
      Kategorien: '-',
      Notizen: 'lead.note',
      Ort: '-',
      Webseite: 'organization.website',
    });
  });

  it("leaves out Outlook's free-text Ort, saying it is the contact's location and not a city", () => {
    expect(plan.skipped.find((s) => s.header === 'Ort')?.reason).toMatch(/location.*not a city/);
    expect(plan.skipped.find((s) => s.header === 'Kategorien')?.reason).toMatch(/categories/);
  });

  it('puts the number in Haupttelefon (the primary phone) first, as English Primary Phone', () => {
    const validate = createRowValidator(mapColumns({}, GERMAN, undefined), 'outlook-de');
    const cells = GERMAN.map(() => '');
    const set = (h: string, v: string) => {
      cells[GERMAN.indexOf(h)] = v;
    };
    set('Vorname', 'Jürgen');
    set('Nachname', 'Weiß');
    set('E-Mail-Adresse', 'juergen.weiss@mueller-soehne.example.com');
    set('Telefon geschäftlich', '+49 711 5550 123');
    set('Haupttelefon', '+49 711 5550 100');
    const r = validate(2, cells);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.person?.phones?.map((p) => p.value)).toEqual(['+49 711 5550 100', '+49 711 5550 123']);
  });
});

describe("Outlook's contacts export in French", () => {
  const header = [
    'Titre',
    'Prénom',
    'Nom',
    'Société',
    'Service',
    'Titre',
    'Rue (bureau)',
    'Ville (bureau)',
    'Pays/Région (bureau)',
    'Rue (domicile)',
    'Téléphone (bureau)',
    'Tél. mobile',
    'Adresse de messagerie',
    "Nom complet de l'adresse de messagerie",
    'Adresse de messagerie 2',
    'Anniversaire',
    'Anniversaire de mariage ou fête',
    'Catégories',
    'Notes',
    'Emplacement',
  ];

  it('reads its first Titre as the salutation it leaves out and the second as the job title', () => {
    const plan = matchColumns({ header, spec: {} });
    expect(plan.system?.id).toBe('outlook');
    expect(byColumn(plan, header)).toEqual([
      '-',
      'person.first_name',
      'person.last_name',
      'organization.name',
      '-',
      'person.job_title',
      'organization.address.street',
      'organization.address.city',
      'organization.address.country',
      'person.postal_address.street',
      'person.phone:work',
      'person.phone:mobile',
      'person.email:work',
      '-',
      'person.email:other',
      'person.birthday',
      '-',
      '-',
      'lead.note',
      '-',
    ]);
    expect(plan.skipped.find((s) => s.index === 0)?.reason).toMatch(/salutation/);
    // Two columns of one name are no ambiguity here: Outlook's order says which is which.
    expect(() => assertDistinctHeader(header, 'contacts.csv', 1, plan)).not.toThrow();
  });

  it('refuses a mapping file that names Titre, which could mean either column', () => {
    const plan = matchColumns({ header, spec: { person: { job_title: 'Titre' } } });
    expect(() => assertDistinctHeader(header, 'contacts.csv', 1, plan)).toThrow(
      /duplicate column names "Titre".*or name them by their numbers in the mapping file: \{ column: 6 \}/,
    );
  });

  it('reads a mapping file that names the second Titre by its occurrence or its number as the job title', () => {
    for (const job_title of [{ column: 'Titre', occurrence: 2 }, { column: 6 }]) {
      const plan = matchColumns({ header, spec: { person: { job_title } } });
      expect(byColumn(plan, header).slice(0, 6)).toEqual([
        '-',
        'person.first_name',
        'person.last_name',
        'organization.name',
        '-',
        'person.job_title',
      ]);
      expect(() => assertDistinctHeader(header, 'contacts.csv', 1, plan)).not.toThrow();
    }
  });

  it('reads a lone Titre by its values, as a bare Title', () => {
    const lone = header.filter((_, i) => i !== 5);
    const salutations = matchColumns({
      header: lone,
      spec: {},
      sample: [lone.map((h) => (h === 'Titre' ? 'Mme' : ''))],
    });
    expect(salutations.skipped.find((s) => s.header === 'Titre')?.reason).toMatch(/salutation/);
    const jobs = matchColumns({
      header: lone,
      spec: {},
      sample: [lone.map((h) => (h === 'Titre' ? 'Directrice commerciale' : h === 'Prénom' ? 'Hélène' : ''))],
    });
    expect(jobs.matches.find((m) => m.header === 'Titre')?.target).toMatchObject({ field: 'job_title' });
  });
});

describe("Outlook's contacts export in Spanish and Dutch", () => {
  it('reads their business address as the organization’s and their emails by number', () => {
    const spanish = [
      'Nombre',
      'Apellidos',
      'Organización',
      'Puesto',
      'Calle del trabajo',
      'Ciudad de trabajo',
      'País o región del trabajo',
      'Teléfono del trabajo',
      'Dirección de correo electrónico 2',
      'Nombre de pantalla de correo electrónico',
      'Categorías',
    ];
    const es = matchColumns({ header: spanish, spec: {} });
    expect(es.system?.id).toBe('outlook');
    expect(byColumn(es, spanish)).toEqual([
      'person.first_name',
      'person.last_name',
      'organization.name',
      'person.job_title',
      'organization.address.street',
      'organization.address.city',
      'organization.address.country',
      'person.phone:work',
      'person.email:other',
      '-',
      '-',
    ]);
    const dutch = [
      'Titel',
      'Voornaam',
      'Achternaam',
      'Bedrijf',
      'Functie',
      'Werkadres, straat',
      'Werkadres, plaats',
      'Huisadres, straat',
      'Mobiele telefoon',
      'E-mailadres',
      'E-mailadres 2',
      'Weergavenaam voor e-mail',
      'Notities',
      'Locatie',
    ];
    const nl = matchColumns({ header: dutch, spec: {} });
    expect(nl.system?.id).toBe('outlook');
    expect(byColumn(nl, dutch)).toEqual([
      '-',
      'person.first_name',
      'person.last_name',
      'organization.name',
      'person.job_title',
      'organization.address.street',
      'organization.address.city',
      'person.postal_address.street',
      'person.phone:mobile',
      'person.email:work',
      'person.email:other',
      '-',
      'lead.note',
      '-',
    ]);
  });
});
