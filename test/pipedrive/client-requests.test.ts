import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import type { ResponseEvent } from '../../src/pipedrive/types.js';
import { type CannedServer, json, type RecordedRequest, startCannedServer } from './canned-server.js';

const TOKEN = 'a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0';

let server: CannedServer;
let events: ResponseEvent[];
let client: PipedriveClient;

beforeAll(async () => {
  server = await startCannedServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  events = [];
  server.requests.length = 0;
  client = new PipedriveClient({ baseUrl: server.url, apiToken: TOKEN, onResponse: (e) => events.push(e) });
});

function only(requests: RecordedRequest[]): RecordedRequest {
  expect(requests).toHaveLength(1);
  return requests[0] as RecordedRequest;
}

const lead = { id: 'adf21080-0e10-11eb-879b-05d71fb426ec', title: 'Jane Doe Lead', person_id: 1092 };

describe('request shape', () => {
  it('sends the API token in the x-api-token header and never in the URL', async () => {
    server.handle((_req, res) => json(res, 201, { success: true, data: lead }));
    await client.addLead({ title: 'Jane Doe Lead', person_id: 1092 });
    const request = only(server.requests);
    expect(request.headers['x-api-token']).toBe(TOKEN);
    expect(request.url).not.toContain(TOKEN);
    expect(request.url).not.toContain('api_token');
    expect(request.headers.authorization).toBeUndefined();
  });

  it('posts JSON bodies with a JSON content type and a user agent', async () => {
    server.handle((_req, res) => json(res, 201, { success: true, data: lead }));
    const body = {
      title: 'Jane Doe Lead',
      person_id: 1092,
      value: { amount: 10, currency: 'EUR' },
      visible_to: '3' as const,
    };
    await client.addLead(body);
    const request = only(server.requests);
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/v1/leads');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers['user-agent']).toBe('pipedrive-lead-importer');
    expect(JSON.parse(request.body)).toEqual(body);
  });

  it('sends GETs without a body or content type', async () => {
    server.handle((_req, res) => json(res, 200, { success: true, data: [] }));
    await client.getLeadSources();
    const request = only(server.requests);
    expect(request.body).toBe('');
    expect(request.headers['content-type']).toBeUndefined();
  });

  it('puts each call at the right version, method and path', async () => {
    server.handle((req, res) => {
      if (req.url.includes('/search')) return json(res, 200, { success: true, data: { items: [] } });
      if (
        req.method === 'GET' &&
        /\/(leads|users|persons|organizations|currencies|dealFields|leadLabels|leadSources)(\?|$)/.test(
          req.url,
        )
      ) {
        return json(res, 200, { success: true, data: [] });
      }
      return json(res, req.method === 'POST' ? 201 : 200, { success: true, data: { id: 7 } });
    });
    await client.addLead({ title: 't', person_id: 1 });
    await client.getLead('a b/c');
    await client.deleteLead('adf21080');
    await client.listLeads({ person_id: 5, limit: 500 });
    await client.searchLeads({
      term: 'Acme deal',
      fields: ['title', 'notes'],
      exact_match: true,
      person_id: 5,
    });
    await client.getLeadLabels();
    await client.getLeadSources();
    await client.getCurrentUser();
    await client.getUsers();
    await client.getCurrencies({ term: 'eu' });
    await client.getDealFields({ start: 100, limit: 100 });
    await client.addPerson({ name: 'Ann', emails: [{ value: 'ann@example.com', primary: true }] });
    await client.addOrganization({ name: 'Acme' });
    await client.searchPersons({ term: 'ann@example.com', fields: ['email'], exact_match: true, limit: 1 });
    await client.searchOrganizations({ term: 'Acme & Co', fields: ['name'], exact_match: false });
    await client.listPersons({ limit: 500, cursor: 'abc==', org_id: 3 });
    await client.listOrganizations({ sort_by: 'id', sort_direction: 'asc' });
    await client.deletePerson(12);
    await client.deleteOrganization(13);

    expect(server.requests.map((r) => `${r.method} ${decodeURIComponent(r.url)}`)).toEqual([
      'POST /api/v1/leads',
      'GET /api/v1/leads/a b/c',
      'DELETE /api/v1/leads/adf21080',
      'GET /api/v1/leads?person_id=5&limit=500',
      'GET /api/v2/leads/search?term=Acme+deal&fields=title,notes&exact_match=true&person_id=5',
      'GET /api/v1/leadLabels',
      'GET /api/v1/leadSources',
      'GET /api/v1/users/me',
      'GET /api/v1/users',
      'GET /api/v1/currencies?term=eu',
      'GET /api/v1/dealFields?start=100&limit=100',
      'POST /api/v2/persons',
      'POST /api/v2/organizations',
      'GET /api/v2/persons/search?term=ann@example.com&fields=email&exact_match=true&limit=1',
      'GET /api/v2/organizations/search?term=Acme+&+Co&fields=name&exact_match=false',
      'GET /api/v2/persons?limit=500&cursor=abc==&org_id=3',
      'GET /api/v2/organizations?sort_by=id&sort_direction=asc',
      'DELETE /api/v2/persons/12',
      'DELETE /api/v2/organizations/13',
    ]);
    // The id is encoded as one path segment, not spliced into the path.
    expect(server.requests[1]?.url).toBe('/api/v1/leads/a%20b%2Fc');
    expect(server.requests[14]?.url).toContain('term=Acme+%26+Co');
  });

  it('reads field catalogues, writes and lists notes, and reads and patches contacts at the right method and path', async () => {
    server.handle((req, res) => {
      if (req.method === 'GET' && /\/(personFields|organizationFields|notes)(\?|$)/.test(req.url)) {
        return json(res, 200, { success: true, data: [] });
      }
      if (req.method === 'DELETE') return json(res, 200, { success: true, data: true });
      return json(res, 200, { success: true, data: { id: 7 } });
    });
    const note = {
      content: '<p>Met at the fair</p>',
      lead_id: 'adf21080-0e10-11eb-879b-05d71fb426ec',
      pinned_to_lead_flag: 1 as const,
    };
    const personPatch = {
      job_title: 'CTO',
      birthday: '1990-04-01',
      postal_address: { value: 'Narva mnt 5, Tallinn', locality: 'Tallinn', country: 'Estonia' },
      marketing_status: 'subscribed' as const,
      label_ids: [2],
      emails: [{ value: 'ann@example.com', primary: true, label: 'work' }],
      notes: null,
      custom_fields: { a1f3c9e27b4d5086e1f2a3b4c5d6e7f809112233: null },
    };
    const orgPatch = {
      address: { value: 'Main St 1, Springfield' },
      website: 'https://acme.example',
      linkedin: null,
      industry: 3,
      employee_count: 250,
      annual_revenue: 1_500_000,
    };
    await client.getPersonFields({ start: 0, limit: 500 });
    await client.getOrganizationFields();
    await client.addNote(note);
    await client.listNotes({ lead_id: note.lead_id, sort: 'add_time ASC', limit: 500 });
    await client.deleteNote(41);
    await client.getPerson(12);
    await client.updatePerson(12, personPatch);
    await client.getOrganization(13);
    await client.updateOrganization(13, orgPatch);

    expect(server.requests.map((r) => `${r.method} ${decodeURIComponent(r.url)}`)).toEqual([
      'GET /api/v1/personFields?start=0&limit=500',
      'GET /api/v1/organizationFields',
      'POST /api/v1/notes',
      'GET /api/v1/notes?lead_id=adf21080-0e10-11eb-879b-05d71fb426ec&sort=add_time+ASC&limit=500',
      'DELETE /api/v1/notes/41',
      'GET /api/v2/persons/12',
      'PATCH /api/v2/persons/12',
      'GET /api/v2/organizations/13',
      'PATCH /api/v2/organizations/13',
    ]);
    const [, , addNote, , , , patchPerson, , patchOrg] = server.requests;
    expect(JSON.parse(addNote?.body ?? '')).toEqual(note);
    // PATCH sends exactly the fields given, nulls included: null is how a field is cleared.
    expect(JSON.parse(patchPerson?.body ?? '')).toEqual(personPatch);
    expect(patchPerson?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(patchOrg?.body ?? '')).toEqual(orgPatch);
    expect(server.requests[4]?.body).toBe('');
  });

  it('reports each new operation with its token cost', async () => {
    server.handle((req, res) =>
      req.method === 'DELETE'
        ? json(res, 200, { success: true, data: true })
        : json(res, 200, { success: true, data: req.url.includes('Fields') ? [] : { id: 1 } }),
    );
    await client.getPersonFields();
    await client.getOrganizationFields();
    await client.addNote({ content: 'x', person_id: 1 });
    await client.getNote(1);
    await client.deleteNote(1);
    await client.getPerson(1);
    await client.updatePerson(1, { job_title: 'CEO' });
    await client.getOrganization(1);
    await client.updateOrganization(1, { website: 'https://a.example' });
    expect(events.map((e) => [e.operation, e.method, e.tokenCost])).toEqual([
      ['personFields.list', 'GET', 20],
      ['organizationFields.list', 'GET', 20],
      ['notes.add', 'POST', 10],
      ['notes.get', 'GET', 2],
      ['notes.delete', 'DELETE', 6],
      ['persons.get', 'GET', 1],
      ['persons.update', 'PATCH', 5],
      ['organizations.get', 'GET', 1],
      ['organizations.update', 'PATCH', 5],
    ]);
  });

  it('keeps a base URL’s own path prefix (a proxy) and drops a trailing slash', async () => {
    server.handle((_req, res) => json(res, 200, { success: true, data: { id: 1 } }));
    const proxied = new PipedriveClient({ baseUrl: `${server.url}/pipedrive/`, apiToken: TOKEN });
    await proxied.getCurrentUser();
    expect(only(server.requests).url).toBe('/pipedrive/api/v1/users/me');
  });
});

