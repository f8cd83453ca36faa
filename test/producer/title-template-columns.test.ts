import { describe, expect, it } from 'vitest';
import { matchColumns } from '../../src/producer/column-matcher.js';
import { describeMapping, resolveMapping } from '../../src/producer/mapping.js';
import { printMapping } from '../../src/producer/mapping-printer.js';
import type { MappingSpec } from '../../src/producer/mapping-spec.js';

// examples/mapping.yaml puts the Interest column into each lead's title ("{organization} – {name}: {Interest}");
// the import used to warn that Interest "was not imported" and advise cancelling the import to map it.
describe('a column the title template uses', () => {
  const header = ['First name', 'Email', 'Company', 'Interest', 'Shoe size'];
  const describe_ = (spec: MappingSpec, titleTemplate?: string) =>
    describeMapping(
      resolveMapping(spec, header, matchColumns({ header, spec }), undefined, {
        ...(titleTemplate !== undefined ? { titleTemplate } : {}),
      }),
    );

  it('is not reported as a column no field is named like when the mapping file names it in title_template', () => {
    const d = describe_({ defaults: { title_template: '{organization} – {name}: {Interest}' } });
    const interest = d.notImported.find((c) => c.column === 'Interest');
    expect(interest?.unrecognised).toBeUndefined();
    expect(interest?.reason).toMatch(/title template/);
    // A column nothing uses is still named, so a file whose headers were not understood is not taken for complete.
    expect(d.notImported.find((c) => c.column === 'Shoe size')?.unrecognised).toBe(true);
  });

  it('is not commented as "no Pipedrive field is named like it" in --print-mapping output', () => {
    const spec: MappingSpec = { defaults: { title_template: '{organization} – {name}: {Interest}' } };
    const printed = printMapping(
      resolveMapping(spec, header, matchColumns({ header, spec }), undefined),
      spec,
    );
    expect(printed).toMatch(/^# {3}"Interest": .*title template/m);
    expect(printed).toMatch(/^# {3}"Shoe size": no standard field is named like it/m);
  });

  it('is not reported either when --title-template names it', () => {
    const d = describe_({}, '{Interest} for {organization}');
    expect(d.notImported.find((c) => c.column === 'Interest')?.unrecognised).toBeUndefined();
  });
});
