import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

describe("a prospecting tool's verification of each address", () => {
  it('says which rows have an address the tool calls invalid, and imports them as given', () => {
    // Hunter's Leads export; Snov.io and lemlist name the column `Email status`/`emailStatus`.
    const header = ['Full name', 'Email address', 'Verification status'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'status');
    const rows = [
      ['Ann Lee', 'ann@lee.example.com', 'invalid'],
      ['Bo Chen', 'bo@chen.example.com', 'valid'],
      ['Cy Diaz', 'cy@diaz.example.com', 'accept_all'],
      ['Di Eng', 'di@eng.example.com', 'Not valid'],
      ['Ed Fox', '', 'undeliverable'],
    ];
    const results = rows.map((cells, i) => validate(i + 2, cells));
    expect(results.every((r) => 'ok' in r)).toBe(true);
    expect(results.map((r) => ('ok' in r ? r.ok.person?.email : undefined))).toEqual([
      'ann@lee.example.com',
      'bo@chen.example.com',
      'cy@diaz.example.com',
      'di@eng.example.com',
      undefined,
    ]);
    const said = results.map((r) =>
      'ok' in r ? (r.warnings ?? []).map((w) => `${w.column}: ${w.message}`) : [],
    );
    expect(said).toEqual([
      [
        'Verification status: says "invalid" of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row)',
      ],
      [],
      [],
      [
        'Verification status: says "Not valid" of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row)',
      ],
      // No address, nothing to say of it.
      [],
    ]);
  });

  it("reads Dropcontact's qualification of each address: one that does not exist, or whose owner asked not to be contacted, is said", () => {
    // Dropcontact's enriched file: `qualification` is `localpart@domain` (developer.dropcontact.com, Enriched record).
    const header = [
      'first_name',
      'last_name',
      'email',
      'qualification',
      'job',
      'company',
      'nb_employees',
      'civility',
    ];
    const mapping = mapColumns({}, header, undefined);
    expect(mapping.plan.system?.id).toBe('dropcontact');
    const validate = createRowValidator(mapping, 'dropcontact');
    const rows = [
      ['Ann', 'Lee', 'ann@lee.example.com', 'nominative@pro'],
      ['Bo', 'Chen', 'bo@chen.example.com', 'invalid@pro'],
      ['Cy', 'Diaz', 'cy@diaz.example.com', 'Do_Not_Contact@pro'],
      ['Di', 'Eng', 'di@eng.example.com', 'Ne_Pas_Contacter@pro'],
      ['Ed', 'Fox', 'ed@fox.example.com', 'catch_all@pro'],
      ['Flo', 'Gil', 'flo@gil.example.com', 'nominatif@domaine invalide'],
    ].map((cells) => [...cells, 'CEO', 'Acme', '10', 'Mr']);
    const said = rows.map((cells, i) => {
      const r = validate(i + 2, cells);
      return 'ok' in r ? (r.warnings ?? []).map((w) => `${w.column}: ${w.message}`) : ['rejected'];
    });
    const says = (q: string) => [
      `qualification: says "${q}" of the row's address: it is imported as given (clear it in the file not to have it, or remove the row)`,
    ];
    expect(said).toEqual([
      [],
      says('invalid@pro'),
      says('Do_Not_Contact@pro'),
      says('Ne_Pas_Contacter@pro'),
      [],
      says('nominatif@domaine invalide'),
    ]);
  });

  it("reads Instantly's numeric verification status: -1 (invalid) is said, risky and pending are not", () => {
    // Instantly's lead schema: verification_status 1 verified, 11 pending, -1 invalid, -2 risky, -3 catch all.
    const header = [
      'email',
      'first_name',
      'company_name',
      'personalization',
      'lt_interest_status',
      'verification_status',
      'email_open_count',
      'email_reply_count',
    ];
    const mapping = mapColumns({}, header, undefined);
    expect(mapping.plan.system?.id).toBe('instantly');
    const validate = createRowValidator(mapping, 'instantly');
    const said = ['1', '-1', '-2', '11', '-3'].map((status, i) => {
      const r = validate(i + 2, [`p${i}@x.example.com`, 'P', 'X AB', '', '0', status, '0', '0']);
      return 'ok' in r ? (r.warnings ?? []).map((w) => `${w.column}: ${w.message}`) : ['rejected'];
    });
    expect(said).toEqual([
      [],
      [
        'verification_status: says "-1" (Instantly: invalid) of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row)',
      ],
      [],
      [],
      [],
    ]);
  });

  it("reads Instantly's lead status: -1 (the campaign's email bounced) is said, the other states are not", () => {
    // Instantly's lead schema: status 1 active, 2 paused, 3 completed, -1 bounced, -2 unsubscribed, -3 skipped.
    const header = [
      'email',
      'first_name',
      'company_name',
      'status',
      'personalization',
      'lt_interest_status',
      'verification_status',
    ];
    const mapping = mapColumns({}, header, undefined);
    expect(mapping.plan.system?.id).toBe('instantly');
    const validate = createRowValidator(mapping, 'instantly-status');
    const said = ['1', '-1', '3', '-2', ''].map((status, i) => {
      const r = validate(i + 2, [`p${i}@x.example.com`, 'P', 'X AB', status, '', '0', '1']);
      if (!('ok' in r)) return ['rejected'];
      expect(r.ok.person?.email).toBe(`p${i}@x.example.com`);
      return (r.warnings ?? []).map((w) => `${w.column}: ${w.message}`);
    });
    expect(said).toEqual([
      [],
      [
        'status: says "-1" (Instantly: bounced) of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row)',
      ],
      [],
      [],
      [],
    ]);
  });

  it("makes an address the tool calls invalid no person's primary while the row has one it does not (Snov.io's status per address)", () => {
    // Snov.io's prospects export: each address with its own status column (valid, unknown, not valid).
    const header = [
      'Full name',
      'Email',
      'Email status',
      'Email 2',
      'Email status 2',
      'Email 3',
      'Email status 3',
    ];
    const mapping = mapColumns({}, header, undefined);
    const validate = createRowValidator(mapping, 'per-address');
    const rows = [
      // The first address is dead: the valid second one is the primary, the dead one kept after the others.
      [
        'Ann Lee',
        'al@lee.example.com',
        'not valid',
        'ann@lee.example.com',
        'valid',
        'ann@example.net',
        'unknown',
      ],
      // Every address dead: imported as given, and said as before.
      ['Bo Chen', 'bo@chen.example.com', 'not valid', 'b.chen@chen.example.com', 'invalid', '', ''],
      // The first is fine and a later one dead: the order stays.
      ['Cy Diaz', 'cy@diaz.example.com', 'valid', 'c@diaz.example.com', 'not valid', '', ''],
    ];
    const results = rows.map((cells, i) => validate(i + 2, cells));
    const ok = results.map((r) => ('ok' in r ? r : undefined));
    expect(ok.map((r) => r?.ok.person?.emails?.map((e) => e.value))).toEqual([
      ['ann@lee.example.com', 'ann@example.net', 'al@lee.example.com'],
      ['bo@chen.example.com', 'b.chen@chen.example.com'],
      ['cy@diaz.example.com', 'c@diaz.example.com'],
    ]);
    expect(ok.map((r) => r?.ok.person?.email)).toEqual([
      'ann@lee.example.com',
      'bo@chen.example.com',
      'cy@diaz.example.com',
    ]);
    expect(ok.map((r) => (r?.warnings ?? []).map((w) => `${w.column}: ${w.message}`))).toEqual([
      [
        'Email status: says "not valid" of the row\'s first address: the person\'s primary is the next address not called invalid, and the first is kept after the others (clear it in the file not to have it)',
      ],
      [
        'Email status: says "not valid" of the row\'s address: it is imported as given (clear it in the file not to have it, or remove the row)',
        'Email status 2: says "invalid" of the row\'s address in "Email 2": it is imported as given, after the person\'s primary (clear it in the file not to have it)',
      ],
      [
        'Email status 2: says "not valid" of the row\'s address in "Email 2": it is imported as given, after the person\'s primary (clear it in the file not to have it)',
      ],
    ]);
    expect(mapping.plan.skipped.find((k) => k.header === 'Email status 2')?.reason).toBe(
      'says whether "Email 2"\'s address works: not imported, but an address it calls invalid is not made the person\'s primary while the row has another, and is said',
    );
  });

  it('says every address its own status column calls invalid, not only the first one', () => {
    // `Email Status` is `Email`'s (the column it follows by name), not the `Work Email` before it: the row's primary is
    // the work address, and the dead private one is imported after it, said.
    const header = ['Name', 'Work Email', 'Email', 'Email Status'];
    const validate = createRowValidator(mapColumns({}, header, undefined), 'work-and-private');
    const result = validate(2, ['Anna Berg', 'anna@acme.example.com', 'anna.berg@gmail.com', 'invalid']);
    const ok = 'ok' in result ? result : undefined;
    expect(ok?.ok.person?.emails?.map((e) => e.value)).toEqual([
      'anna@acme.example.com',
      'anna.berg@gmail.com',
    ]);
    expect((ok?.warnings ?? []).map((w) => `${w.column}: ${w.message}`)).toEqual([
      'Email Status: says "invalid" of the row\'s address in "Email": it is imported as given, after the person\'s primary (clear it in the file not to have it)',
    ]);

    // Snov.io: the first and third addresses dead, the second valid; both dead ones said, the text naming no address
    // (a large file's rows share one summary line per column).
    const snov = [
      'Full name',
      'Email',
      'Email status',
      'Email 2',
      'Email status 2',
      'Email 3',
      'Email status 3',
    ];
    const check = createRowValidator(mapColumns({}, snov, undefined), 'snov');
    const rows = [
      [
        'Ann Lee',
        'al@lee.example.com',
        'not valid',
        'ann@lee.example.com',
        'valid',
        'a@lee.example.com',
        'not valid',
      ],
      [
        'Bo Chen',
        'bo@chen.example.com',
        'valid',
        'b@chen.example.com',
        'valid',
        'bc@chen.example.com',
        'not valid',
      ],
      // An empty address says nothing, whatever its status.
      ['Cy Diaz', 'cy@diaz.example.com', 'valid', '', 'not valid', '', ''],
    ];
    const said = rows.map((cells, i) => {
      const r = check(i + 2, cells);
      return 'ok' in r ? (r.warnings ?? []).map((w) => w.column) : ['rejected'];
    });
    expect(said).toEqual([['Email status', 'Email status 3'], ['Email status 3'], []]);
  });
});
