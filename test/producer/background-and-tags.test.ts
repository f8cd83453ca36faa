import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

describe("a CRM's Background text and numbered Tag columns (Insightly's contacts export)", () => {
  it('are kept in the lead\'s note, not left out as "no standard field"', () => {
    const header = [
      'First Name',
      'Last Name',
      'Email Address',
      'Organization',
      'Background',
      'Tag 1',
      'Tag 2',
    ];
    const result = createRowValidator(mapColumns({}, header, undefined), 'insightly')(2, [
      'Zoë',
      'Ørsted',
      'zoe.orsted@angstrom.example.com',
      'Ångström AB',
      'Met at Nordic Logistics Expo.\nWants a demo in Q3.',
      'nordics-expo',
      '',
    ]);
    if (!('ok' in result)) throw new Error(JSON.stringify(result));
    expect(result.ok.note).toContain('Met at Nordic Logistics Expo.');
    expect(result.ok.note).toContain('Tag 1: nordics-expo');
    expect(result.ok.note).not.toContain('Tag 2');
  });
});
