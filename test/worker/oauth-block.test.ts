import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { writeConnectionsFile } from '../../src/dev/connections-file.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { leadQueueName } from '../../src/queue/names.js';
import { readControl } from '../../src/worker/control.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { rowsOf } from '../helpers/three-companies.js';
import {
  enqueueImport,
  eventually,
  FAST_WORKER_FLAGS,
  finished,
  jobsFor,
  spawnWorker,
  testSandbox,
} from './helpers.js';

const redis = testRedis();

describe('a connection on OAuth whose refresh Pipedrive refuses', () => {
  it('blocks with what to re-authorize (not an API token to fix), and resumes with a new refresh token and SIGHUP', async () => {
    const oauth = { clientId: 'cid-o', clientSecret: 'secret-o', refreshToken: 'rt-good' };
    const sandbox = await testSandbox({ plan: 'growth', companyId: 1004, oauth });
    const dir = mkdtempSync(join(tmpdir(), 'lpi-oauth-block-'));
    writeFileSync(join(dir, 'o.client-id'), `${oauth.clientId}\n`);
    writeFileSync(join(dir, 'o.client-secret'), `${oauth.clientSecret}\n`);
    // A refresh token Pipedrive no longer accepts (the app was uninstalled, or the token is an old one).
    writeFileSync(join(dir, 'o.refresh-token'), 'rt-revoked\n');
    const connectionsFile = writeConnectionsFile(
      dir,
      [{ name: 'o', url: sandbox.url, plan: 'growth', oauth: true }],
      {
        timeout_ms: 2000,
      },
    );

    const prefix = uniquePrefix('oauth-block');
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(redis, prefix, 'imp-o', jobsFor('imp-o', rowsOf('o', 12)), { connection: 'o' });
    const queue = new Queue(leadQueueName('o'), { connection: redis, prefix });
    const worker = spawnWorker(
      { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PIPEDRIVE_CONNECTIONS_FILE: connectionsFile },
      [...FAST_WORKER_FLAGS, '--auth-probe-interval-ms', '300'],
    );
    try {
      await eventually(() => queue.isPaused(), {
        what: "the OAuth connection's queue to pause",
        timeoutMs: 15_000,
      });
      const { blockedReason } = await readControl(redis, prefix, 'o');
      expect(blockedReason).toMatch(
        /^Pipedrive refused the OAuth credentials of connection "o"\. Re-authorize the app and put the new refresh token where its entry in .+ names it/,
      );
      expect(blockedReason).toContain(connectionsFile);
      expect(blockedReason).toContain('SIGHUP');
      // Not the API-token advice, which would send the operator to a token this connection does not have.
      expect(blockedReason).not.toMatch(/API token/);
      expect((await ledger.getImport('imp-o'))?.deadLettered).toBe(0);
      // No secret in what the worker printed.
      for (const secret of ['rt-revoked', 'rt-good', oauth.clientSecret])
        expect(worker.lines.join('\n')).not.toContain(secret);

      // A new refresh token in the file its entry names; SIGHUP makes the worker read it and restart the
      // connection. It was the process's only one, blocked since it started: stopping it for the restart once took
      // the whole process down ("unexpected error: Worker is shutting down", as if no connection could start).
      writeFileSync(join(dir, 'o.refresh-token'), `${oauth.refreshToken}\n`);
      worker.proc.kill('SIGHUP');
      await worker.waitForLine(/Connection o: restarted/);
      expect(await finished(ledger, 'imp-o', 60_000)).toMatchObject({ created: 12, deadLettered: 0 });
      expect(await readControl(redis, prefix, 'o')).not.toHaveProperty('blockedReason');
      expect(sandbox.state().leads).toBe(12);
      expect(worker.lines.join('\n')).not.toMatch(/unexpected error/);
    } finally {
      await worker.stop();
      await queue.close();
    }
  }, 90_000);
});
