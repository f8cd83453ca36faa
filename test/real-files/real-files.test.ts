/**
 * Real lead files, whole (issue #9): each system's export (test/fixtures/real-exports, with the
 * bytes the system writes) goes through `importCsv` and a worker into the sandbox, with no
 * mapping file, and each row's person, organization, lead and note are read back from
 * `/_sandbox/export` and compared with what the file says (`<system>.expected.json`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { Lead, Note } from '../../src/pipedrive/types.js';
import { optionKey } from '../../src/producer/field-catalogue.js';
import { importCsv } from '../../src/producer/index.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { INDUSTRY_OPTIONS, type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { plainText } from '../../src/worker/note-writer.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { eventually } from '../worker/helpers.js';

const DIR = join(import.meta.dirname, '../fixtures/real-exports');
const redis = testRedis();

interface Contact {
  value: string;
  label: string;
}
interface Address {
  value: string;
  [part: string]: string | null;
}
interface ExpectedRow {
  person?: {
    name: string;
    first_name?: string;
    last_name?: string;
    job_title?: string | null;
    emails?: Contact[];
    phones?: Contact[];
    postal_address?: Address | null;
    birthday?: string | null;
  } | null;
  organization?: {
    name: string;
    address?: Address | null;
    website?: string | null;
    linkedin?: string | null;
    industry?: string | null;
    employee_count?: number | null;
    annual_revenue?: number | null;
  } | null;
  lead: {
    title: string | null;
    value?: { amount: number; currency: string } | null;
    note?: string | null;
    labels?: string[];
    expected_close_date?: string | null;
  };
}

interface Setup {
  /** Lead labels the account has besides Pipedrive's defaults (added as an admin would). */
  labels?: string[];
  /** What the user passes after the dry run says the file's dates read both ways. */
  dateFormat?: string;
}

