import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CHANNEL_OPTIONS,
  CUSTOM_FIELD_KEYS,
  LEAD_LABEL_IDS,
  type RunningSandbox,
  SEGMENT_OPTIONS,
  startSandbox,
} from '../../src/sandbox/index.js';
import { sandboxClient } from './sandbox-client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let sandbox: RunningSandbox;
let api: ReturnType<typeof sandboxClient>;

beforeAll(async () => {
  sandbox = await startSandbox({ limits: false });
  api = sandboxClient(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

function expectErrorEnvelope(body: unknown, status: number, res: { status: number }) {
  expect(res.status).toBe(status);
  expect(body).toMatchObject({
    success: false,
    error: expect.any(String),
    data: null,
    additional_data: null,
  });
}

describe('leads (v1)', () => {
  it('creates a lead with 201, a UUID id, source "API" and millisecond ISO times', async () => {
    const personId = await api.person('Jane Doe', 'jane@acme.test');
    const res = await api.post('/v1/leads', {
      title: 'Jane Doe lead',
      person_id: personId,
      value: { amount: 3000, currency: 'USD' },
      label_ids: [LEAD_LABEL_IDS.hot],
      expected_close_date: '2026-07-12',
      visible_to: '1',
      channel: CHANNEL_OPTIONS[0].id,
      channel_id: 'spring-campaign',
      origin_id: 'lead-importer',
    });
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    const lead = res.body.data;
    expect(lead.id).toMatch(UUID);
    expect(lead).toMatchObject({
      title: 'Jane Doe lead',
      person_id: personId,
      organization_id: null,
      owner_id: 1,
      creator_id: 1,
      source_name: 'API',
      origin: 'API',
      origin_id: 'lead-importer',
      channel: 1,
      channel_id: 'spring-campaign',
      is_archived: false,
      value: { amount: 3000, currency: 'USD' },
      expected_close_date: '2026-07-12',
      visible_to: '1',
      label_ids: [LEAD_LABEL_IDS.hot],
    });
    expect(lead.add_time).toMatch(ISO_MS);
    expect(lead.update_time).toMatch(ISO_MS);
  });

  it('answers the same lead on GET /api/v1/leads/{id} and 404 with the lead envelope for an unknown id', async () => {
    const orgId = await api.org('Acme');
    const created = (await api.post('/api/v1/leads', { title: 'T', organization_id: orgId })).body.data;
    const got = await api.get(`/api/v1/leads/${created.id}`);
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual(created);
    const missing = await api.get('/v1/leads/adf21080-0e10-11eb-879b-05d71fb426ec');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      success: false,
      error: 'requested lead not found',
      error_info: 'Object was not found.',
      data: null,
      additional_data: null,
    });
  });

  it('echoes known custom fields at the root of the lead and ignores unknown keys', async () => {
    const orgId = await api.org('Acme');
    const res = await api.post('/v1/leads', {
      title: 'Custom',
      organization_id: orgId,
      [CUSTOM_FIELD_KEYS.leadScore]: 42.5,
      [CUSTOM_FIELD_KEYS.segment]: SEGMENT_OPTIONS[1].id,
      [CUSTOM_FIELD_KEYS.budget]: 1000,
      [`${CUSTOM_FIELD_KEYS.budget}_currency`]: 'GBP',
      '0123456789abcdef0123456789abcdef01234567': 'not a field of this company',
    });
    expect(res.status).toBe(201);
    expect(res.body.data[CUSTOM_FIELD_KEYS.leadScore]).toBe(42.5);
    expect(res.body.data[CUSTOM_FIELD_KEYS.segment]).toBe(102);
    expect(res.body.data[CUSTOM_FIELD_KEYS.budget]).toBe(1000);
    expect(res.body.data[`${CUSTOM_FIELD_KEYS.budget}_currency`]).toBe('GBP');
    expect(res.body.data).not.toHaveProperty('0123456789abcdef0123456789abcdef01234567');
    expect(res.body.data).not.toHaveProperty(CUSTOM_FIELD_KEYS.website);
  });

  it.each([
    ['no title', {}, /title/],
    ['an empty title', { title: '  ' }, /title/],
    ['neither person nor organization', { title: 'T' }, /person_id or organization_id/],
    ['a person that does not exist', { title: 'T', person_id: 999 }, /Person/],
    ['an amount without currency', { title: 'T', ORG: true, value: { amount: 5 } }, /amount and currency/],
    ['an unknown currency', { title: 'T', ORG: true, value: { amount: 5, currency: 'XXX' } }, /currency/],
    ['a string amount', { title: 'T', ORG: true, value: { amount: '5', currency: 'EUR' } }, /amount/],
    ['a label id that is not a UUID', { title: 'T', ORG: true, label_ids: ['hot'] }, /UUID/],
    [
      'a label that does not exist',
      { title: 'T', ORG: true, label_ids: ['00000000-0000-4000-8000-000000000000'] },
      /label/,
    ],
    ['a date not in YYYY-MM-DD', { title: 'T', ORG: true, expected_close_date: '12/07/2026' }, /YYYY-MM-DD/],
    ['an impossible date', { title: 'T', ORG: true, expected_close_date: '2026-02-30' }, /YYYY-MM-DD/],
    ['an integer visible_to', { title: 'T', ORG: true, visible_to: 3 }, /visible_to/],
    ['a visible_to outside the enum', { title: 'T', ORG: true, visible_to: '2' }, /visible_to/],
    ['an owner who is not a user', { title: 'T', ORG: true, owner_id: 999 }, /owner_id/],
    ['a deactivated owner', { title: 'T', ORG: true, owner_id: 5 }, /deactivated/],
    ['a channel that is not a marketing channel', { title: 'T', ORG: true, channel: 99 }, /channel/],
    ['a bad enum custom field', { title: 'T', ORG: true, [CUSTOM_FIELD_KEYS.segment]: 7 }, /option/],
  ])('rejects a lead with %s (400 envelope)', async (_name, raw, message) => {
    const { ORG, ...body } = raw as Record<string, unknown>;
    if (ORG) body.organization_id = await api.org('Acme');
    const res = await api.post('/v1/leads', body);
    expectErrorEnvelope(res.body, 400, res);
    expect(res.body.error).toMatch(message);
    expect(sandbox.state().leads).toBe(0);
  });

  it('rejects a lead for a deleted person', async () => {
    const personId = await api.person('Gone');
    await api.del(`/api/v2/persons/${personId}`);
    const res = await api.post('/v1/leads', { title: 'T', person_id: personId });
    expect(res.status).toBe(400);
  });

  it('rejects a body that is not JSON', async () => {
    const res = await api.post('/v1/leads', 'title=T', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectErrorEnvelope(res.body, 400, res);
    const broken = await api.post('/v1/leads', '{"title":', {});
    expectErrorEnvelope(broken.body, 400, broken);
  });

  it('lists non-archived leads oldest first, filtered and offset-paged', async () => {
    const a = await api.org('A');
    const b = await api.org('B');
    for (const [i, org] of [a, b, a, a].entries())
      await api.post('/v1/leads', { title: `L${i}`, organization_id: org });
    const all = await api.get('/v1/leads');
    expect(all.body.data.map((l: { title: string }) => l.title)).toEqual(['L0', 'L1', 'L2', 'L3']);
    expect(all.body.additional_data).toEqual({ start: 0, limit: 100, more_items_in_collection: false });
    const page = await api.get(`/v1/leads?organization_id=${a}&limit=2&start=0`);
    expect(page.body.data.map((l: { title: string }) => l.title)).toEqual(['L0', 'L2']);
    expect(page.body.additional_data.more_items_in_collection).toBe(true);
    const next = await api.get(`/v1/leads?organization_id=${a}&limit=2&start=2`);
    expect(next.body.data.map((l: { title: string }) => l.title)).toEqual(['L3']);
  });

  it('reports lead-list pagination nested or both ways when configured', async () => {
    sandbox.configure({ leadListPagination: 'nested' });
    const nested = await api.get('/v1/leads');
    expect(nested.body.additional_data).toEqual({
      pagination: { start: 0, limit: 100, more_items_in_collection: false },
    });
    sandbox.configure({ leadListPagination: 'both' });
    const both = await api.get('/v1/leads');
    expect(both.body.additional_data).toMatchObject({ start: 0, pagination: { start: 0 } });
    sandbox.configure({ leadListPagination: 'flat' });
  });

  it('deletes a lead for good and answers 404 for a second delete', async () => {
    const org = await api.org('Acme');
    const id = (await api.post('/v1/leads', { title: 'T', organization_id: org })).body.data.id;
    const res = await api.del(`/v1/leads/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: { id } });
    expect((await api.del(`/v1/leads/${id}`)).status).toBe(404);
    expect(sandbox.state().leads).toBe(0);
  });
});

describe('persons and organizations (v2)', () => {
  it('creates a person with 200, an integer id, object emails and an integer visible_to', async () => {
    const org = await api.org('Acme');
    const res = await api.post('/api/v2/persons', {
      name: 'Jane Doe',
      org_id: org,
      emails: [{ value: 'jane@acme.test' }, { value: 'j@home.test', label: 'home' }],
      phones: [{ value: '+372 5555 5555', primary: true, label: 'mobile' }],
      visible_to: 7,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: 1,
      name: 'Jane Doe',
      first_name: 'Jane',
      last_name: 'Doe',
      org_id: org,
      owner_id: 1,
      is_deleted: false,
      visible_to: 7,
      emails: [
        { value: 'jane@acme.test', primary: true, label: 'work' },
        { value: 'j@home.test', primary: false, label: 'home' },
      ],
      phones: [{ value: '+372 5555 5555', primary: true, label: 'mobile' }],
    });
    expect(res.body.data.add_time).toMatch(RFC3339);
  });

  it.each([
    ['no name', {}, /name/],
    ['plain-string emails (v1 style)', { name: 'J', emails: ['j@x.test'] }, /object/],
    [
      'two primary emails',
      {
        name: 'J',
        emails: [
          { value: 'a', primary: true },
          { value: 'b', primary: true },
        ],
      },
      /primary/,
    ],
    ['a numeric string owner_id', { name: 'J', owner_id: '1' }, /owner_id/],
    ['a string visible_to', { name: 'J', visible_to: '3' }, /visible_to/],
    ['an organization that does not exist', { name: 'J', org_id: 404 }, /Organization/],
    ['an RFC 3339-less add_time', { name: 'J', add_time: '2026-01-01 10:00:00' }, /add_time/],
  ])('rejects a person with %s', async (_name, body, message) => {
    const res = await api.post('/api/v2/persons', body);
    expectErrorEnvelope(res.body, 400, res);
    expect(res.body.error).toMatch(message);
  });

  it('accepts first_name and last_name instead of name', async () => {
    const res = await api.post('/api/v2/persons', { first_name: 'Ada', last_name: 'Lovelace' });
    expect(res.status).toBe(200);
    expect(res.body.data.name).toBe('Ada Lovelace');
  });

  it('creates organizations (name required) and reads them back by id', async () => {
    const res = await api.post('/api/v2/organizations', { name: 'Acme', address: { value: 'Tallinn' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: 1,
      name: 'Acme',
      is_deleted: false,
      address: { value: 'Tallinn' },
    });
    expect((await api.post('/api/v2/organizations', { name: '' })).status).toBe(400);
    expect((await api.get('/api/v2/organizations/1')).body.data.name).toBe('Acme');
    expect((await api.get('/api/v2/organizations/2')).status).toBe(404);
    expect((await api.get('/api/v2/organizations/abc')).status).toBe(400);
  });

  it('soft-deletes: the object stays readable with is_deleted, leaves lists and search, and a second delete is 404', async () => {
    const id = await api.person('Jane', 'jane@acme.test');
    const del = await api.del(`/api/v2/persons/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ success: true, data: { id } });
    expect((await api.get(`/api/v2/persons/${id}`)).body.data.is_deleted).toBe(true);
    expect((await api.get('/api/v2/persons')).body.data).toEqual([]);
    expect(
      (await api.get('/api/v2/persons/search?term=jane@acme.test&exact_match=true')).body.data.items,
    ).toEqual([]);
    expect((await api.del(`/api/v2/persons/${id}`)).status).toBe(404);
    expect(sandbox.state()).toMatchObject({ persons: 0, deletedPersons: 1 });
    expect(sandbox.export().persons[0]?.is_deleted).toBe(true);
  });

  it('cursor-pages persons with limit ≤ 500 and sorts as asked', async () => {
    for (let i = 0; i < 5; i++) await api.person(`P${i}`);
    const first = await api.get('/api/v2/persons?limit=2');
    expect(first.body.data.map((p: { id: number }) => p.id)).toEqual([1, 2]);
    const cursor = first.body.additional_data.next_cursor;
    expect(typeof cursor).toBe('string');
    const second = await api.get(`/api/v2/persons?limit=2&cursor=${cursor}`);
    expect(second.body.data.map((p: { id: number }) => p.id)).toEqual([3, 4]);
    const third = await api.get(`/api/v2/persons?limit=2&cursor=${second.body.additional_data.next_cursor}`);
    expect(third.body.data.map((p: { id: number }) => p.id)).toEqual([5]);
    expect(third.body.additional_data.next_cursor).toBeNull();
    const desc = await api.get('/api/v2/persons?sort_by=id&sort_direction=desc&limit=3');
    expect(desc.body.data.map((p: { id: number }) => p.id)).toEqual([5, 4, 3]);
    expect((await api.get('/api/v2/persons?limit=501')).status).toBe(400);
    expect((await api.get('/api/v2/persons?sort_by=name')).status).toBe(400);
  });

  it('filters lists by updated_since', async () => {
    await api.org('Old');
    const since = new Date(Date.now() + 60_000).toISOString();
    expect((await api.get(`/api/v2/organizations?updated_since=${since}`)).body.data).toEqual([]);
    expect(
      (await api.get('/api/v2/organizations?updated_since=2000-01-01T00:00:00Z')).body.data,
    ).toHaveLength(1);
  });
});

describe('company data', () => {
  it('answers /users/me with the company domain and /users with owners to look up by email', async () => {
    const me = await api.get('/api/v1/users/me');
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({
      id: 1,
      is_you: true,
      company_domain: 'sandbox',
      company_id: expect.any(Number),
    });
    const users = await api.get('/v1/users');
    expect(users.body.data.map((u: { email: string }) => u.email)).toContain('olivia@sandbox.example');
  });

  it('lists lead labels Hot, Warm and Cold with UUIDs, and lead sources including API', async () => {
    const labels = await api.get('/v1/leadLabels');
    expect(labels.body.data.map((l: { name: string }) => l.name)).toEqual(['Hot', 'Warm', 'Cold']);
    for (const l of labels.body.data) expect(l.id).toMatch(UUID);
    const sources = await api.get('/v1/leadSources');
    expect(sources.body.data).toContainEqual({ name: 'API' });
  });

  it('lists currencies, filtered by term', async () => {
    const all = await api.get('/v1/currencies');
    expect(all.body.data.map((c: { code: string }) => c.code)).toEqual(
      expect.arrayContaining(['EUR', 'USD', 'GBP']),
    );
    const euro = await api.get('/v1/currencies?term=eur');
    expect(euro.body.data.map((c: { code: string }) => c.code)).toEqual(['EUR']);
  });

  it('pages deal fields, with channel options and 40-hex custom keys', async () => {
    const page = await api.get('/v1/dealFields?limit=500');
    const fields = page.body.data as { key: string; options?: { id: number }[]; edit_flag: boolean }[];
    expect(fields.find((f) => f.key === 'channel')?.options?.map((o) => o.id)).toEqual(
      CHANNEL_OPTIONS.map((o) => o.id),
    );
    const custom = fields.filter((f) => f.edit_flag);
    expect(custom.length).toBeGreaterThanOrEqual(5);
    for (const f of custom) expect(f.key).toMatch(/^[0-9a-f]{40}$/);
    const small = await api.get('/v1/dealFields?limit=5');
    expect(small.body.additional_data.pagination).toEqual({
      start: 0,
      limit: 5,
      more_items_in_collection: true,
      next_start: 5,
    });
  });
});

describe('routing', () => {
  it('answers 404 with the error envelope for an unknown route and 405 for a wrong method', async () => {
    const unknown = await api.get('/api/v2/deals/1/nothing');
    expectErrorEnvelope(unknown.body, 404, unknown);
    const wrong = await api.call('PUT', '/api/v2/persons');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
  });

  it('serves v1 at /v1 and /api/v1 but v2 only at /api/v2', async () => {
    expect((await api.get('/v1/users/me')).status).toBe(200);
    expect((await api.get('/api/v1/users/me')).status).toBe(200);
    expect((await api.get('/v2/persons')).status).toBe(404);
    expect((await api.get('/api/v2/leads')).status).toBe(404);
  });
});

describe('control API', () => {
  it('counts duplicates the way the importer must avoid them', async () => {
    const acme = await api.org('Acme');
    await api.org('ACME ');
    await api.org('Other');
    const jane = await api.person('Jane', 'jane@acme.test');
    await api.person('Jane again', 'JANE@acme.test');
    await api.person('Jane thrice', 'jane@acme.test');
    await api.person('No email');
    await api.person('No email');
    for (let i = 0; i < 3; i++)
      await api.post('/v1/leads', { title: 'Deal', person_id: jane, organization_id: acme });
    await api.post('/v1/leads', { title: 'Deal', person_id: jane });

    const state = (await api.get('/_sandbox/state', { anonymous: true })).body;
    expect(state).toMatchObject({
      persons: 5,
      organizations: 3,
      leads: 4,
      duplicatePersons: 2,
      duplicateOrganizations: 1,
      duplicateLeads: 2,
    });
    for (const key of ['tokensUsed', 'requests', 'rateLimited']) expect(typeof state[key]).toBe('number');
    expect(state).toEqual(sandbox.state());
  });

  it('exports everything stored and resets to an empty company', async () => {
    const org = await api.org('Acme');
    await api.post('/v1/leads', { title: 'T', organization_id: org });
    const exported = (await api.get('/_sandbox/export', { anonymous: true })).body;
    expect(exported.organizations).toHaveLength(1);
    expect(exported.leads).toHaveLength(1);
    expect(exported.persons).toEqual([]);
    expect((await api.post('/_sandbox/reset', undefined, { anonymous: true })).status).toBe(200);
    expect(sandbox.state()).toMatchObject({
      persons: 0,
      organizations: 0,
      leads: 0,
      requests: 0,
      tokensUsed: 0,
    });
    expect(await api.org('Fresh')).toBe(1);
  });

  it('changes knobs at runtime through POST /_sandbox/config and rejects unknown keys', async () => {
    const ok = await api.post('/_sandbox/config', { latencyMs: 5, faultRate: 0 }, { anonymous: true });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ latencyMs: 5, faultRate: 0 });
    const bad = await api.post('/_sandbox/config', { latency: 5 }, { anonymous: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/latencyMs/);
    sandbox.configure({ latencyMs: 0 });
  });

  it('keeps a bounded request log with paths free of query strings', async () => {
    await api.get('/v1/users/me?api_token=secret-in-url', { anonymous: true });
    const log = (await api.get('/_sandbox/requests', { anonymous: true })).body;
    expect(log).toEqual([
      { method: 'GET', path: '/v1/users/me', status: 401, ms: expect.any(Number), at: expect.any(Number) },
    ]);
    const small = await startSandbox({ requestLogSize: 3, limits: false });
    try {
      const c = sandboxClient(small);
      for (let i = 0; i < 5; i++) await c.get(`/v1/leads/${i}`);
      expect(small.requests().map((r) => r.path)).toEqual(['/v1/leads/2', '/v1/leads/3', '/v1/leads/4']);
    } finally {
      await small.close();
    }
  });
});
