import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderImportDetail } from '../../src/dashboard/imports-page.js';
import { readImportDetail } from '../../src/dashboard/overview.js';
import { getStatus } from '../../src/ops/status.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { PipedriveRateLimitError } from '../../src/pipedrive/errors.js';
import { RowState } from '../../src/queue/ledger.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { workUntilFinished } from '../worker/helpers.js';
import { runCli } from './run-cli.js';
import { testOps } from './seed.js';

const redis = testRedis();
const ctx = testOps(redis);
let sandbox: RunningSandbox;
let client: PipedriveClient;
let dir: string;
let file: string;

const env = () => ({
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: ctx.prefix,
  PIPEDRIVE_BASE_URL: sandbox.url,
  PIPEDRIVE_API_TOKEN: sandbox.apiToken,
  PIPEDRIVE_PLAN: 'growth',
});

// Lines 2–9. Line 7 has no person (its lead hangs on the organization), line 8 no organization.
const CSV = `Title,Name,Email,Company,Notes
Deal A,Ana Ames,ana@acme.example,Acme,Met at the fair
Deal B,Ana Ames,ana@acme.example,Acme,
Deal C,Bo Berg,bo@acme.example,Acme,Wants a demo
Deal D,Cy Chen,cy@beta.example,Beta,
Deal E,Di Diaz,di@beta.example,Beta,Call back in May
Deal F,,,Gamma,
Deal G,Ed Eto,ed@solo.example,,
Deal H,Fay Fox,fay@acme.example,Acme,
`;

/** Runs one in-process worker until the import has no pending row. */
function work(importId: string): Promise<void> {
  return workUntilFinished(ctx.ledger, importId, {
    redisUrl: testRedisUrl(),
    prefix: ctx.prefix,
    pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
    plan: 'growth',
  });
}

/** `verify … --json`, with what the sandbox charged for it. */
async function verify(args: string[]) {
  const before = sandbox.state().tokensUsed;
  const run = await runCli(['verify', ...args, '--json'], env());
  expect(run.stderr).toBe('');
  return { code: run.code, json: JSON.parse(run.stdout), charged: sandbox.state().tokensUsed - before };
}

/**
 * A hand-made change in Pipedrive, as a salesperson makes it: retried after Pipedrive's wait when the burst
 * window is full (a 429 is never applied), so what this test plants does not depend on the machine's pace.
 */
async function byHand<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof PipedriveRateLimitError) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, err.retryAfterMs ?? 1000));
    }
  }
}

async function leadOf(line: number) {
  const [o] = await ctx.ledger.outcomes('ver-1', [line]);
  if (o?.state !== 'created') throw new Error(`line ${line} is ${o?.state}`);
  return o;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, plan: 'growth' });
  client = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken });
  dir = mkdtempSync(join(tmpdir(), 'lpi-verify-'));
  file = join(dir, 'leads.csv');
  writeFileSync(file, CSV);
  const produced = await runCli(['import', file, '--import-id', 'ver-1', '--json'], env());
  expect(JSON.parse(produced.stdout)).toMatchObject({ rows: 8, enqueued: 8 });
  await work('ver-1');
}, 90_000);

