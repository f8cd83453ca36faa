/**
 * Mailing tools' subscribers and contacts (test/fixtures/real-exports/README.md 100–101): Kit's subscriber `state` and
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

describe('Kit (ConvertKit) subscribers export', () => {
  const KIT = ['first_name', 'email_address', 'state', 'created_at', 'company', 'tags'];

  it("reads `state` as the subscriber's marketing status, never as the company's address", () => {
    const { mapping, row } = validator(KIT, 'kit');
    expect(mapping.plan.system?.id).toBe('kit');
    const status = (state: string) =>
      row(2, { first_name: 'Ann', email_address: 'ann@lee.example.com', state, company: 'Lee AB' });
    expect(status('active').person?.marketing_status).toBe('subscribed');
    expect(status('cancelled').person?.marketing_status).toBe('unsubscribed');
    expect(status('complained').person?.marketing_status).toBe('unsubscribed');
    expect(status('inactive').person?.marketing_status).toBe('no_consent');
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
