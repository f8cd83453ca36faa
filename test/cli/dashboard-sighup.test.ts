import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const REPO = resolve(import.meta.dirname, '../..');
const redis = testRedis();
const prefix = uniquePrefix('dashhup');
afterAll(() => deletePrefix(redis, prefix));

describe('lead-importer dashboard and SIGHUP', () => {
  it('keeps serving and says it reads the connections only at start (the workers’ reload signal must not stop it)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'dashboard', '--port', '0'], {
      cwd: REPO,
      env: { ...process.env, REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const waitFor = async (what: RegExp) => {
      const deadline = Date.now() + 40_000;
      while (
        !what.test(out) &&
        Date.now() < deadline &&
        child.exitCode === null &&
        child.signalCode === null
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out, `waiting for ${what}`).toMatch(what);
    };
    await waitFor(/Dashboard at (http:\/\/\S+)\//);
    const url = /Dashboard at (http:\/\/\S+?)\//.exec(out)![1]!;

    child.kill('SIGHUP');
    await waitFor(/SIGHUP: the dashboard reads the connections only when it starts/);
    expect(child.exitCode).toBeNull();
    const health = await fetch(`${url}/healthz`);
    expect([200, 503]).toContain(health.status);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