const SYSTEMS: [string, string, Setup][] = [
  ['Salesforce report', 'salesforce-report', {}],
  ['Salesforce Data Loader', 'salesforce-data-loader', {}],
  ['HubSpot', 'hubspot-contacts', {}],
  ['Zoho CRM', 'zoho-leads', {}],
  ['Apollo', 'apollo-people', {}],
  ['LinkedIn', 'linkedin-connections', {}],
  ['Google Contacts', 'google-contacts', {}],
  // Every birthday of this US export reads both ways (4/12/1985); the dry run says so.
  ['Outlook', 'outlook-contacts', { dateFormat: 'MM/DD/YYYY' }],
  ['Mailchimp', 'mailchimp-audience', {}],
  // The account being moved to has the exporting account's labels.
  ['Pipedrive export', 'pipedrive-leads-export', { labels: ['Partner', 'Expo 2026'] }],
  ['Excel for Mac', 'excel-mac', {}],
  ['Dynamics 365', 'dynamics-365-leads', {}],
  ['ZoomInfo', 'zoominfo-contacts', {}],
  ['Pipedrive persons export', 'pipedrive-persons-export', {}],
  // Pipedrive's sample import spreadsheet: `Person - Email (Work)` was an unknown person field (every email lost), its
  // HTML note showed its tags.
  ['Pipedrive sample import spreadsheet', 'pipedrive-sample-import', {}],
  // The user's sum under the list is rejected with its reason, never a lead called "Total".
  ['Excel for Windows, European locale', 'excel-windows-eu', {}],
  // A row is a company: no person; the one without a name is rejected with its reason.
  ['HubSpot companies', 'hubspot-companies', {}],
  ['Close', 'close-leads', {}],
  // German headers (Vorname, Nachname, Firma, Wert…), as the user's file that mapped only E-Mail and Position.
  ['Excel for Windows, a German sheet', 'excel-windows-de', {}],
  // French headers, where Nom beside Prénom is the surname.
  ['Excel for Windows, a French sheet (CSV UTF-8)', 'excel-windows-fr', {}],
  // UTF-16 and tabs; a failed VLOOKUP's #N/A and a phone in scientific notation are rejected with their reasons.
  ['Excel for Windows, Unicode Text', 'excel-unicode-text', {}],
  // Rows after the 16th without the separators of their empty last cells: each read with them empty.
  ['Excel for Windows, US, short rows', 'excel-windows-us-short-rows', {}],
  // A note's line break that is not in quotes splits its row in two: both lines rejected, never two leads.
  ['A script that never quotes', 'script-unquoted-break', {}],
  // Phones and zip codes as Excel's formula for text, ="0049…", unquoted and quoted: their text.
  ["A web application's CSV for Excel", 'web-formula-text', {}],
  // Excel's plain "CSV" on Russian Windows writes Windows-1251: read as Windows-1252, Анна became Àííà.
  ['Excel for Windows, Russian locale (Windows-1251)', 'excel-windows-ru', {}],
  // Polish and Czech Windows write Windows-1250: the import stopped, offering two wrong encodings.
  ['Excel for Windows, Polish locale (Windows-1250)', 'excel-windows-pl', {}],
  // Bitrix24's leads export from a Russian portal: `"value";` cells (a trailing `;` on every line), Russian
  // headers, a patronymic that belongs in the full name, currencies by their Russian names.
  ['Bitrix24 leads, Russian portal', 'bitrix24-leads-ru', {}],
  // Its contacts export from an on-premise installation not in UTF-8: Windows-1251, no BOM; no lead columns.
  ['Bitrix24 contacts, Windows-1251', 'bitrix24-contacts-ru-1251', {}],
  // A sheet typed with Russian headers (Имя, Отчество, Фамилия, Компания…), saved as Windows-1251: it stopped with exit 2.
  ['Excel for Windows, a Russian sheet (Windows-1251)', 'excel-windows-ru-native', {}],
  // A sheet typed with Polish headers (Imię, Nazwisko, Firma, Wartość…), saved as Windows-1250: it stopped with exit 2.
  ['Excel for Windows, a Polish sheet (Windows-1250)', 'excel-windows-pl-native', {}],
  // A Czech sheet in Windows-1250 with no Polish letter: only its Czech header tells it from Windows-1252, as which
  // it was read ("Jiøí Dvoøák", and "Pøíjmení" no column name, so the surname was dropped) with exit 0.
  ['Excel for Windows, a Czech sheet (Windows-1250)', 'excel-windows-cs-native', {}],
  // A report of named tables (summary, hosts, panelists, attendees, viewers who did not register): the attendees
  // are the leads; the "Other Attended" table after them was read as three rejected rows (exit 3). A viewer who
  // rejoined has a row per session: one lead, the later rows rejected naming the first.
  ['Zoom webinar attendee report', 'zoom-webinar-attendees', {}],
  // One row per ticket: home and work addresses (dropped before, exit 0), and a ticket's price that is no lead value.
  ['Eventbrite attendee report', 'eventbrite-attendees', {}],
  // A lead-list base: multiple-select tags as lead labels (the account has the base's "Expo 2026"), a currency
  // field (€45,000.00), a collaborator field naming the Pipedrive users. It landed whole before this file was added.
  ['Airtable grid view', 'airtable-leads', { labels: ['Expo 2026'] }],
  // Company a relation: each page's title and its link, "Ångström AB (https://www.notion.so/2d5a…)", became the
  // organization's name. Dates spelled out ("April 30, 2026"), tags joined by ", ".
  ['Notion database', 'notion-leads', { labels: ['Expo 2026'] }],
  // LibreOffice's Text CSV saves cells as shown: "45.000,00 €" in quotes between commas, dates as 30.04.26.
  ['LibreOffice Calc, a German sheet (Text CSV)', 'libreoffice-calc-de', {}],
  // Lusha's field names: read as Apollo's (by Seniority), its Direct Phone, Mobile and contact location were dropped.
  ['Lusha', 'lusha-contacts', {}],
  // Hunter's Leads export: its size buckets ("251-1K") rejected the row; its Owner and Tags (Hunter's own users and
  // tags) were read as Pipedrive owners and lead labels, which rejected every row once Pipedrive was reachable.
  ['Hunter', 'hunter-leads', {}],
  // lemlist's campaign export: the icebreaker (the personal opening line) was dropped, and its camelCase status
  // columns were "no standard field".
  ['lemlist', 'lemlist-campaign-leads', {}],
  // Seamless.AI: ten numbered emails and phones with a confidence beside each; its phones, addresses, head count,
  // revenue and company LinkedIn page were dropped.
  ['Seamless.AI', 'seamless-ai-contacts', {}],
  // A Sales Navigator search exported by PhantomBuster: camelCase names, no email or phone.
  ['PhantomBuster Sales Navigator export', 'phantombuster-sales-navigator', {}],
  // Copper's people export: each email and phone beside a "… Type" column (work, personal, mobile, other), and
  // Copper tags that are not the account's lead labels.
  ['Copper', 'copper-people', {}],
  // Keap (Infusionsoft): Title is the salutation beside Job Title, each Phone N beside its Phone N Type, tags; a
  // Phone N Ext was left out (Pipedrive's phone has no extension field): it ends its number now, "… ext. 12".
  ['Keap', 'keap-contacts', {}],
  // Freshsales: every header is "Contact : <field>"; none was recognised and the import stopped with exit 2.
  ['Freshsales', 'freshsales-contacts', {}],
  // Meta lead ads (a TSV in UTF-16): phones were imported as "p:+34612345678", the form's own questions were left
  // out, the city went to the company's address, and the Testing Tool's lead became a person "<test lead: …>".
  ['Meta lead ads', 'meta-lead-ads', {}],
  // Form tools write a column per question under its text: the answers were left out ("no standard field").
  ['Typeform', 'typeform-responses', {}],
  ['Google Forms', 'google-forms-responses', {}],
  // Cognism: read as Apollo's (by Seniority and the LinkedIn URLs); its Street and Zip Code, which Cognism defines as
  // the company's, went into the person's address.
  ['Cognism', 'cognism-contacts', {}],
  // A monday.com board: each group's title on a line of its own, then the header again; the titles of the groups after
  // the first became leads ("Qualified lead", a person named "Qualified"), and each header again a failed row.
  ['monday.com board', 'monday-board', {}],
  // Brevo's contacts export: `;`-separated UPPERCASE attributes; its LANDLINE_NUMBER (the office line) was not imported,
  // and its contacts' CITY and COUNTRY went to the company's address.
  ['Brevo', 'brevo-contacts', {}],
  // Klaviyo's profiles: the profile's own address went to the company's, `Address 2` as its street and `Address` read
  // as a whole address.
  ['Klaviyo', 'klaviyo-profiles', {}],
  // A lead sheet typed in Google Sheets and downloaded as CSV: cells as shown (€45,000.00, 30/04/2026), two emails and
  // two phones typed in one cell, a company-only row whose name formula gives a lone space.
  ['Google Sheets download', 'google-sheets-leads', {}],
  // Zendesk Sell's leads: a lead is a person or a company, and a company lead (Name the company's, no first or last name)
  // became a person named after the company; Sell's Owner and Tags rejected every row that had them.
  ['Zendesk Sell leads', 'zendesk-sell-leads', {}],
  // Capsule's people and organisations in one file: an organisation's row (its name in Name, its Type "Organisation")
  // became a person named after the organisation.
  ['Capsule CRM', 'capsule-parties', {}],
  // Apple Numbers with "Include table names": the table's name above its header, its footer row's sum under the rows.
  // It landed whole before this file was added.
  ['Apple Numbers, Export To CSV', 'apple-numbers-leads', {}],
  // Dropcontact's enriched file: the team's columns as uploaded, then Dropcontact's (named as its API's record).
  ['Dropcontact enriched file', 'dropcontact-enriched', {}],
  // Evaboot's Sales Navigator export: the public profile URL beside its id URL, the exact head count beside its range.
  ['Evaboot Sales Navigator export', 'evaboot-sales-navigator', {}],
  // A Clay people table: its enrichment column named after its action ("Find work email") and a formula column of the
  // address found ("Final Email") were named like nothing, and the addresses in them were not imported.
  ['Clay table', 'clay-people', {}],
  // LinkedIn Lead Gen Forms, "Download leads": the member's prefilled profile fields, a question of the form's own and
  // LinkedIn's campaign and form columns.
  ['LinkedIn Lead Gen Forms', 'linkedin-lead-gen-forms', {}],
  // A HubSpot form's submissions export: the form's field labels, a question of its own, the page and the date.
  ['HubSpot form submissions', 'hubspot-form-submissions', {}],
  // ActiveCampaign's contacts export: its account, its tags, the sign-up's IP, custom fields under their titles.
  ['ActiveCampaign contacts', 'activecampaign-contacts', {}],
  // Outreach's prospects: its `Address City`… (the prospect's own, as Outreach defines them) went to the company's
  // address, `Voip Phones` and `Personal Note 1` were dropped, and its Owner and Tags were taken for Pipedrive's.
  ['Outreach prospects', 'outreach-prospects', {}],
  // Salesloft's people: its Owner and Tags (Salesloft's users and tags) were taken for Pipedrive's lead owner and
  // labels, which rejected every row naming one.
  ['Salesloft people', 'salesloft-people', {}],
  // Instantly's campaign leads: the campaign's personal opening line for each lead (`personalization`) was dropped.
  ['Instantly campaign leads', 'instantly-leads', {}],
  // Attio's people: several addresses and numbers in one cell (", "), the person's `Primary location` (dropped before:
  // it is kept in the note as a location), the record id and Attio's own dates.
  ['Attio people', 'attio-people', {}],
  // Teamleader Focus in Dutch, `;` and Windows-1252: its Flemish `Familienaam` (the last name), `GSM` and `Gemeente`
  // were dropped, the contact's own address went to the company's, and its tags were taken for lead labels.
  ['Teamleader Focus contacts (Dutch)', 'teamleader-contacts-nl', {}],
  // folk's people: lists in one cell; its `Companies` and `Addresses` were dropped (no organization on any lead).
  ['folk people', 'folk-people', {}],
  // Sellsy's contacts in French, `;` and Windows-1252: it landed whole but for `Propriétaire` and `Date de création`,
  // which were "no standard field".
  ['Sellsy contacts (French)', 'sellsy-contacts-fr', {}],
  ['Gravity Forms', 'gravity-forms-entries', {}],
  ['WPForms', 'wpforms-entries', {}],
  ['Tally', 'tally-submissions', {}],
  ['Jotform', 'jotform-submissions', {}],
  // Pipedrive's People export from an account in Portuguese (Brazil): its fields under Portuguese names, without the
  // `Pessoa - ` prefix. Every phone, the organization and the home address's label were lost.
  ['Pipedrive people (Portuguese, Brazil)', 'pipedrive-people-pt-br', {}],
  // A Salesforce lead report run by a German user: `Firma/Account` (the organization) and `Titel` (the job title) were
  // "no standard field", so no lead had an organization and its city and country went to the person.
  ['Salesforce report (German)', 'salesforce-report-de', {}],
  // The same account's Leads export: the lead's own fields without the `Lead - ` prefix.
  ['Pipedrive leads (Portuguese, Brazil)', 'pipedrive-leads-pt-br', { labels: ['Hot'] }],
  // Teamleader Focus in French (a real account's header), saved from Excel as CSV UTF-8: it was not recognised, so the
  // contact's address went to the company's, `Numéro de la rue` and `Entreprises` were dropped (no organization where
  // `Société` was empty), and its tags were taken for lead labels.
  ['Teamleader Focus contacts (French)', 'teamleader-contacts-fr', {}],
  // WPForms before 1.8.5: a Name field in one `Name` column, an address in one cell, a checkbox field's choices in one
  // cell a line each; that field (`Interested in`) was "no standard field": every respondent's choices were dropped.
  ['WPForms 1.7', 'wpforms-entries-1-7', {}],
  // Outlook in German: its localised headers were not known, so the addresses, the second email and most phones were
  // dropped and its free-text `Ort` (the contact's location) was taken for the company's city.
  ['Outlook (German)', 'outlook-contacts-de', {}],
  // Outlook in French: its two `Titre` (the salutation, then the job title), and its headers, were not known.
  ['Outlook (French)', 'outlook-contacts-fr', {}],
  // Google Contacts' older export (UTF-16, `Given Name`, `E-mail 1 - Type`): it landed whole; its organization's
  // location, symbol and the names' readings were "no standard field".
  ['Google Contacts (older export)', 'google-contacts-legacy', {}],
  // Teams' attendance report (UTF-16, tabs, numbered sections): `2. Participants` was not seen as a table's name, so
  // the `3. In-Meeting activities` table was read as its rows (rejected, and a second lead per person); `Role` was the
  // job title, and the meeting's organizer (the seller) a lead.
  ['Microsoft Teams attendance report', 'teams-attendance', {}],
  // Webex's participants report (UTF-16, tabs, a row per join): a participant who rejoined got a lead per join, and a
  // guest's made-up `…@guest.webex.localhost` address was imported as theirs.
  ['Webex meeting participants report', 'webex-participants', {}],
  // RocketReach: the addresses in its grade columns (`A Emails`, `A- Emails`) were dropped; the employer's domain,
  // website and industry were "no standard field", the person's City…Country taken for the company's address, a bare
  // `Phone` that is the mobile's number labelled work.
  ['RocketReach people', 'rocketreach-people', {}],
  // Crunchbase companies: a named contact email made a person of the company's address with its switchboard as their
  // work line; the headquarters' location, founders and the company's description's context were dropped.
  ['Crunchbase companies', 'crunchbase-companies', {}],
  // FileMaker's Merge export: a repeating Phone field's numbers made one phone of both with a control character
  // between them, and the repeating Email's row was rejected; notes and streets lost their line breaks (vertical
  // tabs); `Companies::Company Name` and `Companies::Website` were "no standard field".
  ['FileMaker Merge', 'filemaker-merge', {}],
  // Calendly events: every answer, the guests and the cancellation were dropped, a canceled meeting's invitee unsaid,
  // and the meeting's video link went into the note as the invitee's location.
  ['Calendly events', 'calendly-events', {}],
  // Kit subscribers: `state` (active, cancelled, bounced…) was read as the company's address state; who unsubscribed
  // became an ordinary lead.
  ['Kit subscribers', 'kit-subscribers', {}],
  // Constant Contact contacts: the home and work addresses and the email permission (an unsubscribe) were dropped.
  ['Constant Contact contacts', 'constant-contact-contacts', {}],
  // SuiteCRM leads (every value quoted, CRLF, `'` before a leading `+`): the map module's geocoded `Address` became
  // the company's address, and the addresses in `Non Primary E-mails` were dropped.
  ['SuiteCRM leads', 'suitecrm-leads', {}],
  // vtiger leads (a header joined with `", "`): the whole file was refused ("a \" inside a value that is not in
  // quotes"); then read as Zoho's, its `Primary Phone` dropped, the secondary address put first, its owner's name
  // taken for a Pipedrive user's.
  ['vtiger leads', 'vtiger-leads', {}],
  // Odoo CRM leads (a list view's CSV export, every value quoted, `'` before a leading `+`): `Title` (a salutation,
  // Madam) became the job title and `Job Position` was dropped; a record's second tag, on a line of its own, was
  // rejected asking for a name.
  ['Odoo CRM leads', 'odoo-crm-leads', { labels: ['Trade fair'] }],
  // Snov.io prospects (an email status column per address): the person was created under an address Snov.io calls
  // `not valid` when a `valid` one followed it.
  ['Snov.io prospects', 'snov-prospects', {}],
  ['Kaspr leads', 'kaspr-leads', {}],
  ['SignalHire contacts', 'signalhire-contacts', {}],
  // HubSpot contacts exported by a user whose HubSpot language is German: not read as HubSpot, so `Jobbezeichnung`,
  // `Nachricht`, `Bundesland/Kanton`, `Land/Region` and `Anzahl der Mitarbeiter` were dropped and the contact's own
  // address became the company's.
  ['HubSpot contacts (German)', 'hubspot-contacts-de', {}],
  // Zoho CRM leads exported in German: not read as Zoho, so `Titel` (the position) and `Beschreibung` were dropped,
  // `Sekundäre E-Mail` became a second work address, `Tag` the lead's labels and `Lead-Name` its title.
  ['Zoho CRM leads (German)', 'zoho-leads-de', {}],
  // GoTo Webinar's Attendee Report (a summary, hosts and panelists above `Attendee Details`): `Country/Region` (where
  // the viewer connected from) became the company's address and `Questions & Comments` was dropped.
  ['GoTo Webinar attendees', 'gotowebinar-attendees', {}],
  // Shopify customers (the 2024 header): `Accepts Email Marketing` (the customer's consent), `Total Spent` and
  // `Total Orders` were dropped as "no standard field"; a postcode with letters after Shopify's `'` kept it.
  ['Shopify customers', 'shopify-customers', { labels: ['VIP', 'Wholesale'] }],
  // Wix contacts: the contact's own (billing, home) address became the company's beside a company, and Wix's own
  // columns (the address's tag, a second address, activity, source) were named as columns not understood.
  ['Wix contacts', 'wix-contacts', {}],
  // WooCommerce's customers report: `Orders` and `Total Spend` (what the customer bought) were dropped as "no
  // standard field", and the report's own columns named as not understood.
  ['WooCommerce customers report', 'woocommerce-customers', {}],
  // SurveyMonkey's "All responses data" (a header of two lines, questions over their answers): the names line was read
  // as a row and rejected, and so were the web link's respondents ("has no person"): only the invitation's recipients
  // were imported, without their answers' questions, and the contact question's columns were "Column 11"…"Column 19".
  ['SurveyMonkey responses', 'surveymonkey-responses', {}],
  // Qualtrics' export (three header lines: ids, names or questions, import ids): refused, exit 2 ("No column names a
  // person"), its ids `Q1_1`… saying nothing of the contact questions.
  ['Qualtrics responses', 'qualtrics-responses', {}],
];

