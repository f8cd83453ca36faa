/**
 * A worker whose "Pipedrive" (a broken or hostile proxy on the operator's base URL) answers with a body that nests
 * thousands of levels deep: the row fails by the usual rules (retried, then dead-lettered with a message that says
 * what was wrong and holds no token), and the worker goes on with the next rows. Before the shape check, such a
 * body of 16 MiB held a worker at 1.9 GB of peak RSS and ~13 s of CPU per call.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { DLQ_QUEUE } from '../../src/queue/names.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, finished, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();
/** Deep enough to refuse, small enough that the test's own server sends it at once. */
const NESTED = `{"success":true,"data":{"items":${'['.repeat(50_000)}${']'.repeat(50_000)}}}`;

/** Forwards to the sandbox, except organization searches while `hostile.on`: those get {@link NESTED}. */
async function hostileProxy(target: string) {
  const hostile = { on: true, served: 0 };
  const server: Server = createServer((req, res) => {
    if (hostile.on && req.method === 'GET' && req.url?.startsWith('/api/v2/organizations/search')) {
      hostile.served++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(NESTED);
      return;
    }
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hostile };
}

describe('an organization search answered with a body nested 50,000 levels deep', () => {
  it('retries the row, dead-letters it with a clear message and no token, and the worker goes on', async () => {
    const sandbox = await testSandbox({ limits: false });
    const proxy = await hostileProxy(sandbox.url);
    const prefix = uniquePrefix();
    const worker = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix,
      pipedrive: { baseUrl: proxy.url, apiToken: sandbox.apiToken },
      retry: { callRetries: 0, callRetryMinMs: 5, callRetryMaxMs: 10 },
      rateLimit: false,
      concurrency: 1,
      warmCache: 'never',
    });
    const ledger = new ImportLedger(redis, prefix);
    const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix });
    try {
      const ann = { name: 'Ann Lee', email: 'ann@acme.example.com' };
      await enqueueImport(
        redis,
        prefix,
        'imp-hostile',
        jobsFor('imp-hostile', [{ org: 'Acme', person: ann }]),
        {
          attempts: 2,
          backoffMs: 50,
        },
      );
      expect(await finished(ledger, 'imp-hostile', 30_000)).toMatchObject({ created: 0, deadLettered: 1 });
      // Both attempts asked, both got the body: retried as a 5xx would be.
      expect(proxy.hostile.served).toBe(2);
      const [entry] = await dlq.getJobs(['waiting']);
      expect(entry?.data).toMatchObject({
        importId: 'imp-hostile',
        line: 2,
        errorClass: 'PipedriveServerError',
      });
      expect(entry?.data.message).toBe(
        'Pipedrive answered GET /api/v2/organizations/search with 200 OK but the body was not parsed: it nests deeper than 64 levels, which no Pipedrive answer does. Check PIPEDRIVE_BASE_URL points at Pipedrive.',
      );
      expect(JSON.stringify(entry?.data)).not.toContain(sandbox.apiToken);

      // The same worker, Pipedrive itself again: the next import goes through.
      proxy.hostile.on = false;
      await enqueueImport(redis, prefix, 'imp-next', jobsFor('imp-next', [{ org: 'Acme', person: ann }]));
      expect(await finished(ledger, 'imp-next', 30_000)).toMatchObject({ created: 1, deadLettered: 0 });
    } finally {
      await Promise.all([worker.close(), dlq.close()]);
    }
  }, 60_000);
});
