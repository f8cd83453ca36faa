/**
 * Deals in the sandbox: created through v2 (and the deprecated v1), read, listed, deleted; counted on the persons and
 * organizations they name (`include_fields`), linked from notes, and made from leads. `revert --include-contacts`
 * reads those counts before it deletes a contact, so they must be what Pipedrive would answer.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LEAD_LABEL_IDS, type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { sandboxClient } from './sandbox-client.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const V1_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sandbox: RunningSandbox;
let api: ReturnType<typeof sandboxClient>;

beforeAll(async () => {
  sandbox = await startSandbox({ limits: false });
  api = sandboxClient(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

function expect400(res: { status: number; body: unknown }, message: RegExp) {
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({
    success: false,
    error: expect.stringMatching(message),
    data: null,
    additional_data: null,
  });
}

/** Tokens charged by `fn` alone. */
async function costOf<T>(fn: () => Promise<T>): Promise<{ cost: number; result: T }> {
  const before = sandbox.state().tokensUsed;
  const result = await fn();
  return { cost: sandbox.state().tokensUsed - before, result };
}

async function deal(body: Record<string, unknown>): Promise<number> {
  const res = await api.post('/api/v2/deals', body);
  if (res.status !== 200) throw new Error(`deal create failed: ${res.text}`);
  return res.body.data.id;
}

describe('POST /api/v2/deals', () => {
  it('creates a deal for 5 tokens, in the first stage of the first pipeline, in the user’s currency', async () => {
    const person = await api.person('Ana', 'ana@acme.test');
    const { cost, result } = await costOf(() =>
      api.post('/api/v2/deals', { title: 'Ana deal', person_id: person }),
    );
    expect(cost).toBe(5);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ success: true, data: expect.any(Object) });
    const d = result.body.data;
    expect(d).toMatchObject({
      id: 1,
      title: 'Ana deal',
      person_id: person,
      org_id: null,
      owner_id: 1,
      creator_user_id: 1,
      pipeline_id: 1,
      stage_id: 1,
      value: 0,
      currency: 'EUR',
      status: 'open',
      is_deleted: false,
      is_archived: false,
      visible_to: 3,
      origin: 'API',
      won_time: null,
      lost_time: null,
      close_time: null,
      label_ids: [],
      custom_fields: {},
    });
    expect(d.add_time).toMatch(RFC3339);
    expect(sandbox.state().deals).toBe(1);
    expect(sandbox.export().deals).toEqual([d]);
  });

  it('takes the stage (its pipeline follows), a won status with its times, value, currency and owner', async () => {
    const org = await api.org('Acme');
    const res = await api.post('/api/v2/deals', {
      title: 'Partner deal',
      org_id: org,
      stage_id: 7,
      pipeline_id: 1, // ignored beside stage_id (SPEC-v2)
      status: 'won',
      value: 1500.5,
      currency: 'USD',
      owner_id: 2,
      expected_close_date: '2026-12-31',
      visible_to: 1,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      org_id: org,
      person_id: null,
      pipeline_id: 2,
      stage_id: 7,
      status: 'won',
      value: 1500.5,
      currency: 'USD',
      owner_id: 2,
      expected_close_date: '2026-12-31',
      visible_to: 1,
    });
    expect(res.body.data.won_time).toMatch(RFC3339);
    expect(res.body.data.close_time).toBe(res.body.data.won_time);
    const second = await api.post('/api/v2/deals', { title: 'P2', org_id: org, pipeline_id: 2 });
    expect(second.body.data).toMatchObject({ pipeline_id: 2, stage_id: 6 });
  });

  it.each([
    ['no title', {}, /title is required/],
    ['a blank title', { title: ' ' }, /title must be a non-empty string/],
    ['neither person nor organization', { title: 'T', NONE: true }, /person or an organization/],
    ['a person that does not exist', { title: 'T', person_id: 999 }, /Person with id 999 does not exist/],
    ['an organization that does not exist', { title: 'T', org_id: 999 }, /Organization with id 999/],
    ['a value as a string (v2 does not convert)', { title: 'T', value: '100' }, /value must be a number/],
    ['an unknown currency', { title: 'T', currency: 'XXX' }, /currency must be/],
    ['an unknown stage', { title: 'T', stage_id: 99 }, /stage_id 99/],
    ['an unknown pipeline', { title: 'T', pipeline_id: 99 }, /pipeline_id 99/],
    ['status deleted', { title: 'T', status: 'deleted' }, /cannot be created deleted/],
    ['is_deleted true', { title: 'T', is_deleted: true }, /cannot be created deleted/],
    ['an unknown status', { title: 'T', status: 'closed' }, /status must be one of open, won, lost/],
    [
      'a lost reason on an open deal',
      { title: 'T', lost_reason: 'Price' },
      /only be set when status is lost/,
    ],
    ['visible_to as a string', { title: 'T', visible_to: '3' }, /integer in API v2/],
    ['a label the company does not have', { title: 'T', label_ids: [1] }, /no deal labels/],
    ['a deactivated owner', { title: 'T', owner_id: 5 }, /deactivated/],
  ])('refuses a deal with %s (400 envelope), for the same 5 tokens', async (_name, raw, message) => {
    const person = await api.person('Ana');
    const { NONE, ...body } = raw as Record<string, unknown>;
    const sent = NONE || 'person_id' in body || 'org_id' in body ? body : { ...body, person_id: person };
    const { cost, result } = await costOf(() => api.post('/api/v2/deals', sent));
    expect400(result, message);
    expect(cost).toBe(5);
    expect(sandbox.state().deals).toBe(0);
  });

  it('refuses a deal naming a deleted person', async () => {
    const person = await api.person('Gone');
    await api.del(`/api/v2/persons/${person}`);
    expect400(await api.post('/api/v2/deals', { title: 'T', person_id: person }), /Person with id/);
  });
});

