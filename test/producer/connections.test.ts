import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { startDashboard } from '../../src/dashboard/index.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { importCsv } from '../../src/producer/import-csv.js';
import { isChunkJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import { LEAD_QUEUE, leadQueueName } from '../../src/queue/names.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { LEAD_LABEL_IDS } from '../../src/sandbox/seed.js';
import { parsePrometheusText, sampleValue } from '../dashboard/prometheus-text.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../ops/run-cli.js';

/**
 * Two companies, two sandboxes with tokens of their own. They differ where the producer reads them: Acme's
 * Dana is still active and Acme has no VIP label; Globex made a VIP label and deactivated Dana.
 */
const redis = testRedis();
let acme: RunningSandbox;
let globex: RunningSandbox;
let vipLabelId: string;
let dir: string;

const CSV = [
  'Name,Email,Company,Title,Owner,Labels',
  'Ana Acme,ana@example.com,Initech,Printer deal,dana@sandbox.example,Hot',
  'Bo Both,bo@example.com,Initech,Stapler deal,,VIP',
  'Cy Common,cy@example.com,Initech,Chair deal,,Warm',
  '',
].join('\n');

beforeAll(async () => {
  // Distinct company ids: two companies, as in production (sandboxes that keep the default id are one company, and
  // the same file through two connections of one company is refused: it would create its leads twice).
  [acme, globex] = await Promise.all([
    startSandbox({ port: 0, apiToken: 'acme-token', companyId: 5101 }),
    startSandbox({ port: 0, apiToken: 'globex-token', plan: 'growth', seats: 3, companyId: 5102 }),
  ]);
  const admin = new PipedriveClient({ baseUrl: globex.url, apiToken: 'globex-token' });
  const res = await fetch(`${globex.url}/api/v1/leadLabels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-token': 'globex-token' },
    body: JSON.stringify({ name: 'VIP', color: 'purple' }),
  });
  expect(res.status).toBe(200);
  vipLabelId = ((await res.json()) as { data: { id: string } }).data.id;
  expect((await admin.getLeadLabels()).map((l) => l.name)).toContain('VIP');
  expect(globex.deactivateUser('dana@sandbox.example')).toBe(true);

  dir = mkdtempSync(join(tmpdir(), 'lpi-producer-connections-'));
  writeFileSync(join(dir, 'globex-token'), 'globex-token\n');
  writeFileSync(
    join(dir, 'connections.yaml'),
    `connections:
  acme:
    base_url: ${acme.url}
    api_token_env: ACME_PIPEDRIVE_TOKEN
  globex:
    base_url: ${globex.url}
    api_token_file: globex-token
    plan: growth
    seats: 3
`,
  );
  writeFileSync(join(dir, 'leads.csv'), CSV);
});
afterAll(async () => {
  await Promise.all([acme?.close(), globex?.close()]);
});

function setup() {
  const prefix = uniquePrefix('conn');
  const env = {
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    PIPEDRIVE_CONNECTIONS_FILE: join(dir, 'connections.yaml'),
    ACME_PIPEDRIVE_TOKEN: 'acme-token',
  };
  const config = loadConfig(env);
  const queues: Queue<LeadQueueJobData>[] = [];
  /** The rows waiting on a connection's queue, by line, each with the id of its job (a chunk at the default). */
  const jobsOn = async (connection: string) => {
    const queue = new Queue<LeadQueueJobData>(leadQueueName(connection), { connection: redis, prefix });
    queues.push(queue);
    return (await queue.getJobs(['prioritized'], 0, -1))
      .flatMap((job) =>
        (isChunkJobData(job.data) ? job.data.rows : [job.data]).map((data) => ({ id: job.id, data })),
      )
      .sort((a, b) => a.data.line - b.data.line);
  };
  const close = () => Promise.all(queues.map((q) => q.close()));
  return { prefix, env, config, ledger: new ImportLedger(redis, prefix), jobsOn, close };
}

describe('one file through two connections of one company (a connection renamed)', () => {
  it('is refused before anything is written, naming the earlier import and both ways on; --import-id imports it again, warned', async () => {
    const { env, ledger, jobsOn, close } = setup();
    const renamedFile = join(dir, 'renamed.yaml');
    writeFileSync(
      renamedFile,
      `connections:\n  acme:\n    base_url: ${acme.url}\n    api_token_env: ACME_PIPEDRIVE_TOKEN\n  acme-renamed:\n    base_url: ${acme.url}\n    api_token_env: ACME_PIPEDRIVE_TOKEN\n  globex:\n    base_url: ${globex.url}\n    api_token_file: globex-token\n`,
    );
    const config = loadConfig({ ...env, PIPEDRIVE_CONNECTIONS_FILE: renamedFile });
    const file = join(dir, 'leads.csv');
    const first = await importCsv({ file, config, redis, connection: 'acme' });
    // The operator renamed acme to acme-renamed in the file and runs the import again under the new name: its
    // default id is another (it includes the connection), and its rows would be created in Acme a second time.
    const refused = importCsv({ file, config, redis, connection: 'acme-renamed' });
    await expect(refused).rejects.toThrow(
      `leads.csv was imported before into the same Pipedrive company (5101), as import ${first.importId} (connection acme: 0 leads created, 2 rows pending): a new import through acme-renamed creates those leads again. If acme-renamed is acme renamed, name it acme again in the connections file and run the import with --connection acme to go on with that one; to import the file again anyway, pass --import-id with a new id.`,
    );
    expect((await ledger.listImports()).map((r) => r.importId)).toEqual([first.importId]);
    expect(await jobsOn('acme-renamed')).toEqual([]);

    // Asked for by name: a second import, with the same words as a warning.
    const again = await importCsv({
      file,
      config,
      redis,
      connection: 'acme-renamed',
      importId: 'acme-again',
    });
    expect(again).toMatchObject({ importId: 'acme-again', enqueued: 2 });
    expect(again.warnings).toContain(
      `leads.csv was imported before into the same Pipedrive company (5101), as import ${first.importId} (connection acme: 0 leads created, 2 rows pending): a new import through acme-renamed creates those leads again.`,
    );
    // A new id through the same connection: warned too, naming the newest earlier import.
    const third = await importCsv({
      file,
      config,
      redis,
      connection: 'acme-renamed',
      importId: 'acme-third',
    });
    expect(third.warnings).toContain(
      'leads.csv was imported before through acme-renamed, as import acme-again (connection acme-renamed: 0 leads created, 2 rows pending): a new import of it creates those leads again.',
    );
    // Another company is not concerned.
    const intoGlobex = await importCsv({ file, config, redis, connection: 'globex' });
    expect(intoGlobex.warnings.filter((w) => w.includes('imported before'))).toEqual([]);
    await close();
  });
});

describe('one file into two companies', () => {
  it('is two imports, each on its connection’s queue, with a record that names it', async () => {
    const { config, ledger, jobsOn, close } = setup();
    const file = join(dir, 'leads.csv');
    const intoAcme = await importCsv({ file, config, redis, connection: 'acme' });
    const intoGlobex = await importCsv({ file, config, redis, connection: 'globex' });

    expect(intoAcme.importId).not.toBe(intoGlobex.importId);
    expect(intoAcme).toMatchObject({ connection: 'acme', rows: 3 });
    expect(intoGlobex).toMatchObject({ connection: 'globex', rows: 3 });
    expect(await ledger.getImport(intoAcme.importId)).toMatchObject({
      connection: 'acme',
      state: 'enqueued',
    });
    expect(await ledger.getImport(intoGlobex.importId)).toMatchObject({ connection: 'globex' });

    const acmeJobs = await jobsOn('acme');
    const globexJobs = await jobsOn('globex');
    // Each import's two valid rows make one short chunk (10 rows per job by default).
    expect(acmeJobs.map((j) => [j.id, j.data.line])).toEqual([
      [`${intoAcme.importId}-c0`, 2],
      [`${intoAcme.importId}-c0`, 4],
    ]);
    expect(globexJobs.map((j) => [j.id, j.data.line])).toEqual([
      [`${intoGlobex.importId}-c0`, 3],
      [`${intoGlobex.importId}-c0`, 4],
    ]);
    // Nothing waits on the default connection's queue.
    expect(await jobsOn('default')).toEqual([]);
    expect(leadQueueName('default')).toBe(LEAD_QUEUE);
    await close();
  });

  it("binds each import to its own company's users and labels, read from that company's Pipedrive", async () => {
    const { config, jobsOn, close } = setup();
    const file = join(dir, 'leads.csv');
    const acmeBefore = acme.requests().length;
    const globexBefore = globex.requests().length;

    const intoAcme = await importCsv({ file, config, redis, connection: 'acme' });
    const acmeCalls = acme.requests().length - acmeBefore;
    expect(acmeCalls).toBeGreaterThan(0);
    expect(globex.requests().length).toBe(globexBefore);

    const intoGlobex = await importCsv({ file, config, redis, connection: 'globex' });
    expect(acme.requests().length - acmeBefore).toBe(acmeCalls);
    expect(globex.requests().length).toBeGreaterThan(globexBefore);

    // Acme: Dana owns line 2; there is no VIP label, so line 3 is refused.
    expect(intoAcme.firstRejects).toEqual([
      expect.objectContaining({ line: 3, reason: expect.stringMatching(/"VIP" is not a lead label/) }),
    ]);
    // Globex: Dana left, so line 2 is refused; its own VIP label takes line 3.
    expect(intoGlobex.firstRejects).toEqual([
      expect.objectContaining({ line: 2, reason: expect.stringMatching(/dana@sandbox\.example/) }),
    ]);
    const [acmeLine2, acmeLine4] = await jobsOn('acme');
    expect(acmeLine2?.data.lead).toMatchObject({ owner_id: 6, label_ids: [LEAD_LABEL_IDS.hot] });
    expect(acmeLine4?.data.lead.label_ids).toEqual([LEAD_LABEL_IDS.warm]);
    const [globexLine3] = await jobsOn('globex');
    expect(globexLine3?.data.line).toBe(3);
    expect(globexLine3?.data.lead.label_ids).toEqual([vipLabelId]);
    await close();
  });

  it("counts each company's rejected rows once in /metrics (lead_importer_rows_rejected_total)", async () => {
    const { prefix, config, close } = setup();
    const file = join(dir, 'leads.csv');
    await importCsv({ file, config, redis, connection: 'acme' });
    await importCsv({ file, config, redis, connection: 'globex' });
    // The same command again records nothing new: its rejected row is counted once.
    await importCsv({ file, config, redis, connection: 'acme' });
    const limits = { burstPer2s: 20, dailyTokens: 30_000 };
    const dashboard = await startDashboard({
      redis,
      prefix,
      limits,
      connectionLimits: new Map([
        ['acme', limits],
        ['globex', limits],
      ]),
      port: 0,
    });
    try {
      const { samples } = parsePrometheusText(await (await fetch(`${dashboard.url}/metrics`)).text());
      for (const connection of ['acme', 'globex']) {
        expect(sampleValue(samples, 'lead_importer_import_rows', { connection, outcome: 'rejected' })).toBe(
          1,
        );
        expect(sampleValue(samples, 'lead_importer_rows_rejected_total', { connection })).toBe(1);
      }
    } finally {
      await dashboard.close();
      await close();
    }
  });

  it("estimates with each company's plan, seats and budget", async () => {
    const { config } = setup();
    const file = join(dir, 'leads.csv');
    const acmeRun = await importCsv({ file, config, connection: 'acme', dryRun: true, offline: true });
    const globexRun = await importCsv({ file, config, connection: 'globex', dryRun: true, offline: true });
    // Lite, 1 seat: 30,000 tokens a day, 20 requests per 2 s; Growth, 3 seats: 180,000 and 40. 10 % kept back.
    expect(acmeRun.estimate.usableTokensPerDay).toBe(27_000);
    expect(globexRun.estimate.usableTokensPerDay).toBe(162_000);
    expect(globexRun.estimate.apiTimeMs).toBeLessThan(acmeRun.estimate.apiTimeMs);
  });

  it('refuses an --import-id of another connection’s import, and a connection there is not', async () => {
    const { config } = setup();
    const file = join(dir, 'leads.csv');
    await importCsv({ file, config, redis, connection: 'acme', importId: 'shared-id' });
    await expect(
      importCsv({ file, config, redis, connection: 'globex', importId: 'shared-id' }),
    ).rejects.toThrow(
      'Import shared-id goes to connection "acme", not "globex": pass another --import-id to import leads.csv into "globex".',
    );
    await expect(importCsv({ file, config, redis, connection: 'initech' })).rejects.toThrow(ConfigError);
    // Several connections and none named default: the company must be named.
    await expect(importCsv({ file, config, redis })).rejects.toThrow(/name one with --connection NAME/);
  });

  it('`import --connection NAME --json` says which connection, and an unknown name exits 2 listing the names', async () => {
    const { env, ledger } = setup();
    const ok = await runCli(['import', join(dir, 'leads.csv'), '--connection', 'globex', '--json'], env);
    expect(ok.stderr).toBe('');
    const summary = JSON.parse(ok.stdout);
    expect(summary).toMatchObject({ connection: 'globex', rows: 3, enqueued: 2, rejected: 1 });
    expect(ok.code).toBe(3);
    expect((await ledger.getImport(summary.importId))?.connection).toBe('globex');

    // A file that needs no reference data (owners, labels) is queued without the secret (the workers may hold it
    // elsewhere), but not without a word; one that needs it stops with the same reason.
    const { ACME_PIPEDRIVE_TOKEN: _, ...unset } = env;
    const plain = join(dir, 'plain.csv');
    writeFileSync(plain, 'Name,Email,Company\nAna Acme,ana@example.com,Initech\n');
    const noSecret = await runCli(['import', plain, '--connection', 'acme', '--json'], unset);
    expect(JSON.parse(noSecret.stdout)).toMatchObject({ connection: 'acme', enqueued: 1 });
    const reason =
      /connections\.yaml:\d+:\d+: connection "acme": api_token_env: ACME_PIPEDRIVE_TOKEN is not set \(or empty\)\. Set it in the environment of this process\./;
    expect(noSecret.stderr).toMatch(
      new RegExp(
        `^Warning: connection "acme" has no Pipedrive credentials here: .*${reason.source} Workers need them to process these rows; where they run with the secret set, nothing is wrong\\.\\n$`,
      ),
    );
    const needsSecret = await runCli(['import', join(dir, 'leads.csv'), '--connection', 'acme'], unset);
    expect(needsSecret.code).toBe(2);
    expect(needsSecret.stderr).toMatch(reason);

    const bad = await runCli(['import', join(dir, 'leads.csv'), '--connection', 'acem'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /Unknown connection "acem": PIPEDRIVE_CONNECTIONS_FILE \(.*\) defines acme, globex/,
    );
  });
});

describe('without a connections file', () => {
  it('imports into the default connection as before: same import id, lead-import queue', async () => {
    const prefix = uniquePrefix('conn');
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PIPEDRIVE_BASE_URL: acme.url,
      PIPEDRIVE_API_TOKEN: 'acme-token',
    });
    const fixture = join(import.meta.dirname, '../fixtures/csv/header-variants.csv');
    // The id an import of this file got before connections existed: re-running its command resumes it.
    const dry = await importCsv({ file: fixture, config, dryRun: true, offline: true });
    expect(dry.importId).toBe('imp-9f80ddbfacab');
    const summary = await importCsv({ file: fixture, config, redis });
    expect(summary).toMatchObject({ importId: 'imp-9f80ddbfacab', connection: 'default', enqueued: 1 });
    const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: redis, prefix });
    // Its one row in a chunk of one (10 rows per job by default).
    expect((await queue.getJobs(['prioritized'])).map((j) => j.id)).toEqual(['imp-9f80ddbfacab-c0']);
    await queue.close();
    expect((await new ImportLedger(redis, prefix).getImport(summary.importId))?.connection).toBe('default');
  });
});
