/**
 * `revert --include-contacts` read leads and persons before deleting a contact the import created, but not deals: a
 * deal someone made on the import's person, or the deal one of its leads was converted into, was left naming a
 * deleted person and organization. Now a contact any deal names (open, won or lost) stays, counted among the kept
 * contacts with its reason; one with no deal, or only a deleted one, is still deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_COSTS } from '../../src/pipedrive/token-costs.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { sandboxClient } from '../sandbox/sandbox-client.js';
import { finished } from '../worker/helpers.js';
import { runCli } from './run-cli.js';
import { enqueue, testOps } from './seed.js';

const redis = testRedis();
const ctx = testOps(redis);
let sandbox: RunningSandbox;
const ids: Record<string, number> = {};

const env = () => ({
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: ctx.prefix,
  PIPEDRIVE_BASE_URL: sandbox.url,
  PIPEDRIVE_API_TOKEN: sandbox.apiToken,
});

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
    const rows = [
      ['Ana Open', 'ana@acme.example', 'Acme'],
      ['Bo Plain', 'bo@bolt.example', 'Bolt'],
      ['Cy Converted', 'cy@cyan.example', 'Cyan'],
      ['Di Deleted', 'di@dart.example', 'Dart'],
      ['Eve Won', 'eve@echo.example', 'Echo'],
    ];
    await ctx.ledger.createImport({
      importId: 'imp-deals',
      fileName: 'deals.csv',
      fileSize: 1,
      fileHash: 'imp-deals',
      mapping: null,
      header: ['Name', 'Email', 'Company'],
      createdAt: Date.now(),
    });
    await enqueue(
      ctx,
      'imp-deals',
      rows.map((cells, i) => ({ line: i + 2, cells })),
    );
    await ctx.ledger.setCounters('imp-deals', { rows: rows.length });
    await ctx.ledger.setState('imp-deals', 'enqueued');
    await finished(ctx.ledger, 'imp-deals');
  } finally {
    await worker.close();
  }
  const exported = sandbox.export();
  for (const c of [...exported.persons, ...exported.organizations]) ids[c.name] = c.id;

  // Since the import, someone used its contacts in deals (in the app: not within the token's burst window).
  sandbox.configure({ limits: false });
  const api = sandboxClient(sandbox);
  const deal = async (body: Record<string, unknown>) => {
    const res = await api.post('/api/v2/deals', body);
    if (res.status !== 200) throw new Error(res.text);
    return res.body.data.id as number;
  };
  await deal({ title: 'Made by hand', person_id: ids['Ana Open'] });
  await deal({ title: 'Lost to a rival', org_id: ids.Bolt, status: 'lost' });
  await deal({ title: 'Signed', person_id: ids['Eve Won'], status: 'won' });
  await api.del(`/api/v2/deals/${await deal({ title: 'Mistake', person_id: ids['Di Deleted'] })}`);
  const cyLead = exported.leads.find((l) => l.person_id === ids['Cy Converted'])!;
  const conversion = await api.post(`/api/v2/leads/${cyLead.id}/convert/deal`, {});
  if (conversion.status !== 200) throw new Error(conversion.text);
  sandbox.configure({ limits: true });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await ctx.close();
});

describe('revert --include-contacts of an import whose contacts deals name', () => {
  it('shows the cost of every check and delete, at most', async () => {
    const { code, stdout } = await runCli(['revert', 'imp-deals', '--include-contacts'], env());
    expect(code).toBe(0);
    expect(stdout).toContain('would delete 5 leads, 5 persons, 5 organizations it created');
    // users/me (2) checking the credentials; 5 leads × 6; 5 persons × (3 to delete + 20 for a page of their leads)
    // + 10 for the deals of all 5 in one call; 5 organizations × (3 + 20 + 10 for a page of their persons) + 10 for
    // their deals.
    expect(stdout).toContain('Cost: at most 332 tokens');
    expect(stdout).toContain('each it created that a deal, lead or person made since uses');
  });

  it('keeps each contact a deal names (open, won, lost, or made from its lead), says why, and deletes the rest', async () => {
    const charged = sandbox.state().tokensUsed;
    const { code, stdout, stderr } = await runCli(
      ['revert', 'imp-deals', '--include-contacts', '--yes'],
      env(),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      // Cy's lead became a deal, so it was gone already: not deleted by revert, and said so.
      'Deleted 4 leads, 2 persons and 1 organizations of import imp-deals.\n' +
        '1 of its leads was gone before revert came (converted into a deal, or deleted by hand): not deleted by revert.\n' +
        'Kept 3 persons and 4 organizations it created, as something made since uses them: ' +
        'deals name 3 persons and 2 organizations; persons are in 2 organizations.\n',
    );

    const after = sandbox.export();
    const live = (items: { name: string; is_deleted: boolean }[]) =>
      items
        .filter((i) => !i.is_deleted)
        .map((i) => i.name)
        .sort();
    // Ana's open deal, Cy's deal made from his lead, Eve's won deal keep them; Bo has no deal, Di only a deleted one.
    expect(live(after.persons)).toEqual(['Ana Open', 'Cy Converted', 'Eve Won']);
    // Bolt's lost deal and Cyan's converted one keep them; Acme and Echo keep their kept persons; Dart goes.
    expect(live(after.organizations)).toEqual(['Acme', 'Bolt', 'Cyan', 'Echo']);
    expect(after.leads).toEqual([]);
    // Every deal not deleted still names contacts that exist.
    const isLive = (items: { id: number; is_deleted: boolean }[], id: number | null) =>
      id === null || items.some((c) => c.id === id && !c.is_deleted);
    for (const d of after.deals.filter((d) => !d.is_deleted)) {
      expect(isLive(after.persons, d.person_id), `deal "${d.title}" names person ${d.person_id}`).toBe(true);
      expect(isLive(after.organizations, d.org_id), `deal "${d.title}" names organization ${d.org_id}`).toBe(
        true,
      );
    }

    // Charged: users/me checking the credentials; 5 lead deletes (the converted lead's 404 too); the persons' deals
    // in one call, leads of the 2 no deal names, their deletes; the organizations' deals in one call, leads and
    // persons of the 3 no deal names, Dart's delete. Less than the plan's 332: a kept contact is not checked further.
    const persons =
      TOKEN_COSTS['persons.list'] + 2 * TOKEN_COSTS['leads.list'] + 2 * TOKEN_COSTS['persons.delete'];
    const organizations =
      TOKEN_COSTS['organizations.list'] +
      3 * (TOKEN_COSTS['leads.list'] + TOKEN_COSTS['persons.list']) +
      TOKEN_COSTS['organizations.delete'];
    expect(sandbox.state().tokensUsed - charged).toBe(
      TOKEN_COSTS['users.me'] + 5 * TOKEN_COSTS['leads.delete'] + persons + organizations,
    );
    expect(TOKEN_COSTS['users.me'] + 5 * 6 + persons + organizations).toBe(191);
  });

  it('checks the kept contacts again on a second run, and keeps them again, each with its reason', async () => {
    const plan = await runCli(['revert', 'imp-deals', '--include-contacts'], env());
    expect(plan.stdout).toContain('would delete 0 leads, 3 persons, 4 organizations');
    const { code, stdout } = await runCli(
      ['revert', 'imp-deals', '--include-contacts', '--yes', '--json'],
      env(),
    );
    expect(code).toBe(0);
    const { result } = JSON.parse(stdout);
    expect(result.deleted).toEqual({ notes: 0, leads: 0, persons: 0, organizations: 0 });
    expect(result.inUse).toEqual({ persons: 3, organizations: 4 });
    const kept = (result.kept as { kind: string; id: number; reason: string }[])
      .map((k) => `${k.kind} ${k.id} ${k.reason}`)
      .sort();
    expect(kept).toEqual(
      [
        `person ${ids['Ana Open']} deals`,
        `person ${ids['Cy Converted']} deals`,
        `person ${ids['Eve Won']} deals`,
        `organization ${ids.Acme} persons`,
        `organization ${ids.Bolt} deals`,
        `organization ${ids.Cyan} deals`,
        `organization ${ids.Echo} persons`,
      ].sort(),
    );
  });
});
