import { describe, expect, it } from 'vitest';
import { mapColumns } from '../../src/producer/mapping.js';
import { createRowValidator } from '../../src/producer/row-validator.js';

/** Each row's marketing status, `rejected` for a rejected row. */
function statuses(header: string[], rows: string[][]): (string | undefined)[] {
  const mapping = mapColumns({}, header, undefined);
  const validate = createRowValidator(mapping, 'own');
  return rows.map((cells, i) => {
    const r = validate(i + 2, cells);
    return 'ok' in r ? r.ok.person?.marketing_status : 'rejected';
  });
}

describe("a system's own marketing-status words, only in its file", () => {
  it("a billing export's `Subscription Status` `active` or `canceled` sets no marketing status", () => {
    const header = ['Name', 'Email', 'Company', 'Plan', 'Subscription Status'];
    const rows = [
      ['Anna Berg', 'anna@example.com', 'Acme', 'Pro', 'active'],
      ['Bob Carr', 'bob@example.com', 'Beta', 'Basic', 'canceled'],
      ['Cid Dahl', 'cid@example.com', 'Gamma', 'Pro', 'inactive'],
      ['Dan Eke', 'dan@example.com', 'Delta', 'Pro', 'Explicit'],
    ];
    expect(statuses(header, rows)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("a US contact sheet's `State` is the address state, not Kit's subscriber state", () => {
    const header = ['First Name', 'Last Name', 'Email Address', 'Company', 'City', 'State', 'Created At'];
    const mapping = mapColumns({}, header, undefined);
    expect(mapping.plan.system).toBeUndefined();
    const validate = createRowValidator(mapping, 'us');
    const r = validate(2, ['Anna', 'Berg', 'anna@example.com', 'Acme', 'Austin', 'TX', '2024-01-05']);
    expect('ok' in r ? r.ok.person?.marketing_status : 'rejected').toBeUndefined();
    expect('ok' in r ? r.ok.organization?.address?.admin_area_level_1 : 'rejected').toBe('TX');
  });

  it("Kit's `active` never becomes subscribed (a users table's `state` is the same word); cancelled unsubscribes", () => {
    const header = [
      'id',
      'first_name',
      'last_name',
      'email_address',
      'company',
      'plan',
      'state',
      'created_at',
    ];
    const rows = [
      ['17', 'Anna', 'Berg', 'anna@example.com', 'Acme', 'pro', 'active', '2024-01-05'],
      ['18', 'Bob', 'Carr', 'bob@example.com', 'Beta', 'free', 'inactive', '2024-02-05'],
      ['19', 'Cid', 'Dahl', 'cid@example.com', 'Gamma', 'free', 'cancelled', '2024-02-05'],
      ['20', 'Dan', 'Eke', 'dan@example.com', 'Delta', 'free', 'complained', '2024-02-05'],
    ];
    expect(statuses(header, rows)).toEqual([undefined, undefined, 'unsubscribed', 'unsubscribed']);
    const validate = createRowValidator(mapColumns({}, header, undefined), 'kit');
    const r = validate(2, rows[0] as string[]);
    expect('ok' in r ? r.warnings?.map((w) => w.message) : undefined).toEqual([
      expect.stringMatching(/^has "active", Kit's subscriber state .*not the person's consent/),
    ]);
  });
});
