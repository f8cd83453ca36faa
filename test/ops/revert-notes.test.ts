/**
 * `revert` deleted an import's notes by id before its leads. A lead someone had converted into a deal since has its
 * notes on the deal now, so revert destroyed the salesperson's note on a live deal; so it did with a note someone had
 * moved. Now the leads go first, and a note goes only after revert deleted its own lead (in this run or an earlier
 * one), and only while it is still on that lead (read first, 2 tokens). A note whose lead was gone before revert came
 * is not touched. Revert says how many notes it kept and why, and keeps to that when interrupted (a spent budget, a
 * lost response, a crash between a delete and its record) and run again.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGuardedPipedrive } from '../../src/ops/guarded-pipedrive.js';
import { type RevertOptions, revertImport } from '../../src/ops/revert.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { BudgetSpentError } from '../../src/worker/errors.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { sandboxClient } from '../sandbox/sandbox-client.js';
import { finished } from '../worker/helpers.js';
import { runCli } from './run-cli.js';
import { enqueue, testOps } from './seed.js';

const redis = testRedis();
const ctx = testOps(redis);
let sandbox: RunningSandbox;
let api: ReturnType<typeof sandboxClient>;

/** Each row's lead and note, by the first name the row gives, per import. */
const rows: Record<string, Record<string, { line: number; leadId: string; noteId: number }>> = {};

const IMPORTS: Record<string, string[]> = {
  'imp-kept': ['Ana', 'Bo', 'Cy', 'Di', 'Eve'],
  'imp-budget': ['Ana', 'Bo', 'Cy', 'Di'],
  'imp-lost': ['Ana', 'Bo', 'Cy'],
};

const env = () => ({
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: ctx.prefix,
  PIPEDRIVE_BASE_URL: sandbox.url,
  PIPEDRIVE_API_TOKEN: sandbox.apiToken,
});

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, searchLagMs: 0 });
  api = sandboxClient(sandbox);
  const worker = createLeadWorker({
    redisUrl: testRedisUrl(),
    prefix: ctx.prefix,
    pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
    concurrency: 1,
    warmCache: 'never',
  });
  try {
    for (const [importId, names] of Object.entries(IMPORTS)) {
      await ctx.ledger.createImport({
        importId,
        fileName: `${importId}.csv`,
        fileSize: 1,
        fileHash: importId,
        mapping: null,
        header: ['Name', 'Email', 'Company'],
        createdAt: Date.now(),
      });
      const lines = names.map((name, i) => ({
        line: i + 2,
        cells: [`${name} ${importId}`, `${name.toLowerCase()}@${importId}.example`, `${name} ${importId} Co`],
        note: `${name}'s note`,
      }));
      await enqueue(ctx, importId, lines);
      await ctx.ledger.setCounters(importId, { rows: names.length });
      await ctx.ledger.setState(importId, 'enqueued');
    }
    for (const [importId, names] of Object.entries(IMPORTS)) {
      await finished(ctx.ledger, importId);
      const outcomes = await ctx.ledger.outcomes(
        importId,
        names.map((_, i) => i + 2),
      );
      rows[importId] = {};
      outcomes.forEach((o, i) => {
        if (o.state !== 'created' || o.noteId === undefined)
          throw new Error(`row ${i + 2} has no lead and note`);
        rows[importId]![names[i]!] = { line: i + 2, leadId: o.leadId, noteId: o.noteId };
      });
    }
  } finally {
    await worker.close();
  }
}, 90_000);

afterAll(async () => {
  await sandbox?.close();
  await ctx.close();
});

/** Since the import, someone worked on these leads in the app (not within the token's burst window). */
async function byHand(work: () => Promise<void>) {
  sandbox.configure({ limits: false });
  try {
    await work();
  } finally {
    sandbox.configure({ limits: true });
  }
}

async function convert(leadId: string): Promise<number> {
  const res = await api.post(`/api/v2/leads/${leadId}/convert/deal`, {});
  if (res.status !== 200) throw new Error(res.text);
  const status = await api.get(`/api/v2/leads/${leadId}/convert/status/${res.body.data.conversion_id}`);
  return status.body.data.deal_id as number;
}

/** The notes of the import's rows the sandbox still holds (wherever they are now), by id. */
function notes(importId: string) {
  const ours = new Set(Object.values(rows[importId]!).map((r) => r.noteId));
  return new Map(
    sandbox
      .export()
      .notes.filter((n) => ours.has(n.id))
      .map((n) => [n.id, n]),
  );
}

