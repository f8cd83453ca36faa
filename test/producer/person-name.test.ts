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

  it('reads a name written "Last, First" (a directory\'s or Outlook\'s display name) as First Last, the parts set', () => {
    // Given "Doe, Jane" alone, Pipedrive would make "Doe," the first name.
    expect(personOf(['Name', 'Email'], ['Doe, Jane', 'jane@example.org'])).toMatchObject({
      name: 'Jane Doe',
      first_name: 'Jane',
      last_name: 'Doe',
    });
    expect(personOf(['Name', 'Email'], ['van der Berg, Anna M.', 'anna@example.org'])).toMatchObject({
      name: 'Anna M. van der Berg',
      first_name: 'Anna M.',
      last_name: 'van der Berg',
    });
    expect(personOf(['Name', 'Email'], ["O'Brien-Smith, Seán", 'sean@example.org'])).toMatchObject({
      name: "Seán O'Brien-Smith",
    });
    const result = createRowValidator(mapColumns({}, ['Name', 'Email'], undefined), 'names')(2, [
      'Doe, Jane',
      'jane@example.org',
    ]);
    expect('ok' in result && result.warnings?.map((w) => w.message)).toEqual([
      'is written "Last, First": sent as "First Last", with the first and last name set',
    ]);
  });

  it.each([
    ['Jane Doe, PhD'],
    ['John Smith, Jr.'],
    ['Smith, Jr.'],
    ['Henry Ford, III'],
    ['Acme, Inc.'],
    ['Jane Doe, Acme'],
    ['Doe, Jane, Acme'],
    ['García Márquez, Gabriel'],
    ['Doe,Jane Marie Ann Beth'],
    ['Doe, 42'],
  ])('leaves %j as it is written', (name) => {
    const person = personOf(['Name', 'Email'], [name, 'x@example.org']);
    expect(person?.name).toBe(name);
    expect(person).not.toHaveProperty('first_name');
  });
});

describe('a name column written "Last, First" throughout', () => {
  const header = ['Name', 'Email'];
  const validate = (rows: string[][]) => {
    const validator = createRowValidator(mapColumns({}, header, undefined, { sample: rows }), 'names');
    return rows.map((cells, i) => {
      const result = validator(i + 2, cells);
      if (!('ok' in result)) throw new Error(JSON.stringify(result));
      return result.ok.person;
    });
  };

  it('reads two surnames before the comma too, as the rest of the column shows the order', () => {
    // An Outlook or directory export of a Spanish-speaking team: "Apellidos, Nombre".
    const people = validate([
      ['Doe, Jane', 'jane@example.org'],
      ['García Márquez, Gabriel', 'gabo@example.org'],
      ['Núñez, José', 'jose@example.org'],
      ['de la Cruz Pérez, María José', 'maria@example.org'],
    ]);
    expect(people.map((p) => [p?.name, p?.first_name, p?.last_name])).toEqual([
      ['Jane Doe', 'Jane', 'Doe'],
      ['Gabriel García Márquez', 'Gabriel', 'García Márquez'],
      ['José Núñez', 'José', 'Núñez'],
      ['María José de la Cruz Pérez', 'María José', 'de la Cruz Pérez'],
    ]);
  });

  it('leaves names as written where the column is not so: a name and a company, or one such name alone', () => {
    const companies = validate([
      ['Jane Doe, Acme', 'jane@example.org'],
      ['García Márquez, Gabriel', 'gabo@example.org'],
      ['Bo Chen, Chen AG', 'bo@example.org'],
    ]);
    expect(companies.map((p) => p?.name)).toEqual([
      'Jane Doe, Acme',
      'García Márquez, Gabriel',
      'Bo Chen, Chen AG',
    ]);
    // Most names without a comma: the one with two surnames is not read by the column.
    const mixed = validate([
      ['Jane Doe', 'jane@example.org'],
      ['Bo Chen', 'bo@example.org'],
      ['Doe, John', 'john@example.org'],
      ['García Márquez, Gabriel', 'gabo@example.org'],
    ]);
    expect(mixed.map((p) => p?.name)).toEqual(['Jane Doe', 'Bo Chen', 'John Doe', 'García Márquez, Gabriel']);
  });
});

describe('a title or a degree written with the name', () => {
  it('is left out of the name and its parts, and said', () => {
    // Given "Dr. Priya Raman PhD", Pipedrive would greet "Dr." as the first name.
    expect(personOf(['Name', 'Email'], ['Dr. Priya Raman PhD', 'p@example.org'])).toMatchObject({
      name: 'Priya Raman',
    });
    expect(
      personOf(['First Name', 'Last Name', 'Email'], ['Prof. Dr. François', 'Müller, MBA', 'f@example.org']),
    ).toMatchObject({ name: 'François Müller', first_name: 'François', last_name: 'Müller' });
    const result = createRowValidator(mapColumns({}, ['Name', 'Email'], undefined), 'names')(2, [
      'Ms Zoë Ørsted',
      'z@example.com',
    ]);
    expect(result).toMatchObject({
      ok: { person: { name: 'Zoë Ørsted' } },
      warnings: [{ column: 'Name', message: expect.stringContaining('"Ms" with the name') }],
    });
    // Nothing is lost: the name as written goes to the lead's note.
    expect('ok' in result && result.ok.note).toContain('Name: Ms Zoë Ørsted');
  });

  it('leaves names that only look like one as written', () => {
    // `Md` starts Bangladeshi names; `Jr.` is part of the name; a name that is only a title stays.
    for (const name of ['Md Rahim Uddin', 'José Núñez Jr.', 'Dr.', 'Drew Barrymore', 'Missy Elliott']) {
      expect(personOf(['Name', 'Email'], [name, 'x@example.org'])).toMatchObject({ name });
    }
  });
});

describe("a company's shared mailbox on a row that names no person (a company list: Crunchbase's Contact Email)", () => {
  const header = ['Organization Name', 'Contact Email', 'Phone Number'];
  const validate = createRowValidator(mapColumns({}, header, undefined), 'names');

  it('is no person named "info@…": the lead is the organization\'s, the address and phone in its note', () => {
    const result = validate(2, ['Ångström AB', 'info@angstrom.example.com', '+46 8 555 010 00']);
    if (!('ok' in result)) throw new Error(JSON.stringify(result));
    expect(result.ok.person).toBeUndefined();
    expect(result.ok.organization?.name).toBe('Ångström AB');
    expect(result.ok.note).toContain('Contact Email: info@angstrom.example.com');
    expect(result.ok.note).toContain('Phone Number: +46 8 555 010 00');
  });

  it("keeps a person's own address, and a mailbox where there is no organization, as before", () => {
    const own = validate(2, ['Ångström AB', 'zoe.orsted@angstrom.example.com', '']);
    expect('ok' in own && own.ok.person?.name).toBe('zoe.orsted@angstrom.example.com');
    const alone = validate(3, ['', 'info@example.net', '']);
    expect('ok' in alone && alone.ok.person?.email).toBe('info@example.net');
  });
});
