import { describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { organizationKey, personKey } from '../../src/queue/match-keys.js';
import { keysFor } from '../../src/queue/names.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { KeyLocks } from '../../src/worker/key-lock.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../ops/run-cli.js';
import { enqueueImport, finished, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

describe('contacts a killed worker created (their answers lost), listed into the cache before their row came back', () => {
  it('are recorded as the import’s, not reused, and revert --include-contacts deletes them', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix();
    const client = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken });
    const companyId = (await client.getCurrentUser()).company_id;

    // What a worker killed mid-row leaves: in Pipedrive, the organization and person its creates made; in Redis, each
    // create's intent in its creation lock, written before the create was sent, and no holder.
    const intentAt = Date.now() - 1_000;
    const org = await client.addOrganization({ name: 'Lost Answer Ltd' });
    const person = await client.addPerson({
      name: 'Lia Lost',
      emails: [{ value: 'lia@lost.example' }],
      org_id: org.id,
    });
    const keys = keysFor(prefix);
    const locks = new KeyLocks(redis);
    for (const [kind, matchKey] of [
      ['org', organizationKey('Lost Answer Ltd')],
      ['person', personKey({ name: 'Lia Lost', email: 'lia@lost.example' }, 'Lost Answer Ltd')],
    ] as const) {
      const lock = await locks.tryAcquire(keys.lock(`c${companyId}`, kind, matchKey), 50);
      expect(await lock?.markIntent(intentAt)).toEqual({ marked: true });
    }
    await new Promise((r) => setTimeout(r, 100));

    // The row comes back after the cache was listed: `always` lists the company's contacts as the import starts,
    // the killed worker's two among them. Before, the listing put them in the cache and the row took them as ones
    // the company had: "reused", so revert left them.
    const rows = [
      { title: 'Lia lead', org: 'Lost Answer Ltd', person: { name: 'Lia Lost', email: 'lia@lost.example' } },
      { title: 'Ben lead', org: 'New Co', person: { name: 'Ben New', email: 'ben@new.example' } },
    ];
    await enqueueImport(redis, prefix, 'imp-lost', jobsFor('imp-lost', rows));
    const worker = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
      rateLimit: false,
      concurrency: 1,
      inFlightWindowMs: 50,
      warmCache: 'always',
    });
    try {
      const ledger = new ImportLedger(redis, prefix);
      const record = await finished(ledger, 'imp-lost');
      expect(record).toMatchObject({
        created: 2,
        deadLettered: 0,
        createdPersons: 2,
        reusedPersons: 0,
        createdOrganizations: 2,
        reusedOrganizations: 0,
      });
    } finally {
      await worker.close();
    }
    // Found, not made again.
    const held = sandbox.export();
    expect(held.persons.filter((p) => p.name === 'Lia Lost').map((p) => p.id)).toEqual([person.id]);
    expect(held.organizations.filter((o) => o.name === 'Lost Answer Ltd').map((o) => o.id)).toEqual([org.id]);

    const reverted = await runCli(['revert', 'imp-lost', '--include-contacts', '--yes'], {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    });
    expect(reverted.stderr).toBe('');
    expect(reverted.stdout).toBe('Deleted 2 leads, 2 persons and 2 organizations of import imp-lost.\n');
    const after = sandbox.export();
    const live = (items: { id: number; is_deleted: boolean }[]) => items.filter((i) => !i.is_deleted);
    expect(live(after.persons)).toEqual([]);
    expect(live(after.organizations)).toEqual([]);
  }, 60_000);
});
