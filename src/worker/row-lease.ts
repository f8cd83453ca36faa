import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobCheckpoint, LeadJobData } from '../queue/job-data.js';
import { type LeaseFence, RowState } from '../queue/ledger.js';
import { groupByHashTag, hashTagOf, keyScope, keysFor } from '../queue/names.js';
import { sendTogether } from '../queue/send-together.js';
import { TurnBatcher, type TurnRequest, type TurnStep } from '../queue/turn-batcher.js';
import { RowLeaseLostError } from './errors.js';
import { uniqueTokens } from './unique-token.js';

/** A lease value is `workerId:` and 16 hex digits: 4 random bytes for this process's leases, then a count. */
const TOKEN_RANDOM_BYTES = 4;

/*
 * Takes the lease over from this worker's own earlier attempt (ARGV[3], `workerId:`): a lease of ours that no
 * attempt of this process holds any more (one that ended without releasing it, Redis being down) is taken over
 * rather than waited out. Only for that case, atomically: a row is taken with a plain `SET NX GET` (no script),
 * whose answer says whether the row was free and, if not, who holds it (NX with GET needs Redis 7.0).
 */
const TAKE_LUA = `
local cur = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX', 'GET')
if not cur then return { 1, '', 0 } end
if ARGV[3] == '' or string.sub(cur, 1, #ARGV[3]) ~= ARGV[3] then
  return { 0, cur, redis.call('PTTL', KEYS[1]) }
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return { 1, '', 0 }
`;

/**
 * How long a row's own checkpoint outlives its last write when nothing records the row's outcome (a row cancelled
 * while its chunk waited): the outcome's step deletes it otherwise.
 */
const ROW_CHECKPOINT_TTL_MS = 30 * 24 * 3_600_000;

/* Extends every lease that still holds its value (ARGV[i + 1]); returns the indexes (1-based) of the others. */
const RENEW_LUA = `
local lost = {}
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i + 1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
  else
    lost[#lost + 1] = i
  end
end
return lost
`;

/*
 * Checkpoint writes that only each one's lease holder can make, several rows in one call (see `RowLeases.saves`):
 * KEYS are each row's lease and where its checkpoint goes, ARGV[1] a row checkpoint's TTL (ms), then each row's
 * lease value, its kind and its data. Answers one number a row: -1 fenced out, 0 no such job, 1 written. The leases
 * are read first, in one MGET (a GET for a row alone), and nothing written here is a lease, so each row's write is
 * decided on its own lease as it is when the script runs, as one script a row would decide it.
 * - `c`: a row's own checkpoint key (`cpKey` rows), set with its TTL.
 * - `j`: the job's `data`. A job's hash always has its `data`, so HSET answers 0 (field updated) for a job that
 *   exists; an answer of 1 with the field now alone in the hash means HSET created the hash: there was no such job,
 *   and it is deleted again in the same atomic step.
 */
const SAVE_MANY_LUA = `
local n = #KEYS / 2
if n < 1 or n ~= math.floor(n) or #ARGV ~= 1 + 3 * n then return redis.error_reply('ERR bad checkpoint batch') end
local holders
if n == 1 then
  holders = { redis.call('GET', KEYS[1]) }
else
  local leases = {}
  for r = 1, n do leases[r] = KEYS[2 * r - 1] end
  holders = redis.call('MGET', unpack(leases))
end
local written = {}
for r = 1, n do
  local target, kind, data = KEYS[2 * r], ARGV[3 * r], ARGV[3 * r + 1]
  if holders[r] ~= ARGV[3 * r - 1] then
    written[r] = -1
  elseif kind == 'c' then
    redis.call('SET', target, data, 'PX', ARGV[1])
    written[r] = 1
  elseif redis.call('HSET', target, 'data', data) == 1 and redis.call('HLEN', target) == 1 then
    redis.call('DEL', target)
    written[r] = 0
  else
    written[r] = 1
  end
end
return written
`;

/** Most checkpoints in one call: a step with more sends the rest in the next (keeps one script's run short). */
const MAX_SAVES_PER_CALL = 256;

const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type LeaseRedis = Redis & {
  rowLeaseTake(
    key: string,
    value: string,
    ttlMs: number,
    ownPrefix: string,
  ): Promise<[number, string, number]>;
  rowLeaseRenew(...keysThenArgs: (string | number)[]): Promise<number[]>;
  rowLeaseRelease(key: string, value: string): Promise<number>;
  rowLeaseSaveMany(...keysThenArgs: (string | number)[]): Promise<number[]>;
};

