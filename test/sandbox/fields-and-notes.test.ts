/**
 * The sandbox's person and organization field catalogues, the contact fields a lead file carries
 * (validated as API v2 does), PATCH updates of persons and organizations, and v1 notes: over real
 * HTTP, with costs read back from the control API.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  INDUSTRY_OPTIONS,
  INTEREST_OPTIONS,
  MARKETING_STATUS_OPTIONS,
  ORGANIZATION_FIELD_KEYS,
  ORGANIZATION_LABEL_OPTIONS,
  PERSON_FIELD_KEYS,
  PERSON_LABEL_OPTIONS,
  PREFERRED_LANGUAGE_OPTIONS,
  PRODUCTS_USED_OPTIONS,
  type RunningSandbox,
  startSandbox,
  TIER_OPTIONS,
} from '../../src/sandbox/index.js';
import { manualClock, sandboxClient } from './sandbox-client.js';

const HEX40 = /^[0-9a-f]{40}$/;
const V1_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

let sandbox: RunningSandbox;
let api: ReturnType<typeof sandboxClient>;

beforeAll(async () => {
  sandbox = await startSandbox({ limits: false });
  api = sandboxClient(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.reset();
  sandbox.configure({ campaigns: true, faultRate: 0 });
});

function expect400(res: { status: number; body: unknown }, message: RegExp) {
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ success: false, error: expect.stringMatching(message), data: null });
}

/** Tokens charged by `fn` alone. */
async function costOf(fn: () => Promise<unknown>): Promise<number> {
  const before = sandbox.state().tokensUsed;
  await fn();
  return sandbox.state().tokensUsed - before;
}

interface Field {
  key: string;
  field_type: string;
  edit_flag: boolean;
  options?: { id: number | string; label: string; color?: string }[];
}

async function catalogue(path: string): Promise<Field[]> {
  const res = await api.get(`${path}?limit=500`);
  expect(res.status).toBe(200);
  return res.body.data;
}

describe('GET /v1/personFields', () => {
  it('lists the standard person fields, not editable, with labels and marketing status as options', async () => {
    const fields = await catalogue('/v1/personFields');
    const byKey = new Map(fields.map((f) => [f.key, f]));
    for (const [key, type] of [
      ['name', 'varchar'],
      ['first_name', 'varchar'],
      ['last_name', 'varchar'],
      ['email', 'varchar'],
      ['phone', 'phone'],
      ['org_id', 'org'],
      ['owner_id', 'user'],
      ['label_ids', 'set'],
      ['job_title', 'varchar'],
      ['postal_address', 'address'],
      ['birthday', 'date'],
      ['notes', 'text'],
      ['marketing_status', 'enum'],
      ['visible_to', 'visible_to'],
      ['add_time', 'date'],
    ]) {
      expect(byKey.get(key!), key).toMatchObject({ field_type: type, edit_flag: false });
    }
    expect(byKey.get('label_ids')?.options).toEqual(PERSON_LABEL_OPTIONS.map((o) => ({ ...o })));
    for (const option of byKey.get('label_ids')?.options ?? []) {
      expect(Number.isInteger(option.id)).toBe(true);
      expect(option.color).toEqual(expect.any(String));
    }
    // Marketing status options are keyed by the status strings that marketing_status takes.
    expect(byKey.get('marketing_status')?.options).toEqual(MARKETING_STATUS_OPTIONS.map((o) => ({ ...o })));
    expect(MARKETING_STATUS_OPTIONS.map((o) => o.id)).toEqual([
      'no_consent',
      'unsubscribed',
      'subscribed',
      'archived',
    ]);
  });

  it('lists one custom person field of each useful type under a 40-hex key', async () => {
    const custom = (await catalogue('/v1/personFields')).filter((f) => f.edit_flag);
    expect(custom.map((f) => [f.key, f.field_type])).toEqual([
      [PERSON_FIELD_KEYS.linkedinProfile, 'varchar'],
      [PERSON_FIELD_KEYS.preferredLanguage, 'enum'],
      [PERSON_FIELD_KEYS.interests, 'set'],
      [PERSON_FIELD_KEYS.lastMet, 'date'],
      [PERSON_FIELD_KEYS.npsScore, 'double'],
      [PERSON_FIELD_KEYS.assistantPhone, 'phone'],
    ]);
    for (const f of custom) expect(f.key).toMatch(HEX40);
    expect(custom[1]?.options?.map((o) => o.id)).toEqual(PREFERRED_LANGUAGE_OPTIONS.map((o) => o.id));
  });

  it('pages like /v1/dealFields and charges 20 tokens a page', async () => {
    let page: Awaited<ReturnType<typeof api.get>> | undefined;
    expect(
      await costOf(async () => {
        page = await api.get('/v1/personFields?start=0&limit=5');
      }),
    ).toBe(20);
    expect(page?.body.data).toHaveLength(5);
    expect(page?.body.additional_data.pagination).toEqual({
      start: 0,
      limit: 5,
      more_items_in_collection: true,
      next_start: 5,
    });
    const all = await catalogue('/v1/personFields');
    const rest = await api.get(`/v1/personFields?start=5&limit=${all.length}`);
    expect(rest.body.data).toEqual(all.slice(5));
    expect(rest.body.additional_data.pagination.more_items_in_collection).toBe(false);
  });

  it('leaves marketing_status out, and refuses it in person writes, when the company has no Campaigns', async () => {
    const off = await api.post('/_sandbox/config', { campaigns: false }, { anonymous: true });
    expect(off.body).toMatchObject({ campaigns: false });
    const keys = (await catalogue('/v1/personFields')).map((f) => f.key);
    expect(keys).not.toContain('marketing_status');
    expect(keys).toContain('job_title');
    expect400(
      await api.post('/api/v2/persons', { name: 'Ann', marketing_status: 'subscribed' }),
      /marketing_status.*Campaigns/,
    );
    const id = await api.person('Ann');
    expect400(
      await api.patch(`/api/v2/persons/${id}`, { marketing_status: 'no_consent' }),
      /marketing_status.*Campaigns/,
    );

    sandbox.configure({ campaigns: true });
    expect((await catalogue('/v1/personFields')).map((f) => f.key)).toContain('marketing_status');
    const res = await api.post('/api/v2/persons', { name: 'Bob', marketing_status: 'subscribed' });
    expect(res.body.data.marketing_status).toBe('subscribed');
  });
});

