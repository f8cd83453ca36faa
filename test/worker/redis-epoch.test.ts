import { describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { DurableWrites } from '../../src/queue/durable-writes.js';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { RedisEpoch } from '../../src/queue/redis-epoch.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { deferred } from '../helpers/deferred.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { type AofPoint, restartableRedis } from '../helpers/restartable-redis.js';
import { beforeAddLead, enqueueImport, eventually, finished, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

describe('the Redis epoch', () => {
  it('sees a restarted redis-server, keeps the durable point where the old one left it, and moves it again only once the company is reconciled', async () => {
    const { client, restart } = await restartableRedis();
    const epoch = new RedisEpoch(client, 'ep');

    const fresh = await epoch.status('c1');
    expect(fresh.companyRunId).toBeUndefined();
    expect(fresh.liveRunId).toMatch(/^[0-9a-f]{40}$/);
    expect(await epoch.commit('c1', fresh.liveRunId)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(await epoch.markDurable('c1')).toBe(true);
    const before = await epoch.status('c1');
    expect(before.companyRunId).toBe(fresh.liveRunId);
    expect(before.durableAt).toBeGreaterThanOrEqual(fresh.serverNow);

    await restart();
    const after = await epoch.status('c1');
    expect(after.liveRunId).not.toBe(before.liveRunId);
    expect(after.companyRunId).toBe(before.liveRunId);
    expect(after.durableAt).toBe(before.durableAt);
    expect(await client.hgetall('ep:epoch')).toMatchObject({
      runId: after.liveRunId,
      previousRunId: before.liveRunId,
      changes: '1',
    });
    // The durable point stays where the crash left it until the company is reconciled.
    expect(await epoch.markDurable('c1')).toBe(false);
    expect((await epoch.status('c1')).durableAt).toBe(before.durableAt);
    // A commit for a server that is not the one answering is refused.
    expect(await epoch.commit('c1', before.liveRunId)).toBe(false);
    expect(await epoch.commit('c1', after.liveRunId, { lastTokens: 60 })).toBe(true);
    expect(await epoch.markDurable('c1')).toBe(true);
    expect(await epoch.describe('c1')).toMatchObject({ runId: after.liveRunId, lastTokens: '60' });
  }, 30_000);

  // Redis 7.0 (Debian's) has no WAITAOF, so only detection and the WAIT path run here; WAITAOF
  // itself (Redis >= 7.2) is not exercised by any test.
  it('makes intents durable with nothing on Redis 7.0, and waits for replicas (WAIT) when asked to', async () => {
    const version = ((await redis.info('server')).match(/redis_version:(\S+)/) ?? [])[1] ?? '';
    const auto = new DurableWrites(redis, `${uniquePrefix()}:epoch:tick`);
    const support = await auto.detect();
    if (version.startsWith('7.0') || version.startsWith('6.')) {
      expect(support.waitaof).toBe(false);
      expect(await auto.plan()).toBe('none');
      expect(await auto.makeDurable()).toBe('not-needed');
    }
    expect(await new DurableWrites(redis, 'x', { mode: 'off', replicas: 1 }).plan()).toBe('none');

    // No replica here: WAIT 1 times out, and the create goes ahead (the epoch still covers it).
    const tickKey = `${uniquePrefix()}:epoch:tick`;
    const replicas = new DurableWrites(redis, tickKey, { replicas: 1, timeoutMs: 100 });
    if (!support.waitaof || !support.aof) expect(await replicas.plan()).toBe('wait');
    const results = await Promise.all([
      replicas.makeDurable(),
      replicas.makeDurable(),
      replicas.makeDurable(),
    ]);
    expect(results).toEqual(['timed-out', 'timed-out', 'timed-out']);
    // Three callers, two rounds (one on the wire, one for everyone who came meanwhile): each round ticks once.
    expect(await redis.get(tickKey)).toBe('2');
    await replicas.close();
  });
});

describe('after Redis lost writes', () => {
  it('a row whose intent was lost adopts the lead, contacts and note Pipedrive already has instead of creating them again', async () => {
    // Pipedrive's search index lags a minute: only a listing can find what was just created.
    const sandbox = await testSandbox({ limits: false, searchLagMs: 60_000 });
    const api = new PipedriveClient({ baseUrl: sandbox.url, apiToken: 'sandbox-token' });
    const prefix = uniquePrefix();
    const importId = 'imp-lost';
    const me = await api.getCurrentUser();
    const companyKey = `c${me.company_id}`;

    // What a worker created in the last second before Redis's machine lost power: the intents,
    // checkpoints and cache entries that said so are gone, the objects are in Pipedrive.
    const org = await api.addOrganization({ name: 'Lost Cargo Ltd' });
    const person = await api.addPerson({
      name: 'Lena Lost',
      emails: [{ value: 'lena@lostcargo.example', primary: true, label: 'work' }],
      org_id: org.id,
    });
    const lead = await api.addLead({
      title: 'Lost deal',
      person_id: person.id,
      organization_id: org.id,
      origin_id: importId,
    });
    const note = await api.addNote({ content: 'Call after the fair', lead_id: lead.id });
    // The company's epoch names a redis-server that is gone, with its durable point 3 s ago.
    const durableAt = Date.now() - 3000;
    await redis.hset(`${prefix}:epoch:${companyKey}`, { runId: 'f'.repeat(40), durableAt });

    const jobs = jobsFor(importId, [
      {
        title: 'Lost deal',
        org: 'Lost Cargo Ltd',
        person: { name: 'Lena Lost', email: 'lena@lostcargo.example' },
      },
      {
        title: 'New deal',
        org: 'Lost Cargo Ltd',
        person: { name: 'Nils New', email: 'nils@lostcargo.example' },
      },
    ]).map((j) => ({ ...j, note: j.line === 2 ? 'Call after the fair' : 'Send the brochure' }));
    await enqueueImport(redis, prefix, importId, jobs);
    const before = sandbox.requests().length;
    const worker = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: 'sandbox-token' },
      rateLimit: false,
      warmCache: 'never',
      concurrency: 2,
      epochMarginMs: 2000,
    });
    const ledger = new ImportLedger(redis, prefix);
    try {
      await worker.ready;
      await eventually(async () => (await ledger.getImport(importId))?.state === 'completed', {
        what: 'the import to complete',
      });
    } finally {
      await worker.close();
    }

    expect(sandbox.state()).toMatchObject({
      leads: 2,
      persons: 2,
      organizations: 1,
      notes: 2,
      duplicateLeads: 0,
      duplicatePersons: 0,
      duplicateOrganizations: 0,
      duplicateNotes: 0,
    });
    const [lost, fresh] = await ledger.outcomes(importId, [2, 3]);
    expect(lost).toMatchObject({
      state: 'created',
      leadId: lead.id,
      noteId: note.id,
      personId: person.id,
      organizationId: org.id,
    });
    expect(fresh).toMatchObject({ state: 'created', personId: expect.any(Number), organizationId: org.id });
    // One listing of each kind from the durable point minus the margin, before any create.
    const calls = sandbox
      .requests()
      .slice(before)
      .map((r) => `${r.method} ${r.path}`);
    const firstCreate = calls.findIndex((c) => c.startsWith('POST'));
    expect(calls.slice(0, firstCreate)).toEqual(
      expect.arrayContaining([
        'GET /api/v2/organizations',
        'GET /api/v2/persons',
        'GET /api/v1/leads',
        'GET /api/v1/notes',
      ]),
    );
    expect(calls.filter((c) => c.startsWith('POST'))).toEqual([
      'POST /api/v2/persons',
      'POST /api/v1/leads',
      'POST /api/v1/notes',
    ]);
    const record = await redis.hgetall(`${prefix}:epoch:${companyKey}`);
    expect(record).toMatchObject({
      previousRunId: 'f'.repeat(40),
      lastLeads: '1',
      lastNotes: '1',
      lastTokens: '60',
      lastSince: String(durableAt - 2000),
    });
    expect(record.runId).toMatch(/^[0-9a-f]{40}$/);
    expect(record.runId).not.toBe('f'.repeat(40));
  }, 60_000);
});

