/**
 * What a SIGHUP tells the operator beyond the connections it started, stopped or restarted: a connection the file
 * gained that `--connections` leaves out, and a blocked connection whose token a reload cannot read again (an
 * environment variable).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeConnectionsFile } from '../../src/dev/connections-file.js';
import { ImportLedger } from '../../src/queue/ledger.js';
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

describe('a reload', () => {
  it('says when the file gains a connection this worker does not serve (--connections)', async () => {
    const [a, b] = await Promise.all([
      testSandbox({ plan: 'lite', companyId: 3201, apiToken: 'token-a' }),
      testSandbox({ plan: 'lite', companyId: 3202, apiToken: 'token-b' }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'lpi-reload-notes-'));
    const file = writeConnectionsFile(dir, [{ name: 'a', url: a.url, plan: 'lite', tokenEnv: 'A_TOKEN' }]);
    const worker = spawnWorker(
      {
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: uniquePrefix('reload-notes'),
        PIPEDRIVE_CONNECTIONS_FILE: file,
        A_TOKEN: 'token-a',
        B_TOKEN: 'token-b',
      },
      [...FAST_WORKER_FLAGS, '--connections', 'a'],
    );
    try {
      await worker.waitForLine(/processing lead-import-a for connection a/);
      writeConnectionsFile(dir, [
        { name: 'a', url: a.url, plan: 'lite', tokenEnv: 'A_TOKEN' },
        { name: 'b', url: b.url, plan: 'lite', tokenEnv: 'B_TOKEN' },
      ]);
      worker.proc.kill('SIGHUP');
      const line = await worker.waitForLine(/SIGHUP: connection b is new/);
      expect(JSON.parse(line)).toMatchObject({ level: 40, connection: 'b' });
      expect(line).toContain(
        `connection b is new in ${file}, but this worker serves only a (--connections): it does not take b's rows.`,
      );
      // Not "unchanged": something changed that this worker leaves to others.
      expect(worker.lines.some((l) => l.includes('the connections are unchanged'))).toBe(false);
      // Said once, not on every reload after.
      worker.proc.kill('SIGHUP');
      await worker.waitForLine(/the connections are unchanged/);
      expect(worker.lines.filter((l) => l.includes('connection b is new'))).toHaveLength(1);
      // A save in two writes, caught between them: the file is empty; the running connection is kept, and said so.
      writeFileSync(file, '');
      worker.proc.kill('SIGHUP');
      const kept = await worker.waitForLine(/could not be read again/);
      expect(JSON.parse(kept).msg).toBe(
        `SIGHUP: the connections could not be read again; the 1 running connection is kept as it was. ${file}: the connections file is empty (saved halfway, or truncated?). It must hold connections: with one entry per company (see the README, "Many companies").`,
      );
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 60_000);

  it('tells a blocked connection whose token is in an environment variable to restart, since SIGHUP cannot read it again', async () => {
    const e = await testSandbox({ plan: 'lite', companyId: 3203, apiToken: 'token-e1' });
    const dir = mkdtempSync(join(tmpdir(), 'lpi-reload-notes-'));
    const file = writeConnectionsFile(dir, [{ name: 'e', url: e.url, plan: 'lite', tokenEnv: 'E_TOKEN' }], {
      timeout_ms: 2000,
    });
    const prefix = uniquePrefix('reload-notes');
    const ledger = new ImportLedger(redis, prefix);
    const worker = spawnWorker(
      {
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_CONNECTIONS_FILE: file,
        E_TOKEN: 'token-e1',
      },
      [...FAST_WORKER_FLAGS, '--auth-probe-interval-ms', '300'],
    );
    try {
      await enqueueImport(redis, prefix, 'imp-e1', jobsFor('imp-e1', rowsOf('e', 5)), { connection: 'e' });
      expect(await finished(ledger, 'imp-e1', 30_000)).toMatchObject({ created: 5 });
      // The company regenerates the token (the old one is refused from now on); the worker's variable holds the old.
      e.setApiToken('token-e2');
      await enqueueImport(redis, prefix, 'imp-e2', jobsFor('imp-e2', rowsOf('e2', 5)), { connection: 'e' });
      const { blockedReason } = await eventually(
        async () => {
          const state = await readControl(redis, prefix, 'e');
          return state.blockedReason ? state : undefined;
        },
        { what: 'e to be blocked', timeoutMs: 20_000 },
      );
      expect(blockedReason).toContain(
        'Its token comes from the environment variable E_TOKEN, which a running worker read when it started and cannot read again (SIGHUP does not): restart the workers',
      );
      expect(blockedReason).toContain(`name that file with api_token_file in its entry in ${file}`);

      // The operator sends SIGHUP anyway (systemctl reload after editing the unit's Environment=): told why nothing moves.
      worker.proc.kill('SIGHUP');
      const line = await worker.waitForLine(/SIGHUP: connection e stays blocked/);
      expect(JSON.parse(line)).toMatchObject({ level: 40, connection: 'e' });
      expect(line).toContain(
        'they come from the environment variable E_TOKEN, which this process read when it started and a reload does not read again. Restart the worker',
      );
      for (const secret of ['token-e1', 'token-e2']) expect(worker.lines.join('\n')).not.toContain(secret);
      expect((await ledger.getImport('imp-e2'))?.deadLettered).toBe(0);
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
