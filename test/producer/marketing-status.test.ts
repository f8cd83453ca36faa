import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

describe("a mailing tool's subscription status", () => {
  it("reads Mailchimp's, Klaviyo's and Wix's statuses, and keeps one Pipedrive has no word for in the note", () => {
    // Mailchimp's audience `Status`, Klaviyo's `Email Marketing Consent`, Wix's `Email subscriber status`.
    const header = ['Name', 'Email', 'Email subscriber status'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'status');
    const statuses = [
      'Subscribed',
      'UNSUBSCRIBED',
      'NEVER_SUBSCRIBED',
      'pending',
      'transactional',
      'cleaned',
      'Double opt-in',
      'Not set',
      'VIP only',
    ];
    const results = statuses.map((status, i) =>
      validate(i + 2, [`Person ${i}`, `p${i}@example.com`, status]),
    );
    expect(results.every((r) => 'ok' in r)).toBe(true);
    expect(results.map((r) => ('ok' in r ? r.ok.person?.marketing_status : 'rejected'))).toEqual([
      'subscribed',
      'unsubscribed',
      'no_consent',
      'no_consent',
      'no_consent',
      'archived',
      'subscribed',
      'no_consent',
      undefined,
    ]);
    const last = results.at(-1);
    expect(last && 'ok' in last ? last.ok.note : undefined).toBe('Email subscriber status: VIP only');
    expect(last && 'ok' in last ? last.warnings?.map((w) => w.message) : undefined).toEqual([
      'has "VIP only", not a marketing status Pipedrive knows (subscribed, unsubscribed, no consent, archived): the row is imported without one and the value is kept in the lead\'s note',
    ]);
  });

  it("reads a form's consent box as the marketing status where the mapping file says it is one, and only there", () => {
    const header = ['Name (First)', 'Name (Last)', 'Email', 'Consent (Consent)', 'Consent (Text)'];
    const rows = [
      ['Ann', 'Lee', 'ann@lee.example.com', 'Checked', 'Send me product news by email.'],
      ['Bo', 'Ek', 'bo@ek.example.com', 'Not Checked', 'Send me product news by email.'],
    ];
    const status = (mapping: ReturnType<typeof mapColumns>) => {
      const validate = createRowValidator(mapping, 'consent');
      return rows.map((cells, i) => {
        const r = validate(i + 2, cells);
        return 'ok' in r ? r.ok.person?.marketing_status : 'rejected';
      });
    };
    // Gravity Forms' consent box, as the file alone says it: what was agreed to is the box's text, so no status.
    expect(status(mapColumns({}, header, undefined))).toEqual([undefined, undefined]);
    // The mapping file says the box is consent to marketing emails.
    const mapped = mapColumns({ person: { marketing_status: 'Consent (Consent)' } }, header, undefined);
    expect(status(mapped)).toEqual(['subscribed', 'no_consent']);
  });

  it("reads Klaviyo's consent and Intercom's unsubscribe columns by their names: an opt-out is not lost", () => {
    const mapping = mapColumns(
      {},
      ['Name', 'Email', 'Email Marketing Consent', 'Unsubscribed from Emails'],
      undefined,
    );
    const field = (column: string) => mapping.plan.matches.find((m) => m.header === column)?.target;
    expect(field('Email Marketing Consent')).toMatchObject({ entity: 'person', field: 'marketing_status' });
    expect(field('Unsubscribed from Emails')).toMatchObject({ entity: 'person', field: 'email_opt_out' });
    const validate = createRowValidator(mapping, 'optout');
    const row = validate(2, ['Ann Lee', 'ann@lee.example.com', '', 'true']);
    expect('ok' in row ? row.ok.person?.marketing_status : 'rejected').toBe('unsubscribed');
  });
});
