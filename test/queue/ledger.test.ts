import { describe, expect, it } from 'vitest';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

async function newImport() {
  const ledger = new ImportLedger(redis, uniquePrefix());
  const { record } = await ledger.createImport({
    importId: 'imp1',
    fileName: 'leads.csv',
    fileSize: 10,
    fileHash: 'abc',
    mapping: { title: 'Title' },
    header: ['Title', 'Email'],
    createdAt: 1,
  });
  return { ledger, record };
}

describe('ImportLedger', () => {
  it('creates an import once and returns the existing record on a re-run', async () => {
    const { ledger, record } = await newImport();
    expect(record).toMatchObject({ importId: 'imp1', state: 'reading', header: ['Title', 'Email'], rows: 0 });
    const again = await ledger.createImport({ ...record, fileName: 'other.csv' });
    expect(again.created).toBe(false);
    expect(again.record.fileName).toBe('leads.csv');
    expect((await ledger.listImports()).map((r) => r.importId)).toEqual(['imp1']);
  });

  it('marks each line enqueued once, however often it is offered', async () => {
    const { ledger } = await newImport();
    expect(await ledger.markEnqueued('imp1', [2, 3, 4])).toEqual([true, true, true]);
    expect(await ledger.markEnqueued('imp1', [3, 4, 5])).toEqual([false, false, true]);
    const record = await ledger.getImport('imp1');
    expect(record).toMatchObject({ enqueued: 4, pending: 4 });
    expect(await ledger.rowStates('imp1', [1, 2, 5, 6])).toEqual([
      RowState.None,
      RowState.Pending,
      RowState.Pending,
      RowState.None,
    ]);
  });

  it('counts a created row once even when the job reports it twice', async () => {
    const { ledger } = await newImport();
    await ledger.markEnqueued('imp1', [2]);
    const first = await ledger.recordCreated(
      'imp1',
      2,
      { leadId: 'L1', personId: 7, personCreated: true },
      {
        createdPersons: 1,
        tokensUsed: 15,
      },
    );
    const second = await ledger.recordCreated(
      'imp1',
      2,
      { leadId: 'L1', personId: 7 },
      { createdPersons: 1 },
    );
    expect(first.applied).toBe(true);
    expect(second).toEqual({ applied: false, previous: RowState.Created });
    const record = await ledger.getImport('imp1');
    expect(record).toMatchObject({ created: 1, pending: 0, createdPersons: 1, tokensUsed: 15 });
    expect(await ledger.outcomes('imp1', [2])).toEqual([
      {
        state: 'created',
        leadId: 'L1',
        personId: 7,
        organizationId: undefined,
        personCreated: true,
        organizationCreated: false,
      },
    ]);
  });

  it('keeps rows = created + rejected + deadLettered + cancelled + pending through every transition', async () => {
    const { ledger } = await newImport();
    await ledger.recordRejected('imp1', 2, { column: 'Email', reason: 'not an email' }, ['x', 'bad']);
    await ledger.markEnqueued('imp1', [3, 4, 5, 6]);
    await ledger.recordCreated('imp1', 3, { leadId: 'L3' });
    await ledger.recordDeadLettered('imp1', 4, {
      errorClass: 'PipedriveValidationError',
      message: 'bad',
      httpStatus: 400,
    });
    await ledger.recordCancelled('imp1', 5);
    await ledger.setCounters('imp1', { rows: 5 });
    let r = (await ledger.getImport('imp1'))!;
    expect(r).toMatchObject({ rows: 5, created: 1, rejected: 1, deadLettered: 1, cancelled: 1, pending: 1 });
    expect(r.created + r.rejected + r.deadLettered + r.cancelled + r.pending).toBe(r.rows);

    expect((await ledger.recordRequeued('imp1', 4)).applied).toBe(true);
    expect((await ledger.recordRejected('imp1', 3, { reason: 'late' }, [])).applied).toBe(false);
    r = (await ledger.getImport('imp1'))!;
    expect(r).toMatchObject({ deadLettered: 0, pending: 2, created: 1 });
    expect(r.created + r.rejected + r.deadLettered + r.cancelled + r.pending).toBe(r.rows);
    expect(await ledger.rejectedCells('imp1', [2, 3])).toEqual([['x', 'bad'], null]);
    expect((await ledger.outcomes('imp1', [2]))[0]).toEqual({
      state: 'rejected',
      column: 'Email',
      reason: 'not an email',
    });
  });

  it('puts a created row whose lead is gone back to pending (verify --repair), once, and the rows still add up', async () => {
    const { ledger } = await newImport();
    await ledger.markEnqueued('imp1', [2, 3]);
    await ledger.recordCreated('imp1', 2, { leadId: 'L2', personId: 7 });
    await ledger.setCounters('imp1', { rows: 2 });

    expect(await ledger.recordLeadMissing('imp1', 2)).toEqual({ applied: true, previous: RowState.Created });
    // Twice, or on a row that was never created: refused, nothing moves.
    expect(await ledger.recordLeadMissing('imp1', 2)).toEqual({ applied: false, previous: RowState.Pending });
    expect((await ledger.recordLeadMissing('imp1', 3)).applied).toBe(false);
    const r = (await ledger.getImport('imp1'))!;
    expect(r).toMatchObject({ rows: 2, enqueued: 2, created: 0, pending: 2 });
    expect(r.created + r.rejected + r.deadLettered + r.cancelled + r.pending).toBe(r.rows);
    expect((await ledger.outcomes('imp1', [2]))[0]).toEqual({ state: 'pending' });

    // Created again by a re-run: counted once more, with the new lead.
    expect((await ledger.recordCreated('imp1', 2, { leadId: 'L2b', personId: 7 })).applied).toBe(true);
    expect(await ledger.getImport('imp1')).toMatchObject({ created: 1, pending: 1 });
    expect((await ledger.outcomes('imp1', [2]))[0]).toMatchObject({ state: 'created', leadId: 'L2b' });
  });
});