describe('GET and DELETE /api/v2/deals/{id}', () => {
  it('reads a deal for 1 token, soft-deletes it for 3, and answers 404 to a second delete', async () => {
    const id = await deal({ title: 'T', person_id: await api.person('Ana') });
    const got = await costOf(() => api.get(`/api/v2/deals/${id}`));
    expect(got.cost).toBe(1);
    expect(got.result.body.data).toMatchObject({ id, title: 'T', is_deleted: false });
    const del = await costOf(() => api.del(`/api/v2/deals/${id}`));
    expect(del.cost).toBe(3);
    expect(del.result.status).toBe(200);
    expect(del.result.body).toEqual({ success: true, data: { id } });
    // Soft delete: still readable, marked.
    expect((await api.get(`/api/v2/deals/${id}`)).body.data).toMatchObject({
      is_deleted: true,
      status: 'deleted',
    });
    expect(sandbox.state().deals).toBe(0);
    const again = await api.del(`/api/v2/deals/${id}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ success: false, error: 'Entity was not found' });
    expect((await api.get('/api/v2/deals/999')).status).toBe(404);
    expect((await api.get('/api/v2/deals/abc')).status).toBe(400);
  });
});

describe('GET /api/v2/deals', () => {
  it('lists deals not deleted nor archived, filtered by person, organization and status, for 10 tokens', async () => {
    const ana = await api.person('Ana');
    const org = await api.org('Acme');
    const open = await deal({ title: 'open', person_id: ana });
    const won = await deal({ title: 'won', person_id: ana, org_id: org, status: 'won' });
    const gone = await deal({ title: 'gone', person_id: ana });
    await deal({ title: 'archived', person_id: ana, is_archived: true });
    await deal({ title: 'org only', org_id: org, status: 'lost' });
    await api.del(`/api/v2/deals/${gone}`);
    const titles = (res: { body: { data: { title: string }[] } }) => res.body.data.map((d) => d.title);

    const byPerson = await costOf(() => api.get(`/api/v2/deals?person_id=${ana}`));
    expect(byPerson.cost).toBe(10);
    expect(titles(byPerson.result)).toEqual(['open', 'won']);
    expect(byPerson.result.body.additional_data).toEqual({ next_cursor: null });
    expect(titles(await api.get(`/api/v2/deals?org_id=${org}`))).toEqual(['won', 'org only']);
    expect(titles(await api.get('/api/v2/deals?status=won,lost'))).toEqual(['won', 'org only']);
    expect(titles(await api.get('/api/v2/deals?status=deleted'))).toEqual(['gone']);
    expect(titles(await api.get(`/api/v2/deals?ids=${open},${gone}`))).toEqual(['open']);
    const page = await api.get('/api/v2/deals?limit=1');
    expect(titles(page)).toEqual(['open']);
    const next = await api.get(`/api/v2/deals?limit=1&cursor=${page.body.additional_data.next_cursor}`);
    expect(titles(next)).toEqual(['won']);
    expect(won).toBeGreaterThan(open);
    expect400(await api.get('/api/v2/deals?status=closed'), /status must be/);
  });
});

describe('the deprecated v1 deal endpoints', () => {
  it('create (10 tokens, 201), read (2) and delete (6) in v1 shape', async () => {
    const person = await api.person('Ana', 'ana@acme.test');
    const org = await api.org('Acme');
    const created = await costOf(() =>
      api.post('/v1/deals', {
        title: 'V1 deal',
        person_id: person,
        org_id: org,
        value: '250',
        visible_to: '3',
      }),
    );
    expect(created.cost).toBe(10);
    expect(created.result.status).toBe(201);
    const d = created.result.body.data;
    expect(d).toMatchObject({
      title: 'V1 deal',
      value: 250,
      currency: 'EUR',
      status: 'open',
      active: true,
      deleted: false,
      visible_to: '3',
      person_id: { value: person, name: 'Ana', active_flag: true },
      org_id: { value: org, name: 'Acme', people_count: 0 },
      user_id: { id: 1, value: 1 },
      person_name: 'Ana',
      org_name: 'Acme',
      formatted_value: '€250',
      origin: 'API',
    });
    expect(d.add_time).toMatch(V1_TIME);
    expect(created.result.body.related_objects.person[String(person)]).toMatchObject({ id: person });

    const got = await costOf(() => api.get(`/v1/deals/${d.id}`));
    expect(got.cost).toBe(2);
    expect(got.result.body.data).toEqual(d);
    // The same deal through v2.
    expect((await api.get(`/api/v2/deals/${d.id}`)).body.data).toMatchObject({
      person_id: person,
      org_id: org,
    });

    const del = await costOf(() => api.del(`/v1/deals/${d.id}`));
    expect(del.cost).toBe(6);
    expect(del.result.body).toEqual({ success: true, data: { id: d.id } });
    expect((await api.get(`/v1/deals/${d.id}`)).body.data).toMatchObject({
      deleted: true,
      status: 'deleted',
    });
    const again = await api.del(`/v1/deals/${d.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ success: false, error: 'Deal not found', data: null });
  });

  it('refuses what v1 refuses: no title, no contact, an unknown person', async () => {
    const person = await api.person('Ana');
    expect400(await api.post('/v1/deals', { person_id: person }), /title is required/);
    expect400(await api.post('/v1/deals', { title: 'T' }), /person or an organization/);
    expect400(await api.post('/v1/deals', { title: 'T', person_id: 77 }), /Person with id 77/);
    expect400(await api.post('/v1/deals', { title: 'T', person_id: person, value: 'lots' }), /value must be/);
  });
});

