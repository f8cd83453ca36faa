import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../../src/metrics/recorder.js';
import { ImportLedger } from '../../src/queue/ledger.js';
import {
  connectionTag,
  DLQ_QUEUE,
  deadLetterPrefix,
  leadQueueName,
  queuePrefix,
} from '../../src/queue/names.js';
import { readBudget } from '../../src/worker/budget-reader.js';
import { describeControl, readControl } from '../../src/worker/control.js';
import { uniquePrefix } from '../helpers/redis.js';
import { useRedisCluster } from '../helpers/redis-cluster.js';
import { expectEachHoldsItsOwn, rowsOf, startThreeCompanies } from '../helpers/three-companies.js';
import {
  enqueueImport,
  eventually,
  FAST_WORKER_FLAGS,
  finished,
  jobsFor,
  spawnWorker,
} from '../worker/helpers.js';

const cluster = useRedisCluster();

const NAMES = ['a', 'b', 'c'] as const;

/** The port of each master, by the slot ranges the cluster reports. */
async function masterBySlot(): Promise<(slot: number) => number> {
  const slots = (await cluster().redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  return (slot) => slots.find(([from, to]) => slot >= from && slot <= to)![2][1];
}

/** A key prefix whose connections a, b and c hash to three different masters (a third of prefixes do). */
async function prefixSpreadOverMasters(): Promise<string> {
  const master = await masterBySlot();
  for (;;) {
    const prefix = uniquePrefix('cli');
    const nodes = new Set(NAMES.map((n) => master(calculateSlot(connectionTag(prefix, n)))));
    if (nodes.size === NAMES.length) return prefix;
  }
}

/** Our keys (and BullMQ's) each master holds, by the hash tag they carry. */
async function tagsByMaster(prefix: string): Promise<Map<number, Set<string>>> {
  const byMaster = new Map<number, Set<string>>();
  for (const port of cluster().nodes.ports) {
    const node = new Redis({ port, host: '127.0.0.1' });
    try {
      const tags = new Set<string>();
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `*{${prefix}*`, 'COUNT', 1000);
        cursor = next;
        for (const k of keys) tags.add(/\{[^}]*\}/.exec(k)![0]);
      } while (cursor !== '0');
      byMaster.set(port, tags);
    } finally {
      node.disconnect();
    }
  }
  return byMaster;
}

