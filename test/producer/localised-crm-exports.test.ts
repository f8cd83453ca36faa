import { describe, expect, it } from 'vitest';
import { type ColumnPlan, matchColumns } from '../../src/producer/column-matcher.js';
import { targetText } from '../../src/producer/targets.js';

/** `{ header: field }` of a plan, with `-` for columns not imported. */
function fields(plan: ColumnPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of plan.matches) out[m.header] = targetText(m.target);
  for (const s of plan.skipped) out[s.header] = '-';
  return out;
}

/** The reason a column is not imported. */
function skippedReason(plan: ColumnPlan, header: string): string | undefined {
  return plan.skipped.find((s) => s.header === header)?.reason;
}

describe('CRM exports written in the user’s language', () => {
  it("reads a German user's HubSpot contacts export as HubSpot's: the job title, the message and the contact's own address", () => {
    const plan = matchColumns({
      header: [
        'Datensatz-ID',
        'Vorname',
        'Nachname',
        'E-Mail',
        'Telefonnummer',
        'Handynummer',
        'Jobbezeichnung',
        'Firmenname',
        'Stadt',
        'Bundesland/Kanton',
        'PLZ',
        'Land/Region',
        'Anzahl der Mitarbeiter',
        'Lifecycle-Phase',
        'Kontaktinhaber',
        'Nachricht',
        'Erstellungsdatum',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('hubspot');
    expect(fields(plan)).toEqual({
      'Datensatz-ID': '-',
      Vorname: 'person.first_name',
      Nachname: 'person.last_name',
      'E-Mail': 'person.email:work',
      Telefonnummer: 'person.phone:work',
      Handynummer: 'person.phone:mobile',
      Jobbezeichnung: 'person.job_title',
      Firmenname: 'organization.name',
      Stadt: 'person.postal_address.city',
      'Bundesland/Kanton': 'person.postal_address.state',
      PLZ: 'person.postal_address.postal_code',
      'Land/Region': 'person.postal_address.country',
      'Anzahl der Mitarbeiter': 'organization.employee_count',
      'Lifecycle-Phase': '-',
      Kontaktinhaber: '-',
      Nachricht: 'lead.note',
      Erstellungsdatum: '-',
    });
    // The owner is a HubSpot login: said so, never sent to Pipedrive as an owner.
    expect(skippedReason(plan, 'Kontaktinhaber')).toMatch(/HubSpot user/);
  });

  it("reads a German user's Zoho leads export as Zoho's: `Titel` is the position, `Anrede` the salutation", () => {
    const plan = matchColumns({
      header: [
        'Datensatz-ID',
        'Lead-Eigentümer.id',
        'Lead-Eigentümer',
        'Unternehmen',
        'Anrede',
        'Vorname',
        'Nachname',
        'Titel',
        'E-Mail',
        'Telefon',
        'Mobil',
        'Lead-Quelle',
        'Erstellt von.id',
        'Erstellt von',
        'Lead-Name',
        'Beschreibung',
        'Sekundäre E-Mail',
        'E-Mail-Opt-out',
        'Tag',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('zoho');
    expect(fields(plan)).toEqual({
      'Datensatz-ID': '-',
      'Lead-Eigentümer.id': '-',
      'Lead-Eigentümer': '-',
      Unternehmen: 'organization.name',
      Anrede: '-',
      Vorname: 'person.first_name',
      Nachname: 'person.last_name',
      Titel: 'person.job_title',
      'E-Mail': 'person.email:work',
      Telefon: 'person.phone:work',
      Mobil: 'person.phone:mobile',
      'Lead-Quelle': '-',
      'Erstellt von.id': '-',
      'Erstellt von': '-',
      'Lead-Name': 'person.name',
      Beschreibung: 'lead.note',
      'Sekundäre E-Mail': 'person.email:other',
      'E-Mail-Opt-out': 'person.email_opt_out',
      Tag: '-',
    });
    expect(skippedReason(plan, 'Lead-Eigentümer')).toMatch(/Zoho user/);
  });

  it('reads a Zoho export whose owner column is written `Lead-Besitzer` as Zoho’s too', () => {
    const plan = matchColumns({
      header: [
        'Lead-Besitzer.id',
        'Lead-Besitzer',
        'Unternehmen',
        'Vorname',
        'Nachname',
        'Titel',
        'E-Mail',
        'Erstellt von.id',
        'Erstellt von',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('zoho');
    expect(fields(plan)).toMatchObject({ 'Lead-Besitzer': '-', Titel: 'person.job_title' });
  });

  it("reads GoTo Webinar's attendees table: the viewer's Country/Region is no address, the questions are the note", () => {
    const plan = matchColumns({
      header: [
        'Attended',
        'Interest Rating',
        'Last Name',
        'First Name',
        'Email Address',
        'Registration Date/Time',
        'Join Time',
        'Leave Time',
        'Time in Session',
        'Unsubscribed',
        'Country/Region',
        'Organization',
        'Job Title',
        'Phone Number',
        'Questions & Comments',
      ],
      spec: {},
    });
    expect(plan.system?.id).toBe('gotowebinar');
    expect(fields(plan)).toEqual({
      Attended: '-',
      'Interest Rating': '-',
      'Last Name': 'person.last_name',
      'First Name': 'person.first_name',
      'Email Address': 'person.email:work',
      'Registration Date/Time': '-',
      'Join Time': '-',
      'Leave Time': '-',
      'Time in Session': '-',
      Unsubscribed: 'person.email_opt_out',
      'Country/Region': '-',
      Organization: 'organization.name',
      'Job Title': 'person.job_title',
      'Phone Number': 'person.phone:work',
      'Questions & Comments': 'lead.note',
    });
  });

  it("does not read an event's attendance list as GoTo's without GoTo's own Interest Rating", () => {
    // Before: Attended, Join Time, Leave Time and Time in Session (any attendance list's) made it GoTo's: the
    // company's Country/Region was dropped as where GoTo placed the viewer, and a person's second session rejected.
    const plan = matchColumns({
      header: [
        'First Name',
        'Last Name',
        'Email',
        'Organization',
        'Job Title',
        'Address',
        'City',
        'State',
        'Zip Code',
        'Country/Region',
        'Attended',
        'Join Time',
        'Leave Time',
        'Time in Session',
        'Source',
      ],
      spec: {},
    });
    expect(plan.system).toBeUndefined();
    expect(fields(plan)['Country/Region']).toBe('organization.address.country');
  });
});