describe('responses', () => {
  it('unwraps data', async () => {
    server.handle((_req, res) => json(res, 201, { success: true, data: lead, additional_data: null }));
    await expect(client.addLead({ title: 't', person_id: 1 })).resolves.toEqual(lead);
  });

  it('reads v1 offset paging nested under additional_data.pagination', async () => {
    server.handle((_req, res) =>
      json(res, 200, {
        success: true,
        data: [{ id: 1 }, { id: 2 }],
        additional_data: {
          pagination: { start: 0, limit: 2, more_items_in_collection: true, next_start: 2 },
        },
      }),
    );
    await expect(client.getDealFields({ limit: 2 })).resolves.toEqual({
      items: [{ id: 1 }, { id: 2 }],
      start: 0,
      limit: 2,
      moreItems: true,
      nextStart: 2,
    });
  });

  it('reads the lead list’s flat additional_data, working out next_start when it is missing', async () => {
    server.handle((_req, res) =>
      json(res, 200, {
        success: true,
        data: [lead],
        additional_data: { start: 10, limit: 1, more_items_in_collection: true },
      }),
    );
    await expect(client.listLeads({ start: 10, limit: 1 })).resolves.toEqual({
      items: [lead],
      start: 10,
      limit: 1,
      moreItems: true,
      nextStart: 11,
    });
  });

  it('reads a v1 list with data: null as empty, with no next page', async () => {
    server.handle((_req, res) => json(res, 200, { success: true, data: null, additional_data: {} }));
    await expect(client.listLeads({ person_id: 5 })).resolves.toEqual({
      items: [],
      start: 0,
      limit: 0,
      moreItems: false,
    });
    await expect(client.getUsers()).resolves.toEqual([]);
  });

  it('reads v2 cursor paging, and null at the end', async () => {
    server.handle((req, res) =>
      json(res, 200, {
        success: true,
        data: [{ id: 1, name: 'Ann' }],
        additional_data: { next_cursor: req.url.includes('cursor=') ? null : 'eyJpZCI6MX0' },
      }),
    );
    await expect(client.listPersons({ limit: 1 })).resolves.toEqual({
      items: [{ id: 1, name: 'Ann' }],
      nextCursor: 'eyJpZCI6MX0',
    });
    await expect(client.listPersons({ limit: 1, cursor: 'eyJpZCI6MX0' })).resolves.toMatchObject({
      nextCursor: null,
    });
  });

  it('reads a notes page, and resolves deleteNote only when Pipedrive answers data: true', async () => {
    const note = { id: 3, content: 'Hi', lead_id: 'adf21080-0e10-11eb-879b-05d71fb426ec' };
    server.handle((req, res) => {
      if (req.method === 'GET') {
        return json(res, 200, {
          success: true,
          data: [note],
          additional_data: {
            pagination: { start: 0, limit: 1, more_items_in_collection: true, next_start: 1 },
          },
        });
      }
      return json(res, 200, { success: true, data: req.url.endsWith('/3') });
    });
    await expect(client.listNotes({ lead_id: note.lead_id, limit: 1 })).resolves.toEqual({
      items: [note],
      start: 0,
      limit: 1,
      moreItems: true,
      nextStart: 1,
    });
    await expect(client.deleteNote(3)).resolves.toBeUndefined();
    await expect(client.deleteNote(4)).rejects.toThrow(/DELETE \/api\/v1\/notes\/4 .*data is not true/);
  });

  it('unwraps v2 search items', async () => {
    const item = { result_score: 0.5, item: { id: 1, type: 'organization', name: 'Acme' } };
    server.handle((_req, res) =>
      json(res, 200, { success: true, data: { items: [item] }, additional_data: {} }),
    );
    await expect(client.searchOrganizations({ term: 'Acme' })).resolves.toEqual({
      items: [item],
      nextCursor: null,
    });
  });
});

