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

  it("is not recognised by the names any shop's sheet has: an order list's `Accepts Marketing` yes is no consent", () => {
    // Before: Accepts Marketing (3) + Total Spent + Total Orders reached Shopify's score, and a yes subscribed the
    // person. Every generation of Shopify's export has `Tax Exempt`, which an order list does not.
    const header = ['Order ID', 'First Name', 'Last Name', 'Email', 'Company', 'Phone', 'Accepts Marketing'];
    const { mapping, rows } = read(
      [...header, 'Total Spent', 'Total Orders', 'Address', 'City', 'Zip', 'Country'],
      [
        [
          '1001',
          'Jane',
          'Doe',
          'jane@example.com',
          'Acme',
          '+1 555 0100',
          'yes',
          '100',
          '2',
          '1 Main St',
          'Springfield',
          '12345',
          'US',
        ],
      ],
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

describe("WooCommerce's customers", () => {
  it("report (Analytics > Customers): what the customer bought into the note, the location the person's", () => {
    const { mapping, rows } = read(
      [
        'Name',
        'Username',
        'Last Active',
        'Sign Up',
        'Email',
        'Orders',
        'Total Spend',
        'AOV',
        'Country / Region',
        'City',
        'Region',
        'Postal Code',
      ],
      [
        [
          'Jane Doe',
          'janedoe',
          '2026-03-04 09:12:44',
          '2024-01-05 10:00:00',
          'jane@example.com',
          '7',
          '1520.50',
          '217.21',
          'US',
          'Boston',
          'MA',
          '02134',
        ],
      ],
    );
    expect(mapping.plan.system?.id).toBe('woocommerce-customers-report');
    const r = rows[0];
    expect(r && 'ok' in r ? [r.ok.note, r.ok.lead.value, r.ok.person?.postal_address?.value] : r).toEqual([
      'Orders: 7<br>Total Spend: 1520.50',
      undefined,
      'Boston, MA, 02134, US',
    ]);
  });

  it("billing_ fields: the billing company and phone, the billing address the company's or else the person's", () => {
    const header = [
      'customer_id',
      'first_name',
      'last_name',
      'email',
      'billing_first_name',
      'billing_last_name',
      'billing_company',
      'billing_phone',
      'billing_address_1',
      'billing_postcode',
      'billing_city',
      'billing_country',
      'shipping_address_1',
      'shipping_city',
      'total_spent',
      'order_count',
    ];
    const { mapping, rows } = read(header, [
      [
        '17',
        'Jane',
        'Doe',
        'jane@example.com',
        'Jane',
        'Doe',
        'Acme Hardware LLC',
        '+1 617 555 0123',
        '12 Main St',
        '02134',
        'Boston',
        'US',
        '1 Dock Rd',
        'Boston',
        '1520.50',
        '7',
      ],
      [
        '18',
        '',
        '',
        'tom@example.com',
        'Tom',
        'Lee',
        '',
        '+44 20 7946 0000',
        '10 Downing St',
        'SW1A 2AA',
        'London',
        'GB',
        '',
        '',
        '45.00',
        '1',
      ],
    ]);
    expect(mapping.plan.system?.id).toBe('woocommerce-billing');
    const got = rows.map((r) =>
      'ok' in r
        ? [
            r.ok.person?.name,
            r.ok.person?.phone,
            r.ok.organization?.name,
            r.ok.organization?.address?.value ?? r.ok.person?.postal_address?.value,
            r.ok.note,
          ]
        : r,
    );
    expect(got).toEqual([
      [
        'Jane Doe',
        '+1 617 555 0123',
        'Acme Hardware LLC',
        '12 Main St, Boston, 02134, US',
        'Total Spent: 1520.50<br>Orders: 7',
      ],
      [
        'Tom Lee',
        '+44 20 7946 0000',
        undefined,
        '10 Downing St, London, SW1A 2AA, GB',
        'Total Spent: 45.00<br>Orders: 1',
      ],
    ]);
  });

  it("billing_ fields only as WooCommerce writes them: an order sheet's `Billing Company` is any file's", () => {
    const { mapping } = read(
      [
        'Name',
        'Email',
        'Billing Company',
        'Billing Address 1',
        'Billing Postcode',
        'Billing Phone',
        'Billing First Name',
      ],
      [],
    );
    expect(mapping.plan.system).toBeUndefined();
  });
});
