import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import {
  PipedriveAuthError,
  PipedriveNotFoundError,
  PipedriveRateLimitError,
  PipedriveValidationError,
} from '../../src/pipedrive/errors.js';
import type { Lead, ResponseEvent } from '../../src/pipedrive/types.js';
import {
  CUSTOM_FIELD_KEYS,
  INDUSTRY_OPTIONS,
  LEAD_LABEL_IDS,
  ME_USER_ID,
  ORGANIZATION_FIELD_KEYS,
  PERSON_FIELD_KEYS,
  type RunningSandbox,
  startSandbox,
  TIER_OPTIONS,
} from '../../src/sandbox/index.js';

/** Every call the client makes, against the real sandbox over HTTP. */
describe('PipedriveClient against the sandbox', () => {
  let sandbox: RunningSandbox;
  let client: PipedriveClient;
  let events: ResponseEvent[];

  beforeAll(async () => {
    // Limits are exercised in their own block below; here they would only slow the walk through every endpoint.
    sandbox = await startSandbox({ limits: false });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.reset();
    events = [];
    client = new PipedriveClient({
      baseUrl: sandbox.url,
      apiToken: sandbox.apiToken,
      onResponse: (e) => events.push(e),
    });
  });

  it('creates an organization, a person in it and a lead for both, and reads the lead back', async () => {
    const org = await client.addOrganization({ name: 'Acme Ltd', visible_to: 3 });
    expect(org).toMatchObject({ name: 'Acme Ltd', visible_to: 3, is_deleted: false });
    expect(Number.isInteger(org.id)).toBe(true);

    const person = await client.addPerson({
      name: 'Ann Smith',
      org_id: org.id,
      emails: [{ value: 'ann@acme.example', primary: true }],
      phones: [{ value: '+372 5555 1234' }],
    });
    expect(person).toMatchObject({ name: 'Ann Smith', org_id: org.id });
    expect(person.emails[0]).toMatchObject({ value: 'ann@acme.example', primary: true });

    const lead = await client.addLead({
      title: 'Acme deal',
      person_id: person.id,
      organization_id: org.id,
      label_ids: [LEAD_LABEL_IDS.hot],
      value: { amount: 1200, currency: 'EUR' },
      expected_close_date: '2026-12-31',
      visible_to: '3',
      [CUSTOM_FIELD_KEYS.website]: 'https://acme.example',
    });
    expect(lead).toMatchObject({
      title: 'Acme deal',
      person_id: person.id,
      organization_id: org.id,
      source_name: 'API',
      value: { amount: 1200, currency: 'EUR' },
      visible_to: '3',
    });
    expect(lead.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(lead[CUSTOM_FIELD_KEYS.website]).toBe('https://acme.example');

    await expect(client.getLead(lead.id)).resolves.toEqual(lead);
    expect(sandbox.state()).toMatchObject({ persons: 1, organizations: 1, leads: 1 });
  });

  it('pages through a person’s leads with start and limit', async () => {
    const person = await client.addPerson({ name: 'Paged Person' });
    const other = await client.addPerson({ name: 'Someone Else' });
    const created: Lead[] = [];
    for (const title of ['L1', 'L2', 'L3'])
      created.push(await client.addLead({ title, person_id: person.id }));
    await client.addLead({ title: 'Not theirs', person_id: other.id });

    const first = await client.listLeads({ person_id: person.id, limit: 2 });
    expect(first.items.map((l) => l.title)).toEqual(['L1', 'L2']);
    expect(first).toMatchObject({ start: 0, limit: 2, moreItems: true, nextStart: 2 });
    const second = await client.listLeads({ person_id: person.id, limit: 2, start: first.nextStart });
    expect(second.items.map((l) => l.id)).toEqual([created[2]?.id]);
    expect(second.moreItems).toBe(false);
  });

  it('reads the lead list whether the sandbox nests its pagination or not', async () => {
    const person = await client.addPerson({ name: 'Nested Pagination' });
    await client.addLead({ title: 'A', person_id: person.id });
    await client.addLead({ title: 'B', person_id: person.id });
    for (const leadListPagination of ['flat', 'nested', 'both'] as const) {
      sandbox.configure({ leadListPagination });
      const page = await client.listLeads({ person_id: person.id, limit: 1 });
      expect(page, leadListPagination).toMatchObject({ start: 0, limit: 1, moreItems: true, nextStart: 1 });
    }
  });

  it('finds what it created through the v2 search endpoints', async () => {
    const org = await client.addOrganization({ name: 'Globex Corporation' });
    const person = await client.addPerson({
      name: 'Hank Scorpio',
      org_id: org.id,
      emails: [{ value: 'hank@globex.example' }],
    });
    const lead = await client.addLead({ title: 'Globex doomsday device', person_id: person.id });

    const people = await client.searchPersons({
      term: 'hank@globex.example',
      fields: ['email'],
      exact_match: true,
      limit: 1,
    });
    expect(people.items).toHaveLength(1);
    expect(people.items[0]?.item).toMatchObject({
      id: person.id,
      type: 'person',
      emails: ['hank@globex.example'],
    });
    expect(people.items[0]?.item.organization?.id).toBe(org.id);

    const orgs = await client.searchOrganizations({
      term: 'globex corporation',
      fields: ['name'],
      exact_match: true,
    });
    expect(orgs.items.map((r) => r.item.id)).toEqual([org.id]);

    const leads = await client.searchLeads({ term: 'doomsday', fields: ['title'], person_id: person.id });
    expect(leads.items.map((r) => r.item.id)).toEqual([lead.id]);
    expect(leads.items[0]?.item.type).toBe('lead');

    const nobody = await client.searchPersons({
      term: 'nobody@nowhere.example',
      fields: ['email'],
      exact_match: true,
    });
    expect(nobody).toEqual({ items: [], nextCursor: null });
  });

  it('pages through persons and organizations with a cursor', async () => {
    const org = await client.addOrganization({ name: 'Cursor Org' });
    await client.addOrganization({ name: 'Cursor Org 2' });
    const names = ['P1', 'P2', 'P3'];
    for (const name of names) await client.addPerson({ name, org_id: org.id });

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listPersons({ limit: 2, org_id: org.id, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((p) => p.name));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(names);
    expect(pages).toBe(2);

    const orgs = await client.listOrganizations({ limit: 1, sort_by: 'id', sort_direction: 'asc' });
    expect(orgs.items.map((o) => o.name)).toEqual(['Cursor Org']);
    expect(orgs.nextCursor).not.toBeNull();
  });

  it('deletes a lead, a person and an organization', async () => {
    const org = await client.addOrganization({ name: 'Doomed Org' });
    const person = await client.addPerson({ name: 'Doomed Person' });
    const lead = await client.addLead({ title: 'Doomed lead', organization_id: org.id });

    await expect(client.deleteLead(lead.id)).resolves.toEqual({ id: lead.id });
    await expect(client.getLead(lead.id)).rejects.toBeInstanceOf(PipedriveNotFoundError);
    await expect(client.deletePerson(person.id)).resolves.toEqual({ id: person.id });
    await expect(client.deleteOrganization(org.id)).resolves.toEqual({ id: org.id });
    expect(sandbox.state()).toMatchObject({ persons: 0, organizations: 0, leads: 0 });
  });

  it('reads the reference data: labels, sources, users, currencies, deal fields', async () => {
    const labels = await client.getLeadLabels();
    expect(labels.map((l) => l.name).sort()).toEqual(['Cold', 'Hot', 'Warm']);
    expect(labels.find((l) => l.name === 'Hot')?.id).toBe(LEAD_LABEL_IDS.hot);

    const sources = await client.getLeadSources();
    expect(sources).toContainEqual({ name: 'API' });

    const me = await client.getCurrentUser();
    expect(me.id).toBe(ME_USER_ID);
    const users = await client.getUsers();
    expect(users.map((u) => u.id)).toContain(ME_USER_ID);

    const euro = await client.getCurrencies({ term: 'eur' });
    expect(euro.map((c) => c.code)).toContain('EUR');
    expect((await client.getCurrencies()).length).toBeGreaterThan(euro.length);

    const fields = await client.getDealFields({ limit: 500 });
    expect(fields.items.map((f) => f.key)).toEqual(expect.arrayContaining(Object.values(CUSTOM_FIELD_KEYS)));
    const firstPage = await client.getDealFields({ limit: 2 });
    expect(firstPage).toMatchObject({ start: 0, limit: 2, moreItems: true, nextStart: 2 });
    const secondPage = await client.getDealFields({ start: 2, limit: 2 });
    expect(secondPage.items[0]?.id).toBe(fields.items[2]?.id);
  });

  it('reads the person and organization field catalogues page by page', async () => {
    const all = await client.getPersonFields({ limit: 500 });
    expect(all.moreItems).toBe(false);
    expect(all.items.map((f) => f.key)).toEqual(
      expect.arrayContaining([
        'job_title',
        'postal_address',
        'birthday',
        ...Object.values(PERSON_FIELD_KEYS),
      ]),
    );
    const first = await client.getPersonFields({ limit: 3 });
    expect(first).toMatchObject({ start: 0, limit: 3, moreItems: true, nextStart: 3 });
    const next = await client.getPersonFields({ start: first.nextStart, limit: 3 });
    expect(next.items.map((f) => f.key)).toEqual(all.items.slice(3, 6).map((f) => f.key));

    const orgFields = await client.getOrganizationFields();
    const industry = orgFields.items.find((f) => f.key === 'industry');
    expect(industry?.options?.map((o) => o.id)).toEqual(INDUSTRY_OPTIONS.map((o) => o.id));
  });

  it('adds a note to a lead, lists the lead’s notes, and deletes it', async () => {
    const person = await client.addPerson({ name: 'Noted' });
    const lead = await client.addLead({ title: 'Noted lead', person_id: person.id });
    const note = await client.addNote({
      content: 'Met at the fair',
      lead_id: lead.id,
      pinned_to_lead_flag: 1,
    });
    expect(note).toMatchObject({ content: 'Met at the fair', lead_id: lead.id, pinned_to_lead_flag: true });
    await client.addNote({ content: 'About the person only', person_id: person.id });

    const page = await client.listNotes({ lead_id: lead.id, limit: 500 });
    expect(page).toMatchObject({ start: 0, moreItems: false });
    expect(page.items.map((n) => n.id)).toEqual([note.id]);

    await expect(client.deleteNote(note.id)).resolves.toBeUndefined();
    expect((await client.listNotes({ lead_id: lead.id })).items).toEqual([]);
    await expect(client.deleteNote(note.id)).rejects.toBeInstanceOf(PipedriveNotFoundError);
  });

  it('reads persons and organizations by id and fills their empty fields with PATCH', async () => {
    const org = await client.addOrganization({ name: 'Initech' });
    const person = await client.addPerson({ name: 'Peter Gibbons', org_id: org.id });
    expect(await client.getPerson(person.id)).toMatchObject({ job_title: null, postal_address: null });

    const updated = await client.updatePerson(person.id, {
      job_title: 'Programmer',
      postal_address: { value: '4120 Freidrich Ln, Austin, TX', locality: 'Austin' },
      custom_fields: { [PERSON_FIELD_KEYS.npsScore]: 3 },
    });
    expect(updated).toMatchObject({
      name: 'Peter Gibbons',
      org_id: org.id,
      job_title: 'Programmer',
      postal_address: { locality: 'Austin' },
      custom_fields: { [PERSON_FIELD_KEYS.npsScore]: 3 },
    });
    await expect(client.getPerson(person.id)).resolves.toEqual(updated);

    const orgUpdated = await client.updateOrganization(org.id, {
      website: 'https://initech.example',
      industry: INDUSTRY_OPTIONS[0].id,
      employee_count: 400,
      custom_fields: { [ORGANIZATION_FIELD_KEYS.tier]: TIER_OPTIONS[2].id },
    });
    expect(orgUpdated).toMatchObject({
      name: 'Initech',
      website: 'https://initech.example',
      employee_count: 400,
    });
    await expect(client.getOrganization(org.id)).resolves.toEqual(orgUpdated);

    await expect(client.updatePerson(9999, { job_title: 'x' })).rejects.toBeInstanceOf(
      PipedriveNotFoundError,
    );
    const invalid = await client
      .updateOrganization(org.id, { industry: 1 })
      .catch((e: unknown) => e as PipedriveValidationError);
    expect(invalid).toBeInstanceOf(PipedriveValidationError);
    expect(invalid.message).toContain('PATCH /api/v2/organizations/');
    expect(events.map((e) => [e.operation, e.method, e.status, e.tokenCost]).slice(-3)).toEqual([
      ['organizations.get', 'GET', 200, 1],
      ['persons.update', 'PATCH', 404, 5],
      ['organizations.update', 'PATCH', 400, 5],
    ]);
  });

  it('reports the same token spend the sandbox charged', async () => {
    const person = await client.addPerson({ name: 'Counted' });
    await client.searchPersons({ term: 'Counted' });
    await client.addLead({ title: 'Counted lead', person_id: person.id });
    await client.getLeadSources();
    expect(events.map((e) => [e.operation, e.status, e.tokenCost])).toEqual([
      ['persons.add', 200, 5],
      ['persons.search', 200, 20],
      ['leads.add', 201, 10],
      ['leadSources.list', 200, 2],
    ]);
    expect(sandbox.state().tokensUsed).toBe(37);
    expect(events.at(-1)?.rateLimit.dailyTokenRemaining).toBe(sandbox.state().tokensRemaining);
  });

  it('surfaces the sandbox’s validation errors', async () => {
    const err = await client
      .addLead({ title: 'Orphan lead' })
      .catch((e: unknown) => e as PipedriveValidationError);
    expect(err).toBeInstanceOf(PipedriveValidationError);
    expect(err.status).toBe(400);
    expect(err.errorText).toBeTruthy();
    expect(err.message).toContain('POST /api/v1/leads with 400 Bad Request: "');
  });

  it('is refused with an auth error for a wrong token', async () => {
    const wrong = new PipedriveClient({ baseUrl: sandbox.url, apiToken: 'not-the-sandbox-token' });
    await expect(wrong.getCurrentUser()).rejects.toBeInstanceOf(PipedriveAuthError);
  });

  it('works with OAuth through the sandbox’s token endpoint', async () => {
    const oauth = new PipedriveClient({
      baseUrl: sandbox.url,
      oauth: {
        clientId: 'sandbox-client',
        clientSecret: 'sandbox-secret',
        refreshToken: 'sandbox-refresh-token',
        tokenUrl: `${sandbox.url}/oauth/token`,
      },
    });
    await expect(oauth.getCurrentUser()).resolves.toMatchObject({ id: ME_USER_ID });
  });
});

describe('PipedriveClient against a rate-limited sandbox', () => {
  let sandbox: RunningSandbox;
  let client: PipedriveClient;

  beforeAll(async () => {
    sandbox = await startSandbox({ plan: 'lite' });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.reset();
    client = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken });
  });

  it('raises a burst rate-limit error with the window’s headers on the 21st request in 2 s', async () => {
    const results = await Promise.allSettled(Array.from({ length: 21 }, () => client.getCurrentUser()));
    const rejected = results
      .filter((r) => r.status === 'rejected')
      .map((r) => r.reason as PipedriveRateLimitError);
    expect(rejected).toHaveLength(1);
    const [err] = rejected;
    expect(err).toBeInstanceOf(PipedriveRateLimitError);
    expect(err?.scope).toBe('burst');
    expect(err?.rateLimit).toMatchObject({ limit: 20, remaining: 0 });
    expect(err?.retryAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(err?.retryAfterMs).toBeLessThanOrEqual(2_000);
  });

  it('raises a daily rate-limit error once the budget is spent', async () => {
    sandbox.exhaustBudget();
    const err = (await client.getLeadSources().then(
      () => expect.fail('the call should be rate-limited'),
      (e: unknown) => e,
    )) as PipedriveRateLimitError;
    expect(err).toBeInstanceOf(PipedriveRateLimitError);
    expect(err.scope).toBe('daily');
    expect(err.rateLimit.dailyTokenRemaining).toBe(0);
  });
});
