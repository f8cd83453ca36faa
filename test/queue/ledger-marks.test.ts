import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { leadsCsvImport } from '../helpers/import-record.js';
import { ownRedisServer, uniquePrefix } from '../helpers/redis.js';
import { commandsOf } from '../worker/helpers.js';

/*
 * The producer's marks (None → Pending) for a whole batch of lines in one step. A Redis server of this file's own,
 * so `INFO commandstats` counts only this file's commands.
 */
const ownRedis = ownRedisServer();
let redis: Redis;
beforeAll(() => {
  redis = ownRedis();
});

async function newImport() {
  const ledger = new ImportLedger(redis, uniquePrefix());
  await ledger.createImport(leadsCsvImport('imp1'));
  return ledger;
}

describe("the producer's marks", () => {
  it('cost the same few commands for a batch of 200 lines as for one: one BITFIELD, one HINCRBY', async () => {
    const ledger = await newImport();
    await ledger.markEnqueued('imp1', [1]); // the script loaded
    const lines = Array.from({ length: 200 }, (_, i) => i + 2);
    let fresh: boolean[] = [];
    const counts = await commandsOf(redis, async () => {
      fresh = await ledger.markEnqueued('imp1', lines);
    });
    expect(fresh.every(Boolean)).toBe(true);
    expect(counts).toEqual({ evalsha: 1, bitfield: 1, hincrby: 1 });
    expect((await ledger.getImport('imp1'))?.enqueued).toBe(201);
  });

  it('leave finished, rejected and pending lines as they were, and mark a line given twice once', async () => {
    const ledger = await newImport();
    await ledger.markEnqueued('imp1', [2, 3]);
    await ledger.recordCreated('imp1', 3, { leadId: 'l3' });
    await ledger.recordRejected('imp1', 7, { reason: 'no title' }, ['']);
    expect(await ledger.markEnqueued('imp1', [2, 3, 4, 7, 4, 8])).toEqual([
      false,
      false,
      true,
      false,
      false,
      true,
    ]);
    expect(await ledger.rowStates('imp1', [2, 3, 4, 7, 8])).toEqual([
      RowState.Pending,
      RowState.Created,
      RowState.Pending,
      RowState.Rejected,
      RowState.Pending,
    ]);
    expect(await ledger.getImport('imp1')).toMatchObject({
      enqueued: 4,
      created: 1,
      rejected: 1,
      pending: 3,
    });
  });

  it('refuse a batch with a line that is not a line number before marking any of it', async () => {
    const ledger = await newImport();
    await expect(ledger.markEnqueued('imp1', [9, Number.NaN])).rejects.toThrow();
    expect(await ledger.rowStates('imp1', [9])).toEqual([RowState.None]);
    expect((await ledger.getImport('imp1'))?.enqueued).toBe(0);
  });
});