describe('revert of an import whose leads and notes someone worked on since', () => {
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    const r = rows['imp-kept']!;
    await byHand(async () => {
      // Bo's lead became a deal: his note moved to it. Eve's lead was deleted by hand.
      ids.boDeal = await convert(r.Bo!.leadId);
      await api.del(`/v1/leads/${r.Eve!.leadId}`);
      // Cy's note was moved to a deal made by hand; Di's to a lead made by hand. Their leads stay.
      const person = sandbox.export().persons.find((p) => p.name === 'Cy imp-kept')!.id;
      ids.cyDeal = (await api.post('/api/v2/deals', { title: 'Cy by hand', person_id: person })).body.data.id;
      expect(
        (await api.put(`/v1/notes/${r.Cy!.noteId}`, { deal_id: ids.cyDeal, lead_id: null })).status,
      ).toBe(200);
      const lead = await api.post('/v1/leads', { title: 'Di by hand', person_id: person });
      expect((await api.put(`/v1/notes/${r.Di!.noteId}`, { lead_id: lead.body.data.id })).status).toBe(200);
    });
  });

  it('deletes the leads, and only the notes still on a lead it deleted; keeps the others and says why', async () => {
    const r = rows['imp-kept']!;
    const plan = await runCli(['revert', 'imp-kept'], env());
    expect(plan.stdout).toContain('would delete 5 leads, their 5 notes it created');
    // users/me 2 + 5 leads × 6 + 5 notes × (2 to read + 6 to delete), at most.
    expect(plan.stdout).toContain('Cost: at most 72 tokens');

    const before = sandbox.state().tokensUsed;
    const { code, stdout, stderr } = await runCli(['revert', 'imp-kept', '--yes'], env());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      'Deleted 3 leads (and 1 notes) of import imp-kept.\n' +
        '2 of its leads were gone before revert came (converted into a deal, or deleted by hand): not deleted by revert.\n' +
        'Kept 4 notes it added: 2 as its lead was gone before revert came (converted into a deal, which holds the ' +
        'note now, or deleted by hand); 2 as it is on something else than its lead now (the deal its lead became, ' +
        'or where someone moved it).\n',
    );
    // users/me; the 5 lead deletes (Bo's and Eve's answer 404); the notes of the 3 leads it deleted are read, and
    // only Ana's, still on her lead, deleted. Bo's and Eve's notes are not even read.
    expect(sandbox.state().tokensUsed - before).toBe(2 + 5 * 6 + 3 * 2 + 6);

    const after = notes('imp-kept');
    expect(after.has(r.Ana!.noteId)).toBe(false);
    expect(after.get(r.Bo!.noteId)).toMatchObject({ deal_id: ids.boDeal, content: "Bo's note" });
    expect(after.get(r.Cy!.noteId)).toMatchObject({ deal_id: ids.cyDeal, content: "Cy's note" });
    expect(after.get(r.Di!.noteId)).toMatchObject({ content: "Di's note" });
    expect(after.get(r.Di!.noteId)!.lead_id).not.toBe(r.Di!.leadId);
    // Eve's lead was gone before revert came: her note is left as Pipedrive left it.
    expect(after.get(r.Eve!.noteId)).toMatchObject({ lead_id: r.Eve!.leadId, content: "Eve's note" });
    const leads = new Set(sandbox.export().leads.map((l) => l.id));
    expect(Object.values(r).filter((row) => leads.has(row.leadId))).toEqual([]);
    expect(sandbox.export().leads.filter((l) => l.title === 'Di by hand')).toHaveLength(1);
  });

  it('afterwards, status and report tell the leads revert deleted from those gone before it came', async () => {
    const r = rows['imp-kept']!;
    const text = await runCli(['status', 'imp-kept'], env());
    expect(text.stdout).toMatch(
      /rows 5 = created 5 \(5 reverted, 2 of them gone before revert came\) \+ rejected 0/,
    );
    expect(text.stdout).toContain(
      '  3 of its leads were deleted by `lead-importer revert`, and 2 were gone before revert came (converted into a deal, or deleted by hand); running the import again does not create them again\n',
    );
    const json = JSON.parse((await runCli(['status', 'imp-kept', '--json'], env())).stdout);
    expect(json).toMatchObject({ created: 5, reverted: 5, revertFoundGone: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'lpi-revert-notes-'));
    try {
      const out = join(dir, 'report.csv');
      expect((await runCli(['report', 'imp-kept', '--out', out], env())).code).toBe(0);
      const byLine = new Map(
        readFileSync(out, 'utf8')
          .trim()
          .split(/\r?\n/)
          .slice(1)
          .map((l) => [Number(l.split(',')[0]), l]),
      );
      expect(byLine.get(r.Ana!.line)).toContain('the lead was deleted by lead-importer revert');
      for (const name of ['Bo', 'Eve'])
        expect(byLine.get(r[name]!.line)).toContain(
          'the lead was gone before lead-importer revert came (converted into a deal, or deleted by hand)',
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('remembers the notes it kept: a second run reads none of them again, and says so', async () => {
    const r = rows['imp-kept']!;
    const plan = await runCli(['revert', 'imp-kept'], env());
    expect(plan.stdout).toContain('would delete 0 leads it created');
    expect(plan.stdout).toContain(
      'Notes an earlier revert run kept stay: 2 as its lead was gone before revert came; 2 as it is on something else than its lead.',
    );
    expect(plan.stdout).toContain('Cost: 2 tokens');
    const before = sandbox.state().tokensUsed;
    const { code, stdout } = await runCli(['revert', 'imp-kept', '--yes', '--json'], env());
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.plan).toMatchObject({
      leads: [],
      notes: [],
      notesKept: { leadGone: 2, moved: 2 },
      tokens: 2,
      calls: 1,
    });
    expect(out.result).toMatchObject({
      deleted: { notes: 0, leads: 0, persons: 0, organizations: 0 },
      notesKept: { leadGone: 0, moved: 0 },
      keptNotes: [],
    });
    expect(sandbox.state().tokensUsed - before).toBe(2);
    expect([...notes('imp-kept').keys()].sort()).toEqual(
      [r.Bo!.noteId, r.Cy!.noteId, r.Di!.noteId, r.Eve!.noteId].sort(),
    );
  });
});

describe('revert interrupted, then run again', () => {
  /** Pipedrive's client, with a budget of `calls` calls: the next one finds the daily budget spent. */
  function budgeted(calls: number): Pick<RevertOptions, 'api' | 'call'> {
    let left = calls;
    return {
      api: new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken }),
      call: (_operation, fn) =>
        left-- > 0 ? fn({}) : Promise.reject(new BudgetSpentError(Date.now() + 3_600_000, 27_000, 27_000)),
    };
  }

  it('keeps the converted lead’s note and deletes the others when the budget ran out between and within the steps', async () => {
    const r = rows['imp-budget']!;
    let boDeal = 0;
    await byHand(async () => {
      boDeal = await convert(r.Bo!.leadId);
    });

    // The budget lasts for Ana's lead delete and Bo's (404: converted). Bo's note is kept, unread.
    const first = await revertImport(ctx, { importId: 'imp-budget', concurrency: 1, ...budgeted(2) });
    expect(first).toMatchObject({
      deleted: { leads: 1, notes: 0 },
      leadsGoneBefore: 1,
      alreadyGone: 0,
      notesKept: { leadGone: 1, moved: 0 },
      keptNotes: [{ id: r.Bo!.noteId, leadId: r.Bo!.leadId, reason: 'leadGone' }],
    });
    expect(first.budgetSpentUntil).toBeGreaterThan(Date.now());
    expect(notes('imp-budget').size).toBe(4);

    // The next day's budget lasts for Cy's and Di's lead deletes and the read of Ana's note, not its delete.
    const second = await revertImport(ctx, { importId: 'imp-budget', concurrency: 1, ...budgeted(3) });
    expect(second).toMatchObject({ deleted: { leads: 2, notes: 0 }, notesKept: { leadGone: 0, moved: 0 } });
    expect(second.budgetSpentUntil).toBeGreaterThan(Date.now());
    expect(notes('imp-budget').has(r.Ana!.noteId)).toBe(true);

    // Then it runs to the end: each remaining note read and deleted, for what the plan said.
    const plan = JSON.parse((await runCli(['revert', 'imp-budget', '--json'], env())).stdout).plan;
    expect(plan).toMatchObject({ leads: [], notesKept: { leadGone: 1, moved: 0 } });
    expect(plan.notes.map((n: { id: number }) => n.id).sort()).toEqual(
      [r.Ana!.noteId, r.Cy!.noteId, r.Di!.noteId].sort(),
    );
    const before = sandbox.state();
    const { code, stdout, stderr } = await runCli(['revert', 'imp-budget', '--yes'], env());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe('Deleted 0 leads (and 3 notes) of import imp-budget.\n');
    const now = sandbox.state();
    expect(now.tokensUsed - before.tokensUsed).toBe(plan.tokens);
    expect(plan.tokens).toBe(2 + 3 * (2 + 6));
    expect(now.requests - now.rateLimited - (before.requests - before.rateLimited)).toBe(plan.calls);

    expect([...notes('imp-budget').values()].map((n) => [n.id, n.deal_id, n.content])).toEqual([
      [r.Bo!.noteId, boDeal, "Bo's note"],
    ]);
  });

  it('deletes the note of a lead whose delete it sent before and heard 404 for: a lost response, a crash', async () => {
    const r = rows['imp-lost']!;
    let boDeal = 0;
    await byHand(async () => {
      boDeal = await convert(r.Bo!.leadId);
    });
    const guarded = await openGuardedPipedrive({
      redis,
      prefix: ctx.prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
      plan: 'lite',
      auth: 'api_token',
      dailyTokens: 30_000,
    });
    const real = guarded.api;
    let lost = false;
    const api: RevertOptions['api'] = {
      deleteLead: async (id, o) => {
        if (id === r.Ana!.leadId && !lost) {
          // Pipedrive deletes Ana's lead, and the connection drops before the answer: the call is tried again.
          lost = true;
          sandbox.configure({ resetRate: 1, faultAfterWriteRatio: 1 });
          try {
            return await real.deleteLead(id, o);
          } finally {
            sandbox.configure({ resetRate: 0 });
          }
        }
        const deleted = await real.deleteLead(id, o);
        // The process dies right after Pipedrive deleted Cy's lead, before revert recorded it.
        if (id === r.Cy!.leadId) throw new Error('killed');
        return deleted;
      },
      getNote: (id, o) => real.getNote(id, o),
      deleteNote: (id, o) => real.deleteNote(id, o),
      deletePerson: (id, o) => real.deletePerson(id, o),
      deleteOrganization: (id, o) => real.deleteOrganization(id, o),
      listLeads: (q, o) => real.listLeads(q, o),
      listPersons: (q, o) => real.listPersons(q, o),
      listOrganizations: (q, o) => real.listOrganizations(q, o),
    };
    try {
      const first = await revertImport(ctx, {
        importId: 'imp-lost',
        concurrency: 1,
        api,
        call: guarded.call,
      });
      expect(lost).toBe(true);
      // The retry of Ana's delete heard 404, yet her note is hers, still on her lead: read, and deleted.
      // Bo's lead (converted) was gone before revert came; Ana's answered 404 to the retry of a delete revert sent.
      expect(first).toMatchObject({
        deleted: { leads: 0, notes: 1 },
        leadsGoneBefore: 1,
        alreadyGone: 1,
        notesKept: { leadGone: 1, moved: 0 },
        failed: [{ kind: 'lead', id: r.Cy!.leadId, error: 'killed' }],
      });
    } finally {
      await guarded.close();
    }
    expect(notes('imp-lost').has(r.Ana!.noteId)).toBe(false);
    expect(notes('imp-lost').has(r.Cy!.noteId)).toBe(true);

    // Run again: Cy's lead answers 404 to a delete revert had sent before, so his note is read, and deleted.
    const { code, stdout } = await runCli(['revert', 'imp-lost', '--yes', '--json'], env());
    expect(code).toBe(0);
    expect(JSON.parse(stdout).result).toMatchObject({
      deleted: { leads: 0, notes: 1 },
      // Cy's lead answered 404 to a delete revert had sent before: not gone before revert came.
      leadsGoneBefore: 0,
      alreadyGone: 1,
      notesKept: { leadGone: 0, moved: 0 },
      failed: [],
    });
    expect([...notes('imp-lost').values()].map((n) => [n.id, n.deal_id, n.content])).toEqual([
      [r.Bo!.noteId, boDeal, "Bo's note"],
    ]);
  });
});
