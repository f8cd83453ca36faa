import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../../src/ops/dead-letters.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { finished, workUntilFinished } from '../worker/helpers.js';
import { runCli } from './run-cli.js';
import { testOps } from './seed.js';

/**
 * An import went to company 111; later the same connection carries a token of company 222 (a token file
 * replaced by another client's, a connection name reused). Person, organization and note ids are numbers both
 * companies have, so a revert or a repair by id there would delete company 222's records.
 */
const redis = testRedis();
const ctx = testOps(redis);
let first: RunningSandbox;
let other: RunningSandbox;
let dir: string;

const env = (sandbox: RunningSandbox) => ({
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: ctx.prefix,
  PIPEDRIVE_BASE_URL: sandbox.url,
  PIPEDRIVE_API_TOKEN: sandbox.apiToken,
});

/** A connections file with one connection, `late`, on `sandbox` (its token in LATE_TOKEN). */
function lateConnections(sandbox: RunningSandbox): string {
  const file = join(dir, 'connections.yaml');
  writeFileSync(file, `connections:\n  late:\n    base_url: ${sandbox.url}\n    api_token_env: LATE_TOKEN\n`);
  return file;
}

/** Runs one in-process worker with a company's credentials until the import has no pending row. */
function work(sandbox: RunningSandbox, importId: string): Promise<void> {
  return workUntilFinished(ctx.ledger, importId, {
    redisUrl: testRedisUrl(),
    prefix: ctx.prefix,
    pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
  });
}

beforeAll(async () => {
  [first, other] = await Promise.all([
    startSandbox({ port: 0, companyId: 111, apiToken: 'first-token' }),
    startSandbox({ port: 0, companyId: 222, apiToken: 'other-token' }),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'lpi-import-company-'));
  const file = join(dir, 'leads.csv');
  writeFileSync(
    file,
    'Title,Name,Email,Company,Notes\nDeal A,Ana Ames,ana@acme.example,Acme,Met at the fair\n',
  );
  const produced = await runCli(['import', file, '--import-id', 'co-1', '--json'], env(first));
  expect(JSON.parse(produced.stdout)).toMatchObject({ enqueued: 1 });
  await work(first, 'co-1');
  // The other company's own organization, person, lead and note, under the same ids as the import's.
  const client = new PipedriveClient({ baseUrl: other.url, apiToken: other.apiToken });
  const org = await client.addOrganization({ name: 'Other Org' });
  const person = await client.addPerson({ name: 'Other Person', org_id: org.id });
  const lead = await client.addLead({ title: 'Other lead', person_id: person.id, organization_id: org.id });
  await client.addNote({ lead_id: lead.id, content: 'theirs' });
  client.close();
}, 90_000);

afterAll(async () => {
  await Promise.all([first?.close(), other?.close()]);
  await ctx.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("an import's company", () => {
  it('is recorded by the first worker that sends its rows', async () => {
    const [o] = await ctx.ledger.outcomes('co-1', [2]);
    expect(o).toMatchObject({ state: 'created', personId: 1, organizationId: 1, noteId: 1 });
    expect(await ctx.ledger.getImport('co-1')).toMatchObject({ companyId: 111, created: 1 });
  });

  it('is recorded by the producer when it reads the account, and a worker of another company sends none of its rows', async () => {
    // A value without a currency: the producer reads users/me for the user's default currency.
    const file = join(dir, 'valued.csv');
    writeFileSync(file, 'Title,Name,Email,Company,Value\nDeal B,Bo Berg,bo@acme.example,Acme,1200\n');
    const produced = await runCli(['import', file, '--import-id', 'co-2', '--json'], env(first));
    expect(JSON.parse(produced.stdout)).toMatchObject({ enqueued: 1 });
    expect(await ctx.ledger.getImport('co-2')).toMatchObject({ companyId: 111 });

    const before = other.export();
    // A worker with the other company's credentials, started while co-2's row waits: it does not start (nothing sent,
    // nothing dead-lettered: the connection's entry is what is wrong, and fixing it finishes the row).
    const refused = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix: ctx.prefix,
      concurrency: 1,
      warmCache: 'never',
      pipedrive: { baseUrl: other.url, apiToken: other.apiToken },
    });
    try {
      await expect(refused.ready).rejects.toThrow(
        'Connection "default": its credentials belong to Pipedrive company 222, but import co-2 (valued.csv, 1 pending) went to company 111. Nothing was sent and nothing dead-lettered',
      );
    } finally {
      await refused.close();
    }
    expect(await ctx.ledger.getImport('co-2')).toMatchObject({ deadLettered: 0, pending: 1, companyId: 111 });
    expect(other.export()).toEqual(before);

    // One already running when the row comes sends nothing either: the row is dead-lettered, saying why.
    const running = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix: ctx.prefix,
      concurrency: 1,
      warmCache: 'never',
      pipedrive: { baseUrl: other.url, apiToken: other.apiToken },
      connection: 'late',
    });
    try {
      await running.ready;
      const late = join(dir, 'late.csv');
      writeFileSync(late, 'Title,Name,Email,Company,Value\nDeal C,Cy Carr,cy@acme.example,Acme,900\n');
      const lateRun = await runCli(
        ['import', late, '--import-id', 'co-late', '--json', '--connection', 'late'],
        { ...env(first), PIPEDRIVE_CONNECTIONS_FILE: lateConnections(first), LATE_TOKEN: first.apiToken },
      );
      expect(JSON.parse(lateRun.stdout)).toMatchObject({ enqueued: 1 });
      expect(await finished(ctx.ledger, 'co-late', 30_000)).toMatchObject({
        deadLettered: 1,
        created: 0,
        companyId: 111,
      });
    } finally {
      await running.close();
    }
    expect(other.export()).toEqual(before);
    const [entry] = await listDeadLetters(ctx, { importId: 'co-late' });
    expect(entry).toMatchObject({ errorClass: 'ImportCompanyMismatchError' });
    expect(entry?.message).toContain(
      "Import co-late goes to Pipedrive company 111, but this worker's credentials for its connection belong to company 222: nothing was sent.",
    );
  });

  it('revert refuses credentials of another company and deletes nothing there', async () => {
    const before = other.export();
    const run = await runCli(['revert', 'co-1', '--include-contacts', '--yes'], env(other));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'Import co-1 went to Pipedrive company 111, but the credentials of connection "default" now belong to company 222: nothing was changed.',
    );
    expect(other.export()).toEqual(before);
    expect(first.export().leads).toHaveLength(1);
  });

  it('verify refuses credentials of another company before it reads or repairs anything', async () => {
    const calls = other.requests().length;
    const run = await runCli(['verify', 'co-1', '--repair', '--yes', '--json'], env(other));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('now belong to company 222');
    // users/me alone: the call that names the company.
    expect(
      other
        .requests()
        .slice(calls)
        .map((r) => `${r.method} ${r.path}`),
    ).toEqual(['GET /api/v1/users/me']);
  });

  it('revert still works with the company the import went to', async () => {
    const run = await runCli(['revert', 'co-1', '--include-contacts', '--yes'], env(first));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'Deleted 1 leads (and 1 notes), 1 persons and 1 organizations of import co-1.',
    );
  });
});
