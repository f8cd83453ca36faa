/**
 * A do-not-call or do-not-contact flag (Salesforce's `DoNotCall`, Salesloft's `Do Not Contact`, a sheet's `DNC`) has no
 * Pipedrive field: where it is set, the lead's note says so for whoever calls, and the summary counts the rows.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { mapColumns } from '../../src/producer/mapping.js';
import { printMapping } from '../../src/producer/mapping-printer.js';
import { checkMappingSpec } from '../../src/producer/mapping-spec.js';
import { createRowValidator, type RowResult } from '../../src/producer/row-validator.js';

const noteAndWarnings = (r: RowResult) =>
  'ok' in r ? [r.ok.note ?? null, (r.warnings ?? []).map((w) => `${w.column}: ${w.message}`)] : ['rejected'];

describe('a do-not-call flag', () => {
  const header = ['Name', 'Email', 'Phone', 'DoNotCall'];
  const rows = [
    ['Ann Lee', 'ann@lee.example.com', '+1 555 0100', 'true'],
    ['Bo Chen', 'bo@chen.example.com', '+1 555 0101', 'false'],
    ['Cy Diaz', 'cy@diaz.example.com', '+1 555 0102', ''],
    // Neither yes nor no: kept and said, never dropped.
    ['Di Eng', 'di@eng.example.com', '+1 555 0103', 'since 2024-03-01'],
  ];

  it("puts a set flag in the lead's note with a warning, and says nothing of one not set", () => {
    const mapping = mapColumns({}, header, undefined);
    expect(mapping.plan.matches.find((m) => m.header === 'DoNotCall')?.reason).toBe(
      'auto: well-known header "DoNotCall"; the person asked not to be called: Pipedrive has no such field, so where it is set (true, yes, 1) the lead\'s note says so',
    );
    const validate = createRowValidator(mapping, 'dnc');
    expect(rows.map((cells, i) => noteAndWarnings(validate(i + 2, cells)))).toEqual([
      [
        'Do not call: true',
        [
          'DoNotCall: says "true": the person asked not to be called; the lead is imported and its note says so for whoever calls',
        ],
      ],
      [null, []],
      [null, []],
      [
        'Do not call: since 2024-03-01',
        [
          'DoNotCall: says "since 2024-03-01": the person asked not to be called; the lead is imported and its note says so for whoever calls',
        ],
      ],
    ]);
  });

  it('is written by --print-mapping as a flag, and read back the same', () => {
    const mapping = mapColumns({}, header, undefined);
    const printed = printMapping(mapping, {});
    expect(printed).toContain('{ column: "DoNotCall", label: "Do not call", flag: true }');
    const again = mapColumns(checkMappingSpec(parseYaml(printed), 'printed.yaml'), header, undefined);
    const validate = createRowValidator(again, 'dnc');
    // Read back, the flag says what it said before, not that a mapping file made it one.
    expect(rows.slice(0, 2).map((cells, i) => noteAndWarnings(validate(i + 2, cells)))).toEqual([
      [
        'Do not call: true',
        [
          'DoNotCall: says "true": the person asked not to be called; the lead is imported and its note says so for whoever calls',
        ],
      ],
      [null, []],
    ]);
    expect(() => checkMappingSpec({ lead: { note: [{ column: 'DoNotCall', flag: true }] } })).toThrow(
      /flag must be true or false, beside a label/,
    );
  });

  it("of the mapping file's own, under a label of its own, says the label is set", () => {
    const spec = checkMappingSpec(
      { lead: { note: [{ column: 'DoNotCall', label: 'Opted out of calls', flag: true }] } },
      'mapping.yaml',
    );
    const validate = createRowValidator(mapColumns(spec, header, undefined), 'dnc');
    expect(noteAndWarnings(validate(2, rows[0]!))).toEqual([
      'Opted out of calls: true',
      [
        'DoNotCall: says "true": the mapping file\'s flag "Opted out of calls" is set; the lead is imported and its note says so for whoever calls',
      ],
    ]);
  });
});
