/**
 * `revert A --include-contacts` deleted every contact import A created, even one a later import B had since found in
 * the workers' shared contact cache and used: B's leads were left naming a deleted organization and person. Now a
 * contact something made since uses stays, and the revert says how many.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { finished } from '../worker/helpers.js';
import { runCli } from './run-cli.js';
import { enqueue, testOps } from './seed.js';

const redis = testRedis();
const ctx = testOps(redis);
let sandbox: RunningSandbox;

async function importRows(importId: string, rows: { line: number; cells: string[] }[]) {
  await ctx.ledger.createImport({
    importId,
    fileName: `${importId}.csv`,
    fileSize: 1,
    fileHash: importId,
    mapping: null,
    header: ['Name', 'Email', 'Company'],
    createdAt: Date.now(),
  });
  await enqueue(ctx, importId, rows);
  await ctx.ledger.setCounters(importId, { rows: rows.length });
  await ctx.ledger.setState(importId, 'enqueued');
  return finished(ctx.ledger, importId);
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, searchLagMs: 0 });
  const worker = createLeadWorker({
    redisUrl: testRedisUrl(),
    prefix: ctx.prefix,
    pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
    concurrency: 1,
    warmCache: 'never',
  });
  try {
    // A creates Shared Co with Ana, and Solo Co with Bo; B then reuses Shared Co and Ana, and adds Cy there.
    await importRows('imp-a', [
      { line: 2, cells: ['Ana New', 'ana@shared.example', 'Shared Co'] },
      { line: 3, cells: ['Bo Solo', 'bo@solo.example', 'Solo Co'] },
    ]);
    await importRows('imp-b', [
      { line: 2, cells: ['Ana New', 'ana@shared.example', 'Shared Co'] },
      { line: 3, cells: ['Cy Late', 'cy@shared.example', 'Shared Co'] },
    ]);
  } finally {
    await worker.close();
  }
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await ctx.close();
});

describe('revert --include-contacts of an import whose contacts a later import uses', () => {
  it('deletes its leads and the contacts only it used, and keeps the ones the later import uses', async () => {
    const before = sandbox.export();
    const id = (name: string, items: { id: number; name: string }[]) =>
      items.find((i) => i.name === name)!.id;
    const shared = id('Shared Co', before.organizations);
    const ana = id('Ana New', before.persons);
    const { code, stdout, stderr } = await runCli(['revert', 'imp-a', '--include-contacts', '--yes'], {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: ctx.prefix,
      PIPEDRIVE_BASE_URL: sandbox.url,
      PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      'Deleted 2 leads, 1 persons and 1 organizations of import imp-a.\n' +
        'Kept 1 persons and 1 organizations it created, as something made since uses them: leads name 1 persons and 1 organizations.\n',
    );

    const after = sandbox.export();
    const live = (items: { name: string; is_deleted: boolean }[]) =>
      items
        .filter((i) => !i.is_deleted)
        .map((i) => i.name)
        .sort();
    expect(live(after.organizations)).toEqual(['Shared Co']);
    expect(live(after.persons)).toEqual(['Ana New', 'Cy Late']);
    // B's leads are untouched and name contacts that still exist.
    expect(after.leads.map((l) => [l.person_id, l.organization_id])).toEqual([
      [ana, shared],
      [id('Cy Late', after.persons), shared],
    ]);
  });
});
