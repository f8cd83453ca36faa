import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { type ClusterTarget, parseRedisTarget, type SentinelTarget } from '../config/redis-target.js';

/**
 * Redis connections by role, following BullMQ's production guide:
 * - `command` (producer, CLI commands): fail fast when Redis is down (`enableOfflineQueue: false`,
 *   few retries), so the user gets a clear message instead of a hang.
 * - `worker`: wait forever (`maxRetriesPerRequest: null`); a worker survives a Redis restart, and a
 *   Sentinel failover (it asks the sentinels for the new primary until one is promoted).
 */
export type RedisRole = 'command' | 'worker';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * A client for `url` (`redis://`, `rediss://`, a socket path, `redis+sentinel://` or `redis+cluster://`), not
 * connected yet. Every client the importer opens comes from here or is a duplicate of one
 * ({@link duplicateRedis}: BullMQ's own, a worker's copy of the client it was given), which keeps the Sentinel or cluster options.
 *
 * A cluster comes back as an ioredis `Cluster` typed as a `Redis`: it takes the same commands (each routed to
 * the node of its key's slot), `defineCommand` scripts, `multi()` within one slot, and BullMQ
 * takes it as a connection. What differs is named where it matters: {@link isClusterRedis}.
 */
export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra }
      : {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 5_000,
          retryStrategy: (times) => (times > 3 ? null : 200 * times),
          ...extra,
        };
  const target = parseRedisTarget(url);
  if (target.kind === 'standalone') return new Redis(url, { lazyConnect: true, ...options });
  if (target.kind === 'cluster') return createCluster(target, options) as unknown as Redis;
  return new Redis({ lazyConnect: true, ...sentinelOptions(target), ...options, ...sentinelRetry(options) });
}

/**
 * An ioredis Cluster on the seed nodes. The role's options go to every node's client (`redisOptions`); the
 * cluster's own retry follows the role's (`clusterRetryStrategy`), so a command gives up after a few tries and
 * a worker waits. `maxRedirections` and `retryDelayOnMoved` stay ioredis's: a slot moving (resharding, a
 * failover) is followed, not reported.
 */
function createCluster(target: ClusterTarget, options: RedisOptions): Cluster {
  // `enableOfflineQueue` stays out: see below.
  const {
    retryStrategy,
    enableOfflineQueue: _,
    maxRetriesPerRequest,
    enableReadyCheck,
    ...nodeOptions
  } = options;
  const clusterOptions: ClusterOptions = {
    lazyConnect: true,
    redisOptions: {
      ...nodeOptions,
      ...(maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest } : {}),
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
    },
    // No `enableOfflineQueue: false` here: a cluster's slot refreshes go through it, and without it one that is
    // due when a command client closes rejects with nobody to catch it. Commands still fail fast: the cluster
    // gives up reconnecting after the role's retries, and what waited fails then.
    ...(enableReadyCheck !== undefined ? { enableReadyCheck } : {}),
    ...(retryStrategy !== undefined
      ? {
          clusterRetryStrategy: (times: number) =>
            retryStrategy === null ? null : (retryStrategy(times) ?? null),
        }
      : {}),
  };
  return new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    clusterOptions,
  );
}

/**
 * Every key matching `pattern`, in batches (SCAN, so Redis is never blocked). On a cluster SCAN walks one node's
 * keys, so it runs on every master in turn.
 */
