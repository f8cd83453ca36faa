import { describe, expect, it } from 'vitest';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { keysFor, rememberImportConnection } from '../../src/queue/names.js';
import { BudgetGovernor } from '../../src/worker/budget-governor.js';
import { leadsCsvImport } from '../helpers/import-record.js';
import { uniquePrefix } from '../helpers/redis.js';
import { useRedisCluster } from '../helpers/redis-cluster.js';

/*
 * What goes together on one Redis goes per hash tag on a cluster (a script runs in one slot): the admissions and
 * the outcomes of several connections asked at the same moment.
 */
const cluster = useRedisCluster();

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
      rememberImportConnection(prefix, importId, connection);
      await ledger.createImport(leadsCsvImport(importId, { connection }));
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
});