describe('GET /v1/organizationFields', () => {
  it('lists the standard organization fields, with industry and labels as options', async () => {
    const fields = await catalogue('/v1/organizationFields');
    const byKey = new Map(fields.map((f) => [f.key, f]));
    for (const [key, type] of [
      ['name', 'varchar'],
      ['owner_id', 'user'],
      ['label_ids', 'set'],
      ['address', 'address'],
      ['website', 'varchar'],
      ['linkedin', 'varchar'],
      ['industry', 'enum'],
      ['employee_count', 'int'],
      ['annual_revenue', 'double'],
      ['visible_to', 'visible_to'],
      ['add_time', 'date'],
    ]) {
      expect(byKey.get(key!), key).toMatchObject({ field_type: type, edit_flag: false });
    }
    expect(byKey.get('industry')?.options?.map((o) => o.label)).toEqual(
      expect.arrayContaining(['Software/IT services', 'Manufacturing', 'Retail', 'Other']),
    );
    expect(byKey.get('label_ids')?.options).toEqual(ORGANIZATION_LABEL_OPTIONS.map((o) => ({ ...o })));
  });

  it('lists custom organization fields under 40-hex keys', async () => {
    const custom = (await catalogue('/v1/organizationFields')).filter((f) => f.edit_flag);
    expect(custom.map((f) => [f.key, f.field_type])).toEqual([
      [ORGANIZATION_FIELD_KEYS.vatNumber, 'varchar'],
      [ORGANIZATION_FIELD_KEYS.tier, 'enum'],
      [ORGANIZATION_FIELD_KEYS.productsUsed, 'set'],
      [ORGANIZATION_FIELD_KEYS.locations, 'double'],
      [ORGANIZATION_FIELD_KEYS.customerSince, 'date'],
      [ORGANIZATION_FIELD_KEYS.creditLimit, 'monetary'],
    ]);
    expect(custom[1]?.options?.map((o) => o.label)).toEqual(['Gold', 'Silver', 'Bronze']);
    expect(await costOf(() => api.get('/v1/organizationFields'))).toBe(20);
  });
});

const FULL_PERSON = {
  name: 'Ada Lovelace',
  job_title: 'Chief Analyst',
  birthday: '1815-12-10',
  postal_address: {
    value: '12 St James Square, London SW1Y 4JH, United Kingdom',
    street_number: '12',
    route: 'St James Square',
    locality: 'London',
    postal_code: 'SW1Y 4JH',
    country: 'United Kingdom',
  },
  notes: 'Prefers email',
  marketing_status: 'subscribed',
  label_ids: [PERSON_LABEL_OPTIONS[0].id, PERSON_LABEL_OPTIONS[1].id],
  emails: [
    { value: 'ada@work.example', label: 'work' },
    { value: 'ada@home.example', label: 'home' },
  ],
  phones: [
    { value: '+44 20 7946 0000', label: 'work', primary: true },
    { value: '+44 7700 900000', label: 'mobile' },
  ],
  custom_fields: {
    [PERSON_FIELD_KEYS.linkedinProfile]: 'https://www.linkedin.com/in/ada',
    [PERSON_FIELD_KEYS.preferredLanguage]: PREFERRED_LANGUAGE_OPTIONS[0].id,
    [PERSON_FIELD_KEYS.interests]: [INTEREST_OPTIONS[0].id, INTEREST_OPTIONS[2].id],
    [PERSON_FIELD_KEYS.lastMet]: '2026-03-14',
    [PERSON_FIELD_KEYS.npsScore]: 9.5,
    [PERSON_FIELD_KEYS.assistantPhone]: '+44 20 7946 0001',
  },
};

