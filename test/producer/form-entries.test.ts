/**
 * Web form tools' entries exports (Gravity Forms, WPForms): a field of several inputs a column per input under the
 * field's label, a consent box, and what the tool records of its visitor (fixtures' sections 70 and 71).
 */
import { describe, expect, it } from 'vitest';
import { type ColumnPlan, matchColumns } from '../../src/producer/column-matcher.js';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';
import { targetText } from '../../src/producer/targets.js';

/** `{ header: field }` of a plan, with `- reason` for columns not imported. */
function fields(plan: ColumnPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of plan.matches) out[m.header] = targetText(m.target);
  for (const s of plan.skipped) out[s.header] = `- ${s.reason}`;
  return out;
}

function plan(header: string[], sample: string[][] = []): Record<string, string> {
  return fields(matchColumns({ header, spec: {}, sample, mappingName: 'mapping' }));
}

describe("a form's entries", () => {
  it("read a name field by its parts: Gravity Forms' `Name (First)`, WPForms' `Name: First`", () => {
    const gravity = plan([
      'Name (Prefix)',
      'Name (First)',
      'Name (Middle)',
      'Name (Last)',
      'Name (Suffix)',
      'Email',
    ]);
    expect(gravity).toMatchObject({
      'Name (First)': 'person.first_name',
      'Name (Middle)': 'person.middle_name',
      'Name (Last)': 'person.last_name',
    });
    expect(gravity['Name (Prefix)']).toMatch(/^- a name prefix .*salutation/);
    expect(gravity['Name (Suffix)']).toMatch(/^- a name suffix/);
    expect(plan(['Your Name: First', 'Your Name: Last', 'Email'])).toMatchObject({
      'Your Name: First': 'person.first_name',
      'Your Name: Last': 'person.last_name',
    });
  });

  it("keep a consent box in the note under its own name, whatever its label, never as the person's marketing status", () => {
    const header = [
      'Email',
      'Newsletter (Consent)',
      'Newsletter (Text)',
      'Newsletter (Description)',
      'Entry Id',
      'Entry Date',
      'Created By (User Id)',
      'Source Url',
      'User IP',
    ];
    const gravity = plan(header);
    // The record of what the person ticked: `Newsletter (Consent): Checked` at the end of the note.
    const kept = (p: ColumnPlan, h: string) => p.matches.find((m) => m.header === h)?.keptInNote?.label;
    const whole = matchColumns({ header, spec: {}, sample: [], mappingName: 'mapping' });
    expect(gravity['Newsletter (Consent)']).toBe('lead.note');
    expect(kept(whole, 'Newsletter (Consent)')).toBe('Newsletter (Consent)');
    expect(whole.matches.find((m) => m.header === 'Newsletter (Consent)')?.reason).toMatch(
      /a form's consent box, kept as the record of what the person ticked: .*marketing status/,
    );
    expect(gravity['Newsletter (Text)']).toBe('- the text of the consent box beside it');
    expect(gravity['Newsletter (Description)']).toBe('- the description of the consent box beside it');
    // WPForms' GDPR Agreement holds the agreement's text where ticked; any file's `Consent`, `Privacy Policy`.
    for (const h of ['GDPR Agreement', 'Consent', 'Privacy Policy', 'Marketing Consent']) {
      const p = matchColumns({ header: ['Email', h], spec: {}, sample: [], mappingName: 'mapping' });
      expect(fields(p)[h], h).toBe('lead.note');
      expect(kept(p, h), h).toBe(h);
    }
    // A mailing tool's consent status is one (Klaviyo's, and any file's, `Email Marketing Consent`).
    expect(plan(['Email', 'Email Marketing Consent'])['Email Marketing Consent']).toBe(
      'person.marketing_status',
    );
  });

  it("read a form's columns that are no consent, named like one's parts, as any other", () => {
    // Beside Gravity Forms' own columns, a field of the form ending in `description` is not a consent's.
    const gravity = plan(['Email', 'Description', 'Entry Id', 'Created By (User Id)', 'Source Url']);
    expect(gravity.Description).toBe('lead.note');
  });

  it("keep WPForms' `Comment or Message` and the site team's `Entry Notes` in the lead's note", () => {
    const wpforms = plan([
      'Name: First',
      'Name: Last',
      'Email',
      'Comment or Message',
      'Entry ID',
      'Entry Date',
      'Entry Notes',
      'Viewed',
      'Starred',
      'User Agent',
      'User IP',
      'Unique Generated User ID',
    ]);
    expect(wpforms['Comment or Message']).toBe('lead.note');
    expect(wpforms['Entry Notes']).toBe('lead.note');
    expect(wpforms.Viewed).toMatch(/^- whether someone opened the entry/);
  });

  it("read a form tool's address as the respondent's, beside the company they typed, without a question", () => {
    const wpforms = plan([
      'Email',
      'Company',
      'Address: Address Line 1',
      'Address: City',
      'Address: Country',
      'Entry ID',
      'Entry Date',
      'Entry Notes',
      'Unique Generated User ID',
    ]);
    expect(wpforms).toMatchObject({
      Company: 'organization.name',
      'Address: Address Line 1': 'person.postal_address.street',
      'Address: City': 'person.postal_address.city',
      'Address: Country': 'person.postal_address.country',
    });
  });

  it("leave out Tally's own columns, each with its reason", () => {
    const tally = plan(['Submission ID', 'Respondent ID', 'Submitted at', 'Full name', 'Work email']);
    expect(tally['Submission ID']).toBe("- Tally's id of the submission");
    expect(tally['Respondent ID']).toMatch(/^- Tally's id of the respondent/);
    expect(tally['Submitted at']).toMatch(/^- when the form was sent/);
  });

  it("leave out Jotform's own columns, each with its reason", () => {
    const jotform = plan([
      'Submission Date',
      'Name',
      'E-mail',
      'Submission IP',
      'Submission URL',
      'Submission Edit URL',
      'Last Update Date',
      'Submission ID',
    ]);
    expect(jotform).toMatchObject({ Name: 'person.name', 'E-mail': 'person.email:work' });
    expect(jotform['Submission Date']).toMatch(/^- when the form was sent/);
    expect(jotform['Submission IP']).toMatch(/^- the visitor's IP address/);
    expect(jotform['Submission Edit URL']).toMatch(/^- the link to edit the submission/);
    expect(jotform['Submission ID']).toBe("- Jotform's id of the submission");
  });

  it('leave out what a form records of its visitor, in any file, each with its reason', () => {
    const any = plan(['Email', 'Company', 'User Agent', 'User IP', 'IP Address', 'Page URL']);
    expect(any['User Agent']).toMatch(/^- the visitor's browser/);
    expect(any['User IP']).toMatch(/^- the visitor's IP address/);
    expect(any['IP Address']).toMatch(/^- an IP address/);
    expect(any['Page URL']).toMatch(/^- the page the form was sent from/);
  });

  it("keep a form's own fields in the note under their labels: a WPForms checkbox field's choices, a line each", () => {
    // WPForms before 1.8.5 (fixtures' section 85): a column per field; a Checkboxes field's choices in one cell.
    const header = [
      'Name',
      'Email',
      'Interested in',
      'Comment or Message',
      'Entry ID',
      'Entry Date',
      'Entry Notes',
      'Entry Status',
      'Viewed',
      'Starred',
      'Unique Generated User ID',
    ];
    const read = plan(header);
    expect(read['Interested in']).toBe('lead.note');
    expect(read['Entry Status']).toMatch(/^- the entry's state in WPForms/);
    const validate = createRowValidator(mapColumns({}, header, undefined), 'wpforms-1-7');
    const r = validate(2, [
      'Zoë Ørsted',
      'zoe@angstrom.example.com',
      'Demo\nPricing\nTraining',
      'Can we talk on Monday?',
      '39',
      'November 10, 2022 2:32 pm',
      '',
      'Completed',
      'No',
      'No',
      '9b0e4c1a-7f2d-4e8b-a3c6-000000000041',
    ]);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.person?.name).toBe('Zoë Ørsted');
    expect(r.ok.note).toBe(
      'Interested in:<br>Demo<br>Pricing<br>Training<br><br>Comment or Message:<br>Can we talk on Monday?',
    );
  });

  it('never put a field named like a secret or an identifier in the note: a password, a card, bank or ID number', () => {
    const header = [
      'Name',
      'Email',
      'Password',
      'Credit Card Number',
      'CVV',
      'IBAN',
      'Social Security Number',
      'Passport No.',
      'What is your password?',
      'Interested in',
      'Entry ID',
      'Entry Date',
      'Entry Notes',
      'Viewed',
      'Starred',
      'Unique Generated User ID',
    ];
    const read = plan(header);
    for (const secret of header.slice(2, 9)) expect(read[secret], secret).toMatch(/^- named like a secret/);
    expect(read['Interested in']).toBe('lead.note');
    const validate = createRowValidator(mapColumns({}, header, undefined), 'wpforms-secrets');
    const r = validate(2, [
      'Jane Doe',
      'jane@acme.example.com',
      'hunter2',
      '4111 1111 1111 1111',
      '123',
      'DE89 3704 0044 0532 0130 00',
      '078-05-1120',
      'X1234567',
      '0000',
      'Demo',
      '5',
      'January 1, 2024 9:00 am',
      '',
      'No',
      'No',
      'abc',
    ]);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.note).toBe('Interested in:<br>Demo');
    // A topic is no identifier: a postal code (`PIN Code` in India), a passport's country, questions about them.
    expect(
      plan([
        'Name',
        'Email',
        'PIN Code',
        'Passport Country',
        'Do you have a valid passport?',
        'Are you interested in a credit card?',
        'Entry ID',
        'Entry Date',
        'Entry Notes',
        'Viewed',
        'Starred',
        'Unique Generated User ID',
      ]),
    ).toMatchObject({
      'PIN Code': 'lead.note',
      'Passport Country': 'lead.note',
      'Do you have a valid passport?': 'lead.note',
      'Are you interested in a credit card?': 'lead.note',
    });
    // A name that merely contains such a word is no secret.
    expect(
      plan([
        'Name',
        'Email',
        'Expo pass type',
        'Pinterest',
        'Entry ID',
        'Entry Date',
        'Entry Notes',
        'Viewed',
        'Starred',
        'Unique Generated User ID',
      ]),
    ).toMatchObject({
      'Expo pass type': 'lead.note',
      Pinterest: 'lead.note',
    });
  });

  it("keep a form's own field under its label even where it is the note's only column", () => {
    // A Tally form whose one field past the contact's has no question mark: `Best time to call` alone says nothing.
    const header = [
      'Submission ID',
      'Respondent ID',
      'Submitted at',
      'Full name',
      'Email',
      'Best time to call',
    ];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'tally-budget');
    const r = validate(2, [
      'mRkE4Z',
      'a1B2c3',
      '2024-08-11 23:25:40',
      'Ingrid Dahl',
      'ingrid@dahl.example.no',
      'Mornings',
    ]);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.note).toBe('Best time to call:<br>Mornings');
  });

  it('keep a WPForms checkbox field written a column per choice as one block of the ticked choices under its label', () => {
    // WPForms since 1.8.5: `<label>: <choice>`, the choice where ticked; a field of one choice writes `Checked`.
    const header = [
      'Name: First',
      'Name: Last',
      'Email',
      'Interested in: Demo',
      'Interested in: Pricing',
      'Interested in: Training',
      'Call me back: Yes, call me',
      'Comment or Message',
      'Entry ID',
      'Entry Notes',
      'Viewed',
      'Starred',
      'Unique Generated User ID',
    ];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'wpforms-choices');
    const r = validate(2, [
      'Zoë',
      'Ørsted',
      'zoe@angstrom.example.com',
      'Demo',
      '',
      'Training',
      'Checked',
      'Monday works.',
      '87',
      '',
      'Yes',
      'No',
      '5f1c0a3e-8d2b-4c7e-9a41-2b6d3e9f0c11',
    ]);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.note).toBe(
      'Interested in:<br>Demo<br>Training<br><br>Call me back:<br>Yes, call me<br><br>Comment or Message:<br>Monday works.',
    );
  });
});