/** Where a checkpoint goes: the row's own key (`c`, `cpKey` rows) or its job's `data` (`j`). */
type SaveKind = 'c' | 'j';

/** A checkpoint waiting for its call (see `RowLeases.splitSaves`). */
interface SaveRequest extends TurnRequest {
  lease: string;
  value: string;
  /** The row's checkpoint key, or its job's hash. */
  target: string;
  kind: SaveKind;
  data: string;
  /** -1 fenced out, 0 no such job, 1 written. */
  resolve(written: number): void;
}

/** A `cpKey` row's take: its lease's answer (the holder, or null when set), its state and its stored checkpoint. */
type TakeAnswer = [string | null, number, string | null];

/** A `cpKey` row's take waiting for its write (see `RowLeases.splitTakes`). */
interface TakeRequest extends TurnRequest {
  key: string;
  value: string;
  ttlMs: number;
  /** The import's row states key. */
  states: string;
  line: number;
  checkpointKey: string;
  resolve(answer: TakeAnswer): void;
}

export interface RowLeasesOptions {
  redis: Redis;
  prefix: string;
  workerId: string;
  /** How long a lease outlives its last renewal, in ms: the job lock's duration. */
  ttlMs: number;
}

/** Someone else runs the row: try again once their lease has run out. */
export interface LeaseBusy {
  busy: true;
  holder: string;
  /** Time left on their lease (ms). */
  remainingMs: number;
}

/** The row was finished (or cancelled) before this runner came: nothing to do. */
export interface RowFinished {
  finished: true;
  /** Its state in the ledger (`RowState`). */
  state: number;
}

/**
 * One runner per row. BullMQ runs a job once only while its lock holds; a worker that stops
 * renewing (frozen with SIGSTOP, an event loop stalled, Redis unreachable) loses it, and the row
 * runs again elsewhere while the first runner may still wake up and carry on. So each attempt takes
 * a **lease** (`{prefix}:imp:{id}:lease:{line}` → `workerId:token`, a fresh token per attempt)
 * with the lock's TTL, renewed when BullMQ renews the lock (its `locksRenewed` event) and dropped
 * when BullMQ says the lock is lost. The lease fences every write of the row: its checkpoints
 * ({@link RowLease.save}), its ledger outcome (the same Lua step checks it) and, right before each
 * create is sent, a {@link RowLease.check}. A runner that finds its lease gone or taken stops
 * without writing anything.
 *
 * What it cannot fence: a runner frozen between its last check and the moment its request leaves
 * (microseconds of work, but a freeze can land anywhere). Its create then reaches Pipedrive after the
 * next runner looked; the intent it wrote before is what the next runner looks with, and it waits
 * out the request timeout before looking (see `processor.ts`), which covers a request that was on
 * the wire, not one that had not left yet.
 */
export class RowLeases {
  private readonly redis: LeaseRedis;
  private readonly keys: ReturnType<typeof keysFor>;
  /** Leases held by attempts running in this process, by job id. */
  private readonly held = new Map<string, RowLease>();
  private readonly nextToken = uniqueTokens(TOKEN_RANDOM_BYTES);
  /** Takes of `cpKey` rows asked for, sent together (see {@link splitTakes}). */
  private readonly takes = new TurnBatcher<TakeRequest>(
    (taken) => this.splitTakes(taken),
    (step) => this.sendTakeStep(step),
  );
  /** Checkpoints asked for, sent together (see {@link splitSaves}). */
  private readonly saves = new TurnBatcher<SaveRequest>(
    (asked) => this.splitSaves(asked),
    (call) => this.sendSaves(call),
  );