/**
 * Columns the fixtures' research would leave out that the importer takes on purpose, and why.
 * (Each is checked where it lands.)
 */
const IMPORTED_ANYWAY: Record<string, string> = {
  'Email Opt Out':
    'an opt-out must not be lost: it becomes the marketing status "unsubscribed" where the account has Campaigns',
};

const sandboxes: RunningSandbox[] = [];
afterAll(async () => {
  for (const s of sandboxes) await s.close();
});

describe('real lead files, whole', () => {
  it.each(SYSTEMS)(
    '%s: every row lands with its person, organization, lead and note',
    async (_name, file, setup) => {
      const expected = JSON.parse(readFileSync(join(DIR, `${file}.expected.json`), 'utf8')) as Record<
        string,
        ExpectedRow | { rejected: string }
      > & { notImported: Record<string, string> };
      const { notImported, ...all } = expected;
      // Rows the importer must reject (with these words in the reason) rather than import.
      const rejected = Object.entries(all).flatMap(([line, r]) =>
        'rejected' in r ? [{ line: Number(line), words: r.rejected }] : [],
      );
      const rows = Object.fromEntries(
        Object.entries(all).filter((entry): entry is [string, ExpectedRow] => !('rejected' in entry[1])),
      );
      const lines = Object.keys(rows).map(Number);

      const sandbox = await startSandbox({ port: 0, limits: false });
      sandboxes.push(sandbox);
      for (const name of setup.labels ?? []) {
        const added = await fetch(`${sandbox.url}/api/v1/leadLabels`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-token': sandbox.apiToken },
          body: JSON.stringify({ name, color: 'green' }),
        });
        expect(added.status).toBe(200);
      }
      const prefix = uniquePrefix();
      const config = loadConfig({
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_BASE_URL: sandbox.url,
        PIPEDRIVE_API_TOKEN: sandbox.apiToken,
      });
      const summary = await importCsv({
        file: join(DIR, `${file}.csv`),
        config,
        redis,
        ...(setup.dateFormat ? { dateFormat: setup.dateFormat } : {}),
      });
      expect(
        summary.firstRejects.map((r) => r.line),
        'the rows that must be rejected, and no other',
      ).toEqual(rejected.map((r) => r.line));
      for (const [i, r] of rejected.entries()) expect(summary.firstRejects[i]?.reason).toContain(r.words);
      expect(summary.rows).toBe(lines.length + rejected.length);
      // A person's later rows in a report with a row per visit or ticket are rejected naming the first, and counted
      // apart: they are not failures (the import's exit code is not 3 for them).
      expect(summary.repeated).toBe(rejected.filter((r) => /is on line \d+ too/.test(r.words)).length);
      if (file === 'zoom-webinar-attendees') {
        // The viewers who joined without registering (a name each, no email) are a table of their own, skipped and named.
        expect(summary.table?.text).toBe('Attendee Details');
        expect(summary.tablesAfter.map((t) => t.title)).toEqual(['Other Attended']);
      }
      if (file === 'keap-contacts') {
        // An extension beside no number costs the row nothing; the import says it was left out.
        expect(summary.warnings).toContain(
          '1 row (line 5): column "Phone 2 Ext" has an extension but column "Phone 2" has no number: the extension is left out.',
        );
      }
      if (file === 'dropcontact-enriched') {
        // Dropcontact's qualification of the address: its owner asked not to be contacted.
        expect(summary.warnings).toContain(
          '1 row (line 9): column "qualification" says "Do_Not_Contact@pro" of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row).',
        );
      }
      if (file === 'rocketreach-people') {
        // RocketReach validated none of the row's addresses: the one it recommends is graded B.
        expect(summary.warnings).toContain(
          '1 row (line 3): column "B Emails" has the row\'s first address, "francois.muller@muller-fils.example.org" (RocketReach: grade B, below the A and A- addresses it validated), and no better one: it is imported as given (clear it in the file not to have it, or remove the row).',
        );
      }
      if (file === 'calendly-events') {
        // A canceled meeting's invitee still asked for it: imported, said, and the note says so.
        expect(summary.warnings).toContain(
          '1 row (line 4): column "Canceled" says "true": the meeting was canceled (by the invitee or the host); the lead is imported and its note says so for whoever calls.',
        );
      }
      if (file === 'kit-subscribers') {
        expect(summary.warnings).toContain(
          '1 row (line 5): column "state" says "bounced" (Kit (ConvertKit) subscribers export: the address bounced) of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row).',
        );
      }
      if (file === 'constant-contact-contacts') {
        expect(summary.warnings).toContain(
          '1 row (line 5): column "Email status" says "Bounced" of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row).',
        );
      }
      if (file === 'instantly-leads') {
        // The campaign's own record that the address bounced (the lead's status -1).
        expect(summary.warnings).toContain(
          '1 row (line 7): column "status" says "-1" (Instantly: bounced) of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row).',
        );
      }
      // Columns that should land nowhere are reported as not imported, each with its reason.
      const skipped = new Map(summary.mapping.notImported.map((c) => [c.column, c.reason]));
      for (const column of Object.keys(notImported)) {
        if (IMPORTED_ANYWAY[column]) continue;
        expect(skipped.get(column) ?? '', `"${column}" is not imported, with a reason`).toMatch(/\w{3}/);
      }

      const worker = createLeadWorker({
        redisUrl: testRedisUrl(),
        prefix,
        pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken, timeoutMs: 5000 },
        rateLimit: false,
        retry: { callRetries: 2, callRetryMinMs: 10, callRetryMaxMs: 50 },
      });
      const ledger = new ImportLedger(redis, prefix);
      try {
        await worker.ready;
        const record = await eventually(
          async () => {
            const r = await ledger.getImport(summary.importId);
            return r?.state === 'completed' ? r : undefined;
          },
          { what: `import of ${file} to complete`, timeoutMs: 60_000 },
        );
        expect(record).toMatchObject({ created: lines.length, deadLettered: 0, rejected: rejected.length });
      } finally {
        await worker.close();
      }

      const data = sandbox.export();
      const labels = await labelNames(sandbox);
      const outcomes = await ledger.outcomes(summary.importId, lines);
      const created = outcomes.map((o, i) => {
        if (o.state !== 'created') throw new Error(`${file}.csv line ${lines[i]}: ${JSON.stringify(o)}`);
        return o;
      });
      // Rows that name the same person (organization) complete it together: what it should hold is
      // what its rows say, one of them where they differ.
      const byPerson = groupBy(lines, (_, i) => created[i]?.personId);
      const byOrg = groupBy(lines, (_, i) => created[i]?.organizationId);
      for (const [i, line] of lines.entries()) {
        const want = rows[String(line)] as ExpectedRow;
        const outcome = created[i]!;
        const where = `${file}.csv line ${line}`;
        const lead = data.leads.find((l) => l.id === outcome.leadId) as Lead;
        const person = data.persons.find((p) => p.id === outcome.personId);
        const org = data.organizations.find((o) => o.id === outcome.organizationId);
        if (want.person) {
          expect(person, `${where}: person`).toBeDefined();
          const rowsOfPerson = (byPerson.get(outcome.personId) ?? []).map((l) => rows[String(l)]?.person);
          checkContact(
            person as unknown as Record<string, unknown>,
            rowsOfPerson as Record<string, unknown>[],
            where,
          );
        } else expect(person, `${where}: no person`).toBeUndefined();
        if (want.organization) {
          expect(org, `${where}: organization`).toBeDefined();
          const rowsOfOrg = (byOrg.get(outcome.organizationId) ?? []).map(
            (l) => rows[String(l)]?.organization,
          );
          checkContact(
            org as unknown as Record<string, unknown>,
            rowsOfOrg as Record<string, unknown>[],
            where,
          );
        } else expect(org, `${where}: no organization`).toBeUndefined();
        checkLead(lead, want, data.notes, where, person?.name, labels);
      }
      if (file === 'wix-contacts') {
        // Wix's own email subscription status: Subscribed, Unsubscribed, Never subscribed (no consent).
        const status = Object.fromEntries(data.persons.map((p) => [p.name, p.marketing_status]));
        expect(status).toMatchObject({
          'Zoë Ørsted': 'subscribed',
          'François Müller': 'unsubscribed',
          'Анна Смирнова': 'no_consent',
          'Jordan Miller': 'subscribed',
        });
      }
      if (file === 'shopify-customers') {
        // Shopify's own yes or no to the shop's emails: yes is consent, no is none (never an unsubscribe).
        const status = Object.fromEntries(data.persons.map((p) => [p.name, p.marketing_status]));
        expect(status).toMatchObject({
          'Zoë Ørsted': 'subscribed',
          'Jordan Miller': 'no_consent',
          'Sanne de Vries': 'no_consent',
          'François Müller': 'subscribed',
          'Priya Raman': 'subscribed',
        });
      }
      if (file === 'kit-subscribers' || file === 'constant-contact-contacts') {
        // Who unsubscribed (Kit: cancelled, or marked an email as spam) is unsubscribed in Pipedrive, not a lead to email;
        // Kit's `active` sets no status: consent is never invented.
        const status = Object.fromEntries(data.persons.map((p) => [p.name, p.marketing_status]));
        expect(status).toMatchObject(
          file === 'kit-subscribers'
            ? {
                // `active`, `inactive`: no marketing status (a users table's `state` is the same word).
                'Zoë Ørsted': undefined,
                'François Müller': 'unsubscribed',
                'Ingrid Dahl': 'archived',
                'José Núñez': undefined,
                'Priya Raman': 'unsubscribed',
              }
            : {
                'Zoë Ørsted': 'subscribed',
                'François Müller': 'unsubscribed',
                'Анна Смирнова': 'no_consent',
              },
        );
      }
      if (file === 'zoho-leads' || file === 'zoho-leads-de' || file === 'gotowebinar-attendees') {
        // The one lead who opted out of email (GoTo: unsubscribed from the organizer's emails) is unsubscribed in Pipedrive.
        const optedOut = data.persons.filter((p) => p.marketing_status === 'unsubscribed');
        expect(optedOut.map((p) => p.name)).toHaveLength(1);
      }
      // One lead per row, each its own (a file may give one person two leads with the same title).
      const leadIds = outcomes.map((o) => (o.state === 'created' ? o.leadId : undefined));
      expect(new Set(leadIds).size).toBe(lines.length);
      expect(sandbox.state()).toMatchObject({ leads: lines.length, duplicateNotes: 0 });
    },
    120_000,
  );
});