describe('POST /api/v2/persons with every field of a lead file', () => {
  it('stores job title, birthday, postal address, notes, labels, marketing status and custom fields, and GET returns them', async () => {
    const created = await api.post('/api/v2/persons', FULL_PERSON);
    expect(created.status).toBe(200);
    const { name, emails, phones, ...rest } = FULL_PERSON;
    expect(created.body.data).toMatchObject({ ...rest, name, first_name: 'Ada', last_name: 'Lovelace' });
    expect(created.body.data.emails).toEqual([
      { value: 'ada@work.example', label: 'work', primary: true },
      { value: 'ada@home.example', label: 'home', primary: false },
    ]);
    expect(created.body.data.phones).toHaveLength(2);
    const got = await api.get(`/api/v2/persons/${created.body.data.id}`);
    expect(got.body.data).toEqual(created.body.data);
    expect(sandbox.export().persons[0]).toEqual(created.body.data);
  });

  it('answers the contact-sync fields as null when they are not set', async () => {
    const id = await api.person('Bare');
    expect((await api.get(`/api/v2/persons/${id}`)).body.data).toMatchObject({
      job_title: null,
      birthday: null,
      postal_address: null,
      notes: null,
      custom_fields: {},
    });
  });

  it('ignores custom-field keys the catalogue does not know, as Pipedrive ignores deleted fields', async () => {
    const res = await api.post('/api/v2/persons', {
      name: 'Ann',
      custom_fields: {
        '0123456789abcdef0123456789abcdef01234567': 'gone',
        [PERSON_FIELD_KEYS.npsScore]: 7,
        [PERSON_FIELD_KEYS.lastMet]: null,
      },
    });
    expect(res.body.data.custom_fields).toEqual({ [PERSON_FIELD_KEYS.npsScore]: 7 });
  });

  const k = PERSON_FIELD_KEYS;
  it.each([
    ['a numeric job title', { job_title: 42 }, /job_title must be a string/],
    ['a job title over 255 characters', { job_title: 'x'.repeat(256) }, /job_title must be at most 255/],
    ['a birthday not in YYYY-MM-DD', { birthday: '10/12/1815' }, /birthday must be a date in YYYY-MM-DD/],
    ['an impossible birthday', { birthday: '1990-02-30' }, /birthday/],
    ['a postal address as a plain string', { postal_address: 'London' }, /postal_address must be an object/],
    ['a postal address without value', { postal_address: { locality: 'London' } }, /postal_address.value/],
    ['an unknown address part', { postal_address: { value: 'x', city: 'London' } }, /postal_address.city/],
    ['a numeric address part', { postal_address: { value: 'x', postal_code: 10117 } }, /postal_code/],
    ['a label that is not a person label', { label_ids: [ORGANIZATION_LABEL_OPTIONS[0].id] }, /person label/],
    ['a label id as a string', { label_ids: ['1'] }, /label_ids: "1" is not a person label/],
    ['a marketing status outside the enum', { marketing_status: 'yes' }, /marketing_status must be one of/],
    ['notes over 10,000 characters', { notes: 'n'.repeat(10_001) }, /notes must be at most 10000/],
    [
      'an enum custom field as a string',
      { custom_fields: { [k.preferredLanguage]: '201' } },
      /Preferred language/,
    ],
    [
      'an enum custom field with an unknown option',
      { custom_fields: { [k.preferredLanguage]: 999 } },
      /201 \(English\)/,
    ],
    ['a set custom field as []', { custom_fields: { [k.interests]: [] } }, /use null, not \[\]/],
    [
      'a set custom field with an unknown option',
      { custom_fields: { [k.interests]: [211, 999] } },
      /Interests/,
    ],
    ['a set custom field as one id', { custom_fields: { [k.interests]: 211 } }, /must be an array/],
    ['a date custom field not in YYYY-MM-DD', { custom_fields: { [k.lastMet]: '14.03.2026' } }, /Last met/],
    ['a double custom field as a string', { custom_fields: { [k.npsScore]: '9' } }, /NPS score.*number/],
    ['a varchar custom field over 255', { custom_fields: { [k.linkedinProfile]: 'l'.repeat(256) } }, /255/],
    ['custom fields as a list', { custom_fields: [1] }, /custom_fields must be an object/],
  ])('refuses a person with %s (400 naming the field)', async (_name, fields, message) => {
    expect400(await api.post('/api/v2/persons', { name: 'Ann', ...fields }), message);
    expect(sandbox.state().persons).toBe(0);
  });
});

const FULL_ORG = {
  name: 'Analytical Engines Ltd',
  address: { value: '1 Market St, San Francisco, CA 94105, USA', locality: 'San Francisco', country: 'USA' },
  website: 'https://engines.example',
  linkedin: 'https://www.linkedin.com/company/engines',
  industry: INDUSTRY_OPTIONS[1].id,
  employee_count: 250,
  annual_revenue: 12_500_000.5,
  label_ids: [ORGANIZATION_LABEL_OPTIONS[2].id],
  custom_fields: {
    [ORGANIZATION_FIELD_KEYS.vatNumber]: 'GB123456789',
    [ORGANIZATION_FIELD_KEYS.tier]: TIER_OPTIONS[1].id,
    [ORGANIZATION_FIELD_KEYS.productsUsed]: [PRODUCTS_USED_OPTIONS[0].id, PRODUCTS_USED_OPTIONS[3].id],
    [ORGANIZATION_FIELD_KEYS.locations]: 3,
    [ORGANIZATION_FIELD_KEYS.customerSince]: '2020-01-31',
    [ORGANIZATION_FIELD_KEYS.creditLimit]: { value: 10_000, currency: 'USD' },
  },
};

