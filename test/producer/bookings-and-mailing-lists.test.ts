/**
 * A scheduling tool's bookings and two mailing tools' subscribers (test/fixtures/real-exports/README.md 99–101):
 * Calendly's answers under the question each row asked, a canceled meeting said; Kit's subscriber `state` and
 * Constant Contact's email permission as the marketing status, its `- Home` and `- Work` addresses.
 */
import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

function validator(header: string[], id: string) {
  const mapping = mapColumns({}, header, undefined);
  const validate = createRowValidator(mapping, id);
  return {
    mapping,
    row(line: number, cells: Record<string, string>) {
      const r = validate(
        line,
        header.map((h) => cells[h] ?? ''),
      );
      if (!('ok' in r)) throw new Error(`rejected: ${JSON.stringify(r)}`);
      return { ...r.ok, said: (r.warnings ?? []).map((w) => `${w.column}: ${w.message}`) };
    },
  };
}

const CALENDLY = [
  'Invitee Name',
  'Invitee First Name',
  'Invitee Last Name',
  'Invitee Email',
  'Text Reminder Number',
  'Event Type Name',
  'Location',
  'Canceled',
  'Canceled By',
  'Cancellation reason',
  'Question 1',
  'Response 1',
  'Question 2',
  'Response 2',
  'Guest Email(s)',
  'Invitee UUID',
];

describe('Calendly events export', () => {
  it('keeps each answer under the question its own row asked, and the guests apart from the invitee', () => {
    const { mapping, row } = validator(CALENDLY, 'calendly');
    expect(mapping.plan.system?.id).toBe('calendly');
    const booked = {
      'Invitee Name': 'Ann Lee',
      'Invitee First Name': 'Ann',
      'Invitee Last Name': 'Lee',
      'Invitee Email': 'ann.lee@lee.example.com',
      'Event Type Name': 'Demo',
      Location: 'https://meet.example.com/demo',
      Canceled: 'false',
    };
    const demo = row(2, {
      ...booked,
      'Question 1': 'How many seats?',
      'Response 1': '25',
      'Question 2': 'Anything else?',
      'Response 2': 'The Salesforce sync.\nEU hosting.',
      'Guest Email(s)': 'bo.lee@lee.example.com',
    });
    // Another event type's form: the same column asked something else.
    const call = row(3, {
      ...booked,
      'Question 1': 'Company website',
      'Response 1': 'https://lee.example.com',
    });
    expect(demo.note).toBe(
      'How many seats?:<br>25<br><br>Anything else?:<br>The Salesforce sync.<br>EU hosting.<br><br>Guests: bo.lee@lee.example.com',
    );
    expect(demo.person?.email).toBe('ann.lee@lee.example.com');
    // One answer is still under its question, and the meeting's video link is not the invitee's location.
    expect(call.note).toBe('Company website:<br>https://lee.example.com');
    expect(demo.said).toEqual([]);
  });

  it('imports the invitee of a canceled meeting, and says so in the note and the summary', () => {
    const { row } = validator(CALENDLY, 'calendly');
    const r = row(4, {
      'Invitee First Name': 'Ann',
      'Invitee Last Name': 'Lee',
      'Invitee Email': 'ann.lee@lee.example.com',
      Canceled: 'true',
      'Canceled By': 'Ann Lee',
      'Cancellation reason': 'Double-booked',
    });
    expect(r.note).toBe('Canceled: true<br>Cancellation reason: Double-booked');
    expect(r.said).toEqual([
      'Canceled: says "true": the meeting was canceled (by the invitee or the host); the lead is imported and its note says so for whoever calls',
    ]);
  });

  it("does not send a question the mapping file ignores: its answer goes under the answer's own header", () => {
    // Before: the ignored `Question 1`'s text still headed the answer in the note sent to Pipedrive.
    const header = ['Name', 'Email', 'Question 1', 'Response 1', 'Response 2'];
    const cells = [
      'Anna Berg',
      'anna@example.com',
      'What is your salary? (internal: do not share)',
      '90k',
      'yes',
    ];
    const note = (spec: object) => {
      const r = createRowValidator(mapColumns(spec, header, undefined), 'calendly')(2, cells);
      if (!('ok' in r)) throw new Error(JSON.stringify(r));
      return r.ok.note ?? '';
    };
    const ignored = note({ lead: { note: ['Response 1'] }, ignore: ['Question 1'] });
    expect(ignored).not.toContain('salary');
    // The answer column alone is the note, as any note column the mapping file names.
    expect(ignored).toBe('90k');
    expect(note({ lead: { note: ['Response 1', 'Response 2'] }, ignore: ['Question 1'] })).toBe(
      'Response 1:<br>90k<br><br>Response 2:<br>yes',
    );
    // Not left out, the question heads its answer as before.
    expect(note({ lead: { note: ['Response 1'] } })).toContain(
      'What is your salary? (internal: do not share):<br>90k',
    );
  });
});

