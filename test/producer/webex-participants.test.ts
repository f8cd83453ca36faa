/**
 * Webex Meetings' participants report (test/fixtures/real-exports/README.md, 91): a row each time someone joined, the
 * meeting's name and times on every row, and a made-up `…@guest.webex.localhost` address for a guest without one.
 */
import { describe, expect, it } from 'vitest';
import { matchColumns } from '../../src/producer/column-matcher.js';
import { mapColumns } from '../../src/producer/mapping.js';
import { isPlaceholderEmail } from '../../src/producer/normalise.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

const HEADER = [
  'Meeting Name',
  'Meeting Start Time',
  'Meeting End Time',
  'Name',
  'Attendee Email',
  'Join Time',
  'Leave Time',
  'Attendance Duration',
  'Connection Type',
];
const cells = (name: string, email: string, join: string) => [
  'Demo',
  '="2026-03-12 16:00:00"',
  '="2026-03-12 17:02:10"',
  name,
  email,
  `="2026-03-12 ${join}"`,
  '="2026-03-12 17:00:00"',
  '20 mins',
  'Desktop app',
];

describe("Webex's participants report", () => {
  it('makes one lead per participant, from their first join; the later joins are no failures', () => {
    const validate = createRowValidator(mapColumns({}, HEADER, undefined), 'webex');
    const first = validate(2, cells('Zoë Ørsted', 'zoe@angstrom.example', '16:01:12'));
    if (!('ok' in first)) throw new Error(JSON.stringify(first));
    expect(first.ok.person).toMatchObject({ name: 'Zoë Ørsted', email: 'zoe@angstrom.example' });
    expect(validate(4, cells('Zoë Ørsted', 'zoe@angstrom.example', '16:19:52'))).toMatchObject({
      reject: { repeatOf: 2, reason: expect.stringContaining('Webex writes a row for each time') },
    });
  });

  it('makes one lead of a guest who rejoined, by name, where the address is made up', () => {
    const validate = createRowValidator(mapColumns({}, HEADER, undefined), 'webex-guests');
    const first = validate(2, cells('Ana Guest', 'b7e4c2a9@guest.webex.localhost', '16:02:00'));
    if (!('ok' in first)) throw new Error(JSON.stringify(first));
    expect(first.ok.person).toMatchObject({ name: 'Ana Guest' });
    expect(first.ok.person?.email).toBeUndefined();
    expect(validate(3, cells('Ana Guest', 'b7e4c2a9@guest.webex.localhost', '16:30:00'))).toMatchObject({
      reject: { repeatOf: 2, reason: expect.stringMatching(/^"Ana Guest" is on line 2 too/) },
    });
    // Another guest is another lead.
    expect(validate(4, cells('Bo Visitor', 'c1d2e3f4@guest.webex.localhost', '16:31:00'))).toHaveProperty(
      'ok',
    );
  });

  it("leaves the meeting's name, times and the attendance out saying why, not as columns it does not know", () => {
    const plan = matchColumns({ header: HEADER, spec: {}, sample: [HEADER.map(() => 'x')] });
    expect(plan.system?.id).toBe('webex-participants');
    for (const column of HEADER.filter((h) => h !== 'Name' && h !== 'Attendee Email')) {
      const skipped = plan.skipped.find((s) => s.header === column);
      expect(skipped?.unrecognised, column).toBeUndefined();
      expect(skipped?.reason, column).toMatch(/meeting|how the participant joined/);
    }
  });

  it("reads a guest's made-up address, under a name never on the internet, as none", () => {
    expect(isPlaceholderEmail('b7e4c2a9@guest.webex.localhost')).toBe(true);
    expect(isPlaceholderEmail('someone@mail.invalid')).toBe(true);
    expect(isPlaceholderEmail(`${'a'.repeat(70)}@guest.webex.localhost`)).toBe(true);
    expect(isPlaceholderEmail('ana@localhost.example.com')).toBe(false);
    expect(isPlaceholderEmail('ana@invalidation.example.com')).toBe(false);
  });
});
