import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { cancelImport } from '../../src/ops/cancel.js';
import { pauseAll, resumeAll } from '../../src/ops/control.js';
import { listDeadLetters, retryDeadLetters } from '../../src/ops/dead-letters.js';
import { createOpsContext, limitsByConnection, limitsFromConfig } from '../../src/ops/ops-context.js';
import { writeReport } from '../../src/ops/report.js';
import { getStatus, listStatuses } from '../../src/ops/status.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { jobIdFor } from '../../src/queue/names.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { runCli } from './run-cli.js';
import { type SeedRow, seedImport } from './seed.js';

/**
 * Two companies on two sandboxes with tokens of their own, and imports into each (plus one into default):
 * every operation acts on an import's own connection — its queue, its flags, its Pipedrive.
 */
const redis = testRedis();
const prefix = uniquePrefix('opsconn');
let acme: RunningSandbox;
let globex: RunningSandbox;
let env: Record<string, string>;
let ctx: ReturnType<typeof createOpsContext>;

const rows = (tag: string): SeedRow[] => [
  { line: 2, cells: [`${tag} A`, `a@${tag}.example`, tag], outcome: 'pending' },
  {
    line: 3,
    cells: [`${tag} B`, `b@${tag}.example`, tag],
    outcome: 'dead-lettered',
    errorClass: 'PipedriveServerError',
    httpStatus: 503,
    message: `${tag} was down`,
  },
];

/** A lead, its person and its organization made in a company, as an import's worker would have. */
async function createdIn(
  sandbox: RunningSandbox,
  token: string,
  tag: string,
  line: number,
): Promise<SeedRow> {
  const client = new PipedriveClient({ baseUrl: sandbox.url, apiToken: token });
  const org = await client.addOrganization({ name: `${tag} Org ${line}` });
  const person = await client.addPerson({ name: `${tag} Person ${line}`, org_id: org.id });
  const lead = await client.addLead({
    title: `${tag} lead ${line}`,
    person_id: person.id,
    organization_id: org.id,
  });
  return {
    line,
    cells: [`${tag} Person ${line}`, `p${line}@${tag}.example`, `${tag} Org ${line}`],
    outcome: 'created',
    leadId: lead.id,
    personId: person.id,
    organizationId: org.id,
    personCreated: true,
    organizationCreated: true,
  };
}