describe('deal counts on persons and organizations (include_fields)', () => {
  it('counts open, won and lost deals naming the contact, leaving deleted deals out, for the list’s 10 tokens', async () => {
    const org = await api.org('Acme');
    const ana = await api.person('Ana', undefined, org);
    const bo = await api.person('Bo');
    await deal({ title: 'a1', person_id: ana });
    await deal({ title: 'a2', person_id: ana, org_id: org, status: 'won' });
    await deal({ title: 'a3', person_id: ana, status: 'lost' });
    const deleted = await deal({ title: 'b1', person_id: bo });
    await api.del(`/api/v2/deals/${deleted}`);

    const fields = 'open_deals_count,closed_deals_count,won_deals_count,lost_deals_count';
    const persons = await costOf(() => api.get(`/api/v2/persons?ids=${ana},${bo}&include_fields=${fields}`));
    expect(persons.cost).toBe(10);
    expect(
      persons.result.body.data.map((p: Record<string, unknown>) => [
        p.id,
        p.open_deals_count,
        p.closed_deals_count,
        p.won_deals_count,
        p.lost_deals_count,
      ]),
    ).toEqual([
      [ana, 1, 2, 1, 1],
      [bo, 0, 0, 0, 0],
    ]);
    const orgs = await api.get(
      `/api/v2/organizations?ids=${org}&include_fields=open_deals_count,closed_deals_count,related_open_deals_count,people_count`,
    );
    expect(orgs.body.data[0]).toMatchObject({
      id: org,
      open_deals_count: 0,
      closed_deals_count: 1,
      // Its person Ana's open deal.
      related_open_deals_count: 1,
      people_count: 1,
    });
    const one = await api.get(
      `/api/v2/persons/${ana}?include_fields=open_deals_count,participant_open_deals_count`,
    );
    expect(one.body.data).toMatchObject({ open_deals_count: 1, participant_open_deals_count: 0 });
    // Without include_fields the contact has no counts.
    expect((await api.get(`/api/v2/persons/${ana}`)).body.data).not.toHaveProperty('open_deals_count');
  });

  it('refuses a field the endpoint does not take, and the Campaigns ones without Campaigns', async () => {
    expect400(await api.get('/api/v2/persons?include_fields=deals_count'), /include_fields: deals_count/);
    expect400(
      await api.get('/api/v2/organizations?include_fields=participant_open_deals_count'),
      /include_fields/,
    );
    expect((await api.get('/api/v2/persons?include_fields=doi_status')).status).toBe(200);
    sandbox.configure({ campaigns: false });
    try {
      expect400(await api.get('/api/v2/persons?include_fields=doi_status'), /Campaigns/);
    } finally {
      sandbox.configure({ campaigns: true });
    }
  });
});