describe('POST /api/v2/organizations with every field of a lead file', () => {
  it('stores address, website, LinkedIn, industry, size, revenue, labels and custom fields, and GET returns them', async () => {
    const created = await api.post('/api/v2/organizations', FULL_ORG);
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject(FULL_ORG);
    expect((await api.get(`/api/v2/organizations/${created.body.data.id}`)).body.data).toEqual(
      created.body.data,
    );
  });

  it('takes a monetary custom field without currency in the user’s default currency', async () => {
    const res = await api.post('/api/v2/organizations', {
      name: 'Acme',
      custom_fields: { [ORGANIZATION_FIELD_KEYS.creditLimit]: { value: 500 } },
    });
    expect(res.body.data.custom_fields[ORGANIZATION_FIELD_KEYS.creditLimit]).toEqual({
      value: 500,
      currency: 'EUR',
    });
  });

  it('answers unset organization fields as null', async () => {
    const id = await api.org('Bare');
    expect((await api.get(`/api/v2/organizations/${id}`)).body.data).toMatchObject({
      address: null,
      website: null,
      linkedin: null,
      industry: null,
      employee_count: null,
      annual_revenue: null,
    });
  });

  const k = ORGANIZATION_FIELD_KEYS;
  it.each([
    [
      'an industry that is not an option',
      { industry: 999 },
      /industry must be one of.*401 \(Software\/IT services\)/,
    ],
    ['an industry as a string', { industry: '401' }, /industry/],
    ['a fractional employee count', { employee_count: 12.5 }, /employee_count must be a whole number/],
    ['an employee count as a string', { employee_count: '12' }, /employee_count/],
    ['an annual revenue as a string', { annual_revenue: '1M' }, /annual_revenue must be a number/],
    ['a numeric website', { website: 5 }, /website must be a string/],
    ['a LinkedIn URL over 255 characters', { linkedin: 'h'.repeat(256) }, /linkedin must be at most 255/],
    ['an address without value', { address: { country: 'EE' } }, /address.value is required/],
    ['a person label', { label_ids: [PERSON_LABEL_OPTIONS[0].id] }, /organization label/],
    [
      'a monetary custom field as a number',
      { custom_fields: { [k.creditLimit]: 5 } },
      /Credit limit.*\{ value, currency \}/,
    ],
    [
      'a monetary custom field in an unknown currency',
      { custom_fields: { [k.creditLimit]: { value: 5, currency: 'XXX' } } },
      /currency code of this company/,
    ],
    ['an enum custom field with an unknown option', { custom_fields: { [k.tier]: 1 } }, /Tier.*301 \(Gold\)/],
    [
      'a date custom field that does not exist',
      { custom_fields: { [k.customerSince]: '2020-13-01' } },
      /Customer since/,
    ],
  ])('refuses an organization with %s (400 naming the field)', async (_name, fields, message) => {
    expect400(await api.post('/api/v2/organizations', { name: 'Acme', ...fields }), message);
    expect(sandbox.state().organizations).toBe(0);
  });
});