beforeAll(async () => {
  [acme, globex] = await Promise.all([
    startSandbox({ port: 0, apiToken: 'acme-token' }),
    startSandbox({ port: 0, apiToken: 'globex-token', plan: 'premium' }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'lpi-ops-connections-'));
  writeFileSync(
    join(dir, 'connections.yaml'),
    `connections:
  default:
    base_url: https://nowhere.invalid
    api_token_env: NOT_USED_HERE
  acme:
    base_url: ${acme.url}
    api_token_env: ACME_TOKEN
  globex:
    base_url: ${globex.url}
    api_token_env: GLOBEX_TOKEN
    plan: premium
`,
  );
  env = {
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    PIPEDRIVE_CONNECTIONS_FILE: join(dir, 'connections.yaml'),
    ACME_TOKEN: 'acme-token',
    GLOBEX_TOKEN: 'globex-token',
  };
  const config = loadConfig(env);
  ctx = createOpsContext({
    redis,
    prefix,
    limits: limitsFromConfig(config),
    connectionLimits: limitsByConnection(config),
  });
  // The same person and organization ids exist in both companies: a delete in the wrong one would show.
  const acmeCreated = await createdIn(acme, 'acme-token', 'acme', 4);
  const globexCreated = await createdIn(globex, 'globex-token', 'globex', 4);
  expect(acmeCreated).toMatchObject({ personId: 1, organizationId: 1 });
  expect(globexCreated).toMatchObject({ personId: 1, organizationId: 1 });
  await seedImport(ctx, 'imp-acme', [...rows('acme'), acmeCreated], { connection: 'acme' });
  await seedImport(ctx, 'imp-globex', [...rows('globex'), globexCreated], { connection: 'globex' });
  await seedImport(ctx, 'imp-default', rows('default'));
}, 60_000);

afterAll(async () => {
  await ctx?.close();
  await Promise.all([acme?.close(), globex?.close()]);
});

describe('status by connection', () => {
  it('lists every import with its connection, or only one connection’s', async () => {
    expect((await listStatuses(ctx)).map((s) => `${s.importId}:${s.connection}`).sort()).toEqual([
      'imp-acme:acme',
      'imp-default:default',
      'imp-globex:globex',
    ]);
    expect((await listStatuses(ctx, 20, Date.now(), { connection: 'acme' })).map((s) => s.importId)).toEqual([
      'imp-acme',
    ]);
    // The ETA uses the import's own company's burst limit: Premium allows five times Lite's.
    const [a, g] = await Promise.all([getStatus(ctx, 'imp-acme'), getStatus(ctx, 'imp-globex')]);
    expect(a.etaMs).toBeGreaterThan(0);
    expect(g.etaMs).toBeLessThan(a.etaMs!);
  });

  it('shows a block on the connection it belongs to only', async () => {
    await redis.hset(ctx.keys.connectionControl('acme'), {
      blockedReason: 'acme token revoked',
      blockedAt: 1,
    });
    try {
      expect(await getStatus(ctx, 'imp-acme')).toMatchObject({
        state: 'blocked',
        stateText: 'blocked: acme token revoked',
      });
      expect((await getStatus(ctx, 'imp-globex')).state).toBe('running');
      expect((await getStatus(ctx, 'imp-default')).state).toBe('running');
    } finally {
      await redis.hdel(ctx.keys.connectionControl('acme'), 'blockedReason', 'blockedAt');
    }
  });

  it('`status --connection NAME --json` filters and names the connection; a wrong pairing exits 2', async () => {
    const list = await runCli(['status', '--connection', 'globex', '--json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((s: { importId: string; connection: string }) => s)).toEqual([
      expect.objectContaining({ importId: 'imp-globex', connection: 'globex' }),
    ]);
    const one = await runCli(['status', 'imp-acme', '--json'], env);
    expect(JSON.parse(one.stdout)).toMatchObject({ importId: 'imp-acme', connection: 'acme', pending: 1 });

    const table = await runCli(['status'], env);
    expect(table.stdout).toMatch(/^IMPORT\s+CONNECTION\s+FILE\s+STATE/);
    expect(table.stdout).toMatch(/imp-globex\s+globex\s+imp-globex\.csv/);

    const wrong = await runCli(['status', 'imp-acme', '--connection', 'globex'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      'Import "imp-acme" goes to connection "acme", not "globex". Check the import id, or name its connection: --connection acme.',
    );
    const unknown = await runCli(['status', '--connection', 'initech'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown connection "initech": .* defines default, acme, globex/);
  });
});

describe('the dead-letter queue by connection', () => {
  it('lists one connection’s rows, each entry naming its connection', async () => {
    const all = await listDeadLetters(ctx);
    expect(all.map((e) => `${e.importId}:${e.connection}`).sort()).toEqual([
      'imp-acme:acme',
      'imp-default:default',
      'imp-globex:globex',
    ]);
    expect((await listDeadLetters(ctx, { connection: 'globex' })).map((e) => e.message)).toEqual([
      'globex was down',
    ]);
    const cli = await runCli(['dlq', 'list', '--connection', 'acme'], env);
    expect(cli.stdout).toMatch(/^IMPORT\s+CONNECTION\s+LINE/);
    expect(cli.stdout).toContain('acme was down');
    expect(cli.stdout).not.toContain('globex was down');
    const refused = await runCli(['dlq', 'purge', '--import', 'imp-acme', '--connection', 'globex'], env);
    expect(refused.code).toBe(2);
    expect((await listDeadLetters(ctx, { importId: 'imp-acme' })).length).toBe(1);
  });

  it('retries a row onto its import’s connection’s queue, not the default one', async () => {
    const summary = await retryDeadLetters(ctx, { connection: 'acme' });
    expect(summary).toMatchObject({ requeued: 1, refused: 0 });
    const id = jobIdFor('imp-acme', 3);
    expect(await ctx.leadQueueOf('acme').getJobState(id)).toMatch(/prioritized|delayed/);
    expect(await ctx.leadQueue.getJob(id)).toBeUndefined();
    expect(await ctx.leadQueueOf('globex').getJob(id)).toBeUndefined();
    // Only acme's row moved.
    expect((await listDeadLetters(ctx)).map((e) => e.importId).sort()).toEqual(['imp-default', 'imp-globex']);
  });
});

describe("operations on an import's own queue", () => {
  it("report reads a pending row's cells from its connection's queue", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lpi-report-')), 'report.csv');
    const summary = await writeReport(ctx, { importId: 'imp-globex', out });
    expect(summary.byOutcome.pending).toBe(1);
    expect(summary.rowsWithInput).toBeGreaterThanOrEqual(2);
    expect(readFileSync(out, 'utf8')).toContain('globex A,a@globex.example,globex');
    await expect(writeReport(ctx, { importId: 'imp-globex', out, connection: 'acme' })).rejects.toThrow(
      /goes to connection "globex", not "acme"/,
    );
  });

  it('pause holds every connection’s queue, resume frees them all', async () => {
    await pauseAll(ctx);
    try {
      for (const c of ['default', 'acme', 'globex'])
        expect(await ctx.leadQueueOf(c).isPaused(), c).toBe(true);
      expect((await getStatus(ctx, 'imp-globex')).state).toBe('paused');
    } finally {
      await resumeAll(ctx);
    }
    for (const c of ['default', 'acme', 'globex']) expect(await ctx.leadQueueOf(c).isPaused(), c).toBe(false);
  });

  it("cancel removes the import's jobs from its connection's queue", async () => {
    // Lead jobs wait in BullMQ's prioritized set (every one has a priority: fair turns between imports).
    const before = await ctx.leadQueueOf('globex').getJobCounts('prioritized');
    expect(before.prioritized).toBe(1);
    expect(await cancelImport(ctx, 'imp-globex')).toEqual({
      importId: 'imp-globex',
      cancelled: 1,
      inFlight: 0,
    });
    expect((await ctx.leadQueueOf('globex').getJobCounts('prioritized')).prioritized).toBe(0);
    // Acme's rows are still there.
    expect(
      (await ctx.leadQueueOf('acme').getJobCounts('prioritized', 'delayed')).prioritized,
    ).toBeGreaterThan(0);
  });
});

describe('revert by connection', () => {
  // A deleted lead leaves the export; deleted persons and organizations stay, marked.
  const live = (items: { id: number | string; is_deleted?: boolean }[]) =>
    items.filter((i) => !i.is_deleted).map((i) => i.id);

  it("deletes in the import's own company with its credentials, and nowhere else", async () => {
    const globexBefore = globex.export();
    const acmeCalls = acme.requests().length;
    const run = await runCli(['revert', 'imp-acme', '--include-contacts', '--yes'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Deleted 1 leads, 1 persons and 1 organizations of import imp-acme.\n');
    const acmeAfter = acme.export();
    expect(live(acmeAfter.leads)).toEqual([]);
    expect(live(acmeAfter.persons)).toEqual([]);
    expect(live(acmeAfter.organizations)).toEqual([]);
    expect(acme.requests().length).toBeGreaterThan(acmeCalls);
    // Globex's person 1, organization 1 and lead are untouched: its sandbox was not even called.
    expect(globex.export()).toEqual(globexBefore);
    expect(live(globex.export().persons)).toEqual([1]);

    const plan = await runCli(['revert', 'imp-globex', '--include-contacts'], env);
    expect(plan.stdout).toContain('Reverting import imp-globex (connection globex) would delete 1 leads');
    const second = await runCli(['revert', 'imp-globex', '--include-contacts', '--yes'], env);
    expect(second.code).toBe(0);
    expect(live(globex.export().leads)).toEqual([]);
    expect(live(globex.export().persons)).toEqual([]);
  });

  it('lists, reports and filters the stored imports of a connection the configuration no longer defines', async () => {
    // acme removed from the file with its import stored: still listed by its name, not an unknown connection.
    const withoutAcme = { ...env, PIPEDRIVE_CONNECTIONS_FILE: '' };
    const listed = await runCli(['status', '--connection', 'acme', '--json'], withoutAcme);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((s: { importId: string }) => s.importId)).toContain('imp-acme');
    const one = await runCli(['status', 'imp-acme', '--connection', 'acme', '--json'], withoutAcme);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ importId: 'imp-acme', connection: 'acme' });
    const dlq = await runCli(['dlq', 'list', '--connection', 'acme', '--json'], withoutAcme);
    expect(dlq.code).toBe(0);
    // A name no configuration defines and no import went to is still an unknown connection.
    const unknown = await runCli(['status', '--connection', 'acem'], withoutAcme);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown connection "acem"');
  });

  it('refuses to revert an import whose connection the configuration no longer defines', async () => {
    const withoutAcme = { ...env, PIPEDRIVE_CONNECTIONS_FILE: '' };
    // The plan (without --yes) is refused the same way: it never promises a deletion --yes would refuse.
    for (const args of [
      ['revert', 'imp-acme', '--yes'],
      ['revert', 'imp-acme'],
      ['verify', 'imp-acme'],
    ]) {
      const run = await runCli(args, withoutAcme);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout, args.join(' ')).not.toContain('would delete');
      expect(run.stderr).toContain(
        `Import imp-acme went to connection "acme", which the PIPEDRIVE_* variables (without PIPEDRIVE_CONNECTIONS_FILE) does not define: define it again, with the same company's URL and credentials, to ${args[0]} this import.`,
      );
    }
  });
});
