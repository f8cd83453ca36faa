import { QueueKeys } from 'bullmq';
import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/config-error.js';
import { readRedisUrl } from '../../src/config/redis-url.js';
import {
  connectRedis,
  createRedis,
  RedisUnavailableError,
  redactRedisUrl,
} from '../../src/queue/connection.js';
import {
  connectionTag,
  DLQ_QUEUE,
  deadLetterPrefix,
  jobIdFor,
  keyScope,
  keysFor,
  leadQueueName,
  queuePrefix,
  rememberImportConnection,
  UnknownImportConnectionError,
} from '../../src/queue/names.js';
import { callLimiterId } from '../../src/worker/call-limiter.js';

const PREFIX = 'lpi';
const CONNECTIONS = ['default', 'acme', 'globex'] as const;
const token = (c: string) => ({ apiToken: `token-of-${c}` });

/** Every key one connection's producer, workers and commands use on a cluster, ours and BullMQ's. */
function keysOfConnection(connection: string): string[] {
  const importId = `imp-${connection}`;
  rememberImportConnection(PREFIX, importId, connection);
  const keys = keysFor(PREFIX, { cluster: true, connection });
  const limiterId = callLimiterId(PREFIX, token(connection));
  const queue = leadQueueName(connection);
  const bull = Object.values(new QueueKeys(queuePrefix(PREFIX, connection, true)).getKeys(queue));
  return [
    keys.import(importId),
    keys.rowStates(importId),
    keys.outcomes(importId),
    keys.rejectCells(importId),
    keys.reverted(importId),
    keys.filled(importId, 'person', 7),
    keys.lease(importId, 3),
    keys.cache('c1', 'org'),
    keys.cache('c1', 'person'),
    keys.lock('c1', 'person', 'e:a@b.example'),
    keys.lock('c1', 'person-intent', 'e:a@b.example'),
    keys.epoch,
    keys.companyEpoch('c1'),
    keys.adoption('c1', 'leads'),
    keys.adoption('c1', 'claims'),
    keys.budget('c1', '2026-12-01'),
    keys.window(limiterId, 'calls'),
    keys.window(limiterId, 'search'),
    keys.connectionControl(connection),
    keys.connectionMetrics(connection),
    keys.deadLetterIndex(connection),
    ...bull,
    `${queuePrefix(PREFIX, connection, true)}:${queue}:${jobIdFor(importId, 3)}`,
  ];
}

