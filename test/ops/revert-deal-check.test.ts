/**
 * The deal check of `revert --include-contacts`, against a scripted Pipedrive: what it asks for (up to 100 contacts
 * a call, the counts of every status), and what it does when Pipedrive's answer is not the one it needs. A contact
 * is deleted only when Pipedrive said it has no deal; one it could not tell about is kept and listed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type RevertOptions, type RevertPlan, revertImport } from '../../src/ops/revert.js';
import type { ContactDealCounts, Operation } from '../../src/pipedrive/types.js';
import { testRedis } from '../helpers/redis.js';
import { testOps } from './seed.js';

const redis = testRedis();
const contexts: ReturnType<typeof testOps>[] = [];
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
});

type Counted = { id: number } & ContactDealCounts;

/**
 * A Pipedrive whose v2 person list answers `answer(ids)`; it has no leads and no persons in organizations, and
 * deletes whatever it is asked to. Records every call.
 */
function scripted(answer: (ids: number[]) => Counted[] | Error) {
  const calls: string[] = [];
  const listQueries: { ids?: number[]; include_fields?: string[]; limit?: number }[] = [];
  const api: RevertOptions['api'] = {
    deleteLead: async (id) => ({ id }),
    getNote: async () => {
      throw new Error('the import had no notes');
    },
    deleteNote: async () => {},
    deletePerson: async (id) => {
      calls.push(`DELETE person ${id}`);
      return { id };
    },
    deleteOrganization: async (id) => ({ id }),
    listLeads: async () => ({ items: [], start: 0, limit: 1, moreItems: false }),
    listPersons: async (query = {}) => {
      if (query.ids) {
        listQueries.push(query);
        const out = answer(query.ids);
        if (out instanceof Error) throw out;
        // biome-ignore lint/suspicious/noExplicitAny: the fake answers only the fields the check reads
        return { items: out as any, nextCursor: null };
      }
      return { items: [], nextCursor: null };
    },
    listOrganizations: async () => ({ items: [], nextCursor: null }),
  };
  const operations: Operation[] = [];
  const call: RevertOptions['call'] = (operation, fn) => {
    operations.push(operation);
    return fn({});
  };
  return { api, call, calls, listQueries, operations };
}

async function revertPersons(persons: number[], pipedrive: ReturnType<typeof scripted>) {
  const ctx = testOps(redis);
  contexts.push(ctx);
  await ctx.ledger.createImport({
    importId: 'imp',
    fileName: 'f.csv',
    fileSize: 1,
    fileHash: 'h',
    mapping: null,
    header: ['Name'],
    createdAt: Date.now(),
  });
  const plan: RevertPlan = {
    importId: 'imp',
    connection: 'default',
    leads: [],
    notes: [],
    notesKept: { leadGone: 0, moved: 0 },
    persons,
    organizations: [],
    alreadyDone: 0,
    tokens: 0,
    calls: 0,
    estimatedMs: 0,
    reusedContactsKept: 0,
  };
  return revertImport(
    ctx,
    { importId: 'imp', includeContacts: true, api: pipedrive.api, call: pipedrive.call, concurrency: 1 },
    plan,
  );
}

const none = { open_deals_count: 0, closed_deals_count: 0, won_deals_count: 0, lost_deals_count: 0 };

describe('the deal check of revert --include-contacts', () => {
  it('asks for 100 contacts a call, with the counts of every status and the participant ones', async () => {
    const persons = Array.from({ length: 250 }, (_, i) => i + 1);
    const pipedrive = scripted((ids) =>
      ids.map((id) => ({ id, ...none, open_deals_count: id === 120 ? 1 : 0 })),
    );
    const summary = await revertPersons(persons, pipedrive);
    expect(pipedrive.listQueries.map((q) => [q.ids?.length, q.ids?.[0], q.limit])).toEqual([
      [100, 1, 100],
      [100, 101, 100],
      [50, 201, 100],
    ]);
    expect(pipedrive.listQueries[0]?.include_fields).toEqual([
      'open_deals_count',
      'closed_deals_count',
      'won_deals_count',
      'lost_deals_count',
      'participant_open_deals_count',
      'participant_closed_deals_count',
    ]);
    expect(pipedrive.operations.filter((o) => o === 'persons.list')).toHaveLength(3);
    expect(summary.kept).toEqual([{ kind: 'person', id: 120, reason: 'deals' }]);
    expect(summary.deleted.persons).toBe(249);
  });

  it('keeps a contact with only a closed deal, or one it takes part in', async () => {
    const pipedrive = scripted((ids) =>
      ids.map((id) =>
        id === 1
          ? { id, ...none, closed_deals_count: 1, lost_deals_count: 1 }
          : id === 2
            ? { id, ...none, participant_open_deals_count: 1 }
            : { id, ...none },
      ),
    );
    const summary = await revertPersons([1, 2, 3], pipedrive);
    expect(summary.kept.map((k) => k.id)).toEqual([1, 2]);
    expect(pipedrive.calls).toEqual(['DELETE person 3']);
  });

  it('keeps and lists as failed a contact Pipedrive answered without its deal counts', async () => {
    const pipedrive = scripted((ids) => ids.map((id) => (id === 1 ? { id } : { id, ...none })));
    const summary = await revertPersons([1, 2], pipedrive);
    expect(summary.failed).toEqual([
      {
        kind: 'person',
        id: 1,
        error: 'Pipedrive answered the person without its deal counts (include_fields)',
      },
    ]);
    expect(pipedrive.calls).toEqual(['DELETE person 2']);
  });

  it('keeps and lists every contact of a call that failed', async () => {
    const pipedrive = scripted(() => new Error('Request failed with status code 400: GET /api/v2/persons'));
    const summary = await revertPersons([1, 2], pipedrive);
    expect(summary.failed.map((f) => [f.kind, f.id])).toEqual([
      ['person', 1],
      ['person', 2],
    ]);
    expect(pipedrive.calls).toEqual([]);
  });

  it('goes on to the lead check and the delete for a contact the list leaves out (deleted since)', async () => {
    const pipedrive = scripted((ids) => ids.filter((id) => id !== 2).map((id) => ({ id, ...none })));
    const summary = await revertPersons([1, 2], pipedrive);
    expect(summary.failed).toEqual([]);
    expect(pipedrive.calls).toEqual(['DELETE person 1', 'DELETE person 2']);
  });
});
