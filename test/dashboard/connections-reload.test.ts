import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsContext } from '../../src/ops/ops-context.js';
import { leadQueueName } from '../../src/queue/names.js';
import { spawnCli } from '../helpers/cli-process.js';
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { seedImport } from '../ops/seed.js';

/**
 * `lead-importer dashboard` with a connections file that the operator edits while it runs (as they do for the workers,
 * which reload it on SIGHUP or `--watch`): the dashboard shows the connections the file holds now.
 */
const redis = testRedis();
const prefix = uniquePrefix('dashreload');
const dir = mkdtempSync(join(tmpdir(), 'lpi-dashreload-'));
const file = join(dir, 'connections.yaml');
const SECRETS = {
  ACME_TOKEN: 'acme-secret-0123456789abcdef',
  GLOBEX_TOKEN: 'globex-secret-0123456789abcdef',
};
const env = {
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: prefix,
  PIPEDRIVE_CONNECTIONS_FILE: file,
  LOG_LEVEL: 'info',
  ...SECRETS,
};
const acme = `  acme:
    base_url: https://acme.pipedrive.com
    api_token_env: ACME_TOKEN
    plan: lite
`;
const globex = `  globex:
    base_url: https://globex.pipedrive.com
    api_token_env: GLOBEX_TOKEN
    plan: growth
`;
/** Written beside the file and renamed over it, as an editor saves: the path names another inode. */
const save = (text: string) => {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
};
const lite = { burstPer2s: 20, dailyTokens: 30_000 };

const dashboard = spawnCli(['dashboard', '--port', '0'], env);
let url: string;
const seen: string[] = [];
const get = async (path: string) => {
  const res = await fetch(`${url}${path}`);
  const body = await res.text();
  seen.push(body);
  return { status: res.status, body };
};
const shown = async () =>
  (JSON.parse((await get('/api/imports')).body) as { connections: string[] }).connections;
const boardQueues = async () =>
  (JSON.parse((await get('/queues/api/queues')).body) as { queues: { name: string }[] }).queues
    .map((q) => q.name)
    .sort();

beforeAll(async () => {
  save(`connections:\n${acme}`);
  const ctx = createOpsContext({
    redis,
    prefix,
    limits: lite,
    connectionLimits: new Map([
      ['acme', lite],
      ['globex', lite],
    ]),
  });
  await seedImport(
    ctx,
    'globex-leads',
    [{ line: 2, cells: ['A', 'a@example.com', 'Globex'], outcome: 'pending' }],
    {
      connection: 'globex',
    },
  );
  await ctx.close();
  const started = await dashboard.waitFor(/Dashboard at (http:\/\/\S+?)\//);
  if (!started) throw new Error(dashboard.output());
  url = started[1]!;
}, 60_000);

afterAll(async () => {
  dashboard.kill('SIGTERM');
  await dashboard.exited;
  await deletePrefix(redis, prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('lead-importer dashboard, when its connections file changes', () => {
  it('shows a connection added to the file on the next request: in the filter, its imports, bull-board', async () => {
    expect(await shown()).toEqual(['acme']);
    expect((await get('/api/imports?connection=globex')).status).toBe(400);
    expect(await boardQueues()).toEqual([leadQueueName('acme'), 'lead-import-dlq'].sort());

    save(`connections:\n${acme}${globex}`);
    expect(await shown()).toEqual(['acme', 'globex']);
    const globexImports = await get('/api/imports?connection=globex');
    expect(globexImports.status).toBe(200);
    expect(globexImports.body).toContain('"importId":"globex-leads"');
    expect(await boardQueues()).toEqual(
      [leadQueueName('acme'), leadQueueName('globex'), 'lead-import-dlq'].sort(),
    );
    expect((await get('/')).body).toContain('href="/?connection=globex"');
  });

  it('keeps the connections it shows when the file cannot be used, and says so in its log', async () => {
    save('connections:\n  globex: [not, a, map\n');
    expect(await shown()).toEqual(['acme', 'globex']);
    expect(
      await dashboard.waitFor(/changed but cannot be used; the dashboard keeps showing acme, globex/),
    ).not.toBeNull();
    save(`connections:\n${globex}`);
    expect(await shown()).toEqual(['globex']);
  });

  it('reads the file again on SIGHUP, and never shows or logs a secret the file names', async () => {
    save(`connections:\n${acme}${globex}`);
    dashboard.kill('SIGHUP');
    expect(await dashboard.waitFor(/SIGHUP received: reading the connections file again/)).not.toBeNull();
    expect(await dashboard.waitFor(/showing acme, globex \(before: globex\)/)).not.toBeNull();
    expect(dashboard.running()).toBe(true);
    expect(await shown()).toEqual(['acme', 'globex']);
    await get('/metrics');
    await get('/api/connections');
    for (const secret of Object.values(SECRETS)) {
      expect(dashboard.output()).not.toContain(secret);
      for (const body of seen) expect(body).not.toContain(secret);
    }
  });

  it("keeps answering when a FIFO takes the file's place (read without blocking, and refused)", async () => {
    // readFileSync on a FIFO waits for a writer with the event loop held: every request, /healthz included, hung.
    execFileSync('mkfifo', [`${file}.fifo`]);
    renameSync(`${file}.fifo`, file);
    const res = await fetch(`${url}/api/imports`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { connections: string[] }).connections).toEqual(['acme', 'globex']);
    expect(await dashboard.waitFor(/is not a regular file \(a FIFO, a device or a socket\)/)).not.toBeNull();
    save(`connections:\n${acme}`);
    expect(await shown()).toEqual(['acme']);
  });
});
