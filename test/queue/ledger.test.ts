import { describe, expect, it } from 'vitest';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { leadsCsvImport } from '../helpers/import-record.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

async function newImport() {
  const ledger = new ImportLedger(redis, uniquePrefix());
  const { record } = await ledger.createImport(
    leadsCsvImport('imp1', { mapping: { title: 'Title' }, header: ['Title', 'Email'] }),
  );
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

  it('reads a record written before rows per job were kept as 1 row per job (a rolling upgrade past the default of 10)', async () => {
    const { ledger } = await newImport();
    // As the producers before rows per job wrote it: no field at all.
    await redis.hdel(ledger.keys.import('imp1'), 'rowsPerJob');
    expect(await redis.hexists(ledger.keys.import('imp1'), 'rowsPerJob')).toBe(0);
    expect((await ledger.getImport('imp1'))?.rowsPerJob).toBe(1);
    expect(await ledger.rowsPerJobOf('imp1')).toBe(1);
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

describe('ImportLedger, outcomes recorded together', () => {
  /** An import enqueued with `lines`, each with a lease held by `worker-a:<line>`. */
  async function enqueuedImport(ledger: ImportLedger, importId: string, lines: number[]) {
    await ledger.createImport(leadsCsvImport(importId));
    await ledger.markEnqueued(importId, lines);
    await ledger.setCounters(importId, { rows: lines.length });
    await ledger.setState(importId, 'enqueued');
    const fences = new Map<number, { key: string; value: string; checkpointKey: string }>();
    for (const line of lines) {
      const fence = {
        key: ledger.keys.lease(importId, line),
        value: `worker-a:${line}`,
        checkpointKey: ledger.keys.rowCheckpoint(importId, line),
      };
      await redis.set(fence.key, fence.value);
      await redis.set(fence.checkpointKey, '{}');
      fences.set(line, fence);
    }
    return (line: number) => fences.get(line)!;
  }

  it('answers each row on its own: applied, fenced out, refused; counters summed exactly; the import completes once', async () => {
    const ledger = new ImportLedger(redis, uniquePrefix());
    const fence = await enqueuedImport(ledger, 'imp1', [2, 3, 4, 5, 6, 7]);
    // Row 7 was recorded already (an earlier attempt); row 5's lease is someone else's now.
    await ledger.recordCreated('imp1', 7, { leadId: 'L7' }, { tokensUsed: 5 });
    await redis.set(fence(5).key, 'worker-b:1');
    const finish = { finish: true };
    const answers = await Promise.all([
      ledger.recordCreated(
        'imp1',
        2,
        { leadId: 'L2' },
        { tokensUsed: 35, createdPersons: 1 },
        fence(2),
        finish,
      ),
      ledger.recordCreated(
        'imp1',
        3,
        { leadId: 'L3' },
        { tokensUsed: 10, reusedPersons: 1 },
        fence(3),
        finish,
      ),
      ledger.recordCreated(
        'imp1',
        4,
        { leadId: 'L4' },
        { tokensUsed: 10, reusedPersons: 1 },
        fence(4),
        finish,
      ),
      ledger.recordCreated('imp1', 5, { leadId: 'L5' }, { tokensUsed: 10 }, fence(5), finish),
      ledger.recordDeadLettered(
        'imp1',
        6,
        { errorClass: 'E', message: 'bad', httpStatus: 400 },
        fence(6),
        finish,
      ),
      ledger.recordCreated('imp1', 7, { leadId: 'L7b' }, { tokensUsed: 10 }, fence(7), finish),
    ]);
    expect(answers).toEqual([
      { applied: true, previous: RowState.Pending, completedImport: false },
      { applied: true, previous: RowState.Pending, completedImport: false },
      { applied: true, previous: RowState.Pending, completedImport: false },
      { applied: false, previous: RowState.None, fenced: true },
      { applied: true, previous: RowState.Pending, completedImport: false },
      { applied: false, previous: RowState.Created, completedImport: false },
    ]);
    expect(await ledger.getImport('imp1')).toMatchObject({
      state: 'enqueued',
      created: 4,
      deadLettered: 1,
      pending: 1,
      tokensUsed: 60,
      createdPersons: 1,
      reusedPersons: 2,
    });
    expect(await ledger.rowStates('imp1', [2, 3, 4, 5, 6, 7])).toEqual([2, 2, 2, 1, 4, 2]);
    const outcomes = await ledger.outcomes('imp1', [2, 6, 7]);
    expect(outcomes[0]).toMatchObject({ state: 'created', leadId: 'L2' });
    expect(outcomes[1]).toMatchObject({ state: 'dead-lettered', errorClass: 'E', httpStatus: 400 });
    expect(outcomes[2]).toMatchObject({ state: 'created', leadId: 'L7' });
    // Finished rows' leases and checkpoints are gone (row 7's too: its fence held); row 5's stay as they were.
    for (const line of [2, 3, 4, 6, 7]) {
      expect(await redis.exists(fence(line).key, fence(line).checkpointKey)).toBe(0);
    }
    expect(await redis.get(fence(5).key)).toBe('worker-b:1');
    expect(await redis.exists(fence(5).checkpointKey)).toBe(1);

    // The lease's new holder finishes the row: the import completes, once.
    const last = await ledger.recordCreated(
      'imp1',
      5,
      { leadId: 'L5' },
      { tokensUsed: 10 },
      { ...fence(5), value: 'worker-b:1' },
      finish,
    );
    expect(last).toEqual({ applied: true, previous: RowState.Pending, completedImport: true });
    expect(await ledger.getImport('imp1')).toMatchObject({
      state: 'completed',
      created: 5,
      pending: 0,
      tokensUsed: 70,
    });
  });

  it('completes an import whose last rows finish in one step once, and keeps imports apart', async () => {
    const ledger = new ImportLedger(redis, uniquePrefix());
    const a = await enqueuedImport(ledger, 'impA', [2, 3, 4]);
    const b = await enqueuedImport(ledger, 'impB', [2, 3]);
    const finish = { finish: true };
    const answers = await Promise.all([
      ...[2, 3, 4].map((line) =>
        ledger.recordCreated('impA', line, { leadId: `A${line}` }, { tokensUsed: line }, a(line), finish),
      ),
      ledger.recordCreated('impB', 2, { leadId: 'B2' }, { tokensUsed: 100 }, b(2), finish),
    ]);
    expect(answers.map((t) => t.completedImport)).toEqual([false, false, true, false]);
    expect(await ledger.getImport('impA')).toMatchObject({ state: 'completed', created: 3, tokensUsed: 9 });
    expect(await ledger.getImport('impB')).toMatchObject({ state: 'enqueued', created: 1, tokensUsed: 100 });
    // The same row twice (two fences, one of them stale): one step each, as if alone, in the order asked.
    const twice = await Promise.all([
      ledger.recordCreated('impB', 3, { leadId: 'B3' }, { tokensUsed: 1 }, b(3), finish),
      ledger.recordCreated('impB', 3, { leadId: 'B3x' }, { tokensUsed: 1 }, b(3), finish),
    ]);
    expect(twice).toEqual([
      { applied: true, previous: RowState.Pending, completedImport: true },
      { applied: false, previous: RowState.None, fenced: true },
    ]);
    expect(await ledger.getImport('impB')).toMatchObject({ state: 'completed', created: 2, tokensUsed: 101 });
  });

  it('fails a row with a bad line alone, not the rows recorded with it', async () => {
    const ledger = new ImportLedger(redis, uniquePrefix());
    const fence = await enqueuedImport(ledger, 'imp1', [2]);
    const [good, bad] = await Promise.allSettled([
      ledger.recordCreated('imp1', 2, { leadId: 'L2' }, { tokensUsed: 10 }, fence(2), { finish: true }),
      ledger.recordCreated('imp1', 2.5, { leadId: 'L?' }, { tokensUsed: 10 }, fence(2), { finish: true }),
    ]);
    expect(good).toMatchObject({ status: 'fulfilled', value: { applied: true } });
    expect(bad.status).toBe('rejected');
    expect(await ledger.getImport('imp1')).toMatchObject({ created: 1, tokensUsed: 10, state: 'completed' });
    // A step Redis is handed with a malformed row writes nothing at all.
    const keys = [ledger.keys.rowStates('imp1'), ledger.keys.import('imp1'), ledger.keys.outcomes('imp1')];
    const scripted = redis as unknown as {
      ledgerFencedOutcomes(...a: (string | number)[]): Promise<unknown>;
    };
    await expect(
      scripted.ledgerFencedOutcomes(
        5,
        ...keys,
        'lease',
        'lease',
        1,
        Date.now(),
        1,
        '#3',
        2,
        '1',
        '',
        '1',
        'v',
        0,
      ),
    ).rejects.toThrow(/bad outcome batch/);
    expect(await ledger.getImport('imp1')).toMatchObject({ created: 1, tokensUsed: 10 });
  });
});
