import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

/** What a row's name columns send as the person's name, first name and last name. */
function personOf(header: string[], cells: string[]) {
  const result = createRowValidator(mapColumns({}, header, undefined), 'names')(2, cells);
  if (!('ok' in result)) throw new Error(JSON.stringify(result));
  return result.ok.person;
}

describe("a person's name", () => {
  it('keeps the first and last name columns beside a full-name column, so a middle name stays out of the surname', () => {
    // Lead databases (Seamless.AI, Lusha) write the full name and its parts: Pipedrive, given the full name
    // alone, would split "Priya K. Raman" into "Priya" and "K. Raman".
    expect(
      personOf(
        ['Full Name', 'First Name', 'Last Name', 'Email'],
        ['Priya K. Raman', 'Priya', 'Raman', 'p@example.org'],
      ),
    ).toMatchObject({ name: 'Priya K. Raman', first_name: 'Priya', last_name: 'Raman' });
  });

  it('sends the full name alone when the file has no first or last name to go with it', () => {
    const person = personOf(
      ['Full Name', 'First Name', 'Email'],
      ['Priya K. Raman', 'Priya', 'p@example.org'],
    );
    expect(person).toMatchObject({ name: 'Priya K. Raman' });
    expect(person).not.toHaveProperty('last_name');
  });
});
