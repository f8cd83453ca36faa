import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import type { PipedriveApi } from '../../src/pipedrive/types.js';
import { ImportLedger, type RowOutcome } from '../../src/queue/ledger.js';
import { DLQ_QUEUE } from '../../src/queue/names.js';
import { createLeadWorker, type LeadWorkerOptions } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, finished, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

/** A row's ids, from an outcome that must be `created`. */
function createdIds(outcome: RowOutcome | undefined): { organizationId?: number; personId?: number } {
  if (outcome?.state !== 'created') throw new Error(`expected a created row, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** A sandbox, and a worker of one row at a time on a fresh prefix, warming the cache as `warmCache` says. */
async function running(
  warmCache: 'never' | 'always',
  via?: (sandboxUrl: string) => Promise<string>,
  createClient?: LeadWorkerOptions['createClient'],
) {
  const sandbox = await testSandbox({ limits: false });
  const prefix = uniquePrefix();
  const worker = createLeadWorker({
    redisUrl: testRedisUrl(),
    prefix,
    pipedrive: { baseUrl: via ? await via(sandbox.url) : sandbox.url, apiToken: sandbox.apiToken },
    retry: { callRetries: 0, callRetryMinMs: 5, callRetryMaxMs: 10 },
    rateLimit: false,
    concurrency: 1,
    warmCache,
    ...(createClient ? { createClient } : {}),
  });
  return { sandbox, prefix, worker, ledger: new ImportLedger(redis, prefix) };
}

/**
 * The shared contact cache maps a company's organizations and persons to their ids for good. Someone deleting or
 * merging one in Pipedrive made every later row of it refused (400: "Organization with id 1 does not exist"): all
 * 300 rows of a trial import dead-lettered, and a `dlq retry` met the same cached id again.
 */
describe.each([
  ['never', 1],
  ['always', 10],
] as const)(
  'a contact deleted in Pipedrive after the cache learned it (warm cache %s, %i rows a job)',
  (warmCache, rowsPerJob) => {
    it('is found gone, forgotten and resolved again: the rows are created, none dead-lettered, no id reused', async () => {
      const { sandbox, prefix, worker, ledger } = await running(warmCache);
      const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix });
      const api = (method: string, path: string) =>
        fetch(`${sandbox.url}/api/v2${path}`, { method, headers: { 'x-api-token': sandbox.apiToken } });
      try {
        const ann = { name: 'Ann Lee', email: 'ann@acme.example.com' };
        await enqueueImport(
          redis,
          prefix,
          'imp-first',
          jobsFor('imp-first', [{ org: 'Acme', person: ann }]),
          {
            rowsPerJob,
          },
        );
        const first = await finished(ledger, 'imp-first');
        expect(first).toMatchObject({ created: 1, deadLettered: 0 });
        const before = createdIds((await ledger.outcomes('imp-first', [2]))[0]);
        const oldOrg = before.organizationId as number;
        const oldPerson = before.personId as number;
        expect((await api('DELETE', `/organizations/${oldOrg}`)).status).toBe(200);
        expect((await api('DELETE', `/persons/${oldPerson}`)).status).toBe(200);

        const bob = { name: 'Bob Ray', email: 'bob@acme.example.com' };
        await enqueueImport(
          redis,
          prefix,
          'imp-second',
          jobsFor('imp-second', [
            { org: 'Acme', person: ann },
            { org: 'Acme', person: bob },
          ]),
          { rowsPerJob },
        );
        const second = await finished(ledger, 'imp-second');
        expect(second).toMatchObject({ created: 2, deadLettered: 0 });
        expect(await dlq.count()).toBe(0);
        const rows = (await ledger.outcomes('imp-second', [2, 3])).map(createdIds);
        const newOrg = rows[0]?.organizationId as number;
        expect(newOrg).not.toBe(oldOrg);
        expect(rows[1]?.organizationId).toBe(newOrg);
        expect(rows[0]?.personId).not.toBe(oldPerson);
        // The organization is created once again, not once per row; Ann once again.
        const exported = (await (await fetch(`${sandbox.url}/_sandbox/export`)).json()) as {
          organizations: { id: number; name: string; is_deleted: boolean }[];
          persons: { id: number; name: string; is_deleted: boolean }[];
        };
        expect(exported.organizations.filter((o) => !o.is_deleted).map((o) => o.id)).toEqual([newOrg]);
        expect(
          exported.persons.filter((p) => !p.is_deleted && p.name === 'Ann Lee').map((p) => p.id),
        ).toEqual([rows[0]?.personId]);
      } finally {
        await Promise.all([worker.close(), dlq.close()]);
        await sandbox.close();
      }
    });

    it('merged in Pipedrive into a duplicate: the survivor is found, nothing created again', async () => {
      const { sandbox, prefix, worker, ledger } = await running(warmCache);
      const call = async (method: string, path: string, body?: unknown) =>
        (await fetch(`${sandbox.url}/api${path}`, {
          method,
          headers: { 'x-api-token': sandbox.apiToken, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        }).then((r) => r.json())) as { data: { id: number } };
      try {
        // The company holds Globex twice, and Cy Ng twice under another address; someone merges the ones the
        // importer used into the others (Pipedrive's merge: the survivor takes the other's addresses).
        const one = (await call('POST', '/v2/organizations', { name: 'Globex' })).data.id;
        const two = (await call('POST', '/v2/organizations', { name: 'Globex' })).data.id;
        const cyKept = (
          await call('POST', '/v2/persons', {
            name: 'Cy Ng',
            emails: [{ value: 'cy.ng@home.example', primary: true }],
          })
        ).data.id;
        const cy = { name: 'Cy Ng', email: 'cy@globex.example.com' };
        await enqueueImport(
          redis,
          prefix,
          'imp-first',
          jobsFor('imp-first', [{ org: 'Globex', person: cy }]),
          { rowsPerJob },
        );
        await finished(ledger, 'imp-first');
        const used = createdIds((await ledger.outcomes('imp-first', [2]))[0]);
        expect(used.organizationId).toBe(one);
        await call('PUT', `/v1/organizations/${one}/merge`, { merge_with_id: two });
        await call('PUT', `/v1/persons/${used.personId}/merge`, { merge_with_id: cyKept });

        await enqueueImport(
          redis,
          prefix,
          'imp-second',
          jobsFor('imp-second', [
            { org: 'Globex', person: cy },
            { org: 'Globex', person: { name: 'Ed Ko', email: 'ed@globex.example.com' } },
          ]),
          { rowsPerJob },
        );
        expect(await finished(ledger, 'imp-second')).toMatchObject({ created: 2, deadLettered: 0 });
        const rows = (await ledger.outcomes('imp-second', [2, 3])).map(createdIds);
        expect(rows.map((r) => r.organizationId)).toEqual([two, two]);
        expect(rows[0]?.personId).toBe(cyKept);
        const exported = sandbox.export();
        expect(exported.organizations.filter((o) => !o.is_deleted).map((o) => o.id)).toEqual([two]);
        expect(exported.persons.filter((p) => !p.is_deleted && p.name === 'Cy Ng').map((p) => p.id)).toEqual([
          cyKept,
        ]);
      } finally {
        await worker.close();
        await sandbox.close();
      }
    });
  },
);

/**
 * Pipedrive behind a proxy that answers `status` to the first `times` reads of an organization (the check of a
 * reused contact), and passes everything else through.
 */
function failingLooks(status: number, times: number) {
  return failingCalls(status, times, 'GET', /^\/api\/v2\/organizations\/\d+/);
}

/**
 * Pipedrive behind a proxy that answers `status` to the first `times` calls of `method` on a path `path` matches
 * (`failNext`: to as many more from then on), and passes everything else through.
 */
function failingCalls(status: number, times: number, method: string, path: RegExp) {
  let proxy: Server | undefined;
  let failed = 0;
  const via = async (target: string) => {
    const server = createServer((req, res) => {
      if (req.method === method && path.test(req.url ?? '') && failed < times) {
        failed++;
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(
          JSON.stringify({ success: false, error: status === 429 ? 'Too many requests' : 'Unavailable' }),
        );
        return;
      }
      const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    proxy = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  return {
    via,
    get failed() {
      return failed;
    },
    failNext(n: number) {
      times = failed + n;
    },
    close: () => new Promise((resolve) => proxy?.close(resolve)),
  };
}

/** Imports Ann at Acme, deletes Acme in Pipedrive, then imports Bob at Acme with `attempts`: the second import. */
async function bobAfterAcmeDeleted(look: ReturnType<typeof failingLooks>, attempts: number) {
  const { sandbox, prefix, worker, ledger } = await running('never', look.via);
  const ann = { name: 'Ann Lee', email: 'ann@acme.example.com' };
  await enqueueImport(redis, prefix, 'imp-first', jobsFor('imp-first', [{ org: 'Acme', person: ann }]));
  await finished(ledger, 'imp-first');
  const org = createdIds((await ledger.outcomes('imp-first', [2]))[0]).organizationId;
  await fetch(`${sandbox.url}/api/v2/organizations/${org}`, {
    method: 'DELETE',
    headers: { 'x-api-token': sandbox.apiToken },
  });
  const bob = { name: 'Bob Ray', email: 'bob@acme.example.com' };
  await enqueueImport(redis, prefix, 'imp-second', jobsFor('imp-second', [{ org: 'Acme', person: bob }]), {
    attempts,
  });
  const record = await finished(ledger, 'imp-second', 30_000);
  const close = async () => {
    await worker.close();
    await sandbox.close();
    await look.close();
  };
  return { record, prefix, sandbox, close };
}

describe('a contact found refused whose check fails too', () => {
  it('dead-letters the row on its last attempt, with the refusal, rather than failing its job with no entry', async () => {
    const look = failingLooks(503, Number.POSITIVE_INFINITY);
    const { record, prefix, close } = await bobAfterAcmeDeleted(look, 1);
    const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix });
    try {
      expect(record).toMatchObject({ created: 0, deadLettered: 1 });
      const [entry] = await dlq.getJobs(['waiting']);
      expect(entry?.data).toMatchObject({
        importId: 'imp-second',
        line: 2,
        errorClass: 'PipedriveValidationError',
      });
    } finally {
      await dlq.close();
      await close();
    }
  });

  it('waits out a 429 on the check without spending an attempt, looks again and creates the row', async () => {
    // One attempt: a row that spent it on the 429 would be dead-lettered (it was, in a chaos run's Lite squeeze).
    const look = failingLooks(429, 1);
    const { record, sandbox, close } = await bobAfterAcmeDeleted(look, 1);
    try {
      expect(look.failed).toBe(1);
      expect(record).toMatchObject({ created: 1, deadLettered: 0 });
      expect(sandbox.state()).toMatchObject({ duplicateOrganizations: 0, duplicatePersons: 0 });
    } finally {
      await close();
    }
  });

  it('retries a row whose check met a 5xx while attempts remain, and creates it', async () => {
    const look = failingLooks(503, 1);
    const { record, close } = await bobAfterAcmeDeleted(look, 2);
    try {
      expect(look.failed).toBe(1);
      expect(record).toMatchObject({ created: 1, deadLettered: 0 });
    } finally {
      await close();
    }
  });
});

/**
 * A row of a chunk that a 429 sends back is split out into a job of its own, whose data keeps the checkpoint the row
 * had then; from there on the row's checkpoint is the one under its own key. The row's run took that one laid over
 * the job's, so a contact it had dropped as gone came back from the job's copy at every run: the chaos run's power-loss
 * describe dead-lettered such a row ("Organization with id 4 does not exist") once its two rechecks were spent.
 */
describe('a row split out of its chunk that finds its organization gone', () => {
  it('resolves it anew once, not the gone id again from its job: created, none dead-lettered, nothing doubled', async () => {
    const burst = failingCalls(429, 0, 'POST', /^\/(api\/)?v1\/leads/);
    const { sandbox, prefix, worker, ledger } = await running('never', burst.via);
    const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix });
    try {
      const ann = { name: 'Ann Lee', email: 'ann@acme.example.com' };
      await enqueueImport(redis, prefix, 'imp-first', jobsFor('imp-first', [{ org: 'Acme', person: ann }]));
      expect(await finished(ledger, 'imp-first')).toMatchObject({ created: 1 });
      const oldOrg = createdIds((await ledger.outcomes('imp-first', [2]))[0]).organizationId as number;
      await fetch(`${sandbox.url}/api/v2/organizations/${oldOrg}`, {
        method: 'DELETE',
        headers: { 'x-api-token': sandbox.apiToken },
      });
      // The row's first lead create meets a 429 (its organization and person resolved from the cache by then).
      burst.failNext(1);
      await enqueueImport(
        redis,
        prefix,
        'imp-second',
        jobsFor('imp-second', [{ title: 'Deal Acme again', org: 'Acme', person: ann }]),
        { rowsPerJob: 10 },
      );
      const record = await finished(ledger, 'imp-second', 30_000);
      expect(burst.failed).toBe(1);
      expect(record).toMatchObject({ created: 1, deadLettered: 0 });
      expect(await dlq.count()).toBe(0);
      const row = createdIds((await ledger.outcomes('imp-second', [2]))[0]);
      expect(row.organizationId).not.toBe(oldOrg);
      const exported = sandbox.export();
      expect(exported.organizations.filter((o) => !o.is_deleted).map((o) => o.id)).toEqual([
        row.organizationId,
      ]);
      expect(exported.leads.filter((l) => l.title === 'Deal Acme again')).toHaveLength(1);
      expect(sandbox.state()).toMatchObject({ duplicateOrganizations: 0, duplicatePersons: 0 });
    } finally {
      await Promise.all([worker.close(), dlq.close()]);
      await sandbox.close();
      await burst.close();
    }
  });
});

/**
 * An operator may delete an organization the moment the import creates it (the chaos run's does): the row that
 * created it was refused its next write ("Organization with id 1 does not exist") and dead-lettered, since only the
 * contacts a row reused were looked at.
 */
describe('an organization the row created, deleted before the row links it', () => {
  it('is found gone, forgotten and created again: the row is created, none dead-lettered, nothing doubled', async () => {
    let gone: number | undefined;
    // The first organization created is deleted as soon as Pipedrive answers, before the row creates its person.
    const deleteFirstOrganization: LeadWorkerOptions['createClient'] = (options) => {
      const client = new PipedriveClient(options);
      return new Proxy(client, {
        get(target, property, receiver) {
          if (property === 'addOrganization') {
            return async (...args: Parameters<PipedriveApi['addOrganization']>) => {
              const org = await target.addOrganization(...args);
              if (gone === undefined) {
                gone = org.id;
                await fetch(`${options.baseUrl}/api/v2/organizations/${org.id}`, {
                  method: 'DELETE',
                  headers: { 'x-api-token': options.apiToken as string },
                });
              }
              return org;
            };
          }
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }) as PipedriveApi;
    };
    const { sandbox, prefix, worker, ledger } = await running('never', undefined, deleteFirstOrganization);
    try {
      const ann = { name: 'Ann Lee', email: 'ann@acme.example.com' };
      await enqueueImport(redis, prefix, 'imp', jobsFor('imp', [{ org: 'Acme', person: ann }]));
      expect(await finished(ledger, 'imp', 30_000)).toMatchObject({ created: 1, deadLettered: 0 });
      expect(gone).toBeDefined();
      const row = createdIds((await ledger.outcomes('imp', [2]))[0]);
      expect(row.organizationId).not.toBe(gone);
      const exported = sandbox.export();
      expect(exported.organizations.filter((o) => !o.is_deleted).map((o) => o.id)).toEqual([
        row.organizationId,
      ]);
      expect(exported.persons.filter((p) => !p.is_deleted).map((p) => p.id)).toEqual([row.personId]);
      expect(exported.leads).toHaveLength(1);
    } finally {
      await worker.close();
      await sandbox.close();
    }
  });
});