function groupBy(
  lines: number[],
  key: (line: number, i: number) => number | undefined,
): Map<number | undefined, number[]> {
  const out = new Map<number | undefined, number[]>();
  lines.forEach((line, i) => {
    const k = key(line, i);
    if (k !== undefined) out.set(k, [...(out.get(k) ?? []), line]);
  });
  return out;
}

/**
 * A person or organization against what its rows say: each field holds one of the values its
 * rows give (the only one when they agree), or nothing when none gives one.
 */
function checkContact(got: Record<string, unknown>, rows: Record<string, unknown>[], where: string): void {
  const keys = new Set(rows.flatMap((r) => Object.keys(r ?? {})));
  for (const key of keys) {
    const wanted = rows
      .map((r) => r?.[key])
      .filter((v) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0));
    const value = normalise(key, got[key]);
    const what = `${where}: ${key}`;
    if (wanted.length === 0) {
      expect(value, what).toSatisfy(
        (v: unknown) => v === null || v === undefined || (Array.isArray(v) && v.length === 0),
      );
    } else if (key === 'postal_address' || key === 'address') {
      const candidates = wanted as Address[];
      expect(
        candidates.some((w) => addressMatches(got[key] as Address | null, w)),
        `${what}: ${JSON.stringify(got[key])} is one of ${JSON.stringify(candidates)}`,
      ).toBe(true);
    } else {
      const candidates = wanted.map((w) => normalise(key, w));
      expect(
        candidates.map((c) => JSON.stringify(c)),
        what,
      ).toContain(JSON.stringify(value));
    }
  }
  if (Array.isArray(got.emails) && got.emails.length)
    expect((got.emails[0] as { primary: boolean }).primary, `${where}: primary email`).toBe(true);
}

