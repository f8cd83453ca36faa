import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CUSTOM_FIELD_KEYS, type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { manualClock, sandboxClient } from './sandbox-client.js';

const clock = manualClock();
let sandbox: RunningSandbox;
let api: ReturnType<typeof sandboxClient>;

beforeAll(async () => {
  sandbox = await startSandbox({ limits: false, now: clock.now });
  api = sandboxClient(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

const ids = (res: { body: { data: { items: { item: { id: unknown } }[] } } }) =>
  res.body.data.items.map((r) => r.item.id);

describe('term rules', () => {
  it('needs at least 2 characters, or 1 with exact_match', async () => {
    const short = await api.get('/api/v2/persons/search?term=a');
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ success: false, error: expect.stringMatching(/at least 2/) });
    expect((await api.get('/api/v2/persons/search?term=a&exact_match=true')).status).toBe(200);
    expect((await api.get('/api/v2/organizations/search?term=')).status).toBe(400);
    expect((await api.get('/api/v2/leads/search')).status).toBe(400);
  });

  it('rejects fields the endpoint does not search', async () => {
    expect((await api.get('/api/v2/persons/search?term=ab&fields=address')).status).toBe(400);
    expect((await api.get('/api/v2/organizations/search?term=ab&fields=email')).status).toBe(400);
  });
});

describe('persons', () => {
  it('finds by email with exact_match, case-insensitively, with plain-string emails in items', async () => {
    const org = await api.org('Acme Corp');
    const id = await api.person('Jane Doe', 'Jane.Doe@Acme.test', org);
    await api.person('Janet', 'janet@acme.test');
    const res = await api.get(
      '/api/v2/persons/search?term=jane.doe%40acme.test&fields=email&exact_match=true',
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      data: {
        items: [
          {
            result_score: 1,
            item: {
              id,
              type: 'person',
              name: 'Jane Doe',
              phones: [],
              emails: ['Jane.Doe@Acme.test'],
              visible_to: 3,
              owner: { id: 1 },
              organization: { id: org, name: 'Acme Corp', address: null },
              custom_fields: [],
              notes: [],
            },
          },
        ],
      },
      additional_data: { next_cursor: null },
    });
  });

  it('matches the full value only with exact_match, substrings without', async () => {
    await api.person('Jane Doe', 'jane@acme.test');
    expect(ids(await api.get('/api/v2/persons/search?term=jane&exact_match=true'))).toEqual([]);
    expect(ids(await api.get('/api/v2/persons/search?term=jane'))).toEqual([1]);
    expect(ids(await api.get('/api/v2/persons/search?term=acme.te&fields=email'))).toEqual([1]);
    expect(ids(await api.get('/api/v2/persons/search?term=acme.te&fields=name'))).toEqual([]);
  });

  it('ranks full matches above prefixes above substrings', async () => {
    await api.person('Ann Smithson');
    await api.person('Smith');
    await api.person('Bob Smith');
    const res = await api.get('/api/v2/persons/search?term=smith&fields=name');
    expect(ids(res)).toEqual([2, 3, 1]);
    const scores = res.body.data.items.map((r: { result_score: number }) => r.result_score);
    expect(scores[0]).toBe(1);
    expect(scores[1]).toBeGreaterThan(scores[2]);
  });

  it('filters by organization_id and pages with a cursor', async () => {
    const org = await api.org('Acme');
    for (let i = 0; i < 5; i++) await api.person(`Alex ${i}`, undefined, i % 2 === 0 ? org : undefined);
    expect(ids(await api.get(`/api/v2/persons/search?term=alex&organization_id=${org}`))).toEqual([1, 3, 5]);
    const first = await api.get('/api/v2/persons/search?term=alex&limit=2');
    expect(ids(first)).toHaveLength(2);
    const rest = await api.get(
      `/api/v2/persons/search?term=alex&limit=10&cursor=${first.body.additional_data.next_cursor}`,
    );
    expect(ids(rest)).toHaveLength(3);
    expect(rest.body.additional_data.next_cursor).toBeNull();
    expect((await api.get('/api/v2/persons/search?term=alex&cursor=garbage')).status).toBe(400);
  });

  it('finds nothing until the search index catches up (searchLagMs)', async () => {
    sandbox.configure({ searchLagMs: 5_000 });
    try {
      await api.person('Lagging', 'lag@acme.test');
      const url = '/api/v2/persons/search?term=lag@acme.test&fields=email&exact_match=true';
      expect(ids(await api.get(url))).toEqual([]);
      clock.advance(5_000);
      expect(ids(await api.get(url))).toEqual([1]);
    } finally {
      sandbox.configure({ searchLagMs: 0 });
    }
  });
});

describe('organizations', () => {
  it('finds by name with exact_match, case-insensitively, and shapes items as documented', async () => {
    await api.post('/api/v2/organizations', {
      name: 'Acme Corp',
      address: { value: 'Narva mnt 5, Tallinn' },
    });
    await api.org('Acme Corporation');
    const res = await api.get('/api/v2/organizations/search?term=ACME%20corp&exact_match=true&fields=name');
    expect(res.body.data.items).toEqual([
      {
        result_score: 1,
        item: {
          id: 1,
          type: 'organization',
          name: 'Acme Corp',
          address: 'Narva mnt 5, Tallinn',
          visible_to: 3,
          owner: { id: 1 },
          custom_fields: [],
          notes: [],
        },
      },
    ]);
    expect(ids(await api.get('/api/v2/organizations/search?term=acme'))).toEqual([1, 2]);
    expect(ids(await api.get('/api/v2/organizations/search?term=tallinn&fields=address'))).toEqual([1]);
  });
});

describe('leads', () => {
  it('finds leads by title and custom field, v2 with a cursor and v1 with start/limit', async () => {
    const person = await api.person('Jane', 'jane@acme.test');
    await api.post('/v1/leads', {
      title: 'Website redesign',
      person_id: person,
      [CUSTOM_FIELD_KEYS.website]: 'acme.test',
    });
    await api.post('/v1/leads', { title: 'Other', person_id: person });
    const v2 = await api.get('/api/v2/leads/search?term=redesign');
    expect(v2.body.data.items).toHaveLength(1);
    expect(v2.body.data.items[0].item).toMatchObject({
      type: 'lead',
      title: 'Website redesign',
      person: { id: person, name: 'Jane' },
      emails: ['jane@acme.test'],
      visible_to: 3,
    });
    expect(v2.body.additional_data).toEqual({ next_cursor: null });
    const byField = await api.get('/api/v2/leads/search?term=acme.test&fields=custom_fields');
    expect(byField.body.data.items[0].item.custom_fields).toEqual(['acme.test']);
    const v1 = await api.get(`/v1/leads/search?term=o&exact_match=false&person_id=${person}`);
    expect(v1.status).toBe(400);
    const v1ok = await api.get(`/v1/leads/search?term=ot&person_id=${person}&limit=1`);
    expect(v1ok.body.data.items.map((r: { item: { title: string } }) => r.item.title)).toEqual(['Other']);
    expect(v1ok.body.additional_data.pagination).toMatchObject({ start: 0, limit: 1 });
  });
});
