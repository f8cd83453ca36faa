import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { importCsv } from '../../src/producer/index.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import {
  CHANNEL_OPTIONS,
  CUSTOM_FIELD_KEYS,
  LEAD_LABEL_IDS,
  SEGMENT_OPTIONS,
} from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { eventually, FAST_WORKER_FLAGS, spawnWorker, testSandbox, workerEnv } from './helpers.js';

const redis = testRedis();

const CSV = `Title,Name,Email,Company,Value,Currency,Close date,Owner,Labels,Channel,Segment,Lead score
Website redesign,Ada Lovelace,ada@acme.example,Acme Corp,"1,200.50",EUR,2026-09-30,olivia@sandbox.example,Hot,Referral,Enterprise,87
Support contract,Ada Lovelace,ada@acme.example,Acme Corp,300,USD,,,"Warm;Cold",,SMB,12
Pilot,Grace Hopper,grace@navy.example,US Navy,,,,,,,,
No contact at all,,,,,,,,,,,
Audit,,,Initech,5000,EUR,,marcus@sandbox.example,,Events,Mid-market,
`;

describe('producer → Redis → worker process → sandbox', () => {
  it('imports a CSV into leads linked to the right contacts, with values, owners, labels and custom fields as Pipedrive expects', async () => {
    const sandbox = await testSandbox({ plan: 'growth', latencyJitterMs: 20 });
    const prefix = uniquePrefix();
    const dir = mkdtempSync(join(tmpdir(), 'lpi-e2e-'));
    const file = join(dir, 'leads.csv');
    writeFileSync(file, CSV);
    const env = workerEnv(testRedisUrl(), prefix, sandbox.url, { PIPEDRIVE_PLAN: 'growth' });
    const config = loadConfig(env);

    const summary = await importCsv({
      file,
      config,
      redis,
      mapping: { custom_fields: { Segment: 'Segment', 'Lead score': 'Lead score' } },
    });
    expect(summary).toMatchObject({ rows: 5, enqueued: 4, rejected: 1 });
    const worker = spawnWorker(env, FAST_WORKER_FLAGS);
    const ledger = new ImportLedger(redis, prefix);
    const record = await eventually(
      async () => {
        const r = await ledger.getImport(summary.importId);
        return r?.state === 'completed' ? r : undefined;
      },
      { what: 'the import to complete' },
    );
    await worker.stop();

    expect(record).toMatchObject({ rows: 5, created: 4, rejected: 1, deadLettered: 0, pending: 0 });
    expect(record).toMatchObject({
      createdPersons: 2,
      reusedPersons: 1,
      createdOrganizations: 3,
      reusedOrganizations: 1,
    });
    const data = sandbox.export();
    expect(sandbox.state()).toMatchObject({ persons: 2, organizations: 3, leads: 4, duplicateLeads: 0 });
    const ada = data.persons.find((p) => p.name === 'Ada Lovelace')!;
    const acme = data.organizations.find((o) => o.name === 'Acme Corp')!;
    expect(ada.org_id).toBe(acme.id);
    const redesign = data.leads.find((l) => l.title === 'Website redesign')!;
    expect(redesign).toMatchObject({
      person_id: ada.id,
      organization_id: acme.id,
      value: { amount: 1200.5, currency: 'EUR' },
      expected_close_date: '2026-09-30',
      owner_id: 2,
      label_ids: [LEAD_LABEL_IDS.hot],
      channel: CHANNEL_OPTIONS.find((c) => c.label === 'Referral')!.id,
      // The import and the row's line: a retry finds this row's lead and no other.
      origin_id: expect.stringMatching(new RegExp(`^${summary.importId}:\\d+$`)),
      [CUSTOM_FIELD_KEYS.segment]: SEGMENT_OPTIONS.find((s) => s.label === 'Enterprise')!.id,
      [CUSTOM_FIELD_KEYS.leadScore]: 87,
    });
    const support = data.leads.find((l) => l.title === 'Support contract')!;
    expect(support).toMatchObject({
      person_id: ada.id,
      organization_id: acme.id,
      value: { amount: 300, currency: 'USD' },
    });
    expect([...support.label_ids].sort()).toEqual([LEAD_LABEL_IDS.cold, LEAD_LABEL_IDS.warm].sort());
    const initech = data.organizations.find((o) => o.name === 'Initech')!;
    expect(data.leads.find((l) => l.title === 'Audit')).toMatchObject({
      person_id: null,
      organization_id: initech.id,
      owner_id: 3,
    });
    // One readable line per outcome, without names or emails.
    const created = worker.lines.filter((l) => l.includes('Created lead'));
    expect(created).toHaveLength(4);
    for (const line of created) {
      expect(line).toMatch(/"importId":"[^"]+","line":\d+/);
      expect(line).not.toMatch(/ada@|Lovelace|Hopper|sandbox-token/);
    }
  }, 60_000);
});