describe('key names', () => {
  it('are the same as before on one Redis and behind Sentinel (imports in flight survive an upgrade)', () => {
    const plain = { isCluster: false };
    for (const keys of [keysFor(PREFIX), keysFor(PREFIX, keyScope(plain, 'acme'))]) {
      expect({
        imports: keys.imports,
        import: keys.import('i1'),
        rowStates: keys.rowStates('i1'),
        outcomes: keys.outcomes('i1'),
        rejectCells: keys.rejectCells('i1'),
        reverted: keys.reverted('i1'),
        cache: keys.cache('c1', 'org'),
        lock: keys.lock('c1', 'person', 'k'),
        filled: keys.filled('i1', 'org', 5),
        lease: keys.lease('i1', 2),
        epoch: keys.epoch,
        durableTick: keys.durableTick,
        companyEpoch: keys.companyEpoch('c1'),
        adoption: keys.adoption('c1', 'notes'),
        budget: keys.budget('c1', '2026-12-01'),
        window: keys.window('lpi-abc', 'calls'),
        control: keys.control,
        controlDefault: keys.connectionControl('default'),
        controlAcme: keys.connectionControl('acme'),
        metrics: keys.metrics,
        metricsDefault: keys.connectionMetrics('default'),
        metricsAcme: keys.connectionMetrics('acme'),
        workers: keys.workers,
      }).toEqual({
        imports: 'lpi:imports',
        import: 'lpi:imp:i1',
        rowStates: 'lpi:imp:i1:states',
        outcomes: 'lpi:imp:i1:out',
        rejectCells: 'lpi:imp:i1:rejcells',
        reverted: 'lpi:imp:i1:reverted',
        cache: 'lpi:cache:c1:org',
        lock: 'lpi:lock:c1:person:k',
        filled: 'lpi:imp:i1:filled:org:5',
        lease: 'lpi:imp:i1:lease:2',
        epoch: 'lpi:epoch',
        durableTick: 'lpi:epoch:tick',
        companyEpoch: 'lpi:epoch:c1',
        adoption: 'lpi:adopt:c1:notes',
        budget: 'lpi:budget:c1:2026-12-01',
        window: 'lpi:window:lpi-abc:calls',
        control: 'lpi:control',
        controlDefault: 'lpi:control',
        controlAcme: 'lpi:control:acme',
        metrics: 'lpi:metrics',
        metricsDefault: 'lpi:metrics',
        metricsAcme: 'lpi:metrics:acme',
        workers: 'lpi:workers',
      });
    }
    expect(queuePrefix(PREFIX, 'acme', false)).toBe('lpi');
    expect(deadLetterPrefix(PREFIX, false)).toBe('lpi');
    expect(callLimiterId(PREFIX, token('acme'))).toMatch(/^lpi-[0-9a-f]{16}$/);
  });

  it('on a cluster, put every key of one connection in one slot (its hash tag), and each connection in its own', () => {
    const slots = new Map<string, number>();
    for (const connection of CONNECTIONS) {
      const keys = keysOfConnection(connection);
      const slot = calculateSlot(connectionTag(PREFIX, connection));
      const wrong = keys.filter((k) => calculateSlot(k) !== slot);
      expect(wrong, connection).toEqual([]);
      slots.set(connection, slot);
    }
    expect(new Set(slots.values()).size).toBe(CONNECTIONS.length);
  });

  it('on a cluster, put what every connection shares in the shared slot, and the DLQ with it', () => {
    const keys = keysFor(PREFIX, { cluster: true });
    const shared = calculateSlot(`{${PREFIX}}`);
    const dlq = Object.values(new QueueKeys(deadLetterPrefix(PREFIX, true)).getKeys(DLQ_QUEUE));
    for (const key of [
      keys.imports,
      keys.importConnections,
      keys.control,
      keys.workers,
      keys.durableTick,
      ...dlq,
    ]) {
      expect(calculateSlot(key), key).toBe(shared);
    }
  });

  it("on a cluster, refuse to name an import's keys before its connection is known, and company keys without a connection", () => {
    const keys = keysFor(PREFIX, { cluster: true });
    expect(() => keys.import('never-seen')).toThrow(UnknownImportConnectionError);
    expect(() => keys.budget('c1', '2026-12-01')).toThrow(/connection/);
  });
});

describe('cluster configuration', () => {
  it('fails fast with a message naming the cluster, not its password, when no node answers', async () => {
    const url = 'redis+cluster://:s3cret@127.0.0.1:1,127.0.0.1:2';
    const started = Date.now();
    const client = createRedis(url, 'command');
    client.on('error', () => {}); // as the commands do: the rejection carries the message
    const err = await connectRedis(client, url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as Error).message).toMatch(
      /^Cannot reach the Redis Cluster at redis\+cluster:\/\/:\*\*\*@127/,
    );
    expect((err as Error).message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reads redis+cluster:// and REDIS_CLUSTER_NODES into one canonical URL', () => {
    expect(readRedisUrl({ REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2' })).toBe(
      'redis+cluster://10.0.0.1:7000,10.0.0.2:6379',
    );
    expect(readRedisUrl({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000 , [::1]:7001 ' })).toBe(
      'redis+cluster://10.0.0.1:7000,[::1]:7001',
    );
    expect(readRedisUrl({ REDIS_URL: 'redis+cluster://:s3cret@h1:7000' })).toBe(
      'redis+cluster://:s3cret@h1:7000',
    );
  });

  it('refuses what it cannot use, naming the variable, and never prints the password', () => {
    expect(() => readRedisUrl({ REDIS_URL: 'redis://h:1', REDIS_CLUSTER_NODES: 'h:7000' })).toThrow(
      ConfigError,
    );
    expect(() => readRedisUrl({ REDIS_URL: 'redis+cluster://h:7000/0' })).toThrow(/nodes and nothing else/);
    expect(() => readRedisUrl({ REDIS_CLUSTER_NODES: 'h:99999' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() => readRedisUrl({ REDIS_URL: 'rediss+cluster://h:7000' })).toThrow(/TLS/);
    expect(() =>
      loadConfig({ REDIS_URL: 'redis+cluster://h:7000', REDIS_PREFIX: '{lpi}', PIPEDRIVE_API_TOKEN: 't' }),
    ).toThrow(/hash tags/);
    expect(redactRedisUrl('redis+cluster://:s3cret@h1:7000,h2:7001')).toBe(
      'redis+cluster://:***@h1:7000,h2:7001',
    );
  });
});
