import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker, type LeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { runCli } from './run-cli.js';
import { enqueue, testOps } from './seed.js';

const redis = testRedis();
const ctx = testOps(redis);
let sandbox: RunningSandbox;
let worker: LeadWorker;
let existing: { personId: number; organizationId: number };

const env = () => ({
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: ctx.prefix,
  PIPEDRIVE_BASE_URL: sandbox.url,
  PIPEDRIVE_API_TOKEN: sandbox.apiToken,
});

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  // Contacts the company already had: the import must reuse them, and revert must leave them.
  const client = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken });
  const org = await client.addOrganization({ name: 'Existing Corp' });
  const person = await client.addPerson({
    name: 'Olga Old',
    org_id: org.id,
    emails: [{ value: 'olga@existing.example' }],
  });
  existing = { personId: person.id, organizationId: org.id };

  await ctx.ledger.createImport({
    importId: 'rev-1',
    fileName: 'rev.csv',
    fileSize: 1,
    fileHash: 'h',
    mapping: null,
    header: ['Name', 'Email', 'Company'],
    createdAt: Date.now(),
  });
  await enqueue(ctx, 'rev-1', [
    { line: 2, cells: ['Ana New', 'ana@acme.example', 'Acme'], note: 'Met at the fair' },
    { line: 3, cells: ['Olga Old', 'olga@existing.example', 'Existing Corp'] },
    { line: 4, cells: ['Bo New', 'bo@acme.example', 'Acme'], note: 'Wants a demo' },
  ]);
  await ctx.ledger.setCounters('rev-1', { rows: 3 });
  await ctx.ledger.setState('rev-1', 'enqueued');

  worker = createLeadWorker({
    redisUrl: testRedisUrl(),
    prefix: ctx.prefix,
    pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
    concurrency: 1, // rows in order, so line 4 reuses the organization line 2 created
    warmCache: 'never',
  });
  let completed = 0;
  const allDone = new Promise<void>((resolve, reject) => {
    worker.worker.on('completed', () => {
      if (++completed === 3) resolve();
    });
    worker.worker.on('failed', (job, err) =>
      reject(new Error(`row ${job?.data.line} failed: ${err.message}`)),
    );
  });
  await allDone;
  await worker.close();
}, 60_000);

afterAll(async () => {
  await worker?.close();
  await sandbox?.close();
  await ctx.close();
});