describe('PATCH /api/v2/persons/{id}', () => {
  it('changes only the fields sent, clears with null, and charges 5 tokens', async () => {
    const id = (await api.post('/api/v2/persons', FULL_PERSON)).body.data.id as number;
    let res: Awaited<ReturnType<typeof api.patch>> | undefined;
    expect(
      await costOf(async () => {
        res = await api.patch(`/api/v2/persons/${id}`, {
          job_title: 'Countess',
          notes: null,
          postal_address: null,
          custom_fields: {
            [PERSON_FIELD_KEYS.npsScore]: 10,
            [PERSON_FIELD_KEYS.interests]: null,
          },
        });
      }),
    ).toBe(5);
    expect(res?.status).toBe(200);
    const person = res?.body.data;
    expect(person).toMatchObject({
      name: 'Ada Lovelace',
      job_title: 'Countess',
      notes: null,
      postal_address: null,
      birthday: FULL_PERSON.birthday,
      label_ids: FULL_PERSON.label_ids,
      marketing_status: 'subscribed',
    });
    expect(person.custom_fields).toEqual({
      ...FULL_PERSON.custom_fields,
      [PERSON_FIELD_KEYS.npsScore]: 10,
      [PERSON_FIELD_KEYS.interests]: undefined,
    });
    expect(person.custom_fields).not.toHaveProperty(PERSON_FIELD_KEYS.interests);
    expect(person.emails).toHaveLength(2);
    expect((await api.get(`/api/v2/persons/${id}`)).body.data).toEqual(person);
  });

  it('replaces emails and phones as a whole, and search follows the new values', async () => {
    const id = await api.person('Grace Hopper', 'grace@old.example');
    const res = await api.patch(`/api/v2/persons/${id}`, {
      emails: [{ value: 'grace@new.example' }],
      phones: [{ value: '+1 202 555 0100', label: 'mobile' }],
    });
    expect(res.body.data.emails).toEqual([{ value: 'grace@new.example', primary: true, label: 'work' }]);
    const search = (term: string, fields: string) =>
      api
        .get(`/api/v2/persons/search?term=${encodeURIComponent(term)}&fields=${fields}&exact_match=true`)
        .then((r) => r.body.data.items.map((i: { item: { id: number } }) => i.item.id));
    expect(await search('grace@old.example', 'email')).toEqual([]);
    expect(await search('grace@new.example', 'email')).toEqual([id]);
    expect(await search('+1 202 555 0100', 'phone')).toEqual([id]);
  });

  it('renames: a new name splits into first and last name; a new last name rebuilds the name', async () => {
    const id = await api.person('Ada Lovelace');
    const renamed = await api.patch(`/api/v2/persons/${id}`, { name: 'Augusta Ada King' });
    expect(renamed.body.data).toMatchObject({ first_name: 'Augusta', last_name: 'Ada King' });
    const last = await api.patch(`/api/v2/persons/${id}`, { last_name: 'King' });
    expect(last.body.data).toMatchObject({ name: 'Augusta King', first_name: 'Augusta', last_name: 'King' });
    const byName = await api.get('/api/v2/persons/search?term=augusta%20king&fields=name&exact_match=true');
    expect(byName.body.data.items.map((i: { item: { id: number } }) => i.item.id)).toEqual([id]);
  });

  it('counts a person whose new email collides with another as a duplicate', async () => {
    await api.person('Ann', 'ann@example.com');
    const other = await api.person('Ann B', 'annb@example.com');
    expect(sandbox.state().duplicatePersons).toBe(0);
    await api.patch(`/api/v2/persons/${other}`, { emails: [{ value: 'ANN@example.com' }] });
    expect(sandbox.state().duplicatePersons).toBe(1);
  });

  it('moves update_time, so updated_since lists and update_time sorting see the change', async () => {
    const clock = manualClock();
    const timed = await startSandbox({ limits: false, now: clock.now });
    try {
      const c = sandboxClient(timed);
      const first = await c.person('First');
      const second = await c.person('Second');
      clock.advance(60_000);
      const since = new Date(clock.now() - 1_000).toISOString();
      expect((await c.get(`/api/v2/persons?updated_since=${since}`)).body.data).toEqual([]);
      const patched = await c.patch(`/api/v2/persons/${first}`, { job_title: 'CTO' });
      expect(patched.body.data.update_time).toBe(new Date(clock.now()).toISOString().replace('.000Z', 'Z'));
      expect(patched.body.data.add_time).not.toBe(patched.body.data.update_time);
      const changed = await c.get(`/api/v2/persons?updated_since=${since}`);
      expect(changed.body.data.map((p: { id: number }) => p.id)).toEqual([first]);
      const latest = await c.get('/api/v2/persons?sort_by=update_time&sort_direction=desc');
      expect(latest.body.data.map((p: { id: number }) => p.id)).toEqual([first, second]);
    } finally {
      await timed.close();
    }
  });

  it('answers 404 with the v2 envelope for unknown and deleted persons, and 400 for a bad id', async () => {
    const missing = await api.patch('/api/v2/persons/999', { job_title: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      success: false,
      error: 'Entity was not found',
      error_info: 'Object was not found.',
      data: null,
      additional_data: null,
    });
    const id = await api.person('Gone');
    await api.del(`/api/v2/persons/${id}`);
    expect((await api.patch(`/api/v2/persons/${id}`, { job_title: 'x' })).status).toBe(404);
    expect((await api.patch('/api/v2/persons/abc', { job_title: 'x' })).status).toBe(400);
  });

  it.each([
    ['clearing the name', { name: null }, /name cannot be cleared/],
    ['clearing the owner', { owner_id: null }, /owner_id cannot be cleared/],
    ['clearing the marketing status', { marketing_status: null }, /marketing_status cannot be cleared/],
    ['no known field', { jobtitle: 'CTO' }, /Nothing to update/],
    ['an empty body', {}, /Nothing to update/],
    ['a bad birthday', { birthday: '2026-1-1' }, /birthday/],
    ['a set custom field as []', { custom_fields: { [PERSON_FIELD_KEYS.interests]: [] } }, /use null/],
    ['an organization that does not exist', { org_id: 404 }, /Organization with id 404/],
    ['a deactivated owner', { owner_id: 5 }, /deactivated/],
  ])('refuses %s and leaves the person as it was', async (_name, body, message) => {
    const id = (await api.post('/api/v2/persons', FULL_PERSON)).body.data.id as number;
    const before = (await api.get(`/api/v2/persons/${id}`)).body.data;
    expect400(await api.patch(`/api/v2/persons/${id}`, body), message);
    expect((await api.get(`/api/v2/persons/${id}`)).body.data).toEqual(before);
  });

  it('unlinks the organization with org_id: null', async () => {
    const org = await api.org('Acme');
    const id = await api.person('Ann', undefined, org);
    expect((await api.patch(`/api/v2/persons/${id}`, { org_id: null })).body.data.org_id).toBeNull();
  });
});

describe('PATCH /api/v2/organizations/{id}', () => {
  it('changes only the fields sent, clears with null, and charges 5 tokens', async () => {
    const id = (await api.post('/api/v2/organizations', FULL_ORG)).body.data.id as number;
    let res: Awaited<ReturnType<typeof api.patch>> | undefined;
    expect(
      await costOf(async () => {
        res = await api.patch(`/api/v2/organizations/${id}`, {
          website: null,
          employee_count: 300,
          industry: INDUSTRY_OPTIONS[0].id,
          custom_fields: { [ORGANIZATION_FIELD_KEYS.tier]: TIER_OPTIONS[0].id },
        });
      }),
    ).toBe(5);
    expect(res?.body.data).toMatchObject({
      ...FULL_ORG,
      website: null,
      employee_count: 300,
      industry: INDUSTRY_OPTIONS[0].id,
      custom_fields: { ...FULL_ORG.custom_fields, [ORGANIZATION_FIELD_KEYS.tier]: TIER_OPTIONS[0].id },
    });
  });

  it('renames: search and the duplicate count follow the new name', async () => {
    await api.org('Acme');
    const id = await api.org('Initech');
    await api.patch(`/api/v2/organizations/${id}`, { name: 'ACME' });
    expect(sandbox.state().duplicateOrganizations).toBe(1);
    const found = await api.get('/api/v2/organizations/search?term=initech&exact_match=true');
    expect(found.body.data.items).toEqual([]);
  });

  it('answers 404 for unknown and deleted organizations and refuses bad values', async () => {
    expect((await api.patch('/api/v2/organizations/999', { website: 'x' })).status).toBe(404);
    const id = await api.org('Gone');
    expect400(await api.patch(`/api/v2/organizations/${id}`, { industry: 1 }), /industry/);
    expect400(await api.patch(`/api/v2/organizations/${id}`, { name: '' }), /name/);
    await api.del(`/api/v2/organizations/${id}`);
    expect((await api.patch(`/api/v2/organizations/${id}`, { website: 'x' })).status).toBe(404);
  });
});

