import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

describe('an Address column beside City, State and Zip', () => {
  const header = [
    'First Name',
    'Last Name',
    'Email',
    'Company',
    'Address',
    'City',
    'State',
    'Zip',
    'Country',
  ];
  const validate = createRowValidator(mapColumns({}, header, undefined), 'addr');
  const addressOf = (cells: string[]) => {
    const r = validate(2, cells);
    return 'ok' in r ? r.ok.organization?.address : r.reject.reason;
  };

  it('is the street line: the address Pipedrive shows and places is all of them', () => {
    expect(
      addressOf([
        'John',
        'Smith',
        'john@acme.example',
        'Acme Inc',
        '123 Main St',
        'Springfield',
        'IL',
        '62701',
        'USA',
      ]),
    ).toEqual({
      value: '123 Main St, Springfield, IL, 62701, USA',
      route: '123 Main St',
      locality: 'Springfield',
      admin_area_level_1: 'IL',
      postal_code: '62701',
      country: 'USA',
    });
  });

  it('stays the whole address when it names the city or the postal code itself', () => {
    expect(
      addressOf([
        'Jane',
        'Doe',
        'jane@acme.example',
        'Acme Inc',
        '123 Main St, Springfield, IL 62701',
        'Springfield',
        'IL',
        '62701',
        'USA',
      ]),
    ).toMatchObject({ value: '123 Main St, Springfield, IL 62701', locality: 'Springfield' });
  });
});

describe('an Address column beside Address 2', () => {
  it("is the first street line, the second joined after it (a typed sheet's, Shopify's, Klaviyo's)", () => {
    const header = ['Name', 'Company', 'Email', 'Address', 'Address 2', 'City', 'Postcode', 'Country'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'addr2');
    const r = validate(2, [
      'François Müller',
      'Müller & Fils SARL',
      'fm@muller.example.org',
      '12 Rue de la République',
      'Bâtiment B',
      'Lyon',
      '69002',
      'France',
    ]);
    expect('ok' in r ? r.ok.organization?.address : r.reject.reason).toEqual({
      value: '12 Rue de la République, Bâtiment B, Lyon, 69002, France',
      route: '12 Rue de la République, Bâtiment B',
      locality: 'Lyon',
      postal_code: '69002',
      country: 'France',
    });
  });
});

describe('a house number in a column of its own', () => {
  it("is the address's street number, written beside the street in the file's order", () => {
    // A German sheet: `Straße`, then `Hausnummer`.
    const header = ['Vorname', 'Nachname', 'E-Mail', 'Straße', 'Hausnummer', 'PLZ', 'Ort'];
    const r = createRowValidator(mapColumns({}, header, undefined), 'hausnummer')(2, [
      'Anna',
      'Schmidt',
      'anna@schmidt.example.de',
      'Hauptstraße',
      '5a',
      '10115',
      'Berlin',
    ]);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    expect(r.ok.person?.postal_address).toEqual({
      value: 'Hauptstraße 5a, Berlin, 10115',
      route: 'Hauptstraße',
      street_number: '5a',
      locality: 'Berlin',
      postal_code: '10115',
    });
  });

  it('comes first where its column does, and is not written twice where the street has it already', () => {
    const header = ['Name', 'Email', 'House number', 'Street', 'City'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'house-number');
    const addressOf = (cells: string[]) => {
      const r = validate(2, cells);
      return 'ok' in r ? r.ok.person?.postal_address : r.reject.reason;
    };
    expect(addressOf(['John Smith', 'john@smith.example', '123', 'Main St', 'Springfield'])).toMatchObject({
      value: '123 Main St, Springfield',
      route: 'Main St',
      street_number: '123',
    });
    expect(
      addressOf(['John Smith', 'john@smith.example', '123', '123 Main St', 'Springfield']),
    ).toMatchObject({
      value: '123 Main St, Springfield',
      street_number: '123',
    });
  });

  it('longer than Pipedrive takes rejects the row naming its column, even beside a short whole address', () => {
    const header = ['Name', 'Email', 'Company', 'Address', 'House number'];
    const r = createRowValidator(mapColumns({}, header, undefined), 'house-number-long')(2, [
      'John Smith',
      'john@smith.example',
      'Acme',
      '1 Main St, Springfield, 12345',
      '9'.repeat(300),
    ]);
    expect('reject' in r && r.reject).toMatchObject({
      column: 'House number',
      reason: expect.stringMatching(/has 300 characters; Pipedrive takes at most 255/),
    });
  });
});
