import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

/** Each row's job data, or its reject. */
function read(header: string[], rows: string[][]) {
  const mapping = mapColumns({}, header, undefined);
  const validate = createRowValidator(mapping, 'shop');
  return { mapping, rows: rows.map((cells, i) => validate(i + 2, cells)) };
}

describe("a spreadsheet's protective apostrophe before a phone number or a zip code", () => {
  it('is never kept, also before a number written with brackets or a postcode with letters', () => {
    // Shopify's customers export writes `'` before its numbers so that a spreadsheet keeps their zeros and the `+`.
    const header = ['First Name', 'Last Name', 'Email', 'Address1', 'City', 'Zip', 'Phone'];
    const { rows } = read(header, [
      ['Jane', 'Doe', 'jane@example.com', '1 Sparks St', 'Ottawa', "'K1A 0B1", "'(613) 555-0123"],
      ['Tom', 'Lee', 'tom@example.com', 'Damrak 1', 'Amsterdam', "'1012 AB", "'+31 20 555 0111"],
      ['Ann', 'Bee', 'ann@example.com', '10 Downing St', 'London', "'SW1A 2AA", "'07700 900123"],
    ]);
    const got = rows.map((r) =>
      'ok' in r ? [r.ok.person?.phones?.[0]?.value ?? r.ok.person?.phone, r.ok.person?.postal_address] : r,
    );
    expect(got).toEqual([
      [
        '(613) 555-0123',
        expect.objectContaining({ postal_code: 'K1A 0B1', value: '1 Sparks St, Ottawa, K1A 0B1' }),
      ],
      ['+31 20 555 0111', expect.objectContaining({ postal_code: '1012 AB' })],
      ['07700 900123', expect.objectContaining({ postal_code: 'SW1A 2AA' })],
    ]);
  });
});

describe("Shopify's customers export", () => {
  const older = [
    'First Name',
    'Last Name',
    'Email',
    'Company',
    'Address1',
    'Address2',
    'City',
    'Province',
    'Province Code',
    'Country',
    'Country Code',
    'Zip',
    'Phone',
    'Accepts Marketing',
    'Total Spent',
    'Total Orders',
    'Tags',
    'Note',
    'Tax Exempt',
  ];

  it("reads its own yes or no to marketing emails, and what the customer bought into the note, never the lead's value", () => {
    const { mapping, rows } = read(older, [
      [
        'Jane',
        'Doe',
        'jane@example.com',
        'Acme',
        '1 Main St',
        '',
        'Boston',
        'Massachusetts',
        'MA',
        'United States',
        'US',
        "'02134",
        "'+16175550123",
        'yes',
        '1520.50',
        '7',
        '',
        'Wholesale buyer',
        'no',
      ],
      [
        'Tom',
        'Lee',
        'tom@example.com',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        'no',
        '0.00',
        '0',
        '',
        '',
        'no',
      ],
    ]);
    expect(mapping.plan.system?.id).toBe('shopify');
    const got = rows.map((r) =>
      'ok' in r ? [r.ok.person?.marketing_status, r.ok.lead.value, r.ok.note] : r,
    );
    expect(got).toEqual([
      ['subscribed', undefined, 'Wholesale buyer<br><br>Total Spent: 1520.50<br>Total Orders: 7'],
      ['no_consent', undefined, 'Total Spent: 0.00<br>Total Orders: 0'],
    ]);
  });

  it("leaves `Accepts Email Marketing` out of a file that is not Shopify's: a yes there is no consent it recorded", () => {
    const { mapping, rows } = read(
      ['Name', 'Email', 'Company', 'Accepts Email Marketing', 'Total Spent'],
      [['Jane Doe', 'jane@example.com', 'Acme', 'yes', '100']],
    );
    expect(mapping.plan.system).toBeUndefined();
    const r = rows[0];
    expect(r && 'ok' in r ? r.ok.person?.marketing_status : 'rejected').toBeUndefined();
  });
});

describe("Wix's contacts export", () => {
  const header = [
    'First Name',
    'Last Name',
    'Email 1',
    'Phone 1',
    'Address 1 - Type',
    'Address 1 - Street',
    'Address 1 - City',
    'Address 1 - Zip',
    'Address 1 - Country',
    'Address 2 - Street',
    'Address 2 - City',
    'Company',
    'Created At (UTC+0)',
    'Email subscriber status',
    'SMS subscriber status',
    'Last Activity',
    'Last Activity Date (UTC+0)',
  ];

  it("gives the contact's first address to the person, also beside a company, and never joins the second to it", () => {
    const { mapping, rows } = read(header, [
      [
        'Zoë',
        'Ørsted',
        'zoe@example.com',
        '+46 8 555 012 34',
        'Billing',
        'Storgatan 12',
        'Stockholm',
        '114 55',
        'SE',
        'Birkagatan 9',
        'Stockholm',
        'Ångström AB',
        '2026-03-04 09:12',
        'Unsubscribed',
        'Never subscribed',
        'Purchased',
        '2026-03-04 09:12',
      ],
    ]);
    expect(mapping.plan.system?.id).toBe('wix');
    const r = rows[0];
    expect(
      r && 'ok' in r
        ? [r.ok.person?.postal_address?.value, r.ok.organization, r.ok.person?.marketing_status]
        : r,
    ).toEqual(['Storgatan 12, Stockholm, 114 55, SE', { name: 'Ångström AB' }, 'unsubscribed']);
  });
});
