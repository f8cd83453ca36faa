import { describe, expect, it } from 'vitest';
import { DLQ_EXPORT_COLUMNS, REJECTS_COLUMNS } from '../../src/csv/own-columns.js';
import type { DealField } from '../../src/pipedrive/types.js';
import { type ColumnPlan, matchColumns } from '../../src/producer/column-matcher.js';
import { MappingError } from '../../src/producer/errors.js';
import { FieldCatalogue } from '../../src/producer/field-catalogue.js';
import { SOURCE_SYSTEMS } from '../../src/producer/header-conventions.js';
import { findHeader } from '../../src/producer/header-finder.js';
import { assertNamesContact } from '../../src/producer/mapping.js';
import { parseTarget, targetText } from '../../src/producer/targets.js';

/** `{ header: field }` of a plan, with `-` for columns not imported. */
function fields(plan: ColumnPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of plan.matches) out[m.header] = targetText(m.target);
  for (const s of plan.skipped) out[s.header] = '-';
  return out;
}

function field(key: string, name: string, type: string, custom: boolean, options?: string[]): DealField {
  return {
    id: 0,
    key,
    name,
    field_type: type,
    edit_flag: custom,
    active_flag: true,
    mandatory_flag: false,
    ...(options ? { options: options.map((label, i) => ({ id: i + 1, label })) } : {}),
  };
}

describe('the header conventions', () => {
  it('are all well-formed targets', () => {
    for (const system of SOURCE_SYSTEMS) {
      for (const [header, meaning] of Object.entries(system.columns)) {
        if (meaning.startsWith('ignore:')) {
          expect(meaning.length, `${system.id} ${header}`).toBeGreaterThan('ignore: '.length + 5);
        } else if (meaning.startsWith('note(') || meaning.startsWith('flag(')) {
          // Kept in the lead's note after a label (a flag only where set), saying why.
          expect(meaning, `${system.id} ${header}`).toMatch(/^(?:note|flag)\([^)]+\): .{5,}/);
        } else {
          // `*`: several values in a cell; `@`: the column holding each row's label.
          const target = (meaning.split('@')[0] as string).replace(/\*$/, '');
          expect(() => parseTarget(target), `${system.id} ${header}`).not.toThrow();
        }
      }
    }
  });
});