describe('three companies on a three-master Redis Cluster', () => {
  it('keeps each company in its own slot on its own master, and a spent budget and a revoked token to their own company (the isolation test on a cluster)', async () => {
    const { nodes, redis } = cluster();
    const companies = await startThreeCompanies({ latencyMs: 20, latencyJitterMs: 20 });
    const { b, c, dir, connectionsFile } = companies;

    const prefix = await prefixSpreadOverMasters();
    const ledger = new ImportLedger(redis, prefix);
    await enqueueImport(redis, prefix, 'imp-a', jobsFor('imp-a', rowsOf('a', 80)), { connection: 'a' });
    await enqueueImport(redis, prefix, 'imp-b', jobsFor('imp-b', rowsOf('b', 40)), { connection: 'b' });
    await enqueueImport(redis, prefix, 'imp-c', jobsFor('imp-c', rowsOf('c', 40)), { connection: 'c' });
    const queues = Object.fromEntries(
      NAMES.map((n) => [
        n,
        new Queue(leadQueueName(n), { connection: redis, prefix: queuePrefix(prefix, n, true) }),
      ]),
    );
    const dlq = new Queue(DLQ_QUEUE, { connection: redis, prefix: deadLetterPrefix(prefix, true) });

    const worker = spawnWorker(
      { REDIS_URL: nodes.url, REDIS_PREFIX: prefix, PIPEDRIVE_CONNECTIONS_FILE: connectionsFile },
      [
        ...FAST_WORKER_FLAGS,
        '--concurrency',
        '6',
        '--budget-probe-interval-ms',
        '300',
        '--auth-probe-interval-ms',
        '300',
      ],
    );
    try {
      const created = async (id: string) => (await ledger.getImport(id))?.created ?? 0;
      await eventually(async () => (await created('imp-b')) >= 10, { what: 'B to create 10 leads' });
      b.exhaustBudget();
      await eventually(async () => (await created('imp-c')) >= 10, { what: 'C to create 10 leads' });
      c.setApiToken('token-c-rotated');

      expect(await finished(ledger, 'imp-a', 40_000)).toMatchObject({ created: 80, deadLettered: 0 });

      const waitLine = await worker.waitForLine(/Waiting for budget until/);
      expect(JSON.parse(waitLine)).toMatchObject({ connection: 'b' });
      expect(describeControl(await readControl(redis, prefix, 'b'))).toMatch(/^waiting for budget until /);
      expect(await readBudget(redis, prefix, 'b')).toMatchObject({ left: 0, limit: 30_000 });
      await eventually(() => queues.c!.isPaused(), { what: "C's queue to pause" });
      expect((await readControl(redis, prefix, 'c')).blockedReason).toMatch(
        /rejected the API token of connection "c"/,
      );
      expect(await readControl(redis, prefix, 'a')).toEqual({});
      expect(await queues.a!.isPaused()).toBe(false);
      expect(await dlq.count()).toBe(0);

      b.newDay();
      expect(await finished(ledger, 'imp-b', 30_000)).toMatchObject({ created: 40, deadLettered: 0 });
      writeFileSync(join(dir, 'c.token'), 'token-c-rotated\n');
      worker.proc.kill('SIGHUP');
      await worker.waitForLine(/Connection c: restarted/);
      expect(await finished(ledger, 'imp-c', 30_000)).toMatchObject({ created: 40, deadLettered: 0 });
      expect(await dlq.count()).toBe(0);

      expectEachHoldsItsOwn(companies, { a: 80, b: 40, c: 40 });
      expect(await worker.stop()).toBe(0);
      // The one error expected: c's revoked token pauses c (logged at error, level 50, since the process goes on).
      const tokenPause = (l: string) =>
        l.includes('Processing paused: Pipedrive rejected the API token of connection \\"c\\"');
      expect(worker.lines.filter((l) => l.includes('"level":50') && tokenPause(l))).toHaveLength(1);
      expect(worker.lines.filter((l) => /CROSSSLOT|MOVED|"level":(50|60)/.test(l) && !tokenPause(l))).toEqual(
        [],
      );
      const [ma, mb] = await Promise.all(['a', 'b'].map((n) => readMetrics(redis, prefix, n)));
      expect(ma).toMatchObject({ 'outcome|created': 80 });
      expect(ma).not.toHaveProperty('rate_limited|daily');
      expect(mb).toMatchObject({ 'outcome|created': 40, 'rate_limited|daily': expect.any(Number) });

      // Each company's keys (its queue, ledger, budget, windows, caches, control, counters) are on a master of
      // their own, under its tag alone; what they share is under the prefix's tag.
      const master = await masterBySlot();
      const byMaster = await tagsByMaster(prefix);
      for (const n of NAMES) {
        const tag = connectionTag(prefix, n);
        const home = master(calculateSlot(tag));
        expect(byMaster.get(home), n).toContain(tag);
        for (const [port, tags] of byMaster)
          if (port !== home) expect(tags.has(tag), `${n} on ${port}`).toBe(false);
      }
      expect(new Set(NAMES.map((n) => master(calculateSlot(connectionTag(prefix, n)))))).toHaveProperty(
        'size',
        3,
      );
      const everyTag = new Set([...byMaster.values()].flatMap((t) => [...t]));
      expect([...everyTag].sort()).toEqual(
        [`{${prefix}}`, ...NAMES.map((n) => connectionTag(prefix, n))].sort(),
      );
    } finally {
      await worker.stop();
      await Promise.all([...Object.values(queues).map((q) => q.close()), dlq.close()]);
    }
  }, 90_000);
});