describe('Kit (ConvertKit) subscribers export', () => {
  const KIT = ['first_name', 'email_address', 'state', 'created_at', 'company', 'tags'];

  it("reads `state` as the subscriber's marketing status, never as the company's address", () => {
    const { mapping, row } = validator(KIT, 'kit');
    expect(mapping.plan.system?.id).toBe('kit');
    const status = (state: string) =>
      row(2, { first_name: 'Ann', email_address: 'ann@lee.example.com', state, company: 'Lee AB' });
    // `active` and `inactive` set no status: a users table's `state` says the same, and consent is never invented.
    expect(status('active').person?.marketing_status).toBeUndefined();
    expect(status('cancelled').person?.marketing_status).toBe('unsubscribed');
    expect(status('complained').person?.marketing_status).toBe('unsubscribed');
    expect(status('inactive').person?.marketing_status).toBeUndefined();
    const bounced = status('bounced');
    expect(bounced.person?.marketing_status).toBe('archived');
    expect(bounced.organization?.address).toBeUndefined();
    expect(bounced.said).toEqual([
      'state: says "bounced" (Kit (ConvertKit) subscribers export: the address bounced) of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row)',
    ]);
  });
});

describe('Constant Contact contacts export', () => {
  const CC = [
    'Email address',
    'First name',
    'Last name',
    'Company',
    'Email status',
    'Email permission status',
    'Email update source',
    'Confirmed Opt-Out Date',
    'Street address line 1 - Home',
    'City - Home',
    'Country - Home',
    'Street address line 1 - Work',
    'City - Work',
    'Zip/Postal Code - Work',
    'Country - Work',
    'Email Lists',
  ];

  it("reads the home address as the person's, the work address as the company's, and an unsubscribe", () => {
    const { mapping, row } = validator(CC, 'cc');
    expect(mapping.plan.system?.id).toBe('constant-contact');
    const r = row(2, {
      'Email address': 'ann@lee.example.com',
      'First name': 'Ann',
      'Last name': 'Lee',
      Company: 'Lee AB',
      'Email status': 'Unsubscribed',
      'Email permission status': 'Unsubscribed',
      'Street address line 1 - Home': 'Storgatan 1',
      'City - Home': 'Uppsala',
      'Country - Home': 'Sweden',
      'Street address line 1 - Work': 'Kungsgatan 12',
      'City - Work': 'Stockholm',
      'Zip/Postal Code - Work': '111 43',
      'Country - Work': 'Sweden',
    });
    expect(r.person?.marketing_status).toBe('unsubscribed');
    expect(r.person?.postal_address).toMatchObject({
      route: 'Storgatan 1',
      locality: 'Uppsala',
      country: 'Sweden',
    });
    expect(r.organization?.address).toMatchObject({
      route: 'Kungsgatan 12',
      locality: 'Stockholm',
      postal_code: '111 43',
    });
    const explicit = row(3, { 'Email address': 'bo@lee.example.com', 'Email permission status': 'Explicit' });
    const implicit = row(4, { 'Email address': 'cy@lee.example.com', 'Email permission status': 'Implicit' });
    expect([explicit.person?.marketing_status, implicit.person?.marketing_status]).toEqual([
      'subscribed',
      'no_consent',
    ]);
  });
});
