/**
 * A connection whose base URL names one company (`https://acme.pipedrive.com`) and whose token is another
 * company's (`GET /v1/users/me` → `company_domain`) is refused: its rows would land in the wrong client's
 * account. The sandbox stands in for `<x>.pipedrive.com` (its user's company domain is `sandbox`): the worker's
 * client is pointed at it, the connection keeps the company URL it was configured with.
 */
import { describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, finished, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

function workerFor(sandbox: RunningSandbox, prefix: string, connection: string, baseUrl: string) {
  return createLeadWorker({
    redisUrl: testRedisUrl(),
    prefix,
    connection,
    pipedrive: { baseUrl, apiToken: 'sandbox-token', timeoutMs: 2000 },
    rateLimit: false,
    createClient: (options) => new PipedriveClient({ ...options, baseUrl: sandbox.url }),
  });
}

const rows = [
  { title: 'one', org: 'Acme' },
  { title: 'two', org: 'Bobco' },
];

describe("a connection's base URL and its token's company", () => {
  it('refuses the connection when they name different company domains, naming the connection', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix('compdomain');
    await enqueueImport(redis, prefix, 'imp-acme', jobsFor('imp-acme', rows), { connection: 'acme' });
    const handle = workerFor(sandbox, prefix, 'acme', 'https://acme.pipedrive.com');
    try {
      const refused = await handle.ready.then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(refused?.name).toBe('ConnectionCompanyError');
      expect(refused?.message).toMatch(
        /^Connection "acme": its base URL is company domain "acme" \(https:\/\/acme\.pipedrive\.com\), but its credentials belong to company domain "sandbox"/,
      );
      expect(refused?.message).not.toContain('sandbox-token');
      expect(sandbox.export().leads).toHaveLength(0);
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('serves the connection when they name the same company', async () => {
    const sandbox = await testSandbox({ limits: false });
    const prefix = uniquePrefix('compdomain');
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(redis, prefix, 'imp-same', jobsFor('imp-same', rows), { connection: 'same' });
    const handle = workerFor(sandbox, prefix, 'same', 'https://Sandbox.pipedrive.com');
    try {
      await handle.ready;
      expect(await finished(ledger, 'imp-same', 30_000)).toMatchObject({ created: 2, deadLettered: 0 });
    } finally {
      await handle.close();
    }
  }, 60_000);
});
