import type { Job } from 'bullmq';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  countDeadLettersOf,
  listDeadLetters,
  purgeDeadLetters,
  retryDeadLetters,
} from '../../src/ops/dead-letters.js';
import { createOpsContext, type OpsContext } from '../../src/ops/ops-context.js';
import { DeadLetterIndex } from '../../src/queue/dead-letter-index.js';
import type { LeadJobData } from '../../src/queue/job-data.js';
import { jobIdFor } from '../../src/queue/names.js';
import { DeadLetterWriter } from '../../src/worker/dead-letter-writer.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { type SeedRow, seedImport } from './seed.js';

/**
 * The dashboard's DLQ tile for one connection (`?connection=`) counts that connection's entries from its own index,
 * kept by the steps that add and remove entries, instead of reading every entry's id on each poll.
 */
const redis = testRedis();
const limits = { burstPer2s: 20, dailyTokens: 30_000 };
const contexts: OpsContext[] = [];
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
});

function twoConnections(): OpsContext {
  const ctx = createOpsContext({
    redis,
    prefix: uniquePrefix('dlqidx'),
    limits,
    connectionLimits: new Map([
      ['default', limits],
      ['acme', limits],
    ]),
  });
  contexts.push(ctx);
  return ctx;
}

const pending = (line: number): SeedRow => ({
  line,
  cells: [`P${line}`, `p${line}@example.com`, 'Acme'],
  outcome: 'pending',
});

/** A named error, as the processor dead-letters one (its class is the entry's errorClass). */
function failure(name: string): Error {
  const err = new Error(`${name} on this row`);
  err.name = name;
  return err;
}

/** Dead-letters a row as the worker does (DLQ entry, index, ledger), then fails its job away. */
async function deadLetter(ctx: OpsContext, connection: string, importId: string, line: number, error = 'X') {
  const writer = new DeadLetterWriter(
    ctx.deadLetterQueue,
    ctx.ledger,
    new DeadLetterIndex(redis, ctx.prefix),
  );
  const job = (await ctx.leadQueueOf(connection).getJob(jobIdFor(importId, line))) as Job<LeadJobData>;
  expect(job, `${importId} line ${line}`).toBeTruthy();
  await writer.write(job, failure(error), 4);
  // A worker dying before the ledger step runs the row again, and writes it again: still one entry.
  await writer.write(job, failure(error), 4);
  await job.remove();
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('countDeadLettersOf', () => {
  it('counts one connection’s entries from its index, right through add, replay and delete, without reading the DLQ', async () => {
    const ctx = twoConnections();
    await seedImport(ctx, 'acme-1', [2, 3, 4].map(pending), { connection: 'acme' });
    await seedImport(ctx, 'acme-2', [2].map(pending), { connection: 'acme' });
    await seedImport(ctx, 'def-1', [2, 3].map(pending));
    // Nothing yet: the index (empty) adds up to the DLQ (empty).
    expect(total(await countDeadLettersOf(ctx, 'acme'))).toBe(0);
    expect(total(await countDeadLettersOf(ctx, 'default'))).toBe(0);

    const reads = vi.spyOn(ctx.deadLetterQueue, 'getRanges');
    /** The tile's count, checked against every entry listed for the connection; the count itself reads no DLQ id. */
    const tile = async (connection: string) => {
      const before = reads.mock.calls.length;
      const n = total(await countDeadLettersOf(ctx, connection));
      expect(reads.mock.calls.length, 'the count read the DLQ').toBe(before);
      expect(n).toBe((await listDeadLetters(ctx, { connection })).length);
      return n;
    };

    // Add.
    await deadLetter(ctx, 'acme', 'acme-1', 2);
    await deadLetter(ctx, 'acme', 'acme-1', 3, 'Transient');
    await deadLetter(ctx, 'acme', 'acme-1', 4);
    await deadLetter(ctx, 'acme', 'acme-2', 2);
    await deadLetter(ctx, 'default', 'def-1', 2);
    await deadLetter(ctx, 'default', 'def-1', 3);
    expect(await tile('acme')).toBe(4);
    expect(await tile('default')).toBe(2);

    // Replay: the row is back on acme's queue, its entry gone.
    expect(await retryDeadLetters(ctx, { importId: 'acme-1', errorClass: 'Transient' })).toMatchObject({
      requeued: 1,
    });
    expect(await tile('acme')).toBe(3);
    // It fails for good this time: an entry again.
    await deadLetter(ctx, 'acme', 'acme-1', 3);
    expect(await tile('acme')).toBe(4);

    // Delete.
    expect(await purgeDeadLetters(ctx, { importId: 'acme-1' })).toEqual({ removed: 3 });
    expect(await tile('acme')).toBe(1);
    expect(await tile('default')).toBe(2);

    // A stale entry (its row moved on) that retry drops.
    await ctx.ledger.recordRequeued('acme-2', 2);
    await ctx.ledger.recordCreated('acme-2', 2, { leadId: 'L2' });
    expect(await retryDeadLetters(ctx, { importId: 'acme-2' })).toMatchObject({ stale: 1, requeued: 0 });
    expect(await tile('acme')).toBe(0);
    expect(await tile('default')).toBe(2);
  });

  it('reads the DLQ once for entries written before the index existed (or removed behind its back), and heals the index', async () => {
    const ctx = twoConnections();
    // Dead-lettered the way an earlier version did: a DLQ entry, no index.
    await seedImport(
      ctx,
      'old-1',
      [
        {
          line: 2,
          cells: ['A', 'a@example.com', 'Acme'],
          outcome: 'dead-lettered',
          errorClass: 'X',
          message: 'x',
        },
      ],
      { connection: 'acme' },
    );
    await seedImport(ctx, 'new-1', [2, 3].map(pending), { connection: 'acme' });
    await seedImport(ctx, 'def-1', [2].map(pending));
    await deadLetter(ctx, 'acme', 'new-1', 2);
    await deadLetter(ctx, 'default', 'def-1', 2);
    const reads = vi.spyOn(ctx.deadLetterQueue, 'getRanges');
    const count = async (connection: string) => {
      const before = reads.mock.calls.length;
      const n = total(await countDeadLettersOf(ctx, connection));
      return { n, readTheDlq: reads.mock.calls.length > before };
    };

    // The index does not add up (the old entry is in none): read as before, once, and the old entry indexed.
    expect(await count('acme')).toEqual({ n: 2, readTheDlq: true });
    expect(await count('acme')).toEqual({ n: 2, readTheDlq: false });
    expect(await count('default')).toEqual({ n: 1, readTheDlq: false });

    // An entry removed by something else than our commands (its id left in the index): read once more, and dropped.
    await ctx.deadLetterQueue.remove(jobIdFor('new-1', 2));
    expect(await count('acme')).toEqual({ n: 1, readTheDlq: true });
    expect(await count('acme')).toEqual({ n: 1, readTheDlq: false });

    // Between its two steps, an add reads the DLQ rather than miscount.
    await deadLetter(ctx, 'acme', 'new-1', 3);
    await redis.srem(ctx.keys.deadLetterIndex('acme'), jobIdFor('new-1', 3));
    expect(await count('acme')).toEqual({ n: 2, readTheDlq: true });
    expect(await count('acme')).toEqual({ n: 2, readTheDlq: false });
    expect(await count('default')).toEqual({ n: 1, readTheDlq: false });
  });
});
