import { describe, expect, it } from 'vitest';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { keysFor, rememberImportConnection } from '../../src/queue/names.js';
import { BudgetGovernor } from '../../src/worker/budget-governor.js';
import { ChunkRow } from '../../src/worker/chunk-runner.js';
import { isRowLeaseLostError } from '../../src/worker/errors.js';
import { RowLeases } from '../../src/worker/row-lease.js';
import { leadsCsvImport } from '../helpers/import-record.js';
import { uniquePrefix } from '../helpers/redis.js';
import { useRedisCluster } from '../helpers/redis-cluster.js';
import { held, jobsFor } from '../worker/helpers.js';

/*
 * What goes together on one Redis goes per hash tag on a cluster (a script runs in one slot): the admissions and
 * the outcomes and the row checkpoints of several connections asked at the same moment.
 */
const cluster = useRedisCluster();

/** An import of `connection`'s, its record created: its keys carry the connection's tag. */
async function connectionImport(ledger: ImportLedger, prefix: string, connection: string, importId: string) {
  rememberImportConnection(prefix, importId, connection);
  await ledger.createImport(leadsCsvImport(importId, { connection }));
}

describe('a Redis Cluster', () => {
  it('admits the calls of several connections asked at the same moment, one script call per connection', async () => {
    const { redis } = cluster();
    const prefix = uniquePrefix('clb');
    const governors = ['acme', 'globex', 'initech'].map((connection) => {
      const g = new BudgetGovernor({
        redis,
        prefix,
        companyKey: `company-${connection}`,
        connection,
        dailyTokens: 25,
        reserve: 0,
        resetOffsetMs: 0,
      });
      const callsKey = keysFor(prefix, { cluster: true, connection }).window('token', 'calls');
      return { g, window: (member: string) => ({ callsKey, callsCap: 5, member, horizonMs: 5000 }) };
    });
    const answers = await Promise.all(
      governors.flatMap(({ g, window }, i) => [
        g.admit(10, false, window(`${i}-a`)),
        g.admit(10, false, window(`${i}-b`)),
        g.admit(10, false, window(`${i}-c`)),
      ]),
    );
    expect(answers.map((a) => a.kind)).toEqual(Array(3).fill(['admitted', 'admitted', 'spent']).flat());
    for (const { g } of governors) expect(await redis.hget(g.currentKey(), 'used')).toBe('20');
  });

  it('records the outcomes of several connections finished at the same moment, and marks lines in one step', async () => {
    const { redis } = cluster();
    const prefix = uniquePrefix('clo');
    const ledger = new ImportLedger(redis, prefix);
    const imports = ['acme', 'globex'].map((connection) => ({ connection, importId: `imp-${connection}` }));
    for (const { connection, importId } of imports) {
      await connectionImport(ledger, prefix, connection, importId);
      expect(await ledger.markEnqueued(importId, [2, 3, 2])).toEqual([true, true, false]);
      await ledger.setState(importId, 'enqueued');
      for (const line of [2, 3]) await redis.set(ledger.keys.lease(importId, line), `w:${line}`);
    }
    const results = await Promise.all(
      imports.flatMap(({ importId }) =>
        [2, 3].map((line) =>
          ledger.recordCreated(
            importId,
            line,
            { leadId: `${importId}-${line}` },
            { tokensUsed: 10 },
            { key: ledger.keys.lease(importId, line), value: `w:${line}` },
            { finish: true },
          ),
        ),
      ),
    );
    expect(results.map((r) => r.applied)).toEqual([true, true, true, true]);
    expect(results.map((r) => r.completedImport)).toEqual([false, true, false, true]);
    for (const { importId } of imports) {
      expect(await ledger.getImport(importId)).toMatchObject({
        state: 'completed',
        created: 2,
        tokensUsed: 20,
      });
      expect(await ledger.rowStates(importId, [2, 3])).toEqual([RowState.Created, RowState.Created]);
    }
  });

  it('checkpoints the rows of several connections asked at the same moment, each call in one slot and each row fenced by its own lease', async () => {
    const { redis } = cluster();
    const prefix = uniquePrefix('clc');
    const ledger = new ImportLedger(redis, prefix);
    const leases = new RowLeases({ redis, prefix, workerId: 'worker-a', ttlMs: 5000 });
    const rows = [];
    for (const connection of ['acme', 'globex']) {
      const importId = `imp-${connection}`;
      await connectionImport(ledger, prefix, connection, importId);
      await ledger.markEnqueued(importId, [2, 3]);
      for (const data of jobsFor(importId, [{ title: 'A' }, { title: 'B' }])) {
        rows.push(new ChunkRow({ ...data, cpKey: 1 }, 'chunk-1', `${prefix}:lead`).asJob());
      }
    }
    const mine = await Promise.all(rows.map(async (job) => held(await leases.take(job))));
    // acme's line 3 passed to another worker.
    await redis.set(mine[1]!.key, 'worker-b:feedfacefeedface', 'PX', 5000);
    const saved = await Promise.allSettled(
      rows.map((job, i) => mine[i]!.save(job, { ...job.data, checkpoint: { leadIntentAt: i + 1 } })),
    );
    expect(saved.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((saved[1] as PromiseRejectedResult).reason).toSatisfy(isRowLeaseLostError);
    const stored = await Promise.all(
      rows.map(async (job) => redis.get(ledger.keys.rowCheckpoint(job.data.importId, job.data.line))),
    );
    expect(stored.map((s) => (s === null ? null : JSON.parse(s)))).toEqual([
      { leadIntentAt: 1 },
      null,
      { leadIntentAt: 3 },
      { leadIntentAt: 4 },
    ]);
  });
});