describe('lead-importer revert', () => {
  it('the import created three leads, two persons and one organization, and reused the rest', async () => {
    expect(await ctx.ledger.getImport('rev-1')).toMatchObject({
      created: 3,
      pending: 0,
      createdPersons: 2,
      reusedPersons: 1,
      createdOrganizations: 1,
    });
    expect(sandbox.export().leads).toHaveLength(3);
    expect(sandbox.export().notes).toHaveLength(2);
  });

  it("status reads today's budget the way the workers count it", async () => {
    const status = JSON.parse((await runCli(['status', 'rev-1', '--json'], env())).stdout);
    // Lite, one seat: 30,000 tokens less the 10% reserve; the workers charged at least the rows' tokens.
    expect(status.budget.limit).toBe(27_000);
    expect(status.tokensUsed).toBeGreaterThan(0);
    expect(status.budget.left).toBeLessThanOrEqual(27_000 - status.tokensUsed);
    expect(status.budget.resetsAt).toBeGreaterThan(Date.now());
    expect(status.state).toBe('completed');
  });

  let plan: { tokens: number; calls: number; estimatedMs: number };

  it('without --yes shows what it would delete and what it costs, and deletes nothing', async () => {
    const before = sandbox.state().requests;
    const { code, stdout } = await runCli(['revert', 'rev-1', '--include-contacts'], env());
    expect(code).toBe(0);
    expect(stdout).toContain('would delete 3 leads, their 2 notes, 2 persons, 1 organizations it created');
    // users/me (2), which --yes always calls to check the credentials first; 3 leads × 6; 2 notes × (2 to read, 6 to
    // delete); 3 contacts × 3 to delete, and to check nothing made since uses them: the deals of the persons (one
    // call, 10) and of the organization (10), a page of leads for each (20) and of persons for the organization (10).
    // At most: a note whose lead is gone is not read, a contact found in use is neither checked further nor deleted.
    expect(stdout).toContain(
      'Cost: at most 135 tokens of the daily budget (2 of them to check the credentials first)',
    );
    expect(stdout).toContain('2 persons and organizations it only reused stay untouched');
    expect(stdout).toContain(
      'a note goes after its lead, only if revert deleted that lead and the note is still on it',
    );
    expect(sandbox.state().requests).toBe(before);
    plan = JSON.parse((await runCli(['revert', 'rev-1', '--include-contacts', '--json'], env())).stdout).plan;
    expect(plan.tokens).toBe(135);
    // users/me, 3 lead deletes, 2 × (note read + delete), 2 deal checks, 3 lead pages, 1 person page, 3 deletes.
    expect(plan.calls).toBe(1 + 3 + 4 + 2 + 3 + 1 + 3);
    // Lite: 20 calls per 2 s.
    expect(plan.estimatedMs).toBe(plan.calls * 100);
  });

  it('with --yes deletes the leads and created contacts and leaves reused contacts alone', async () => {
    const before = sandbox.state();
    const { code, stdout, stderr } = await runCli(['revert', 'rev-1', '--include-contacts', '--yes'], env());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe('Deleted 3 leads (and 2 notes), 2 persons and 1 organizations of import rev-1.\n');
    // Nothing was in use and no note had moved, so every read and check ran and everything was deleted: Pipedrive
    // charged what the plan showed, users/me included, for as many calls as it counted.
    const now = sandbox.state();
    expect(now.tokensUsed - before.tokensUsed).toBe(plan.tokens);
    expect(now.requests - now.rateLimited - (before.requests - before.rateLimited)).toBe(plan.calls);

    const after = sandbox.export();
    expect(after.leads.filter((l) => !l.is_deleted)).toEqual([]);
    // The notes go too: Pipedrive may keep a deleted lead's notes.
    expect(after.notes).toEqual([]);
    const live = (items: { id: number; is_deleted: boolean }[]) =>
      items.filter((i) => !i.is_deleted).map((i) => i.id);
    expect(live(after.persons)).toEqual([existing.personId]);
    expect(live(after.organizations)).toEqual([existing.organizationId]);

    // The workers' contact cache forgets the deleted contacts (a later import must not link a
    // lead to them) and still knows the reused ones.
    const cached: string[] = [];
    for (const key of await redis.keys(`${ctx.prefix}:cache:*`)) {
      for (const [field, id] of Object.entries(await redis.hgetall(key)))
        if (!field.startsWith('#')) cached.push(id);
    }
    const deletedIds = [...after.persons, ...after.organizations]
      .filter((i) => i.is_deleted)
      .map((i) => String(i.id));
    expect(deletedIds).toHaveLength(3);
    expect(cached.filter((id) => deletedIds.includes(id))).toEqual([]);
    expect(cached).toEqual(
      expect.arrayContaining([String(existing.personId), String(existing.organizationId)]),
    );

    // A second run has nothing left to do and spends nothing.
    const again = await runCli(['revert', 'rev-1', '--include-contacts'], env());
    expect(again.stdout).toContain('would delete 0 leads, 0 persons, 0 organizations');
    expect(again.stdout).toContain('8 were deleted by an earlier revert run');
  });

  it('afterwards, status and report say the rows were reverted, not that their leads exist', async () => {
    // Runs after the revert above (tests of a file run in order). The rows stay created in the ledger, so the
    // counts still add up; the two runs of revert counted each lead once.
    const text = await runCli(['status', 'rev-1'], env());
    expect(text.stdout).toMatch(/rows 3 = created 3 \(3 reverted\) \+ rejected 0/);
    expect(text.stdout).toContain('3 of its leads were deleted by `lead-importer revert`');
    const json = JSON.parse((await runCli(['status', 'rev-1', '--json'], env())).stdout);
    expect(json).toMatchObject({ created: 3, reverted: 3, balanced: true });

    const out = join(mkdtempSync(join(tmpdir(), 'lpi-rev-')), 'report.csv');
    const report = await runCli(['report', 'rev-1', '--out', out], env());
    expect(report.stdout).toBe(`Wrote 3 rows to ${out} (3 reverted).\n`);
    const rows = readFileSync(out, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.split(','));
    expect(rows.map((r) => [r[0], r[1], r[8]])).toEqual(
      ['2', '3', '4'].map((line) => [line, 'reverted', 'the lead was deleted by lead-importer revert']),
    );
    // The deleted leads' ids stay in the report, for the record.
    expect(rows.every((r) => r[2] !== '')).toBe(true);
  });

  it('afterwards, running the same import again creates nothing again, and says how to import the file again', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lpi-rev-')), 'rev.csv');
    writeFileSync(
      file,
      'Name,Email,Company\nAna New,ana@acme.example,Acme\nOlga Old,olga@existing.example,Existing Corp\nBo New,bo@acme.example,Acme\n',
    );
    const again = await runCli(['import', file, '--import-id', 'rev-1'], env());
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already finished\s+3/);
    expect(again.stdout).toContain(
      'Every row of this import is finished, and 3 of its leads were deleted by `lead-importer revert`: running the import again does not create them again. To import the file again, pass another --import-id.',
    );
    const json = JSON.parse((await runCli(['import', file, '--import-id', 'rev-1', '--json'], env())).stdout);
    expect(json).toMatchObject({ enqueued: 0, alreadyFinished: 3, reverted: 3, state: 'completed' });
    expect(await ctx.ledger.getImport('rev-1')).toMatchObject({ created: 3, reverted: 3, pending: 0 });
    // Nothing was enqueued, so no lead exists again.
    expect(sandbox.export().leads.filter((l) => !l.is_deleted)).toEqual([]);
  });
});