export async function* scanKeys(redis: Redis, pattern: string, count = 100): AsyncGenerator<string[]> {
  const nodes = isClusterRedis(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}

/** Whether a client talks to a Redis Cluster (an ioredis `Cluster`, see {@link createRedis}). */
export function isClusterRedis(redis: unknown): boolean {
  return (redis as { isCluster?: unknown } | null)?.isCluster === true;
}

/**
 * A new client like `redis` with `override` applied: `Redis#duplicate(override)`, or for a cluster
 * `Cluster#duplicate([], { redisOptions: override })` (its first argument is the seed nodes).
 */
export function duplicateRedis(redis: Redis, override: RedisOptions = {}): Redis {
  if (!isClusterRedis(redis)) return redis.duplicate(override);
  const cluster = redis as unknown as Cluster;
  const { lazyConnect, enableOfflineQueue, ...nodeOverride } = override;
  return cluster.duplicate([], {
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    // A duplicate may be sent commands before its slot map is in: queue them meanwhile.
    enableOfflineQueue: enableOfflineQueue ?? true,
    redisOptions: { ...cluster.options.redisOptions, ...nodeOverride },
  }) as unknown as Redis;
}

/** ioredis options that find the primary through Sentinel. */
function sentinelOptions(target: SentinelTarget): RedisOptions {
  return {
    sentinels: target.sentinels,
    name: target.name,
    db: target.db,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.sentinelUsername ? { sentinelUsername: target.sentinelUsername } : {}),
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    // A primary demoted to replica (it came back after a failover, or a partition healed) answers writes
    // with READONLY: reconnect, which asks the sentinels again, and re-send the command (2) to the new one.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
}

/**
 * With every sentinel unreachable, ioredis retries by `sentinelRetryStrategy`; when that gives up the client
 * ends for good, whatever `retryStrategy` says. So it follows the role's `retryStrategy`: a command gives up
 * after a few tries with a clear message, a worker (and the dashboard) keeps trying.
 */
function sentinelRetry(options: RedisOptions): RedisOptions {
  const retry = options.retryStrategy;
  if (retry === undefined) return {};
  return { sentinelRetryStrategy: (times) => (retry === null ? null : (retry(times) ?? null)) };
}

/**
 * Query parameters shown as they are. ioredis takes every other one as a connection option, and some of
 * those are secrets (`password`, `sentinelPassword`, …), so anything not listed here is hidden.
 */
const SHOWN_QUERY_KEYS = new Set(['db', 'family', 'username', 'connectionname', 'name', 'role']);

function redactQuery(query: string): string {
  const params = new URLSearchParams(query);
  for (const key of new Set(params.keys())) {
    if (!SHOWN_QUERY_KEYS.has(key.toLowerCase())) params.set(key, '***');
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * A Sentinel URL fit for messages. `new URL()` cannot read its host list, so the password is found by hand:
 * whatever follows the first `:` of the part before the last `@` of the authority.
 */
function redactSentinelUrl(url: string): string {
  const start = url.indexOf('://') + 3;
  const queryAt = url.indexOf('?', start);
  const head = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : redactQuery(url.slice(queryAt + 1).split('#')[0] ?? '');
  const slash = head.indexOf('/', start);
  const authorityEnd = slash === -1 ? head.length : slash;
  const at = head.lastIndexOf('@', authorityEnd);
  if (at < start) return `${head}${query}`;
  const userinfo = head.slice(start, at);
  const colon = userinfo.indexOf(':');
  const shown = colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:***`;
  return `${head.slice(0, start)}${shown}${head.slice(at)}${query}`;
}

/** A Redis URL fit for messages: the password, if any, and every query value that may be a secret replaced. */
export function redactRedisUrl(url: string): string {
  if (/^rediss?\+(sentinel|cluster):\/\//i.test(url.trim())) return redactSentinelUrl(url.trim());
  if (url.startsWith('/') && !url.startsWith('//')) {
    // A Unix socket path, as ioredis accepts it: `/run/redis.sock?password=…`.
    const q = url.indexOf('?');
    return q === -1 ? url : `${url.slice(0, q)}${redactQuery(url.slice(q + 1))}`;
  }
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.search) u.search = redactQuery(u.search);
    return u.toString();
  } catch {
    return '(invalid REDIS_URL)';
  }
}

/**
 * Longest {@link connectRedis} waits for a client to be ready, in ms: a backstop, well past a command client's own
 * give-up (a few tries of at most 5 s each), for any way a connect could otherwise wait on nothing.
 */
const CONNECT_DEADLINE_MS = 30_000;

/**
 * Connects and pings; throws {@link RedisUnavailableError} naming the URL (without password)
 * and the fix when Redis cannot be reached.
 *
 * A cluster whose nodes answer but whose `cluster_state` is `fail` (a slot range with no reachable master) never
 * settles ioredis's `Cluster#connect()`: its ready check fails, it reconnects until the retry strategy gives up,
 * and then it only emits `end`. Nothing else keeps the process alive, so a command awaiting that promise would
 * end with exit 0 having done nothing. So the connect also fails on `end`, and on a deadline.
 */
export async function connectRedis(
  redis: Redis,
  url: string,
  deadlineMs = CONNECT_DEADLINE_MS,
): Promise<Redis> {
  // Slots fetched (`refresh`) but never ready: the nodes answered, the cluster's ready check did not pass.
  let slotsFetched = false;
  const onRefresh = () => {
    slotsFetched = true;
  };
  let onEnd = () => {};
  let timer: NodeJS.Timeout | undefined;
  const givenUp = new Promise<never>((_, reject) => {
    onEnd = () =>
      reject(
        new Error(
          slotsFetched
            ? 'the cluster is down: its nodes answer, but it reports cluster_state:fail, so not every slot is served by a reachable master'
            : 'None of startup nodes is available',
        ),
      );
    timer = setTimeout(
      () =>
        reject(
          new Error(
            slotsFetched
              ? `the cluster is down: not ready within ${deadlineMs / 1000} s (not every slot is served by a reachable master)`
              : `no answer within ${deadlineMs / 1000} s`,
          ),
        ),
      deadlineMs,
    );
  });
  redis.on('refresh', onRefresh);
  redis.once('end', onEnd);
  try {
    await Promise.race([
      (async () => {
        if (redis.status === 'wait') await redis.connect();
        // A cluster is ready once it has the slot map; PING then goes to one node.
        await redis.ping();
      })(),
      givenUp,
    ]);
    return redis;
  } catch (err) {
    redis.disconnect();
    const reason = err instanceof Error ? err.message : String(err);
    const target = parseRedisTarget(url);
    throw new RedisUnavailableError(
      target.kind === 'sentinel'
        ? `Cannot reach the Redis primary "${target.name}" through the sentinels at ${redactRedisUrl(url)} (${reason}). Check that the sentinels run and monitor "${target.name}" (REDIS_SENTINELS and REDIS_SENTINEL_NAME, or REDIS_URL).`
        : target.kind === 'cluster'
          ? `Cannot reach the Redis Cluster at ${redactRedisUrl(url)} (${reason}). Check that its nodes run and the cluster is formed (\`redis-cli --cluster check host:port\`; REDIS_CLUSTER_NODES or REDIS_URL).`
          : `Cannot reach Redis at ${redactRedisUrl(url)} (${reason}). Start Redis (e.g. \`redis-server\`) or set REDIS_URL.`,
    );
  } finally {
    clearTimeout(timer);
    redis.off('refresh', onRefresh);
    redis.off('end', onEnd);
  }
}

/** What {@link waitForReplicas} found. */
export interface ReplicaWait {
  /** Replicas that confirmed holding every write this connection had sent before the call. */
  acknowledged: number;
  /** Replicas connected to the primary when asked (0 on a single Redis: nothing to wait for). */
  connected: number;
  /** At least `replicas` confirmed: a failover to any of them keeps the writes. */
  durable: boolean;
}

export interface ReplicaWaitOptions {
  /** Replicas that must confirm. @defaultValue 1 */
  replicas?: number;
  /**
   * Longest wait, in ms. `WAIT` blocks the connection it is sent on until then: other commands on
   * that connection queue behind it (a LAN round trip when replicas are healthy). @defaultValue 1000
   */
  timeoutMs?: number;
  /** How long a count of connected replicas is reused before `INFO replication` is asked again, in ms. @defaultValue 1000 */
  replicaCountTtlMs?: number;
}

const replicaCounts = new WeakMap<Redis, { at: number; connected: number }>();

/**
 * Replicas connected to the primary `redis` talks to (`INFO replication`). On a Redis Cluster there is no one
 * primary: `INFO` would answer for whichever node it reached, and `WAIT` counts the replicas of the node the
 * connection last wrote to, so both are off there (0: nothing waited for; see `DurableWrites`).
 */
export async function connectedReplicas(redis: Redis, ttlMs: number): Promise<number> {
  if (isClusterRedis(redis)) return 0;
  const cached = replicaCounts.get(redis);
  if (cached && Date.now() - cached.at < ttlMs) return cached.connected;
  const info = await redis.info('replication');
  const connected = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0);
  replicaCounts.set(redis, { at: Date.now(), connected });
  return connected;
}

/**
 * Makes the writes this connection has sent so far survive a failover: `WAIT n timeoutMs` until `n`
 * replicas hold them. Redis replicates asynchronously, so without it a primary that dies right after
 * acknowledging a write may take the write with it, and Sentinel promotes a replica that never saw it.
 * Call it after a write that must not be lost before acting on it (an intent before a create).
 *
 * On a single Redis (no replica connected) it returns at once with `durable: false` instead of
 * blocking for `timeoutMs`; so does it when the replicas are gone (right after a failover the new
 * primary has none until they re-attach). Where a write must be durable on one machine too, that is the
 * AOF's job (`appendfsync always`, or `WAITAOF` on Redis ≥ 7.2).
 */
export async function waitForReplicas(redis: Redis, options: ReplicaWaitOptions = {}): Promise<ReplicaWait> {
  const wanted = Math.max(1, options.replicas ?? 1);
  const connected = await connectedReplicas(redis, options.replicaCountTtlMs ?? 1000);
  if (connected === 0) return { acknowledged: 0, connected, durable: false };
  const acknowledged = Number(
    await redis.call('WAIT', Math.min(wanted, connected), options.timeoutMs ?? 1000),
  );
  return { acknowledged, connected, durable: acknowledged >= wanted };
}
