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