afterAll(async () => {
  await sandbox?.close();
  await ctx.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lead-importer verify', () => {
  it('finds nothing wrong with an import as the workers left it, for 40 tokens: one page of leads, one of notes', async () => {
    expect(await ctx.ledger.getImport('ver-1')).toMatchObject({ created: 8, createdNotes: 3, pending: 0 });
    const { code, json, charged } = await verify(['ver-1']);
    expect(json).toMatchObject({
      importId: 'ver-1',
      leadsChecked: 8,
      missing: 0,
      unrecorded: 0,
      duplicates: 0,
      duplicateNotes: 0,
      repaired: 0,
      strategy: 'since',
      tokensUsed: 40,
    });
    expect(json.report.calls).toEqual({ 'leads.list': 1, 'notes.list': 1 });
    // What the sandbox charged: the verification, plus 2 for GET /users/me (the token check and the company).
    expect(charged).toBe(json.tokensUsed + 2);
    expect(code).toBe(0);
  });

  it('says what it will read and what that costs before it reads', async () => {
    const { code, stdout } = await runCli(['verify', 'ver-1'], env());
    expect(code).toBe(0);
    const [first, second, leads, notes] = stdout.split('\n');
    expect(first).toBe(
      'Import ver-1 (leads.csv): 8 leads recorded as created (3 with a note), on 7 persons and organizations.',
    );
    // At the least one page of leads and one of notes; at the most, the since listing's cap (7 pages, what
    // listing the 7 contacts costs), then those 7 contacts, and the notes' cap and fallback (3 + 3 pages).
    expect(second).toBe(
      'Estimated cost: 40 tokens at the least, 400 at the most, plus 2 per recorded lead no listing shows (to tell a deleted lead from an archived one).',
    );
    expect(leads).toMatch(/^ {2}leads: list every lead touched since the import started, 20 tokens per 500/);
    expect(notes).toMatch(/^ {2}notes: list the notes added since the import started/);
    expect(stdout).toContain('Pipedrive holds exactly what the ledger records.');
  });

  describe('with duplicates and missing leads planted by hand', () => {
    const planted = {} as {
      deletedLead: string;
      unrecordedLead: string;
      duplicateLead: string;
      noteOnDuplicate: number;
      duplicateNote: number;
      humanLead: string;
    };

    beforeAll(async () => {
      const [a, c, d] = [await leadOf(2), await leadOf(4), await leadOf(5)];
      // Missing: someone deleted line 5's lead.
      await byHand(() => client.deleteLead(d.leadId));
      planted.deletedLead = d.leadId;
      // A duplicate of line 2's lead (a create sent twice: the same origin, which names the row), with a copy of
      // line 2's note on it.
      const copy = await byHand(() =>
        client.addLead({
          title: 'Deal A',
          person_id: a.personId,
          organization_id: a.organizationId,
          origin_id: 'ver-1:2',
        }),
      );
      planted.duplicateLead = copy.id;
      planted.noteOnDuplicate = (
        await byHand(() => client.addNote({ content: 'Met at the fair', lead_id: copy.id }))
      ).id;
      // Line 4's note added twice.
      planted.duplicateNote = (
        await byHand(() => client.addNote({ content: 'Wants a demo', lead_id: c.leadId }))
      ).id;
      // A lead with the import's origin_id (the import id alone, as leads carried it before origins named the row) on
      // a person no row names: no row records it.
      const zed = await byHand(() =>
        client.addPerson({ name: 'Zed Zero', emails: [{ value: 'zed@else.example' }] }),
      );
      planted.unrecordedLead = (
        await byHand(() => client.addLead({ title: 'Deal Z', person_id: zed.id, origin_id: 'ver-1' }))
      ).id;
      // A salesperson's own lead, same title, person and organization as line 2's: not the import's.
      planted.humanLead = (
        await byHand(() =>
          client.addLead({ title: 'deal a', person_id: a.personId, organization_id: a.organizationId }),
        )
      ).id;
      // The sandbox counts a note twice on one lead; the copy on the duplicate lead goes with that lead.
      expect(sandbox.state()).toMatchObject({ duplicateLeads: 2, duplicateNotes: 1 });
    });

    it('finds the missing lead, the unrecorded one, the duplicate lead and the duplicate note, and nothing else', async () => {
      const { code, json, charged } = await verify(['ver-1']);
      expect(json).toMatchObject({
        leadsChecked: 8,
        missing: 1,
        unrecorded: 1,
        duplicates: 1,
        duplicateNotes: 1,
      });
      const a = await leadOf(2);
      const c = await leadOf(4);
      expect(json.report.missing).toEqual([{ line: 5, leadId: planted.deletedLead }]);
      expect(json.report.unrecorded).toEqual([
        expect.objectContaining({ leadId: planted.unrecordedLead, title: 'Deal Z' }),
      ]);
      expect(json.report.duplicates).toEqual([
        expect.objectContaining({
          leadId: planted.duplicateLead,
          line: 2,
          keptLeadId: a.leadId,
          noteIds: [planted.noteOnDuplicate],
        }),
      ]);
      expect(json.report.duplicateNotes).toEqual([
        { noteId: planted.duplicateNote, leadId: c.leadId, line: 4, keptNoteId: c.noteId },
      ]);
      // One page of leads, one of notes, and a GET to tell line 5's deleted lead from an archived one.
      expect(json.report.calls).toEqual({ 'leads.list': 1, 'notes.list': 1, 'leads.get': 1 });
      expect(json.tokensUsed).toBe(42);
      expect(charged).toBe(json.tokensUsed + 2);
      expect(code).toBe(3);
    });

    it('prints each finding and what --repair would do', async () => {
      const { code, stdout } = await runCli(['verify', 'ver-1'], env());
      expect(code).toBe(3);
      expect(stdout).toContain('1 missing, 1 unrecorded, 1 duplicate lead, 1 duplicate note.');
      expect(stdout).toContain(`line 5: lead ${planted.deletedLead}`);
      expect(stdout).toContain(`lead ${planted.unrecordedLead} "Deal Z"`);
      expect(stdout).toContain(`lead ${planted.duplicateLead} copies line 2's lead`);
      expect(stdout).toContain(`note ${planted.duplicateNote} on line 4's lead`);
      expect(stdout).toContain(
        '--repair would delete 1 duplicate lead and 2 notes (at most 22 tokens: leads first, then each note only while it is still on its lead, read first), and put 1 row whose lead is missing back to pending; it asks for --yes first.',
      );
    });

    it('--repair without --yes changes nothing', async () => {
      const before = sandbox.export();
      const { code, stdout } = await runCli(['verify', 'ver-1', '--repair'], env());
      expect(code).toBe(3);
      expect(stdout).toContain('Nothing was changed. Run again with --repair --yes to repair.');
      expect(sandbox.export().leads).toHaveLength(before.leads.length);
      expect(sandbox.export().notes).toHaveLength(before.notes.length);
      expect((await ctx.ledger.outcomes('ver-1', [5]))[0]?.state).toBe('created');
    });

    it('--repair --yes deletes only the copies this import made and puts the row with the missing lead back to pending', async () => {
      const { code, json, charged } = await verify(['ver-1', '--repair', '--yes']);
      expect(json.repair.result).toMatchObject({
        deleted: { notes: 2, leads: 1 },
        alreadyGone: 0,
        requeued: [5],
        failed: [],
        tokensUsed: 22,
      });
      expect(json.repaired).toBe(4);
      // 42 to verify; 6 to delete the lead, 2 to read and 6 to delete each note (and 2 for /users/me).
      expect(charged).toBe(42 + 22 + 2);
      // The unrecorded lead stays: no row says it is the import's to delete.
      expect(code).toBe(3);

      const data = sandbox.export();
      const ids = new Set(data.leads.map((l) => l.id));
      expect(ids.has(planted.duplicateLead)).toBe(false);
      expect(ids.has((await leadOf(2)).leadId)).toBe(true);
      expect(ids.has(planted.humanLead)).toBe(true);
      expect(ids.has(planted.unrecordedLead)).toBe(true);
      const noteIds = new Set(data.notes.map((n) => n.id));
      expect(noteIds.has(planted.duplicateNote)).toBe(false);
      expect(noteIds.has(planted.noteOnDuplicate)).toBe(false);
      expect(noteIds.has((await leadOf(4)).noteId!)).toBe(true);
      // Only the salesperson's own lead still shares line 2's title, person and organization.
      expect(sandbox.state()).toMatchObject({ duplicateLeads: 1, duplicateNotes: 0 });

      expect(await ctx.ledger.rowStates('ver-1', [5])).toEqual([RowState.Pending]);
      expect(await ctx.ledger.getImport('ver-1')).toMatchObject({
        created: 7,
        pending: 1,
        state: 'enqueued',
      });

      // The row put back has no job: only a re-run of the import creates its lead, so no ETA of seconds, and not
      // "running" (then "stalled: is a worker running?") either.
      const status = await runCli(['status', 'ver-1'], env());
      expect(status.stdout).not.toMatch(/ETA/);
      expect(status.stdout).toContain(
        'Import ver-1 (leads.csv): waiting for a re-run: 1 row put back by verify --repair (lead gone); `lead-importer import leads.csv --import-id ver-1`\n',
      );
      const statusJson = JSON.parse((await runCli(['status', 'ver-1', '--json'], env())).stdout);
      expect(statusJson).toMatchObject({
        state: 'waiting-for-reimport',
        pending: 1,
        etaMs: null,
        etaText: null,
      });
      const later = await getStatus(ctx, 'ver-1', Date.now() + 60 * 60_000);
      expect(later).toMatchObject({ state: 'waiting-for-reimport', etaMs: null });
    });

    it('a re-run of the same import re-creates the missing lead, and then Pipedrive matches the ledger', async () => {
      const again = await runCli(['import', file, '--import-id', 'ver-1', '--json'], env());
      expect(JSON.parse(again.stdout)).toMatchObject({ enqueued: 0, alreadyImported: 8, requeued: 1 });
      // Its job is back: it runs like any other row.
      expect((await getStatus(ctx, 'ver-1')).state).not.toBe('waiting-for-reimport');
      await work('ver-1');
      const d = await leadOf(5);
      expect(d.leadId).not.toBe(planted.deletedLead);
      expect(sandbox.export().leads.find((l) => l.id === d.leadId)).toMatchObject({ title: 'Deal D' });

      // The leads that are not the import's to touch, a person removes by hand.
      await client.deleteLead(planted.unrecordedLead);
      await client.deleteLead(planted.humanLead);
      const { code, json } = await verify(['ver-1']);
      expect(json).toMatchObject({
        leadsChecked: 8,
        missing: 0,
        unrecorded: 0,
        duplicates: 0,
        duplicateNotes: 0,
      });
      expect(code).toBe(0);
      expect(sandbox.state()).toMatchObject({ duplicateLeads: 0, duplicateNotes: 0 });
    }, 60_000);
  });

  it('--by row costs 2 tokens per lead and sees missing leads only; --by contacts costs 20 per person or organization', async () => {
    const row = await verify(['ver-1', '--by', 'row']);
    expect(row.json).toMatchObject({ strategy: 'row', tokensUsed: 16, missing: 0 });
    expect(row.json.report.calls).toEqual({ 'leads.get': 8 });
    expect(row.json.report.blindSpots).toEqual([expect.stringContaining('duplicates and unrecorded leads')]);
    const contacts = await verify(['ver-1', '--by', 'contacts']);
    // 6 persons and 1 organization (line 7 has no person), and the page of notes.
    expect(contacts.json).toMatchObject({ strategy: 'contacts', tokensUsed: 7 * 20 + 20, duplicates: 0 });
    expect(contacts.charged).toBe(contacts.json.tokensUsed + 2);
  });

  it('keeps the last verification on the import, and the import page shows it', async () => {
    const detail = await readImportDetail(ctx, 'ver-1');
    expect(detail.verification).toMatchObject({
      strategy: 'contacts',
      leadsChecked: 8,
      missing: 0,
      tokensUsed: 160,
    });
    const page = renderImportDetail(detail, 'nonce', false);
    expect(page).toContain('Last verification against Pipedrive');
    expect(page).toMatch(/<dt>Leads checked<\/dt><dd>8<\/dd>/);
    expect(page).toContain('Pipedrive held exactly what the ledger records.');
  });

  it('when the company touched many other leads since the import, lists by contact instead of reading them all', async () => {
    // A small import: one person, so listing by contact costs one page.
    writeFileSync(
      join(dir, 'small.csv'),
      'Title,Name,Email\nSmall 1,Gil Gold,gil@small.example\nSmall 2,Gil Gold,gil@small.example\n',
    );
    await runCli(['import', join(dir, 'small.csv'), '--import-id', 'ver-2'], env());
    await work('ver-2');
    sandbox.configure({ limits: false });
    const other = await client.addOrganization({ name: 'Busy Corp' });
    for (let i = 0; i < 500; i++) await client.addLead({ title: `Busy ${i}`, organization_id: other.id });
    const { code, json } = await verify(['ver-2']);
    expect(json).toMatchObject({
      strategy: 'contacts',
      leadsChecked: 2,
      missing: 0,
      duplicates: 0,
      unrecorded: 0,
    });
    expect(json.report.fellBack).toBe(true);
    // One page of the whole listing (500 of 500+ leads), then Gil's leads.
    expect(json.report.calls).toEqual({ 'leads.list': 2 });
    expect(code).toBe(0);
  }, 60_000);

  it('refuses --yes without --repair, and --repair on an import still running', async () => {
    const yes = await runCli(['verify', 'ver-1', '--yes'], env());
    expect(yes.code).toBe(2);
    expect(yes.stderr).toContain('--yes goes with --repair');
    await ctx.ledger.createImport({
      importId: 'ver-running',
      fileName: 'x.csv',
      fileSize: 1,
      fileHash: 'h',
      mapping: null,
      header: [],
      createdAt: Date.now(),
    });
    await ctx.ledger.markEnqueued('ver-running', [2]);
    const running = await runCli(['verify', 'ver-running', '--repair', '--yes'], env());
    expect(running.code).toBe(2);
    expect(running.stderr).toContain('still has 1 pending rows');
    const unknown = await runCli(['verify', 'nope'], env());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No import "nope"');
  });

  it('--json still prints one JSON object when the budget runs out before the verification ends', async () => {
    const before = sandbox.state().tokensUsedToday;
    // Last in the file: the spent budget stays on this company's record in Redis until the next budget day.
    // Pipedrive's daily budget ends after GET /users/me (2 tokens) and the first list (20): the second is refused.
    sandbox.configure({ limits: true, dailyTokens: before + 22 });
    try {
      const run = await runCli(['verify', 'ver-1', '--json'], env());
      expect(run.code).toBe(1);
      const json = JSON.parse(run.stdout);
      expect(json).toMatchObject({ importId: 'ver-1', complete: false });
      expect(Date.parse(json.budgetSpentUntil)).toBeGreaterThan(Date.now());
      expect(run.stderr).toMatch(/budget is spent before the verification could finish; run it again after/);
    } finally {
      sandbox.configure({ dailyTokens: undefined });
      await sandbox.newDay?.();
    }
  });
});
