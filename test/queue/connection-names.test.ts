import { describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { DLQ_QUEUE, keysFor, LEAD_QUEUE, leadQueueName } from '../../src/queue/names.js';
import { leadsCsvImport } from '../helpers/import-record.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();

describe('names per connection', () => {
  it('keeps the default connection on lead-import, so an existing deployment keeps its queue', () => {
    expect(leadQueueName('default')).toBe(LEAD_QUEUE);
    expect(LEAD_QUEUE).toBe('lead-import');
  });

  it('gives every other connection a lead queue of its own, never the dead-letter queue', () => {
    expect(leadQueueName('acme')).toBe('lead-import-acme');
    expect(leadQueueName('globex-eu_2')).toBe('lead-import-globex-eu_2');
    expect(() => leadQueueName('dlq')).toThrow(RangeError);
    expect(new Set(['default', 'acme', 'globex'].map(leadQueueName)).has(DLQ_QUEUE)).toBe(false);
  });

  it('refuses a name that cannot be part of a queue name or a Redis key', () => {
    for (const bad of ['', 'Acme', 'acme corp', 'a:b', '-acme', 'x'.repeat(33), '{acme}']) {
      expect(() => leadQueueName(bad), bad).toThrow(/Invalid connection name/);
      expect(() => keysFor('lpi').connectionControl(bad), bad).toThrow(/Invalid connection name/);
    }
  });

  it("keeps the default connection's flags where today's workers write them, and every other's apart", () => {
    const keys = keysFor('lpi');
    expect(keys.connectionControl('default')).toBe(keys.control);
    expect(keys.connectionControl('acme')).toBe('lpi:control:acme');
  });
});

describe("an import's connection in the ledger", () => {
  it('is stored with the import and read back', async () => {
    const ledger = new ImportLedger(redis, uniquePrefix());
    const { record } = await ledger.createImport(leadsCsvImport('imp-acme', { connection: 'acme' }));
    expect(record.connection).toBe('acme');
    expect((await ledger.getImport('imp-acme'))?.connection).toBe('acme');
    expect((await ledger.listImports()).map((r) => r.connection)).toEqual(['acme']);
  });

  it('is default when not given, and for records written before connections existed', async () => {
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    expect((await ledger.createImport(leadsCsvImport('imp-new'))).record.connection).toBe('default');
    // A record as an older version wrote it: no connection field at all.
    await redis.hset(keysFor(prefix).import('imp-old'), {
      importId: 'imp-old',
      fileName: 'old.csv',
      state: 'completed',
    });
    expect(await ledger.getImport('imp-old')).toMatchObject({ importId: 'imp-old', connection: 'default' });
  });
});