/** The form both sides are compared in: contacts as value + label, industries by their option label. */
function normalise(key: string, value: unknown): unknown {
  if (key === 'emails' || key === 'phones') {
    return ((value as Contact[] | null) ?? []).map((c) => ({
      value: key === 'emails' ? c.value.toLowerCase() : c.value,
      label: c.label,
    }));
  }
  if (key === 'industry' && typeof value === 'number') {
    const label = INDUSTRY_OPTIONS.find((i) => i.id === value)?.label;
    return label ? optionKey(label) : value;
  }
  if (key === 'industry' && typeof value === 'string') return optionKey(value);
  return value ?? null;
}

function addressMatches(got: Address | null | undefined, want: Address): boolean {
  if (!got || got.value !== want.value) return false;
  return Object.entries(want).every(([part, value]) => value === null || got[part] === value);
}

/** Lead label names by id, as the account lists them (`GET /v1/leadLabels`). */
async function labelNames(sandbox: RunningSandbox): Promise<Map<string, string>> {
  const res = await fetch(`${sandbox.url}/api/v1/leadLabels`, {
    headers: { 'x-api-token': sandbox.apiToken },
  });
  const body = (await res.json()) as { data: { id: string; name: string }[] };
  return new Map(body.data.map((l) => [l.id, l.name]));
}