  constructor(private readonly options: RowLeasesOptions) {
    const redis = options.redis;
    if (!('rowLeaseTake' in redis)) {
      redis.defineCommand('rowLeaseTake', { numberOfKeys: 1, lua: TAKE_LUA });
      redis.defineCommand('rowLeaseRenew', { lua: RENEW_LUA });
      redis.defineCommand('rowLeaseRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
      redis.defineCommand('rowLeaseSaveMany', { lua: SAVE_MANY_LUA });
    }
    this.redis = redis as LeaseRedis;
    this.keys = keysFor(options.prefix, keyScope(redis));
  }

  /** Leases held by this process now. */
  get size(): number {
    return this.held.size;
  }

  /**
   * Takes the row's lease for one attempt of `job`, or says who holds it. A row whose checkpoint lives under its
   * own key (`cpKey`) is taken only while Pending ({@link RowFinished} otherwise), and its lease carries the stored
   * checkpoint ({@link RowLease.storedCheckpoint}). `bullJobId`: the BullMQ job whose lock the lease lives with,
   * when it is not the row's own (a chunk's row: renewed and lost with the chunk's lock).
   *
   * One `SET NX GET` (a free row), and for a `cpKey` row the row's state and checkpoint read in the same write
   * (three commands, one round trip, no script); the `cpKey` rows taken in the same turn of the event loop (a chunk's
   * rows as their permits come, often several as the rows before them end together) share their reads
   * ({@link sendTakes}): a `SET` each, plus two. Read after the SET, they are final once it took the lease:
   * whoever recorded the row's outcome or wrote its checkpoint held the lease, which ended before this one was set,
   * and no one else writes either while this one holds (a cancel only moves a Pending row to Cancelled, which the
   * row's outcome may still move to Created). A state that is not Pending is final whoever holds the lease.
   */
  async take(job: Job<LeadJobData>, bullJobId?: string): Promise<RowLease | LeaseBusy | RowFinished> {
    const jobId = job.id as string;
    const { importId, line } = job.data;
    const key = this.keys.lease(importId, line);
    const value = `${this.options.workerId}:${this.nextToken()}`;
    const ttlMs = this.options.ttlMs;
    // An attempt of this process still holding the row (BullMQ gave it to us again after a stall)
    // is a runner like any other: never take over from it.
    const ownPrefix = this.held.has(jobId) ? '' : `${this.options.workerId}:`;
    const checkpointKey = job.data.cpKey === 1 ? this.keys.rowCheckpoint(importId, line) : undefined;
    const rowState = async (r: Redis) =>
      ((await r.bitfield_ro(this.keys.rowStates(importId), 'GET', 'u4', `#${line}`)) as number[])[0] ?? 0;
    const sentAt = performance.now();
    let holder: string | null;
    let state: number = RowState.Pending;
    let stored: string | null = null;
    if (checkpointKey) {
      [holder, state, stored] = await this.takes.ask({
        key,
        value,
        ttlMs,
        states: this.keys.rowStates(importId),
        line,
        checkpointKey,
      });
    } else {
      holder = await this.redis.set(key, value, 'PX', ttlMs, 'NX', 'GET');
    }
    let remainingMs: number | undefined;
    if (holder !== null && ownPrefix !== '' && holder.startsWith(ownPrefix)) {
      const [ok, current, pttl] = await this.redis.rowLeaseTake(key, value, ttlMs, ownPrefix);
      holder = ok === 1 ? null : current;
      remainingMs = pttl;
      // Taken over: what the row holds now is read under it.
      if (ok === 1 && checkpointKey) {
        [state, stored] = await sendTogether(this.redis, (r) => [rowState(r), r.get(checkpointKey)]);
      }
    }
    if (state !== RowState.Pending) {
      if (holder === null) await this.redis.rowLeaseRelease(key, value);
      return { finished: true, state };
    }
    if (holder !== null) {
      remainingMs ??= await this.redis.pttl(key);
      return { busy: true, holder, remainingMs: Math.max(0, remainingMs) };
    }
    const target = checkpointKey ?? `${job.queueQualifiedName}:${jobId}`;
    const kind: SaveKind = checkpointKey ? 'c' : 'j';
    const lease = new RowLease(
      this.redis,
      key,
      value,
      (data) => this.saves.ask({ lease: key, value, target, kind, data }),
      () => {
        if (this.held.get(jobId) === lease) this.held.delete(jobId);
      },
      bullJobId ?? jobId,
      checkpointKey,
      stored ?? undefined,
    );
    lease.heldAt(sentAt, ttlMs);
    this.held.set(jobId, lease);
    return lease;
  }

  /**
   * How the takes of `cpKey` rows waiting go (see `TurnBatcher`: those asked in the same turn of the event loop, and
   * those asked while a write was on its way, go together, as the ledger's outcomes do): one write on one Redis, one
   * per hash tag on a cluster, where an `MGET` stays in one slot. Each row's `SET NX GET` is its own, and comes
   * before the reads in the write, so each row's state and checkpoint are still read after its own lease was set;
   * what the rows share is the reads: one `BITFIELD_RO` per import for every row's state, one `MGET` of their
   * checkpoints (a `GET` for a row alone).
   */
  private splitTakes(taken: TakeRequest[]): TurnStep<TakeRequest> {
    return { calls: groupByHashTag(taken, (t) => t.key, this.keys.cluster) };
  }

  private async sendTakeStep(takes: TakeRequest[]): Promise<void> {
    const byImport = new Map<string, TakeRequest[]>();
    for (const t of takes) byImport.set(t.states, [...(byImport.get(t.states) ?? []), t]);
    const imports = [...byImport.entries()];
    const replies = await sendTogether(this.redis, (r) => [
      ...takes.map((t) => r.set(t.key, t.value, 'PX', t.ttlMs, 'NX', 'GET')),
      ...imports.map(([states, rows]) =>
        r.call('BITFIELD_RO', states, ...rows.flatMap((t) => ['GET', 'u4', `#${t.line}`])),
      ),
      takes.length === 1
        ? r.get(takes[0]!.checkpointKey).then((v) => [v])
        : r.mget(...takes.map((t) => t.checkpointKey)),
    ]);
    const stateOf = new Map<TakeRequest, number>();
    for (const [i, [, rows]] of imports.entries()) {
      const values = replies[takes.length + i] as number[];
      for (const [j, t] of rows.entries()) stateOf.set(t, values[j] ?? 0);
    }
    const stored = replies[replies.length - 1] as (string | null)[];
    for (const [i, t] of takes.entries()) {
      t.resolve([replies[i] as string | null, stateOf.get(t) ?? 0, stored[i] ?? null]);
    }
  }

  /**
   * How the checkpoints waiting go (see `TurnBatcher`: those asked in the same turn of the event loop, and those asked
   * while a call was on its way): one script call (SAVE_MANY_LUA) for all of them on one Redis, one per hash tag on a
   * cluster, where a script runs in one slot. Many rows are in flight at once (a company's window of them, in every
   * company), so a call often carries several: `EVALSHA` and the leases' `MGET` once, then a write a row, where one
   * call a row costs three commands a row.
   */
  private splitSaves(asked: SaveRequest[]): TurnStep<SaveRequest> {
    const calls = new Map<string, SaveRequest[]>();
    const later: SaveRequest[] = [];
    for (const r of asked) {
      const tag = this.keys.cluster ? `${hashTagOf(r.lease)} ${hashTagOf(r.target)}` : '';
      const call = calls.get(tag) ?? [];
      calls.set(tag, call);
      if (call.length >= MAX_SAVES_PER_CALL) later.push(r);
      else call.push(r);
    }
    return { calls: [...calls.values()], later };
  }

  private async sendSaves(call: SaveRequest[]): Promise<void> {
    const written = await this.redis.rowLeaseSaveMany(
      2 * call.length,
      ...call.flatMap((r) => [r.lease, r.target]),
      ROW_CHECKPOINT_TTL_MS,
      ...call.flatMap((r) => [r.value, r.kind, r.data]),
    );
    for (const [i, r] of call.entries()) r.resolve(Number(written[i]));
  }

  /**
   * Renews the leases of jobs whose locks BullMQ has just renewed (one round trip for all); a lease
   * that no longer holds our value is marked lost, and its row stops at its next step.
   */
  async renew(jobIds: string[]): Promise<void> {
    const leases = this.heldFor(jobIds);
    if (leases.length === 0) return;
    if (this.keys.cluster) {
      // One script runs in one slot: on a cluster, one round per connection (its hash tag) the leases are of.
      await Promise.all(groupByHashTag(leases, (l) => l.key).map((group) => this.renewGroup(group)));
      return;
    }
    await this.renewGroup(leases);
  }

  private async renewGroup(leases: RowLease[]): Promise<void> {
    const sentAt = performance.now();
    const lost = await this.redis.rowLeaseRenew(
      leases.length,
      ...leases.map((l) => l.key),
      this.options.ttlMs,
      ...leases.map((l) => l.value),
    );
    const lostSet = new Set(lost);
    leases.forEach((lease, i) => {
      if (lostSet.has(i + 1)) lease.markLost();
      else lease.heldAt(sentAt, this.options.ttlMs);
    });
  }

  /** BullMQ could not renew these jobs' locks: the rows are someone else's now. */
  lost(jobIds: string[]): void {
    for (const lease of this.heldFor(jobIds)) lease.markLost();
  }

  /** The leases living with these BullMQ jobs' locks (a single row's job, or every running row of a chunk). */
  private heldFor(jobIds: string[]): RowLease[] {
    const ids = new Set(jobIds);
    return [...this.held.values()].filter((l) => ids.has(l.bullJobId));
  }
}

/**
 * Share of the lease's TTL during which a lease set or renewed by this runner counts as still its
 * own without reading it again (see {@link RowLease.check}).
 */
const TRUSTED_SHARE_OF_TTL = 0.5;

/** One attempt's hold on its row. */
export class RowLease {
  private lostAt: number | undefined;
  private released = false;
  /** Until when (`performance.now()`) the lease cannot have expired: see {@link check}. */
  private trustedUntil = 0;

