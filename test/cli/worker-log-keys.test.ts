import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const REPO = resolve(import.meta.dirname, '../..');
const redis = testRedis();
const prefix = uniquePrefix('logkeys');
let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, apiToken: 'acme-token' });
});
afterAll(async () => {
  await sandbox?.close();
  await deletePrefix(redis, prefix);
});

/** The keys of one flat JSON log line in order, repeats kept (JSON.parse would keep only the last of two). */
function keysOf(line: string): string[] {
  expect(() => JSON.parse(line)).not.toThrow();
  return [...line.matchAll(/[{,]"([^"\\]+)":/g)].map((m) => m[1]!);
}

describe('the worker’s log lines for a named connection', () => {
  it('carry each key once (log processors keep only one of two `connection` keys)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpi-logkeys-'));
    const file = join(dir, 'connections.yaml');
    writeFileSync(
      file,
      `connections:\n  acme:\n    base_url: ${sandbox.url}\n    api_token_env: ACME_PIPEDRIVE_TOKEN\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], {
      cwd: REPO,
      env: {
        ...process.env,
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PIPEDRIVE_CONNECTIONS_FILE: file,
        ACME_PIPEDRIVE_TOKEN: 'acme-token',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const exited = new Promise((r) => child.on('exit', r));
    const deadline = Date.now() + 40_000;
    while (!out.includes('processing lead-import-acme') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    await exited;
    const line = out.split('\n').find((l) => l.includes('processing lead-import-acme'));
    expect(line, out).toBeDefined();
    const keys = keysOf(line!);
    expect(keys.filter((k) => k === 'connection')).toEqual(['connection']);
    expect(new Set(keys).size).toBe(keys.length);
  }, 90_000);
});
