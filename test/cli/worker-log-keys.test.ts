import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli-process.js';
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

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
    const worker = spawnCli(['worker'], {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_CONNECTIONS_FILE: file,
      ACME_PIPEDRIVE_TOKEN: 'acme-token',
      LOG_LEVEL: 'info',
    });
    await worker.waitFor(/processing lead-import-acme/);
    worker.kill('SIGTERM');
    await worker.exited;
    const out = worker.output();
    const line = out.split('\n').find((l) => l.includes('processing lead-import-acme'));
    expect(line, out).toBeDefined();
    const keys = keysOf(line!);
    expect(keys.filter((k) => k === 'connection')).toEqual(['connection']);
    expect(new Set(keys).size).toBe(keys.length);
  }, 90_000);
});
