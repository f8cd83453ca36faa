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
