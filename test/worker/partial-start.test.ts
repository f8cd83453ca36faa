/**
 * One company that cannot start never stops the others: a connection whose secret cannot be read (a variable not
 * set) is logged with the file, the connection, the field and the fix, and the worker serves the rest — at start
 * and on SIGHUP.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeConnectionsFile } from '../../src/dev/connections-file.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { rowsOf } from '../helpers/three-companies.js';
import { enqueueImport, FAST_WORKER_FLAGS, finished, jobsFor, spawnWorker, testSandbox } from './helpers.js';

const redis = testRedis();

/** A connections file: each company's token in a variable (`<NAME>_TOKEN`), set or not. */
function connectionsFile(dir: string, companies: { name: string; url: string }[]): string {
  return writeConnectionsFile(
    dir,
    companies.map((c) => ({ ...c, plan: 'lite', tokenEnv: `${c.name.toUpperCase()}_TOKEN` })),
    { timeout_ms: 2000 },
  );
}

describe('a connection that cannot start', () => {
  it('is logged once with the file, the connection, the field and the fix, and the others are served', async () => {
    const good = await testSandbox({ plan: 'lite', companyId: 2001, apiToken: 'token-good' });
    const dir = mkdtempSync(join(tmpdir(), 'lpi-partial-'));
    const file = connectionsFile(dir, [
      { name: 'good', url: good.url },
      { name: 'missing', url: good.url },
    ]);
    const prefix = uniquePrefix('partial');
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(redis, prefix, 'imp-good', jobsFor('imp-good', rowsOf('good', 12)), {
      connection: 'good',
    });
    const worker = spawnWorker(
      {
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_CONNECTIONS_FILE: file,
        GOOD_TOKEN: 'token-good',
      },
      FAST_WORKER_FLAGS,
    );
    try {
      expect(await finished(ledger, 'imp-good', 60_000)).toMatchObject({ created: 12, deadLettered: 0 });
      const line = await worker.waitForLine(/Connection missing cannot start/);
      const logged = JSON.parse(line) as { level: number; connection: string; msg: string };
      expect(logged).toMatchObject({ level: 50, connection: 'missing' });
      expect(logged.msg).toContain(`${file}:`);
      expect(logged.msg).toContain('connection "missing": api_token_env: MISSING_TOKEN is not set');
      expect(logged.msg).toContain('Set it in the environment of this process.');
      expect(line).not.toContain('token-good');
      expect(worker.lines.filter((l) => l.includes('cannot start'))).toHaveLength(1);
      expect(good.export().leads).toHaveLength(12);
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 90_000);

  it('exits 2 when no connection can start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-partial-'));
    const file = connectionsFile(dir, [
      { name: 'missing', url: 'http://127.0.0.1:1' },
      { name: 'absent', url: 'http://127.0.0.1:1' },
    ]);
    const worker = spawnWorker(
      { REDIS_URL: testRedisUrl(), REDIS_PREFIX: uniquePrefix('partial'), PIPEDRIVE_CONNECTIONS_FILE: file },
      FAST_WORKER_FLAGS,
    );
    expect(await worker.exited).toBe(2);
    const out = worker.lines.join('\n');
    expect(out).toContain('MISSING_TOKEN is not set');
    expect(out).toContain('ABSENT_TOKEN is not set');
  }, 30_000);

  it('exits 2, naming the connection and its base_url, when the only one answers but not as Pipedrive', async () => {
    const notPipedrive = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not found</html>');
    });
    await new Promise<void>((resolve) => notPipedrive.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(notPipedrive.address() as AddressInfo).port}`;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'lpi-partial-'));
      const file = connectionsFile(dir, [{ name: 'wrong', url }]);
      const worker = spawnWorker(
        {
          REDIS_URL: testRedisUrl(),
          REDIS_PREFIX: uniquePrefix('partial'),
          PIPEDRIVE_CONNECTIONS_FILE: file,
          WRONG_TOKEN: 'token-wrong',
        },
        FAST_WORKER_FLAGS,
      );
      expect(await worker.exited).toBe(2);
      const out = worker.lines.join('\n');
      expect(out).toContain(`No connection can start: connection "wrong" (${url}):`);
      expect(out).toContain('Check its base_url');
      expect(out).not.toContain('token-wrong');
    } finally {
      notPipedrive.close();
    }
  }, 30_000);

  it('names a connection whose base_url answers but not as Pipedrive, with the URL and the fix, and serves the others', async () => {
    const good = await testSandbox({ plan: 'lite', companyId: 2021, apiToken: 'token-good' });
    const notPipedrive = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not found</html>');
    });
    await new Promise<void>((resolve) => notPipedrive.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(notPipedrive.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'lpi-partial-'));
    const file = connectionsFile(dir, [
      { name: 'good', url: good.url },
      { name: 'wrong', url },
    ]);
    const prefix = uniquePrefix('partial');
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(redis, prefix, 'imp-good', jobsFor('imp-good', rowsOf('good', 6)), {
      connection: 'good',
    });
    const worker = spawnWorker(
      {
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_CONNECTIONS_FILE: file,
        GOOD_TOKEN: 'token-good',
        WRONG_TOKEN: 'token-wrong',
      },
      FAST_WORKER_FLAGS,
    );
    try {
      const line = await worker.waitForLine(/Connection wrong cannot start/);
      const logged = JSON.parse(line) as { level: number; connection: string; msg: string };
      expect(logged).toMatchObject({ level: 50, connection: 'wrong' });
      expect(logged.msg).toContain(
        'Connection wrong cannot start: Pipedrive rejected GET /api/v1/users/me with 404',
      );
      expect(logged.msg).toContain(`Check its base_url (${url}: https://yourcompany.pipedrive.com or`);
      expect(logged.msg).toContain(`in ${file}, then send the worker SIGHUP.`);
      expect(line).not.toContain('token-wrong');
      expect(await finished(ledger, 'imp-good', 60_000)).toMatchObject({ created: 6, deadLettered: 0 });
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.stop();
      notPipedrive.close();
    }
  }, 60_000);

  it('on SIGHUP, a new connection that can start is started beside one that cannot', async () => {
    const [a, b] = await Promise.all([
      testSandbox({ plan: 'lite', companyId: 2011, apiToken: 'token-a' }),
      testSandbox({ plan: 'lite', companyId: 2012, apiToken: 'token-b' }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'lpi-partial-'));
    const file = connectionsFile(dir, [{ name: 'a', url: a.url }]);
    const prefix = uniquePrefix('partial');
    const ledger = new ImportLedger(redis, prefix);
    const worker = spawnWorker(
      {
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_CONNECTIONS_FILE: file,
        A_TOKEN: 'token-a',
        B_TOKEN: 'token-b',
      },
      FAST_WORKER_FLAGS,
    );
    try {
      await worker.waitForLine(/Serving 1 connection: a/);
      connectionsFile(dir, [
        { name: 'a', url: a.url },
        { name: 'b', url: b.url },
        { name: 'missing', url: b.url },
      ]);
      worker.proc.kill('SIGHUP');
      await worker.waitForLine(/Connection b: started/);
      const line = await worker.waitForLine(/SIGHUP: connection missing cannot start/);
      expect(line).toContain('api_token_env: MISSING_TOKEN is not set');
      expect(worker.lines.some((l) => l.includes('running connection'))).toBe(false);
      await enqueueImport(redis, prefix, 'imp-b', jobsFor('imp-b', rowsOf('b', 8)), { connection: 'b' });
      expect(await finished(ledger, 'imp-b', 60_000)).toMatchObject({ created: 8, deadLettered: 0 });
      expect(b.export().leads).toHaveLength(8);
      expect(a.export().leads).toHaveLength(0);
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 90_000);
});
