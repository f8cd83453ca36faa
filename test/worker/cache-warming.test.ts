import { describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker, type WarmCacheMode } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, jobsFor, type RowSpec, testSandbox } from './helpers.js';

const redis = testRedis();

/** Contacts the company has before the import: `persons` people, the first at "Old Corp". */
async function seedCompany(sandbox: RunningSandbox, persons: number): Promise<void> {
  const api = new PipedriveClient({ baseUrl: sandbox.url, apiToken: 'sandbox-token' });
  const org = await api.addOrganization({ name: 'Old Corp' });
  for (let i = 0; i < persons; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, persons - i) }, (_, j) =>
        api.addPerson({
          name: `Existing ${i + j}`,
          emails: [{ value: `existing${i + j}@old.example`, primary: true }],
          ...(i + j === 0 ? { org_id: org.id } : {}),
        }),
      ),
    );
  }
}

async function importWith(sandbox: RunningSandbox, rows: RowSpec[], warmCache: WarmCacheMode) {
  const prefix = uniquePrefix();
  const importId = `imp-warm-${warmCache}`;
  await enqueueImport(redis, prefix, importId, jobsFor(importId, rows));
  const before = sandbox.requests().length;
  const worker = createLeadWorker({
    redisUrl: testRedisUrl(),
    prefix,
    pipedrive: { baseUrl: sandbox.url, apiToken: 'sandbox-token' },
    rateLimit: false,
    warmCache,
    concurrency: 4,
  });
  const ledger = new ImportLedger(redis, prefix);
  try {
    await worker.ready;
    const record = await eventually(async () => {
      const r = await ledger.getImport(importId);
      return r?.state === 'completed' ? r : undefined;
    });
    const calls = sandbox
      .requests()
      .slice(before)
      .map((r) => `${r.method} ${r.path}`)
      .filter((c) => c !== 'GET /api/v1/users/me');
    const count = (call: string) => calls.filter((c) => c === call).length;
    return { record, calls, count };
  } finally {
    await worker.close();
  }
}

const rows: RowSpec[] = [
  { title: 'Old friend', org: 'Old Corp', person: { name: 'Existing 0', email: 'existing0@old.example' } },
  { title: 'Another old friend', person: { name: 'Existing 7', email: 'existing7@old.example' } },
  { title: 'Newcomer', org: 'New Corp', person: { name: 'New Person', email: 'new@new.example' } },
  { title: 'Newcomer again', org: 'New Corp', person: { name: 'New Person', email: 'new@new.example' } },
];

describe('warming the contact cache', () => {
  it('lists a small company instead of searching, then creates only what is missing, without a single search', async () => {
    const sandbox = await testSandbox({ limits: false });
    await seedCompany(sandbox, 20);

    const { record, count } = await importWith(sandbox, rows, 'auto');

    expect(record).toMatchObject({ created: 4, createdPersons: 1, reusedPersons: 3 });
    expect(record).toMatchObject({ createdOrganizations: 1, reusedOrganizations: 2 });
    expect(count('GET /api/v2/organizations')).toBe(1);
    expect(count('GET /api/v2/persons')).toBe(1);
    expect(count('GET /api/v2/persons/search') + count('GET /api/v2/organizations/search')).toBe(0);
    expect(count('POST /api/v2/persons')).toBe(1);
    expect(count('POST /api/v2/organizations')).toBe(1);
    expect(sandbox.state()).toMatchObject({ duplicatePersons: 0, duplicateOrganizations: 0, persons: 21 });
    // 2 list pages + 1 person + 1 organization + 4 leads: the minimum for this file.
    expect(record.tokensUsed).toBe(2 * 10 + 5 + 5 + 4 * 10);
  });

  it('searches each key when asked never to list, and still reuses what exists', async () => {
    const sandbox = await testSandbox({ limits: false });
    await seedCompany(sandbox, 20);

    const { record, count } = await importWith(sandbox, rows, 'never');

    expect(record).toMatchObject({ created: 4, createdPersons: 1, reusedPersons: 3 });
    expect(count('GET /api/v2/persons')).toBe(0);
    expect(count('GET /api/v2/persons/search')).toBe(3);
    expect(count('GET /api/v2/organizations/search')).toBe(2);
    expect(sandbox.state()).toMatchObject({ duplicatePersons: 0, duplicateOrganizations: 0, persons: 21 });
  });

  it('stops listing a big company as soon as listing would cost more than searching', async () => {
    const sandbox = await testSandbox({ limits: false });
    await seedCompany(sandbox, 1200);
    // One person, no organization: searching costs 20 tokens, listing 1,200 persons 30. Listing
    // stops once it has cost what a search would (2 pages), and the person is on page 3.
    const { record, count } = await importWith(
      sandbox,
      [{ title: 'Late joiner', person: { name: 'Existing 1199', email: 'existing1199@old.example' } }],
      'auto',
    );

    expect(record).toMatchObject({ created: 1, reusedPersons: 1, createdPersons: 0 });
    expect(count('GET /api/v2/organizations')).toBe(0);
    expect(count('GET /api/v2/persons')).toBe(2);
    expect(count('GET /api/v2/persons/search')).toBe(1);
    expect(count('POST /api/v2/persons')).toBe(0);
  }, 60_000);
});
