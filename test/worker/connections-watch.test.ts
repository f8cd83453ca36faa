/**
 * `worker --watch`: the worker applies an edited connections file, or a rotated token file, by itself, as SIGHUP
 * does, the way editors and secret stores write them: an atomic save (a temporary file renamed over), a save in
 * two writes (truncate, then write), a token file rewritten in place, a broken save.
 */
import { closeSync, mkdtempSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('worker --watch', () => {
  it('applies atomic saves, two-write saves and rotated token files by itself, and a broken save once', async () => {
    const [a, b] = await Promise.all([
      testSandbox({ plan: 'lite', companyId: 3301, apiToken: 'token-a' }),
      testSandbox({ plan: 'lite', companyId: 3302, apiToken: 'token-b1' }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'lpi-watch-'));
    writeFileSync(join(dir, 'a.token'), 'token-a\n');
    writeFileSync(join(dir, 'b.token'), 'token-b1\n');
    const entry = (name: string, url: string, plan = 'lite') =>
      `  ${name}:\n    base_url: ${url}\n    api_token_file: ${name}.token\n    plan: ${plan}\n    timeout_ms: 2000\n`;
    const file = join(dir, 'connections.yaml');
    writeFileSync(file, `connections:\n${entry('a', a.url)}`);
    const prefix = uniquePrefix('watch');
    const ledger = new ImportLedger(redis, prefix);
    const worker = spawnWorker(
      { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PIPEDRIVE_CONNECTIONS_FILE: file },
      [...FAST_WORKER_FLAGS, '--watch', '--watch-interval-ms', '200', '--auth-probe-interval-ms', '300'],
    );
    const count = (pattern: RegExp) => worker.lines.filter((l) => pattern.test(l)).length;
    try {
      await worker.waitForLine(/Watching .*connections\.yaml and the 1 secret file it names/);

      // An editor's atomic save: a temporary file renamed over the old one. No signal.
      writeFileSync(
        join(dir, '.connections.yaml.swp'),
        `connections:\n${entry('a', a.url)}${entry('b', b.url)}`,
      );
      renameSync(join(dir, '.connections.yaml.swp'), file);
      await worker.waitForLine(/Connection b: started/, 10_000);
      await enqueueImport(redis, prefix, 'imp-b1', jobsFor('imp-b1', rowsOf('b1', 6)), { connection: 'b' });
      expect(await finished(ledger, 'imp-b1', 30_000)).toMatchObject({ created: 6, deadLettered: 0 });

      // A save in two writes, the second 150 ms after the first (less than one look apart): applied once, whole. The
      // first write alone is a valid file without b: a look between the writes, applied at once, would stop b.
      const fd = openSync(file, 'w');
      writeSync(fd, `connections:\n${entry('a', a.url)}`);
      await sleep(150);
      writeSync(fd, entry('b', b.url, 'growth'));
      closeSync(fd);
      await worker.waitForLine(
        /Connection b: restarted \(plan lite → growth; daily tokens 30000 → 60000\)/,
        10_000,
      );
      await sleep(1000);
      expect(count(/Connection b: (stopped|restarted)/)).toBe(1);
      expect(count(/could not be read again/)).toBe(0);

      // b's token is regenerated and its file rewritten in place: b restarts with it and finishes its rows.
      b.setApiToken('token-b2');
      writeFileSync(join(dir, 'b.token'), 'token-b2\n');
      await worker.waitForLine(/Connection b: restarted \(API token changed\)/, 10_000);
      await enqueueImport(redis, prefix, 'imp-b2', jobsFor('imp-b2', rowsOf('b2', 6)), { connection: 'b' });
      expect(await finished(ledger, 'imp-b2', 30_000)).toMatchObject({ created: 6, deadLettered: 0 });

      // A broken save: said once (not at every look), the running connections kept; fixed, applied.
      writeFileSync(file, `connections:\n${entry('a', a.url)}  b:\n   base_url: [\n`);
      await worker.waitForLine(/Reload \(files changed\): the connections could not be read again/, 10_000);
      await sleep(1500);
      expect(count(/could not be read again/)).toBe(1);
      await enqueueImport(redis, prefix, 'imp-b3', jobsFor('imp-b3', rowsOf('b3', 4)), { connection: 'b' });
      expect(await finished(ledger, 'imp-b3', 30_000)).toMatchObject({ created: 4, deadLettered: 0 });

      // An edit followed by SIGHUP (a habit, or a script): applied once, not again by the watch.
      writeFileSync(file, `connections:\n${entry('a', a.url, 'growth')}${entry('b', b.url, 'growth')}`);
      worker.proc.kill('SIGHUP');
      await worker.waitForLine(/Connection a: restarted \(plan lite → growth/, 10_000);
      await sleep(1500);
      expect(count(/Connection a: restarted/)).toBe(1);

      expect(b.state()).toMatchObject({ leads: 16, duplicateLeads: 0 });
      expect(a.state().leads).toBe(0);
      for (const token of ['token-a', 'token-b1', 'token-b2'])
        expect(worker.lines.join('\n')).not.toContain(token);
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 120_000);

  it('tells how to bring back a connection it stopped in words that fit --watch: save the file, not send SIGHUP', async () => {
    // 60 ms a call, Lite: most of b's 30 rows still wait when b is renamed.
    const b = await testSandbox({ plan: 'lite', companyId: 3311, apiToken: 'token-b', latencyMs: 60 });
    const dir = mkdtempSync(join(tmpdir(), 'lpi-watch-stop-'));
    writeFileSync(join(dir, 'b.token'), 'token-b\n');
    const entry = (name: string) =>
      `  ${name}:\n    base_url: ${b.url}\n    api_token_file: b.token\n    plan: lite\n    timeout_ms: 2000\n`;
    const file = join(dir, 'connections.yaml');
    writeFileSync(file, `connections:\n${entry('b')}`);
    const prefix = uniquePrefix('watch');
    const worker = spawnWorker(
      { REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PIPEDRIVE_CONNECTIONS_FILE: file },
      [...FAST_WORKER_FLAGS, '--watch', '--watch-interval-ms', '200'],
    );
    try {
      await worker.waitForLine(/Watching .*connections\.yaml/);
      await enqueueImport(redis, prefix, 'imp-w', jobsFor('imp-w', rowsOf('w', 30)), { connection: 'b' });
      await eventually(async () => b.state().leads >= 2, { what: 'b to create its first leads' });
      writeFileSync(join(dir, '.connections.yaml.swp'), `connections:\n${entry('b2')}`);
      renameSync(join(dir, '.connections.yaml.swp'), file);
      const stopped = JSON.parse(await worker.waitForLine(/Connection b: stopped/, 10_000)) as {
        msg: string;
      };
      expect(stopped.msg).toContain(
        'under that name (define it in the connections file and save it; this worker, started with --watch, applies it by itself).',
      );
      expect(stopped.msg).not.toContain('SIGHUP');
      const renamed = await worker.waitForLine(
        /connection b2 has the base URL and credentials connection b had/,
      );
      expect(renamed).toContain(
        'To finish them, name it b again (or define both) and save it; this worker, started with --watch, applies it by itself;',
      );
      expect(renamed).not.toContain('SIGHUP');
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 60_000);

  it('needs a connections file', async () => {
    const worker = spawnWorker(
      {
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: uniquePrefix('watch'),
        PIPEDRIVE_BASE_URL: 'http://127.0.0.1:1',
        PIPEDRIVE_API_TOKEN: 'token',
      },
      ['--watch'],
    );
    expect(await worker.exited).toBe(2);
    expect(worker.lines.join('\n')).toContain(
      '--watch watches the connections file, and PIPEDRIVE_CONNECTIONS_FILE is not set',
    );
  }, 30_000);
});