  constructor(
    private readonly redis: LeaseRedis,
    readonly key: string,
    readonly value: string,
    /** Writes the row's checkpoint (its JSON) if the lease still holds `value`: -1 fenced out, 0 no such job, 1 written. */
    private readonly sendSave: (data: string) => Promise<number>,
    private readonly onEnd: () => void,
    /** The BullMQ job whose lock this lease lives with (the row's job, or its chunk's). */
    readonly bullJobId: string = '',
    /** The row's own checkpoint key (`cpKey` rows): where {@link save} writes. */
    private readonly checkpointKey?: string,
    /** The checkpoint stored under that key when the lease was taken (JSON; none yet: undefined). */
    private readonly storedJson?: string,
  ) {}

  /** The checkpoint stored under the row's own key when the lease was taken (none yet: undefined). */
  get storedCheckpoint(): JobCheckpoint | undefined {
    return this.storedJson ? (JSON.parse(this.storedJson) as JobCheckpoint) : undefined;
  }

  /** For the ledger's fenced transitions. */
  get fence(): LeaseFence {
    return this.checkpointKey
      ? { key: this.key, value: this.value, checkpointKey: this.checkpointKey }
      : { key: this.key, value: this.value };
  }

  get isLost(): boolean {
    return this.lostAt !== undefined;
  }

