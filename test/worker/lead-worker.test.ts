import { describe, expect, it, vi } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { CUSTOM_FIELD_KEYS, LEAD_LABEL_IDS } from '../../src/sandbox/index.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { RowLease } from '../../src/worker/row-lease.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

async function runImport(prefix: string, sandboxUrl: string, importId: string, concurrency?: number) {
  const ledger = new ImportLedger(redis, prefix);
  const worker = createLeadWorker({
    redisUrl: testRedisUrl(),
    prefix,
    pipedrive: { baseUrl: sandboxUrl, apiToken: 'sandbox-token', timeoutMs: 2000 },
    rateLimit: false,
    retry: { callRetries: 2, callRetryMinMs: 10, callRetryMaxMs: 50 },
    // One row per job, as enqueueImport puts these rows: the worker starts them all at once in line order, so the
    // first row's spelling of a shared organization is the one created (at the default of 10 it first takes one job).
    rowsPerJob: 1,
    ...(concurrency !== undefined ? { concurrency } : {}),
  });
  try {
    await worker.ready;
    return await eventually(
      async () => {
        const r = await ledger.getImport(importId);
        return r?.state === 'completed' ? r : undefined;
      },
      { what: `import ${importId} to complete` },
    );
  } finally {
    await worker.close();
  }
}

describe('createLeadWorker', () => {
  it('creates each lead linked to its person and organization, reusing contacts it already made', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix();
    const jobs = jobsFor('imp-basic', [
      {
        title: 'Big deal',
        org: 'Acme Corp',
        person: { name: 'Ada Lovelace', email: 'ada@acme.example' },
        lead: {
          value: { amount: 1200.5, currency: 'EUR' },
          owner_id: 2,
          label_ids: [LEAD_LABEL_IDS.hot],
          expected_close_date: '2026-09-30',
          visible_to: '3',
          custom_fields: { [CUSTOM_FIELD_KEYS.leadScore]: 87 },
        },
      },
      {
        title: 'Second deal',
        org: 'ACME corp.',
        person: { name: 'Ada Lovelace', email: 'ada@acme.example' },
      },
      { title: 'Solo', person: { name: 'Grace Hopper', phone: '+1 202 555 0100' } },
      { title: 'Org only', org: 'Initech' },
    ]);
    await enqueueImport(redis, prefix, 'imp-basic', jobs);

    const record = await runImport(prefix, sandbox.url, 'imp-basic');

    expect(record).toMatchObject({
      created: 4,
      deadLettered: 0,
      pending: 0,
      createdPersons: 2,
      reusedPersons: 1,
    });
    expect(record).toMatchObject({ createdOrganizations: 2, reusedOrganizations: 1 });
    const state = sandbox.state();
    expect(state).toMatchObject({ persons: 2, organizations: 2, leads: 4 });
    expect(state).toMatchObject({ duplicatePersons: 0, duplicateOrganizations: 0, duplicateLeads: 0 });
    const data = sandbox.export();
    const ada = data.persons.find((p) => p.name === 'Ada Lovelace')!;
    const acme = data.organizations.find((o) => o.name === 'Acme Corp')!;
    expect(ada.org_id).toBe(acme.id);
    expect(ada.emails).toEqual([expect.objectContaining({ value: 'ada@acme.example', primary: true })]);
    const grace = data.persons.find((p) => p.name === 'Grace Hopper')!;
    expect(grace).toMatchObject({ org_id: null, emails: [] });
    expect(grace.phones).toEqual([expect.objectContaining({ value: '+1 202 555 0100', primary: true })]);
    const big = data.leads.find((l) => l.title === 'Big deal')!;
    expect(big).toMatchObject({
      person_id: ada.id,
      organization_id: acme.id,
      value: { amount: 1200.5, currency: 'EUR' },
      owner_id: 2,
      label_ids: [LEAD_LABEL_IDS.hot],
      expected_close_date: '2026-09-30',
      visible_to: '3',
      origin_id: 'imp-basic',
      [CUSTOM_FIELD_KEYS.leadScore]: 87,
    });
    expect(data.leads.find((l) => l.title === 'Second deal')).toMatchObject({
      person_id: ada.id,
      organization_id: acme.id,
    });
    expect(data.leads.find((l) => l.title === 'Org only')).toMatchObject({ person_id: null });
  });

  it("checkpoints a row before a create only what a retry could not find again, and the contacts it created with the lead's intent", async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix();
    const jobs = jobsFor('imp-saves', [
      // Creates its organization, then its person: a checkpoint before the person's create (the organization it
      // created), and the lead's intent (the person it created).
      { title: 'First', org: 'Umbrella', person: { name: 'Alice', email: 'alice@umbrella.example' } },
      // Finds the organization in the cache and creates its person: the lead's intent carries the person.
      { title: 'Second', org: 'Umbrella', person: { name: 'Bob', email: 'bob@umbrella.example' } },
      // Finds both: the lead's intent only.
      { title: 'Third', org: 'Umbrella', person: { name: 'Alice', email: 'alice@umbrella.example' } },
    ]);
    await enqueueImport(redis, prefix, 'imp-saves', jobs);
    const saves = vi.spyOn(RowLease.prototype, 'save');
    try {
      // One row at a time, in order, so each finds what the one before created.
      const record = await runImport(prefix, sandbox.url, 'imp-saves', 1);
      expect(record).toMatchObject({ created: 3, createdPersons: 2, reusedPersons: 1 });
      expect(record).toMatchObject({ createdOrganizations: 1, reusedOrganizations: 2 });
      // 2 + 1 + 1 (each contact's own checkpoint before: 3 + 2 + 1).
      expect(saves).toHaveBeenCalledTimes(4);
      const outcomes = await new ImportLedger(redis, prefix).outcomes('imp-saves', [2, 3, 4]);
      expect(outcomes).toEqual([
        expect.objectContaining({ personCreated: true, organizationCreated: true }),
        expect.objectContaining({ personCreated: true }),
        expect.objectContaining({ state: 'created' }),
      ]);
      expect(outcomes[1]).not.toHaveProperty('organizationCreated', true);
      expect(outcomes[2]).not.toHaveProperty('personCreated', true);
      expect(sandbox.state()).toMatchObject({ persons: 2, organizations: 1, leads: 3 });
    } finally {
      saves.mockRestore();
    }
  });
});
