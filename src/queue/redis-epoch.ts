import type { Redis } from 'ioredis';
import { keyScope, keysFor } from './names.js';

/*
 * Every script reads the server's own `run_id` (INFO is allowed in scripts): it changes whenever
 * redis-server starts (a restart, a crash, a replica promoted by a failover) and is never
 * persisted, so it tells a server that may have come back without its last writes from one that
 * has run all along, and it does so inside the same atomic step as the write it guards.
 */
const RUN_ID = `
local info = redis.call('INFO', 'server')
local run = string.match(info, 'run_id:(%x+)')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/* Records a new server in the global epoch; returns the live run id, the server time and the company's epoch. */
const STATUS_LUA = `${RUN_ID}
local known = redis.call('HGET', KEYS[1], 'runId')
if known ~= run then
  redis.call('HSET', KEYS[1], 'runId', run, 'since', now, 'previousRunId', known or '')
  if known then redis.call('HINCRBY', KEYS[1], 'changes', 1) end
end
local c = redis.call('HMGET', KEYS[2], 'runId', 'durableAt', 'adoptUntil')
return { run, now, c[1] or '', c[2] or '', c[3] or '' }
`;

/* The durable point moves only while the company's epoch is this server's: after a restart it stays where the crash left it. */
const MARK_LUA = `${RUN_ID}
if redis.call('HGET', KEYS[1], 'runId') ~= run then return 0 end
redis.call('HSET', KEYS[1], 'durableAt', now)
return now
`;

/* Commits a reconciliation done for server ARGV[1]; refused if the server changed meanwhile. */
const COMMIT_LUA = `${RUN_ID}
if run ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'runId', run, 'durableAt', now, 'reconciledAt', now)
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

/* The live run id only (KEYS[1] routes it to the node of the connection's keys, on a cluster). */
const RUN_ID_LUA = `${RUN_ID}
return run
`;

type EpochRedis = Redis & {
  epochRunId(global: string): Promise<string>;
  epochStatus(global: string, company: string): Promise<[string, number, string, string, string]>;
  epochMark(company: string): Promise<number>;
  epochCommit(company: string, runId: string, ...fields: (string | number)[]): Promise<number>;
};

/** What a worker needs to know about the Redis it talks to, for one company. */
export interface EpochStatus {
  /** The `run_id` of the redis-server answering now. */
  liveRunId: string;
  /** Redis's clock (ms). */
  serverNow: number;
  /** The `run_id` the company's workers last reconciled against; undefined for a company never seen. */
  companyRunId: string | undefined;
  /**
   * The newest durable point the company's workers left (Redis time, ms): every write made before
   * it is still in Redis, so creates whose intents may be gone were sent after it.
   */
  durableAt: number | undefined;
  /** Until when rows look in the adoption book before creating (ms), after a reconciliation that filled it. */
  adoptUntil: number | undefined;
}

/**
 * The Redis **epoch**: which redis-server the workers are talking to, and up to when what they
 * wrote is known to be there. `{prefix}:epoch` records the server (`run_id`) and since when;
 * `{prefix}:epoch:{company}` the server a company's workers have reconciled against and their
 * **durable point**, a Redis timestamp they refresh every second while the server is that one.
 *
 * When the server changes (it restarted, or a replica was promoted), the durable point stays
 * where it was: the newest of those timestamps that survived. Redis applies and logs writes in
 * order, so every write made before it survived, and a create whose intent was lost was sent after
 * it. See `src/worker/durability-gate.ts` for what the workers do with that.
 */
export class RedisEpoch {
  private readonly redis: EpochRedis;
  private readonly keys: ReturnType<typeof keysFor>;

  /** @param connection - the connection whose companies these are (its hash tag, on a Redis Cluster) */
  constructor(redis: Redis, prefix: string, connection = 'default') {
    if (!('epochRunId' in redis)) {
      redis.defineCommand('epochStatus', { numberOfKeys: 2, lua: STATUS_LUA });
      redis.defineCommand('epochMark', { numberOfKeys: 1, lua: MARK_LUA });
      redis.defineCommand('epochCommit', { numberOfKeys: 1, lua: COMMIT_LUA });
      redis.defineCommand('epochRunId', { numberOfKeys: 1, lua: RUN_ID_LUA });
    }
    this.redis = redis as EpochRedis;
    this.keys = keysFor(prefix, keyScope(redis, connection));
  }

  /** The `run_id` of the redis-server holding this connection's keys, recording nothing. */
  liveRunId(): Promise<string> {
    return this.redis.epochRunId(this.keys.epoch);
  }

  async status(companyKey: string): Promise<EpochStatus> {
    const [liveRunId, serverNow, companyRunId, durableAt, adoptUntil] = await this.redis.epochStatus(
      this.keys.epoch,
      this.keys.companyEpoch(companyKey),
    );
    return {
      liveRunId,
      serverNow: Number(serverNow),
      companyRunId: companyRunId || undefined,
      durableAt: durableAt ? Number(durableAt) : undefined,
      adoptUntil: adoptUntil ? Number(adoptUntil) : undefined,
    };
  }

  /**
   * Moves the company's durable point to now, if the server is still the one its epoch names.
   * Returns false when it is not: the server changed under us.
   */
  async markDurable(companyKey: string): Promise<boolean> {
    return (await this.redis.epochMark(this.keys.companyEpoch(companyKey))) !== 0;
  }

  /**
   * Declares the company reconciled against server `runId` (the epoch begins: durable points move
   * again), with `fields` kept for operators (what the reconciliation found and cost). False when
   * the server changed again meanwhile: reconcile once more.
   */
  async commit(
    companyKey: string,
    runId: string,
    fields: Record<string, string | number> = {},
  ): Promise<boolean> {
    const args = Object.entries(fields).flat();
    return (await this.redis.epochCommit(this.keys.companyEpoch(companyKey), runId, ...args)) === 1;
  }

  /** The company's epoch record, for operators and tests. */
  async describe(companyKey: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.companyEpoch(companyKey));
  }
}