  markLost(): void {
    this.lostAt ??= Date.now();
  }

  /**
   * Redis set (or extended) the lease to `ttlMs` on a command sent at `sentAt` (`performance.now()`):
   * it cannot expire before `sentAt + ttlMs`.
   */
  heldAt(sentAt: number, ttlMs: number): void {
    this.trustedUntil = Math.max(this.trustedUntil, sentAt + ttlMs * TRUSTED_SHARE_OF_TTL);
  }

  /**
   * Throws {@link RowLeaseLostError} unless the lease is still ours. Nobody else can take a lease
   * before it expires (`take` only sets a key that is absent, or one this process left behind and
   * no attempt of it holds), and this runner knows the earliest moment it can expire: when it set or
   * last renewed it, plus its TTL. Until half of that TTL has passed (on the monotonic clock, which
   * runs on while the process is frozen) no read is needed; after that, or once it was seen lost, one
   * GET decides. A Redis that lost the key (a restart, a failover) is the durability gate's to catch,
   * as before: the gate is checked right before every create as well.
   */
  async check(): Promise<void> {
    if (this.lostAt === undefined && performance.now() < this.trustedUntil) return;
    if (this.lostAt === undefined && (await this.redis.get(this.key)) === this.value) return;
    this.markLost();
    throw new RowLeaseLostError(`Row lease ${this.key} is no longer ours; stopping the row`);
  }

  /**
   * Writes the row's checkpoint (under its own key for a `cpKey` row, in the job's data otherwise) if the lease is
   * still ours when Redis runs the write, in one atomic step with the lease's read; throws {@link RowLeaseLostError}
   * otherwise. The step may carry other rows' checkpoints asked in the same turn ({@link RowLeases}' `splitSaves`);
   * each is fenced by its own lease. A job that no longer exists (removed by an operator) is left alone, as BullMQ's
   * own `updateData` would fail on it.
   */
  async save(job: Job<LeadJobData>, data: LeadJobData): Promise<void> {
    if (this.lostAt !== undefined) throw new RowLeaseLostError(`Row lease ${this.key} was lost`);
    const written = await this.sendSave(
      this.checkpointKey ? JSON.stringify(data.checkpoint ?? {}) : JSON.stringify(data),
    );
    if (written === -1) {
      this.markLost();
      throw new RowLeaseLostError(`Row lease ${this.key} is no longer ours; checkpoint not written`);
    }
    job.data = data;
  }

  /**
   * The lease was deleted by the step that recorded the row's outcome (`finish` in the ledger's
   * fenced transition): nothing left to release.
   */
  ended(): void {
    if (this.released) return;
    this.released = true;
    this.onEnd();
  }

  /** Gives the row up (end of the attempt); a lease someone else holds now is left alone. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.onEnd();
    if (this.lostAt === undefined) await this.redis.rowLeaseRelease(this.key, this.value);
  }
}
