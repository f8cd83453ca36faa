/**
 * `verify --repair` deleted a duplicate lead's notes by id before the lead, as `revert` once did. Between the
 * verification and the repair (or in the minutes an operator reads the findings before `--repair --yes`), a
 * salesperson may convert the duplicate lead into a deal, whose note is then on the deal, or move a copied note to a
 * deal: deleting those by id destroys notes on live deals. Now the repair goes the way revert goes (one shared
 * function): leads first, then each note only while it is still on its lead, read first; a note of a lead that was
 * gone before the repair sent anything is kept, unread.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGuardedPipedrive } from '../../src/ops/guarded-pipedrive.js';
import { planRepair, prepareVerify, repairImport, verifyImport } from '../../src/ops/verify.js';
import { describeRepair } from '../../src/ops/verify-text.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { sandboxClient } from '../sandbox/sandbox-client.js';
import { workUntilFinished } from '../worker/helpers.js';
import { runCli } from './run-cli.js';
import { testOps } from './seed.js';

const redis = testRedis();
const ctx = testOps(redis);
let sandbox: RunningSandbox;
let dir: string;

const CSV = `Title,Name,Email,Company,Notes
Deal A,Ana Ames,ana@acme.example,Acme,Ana's note
Deal B,Bo Berg,bo@beta.example,Beta,Bo's note
Deal C,Cy Chen,cy@gamma.example,Gamma,Cy's note
`;

const env = () => ({
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: ctx.prefix,
  PIPEDRIVE_BASE_URL: sandbox.url,
  PIPEDRIVE_API_TOKEN: sandbox.apiToken,
  PIPEDRIVE_PLAN: 'growth',
});

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, plan: 'growth' });
  dir = mkdtempSync(join(tmpdir(), 'lpi-repair-notes-'));
  writeFileSync(join(dir, 'leads.csv'), CSV);
  const produced = await runCli(['import', join(dir, 'leads.csv'), '--import-id', 'rep-1', '--json'], env());
  expect(JSON.parse(produced.stdout)).toMatchObject({ rows: 3, enqueued: 3 });
  await workUntilFinished(ctx.ledger, 'rep-1', {
    redisUrl: testRedisUrl(),
    prefix: ctx.prefix,
    pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
    plan: 'growth',
  });
}, 90_000);

afterAll(async () => {
  await sandbox?.close();
  await ctx.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('verify --repair on duplicates someone worked on after the verification', () => {
  it('deletes the duplicate leads first, then only the notes still on their lead; a converted or moved note stays', async () => {
    sandbox.configure({ limits: false });
    const client = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.apiToken });
    const api = sandboxClient(sandbox);
    const recorded = async (line: number) => {
      const [o] = await ctx.ledger.outcomes('rep-1', [line]);
      if (o?.state !== 'created') throw new Error(`line ${line} is ${o?.state}`);
      return o;
    };
    const [a, b, c] = [await recorded(2), await recorded(3), await recorded(4)];
    // A create sent twice: Ana's and Bo's leads again, each with its note; Cy's note twice on his lead.
    const copy = async (o: typeof a, title: string, note: string) => {
      const lead = await client.addLead({
        title,
        person_id: o.personId,
        organization_id: o.organizationId,
        // The origin the row's own create sent: the import id and the row's line.
        origin_id: `rep-1:${title === 'Deal A' ? 2 : 3}`,
      });
      return { leadId: lead.id, noteId: (await client.addNote({ content: note, lead_id: lead.id })).id };
    };
    const anaCopy = await copy(a, 'Deal A', "Ana's note");
    const boCopy = await copy(b, 'Deal B', "Bo's note");
    const cyNoteCopy = (await client.addNote({ content: "Cy's note", lead_id: c.leadId })).id;

    const guarded = await openGuardedPipedrive({
      redis,
      prefix: ctx.prefix,
      pipedrive: { baseUrl: sandbox.url, apiToken: sandbox.apiToken },
      plan: 'growth',
      auth: 'api_token',
      dailyTokens: 60_000,
    });
    try {
      const prepared = await prepareVerify(ctx, { importId: 'rep-1' });
      const report = await verifyImport(prepared, { api: guarded.api, call: guarded.call });
      expect(report.duplicates.map((d) => d.leadId).sort()).toEqual([anaCopy.leadId, boCopy.leadId].sort());
      expect(report.duplicateNotes.map((n) => n.noteId)).toEqual([cyNoteCopy]);
      const plan = planRepair(report, prepared);
      // 2 lead deletes (6 each); 3 notes read (2) and deleted (6), at most.
      expect(plan.tokens).toBe(2 * 6 + 3 * (2 + 6));

      // Meanwhile, in the app: Bo's duplicate lead becomes a deal (its note goes with it); Cy's copied note is moved
      // to a deal made by hand.
      const converted = await api.post(`/api/v2/leads/${boCopy.leadId}/convert/deal`, {});
      expect(converted.status).toBe(200);
      const status = await api.get(
        `/api/v2/leads/${boCopy.leadId}/convert/status/${converted.body.data.conversion_id}`,
      );
      const boDeal = status.body.data.deal_id as number;
      const cyDeal = (await api.post('/api/v2/deals', { title: 'Cy by hand', person_id: c.personId })).body
        .data.id as number;
      expect((await api.put(`/v1/notes/${cyNoteCopy}`, { deal_id: cyDeal, lead_id: null })).status).toBe(200);

      const said: string[] = [];
      const result = await repairImport(ctx, 'rep-1', plan, {
        api: guarded.api,
        call: guarded.call,
        onAction: (line) => said.push(line),
      });
      expect(result).toMatchObject({
        deleted: { leads: 1, notes: 1 },
        leadsGoneBefore: 1,
        alreadyGone: 0,
        notesKept: { leadGone: 1, moved: 1 },
        failed: [],
      });
      // Ana's lead and Bo's (404: converted) deleted; Ana's note read and deleted, Cy's copy read and kept; Bo's
      // note not even read.
      expect(result.tokensUsed).toBe(2 * 6 + 2 * 2 + 6);
      expect(said).toContain(`deleted duplicate lead ${anaCopy.leadId}`);
      expect(said).toContain(
        `lead ${boCopy.leadId} was gone before (converted into a deal, or deleted by hand): its notes stay`,
      );
      expect(
        describeRepair(report, plan, { repair: true, fileName: 'leads.csv', connection: 'default', result }),
      ).toContain(
        '1 duplicate lead was gone before the repair (converted into a deal, or deleted by hand): not deleted by it.\n' +
          'Kept 2 notes of ours: 1 as its lead was gone before (converted into a deal, which holds the note now, or deleted by hand); 1 as it is on something else than its lead now (a deal, another lead).',
      );

      const notes = new Map(sandbox.export().notes.map((n) => [n.id, n]));
      expect(notes.has(anaCopy.noteId)).toBe(false);
      expect(notes.get(boCopy.noteId)).toMatchObject({ content: "Bo's note", deal_id: boDeal });
      expect(notes.get(cyNoteCopy)).toMatchObject({ content: "Cy's note", deal_id: cyDeal, lead_id: null });
      // The notes the rows recorded stay on their leads.
      for (const o of [a, b, c]) expect(notes.get(o.noteId!)).toMatchObject({ lead_id: o.leadId });
      const leads = new Set(sandbox.export().leads.map((l) => l.id));
      expect(leads.has(anaCopy.leadId)).toBe(false);
      for (const o of [a, b, c]) expect(leads.has(o.leadId)).toBe(true);
    } finally {
      await guarded.close();
      sandbox.configure({ limits: true });
    }
  });
});