describe('notes (v1)', () => {
  async function leadFor(title = 'Lead'): Promise<{ leadId: string; personId: number }> {
    const personId = await api.person(`${title} person`);
    const lead = await api.post('/v1/leads', { title, person_id: personId });
    return { leadId: lead.body.data.id, personId };
  }

  it('adds a note to a lead with 200 (not 201), v1 times and the related person, and charges 10 tokens', async () => {
    const { leadId, personId } = await leadFor();
    let res: Awaited<ReturnType<typeof api.post>> | undefined;
    expect(
      await costOf(async () => {
        res = await api.post('/v1/notes', {
          content: '<p>Asked for a <b>demo</b></p>',
          lead_id: leadId,
          person_id: personId,
          pinned_to_lead_flag: 1,
        });
      }),
    ).toBe(10);
    expect(res?.status).toBe(200);
    expect(res?.body.data).toMatchObject({
      id: 1,
      content: '<p>Asked for a <b>demo</b></p>',
      lead_id: leadId,
      person_id: personId,
      org_id: null,
      deal_id: null,
      user_id: 1,
      active_flag: true,
      pinned_to_lead_flag: true,
      pinned_to_person_flag: false,
      person: { name: 'Lead person' },
      organization: null,
    });
    expect(res?.body.data.add_time).toMatch(V1_TIME);
    expect(res?.body.data.update_time).toMatch(V1_TIME);
  });

  it('removes <script> elements from the content and keeps the rest as sent', async () => {
    const { leadId } = await leadFor();
    const res = await api.post('/v1/notes', {
      content: 'Hello <script type="text/javascript">alert(1)</script><i>world</i><SCRIPT>x',
      lead_id: leadId,
    });
    expect(res.body.data.content).toBe('Hello <i>world</i>x');
  });

  it('keeps add_time when given in v1 format', async () => {
    const { leadId } = await leadFor();
    const res = await api.post('/v1/notes', {
      content: 'Old',
      lead_id: leadId,
      add_time: '2024-02-29 23:59:59',
    });
    expect(res.body.data.add_time).toBe('2024-02-29 23:59:59');
  });

  it('attaches notes to persons and organizations too', async () => {
    const org = await api.org('Acme');
    const person = await api.person('Ann', undefined, org);
    const res = await api.post('/v1/notes', { content: 'Hi', person_id: person, org_id: org });
    expect(res.body.data).toMatchObject({
      lead_id: null,
      person_id: person,
      org_id: org,
      organization: { name: 'Acme' },
    });
  });

  it.each([
    ['no content', { LEAD: true }, /content is required/],
    ['blank content', { LEAD: true, content: '  ' }, /content must be a non-empty string/],
    ['numeric content', { LEAD: true, content: 5 }, /content must be a non-empty string/],
    ['nothing to attach to', { content: 'x' }, /lead_id, person_id, org_id or deal_id/],
    ['a lead id that is not a UUID', { content: 'x', lead_id: '12' }, /lead_id must be a lead UUID/],
    [
      'a lead that does not exist',
      { content: 'x', lead_id: '00000000-0000-4000-8000-000000000000' },
      /Lead with id/,
    ],
    ['a person that does not exist', { content: 'x', person_id: 999 }, /Person with id 999/],
    ['an organization that does not exist', { content: 'x', org_id: 999 }, /Organization with id 999/],
    ['a deal that does not exist', { content: 'x', deal_id: 1 }, /Deal with id 1/],
    [
      'a pin without its lead',
      { content: 'x', PERSON: true, pinned_to_lead_flag: 1 },
      /pinned_to_lead_flag needs lead_id/,
    ],
    ['a pin flag that is not 0 or 1', { LEAD: true, content: 'x', pinned_to_lead_flag: 2 }, /0 or 1/],
    [
      'an RFC 3339 add_time',
      { LEAD: true, content: 'x', add_time: '2026-01-01T10:00:00Z' },
      /YYYY-MM-DD HH:MM:SS/,
    ],
    ['a deactivated author', { LEAD: true, content: 'x', user_id: 5 }, /deactivated/],
  ])('refuses a note with %s (400 envelope)', async (_name, raw, message) => {
    const { LEAD, PERSON, ...body } = raw as Record<string, unknown>;
    const { leadId, personId } = await leadFor();
    if (LEAD) body.lead_id = leadId;
    if (PERSON) body.person_id = personId;
    expect400(await api.post('/v1/notes', body), message);
    expect(sandbox.state().notes).toBe(0);
  });

  it('refuses a note for a deleted person', async () => {
    const id = await api.person('Gone');
    await api.del(`/api/v2/persons/${id}`);
    expect400(await api.post('/v1/notes', { content: 'x', person_id: id }), /Person with id/);
  });

  it('lists notes filtered by lead, person or organization, offset-paged, for 20 tokens', async () => {
    const a = await leadFor('A');
    const b = await leadFor('B');
    for (const [i, lead] of [a, b, a, a, b].entries()) {
      await api.post('/v1/notes', { content: `Note ${i}`, lead_id: lead.leadId });
    }
    await api.post('/v1/notes', { content: 'About B', person_id: b.personId });
    let page: Awaited<ReturnType<typeof api.get>> | undefined;
    expect(
      await costOf(async () => {
        page = await api.get(`/v1/notes?lead_id=${a.leadId}&limit=2`);
      }),
    ).toBe(20);
    expect(page?.body.data.map((n: { content: string }) => n.content)).toEqual(['Note 0', 'Note 2']);
    expect(page?.body.additional_data).toEqual({
      pagination: { start: 0, limit: 2, more_items_in_collection: true, next_start: 2 },
    });
    const next = await api.get(`/v1/notes?lead_id=${a.leadId}&limit=2&start=2`);
    expect(next.body.data.map((n: { content: string }) => n.content)).toEqual(['Note 3']);
    expect(next.body.additional_data.pagination.more_items_in_collection).toBe(false);
    const byPerson = await api.get(`/v1/notes?person_id=${b.personId}`);
    expect(byPerson.body.data.map((n: { content: string }) => n.content)).toEqual(['About B']);
    expect((await api.get('/v1/notes')).body.data).toHaveLength(6);
    expect((await api.get('/v1/notes?deal_id=1')).body.data).toEqual([]);
    expect((await api.get('/v1/notes?limit=501')).body.additional_data.pagination.limit).toBe(500);
  });

  it('sorts by id or add_time, ascending or descending', async () => {
    const { leadId } = await leadFor();
    await api.post('/v1/notes', { content: 'newest', lead_id: leadId, add_time: '2026-03-01 10:00:00' });
    await api.post('/v1/notes', { content: 'oldest', lead_id: leadId, add_time: '2024-01-01 10:00:00' });
    await api.post('/v1/notes', { content: 'middle', lead_id: leadId, add_time: '2025-06-01 10:00:00' });
    const contents = async (sort: string) =>
      (await api.get(`/v1/notes?sort=${encodeURIComponent(sort)}`)).body.data.map(
        (n: { content: string }) => n.content,
      );
    expect(await contents('add_time ASC')).toEqual(['oldest', 'middle', 'newest']);
    expect(await contents('add_time DESC')).toEqual(['newest', 'middle', 'oldest']);
    expect(await contents('id DESC')).toEqual(['middle', 'oldest', 'newest']);
    expect(await contents('id')).toEqual(['newest', 'oldest', 'middle']);
    expect400(await api.get('/v1/notes?sort=content%20ASC'), /sort must be/);
    expect400(await api.get('/v1/notes?sort=id%20UP'), /sort must be/);
    expect400(await api.get('/v1/notes?lead_id=abc'), /lead_id must be a lead UUID/);
  });

  it('reads one note for 2 tokens, deletes it for 6 with data: true, and answers 404 after', async () => {
    const { leadId } = await leadFor();
    const id = (await api.post('/v1/notes', { content: 'x', lead_id: leadId })).body.data.id;
    expect(await costOf(() => api.get(`/v1/notes/${id}`))).toBe(2);
    expect((await api.get(`/v1/notes/${id}`)).body.data).toMatchObject({ id, content: 'x' });
    let del: Awaited<ReturnType<typeof api.del>> | undefined;
    expect(
      await costOf(async () => {
        del = await api.del(`/v1/notes/${id}`);
      }),
    ).toBe(6);
    expect(del?.body).toEqual({ success: true, data: true });
    const again = await api.del(`/v1/notes/${id}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ success: false, error: 'Note not found', data: null });
    expect((await api.get(`/v1/notes/${id}`)).status).toBe(404);
    expect((await api.get('/v1/notes/abc')).status).toBe(400);
    expect(sandbox.state().notes).toBe(0);
  });

  it('moves a note from its lead to a deal with PUT for 10 tokens (null detaches a link), and keeps it attached to something', async () => {
    const { leadId, personId } = await leadFor();
    const id = (
      await api.post('/v1/notes', { content: 'Call back', lead_id: leadId, pinned_to_lead_flag: 1 })
    ).body.data.id;
    const deal = (await api.post('/api/v2/deals', { title: 'Big one', person_id: personId })).body.data.id;
    let res: Awaited<ReturnType<typeof api.put>> | undefined;
    expect(
      await costOf(async () => {
        res = await api.put(`/v1/notes/${id}`, { deal_id: deal, lead_id: null });
      }),
    ).toBe(10);
    expect(res?.status).toBe(200);
    expect(res?.body.data).toMatchObject({
      id,
      content: 'Call back',
      lead_id: null,
      deal_id: deal,
      pinned_to_lead_flag: false,
      deal: { title: 'Big one' },
    });
    expect((await api.get(`/v1/notes?lead_id=${leadId}`)).body.data).toEqual([]);
    expect((await api.get(`/v1/notes?deal_id=${deal}`)).body.data.map((n: { id: number }) => n.id)).toEqual([
      id,
    ]);
    expect((await api.get(`/v1/notes/${id}`)).body.data).toMatchObject({ lead_id: null, deal_id: deal });

    const edited = await api.put(`/v1/notes/${id}`, { content: 'Called <script>x</script>back' });
    expect(edited.body.data).toMatchObject({ content: 'Called back', deal_id: deal });
    expect400(await api.put(`/v1/notes/${id}`, { deal_id: null }), /must stay attached/);
    expect400(await api.put(`/v1/notes/${id}`, { lead_id: '12' }), /lead_id must be a lead UUID/);
    expect400(
      await api.put(`/v1/notes/${id}`, { pinned_to_lead_flag: 1 }),
      /pinned_to_lead_flag needs lead_id/,
    );
    expect((await api.put('/v1/notes/999', { content: 'x' })).status).toBe(404);
    expect((await api.get(`/v1/notes/${id}`)).body.data).toMatchObject({ lead_id: null, deal_id: deal });
  });

  it('keeps a lead’s notes when the lead is deleted (the importer’s revert deletes them itself)', async () => {
    const { leadId } = await leadFor();
    await api.post('/v1/notes', { content: 'x', lead_id: leadId });
    await api.del(`/v1/leads/${leadId}`);
    expect((await api.get(`/v1/notes?lead_id=${leadId}`)).body.data).toHaveLength(1);
  });

  it('reports notes and duplicate notes in state, exports them, and reset clears them', async () => {
    const a = await leadFor('A');
    const b = await leadFor('B');
    await api.post('/v1/notes', { content: 'Same', lead_id: a.leadId });
    await api.post('/v1/notes', { content: 'Same', lead_id: a.leadId });
    await api.post('/v1/notes', { content: 'Same', lead_id: a.leadId });
    await api.post('/v1/notes', { content: 'Other', lead_id: a.leadId });
    await api.post('/v1/notes', { content: 'Same', lead_id: b.leadId });
    await api.post('/v1/notes', { content: 'Same', person_id: a.personId });
    const state = (await api.get('/_sandbox/state', { anonymous: true })).body;
    expect(state).toMatchObject({ notes: 6, duplicateNotes: 2 });

    await api.del('/v1/notes/2');
    expect(sandbox.state()).toMatchObject({ notes: 5, duplicateNotes: 1 });
    // Deleting the only note with its content leaves the other notes of that lead as they were.
    await api.del('/v1/notes/4');
    expect(sandbox.state()).toMatchObject({ notes: 4, duplicateNotes: 1 });

    const exported = (await api.get('/_sandbox/export', { anonymous: true })).body;
    expect(exported.notes.map((n: { id: number }) => n.id)).toEqual([1, 3, 5, 6]);
    expect(exported.notes[0]).toMatchObject({
      id: 1,
      lead_id: a.leadId,
      person_id: null,
      org_id: null,
      content: 'Same',
    });
    expect(sandbox.export().notes).toEqual(exported.notes);

    await api.post('/_sandbox/reset', undefined, { anonymous: true });
    expect(sandbox.state()).toMatchObject({ notes: 0, duplicateNotes: 0 });
    const fresh = await leadFor();
    expect((await api.post('/v1/notes', { content: 'x', lead_id: fresh.leadId })).body.data.id).toBe(1);
  });
});

describe('faults on the new writes', () => {
  async function faulty(faultAfterWriteRatio: number) {
    const s = await startSandbox({ limits: false, faultAfterWriteRatio });
    const c = sandboxClient(s);
    const personId = await c.person('Ann', 'ann@example.com');
    const leadId = (await c.post('/v1/leads', { title: 'T', person_id: personId })).body.data.id as string;
    s.configure({ faultRate: 1 });
    return { s, c, personId, leadId };
  }

  it('applies a note, a person PATCH and an organization PATCH, then loses the response, and charges them', async () => {
    const { s, c, personId, leadId } = await faulty(1);
    try {
      s.configure({ faultRate: 0 });
      const orgId = await c.org('Acme');
      s.configure({ faultRate: 1 });
      const before = s.state().tokensUsed;
      expect((await c.post('/v1/notes', { content: 'x', lead_id: leadId })).status).toBeGreaterThanOrEqual(
        500,
      );
      expect(
        (await c.patch(`/api/v2/persons/${personId}`, { job_title: 'CTO' })).status,
      ).toBeGreaterThanOrEqual(500);
      expect(
        (await c.patch(`/api/v2/organizations/${orgId}`, { website: 'https://a.example' })).status,
      ).toBeGreaterThanOrEqual(500);
      expect(s.state()).toMatchObject({ notes: 1, tokensUsed: before + 10 + 5 + 5 });
      expect(s.state().faultsInjected.afterWrite).toBe(3);
      expect(s.export().persons[0]?.job_title).toBe('CTO');
      expect(s.export().organizations[0]?.website).toBe('https://a.example');
    } finally {
      await s.close();
    }
  });

  it('does not apply them when the fault comes before the write', async () => {
    const { s, c, personId, leadId } = await faulty(0);
    try {
      expect((await c.post('/v1/notes', { content: 'x', lead_id: leadId })).status).toBeGreaterThanOrEqual(
        500,
      );
      expect(
        (await c.patch(`/api/v2/persons/${personId}`, { job_title: 'CTO' })).status,
      ).toBeGreaterThanOrEqual(500);
      expect(s.state().notes).toBe(0);
      expect(s.export().persons[0]?.job_title).toBeNull();
      expect(s.state().faultsInjected.afterWrite).toBe(0);
    } finally {
      await s.close();
    }
  });
});