describe('a chunk whose rows ended before Redis lost power', () => {
  it('runs again the rows whose outcomes Redis lost, rather than completing with them Pending and their leads owned by no row', async () => {
    const sandbox = await testSandbox({ limits: false, searchLagMs: 60_000 });
    const redisServer = await restartableRedis();
    const db = redisServer.client;
    const prefix = uniquePrefix();
    const importId = 'imp-chunk-power';
    const jobs = jobsFor(importId, [
      { title: 'Early 1', person: { name: 'Ada Early', email: 'ada@early.example' } },
      { title: 'Early 2', person: { name: 'Ben Early', email: 'ben@early.example' } },
      { title: 'Late 3', person: { name: 'Cy Late', email: 'cy@late.example' } },
    ]);
    // One chunk of the three rows.
    await enqueueImport(db, prefix, importId, jobs, { rowsPerJob: 3 });
    const ledger = new ImportLedger(db, prefix);

    // The first two rows' leads leave once both are about to: the AOF's size then is what the power loss keeps,
    // so their leads reach Pipedrive and their outcomes are acknowledged, then lost. The third row waits for it.
    let cut: AofPoint | undefined;
    let early = 0;
    const earlyReady = deferred();
    const lateReleased = deferred();
    const worker = createLeadWorker({
      redisUrl: redisServer.url,
      prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: 'sandbox-token', timeoutMs: 5000 },
      rateLimit: false,
      warmCache: 'never',
      concurrency: 3,
      epochMarginMs: 2000,
      controlPollMs: 100,
      createClient: beforeAddLead(async (title) => {
        if (title.startsWith('Early')) {
          if (++early === 2) {
            cut = redisServer.aofSize();
            earlyReady.resolve();
          }
          await earlyReady.promise;
        } else await lateReleased.promise;
      }),
    });
    try {
      await worker.ready;
      await eventually(
        async () =>
          (await ledger.outcomes(importId, [2, 3])).every((o) => o?.state === 'created') ? true : undefined,
        { what: 'the first two rows recorded as created' },
      );
      expect(sandbox.state().leads).toBe(2);
      await redisServer.powerLoss(cut as AofPoint);
      // The outcomes are gone: the rows are Pending again, their leads are in Pipedrive.
      expect(await ledger.rowStates(importId, [2, 3])).toEqual([RowState.Pending, RowState.Pending]);
      lateReleased.resolve();
      await finished(ledger, importId, 45_000);
    } finally {
      lateReleased.resolve();
      await worker.close();
    }
    expect(await ledger.getImport(importId)).toMatchObject({ rows: 3, created: 3, pending: 0 });
    // The lost rows adopted the leads they had made: three leads, no duplicate.
    expect(sandbox.state()).toMatchObject({ leads: 3, persons: 3, duplicateLeads: 0, duplicatePersons: 0 });
    const outcomes = await ledger.outcomes(importId, [2, 3, 4]);
    expect(outcomes.map((o) => o?.state)).toEqual(['created', 'created', 'created']);
    expect(new Set(outcomes.map((o) => (o?.state === 'created' ? o.leadId : undefined))).size).toBe(3);
  }, 90_000);
});