function checkLead(
  lead: Lead,
  want: ExpectedRow,
  notes: Note[],
  where: string,
  personName: string | undefined,
  labels: Map<string, string>,
): void {
  const title = want.lead.title ?? `${want.organization?.name ?? personName} lead`;
  expect(lead.title, `${where}: lead title`).toBe(title);
  if (want.lead.value !== undefined) expect(lead.value, `${where}: value`).toEqual(want.lead.value);
  if (want.lead.expected_close_date !== undefined) {
    expect(lead.expected_close_date, `${where}: expected close date`).toBe(want.lead.expected_close_date);
  }
  const leadNotes = notes.filter((n) => n.lead_id === lead.id);
  if (want.lead.note) {
    expect(leadNotes, `${where}: one note`).toHaveLength(1);
    expect(plainText(leadNotes[0]?.content ?? ''), `${where}: note`).toBe(plainText(want.lead.note));
    // Line breaks survive as HTML breaks.
    if (want.lead.note.includes('\n'))
      expect(leadNotes[0]?.content, `${where}: note breaks`).toContain('<br>');
  } else expect(leadNotes, `${where}: no note`).toEqual([]);
  expect(lead.origin_id).toMatch(/^imp-/);
  if (want.lead.labels !== undefined) {
    expect(lead.label_ids.map((id) => labels.get(id)).sort(), `${where}: labels`).toEqual(
      [...want.lead.labels].sort(),
    );
  }
}