describe('notes on deals', () => {
  it('take a deal_id that names a deal not deleted, and list by it', async () => {
    const id = await deal({ title: 'Big one', person_id: await api.person('Ana') });
    const note = await api.post('/v1/notes', { content: 'Call', deal_id: id, pinned_to_deal_flag: 1 });
    expect(note.status).toBe(200);
    expect(note.body.data).toMatchObject({
      deal_id: id,
      deal: { title: 'Big one' },
      pinned_to_deal_flag: true,
    });
    expect((await api.get(`/v1/notes?deal_id=${id}`)).body.data.map((n: { id: number }) => n.id)).toEqual([
      note.body.data.id,
    ]);
    expect(sandbox.export().notes[0]).toMatchObject({ deal_id: id });
    await api.del(`/api/v2/deals/${id}`);
    expect400(await api.post('/v1/notes', { content: 'x', deal_id: id }), new RegExp(`Deal with id ${id}`));
  });
});

describe('lead → deal conversion (v2, BETA)', () => {
  it('makes a deal of the lead (40 tokens), moves its notes to it and deletes the lead; the status says which deal', async () => {
    const org = await api.org('Acme');
    const person = await api.person('Ana', 'ana@acme.test', org);
    const lead = (
      await api.post('/v1/leads', {
        title: 'Ana lead',
        person_id: person,
        organization_id: org,
        value: { amount: 900, currency: 'USD' },
        label_ids: [LEAD_LABEL_IDS.hot],
        owner_id: 2,
      })
    ).body.data;
    const note = (await api.post('/v1/notes', { content: 'Met', lead_id: lead.id, pinned_to_lead_flag: 1 }))
      .body.data;

    const started = await costOf(() => api.post(`/api/v2/leads/${lead.id}/convert/deal`, { stage_id: 2 }));
    expect(started.cost).toBe(40);
    expect(started.result.status).toBe(200);
    const conversionId = started.result.body.data.conversion_id;
    expect(conversionId).toMatch(UUID);
    expect(started.result.body.additional_data).toBeNull();

    const status = await costOf(() => api.get(`/api/v2/leads/${lead.id}/convert/status/${conversionId}`));
    expect(status.cost).toBe(1);
    expect(status.result.body.data).toEqual({
      conversion_id: conversionId,
      status: 'completed',
      deal_id: expect.any(Number),
    });
    const dealId = status.result.body.data.deal_id;
    expect((await api.get(`/api/v2/deals/${dealId}`)).body.data).toMatchObject({
      title: 'Ana lead',
      person_id: person,
      org_id: org,
      owner_id: 2,
      value: 900,
      currency: 'USD',
      stage_id: 2,
      status: 'open',
    });
    expect((await api.get(`/v1/leads/${lead.id}`)).status).toBe(404);
    expect(sandbox.export().notes).toEqual([
      expect.objectContaining({ id: note.id, lead_id: null, deal_id: dealId, pinned_to_deal_flag: true }),
    ]);
    // The person now has a deal.
    const counted = await api.get(`/api/v2/persons/${person}?include_fields=open_deals_count`);
    expect(counted.body.data.open_deals_count).toBe(1);
  });

  it('answers 404 for an unknown lead or conversion, and 400 for a body it does not take', async () => {
    const unknown = await api.post('/api/v2/leads/00000000-0000-4000-8000-000000000000/convert/deal', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ success: false, error: 'Entity was not found' });
    const lead = (await api.post('/v1/leads', { title: 'L', person_id: await api.person('Ana') })).body.data;
    expect400(await api.post(`/api/v2/leads/${lead.id}/convert/deal`, { title: 'x' }), /only stage_id/);
    expect400(await api.post(`/api/v2/leads/${lead.id}/convert/deal`, { stage_id: 99 }), /stage_id 99/);
    const status = await api.get(
      `/api/v2/leads/${lead.id}/convert/status/00000000-0000-4000-8000-000000000000`,
    );
    expect(status.status).toBe(404);
    expect((await api.get(`/v1/leads/${lead.id}`)).status).toBe(200);
  });

  it('fails (and keeps the lead) when the lead’s person was deleted since', async () => {
    const person = await api.person('Ana');
    const lead = (await api.post('/v1/leads', { title: 'L', person_id: person })).body.data;
    await api.del(`/api/v2/persons/${person}`);
    const id = (await api.post(`/api/v2/leads/${lead.id}/convert/deal`, undefined)).body.data.conversion_id;
    const status = await api.get(`/api/v2/leads/${lead.id}/convert/status/${id}`);
    expect(status.body.data).toEqual({ conversion_id: id, status: 'failed' });
    expect((await api.get(`/v1/leads/${lead.id}`)).status).toBe(200);
    expect(sandbox.state().deals).toBe(0);
  });
});

describe('merges', () => {
  it('move the merged person’s and organization’s deals to the survivor', async () => {
    const keep = await api.person('Ana', 'ana@acme.test');
    const dup = await api.person('Ana D.', 'ana2@acme.test');
    const orgKeep = await api.org('Acme');
    const orgDup = await api.org('ACME');
    const d = await deal({ title: 'T', person_id: dup, org_id: orgDup });
    await api.put(`/v1/persons/${dup}/merge`, { merge_with_id: keep });
    await api.put(`/v1/organizations/${orgDup}/merge`, { merge_with_id: orgKeep });
    expect((await api.get(`/api/v2/deals/${d}`)).body.data).toMatchObject({
      person_id: keep,
      org_id: orgKeep,
    });
  });
});