describe('matchColumns', () => {
  it("leaves out a header named like a plain object's own member as unmatched, not as a known column to ignore", () => {
    const plan = matchColumns({
      header: ['Title', 'constructor'],
      spec: {},
      sample: [],
      mappingName: 'mapping',
    });
    const skipped = plan.skipped.find((s) => s.header === 'constructor');
    expect(skipped?.reason).not.toMatch(/native code|function/);
    expect(plan.matches.map((m) => m.header)).toEqual(['Title']);
  });

  it('reads a Salesforce report: "Company / Account" is the organization, "Title" the job title, the address the company\'s', () => {
    const plan = matchColumns({
      header: [
        'Lead Owner',
        'First Name',
        'Last Name',
        'Title',
        'Company / Account',
        'Email',
        'Phone',
        'Mobile',
        'Street',
        'City',
        'State/Province',
        'Zip/Postal Code',
        'Country',
        'Lead Source',
        'Lead Status',
        'Rating',
        'Description',
      ],
      spec: {},
    });
    expect(plan.system?.name).toBe('Salesforce report');
    expect(fields(plan)).toMatchObject({
      // A Salesforce user need not be a Pipedrive user: not imported unless mapped.
      'Lead Owner': '-',
      Title: 'person.job_title',
      'Company / Account': 'organization.name',
      Email: 'person.email:work',
      Mobile: 'person.phone:mobile',
      Street: 'organization.address.street',
      'Zip/Postal Code': 'organization.address.postal_code',
      'Lead Status': '-',
      Rating: 'lead.labels',
      Description: 'lead.note',
    });
    expect(plan.matches.find((m) => m.header === 'Company / Account')?.reason).toBe(
      'auto: Salesforce report "Company / Account"',
    );
  });

  it("reads Brevo's contact attributes: SMS and WHATSAPP are mobile numbers, EMAIL_BLACKLISTED the opt-out", () => {
    // Brevo (Sendinblue) names a contact's attributes in capitals: the phone a text goes to is `SMS`.
    const plan = matchColumns({
      header: ['EMAIL', 'FIRSTNAME', 'LASTNAME', 'SMS', 'WHATSAPP', 'COMPANY', 'EMAIL_BLACKLISTED'],
      spec: {},
    });
    expect(fields(plan)).toEqual({
      EMAIL: 'person.email:work',
      FIRSTNAME: 'person.first_name',
      LASTNAME: 'person.last_name',
      SMS: 'person.phone:mobile',
      WHATSAPP: 'person.phone:mobile',
      COMPANY: 'organization.name',
      EMAIL_BLACKLISTED: 'person.email_opt_out',
    });
  });

  it("reads a purchased list's and a web form's columns: direct lines, cell numbers, the company's address apart", () => {
    const plan = matchColumns({
      header: [
        'Full Name',
        'Email',
        'Direct Line',
        'Cell Number',
        'Secondary Phone',
        'HQ Phone',
        'Company',
        'Address Line 1',
        'Address Line 2',
        'City',
        'Company City',
        'Company Country',
        'Your Message',
      ],
      spec: {},
    });
    expect(fields(plan)).toEqual({
      'Full Name': 'person.name',
      Email: 'person.email:work',
      'Direct Line': 'person.phone:work',
      'Cell Number': 'person.phone:mobile',
      'Secondary Phone': 'person.phone:other',
      // Pipedrive organizations have no phone field: left out, saying so.
      'HQ Phone': '-',
      Company: 'organization.name',
      // `Company City` names the company's: the ownerless parts are the person's.
      'Address Line 1': 'person.postal_address.street',
      'Address Line 2': 'person.postal_address.street',
      City: 'person.postal_address.city',
      'Company City': 'organization.address.city',
      'Company Country': 'organization.address.country',
      'Your Message': 'lead.note',
    });
    expect(plan.skipped.find((s) => s.header === 'HQ Phone')?.reason).toContain(
      'organizations have no phone field',
    );
  });

  it("puts an address part the file's system does not name with the parts it does: one address, never split", () => {
    // A Salesforce report's City, State/Province and Zip are the company's; a Country/Region added to the report
    // (or written by another tool) was read as the person's.
    const report = matchColumns({
      header: [
        'Lead ID',
        'First Name',
        'Last Name',
        'Email',
        'Company / Account',
        'City',
        'State/Province',
        'Zip/Postal Code',
        'Country/Region',
      ],
      spec: {},
    });
    expect(report.system?.id).toBe('salesforce-report');
    expect(fields(report)).toMatchObject({
      City: 'organization.address.city',
      'State/Province': 'organization.address.state',
      'Zip/Postal Code': 'organization.address.postal_code',
      'Country/Region': 'organization.address.country',
    });
    expect(report.notes.join('\n')).toContain(
      `"Country/Region" read as part of the organization's address, with the file's other address columns`,
    );
    // HubSpot's City and State/Region are the contact's; a ZIP Code property beside them too, company or not.
    const contacts = matchColumns({
      header: [
        'Record ID',
        'First Name',
        'Last Name',
        'Email',
        'Company Name',
        'City',
        'State/Region',
        'ZIP Code',
        'Lifecycle Stage',
        'Contact owner',
      ],
      spec: {},
    });
    expect(contacts.system?.id).toBe('hubspot');
    expect(fields(contacts)).toMatchObject({
      City: 'person.postal_address.city',
      'State/Region': 'person.postal_address.state',
      'ZIP Code': 'person.postal_address.postal_code',
    });
  });

  it("reads the person's address parts named for them (Person City, Contact Zip, Mailing Country), the ownerless ones as the company's", () => {
    const plan = matchColumns({
      header: [
        'First Name',
        'Last Name',
        'Email',
        'Company',
        'Company URL',
        'Person City',
        'Contact Post Code',
        'Mailing Country',
        'City',
        'Country',
      ],
      spec: {},
    });
    expect(fields(plan)).toEqual({
      'First Name': 'person.first_name',
      'Last Name': 'person.last_name',
      Email: 'person.email:work',
      Company: 'organization.name',
      'Company URL': 'organization.website',
      'Person City': 'person.postal_address.city',
      'Contact Post Code': 'person.postal_address.postal_code',
      'Mailing Country': 'person.postal_address.country',
      City: 'organization.address.city',
      Country: 'organization.address.country',
    });
  });

  it("reads a form's ownerless address as the respondent's, beside the company they typed (LinkedIn lead gen, HubSpot forms)", () => {
    const header = ['First Name', 'Last Name', 'Email Address', 'Company Name', 'City', 'Country/Region'];
    // A form's export also says when each answer came in (LinkedIn's `Lead Submitted At (UTC)`).
    const form = matchColumns({
      header: [...header, 'What can we help with?', 'Lead Submitted At (UTC)'],
      spec: {},
    });
    expect(fields(form)).toMatchObject({
      'Company Name': 'organization.name',
      City: 'person.postal_address.city',
      'Country/Region': 'person.postal_address.country',
      'What can we help with?': 'lead.note',
    });
    expect(form.notes.join('\n')).toContain(
      `"City", "Country/Region" read as the person's postal address (a form asks its respondent where they are)`,
    );
    // The same columns in a list that asks nothing, or only a sales sheet's flag (even one asked in a sentence, with
    // no time of submission beside it): the company's address, as before.
    for (const list of [
      header,
      [...header, 'Contacted?', 'Decision maker?'],
      [...header, 'Follow up needed?'],
    ]) {
      expect(fields(matchColumns({ header: list, spec: {} }))).toMatchObject({
        City: 'organization.address.city',
        'Country/Region': 'organization.address.country',
      });
    }
  });

  it("reads ActiveCampaign's contacts export: its Account the company, its Country the contact's, its tags its own", () => {
    const plan = matchColumns({
      header: [
        'Email',
        'First Name',
        'Last Name',
        'Phone',
        'Account',
        'Tags',
        'Date Created',
        'Date Updated',
        'IP Address',
        'Country',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('activecampaign');
    expect(fields(plan)).toMatchObject({
      Account: 'organization.name',
      Country: 'person.postal_address.country',
      Tags: '-',
      'Date Created': '-',
      'IP Address': '-',
    });
    // Gravity Forms' entries export begins the same way, with no Account: not ActiveCampaign's.
    const gravity = matchColumns({
      header: ['Entry #', 'Date Created', 'Date Updated', 'IP Address', 'Name', 'Email'],
      spec: {},
    });
    expect(gravity.system?.id).not.toBe('activecampaign');
  });

  it("reads a company's revenue and headcount, and comments, under their German, French and Spanish names", () => {
    const fieldsOf = (header: string[]) => fields(matchColumns({ header, spec: {} }));
    expect(
      fieldsOf(['Vorname', 'Nachname', 'Firma', 'Umsatz', 'Anzahl Mitarbeiter', 'Mitarbeiter']),
    ).toMatchObject({
      Umsatz: 'organization.annual_revenue',
      'Anzahl Mitarbeiter': 'organization.employee_count',
      // A staff member's name as often as a headcount: left out.
      Mitarbeiter: '-',
    });
    expect(fieldsOf(['Prénom', 'Nom', 'Société', "Chiffre d'affaires", 'Effectif'])).toMatchObject({
      "Chiffre d'affaires": 'organization.annual_revenue',
      Effectif: 'organization.employee_count',
    });
    expect(
      fieldsOf(['Nombre', 'Apellidos', 'Empresa', 'Facturación', 'Empleados', 'Comentarios']),
    ).toMatchObject({
      Facturación: 'organization.annual_revenue',
      Empleados: 'organization.employee_count',
      Comentarios: 'lead.note',
    });
  });

  it("reads a form's questions that ask for the contact's own fields as those fields, any other question as the note", () => {
    // A Typeform or Google Form without a contact block: each field is a question of its own.
    const plan = matchColumns({
      header: [
        "What's your first name?",
        'And your last name?',
        'What’s your email address?',
        'Your phone number',
        'What company do you work for?',
        '<strong>What is your job title?</strong>',
        "What's your budget?",
        'How many employees does your company have?',
        'Which company referred you?',
      ],
      spec: {},
    });
    expect(fields(plan)).toEqual({
      "What's your first name?": 'person.first_name',
      'And your last name?': 'person.last_name',
      'What’s your email address?': 'person.email:work',
      'Your phone number': 'person.phone:work',
      'What company do you work for?': 'organization.name',
      '<strong>What is your job title?</strong>': 'person.job_title',
      // An answer that is no amount to read, and questions about something else: the note.
      "What's your budget?": 'lead.note',
      'How many employees does your company have?': 'lead.note',
      'Which company referred you?': 'lead.note',
    });
  });

  it("reads Contact Form 7's field names (your-name, your-email…) as a web form's contact, subject and message", () => {
    const plan = matchColumns({
      header: [
        'your-name',
        'your-email',
        'your-phone',
        'your-company',
        'your-subject',
        'your-message',
        'Date',
      ],
      spec: {},
    });
    expect(fields(plan)).toMatchObject({
      'your-name': 'person.name',
      'your-email': 'person.email:work',
      'your-phone': 'person.phone:work',
      'your-company': 'organization.name',
      'your-subject': 'lead.title',
      'your-message': 'lead.note',
    });
  });

  it("reads Outlook's Title as a salutation it leaves out, and its Business address as the organization's", () => {
    const plan = matchColumns({
      header: [
        'Title',
        'First Name',
        'Last Name',
        'Company',
        'Job Title',
        'Business Street',
        'Business City',
        'Business Postal Code',
        'Business Country/Region',
        'Home Street',
        'Home City',
        'E-mail Address',
        'E-mail 2 Address',
        'Mobile Phone',
        'Business Phone',
        'Notes',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('outlook');
    expect(fields(plan)).toMatchObject({
      Title: '-',
      'Job Title': 'person.job_title',
      'Business City': 'organization.address.city',
      'Home City': 'person.postal_address.city',
      'E-mail 2 Address': 'person.email:other',
      Notes: 'lead.note',
    });
  });

  it("reads Cognism's export as Cognism's, not Apollo's: its Street and Zip Code are the company's", () => {
    const header = [
      'First Name',
      'Last Name',
      'Job Title',
      'Seniority',
      'Job Function',
      'Email',
      'Mobile Phone',
      'Direct Phone',
      'Office Phone',
      'Person LinkedIn URL',
      'City',
      'State',
      'Country',
      'Company Name',
      'Website',
      'Company LinkedIn URL',
      'Street',
      'Zip Code',
      'Company City',
      'Company Country',
    ];
    const plan = matchColumns({ header, spec: {} });
    expect(plan.system?.id).toBe('cognism');
    expect(fields(plan)).toMatchObject({
      City: 'person.postal_address.city',
      Street: 'organization.address.street',
      'Zip Code': 'organization.address.postal_code',
      'Company City': 'organization.address.city',
      'Office Phone': 'person.phone:work',
      'Job Function': '-',
    });
    // Apollo's own export (Seniority and the LinkedIn URLs, no Job Function or office lines) stays Apollo's.
    const apollo = matchColumns({
      header: [
        'First Name',
        'Title',
        'Seniority',
        'Departments',
        'Person Linkedin Url',
        'Company Linkedin Url',
      ],
      spec: {},
    });
    expect(apollo.system?.id).toBe('apollo');
  });

  it("reads Brevo's contacts export: LANDLINE_NUMBER is the office line, CITY and COUNTRY the contact's", () => {
    const header = [
      'CONTACT ID',
      'EMAIL',
      'FIRSTNAME',
      'LASTNAME',
      'SMS',
      'LANDLINE_NUMBER',
      'WHATSAPP',
      'JOB_TITLE',
      'COMPANY_NAME',
      'CITY',
      'COUNTRY',
      'NOTES',
      'EMAIL_BLACKLISTED',
      'SMS_BLACKLISTED',
      'ADDED_TIME',
      'MODIFIED_TIME',
    ];
    const plan = matchColumns({ header, spec: {} });
    expect(plan.system?.id).toBe('brevo');
    expect(fields(plan)).toMatchObject({
      SMS: 'person.phone:mobile',
      LANDLINE_NUMBER: 'person.phone:work',
      CITY: 'person.postal_address.city',
      COUNTRY: 'person.postal_address.country',
      COMPANY_NAME: 'organization.name',
      EMAIL_BLACKLISTED: 'person.email_opt_out',
      SMS_BLACKLISTED: '-',
    });
    // A file made for Brevo's import (its template's attribute names, too few for Brevo's export) keeps the landline.
    const template = matchColumns({
      header: ['CONTACT ID', 'EMAIL', 'FIRSTNAME', 'LASTNAME', 'SMS', 'LANDLINE_NUMBER', 'WHATSAPP'],
      spec: {},
    });
    expect(fields(template)).toMatchObject({ LANDLINE_NUMBER: 'person.phone:work' });
  });

  it("reads Klaviyo's profiles: the address is the profile's (two street lines), its phone the SMS number", () => {
    const header = [
      'Email',
      'Phone Number',
      'First Name',
      'Last Name',
      'Organization',
      'Title',
      'Address',
      'Address 2',
      'City',
      'State / Region',
      'Country',
      'Zip Code',
      'Source',
      'Email Marketing Consent',
      'SMS Consent',
      'Klaviyo ID',
      'Profile Created On',
      'Date Added',
    ];
    const plan = matchColumns({ header, spec: {} });
    expect(plan.system?.id).toBe('klaviyo');
    expect(fields(plan)).toMatchObject({
      'Phone Number': 'person.phone:mobile',
      Title: 'person.job_title',
      Address: 'person.postal_address.street',
      'Address 2': 'person.postal_address.street',
      City: 'person.postal_address.city',
      'State / Region': 'person.postal_address.state',
      'Zip Code': 'person.postal_address.postal_code',
      'Email Marketing Consent': 'person.marketing_status',
      'Klaviyo ID': '-',
    });
  });

  it("reads Zendesk Sell's leads: its Owner and Tags are Sell's own users and tags", () => {
    const header = [
      'Name',
      'Id',
      'First Name',
      'Last Name',
      'Company Name',
      'Title',
      'Email',
      'Phone',
      'Mobile',
      'Street',
      'City',
      'Region',
      'Zip',
      'Country',
      'Status',
      'Source',
      'Owner',
      'Tags',
      'Description',
      'Created At',
      'Updated At',
    ];
    const plan = matchColumns({ header, spec: {} });
    expect(plan.system?.id).toBe('zendesk-sell');
    expect(fields(plan)).toMatchObject({
      Name: 'person.name',
      'Company Name': 'organization.name',
      Title: 'person.job_title',
      Mobile: 'person.phone:mobile',
      Description: 'lead.note',
      Owner: '-',
      Tags: '-',
      Status: '-',
    });
  });

  it("reads Outreach's prospects: the Address columns are the prospect's own, its stage, owner and tags Outreach's", () => {
    const header = [
      'First Name',
      'Last Name',
      'Title',
      'Company',
      'Emails',
      'Work Phones',
      'Mobile Phones',
      'Home Phones',
      'Voip Phones',
      'Other Phones',
      'Address Street',
      'Address City',
      'Address Zip',
      'Address Country',
      'Stage',
      'Owner',
      'Tags',
      'Personal Note 1',
    ];
    const plan = matchColumns({ header, spec: {} });
    expect(plan.system?.id).toBe('outreach');
    expect(fields(plan)).toMatchObject({
      Company: 'organization.name',
      Emails: 'person.email:work',
      'Voip Phones': 'person.phone:work',
      'Address Street': 'person.postal_address.street',
      'Address City': 'person.postal_address.city',
      'Address Zip': 'person.postal_address.postal_code',
      'Address Country': 'person.postal_address.country',
      'Personal Note 1': 'lead.note',
      Stage: '-',
      Owner: '-',
      Tags: '-',
    });
  });

  it("reads Salesloft's people: its Owner, Tags, stage and cadence are Salesloft's, City the person's beside Work City", () => {
    const header = [
      'First Name',
      'Last Name',
      'Email Address',
      'Secondary Email Address',
      'Personal Email Address',
      'Phone',
      'Title',
      'Job Seniority',
      'Company Name',
      'City',
      'Country',
      'Work City',
      'Work Country',
      'Do Not Contact',
      'Person Stage',
      'Owner',
      'Tags',
      'Cadence',
    ];
    const plan = matchColumns({ header, spec: {} });
    expect(plan.system?.id).toBe('salesloft');
    expect(fields(plan)).toMatchObject({
      'Personal Email Address': 'person.email:home',
      City: 'person.postal_address.city',
      'Work City': 'organization.address.city',
      Owner: '-',
      Tags: '-',
      'Person Stage': '-',
      Cadence: '-',
    });
  });

  it("keeps a campaign's personal opening line (Instantly's personalization) in the note, and Instantly's counts out", () => {
    const header = [
      'email',
      'first_name',
      'last_name',
      'company_name',
      'website',
      'company_domain',
      'personalization',
      'status',
      'lt_interest_status',
      'verification_status',
      'email_open_count',
      'email_reply_count',
      'timestamp_created',
    ];
    const plan = matchColumns({ header, spec: {} });
    expect(plan.system?.id).toBe('instantly');
    expect(fields(plan)).toMatchObject({
      personalization: 'lead.note',
      website: 'organization.website',
      lt_interest_status: '-',
      email_open_count: '-',
    });
    expect(plan.matches.find((m) => m.header === 'personalization')?.keptInNote?.label).toBe(
      'Personalization',
    );
    // In any file: a sheet's Personalization or Icebreaker column is the opening line, kept in the note.
    const sheet = matchColumns({ header: ['Name', 'Email', 'Personalization'], spec: {} });
    expect(fields(sheet).Personalization).toBe('lead.note');
  });

  it('reads Google Contacts: numbered emails and phones take their labels from the column beside them', () => {
    const plan = matchColumns({
      header: [
        'First Name',
        'Last Name',
        'E-mail 1 - Label',
        'E-mail 1 - Value',
        'E-mail 2 - Label',
        'E-mail 2 - Value',
        'Phone 1 - Label',
        'Phone 1 - Value',
        'Organization Name',
        'Organization Title',
        'Address 1 - Formatted',
        'Address 1 - City',
        'Birthday',
        'Notes',
        'Labels',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('google-contacts');
    const email1 = plan.matches.find((m) => m.header === 'E-mail 1 - Value')?.target;
    expect(email1).toMatchObject({ entity: 'person', field: 'email', labelColumn: 'E-mail 1 - Label' });
    expect(fields(plan)).toMatchObject({
      'E-mail 1 - Label': '-',
      'Organization Title': 'person.job_title',
      'Address 1 - Formatted': 'person.postal_address',
      Labels: '-',
      Notes: 'lead.note',
    });
  });

  it("reads Pipedrive's own export by entity and field, labels included, and custom fields by name", () => {
    const catalogue = new FieldCatalogue({
      lead: [
        field('title', 'Title', 'varchar', false),
        field('a'.repeat(40), 'Segment', 'enum', true, ['SMB']),
      ],
      person: [field('job_title', 'Job title', 'varchar', false)],
      organization: [field('b'.repeat(40), 'VAT number', 'varchar', true)],
    });
    const plan = matchColumns({
      header: [
        'Lead - Title',
        'Lead - Segment',
        'Person - Name',
        'Person - Email - Work',
        'Person - Email - Home',
        'Person - Phone - Mobile',
        'Person - Job title',
        'Organization - Name',
        'Organization - VAT number',
        'Organization - Tier',
      ],
      spec: {},
      catalogue,
    });
    expect(plan.system?.id).toBe('pipedrive');
    expect(fields(plan)).toMatchObject({
      'Lead - Title': 'lead.title',
      'Lead - Segment': 'custom.lead:Segment',
      'Person - Email - Home': 'person.email:home',
      'Person - Phone - Mobile': 'person.phone:mobile',
      'Person - Job title': 'person.job_title',
      'Organization - VAT number': 'custom.organization:VAT number',
      'Organization - Tier': '-',
    });
    expect(plan.skipped.find((s) => s.header === 'Organization - Tier')?.reason).toMatch(
      /create an organization field "Tier"/,
    );
  });

  it("reads Pipedrive's sample import spreadsheet: the address's kind in brackets, activities left out with why", () => {
    // The spreadsheet Pipedrive links from its import guide (test/fixtures/real-exports/README.md).
    const plan = matchColumns({
      header: [
        'Person - Name*',
        'Person - Phone',
        'Person - Email (Work)',
        'Person - Email (Home)',
        'Person - Phone (Mobile)',
        'Organization - Name*',
        'Deal - Title',
        'Activity - Subject*',
        'Activity - Due date',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('pipedrive');
    expect(fields(plan)).toMatchObject({
      'Person - Name*': 'person.name',
      'Person - Email (Work)': 'person.email:work',
      'Person - Email (Home)': 'person.email:home',
      'Person - Phone (Mobile)': 'person.phone:mobile',
      'Organization - Name*': 'organization.name',
      'Activity - Subject*': '-',
    });
    expect(plan.skipped.find((s) => s.header === 'Activity - Due date')?.reason).toMatch(
      /an activity: this tool creates leads, not activities/,
    );
  });

  it('leaves out the columns its own rejects file and dead-letter export add, as theirs, not as unknown data', () => {
    for (const own of [REJECTS_COLUMNS, DLQ_EXPORT_COLUMNS]) {
      const plan = matchColumns({ header: ['Name', 'Email', 'Company', ...own], spec: {} });
      expect(fields(plan)).toMatchObject({
        Name: 'person.name',
        Email: 'person.email:work',
        Company: 'organization.name',
      });
      expect(
        plan.skipped.map((s) => [s.header, s.unrecognised ?? false, /^lead-importer's /.test(s.reason)]),
      ).toEqual(own.map((c) => [c, false, true]));
    }
    // A file's own `Reason` column elsewhere than at the end is the file's: not left out as ours.
    const plan = matchColumns({ header: ['Name', 'line', 'column', 'reason', 'Email'], spec: {} });
    expect(plan.skipped.filter((s) => /^lead-importer's /.test(s.reason))).toEqual([]);
  });

  it("reads an address's parts under the address's name: Shopify's Default Address …, Stripe's Address …, Wix's first", () => {
    const shopify = matchColumns({
      header: [
        'First Name',
        'Last Name',
        'Email',
        'Default Address Company',
        'Default Address Address1',
        'Default Address City',
        'Default Address Province Code',
        'Default Address Country Code',
        'Default Address Zip',
        'Default Address Phone',
      ],
      spec: {},
    });
    expect(fields(shopify)).toMatchObject({
      'Default Address Company': 'organization.name',
      'Default Address Address1': 'organization.address.street',
      'Default Address City': 'organization.address.city',
      'Default Address Province Code': 'organization.address.state',
      'Default Address Country Code': 'organization.address.country',
      'Default Address Zip': 'organization.address.postal_code',
      'Default Address Phone': 'person.phone:work',
    });
    const stripe = matchColumns({
      header: [
        'Email',
        'Name',
        'Address Line1',
        'Address City',
        'Address State',
        'Address Zip',
        'Address Country',
      ],
      spec: {},
    });
    expect(fields(stripe)).toMatchObject({
      'Address Line1': 'person.postal_address.street',
      'Address City': 'person.postal_address.city',
      'Address Country': 'person.postal_address.country',
    });
    // A second address's parts are not joined to the first's.
    const wix = matchColumns({
      header: [
        'First Name',
        'Email 1',
        'Address 1 - Street',
        'Address 1 - City',
        'Address 2 - Street',
        'Address 2 - City',
      ],
      spec: {},
    });
    expect(fields(wix)).toMatchObject({
      'Address 1 - Street': 'person.postal_address.street',
      'Address 1 - City': 'person.postal_address.city',
      'Address 2 - Street': '-',
      'Address 2 - City': '-',
    });
  });

  it("reads Calendly's invitees export, RocketReach's columns and other common names for the company and phone", () => {
    const calendly = matchColumns({
      header: [
        'Invitee Name',
        'Invitee First Name',
        'Invitee Last Name',
        'Invitee Email',
        'Text Reminder Number',
        'Event Type Name',
      ],
      spec: {},
    });
    expect(fields(calendly)).toMatchObject({
      'Invitee Name': 'person.name',
      'Invitee First Name': 'person.first_name',
      'Invitee Last Name': 'person.last_name',
      'Invitee Email': 'person.email:work',
      'Text Reminder Number': 'person.phone:mobile',
    });
    const others = matchColumns({
      header: ['Contact Name', 'Contact Email', 'Contact Phone', 'Current Company', 'Importe'],
      spec: {},
    });
    expect(fields(others)).toMatchObject({
      'Contact Phone': 'person.phone:work',
      'Current Company': 'organization.name',
      Importe: 'lead.value',
    });
    const rocketReach = matchColumns({
      header: ['name', 'current_employer', 'recommended_professional_email', 'Phone No.'],
      spec: {},
    });
    expect(fields(rocketReach)).toMatchObject({
      current_employer: 'organization.name',
      recommended_professional_email: 'person.email:work',
      'Phone No.': 'person.phone:work',
    });
  });

  it("leaves out a second person's columns (Name 2 beside Email 2): never another person's address on the first", () => {
    const plan = matchColumns({
      header: ['First Name', 'Last Name', 'Email', 'Company', 'Name 2', 'Email 2', 'Phone 2'],
      spec: {},
    });
    expect(fields(plan)).toMatchObject({
      Email: 'person.email:work',
      'Name 2': '-',
      'Email 2': '-',
      'Phone 2': '-',
    });
    expect(plan.skipped.find((s) => s.header === 'Email 2')?.reason).toMatch(
      /^a second person's, beside "Name 2"/,
    );
    // Without a second name, Email 2 is the person's other address, as before.
    const one = matchColumns({ header: ['Name', 'Email', 'Email 2'], spec: {} });
    expect(fields(one)).toMatchObject({ 'Email 2': 'person.email:other' });
  });

  it("reads Microsoft Forms' responses: the respondent's account (anonymous, or a colleague) is not the lead", () => {
    const plan = matchColumns({
      header: [
        'ID',
        'Start time',
        'Completion time',
        'Email',
        'Name',
        'Last modified time',
        'Full name',
        'Work email',
        'Company',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('microsoft-forms');
    expect(fields(plan)).toMatchObject({
      Email: '-',
      Name: '-',
      'Full name': 'person.name',
      'Work email': 'person.email:work',
      Company: 'organization.name',
    });
    expect(plan.skipped.find((s) => s.header === 'Email')?.reason).toMatch(
      /respondent's Microsoft 365 account/,
    );
  });

  it('reads the kind after an email or phone word, in brackets or after a dash, in any file', () => {
    const plan = matchColumns({
      header: [
        'Name',
        'Email (Work)',
        'Email Address (Home)',
        'Email - Personal',
        'E-mail (privat)',
        'Phone Number (Work)',
        'Phone (Mobile)',
        'Telephone (Office)',
        'Telefon (geschäftlich)',
      ],
      spec: {},
    });
    expect(fields(plan)).toMatchObject({
      Name: 'person.name',
      'Email (Work)': 'person.email:work',
      'Email Address (Home)': 'person.email:home',
      'Email - Personal': 'person.email:home',
      'E-mail (privat)': 'person.email:home',
      'Phone Number (Work)': 'person.phone:work',
      'Phone (Mobile)': 'person.phone:mobile',
      'Telephone (Office)': 'person.phone:work',
      'Telefon (geschäftlich)': 'person.phone:work',
    });
  });

  it('leaves out the counts and dates Pipedrive keeps for a contact (People, Open deals…), without asking for a field', () => {
    const plan = matchColumns({
      header: [
        'Organization - Name',
        'Organization - People',
        'Organization - Open deals',
        'Organization - Won deals',
        'Organization - Done activities',
        'Organization - Last activity date',
        'Person - Name',
        'Person - Email messages count',
        'Person - Closed deals',
      ],
      spec: {},
      catalogue: new FieldCatalogue({ lead: [], person: [], organization: [] }),
    });
    for (const s of plan.skipped) {
      expect(s.reason, s.header).toMatch(/Pipedrive counts/);
      expect(s.reason, s.header).not.toMatch(/create an? (organization|person) field/);
    }
    expect(plan.skipped).toHaveLength(7);
  });

  it("reads a column named like nothing by its LinkedIn values, and a company's industry before a bare Industry", () => {
    const plan = matchColumns({
      header: [
        'Full name',
        'Email',
        'Industry',
        'Company industry',
        'Social URL',
        'Company social URL',
        'Website',
      ],
      spec: {},
      sample: [
        [
          'A',
          'a@x.io',
          'Logistics',
          'Manufacturing',
          'https://www.linkedin.com/in/a',
          'linkedin.com/company/x',
          'x.io',
        ],
        ['B', 'b@x.io', '', '', 'https://se.linkedin.com/in/b/', '', ''],
      ],
    });
    const f = fields(plan);
    expect(f['Social URL']).toBe('lead.note');
    expect(plan.matches.find((m) => m.header === 'Social URL')?.keptInNote?.label).toBe('LinkedIn');
    expect(f['Company social URL']).toBe('organization.linkedin');
    expect(f['Company industry']).toBe('organization.industry');
    expect(f.Industry).toBe('-');
    // One value that is not a LinkedIn page: the column stays unknown.
    const mixed = matchColumns({
      header: ['Name', 'Email', 'Profile'],
      spec: {},
      sample: [
        ['A', 'a@x.io', 'https://www.linkedin.com/in/a'],
        ['B', 'b@x.io', 'https://twitter.com/b'],
      ],
    });
    expect(fields(mixed).Profile).toBe('-');
  });

  it('reads Sales Navigator and prospecting exports: current job, HQ address, exact head count, one LinkedIn line', () => {
    // Evaboot's Sales Navigator export, Kaspr's two kinds of email.
    const header = [
      'Full Name',
      'Email',
      'Linkedin URL Public',
      'Linkedin URL Unique ID',
      'Current Job',
      'Company Name',
      'Company Headquarters (Full Address)',
      'Company Industries',
      'Company Employee Range',
      'Company Employee Exact Count',
      'Work Email 2',
      'Direct Email',
    ];
    const plan = matchColumns({
      header,
      spec: {},
      sample: [
        [
          'Zoë Ørsted',
          'zoe@x.io',
          'https://www.linkedin.com/in/zoe-orsted',
          'https://www.linkedin.com/in/ACwAAA123',
          'Head of Procurement',
          'Ångström AB',
          'Kungsgatan 1, 111 43 Stockholm, Sweden',
          'Machinery Manufacturing',
          '51-200',
          '120',
          'z.orsted@x.io',
          'zoe@example.net',
        ],
      ],
    });
    const f = fields(plan);
    expect(f).toMatchObject({
      'Current Job': 'person.job_title',
      'Linkedin URL Public': 'lead.note',
      'Linkedin URL Unique ID': '-',
      'Company Headquarters (Full Address)': 'organization.address',
      'Company Industries': 'organization.industry',
      'Company Employee Exact Count': 'organization.employee_count',
      'Work Email 2': 'person.email:work',
      'Direct Email': 'person.email:other',
    });
    expect(plan.skipped.find((s) => s.header === 'Linkedin URL Unique ID')?.reason).toBe(
      'the person\'s LinkedIn profile again ("Linkedin URL Public" gives it)',
    );
  });

  it('says a column named like nothing is empty when the rows read hold nothing in it (Clay\'s "Find people")', () => {
    const plan = matchColumns({
      header: ['Find people', 'Full Name', 'Email', 'Seats'],
      spec: {},
      sample: [
        ['', 'A', 'a@x.io', '5'],
        ['', 'B', 'b@x.io', ''],
      ],
    });
    const reason = (h: string) => plan.skipped.find((s) => s.header === h)?.reason;
    expect(reason('Find people')).toBe('empty in the first 2 rows, and no field is named like it');
    expect(reason('Seats')).toMatch(/^no standard field is named like it/);
  });

  it("reads a column named like nothing by its email addresses (Clay's enrichment columns: Find work email, Final Email)", () => {
    // A Clay table: an enrichment column is named after its action (`Find work email`), a formula column as its
    // author chose (`Final Email`).
    const plan = matchColumns({
      header: ['Full Name', 'Company Name', 'Find work email', 'Final Email', 'Notes on call'],
      spec: {},
      sample: [
        ['A B', 'X', 'a.b@x.example.com', 'a.b@x.example.com', 'Call back'],
        ['C D', '', '', 'c.d@example.net', ''],
      ],
    });
    const f = fields(plan);
    expect(f['Find work email']).toBe('person.email:work');
    expect(f['Final Email']).toBe('person.email:work');
    expect(plan.matches.find((m) => m.header === 'Final Email')?.reason).toBe(
      'auto: "Final Email" holds email addresses; an address at a free-mail provider (gmail.com, outlook.com…) is labelled home',
    );
    expect(f['Notes on call']).toBe('-');
    // One value that is no address: the column stays unknown.
    const mixed = matchColumns({
      header: ['Name', 'Contact'],
      spec: {},
      sample: [
        ['A', 'a@x.io'],
        ['B', '+46 70 555 01 23'],
      ],
    });
    expect(fields(mixed).Contact).toBe('-');
    // Addresses of someone other than the row's person: not the person's.
    const others = matchColumns({
      header: ['Name', 'Email', 'Created by', 'Account manager'],
      spec: {},
      sample: [['A', 'a@x.io', 'maria@our.example.com', 'jon@our.example.com']],
    });
    expect(fields(others)['Created by']).toBe('-');
    expect(fields(others)['Account manager']).toBe('-');
  });

  it("does not take a column of record ids for the company's name (Instantly's organization is its workspace)", () => {
    const header = ['email', 'organization', 'company_name'];
    const uuid = '0196f3a2-7c1e-7d00-9a41-3b5c2e8d1f00';
    const instantly = matchColumns({
      header,
      spec: {},
      sample: [
        ['a@x.io', uuid, 'Ångström AB'],
        ['b@x.io', uuid, ''],
      ],
    });
    expect(fields(instantly).company_name).toBe('organization.name');
    expect(fields(instantly).organization).toBe('-');
    expect(instantly.skipped.find((s) => s.header === 'organization')?.reason).toMatch(
      /record ids, not names/,
    );
    // A MongoDB ObjectId is an id too; one real name in the column makes it names.
    const mongo = matchColumns({
      header: ['email', 'company'],
      spec: {},
      sample: [['a@x.io', '65a1f0c2e4b0a1b2c3d4e5f6']],
    });
    expect(fields(mongo).company).toBe('-');
    const named = matchColumns({
      header,
      spec: {},
      sample: [
        ['a@x.io', uuid, ''],
        ['b@x.io', 'Acme', ''],
      ],
    });
    expect(fields(named).organization).toBe('organization.name');
  });

  it("reads a LinkedIn column by its values: a person's profile kept in the note, company pages the organization's", () => {
    const header = ['Name', 'Email', 'LinkedIn URL'];
    const people = matchColumns({
      header,
      spec: {},
      sample: [
        ['A', 'a@x.io', 'https://www.linkedin.com/in/a'],
        ['B', 'b@x.io', ''],
      ],
    });
    expect(fields(people)['LinkedIn URL']).toBe('lead.note');
    expect(people.matches.find((m) => m.header === 'LinkedIn URL')?.keptInNote?.label).toBe('LinkedIn');
    const pages = matchColumns({
      header,
      spec: {},
      sample: [['A', 'a@x.io', 'linkedin.com/company/x']],
    });
    expect(fields(pages)['LinkedIn URL']).toBe('organization.linkedin');
    // A custom person field the account named like the column takes it.
    const custom = matchColumns({
      header,
      spec: {},
      sample: [['A', 'a@x.io', 'https://www.linkedin.com/in/a']],
      catalogue: new FieldCatalogue({
        lead: [],
        person: [field('d'.repeat(40), 'LinkedIn URL', 'varchar', true)],
        organization: [],
      }),
    });
    expect(fields(custom)['LinkedIn URL']).toBe('custom.person:LinkedIn URL');
    // A company's LinkedIn column is never a person's.
    expect(fields(matchColumns({ header: ['Name', 'Company LinkedIn'], spec: {} }))['Company LinkedIn']).toBe(
      'organization.linkedin',
    );
  });

  it('reads a bare Title by its values: job titles next to a person, else the lead title, and says which', () => {
    const header = ['Title', 'Name', 'Email', 'Company'];
    const jobs = matchColumns({
      header,
      spec: {},
      sample: [
        ['CTO', 'A', 'a@x.io', 'X'],
        ['VP Sales', 'B', 'b@x.io', 'Y'],
      ],
    });
    expect(fields(jobs).Title).toBe('person.job_title');
    expect(jobs.notes.join()).toMatch(/"Title" read as the person's job title .*lead: \{ title: Title \}/);
    const deals = matchColumns({
      header,
      spec: {},
      sample: [
        ['Website redesign', 'A', 'a@x.io', 'X'],
        ['Support contract', 'B', 'b@x.io', 'Y'],
      ],
    });
    expect(fields(deals).Title).toBe('lead.title');
    expect(deals.notes.join()).toMatch(/read as the lead's title .*person: \{ job_title: Title \}/);
    // With a lead-title column beside it, Title is the job title whatever it holds.
    const both = matchColumns({
      header: [...header, 'Deal name'],
      spec: {},
      sample: [['Website', 'A', 'a@x.io', 'X', 'D']],
    });
    expect(fields(both)).toMatchObject({ Title: 'person.job_title', 'Deal name': 'lead.title' });
    // Job titles in French, German (a compound's last part too), Spanish, Polish and Russian are job titles.
    for (const titles of [
      ['Gérant', 'Directrice commerciale'],
      ['Geschäftsführer', 'Vertriebsleiterin'],
      ['Gerente general', 'Jefa de compras'],
      ['Prezes zarządu', 'Kierownik sprzedaży'],
      ['Генеральный директор', 'Руководитель отдела'],
    ]) {
      const plan = matchColumns({
        header,
        spec: {},
        sample: titles.map((t, i) => [t, `P${i}`, `p${i}@x.io`, 'X']),
      });
      expect(fields(plan).Title, titles.join()).toBe('person.job_title');
    }
  });

  it('leaves out a bare Title that holds salutations (Ms., Dr.), as Keap and many sheets write it: never the lead title', () => {
    const plan = matchColumns({
      header: ['First Name', 'Last Name', 'Title', 'Company', 'Job Title'],
      spec: {},
      sample: [
        ['Zoë', 'Ørsted', 'Ms.', 'Ångström AB', 'Head of Procurement'],
        ['Priya', 'Raman', 'Dr.', 'Northwind', 'VP Operations'],
        ['Ingrid', 'Dahl', '', '', ''],
        ['Erik', 'Lindqvist', 'Mr', 'Ångström AB', 'Plant Manager'],
      ],
    });
    expect(fields(plan)).toMatchObject({ Title: '-', 'Job Title': 'person.job_title' });
    expect(plan.skipped.find((c) => c.header === 'Title')?.reason).toMatch(/salutation/);
    expect(plan.notes.join()).toMatch(/"Title" holds salutations/);
  });

  it('reads the header names of German, French, Spanish, Dutch, Italian and Portuguese sheets', () => {
    const german = matchColumns({
      header:
        'Anrede;Vorname;Nachname;E-Mail;Firma;Telefon;Handy;Position;Straße;PLZ;Ort;Land;Bemerkungen;Wert;Währung;Abschlussdatum;Webseite;Branche;Geburtstag'.split(
          ';',
        ),
      spec: {},
    });
    expect(fields(german)).toEqual({
      Anrede: '-',
      Vorname: 'person.first_name',
      Nachname: 'person.last_name',
      'E-Mail': 'person.email:work',
      Firma: 'organization.name',
      Telefon: 'person.phone:work',
      Handy: 'person.phone:mobile',
      Position: 'person.job_title',
      Straße: 'organization.address.street',
      PLZ: 'organization.address.postal_code',
      Ort: 'organization.address.city',
      Land: 'organization.address.country',
      Bemerkungen: 'lead.note',
      Wert: 'lead.value',
      Währung: 'lead.currency',
      Abschlussdatum: 'lead.expected_close_date',
      Webseite: 'organization.website',
      Branche: 'organization.industry',
      Geburtstag: 'person.birthday',
    });
    expect(german.skipped.find((s) => s.header === 'Anrede')?.reason).toMatch(/salutation/);
    const others: [string[], string[]][] = [
      [
        ['Prénom', 'Nom de famille', 'Courriel', 'Société', 'Téléphone', 'Portable', 'Fonction', 'Remarques'],
        [
          'first_name',
          'last_name',
          'email:work',
          'organization.name',
          'phone:work',
          'phone:mobile',
          'job_title',
          'lead.note',
        ],
      ],
      [
        [
          'Nombre de pila',
          'Apellidos',
          'Correo electrónico',
          'Empresa',
          'Teléfono',
          'Móvil',
          'Cargo',
          'Notas',
        ],
        [
          'first_name',
          'last_name',
          'email:work',
          'organization.name',
          'phone:work',
          'phone:mobile',
          'job_title',
          'lead.note',
        ],
      ],
      [
        [
          'Voornaam',
          'Achternaam',
          'E-mailadres',
          'Bedrijfsnaam',
          'Telefoonnummer',
          'Mobiel',
          'Functie',
          'Opmerkingen',
        ],
        [
          'first_name',
          'last_name',
          'email:work',
          'organization.name',
          'phone:work',
          'phone:mobile',
          'job_title',
          'lead.note',
        ],
      ],
      [
        ['Nome', 'Cognome', 'Email', 'Azienda', 'Telefono', 'Cellulare', 'Ruolo', 'Valore'],
        [
          'first_name',
          'last_name',
          'email:work',
          'organization.name',
          'phone:work',
          'phone:mobile',
          'job_title',
          'lead.value',
        ],
      ],
      [
        ['Nome', 'Sobrenome', 'E-mail', 'Empresa', 'Telefone', 'Celular', 'Cargo', 'Valor'],
        [
          'first_name',
          'last_name',
          'email:work',
          'organization.name',
          'phone:work',
          'phone:mobile',
          'job_title',
          'lead.value',
        ],
      ],
    ];
    for (const [header, want] of others) {
      const got = fields(matchColumns({ header, spec: {} }));
      expect(
        header.map((h) => got[h]),
        header.join(';'),
      ).toEqual(want.map((w) => (/^(lead|organization)\.|^-$/.test(w) ? w : `person.${w}`)));
    }
  });

  it('reads the kind of a German phone column from the word after Telefon, as German Outlook writes it', () => {
    const plan = matchColumns({
      header: ['Nachname', 'Telefon geschäftlich', 'Telefon privat', 'Mobiltelefon', 'Telefon/beruflich'],
      spec: {},
    });
    expect(fields(plan)).toMatchObject({
      'Telefon geschäftlich': 'person.phone:work',
      'Telefon privat': 'person.phone:home',
      Mobiltelefon: 'person.phone:mobile',
      'Telefon/beruflich': 'person.phone:work',
    });
  });

  it("keeps a Dutch name's particle (Tussenvoegsel) in the full name, between first and last name", () => {
    expect(
      fields(matchColumns({ header: ['Voornaam', 'Tussenvoegsel', 'Achternaam', 'E-mailadres'], spec: {} })),
    ).toMatchObject({
      Voornaam: 'person.first_name',
      Tussenvoegsel: 'person.middle_name',
      Achternaam: 'person.last_name',
    });
  });

  it('leaves out header names that mean different things in different languages', () => {
    // German `Titel` is an academic title (Dr.), never the lead's title; Italian `Via` and `CAP` are
    // English words too ("via LinkedIn"); Spanish `Estado` is also a status.
    const plan = matchColumns({ header: ['Titel', 'Vorname', 'Nachname', 'Via', 'CAP', 'Estado'], spec: {} });
    expect(fields(plan)).toMatchObject({ Titel: '-', Via: '-', CAP: '-', Estado: '-' });
  });

  it('reads the header names of Russian, Ukrainian, Polish and Czech sheets', () => {
    // As users type them in Excel (the files stopped with exit 2: no column for the person's name).
    const read = (header: string) => fields(matchColumns({ header: header.split(';'), spec: {} }));
    expect(read('Имя;Фамилия;Компания;Email;Телефон;Должность;Город;Комментарий')).toEqual({
      Имя: 'person.first_name',
      Фамилия: 'person.last_name',
      Компания: 'organization.name',
      Email: 'person.email:work',
      Телефон: 'person.phone:work',
      Должность: 'person.job_title',
      Город: 'organization.address.city',
      Комментарий: 'lead.note',
    });
    expect(read('Imię;Nazwisko;Firma;E-mail;Telefon;Stanowisko;Miasto;Uwagi')).toEqual({
      Imię: 'person.first_name',
      Nazwisko: 'person.last_name',
      Firma: 'organization.name',
      'E-mail': 'person.email:work',
      Telefon: 'person.phone:work',
      Stanowisko: 'person.job_title',
      Miasto: 'organization.address.city',
      Uwagi: 'lead.note',
    });
    expect(read('Jméno;Příjmení;Firma/Společnost;E-mail;Telefon;Pozice;Město;Poznámka')).toEqual({
      Jméno: 'person.first_name',
      Příjmení: 'person.last_name',
      'Firma/Společnost': 'organization.name',
      'E-mail': 'person.email:work',
      Telefon: 'person.phone:work',
      Pozice: 'person.job_title',
      Město: 'organization.address.city',
      Poznámka: 'lead.note',
    });
    // Ukrainian `Ім'я` with a typewriter apostrophe or the letter apostrophe ʼ (U+02BC).
    for (const name of ["Ім'я", 'Імʼя', 'Ім’я']) {
      expect(read(`${name};Прізвище;Компанія;Посада;Телефон;Примітка`)).toEqual({
        [name]: 'person.first_name',
        Прізвище: 'person.last_name',
        Компанія: 'organization.name',
        Посада: 'person.job_title',
        Телефон: 'person.phone:work',
        Примітка: 'lead.note',
      });
    }
    // The full name in one column, the patronymic, mobile phones, amounts, currencies, dates, websites.
    expect(
      read(
        'ФИО;Мобильный телефон;Электронная почта;Организация;Сайт;Сумма;Валюта;Дата закрытия;Адрес;Страна',
      ),
    ).toEqual({
      ФИО: 'person.name',
      'Мобильный телефон': 'person.phone:mobile',
      'Электронная почта': 'person.email:work',
      Организация: 'organization.name',
      Сайт: 'organization.website',
      Сумма: 'lead.value',
      Валюта: 'lead.currency',
      'Дата закрытия': 'lead.expected_close_date',
      Адрес: 'organization.address',
      Страна: 'organization.address.country',
    });
    expect(read('Imię i nazwisko;Telefon komórkowy;Adres e-mail;Wartość;Waluta;Kod pocztowy')).toEqual({
      'Imię i nazwisko': 'person.name',
      'Telefon komórkowy': 'person.phone:mobile',
      'Adres e-mail': 'person.email:work',
      Wartość: 'lead.value',
      Waluta: 'lead.currency',
      'Kod pocztowy': 'person.postal_address.postal_code',
    });
    expect(read('Jméno a příjmení;Mobilní telefon;Hodnota;Měna;PSČ;Země')).toEqual({
      'Jméno a příjmení': 'person.name',
      'Mobilní telefon': 'person.phone:mobile',
      Hodnota: 'lead.value',
      Měna: 'lead.currency',
      PSČ: 'person.postal_address.postal_code',
      Země: 'person.postal_address.country',
    });
    expect(read('ПІБ;Електронна пошта;Мобільний телефон')).toEqual({
      ПІБ: 'person.name',
      'Електронна пошта': 'person.email:work',
      'Мобільний телефон': 'person.phone:mobile',
    });
  });

  it('keeps a Russian or Ukrainian patronymic in the full name, between given name and surname', () => {
    for (const [first, middle, last] of [
      ['Имя', 'Отчество', 'Фамилия'],
      ["Ім'я", 'По батькові', 'Прізвище'],
    ] as const) {
      expect(fields(matchColumns({ header: [last, first, middle, 'Email'], spec: {} }))).toMatchObject({
        [first]: 'person.first_name',
        [middle]: 'person.middle_name',
        [last]: 'person.last_name',
      });
    }
  });

  it('reads a sheet typed in Hungarian (family name first, as Hungarians write it)', () => {
    const header = [
      'Vezetéknév',
      'Keresztnév',
      'Cég',
      'E-mail cím',
      'Telefonszám',
      'Beosztás',
      'Város',
      'Megjegyzés',
    ];
    expect(fields(matchColumns({ header, spec: {} }))).toEqual({
      Vezetéknév: 'person.last_name',
      Keresztnév: 'person.first_name',
      Cég: 'organization.name',
      'E-mail cím': 'person.email:work',
      Telefonszám: 'person.phone:work',
      Beosztás: 'person.job_title',
      Város: 'organization.address.city',
      Megjegyzés: 'lead.note',
    });
  });

  it("keeps a plain Middle Name in the full name, as Google's and Outlook's exports do, not dropped", () => {
    const plan = matchColumns({
      header: ['First Name', 'Middle Name', 'Last Name', 'Email'],
      spec: {},
      sample: [['Jane', 'A.', 'Doe', 'jane@example.com']],
    });
    expect(fields(plan)).toMatchObject({
      'First Name': 'person.first_name',
      'Middle Name': 'person.middle_name',
      'Last Name': 'person.last_name',
    });
    expect(plan.skipped.map((s) => s.header)).not.toContain('Middle Name');
  });

  it('reads a lone Имя, Imię or Jméno as the full name, as a one-field form fills it', () => {
    for (const name of ['Имя', 'Imię', 'Jméno']) {
      expect(fields(matchColumns({ header: [name, 'E-mail', 'Telefon'], spec: {} }))[name]).toBe(
        'person.name',
      );
    }
  });

  it('leaves out Slavic header names that could mean two things, as columns no field is named like', () => {
    // Polish `Nazwa`, Russian `Название`, Czech `Název` (the name of a thing: a company, a product, a
    // deal); Russian `Контакт` (a contact person, or a phone or email to reach one); Russian `Почта`
    // (e-mail, or the postal address); `Kraj` (the country in Polish, a region in Czech).
    const header = ['Nazwa', 'Название', 'Název', 'Контакт', 'Почта', 'Kraj', 'E-mail'];
    const plan = matchColumns({ header, spec: {} });
    expect(fields(plan)).toEqual({
      Nazwa: '-',
      Название: '-',
      Název: '-',
      Контакт: '-',
      Почта: '-',
      Kraj: '-',
      'E-mail': 'person.email:work',
    });
    expect(plan.skipped.every((s) => s.unrecognised)).toBe(true);
    // A Polish sheet whose only name column is `Nazwa` stops with the message that names it and --mapping.
    const polish = ['Nazwa', 'Telefon', 'Miasto'];
    expect(() => assertNamesContact(matchColumns({ header: polish, spec: {} }), polish)).toThrow(
      /No column names a person or an organization \(columns: "Nazwa", "Telefon", "Miasto"\).*--mapping/,
    );
  });

  it('reads a Bitrix24 export by its Russian headers: leads and contacts', () => {
    const leads = matchColumns({
      header: [
        'ID',
        'Название лида',
        'Имя',
        'Отчество',
        'Фамилия',
        'Рабочий телефон',
        'Мобильный телефон',
        'Рабочий e-mail',
        'Частный e-mail',
        'Название компании',
        'Комментарий',
        'Стадия',
        'Возможная сумма',
        'Валюта',
        'Ответственный',
        'Контакт Telegram',
      ],
      spec: {},
    });
    expect(leads.system?.id).toBe('bitrix24');
    expect(fields(leads)).toEqual({
      ID: '-',
      'Название лида': 'lead.title',
      Имя: 'person.first_name',
      Отчество: 'person.middle_name',
      Фамилия: 'person.last_name',
      'Рабочий телефон': 'person.phone:work',
      'Мобильный телефон': 'person.phone:mobile',
      'Рабочий e-mail': 'person.email:work',
      'Частный e-mail': 'person.email:home',
      'Название компании': 'organization.name',
      Комментарий: 'lead.note',
      Стадия: '-',
      'Возможная сумма': 'lead.value',
      Валюта: 'lead.currency',
      Ответственный: '-',
      'Контакт Telegram': '-',
    });
    expect(leads.skipped.some((s) => s.unrecognised)).toBe(false);
    // A contacts export: the company is `Компания`, and `Тип контакта` says what the contact is to the firm.
    const contacts = matchColumns({
      header: [
        'ID',
        'Имя',
        'Фамилия',
        'Компания',
        'Должность',
        'Тип контакта',
        'Рабочий телефон',
        'Рабочий e-mail',
        'Источник',
        'Ответственный',
      ],
      spec: {},
    });
    expect(contacts.system?.id).toBe('bitrix24');
    expect(fields(contacts)).toMatchObject({
      Компания: 'organization.name',
      'Тип контакта': '-',
      Источник: '-',
    });
  });

  it('reads a bare Name beside a first-name column as the last name, unless its values are full names', () => {
    const header = ['Vorname', 'Name', 'E-Mail'];
    const surname = matchColumns({
      header,
      spec: {},
      sample: [
        ['Anna', 'Schmidt', 'anna@example.de'],
        ['Jürgen', 'Weiß', 'j@example.de'],
      ],
    });
    expect(fields(surname)).toMatchObject({ Vorname: 'person.first_name', Name: 'person.last_name' });
    expect(surname.matches.find((m) => m.header === 'Name')?.reason).toBe(
      'auto: "Name" is the last name: beside "Vorname" (first names) with no last-name column',
    );
    expect(surname.notes.join()).toMatch(/"Name" read as the person's last name .*person: \{ name: Name \}/);
    // The French form, before any row is read: the convention decides.
    expect(fields(matchColumns({ header: ['Prénom', 'Nom', 'Courriel'], spec: {} }))).toMatchObject({
      Prénom: 'person.first_name',
      Nom: 'person.last_name',
    });
    const full = matchColumns({
      header,
      spec: {},
      sample: [
        ['Anna', 'Anna Schmidt', 'anna@example.de'],
        ['Jürgen', 'Dr. Jürgen Weiß', 'j@example.de'],
      ],
    });
    expect(fields(full)).toMatchObject({ Vorname: 'person.first_name', Name: 'person.name' });
    expect(full.matches.find((m) => m.header === 'Name')?.reason).toMatch(
      /holds full names \(with "Vorname" in them, e\.g\. "Anna Schmidt"\)/,
    );
    expect(full.notes.join()).toMatch(/person: \{ last_name: Name \}/);
  });

  it('reads Nombre or Nome beside a last-name column as the first name, and alone as the full name', () => {
    const spanish = matchColumns({
      header: ['Nombre', 'Apellidos', 'Correo'],
      spec: {},
      sample: [['José', 'Núñez García', 'jose@example.es']],
    });
    expect(fields(spanish)).toMatchObject({ Nombre: 'person.first_name', Apellidos: 'person.last_name' });
    expect(spanish.matches.find((m) => m.header === 'Nombre')?.reason).toMatch(
      /is the first name: beside "Apellidos"/,
    );
    expect(fields(matchColumns({ header: ['Nome', 'Cognome'], spec: {} }))).toMatchObject({
      Nome: 'person.first_name',
      Cognome: 'person.last_name',
    });
    // A full name that holds the surname stays the full name.
    const full = matchColumns({
      header: ['Nombre', 'Apellidos'],
      spec: {},
      sample: [['José Núñez García', 'Núñez García']],
    });
    expect(fields(full).Nombre).toBe('person.name');
    for (const name of ['Name', 'Nom', 'Nombre', 'Nome', 'Naam']) {
      const alone = matchColumns({ header: [name, 'Email'], spec: {} });
      expect(fields(alone)[name], name).toBe('person.name');
      expect(alone.notes).toEqual([]);
    }
    // Beside both a first and a last name it is the full name, as in English files.
    expect(fields(matchColumns({ header: ['Vorname', 'Nachname', 'Name'], spec: {} })).Name).toBe(
      'person.name',
    );
    // The mapping file's first name counts as the file's.
    expect(
      fields(matchColumns({ header: ['Rufname', 'Name'], spec: { person: { first_name: 'Rufname' } } })).Name,
    ).toBe('person.last_name');
  });

  it('puts an address with no owner in its name on the organization when the file has one, else on the person', () => {
    expect(fields(matchColumns({ header: ['Name', 'Company', 'City', 'Zip'], spec: {} }))).toMatchObject({
      City: 'organization.address.city',
      Zip: 'organization.address.postal_code',
    });
    expect(fields(matchColumns({ header: ['Name', 'Email', 'City', 'Address'], spec: {} }))).toMatchObject({
      City: 'person.postal_address.city',
      Address: 'person.postal_address',
    });
  });

  it('takes several email and phone columns with their labels, primary first', () => {
    const plan = matchColumns({
      header: ['Name', 'Mobile', 'Email', 'Phone', 'Personal email', 'Secondary email'],
      spec: {},
    });
    expect(fields(plan)).toMatchObject({
      Mobile: 'person.phone:mobile',
      Phone: 'person.phone:work',
      Email: 'person.email:work',
      'Personal email': 'person.email:home',
      'Secondary email': 'person.email:other',
    });
  });

  it('reads "… Number" phone columns like "… Phone", and a company\'s industry and domain by those words', () => {
    // As sales tools name them (a CRM's "Work Number" beside its "Mobile Number"; "Domain name", "Company Industry").
    const plan = matchColumns({
      header: [
        'Full Name',
        'Email',
        'Work Number',
        'Mobile Number',
        'Home Number',
        'Company',
        'Company Industry',
        'Domain name',
      ],
      spec: {},
    });
    expect(fields(plan)).toMatchObject({
      'Work Number': 'person.phone:work',
      'Mobile Number': 'person.phone:mobile',
      'Home Number': 'person.phone:home',
      'Company Industry': 'organization.industry',
      'Domain name': 'organization.website',
    });
  });

  it("reads HubSpot's opt-out column, Unsubscribed from all email, as the person's email opt-out", () => {
    // HubSpot's property hs_email_optout: an opt-out left out was lost (its consent, where the account has Campaigns).
    const plan = matchColumns({
      header: ['First Name', 'Last Name', 'Email', 'Unsubscribed from all email', 'Marketing contact status'],
      spec: {},
    });
    expect(fields(plan)).toMatchObject({ 'Unsubscribed from all email': 'person.email_opt_out' });
    // Whether HubSpot may market to the contact (its billing), not the person's consent: left out.
    expect(fields(plan)['Marketing contact status']).toBe('-');
  });

  it('takes numbered email and phone columns (Email 1, Phone 1), the first as the primary', () => {
    const plan = matchColumns({
      header: ['First Name', 'Last Name', 'Email 1', 'Email 2', 'Phone 1', 'Phone 2', 'Company Name'],
      spec: {},
    });
    expect(fields(plan)).toMatchObject({
      'Email 1': 'person.email:work',
      'Email 2': 'person.email:other',
      'Phone 1': 'person.phone:work',
      'Phone 2': 'person.phone:other',
    });
  });

  it('takes the kind of a numbered phone or email from its "Phone 1 Type" column, as Keap and lead lists write it', () => {
    const plan = matchColumns({
      header: [
        'First Name',
        'Last Name',
        'Email',
        'Phone 1',
        'Phone 1 Type',
        'Phone 2',
        'Phone 2 Type',
        'Phone 3',
      ],
      spec: {},
    });
    const target = (h: string) => plan.matches.find((m) => m.header === h)?.target;
    expect(target('Phone 1')).toMatchObject({ field: 'phone', labelColumn: 'Phone 1 Type' });
    expect(target('Phone 2')).toMatchObject({ field: 'phone', labelColumn: 'Phone 2 Type' });
    // Without a Type column beside it, a numbered column keeps the kind its number gives.
    expect(target('Phone 3')).toMatchObject({ field: 'phone', label: 'other' });
    expect(target('Phone 3')).not.toHaveProperty('labelColumn');
    const skipped = new Map(plan.skipped.map((c) => [c.header, c.reason]));
    expect(skipped.get('Phone 1 Type')).toBe('the label of the column beside it');
  });

  it('reads headers that all start with an entity word, as Freshsales writes them (Contact : First name), by the words after it', () => {
    const header = [
      'Contact : id',
      'Contact : First name',
      'Contact : Last name',
      'Contact : Job title',
      'Contact : Mobile',
    ];
    const plan = matchColumns({ header, spec: {} });
    expect(fields(plan)).toMatchObject({
      'Contact : id': '-',
      'Contact : First name': 'person.first_name',
      'Contact : Last name': 'person.last_name',
      'Contact : Job title': 'person.job_title',
      'Contact : Mobile': 'person.phone:mobile',
    });
    // A mapping file may name the column either way.
    const mapped = matchColumns({ header, spec: { person: { name: 'First name' } } as never });
    expect(mapped.matches.find((m) => m.source === 'mapping')?.header).toBe('Contact : First name');
    // One header with a colon in it is just a header.
    expect(
      fields(matchColumns({ header: ['Name', 'Email', 'Note: internal'], spec: {} }))['Note: internal'],
    ).toBe('-');
  });

  it("reads a German Pipedrive account's headers (Vorname, E-Mail-Adresse - Büro) offline, as an English account's", () => {
    // Pipedrive writes its field and label names in the account's language: an agency moving a German client's
    // contacts into another account gets these.
    const plan = matchColumns({
      header: [
        'Person - Vorname',
        'Person - Nachname',
        'Person - E-Mail-Adresse - Büro',
        'Person - E-Mail-Adresse - Privat',
        'Person - Telefon - Mobil',
        'Person - Telefon - Büro',
        'Person - Organisation',
        'Organisation - Name',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('pipedrive');
    expect(fields(plan)).toEqual({
      'Person - Vorname': 'person.first_name',
      'Person - Nachname': 'person.last_name',
      'Person - E-Mail-Adresse - Büro': 'person.email:work',
      'Person - E-Mail-Adresse - Privat': 'person.email:home',
      'Person - Telefon - Mobil': 'person.phone:mobile',
      'Person - Telefon - Büro': 'person.phone:work',
      'Person - Organisation': '-',
      'Organisation - Name': 'organization.name',
    });
  });

  it("reads a Brazilian Pipedrive account's People export, whose columns have no `Pessoa - ` prefix", () => {
    // The export of one list writes the entity's fields under their names in the account's language (a real
    // `people-….csv` from a pt-BR account): `Nome` is the whole name beside `Primeiro nome` and `Sobrenome`.
    const plan = matchColumns({
      header: [
        'ID',
        'Nome',
        'Etiqueta',
        'Telefone - Trabalho',
        'Telefone - Residencial',
        'Telefone - Celular',
        'Telefone - Outros',
        'E-mail - Trabalho',
        'E-mail - Residencial',
        'E-mail - Outros',
        'Pessoa criada',
        'Organização',
        'ID da organização',
        'Proprietário',
        'Negócios em aberto',
        'Visível para',
        'Primeiro nome',
        'Sobrenome',
        'Linkedin',
        'Cargo',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('pipedrive');
    expect(fields(plan)).toEqual({
      ID: '-',
      Nome: 'person.name',
      Etiqueta: '-',
      'Telefone - Trabalho': 'person.phone:work',
      'Telefone - Residencial': 'person.phone:home',
      'Telefone - Celular': 'person.phone:mobile',
      'Telefone - Outros': 'person.phone:other',
      'E-mail - Trabalho': 'person.email:work',
      'E-mail - Residencial': 'person.email:home',
      'E-mail - Outros': 'person.email:other',
      'Pessoa criada': '-',
      Organização: 'organization.name',
      'ID da organização': '-',
      Proprietário: '-',
      'Negócios em aberto': '-',
      'Visível para': '-',
      'Primeiro nome': 'person.first_name',
      Sobrenome: 'person.last_name',
      // The account's custom field, read as any file's column.
      Linkedin: 'lead.note',
      Cargo: 'person.job_title',
    });
    // Its Leads export: the lead's own fields, the linked person and organization by name.
    const leads = matchColumns({
      header: [
        'ID',
        'Título',
        'Etiquetas',
        'Proprietário',
        'Pessoa de contato',
        'Organização',
        'Lead criado em',
        'Valor',
        'Moeda',
        'Data de fechamento esperada',
        'Visível para',
      ],
      spec: {},
    });
    expect(fields(leads)).toMatchObject({
      Título: 'lead.title',
      Etiquetas: 'lead.labels',
      Proprietário: '-',
      'Pessoa de contato': 'person.name',
      Organização: 'organization.name',
      Valor: 'lead.value',
      Moeda: 'lead.currency',
      'Data de fechamento esperada': 'lead.expected_close_date',
    });
    // `Visible to` alone is no Pipedrive export; nor is a sheet of one's own with it and `Lead created`, without the
    // export's record id: its `Title` is still read by its values, its `Owner` still the lead's owner.
    expect(matchColumns({ header: ['Name', 'Email', 'Visible to'], spec: {} }).system).toBeUndefined();
    const own = ['Title', 'Name', 'Email', 'Organization', 'Owner', 'Visible to', 'Lead created'];
    expect(matchColumns({ header: own, spec: {} }).system).toBeUndefined();
    expect(
      matchColumns({ header: ['ID', ...own], spec: {} }).system?.id,
      'the same with the record id of the export',
    ).toBe('pipedrive');
    // A Brazilian account's export whose columns were chosen without `ID`: its own words say what it is.
    expect(
      matchColumns({ header: ['Nome', 'Organização', 'Pessoa criada', 'Visível para'], spec: {} }).system?.id,
    ).toBe('pipedrive');
  });

  it('recognises a system whatever else the file names: a column `Constructor` or `__proto__` is no evidence', () => {
    const header = ['Record ID', 'First Name', 'Last Name', 'Email', 'Lifecycle Stage', 'Contact owner'];
    expect(matchColumns({ header, spec: {} }).system?.id).toBe('hubspot');
    expect(
      matchColumns({ header: [...header, 'Constructor', '__proto__', 'toString'], spec: {} }).system?.id,
    ).toBe('hubspot');
  });

  it("reads a Pipedrive export's address parts: the district is not the city, the house number is the street's", () => {
    const header = [
      'Person - Name',
      'Organization - Name',
      'Organization - Address',
      'Organization - House number of Address',
      'Organization - Street/road name of Address',
      'Organization - District/sublocality of Address',
      'Organization - City/town/village/locality of Address',
      'Organization - State/county of Address',
      'Organization - ZIP/Postal code of Address',
      'Organization - Country of Address',
    ];
    expect(fields(matchColumns({ header, spec: {} }))).toMatchObject({
      'Organization - House number of Address': 'organization.address.street_number',
      'Organization - Street/road name of Address': 'organization.address.street',
      'Organization - District/sublocality of Address': '-',
      'Organization - City/town/village/locality of Address': 'organization.address.city',
      'Organization - State/county of Address': 'organization.address.state',
    });
  });

  it("keeps a lead custom field of an unprefixed Leads export in the lead's note, as a prefixed export's", () => {
    const header = [
      'ID',
      'Título',
      'Pessoa de contato',
      'Lead criado em',
      'Visível para',
      '[SDR] Resumo da Ligação',
    ];
    const catalogue = new FieldCatalogue({ lead: [], person: [], organization: [] });
    expect(fields(matchColumns({ header, spec: {}, catalogue }))['[SDR] Resumo da Ligação']).toBe(
      'lead.note',
    );
    // A People export's unknown column is the account's custom person field: no note for it.
    const people = ['ID', 'Nome', 'Pessoa criada', 'Visível para', '[IC] Origem'];
    expect(fields(matchColumns({ header: people, spec: {}, catalogue }))['[IC] Origem']).toBe('-');
  });

  it("reads a Brazilian or French Pipedrive account's prefixed names: `Personne - Nom` is the whole name", () => {
    const pt = matchColumns({
      header: [
        'Negócio - Título',
        'Negócio - Valor',
        'Pessoa - Nome',
        'Pessoa - Cargo',
        'Pessoa - E-mail - Trabalho',
        'Pessoa - Telefone - Celular',
        'Organização - Nome',
        'Organização - Endereço',
      ],
      spec: {},
    });
    expect(pt.system?.id).toBe('pipedrive');
    expect(fields(pt)).toEqual({
      'Negócio - Título': 'lead.title',
      'Negócio - Valor': 'lead.value',
      'Pessoa - Nome': 'person.name',
      'Pessoa - Cargo': 'person.job_title',
      'Pessoa - E-mail - Trabalho': 'person.email:work',
      'Pessoa - Telefone - Celular': 'person.phone:mobile',
      'Organização - Nome': 'organization.name',
      'Organização - Endereço': 'organization.address',
    });
    const fr = matchColumns({
      header: ['Personne - Nom', 'Personne - Prénom', 'Personne - Nom de famille', 'Organisation - Nom'],
      spec: {},
    });
    expect(fields(fr)).toEqual({
      'Personne - Nom': 'person.name',
      'Personne - Prénom': 'person.first_name',
      'Personne - Nom de famille': 'person.last_name',
      'Organisation - Nom': 'organization.name',
    });
  });

  it('reads the kind after a Portuguese or German contact column in any file (`Telefone - Trabalho`, `Telefon - Mobil`)', () => {
    const plan = matchColumns({
      header: [
        'Nome',
        'E-mail - Residencial',
        'Telefone - Trabalho',
        'Telefone - Celular',
        'Telefon - Mobil',
      ],
      spec: {},
    });
    expect(fields(plan)).toMatchObject({
      'E-mail - Residencial': 'person.email:home',
      'Telefone - Trabalho': 'person.phone:work',
      'Telefone - Celular': 'person.phone:mobile',
      'Telefon - Mobil': 'person.phone:mobile',
    });
  });

  it("reads a German user's Salesforce report: `Firma/Account` is the organization, `Titel` the job title", () => {
    const plan = matchColumns({
      header: [
        'Lead-Inhaber',
        'Anrede',
        'Vorname',
        'Nachname',
        'Titel',
        'Firma/Account',
        'E-Mail',
        'Ort',
        'Land',
        'Lead-Quelle',
        'Lead-Status',
        'Erstelldatum',
        'Lead-ID',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('salesforce-report');
    expect(fields(plan)).toEqual({
      'Lead-Inhaber': '-',
      Anrede: '-',
      Vorname: 'person.first_name',
      Nachname: 'person.last_name',
      Titel: 'person.job_title',
      'Firma/Account': 'organization.name',
      'E-Mail': 'person.email:work',
      Ort: 'organization.address.city',
      Land: 'organization.address.country',
      'Lead-Quelle': '-',
      'Lead-Status': '-',
      Erstelldatum: '-',
      'Lead-ID': '-',
    });
    // A German sheet's `Titel` (Dr., Prof.) is still no job title.
    expect(
      fields(matchColumns({ header: ['Titel', 'Vorname', 'Nachname', 'Firma'], spec: {} })).Titel,
    ).not.toBe('person.job_title');
  });

  it("reads a Pipedrive persons export's organization from Person - Organization, unless Organization - Name is there", () => {
    const persons = matchColumns({
      header: ['Person - Name', 'Person - Organization', 'Person - Email - Work'],
      spec: {},
    });
    expect(fields(persons)).toMatchObject({ 'Person - Organization': 'organization.name' });
    const both = matchColumns({
      header: ['Lead - Title', 'Lead - Organization', 'Person - Name', 'Organization - Name'],
      spec: {},
    });
    expect(fields(both)).toMatchObject({
      'Organization - Name': 'organization.name',
      'Lead - Organization': '-',
    });
    // Where the first rows show them naming the same organization, the lead's fills a row without the other.
    const filled = matchColumns({
      header: ['Lead - Title', 'Lead - Organization', 'Person - Name', 'Organization - Name'],
      spec: {},
      sample: [['Deal', 'Acme AB', 'Ann Lee', 'Acme AB']],
    });
    expect(filled.matches.find((m) => m.header === 'Organization - Name')?.fallbackOf).toBeUndefined();
    expect(filled.matches.find((m) => m.header === 'Lead - Organization')?.fallbackOf).toEqual([3]);
  });

  it("reads a Pipedrive deals export's contact person from Deal - Contact person, unless Person - Name is there", () => {
    const deals = matchColumns({
      header: ['Deal - Title', 'Deal - Value', 'Deal - Organization', 'Deal - Contact person'],
      spec: {},
    });
    expect(fields(deals)).toMatchObject({
      'Deal - Organization': 'organization.name',
      'Deal - Contact person': 'person.name',
    });
    const both = matchColumns({
      header: ['Deal - Title', 'Deal - Contact person', 'Person - Name', 'Person - Email - Work'],
      spec: {},
    });
    expect(fields(both)).toMatchObject({ 'Person - Name': 'person.name', 'Deal - Contact person': '-' });
  });

  it('lets the mapping file override a reading, and ignore columns', () => {
    const plan = matchColumns({
      header: ['Title', 'First Name', 'Company / Account', 'Lead Status', 'Notes'],
      spec: { lead: { title: 'Title' }, ignore: ['Notes'] },
    });
    expect(fields(plan)).toMatchObject({ Title: 'lead.title', Notes: '-' });
    expect(plan.matches.find((m) => m.header === 'Title')?.reason).toBe('mapping file (lead.title)');
    expect(plan.skipped.find((s) => s.header === 'Notes')?.reason).toMatch(/listed under ignore/);
  });

  it('reads a second column for a one-column field where the first is empty, unless their values differ', () => {
    // Before, the second was left out for the whole file: a row with only `Organization` filled lost its company.
    const plan = matchColumns({
      header: ['Company', 'Organization', 'Email'],
      spec: {},
      sample: [
        ['Ångström AB', 'Angstrom', 'a@x.io'],
        ['', 'Northwind', 'b@x.io'],
      ],
    });
    const second = plan.matches.find((s) => s.header === 'Organization');
    expect(second?.target).toEqual({ entity: 'organization', field: 'name' });
    expect(second?.fallbackOf).toEqual([0]);
    expect(second?.reason).toBe('auto: well-known header "Organization"; in a row where "Company" is empty');
    // Where rows fill both with different values, the second is something else (here a person's industry beside
    // the company's; a `Contact` of addresses beside `Name`): left out, naming the first.
    const differ = matchColumns({
      header: ['Name', 'Contact', 'Company industry', 'Industry'],
      spec: {},
      sample: [['Ada Lovelace', 'ada@x.io', 'Machinery', 'Logistics']],
    });
    expect(differ.skipped.find((s) => s.header === 'Contact')?.reason).toBe(
      'would fill person.name, which "Name" fills already',
    );
    expect(differ.skipped.find((s) => s.header === 'Industry')?.reason).toBe(
      'would fill organization.industry, which "Company industry" fills already',
    );
    // Behind the mapping file's column, a second stays out: the file can list both (`name: [Company, Organization]`).
    const chosen = matchColumns({
      header: ['Company', 'Organization'],
      spec: { organization: { name: 'Company' } },
    });
    expect(chosen.skipped.find((s) => s.header === 'Organization')?.reason).toBe(
      'would fill organization.name, which "Company" fills already',
    );
    const listed = matchColumns({
      header: ['Company', 'Organization'],
      spec: { organization: { name: ['Company', 'Organization'] } },
    });
    expect(listed.matches.find((s) => s.header === 'Organization')).toMatchObject({
      fallbackOf: [0],
      reason: 'mapping file (organization.name[1]); in a row where "Company" is empty',
    });
    // A column filled only where the first is empty (a `Contact` of addresses and numbers under `Full Name`) shows
    // nothing of being the same field: left out, as before.
    const disjoint = matchColumns({
      header: ['Full Name', 'Contact', 'Company'],
      spec: {},
      sample: [
        ['Anna Schmidt', '', 'Acme'],
        ['', 'bob@globex.example.com', 'Globex'],
        ['', '+49 170 1234567', 'Umbrella'],
      ],
    });
    expect(disjoint.skipped.find((s) => s.header === 'Contact')?.reason).toBe(
      'would fill person.name, which "Full Name" fills already',
    );
    // A field reads five columns in turn at most: a sixth is left out (a header of thousands cannot make each reason
    // name thousands).
    const many = ['Company', 'Organization', 'Organisation', 'Account', 'Account Name', 'Company Name'];
    const capped = matchColumns({ header: many, spec: {}, sample: [many.map(() => 'Acme AB')] });
    expect(capped.matches.filter((m) => m.target.entity === 'organization').length).toBe(5);
    expect(capped.skipped.map((s) => s.reason)).toEqual([
      'would fill organization.name, which "Company" fills already',
    ]);
  });

  it('matches a column to a custom field by its name, online', () => {
    const catalogue = new FieldCatalogue({
      lead: [],
      person: [field('c'.repeat(40), 'Preferred language', 'enum', true, ['English'])],
      organization: [],
    });
    const plan = matchColumns({ header: ['Email', 'Preferred Language'], spec: {}, catalogue });
    expect(fields(plan)['Preferred Language']).toBe('custom.person:Preferred language');
    expect(matchColumns({ header: ['Email', 'Preferred Language'], spec: {} }).wantsCatalogue).toBe(true);
  });

  it('refuses a mapping to a column the file does not have, listing the columns', () => {
    expect(() => matchColumns({ header: ['Name'], spec: { person: { email: 'Mail' } } })).toThrow(
      MappingError,
    );
    expect(() => matchColumns({ header: ['Name'], spec: { person: { email: 'Mail' } } })).toThrow(
      /its columns are "Name"/,
    );
  });
});

describe('findHeader', () => {
  it("skips LinkedIn's notes before the header and names them", () => {
    const lines = [
      'Notes:',
      '"When exporting your connection data, you may notice that some of the email addresses are missing."',
      '',
      'First Name,Last Name,URL,Email Address,Company,Position,Connected On',
      'Ada,Lovelace,https://www.linkedin.com/in/ada,ada@example.com,Analytical Engines,CTO,01 Mar 2024',
    ];
    const found = findHeader(lines);
    expect(found.index).toBe(3);
    expect(found.preamble.map((p) => p.line)).toEqual([1, 2]);
  });

  it("skips a report's title and filters, and takes Excel's sep= as the delimiter", () => {
    expect(
      findHeader(['"Leads by source"', '"Filtered by: Status = Open"', '', 'Name;Email;Company']).index,
    ).toBe(3);
    const sep = findHeader(['sep=;', 'Name;Email;Company', 'Ada;ada@example.com;X']);
    expect(sep).toMatchObject({ index: 1, delimiter: ';' });
  });

  it('keeps a first line of unknown words when the rows below have as many fields', () => {
    expect(findHeader(['Nom,Société,Montant', 'Ada,X,12']).index).toBe(0);
  });
});