describe('onResponse', () => {
  it('reports operation, path, status, token cost and rate-limit headers for every call', async () => {
    server.handle((_req, res) =>
      json(
        res,
        200,
        { success: true, data: { items: [] } },
        {
          'x-ratelimit-limit': '10',
          'x-ratelimit-remaining': '9',
          'x-daily-ratelimit-token-remaining': '29980',
        },
      ),
    );
    await client.searchPersons({ term: 'ann' });
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      operation: 'persons.search',
      method: 'GET',
      path: '/api/v2/persons/search',
      status: 200,
      tokenCost: 20,
      rateLimit: { limit: 10, remaining: 9, dailyTokenRemaining: 29980 },
    });
    expect(event?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps a call’s result when the hook throws, and logs the hook’s failure', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: { write: (line: string) => lines.push(line) },
      level: 'error',
    });
    server.handle((_req, res) => json(res, 201, { success: true, data: lead }));
    const noisy = new PipedriveClient({
      baseUrl: server.url,
      apiToken: TOKEN,
      logger,
      onResponse: () => {
        throw new Error('metrics exploded');
      },
    });
    await expect(noisy.addLead({ title: 't', person_id: 1 })).resolves.toEqual(lead);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('metrics exploded');
  });
});

describe('construction', () => {
  it('needs exactly one of apiToken and oauth', () => {
    expect(() => new PipedriveClient({ baseUrl: server.url })).toThrow(/exactly one/);
    expect(
      () =>
        new PipedriveClient({
          baseUrl: server.url,
          apiToken: TOKEN,
          oauth: { clientId: 'c', clientSecret: 's', refreshToken: 'r' },
        }),
    ).toThrow(/exactly one/);
  });

  it('refuses a base URL that already has the version in it', () => {
    expect(
      () => new PipedriveClient({ baseUrl: 'https://acme.pipedrive.com/api/v1', apiToken: TOKEN }),
    ).toThrow(/host only/);
    expect(() => new PipedriveClient({ baseUrl: 'https://acme.pipedrive.com/v1/', apiToken: TOKEN })).toThrow(
      /host only/,
    );
    expect(() => new PipedriveClient({ baseUrl: 'acme.pipedrive.com', apiToken: TOKEN })).toThrow(
      /must be a URL/,
    );
  });

  it('refuses a token a header cannot carry, without quoting it', () => {
    expect(() => new PipedriveClient({ baseUrl: server.url, apiToken: `${TOKEN}\n` })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(TOKEN) }),
    );
  });

  it('defaults to api.pipedrive.com', () => {
    expect(new PipedriveClient({ apiToken: TOKEN }).baseUrl).toBe('https://api.pipedrive.com');
  });
});
