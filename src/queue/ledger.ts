import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import { IMPORT_PRIORITY_DEFAULT } from './job-options.js';
import {
  hashTagOf,
  type Keys,
  keyScope,
  keysFor,
  knownImportConnection,
  rememberImportConnection,
} from './names.js';
import { sendTogether } from './send-together.js';
import { TurnBatcher, type TurnRequest, type TurnStep } from './turn-batcher.js';

/**
 * The import ledger: one record per import, and the state of every row of it, kept in Redis
 * independently of BullMQ's jobs (completed jobs are removed; the ledger is what remains).
 *
 * Every row is in exactly one state. Transitions are atomic Lua scripts that move the row and
 * its counters together, and are idempotent (a transition the row has already made is refused),
 * so a retried job, a re-run producer or a crashed worker can never count a row twice:
 *
 *     rows = created + rejected + deadLettered + cancelled + pending
 *     pending = enqueued − created − deadLettered − cancelled
 *
 * A worker's outcomes (the fenced transitions: created, dead-lettered) are its most frequent writes, and a script
 * of their own cost 7 commands a row. Those asked for in the same turn of the event loop, or while the step before
 * was on its way, go as one script call (FENCED_OUTCOMES_LUA; on a cluster one per connection, whose keys carry its
 * hash tag; the batching is src/queue/turn-batcher.ts, shared with the admissions): each row is still checked against
 * its own lease and answered as if alone, and what rows share (the lease read, one state write and one record read
 * and write per import, the lease deletion) is paid once. The first outcome of an idle step waits
 * {@link OUTCOME_LINGER_MS} for others: at one company's 41 leads/s that gathered nothing (2026-12-02), but a worker
 * serving many companies finishes 100–400 rows a second, and there a 25-ms linger cuts an outcome from 6.3–6.8 to
 * 3.7–4.9 commands (`bench:outcome-linger`, bench/README.md). The producer's marks of a batch of
 * lines are one BITFIELD and one HINCRBY (MARK_ENQUEUED_LUA).
 */
export const RowState = {
  /** Not seen yet. */
  None: 0,
  /** Enqueued, not finished (waiting, active, delayed or retrying). */
  Pending: 1,
  Created: 2,
  /** Rejected by the producer's validation; never enqueued. */
  Rejected: 3,
  DeadLettered: 4,
  /** Dropped by an operator (`lead-importer cancel`) before it was processed. */
  Cancelled: 5,
} as const;
export type RowState = (typeof RowState)[keyof typeof RowState];

export type ImportState = 'reading' | 'enqueued' | 'completed' | 'cancelled' | 'failed';

/**
 * How often a producer marks its import's record alive while it reads the file ({@link ImportLedger.markProducerAlive}):
 * on a timer of its own, not after each batch, so that a batch waiting on a slow Redis (backpressure) or a slow disk
 * still beats. `status` tells a producer that stopped (SIGKILL, a machine lost) from one reading by it.
 */
export const PRODUCER_HEARTBEAT_MS = 2_000;

/** Counters kept on the import record. */
export const COUNTERS = [
  'rows',
  'enqueued',
  'rejected',
  'alreadyImported',
  'created',
  'deadLettered',
  'cancelled',
  'createdPersons',
  'reusedPersons',
  'createdOrganizations',
  'reusedOrganizations',
  'tokensUsed',
  'distinctPersons',
  'distinctOrganizations',
  /** Notes attached to the import's leads. */
  'createdNotes',
  /** Notes Pipedrive refused (their leads stand; `report` shows the error). */
  'failedNotes',
  /**
   * Leads of created rows that `lead-importer revert` deleted. Their rows stay Created in the ledger (`created` still
   * counts them, and a re-run of the import does not create them again): this says how many of them are gone.
   */
  'reverted',
  /**
   * Of `reverted`, the leads that were gone before revert sent anything for them (converted into a deal, or deleted
   * by hand): revert found them gone, it did not delete them.
   */
  'revertFoundGone',
] as const;
export type Counter = (typeof COUNTERS)[number];

export interface ImportMeta {
  importId: string;
  /**
   * The Pipedrive company (connection) the import's rows go to: their queue, credentials and budget.
   * @defaultValue `default` (and records written before connections existed read as `default`)
   */
  connection?: string;
  /**
   * The import's weight among its connection's imports (`import --priority N`, 1…100): its rows take N
   * turns for every turn of a weight-1 import (`leadPriority`). Set when the import is created; a re-run
   * and `dlq retry` re-add rows with it. @defaultValue 1 (and records from before priorities read as 1)
   */
  priority?: number;
  /**
   * The turn the import's rows count from on its connection's queue (`importStartTurn`: where the imports
   * already under way were when it was created, less a head start). Set when the import is created; a re-run
   * and `dlq retry` re-add rows with it. @defaultValue 0 (and records from before read as 0)
   */
  startTurn?: number;
  /**
   * Rows per BullMQ job (`LEAD_IMPORTER_ROWS_PER_JOB` when the import was created): a re-run forms the same chunks
   * with it, whatever the variable says then. @defaultValue 1 (and records from before chunks read as 1)
   */
  rowsPerJob?: number;
  /**
   * The Pipedrive company (`company_id` of the token's `users/me`) the producer read the account of when it created
   * the import. `revert` and `verify` refuse credentials of another company: person, organization and note ids are
   * numbers every company reuses, so a delete by id with another company's token hits that company's records.
   * @defaultValue unset (records from before, and imports made without reading Pipedrive): not checked
   */
  companyId?: number;
  fileName: string;
  fileSize: number;
  /** sha256 of the file's bytes, hex. */
  fileHash: string;
  /** The resolved mapping, as shown by `--dry-run`. */
  mapping: unknown;
  /**
   * The options `import` was given that shape how the file is read and mapped (`--mapping` with its absolute path,
   * `--title-template`, `--date-format`, `--decimal`, `--currency`, `--encoding`), as arguments: what a re-run of the
   * import (after `verify --repair`) passes again. @defaultValue unset (records from before, and imports made from code
   * with a mapping object): not known
   */
  readArgs?: string[];
  /** Header cells as read from the file (job data keeps only cells, in this order). */
  header: string[];
  createdAt: number;
}

export interface ImportRecord extends ImportMeta, Record<Counter, number> {
  connection: string;
  priority: number;
  startTurn: number;
  rowsPerJob: number;
  state: ImportState;
  /** Derived: enqueued − created − deadLettered − cancelled. */
  pending: number;
  updatedAt: number;
  /** Set when the producer failed or an operator note applies. */
  error?: string;
  /**
   * When the producer last marked the import alive while reading it ({@link PRODUCER_HEARTBEAT_MS}), first when it
   * created the record; unset for records of producers from before the mark.
   */
  producerSeenAt?: number;
  /**
   * When `verify --repair` last put rows whose lead was gone back to pending ({@link ImportLedger.markAwaitingReimport}).
   * Such rows have no job: they wait for a re-run of the import. Any later write to the record (the re-run's
   * counters first of all) moves `updatedAt` past it, which ends the wait (see `awaitsReimport` in ops/status.ts).
   */
  reimportNeededAt?: number;
}

/** Details of a row's terminal outcome, stored compactly (short keys) per line. */
export interface CreatedOutcome {
  leadId: string;
  /** The lead's note, when the row had note text. */
  noteId?: number;
  /** Why Pipedrive refused the note, when it did. */
  noteError?: string;
  personId?: number;
  organizationId?: number;
  personCreated?: boolean;
  organizationCreated?: boolean;
}
export interface FailedOutcome {
  errorClass: string;
  message: string;
  httpStatus?: number;
}
export interface RejectedOutcome {
  column?: string;
  reason: string;
}
export type RowOutcome =
  | ({ state: 'created' } & CreatedOutcome)
  | ({ state: 'dead-lettered' } & FailedOutcome)
  | ({ state: 'rejected' } & RejectedOutcome)
  | { state: 'cancelled' }
  | { state: 'pending' }
  | { state: 'unknown' };

/*
 * Counters moved by a transition: leaving state s decrements STATE_COUNTER[s], entering t increments it.
 * The row's details (ARGV[4], when not empty) go to the outcomes hash, then ARGV[6…] are (counter, delta) pairs.
 */
const TRANSITION_LUA = `
local stateCounter = { [2] = 'created', [3] = 'rejected', [4] = 'deadLettered', [5] = 'cancelled' }
local line = ARGV[1]
local to = tonumber(ARGV[2])
local allowed = ARGV[3]
-- The import record is read once (HMGET) and written once (HSET): the increments of its counters (as HINCRBY
-- would, an integer or an error) and the time of the change.
local function recordStep(deltas, fields)
  local names = {}
  for i = 1, #deltas, 2 do names[#names + 1] = deltas[i] end
  local record = {}
  if #names > 0 then
    local values = redis.call('HMGET', KEYS[2], unpack(names))
    for i, f in ipairs(names) do record[f] = values[i] end
  end
  local order = {}
  for i = 1, #deltas, 2 do
    local f = deltas[i]
    if type(record[f]) ~= 'number' then
      local n = tonumber(record[f] or '0')
      -- Not an integer: HINCRBY's own error.
      if not n or n ~= math.floor(n) then redis.call('HINCRBY', KEYS[2], f, 0) end
      record[f] = n
      order[#order + 1] = f
    end
    record[f] = record[f] + deltas[i + 1]
  end
  for _, f in ipairs(order) do
    fields[#fields + 1] = f
    fields[#fields + 1] = record[f]
  end
  redis.call('HSET', KEYS[2], unpack(fields))
end
-- One BITFIELD sets the new state and answers the old; a refused transition puts it back.
local cur = redis.call('BITFIELD', KEYS[1], 'SET', 'u4', '#' .. line, to)[1]
if not string.find(allowed, tostring(cur), 1, true) then
  if cur ~= to then redis.call('BITFIELD', KEYS[1], 'SET', 'u4', '#' .. line, cur) end
  return { 0, cur }
end
local deltas = {}
if stateCounter[cur] then deltas[#deltas + 1] = stateCounter[cur]; deltas[#deltas + 1] = -1 end
if stateCounter[to] then deltas[#deltas + 1] = stateCounter[to]; deltas[#deltas + 1] = 1 end
if cur == 0 and to == 1 then deltas[#deltas + 1] = 'enqueued'; deltas[#deltas + 1] = 1 end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], line, ARGV[4]) end
for i = 6, #ARGV, 2 do
  deltas[#deltas + 1] = ARGV[i]
  deltas[#deltas + 1] = tonumber(ARGV[i + 1])
end
recordStep(deltas, { 'updatedAt', ARGV[5] })
return { 1, cur }
`;

/*
 * TRANSITION_LUA, but only while no one holds the row's lease (KEYS[4]): { -1, 0 } and nothing changed when one does.
 * Checked in the same step, so a runner cannot take the row between the check and the move.
 */
const UNLEASED_TRANSITION_LUA = `
if redis.call('EXISTS', KEYS[4]) == 1 then return { -1, 0 } end
${TRANSITION_LUA}`;

/*
 * Remembers what `revert` did (ARGV[1], a tag: see `markReverted`) in the import's reverted set (KEYS[1]); a lead
 * remembered gone for the first time (`l:`) counts on the record (KEYS[2]) as reverted, in the same step, so a revert
 * run again (or two at once) never counts a lead twice; one remembered as gone before revert came (`lg:`, written
 * first) counts as `revertFoundGone` too. Answers 1 when the tag is new.
 */
const MARK_REVERTED_LUA = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
if added == 1 and string.sub(ARGV[1], 1, 2) == 'l:' then
  redis.call('HINCRBY', KEYS[2], 'reverted', 1)
  if redis.call('SISMEMBER', KEYS[1], 'lg:' .. string.sub(ARGV[1], 3)) == 1 then
    redis.call('HINCRBY', KEYS[2], 'revertFoundGone', 1)
  end
end
return added
`;

/*
 * The fenced transitions of many rows in one step: the outcomes the worker's runners recorded in the same turn of
 * the event loop (or while the step before was on its way), each checked against its own lease and answered on its
 * own, as if each had run alone in the order given. KEYS: per import (states, record, outcomes), then per row
 * (lease, checkpoint). ARGV: the number of imports, the time, then per row: its import (1-based index into the
 * imports), line, target state, allowed states, details, '1' when the step ends the row's run (finish), the lease
 * value it must hold, the number of counters and their (name, delta) pairs.
 *
 * A row whose lease is gone or someone else's changes nothing ({ -1, holder, 0 }). Otherwise its state moves as
 * TRANSITION_LUA's does ({ 1, previous, 0 } applied, { 0, previous, 0 } refused); with finish its lease and its own
 * checkpoint (a row enqueued in a chunk) are deleted, applied or not (the fence held, so the row was the caller's),
 * and an import whose producer is done ('enqueued') and has no pending row left becomes 'completed': the third
 * element of the answer of the import's last finishing row in the step is then 1.
 *
 * What many rows share costs once per step, not per row: one GET (MGET) for the leases, per import one BITFIELD for
 * the states, one HSET of the details, one HMGET and one HSET of the record (each counter summed over the import's
 * rows), and one DEL of every finished lease and checkpoint. On a cluster all keys are of one connection (the caller
 * batches per hash tag), so the step is in one slot; on one Redis a step carries every connection's rows.
 */
const FENCED_OUTCOMES_LUA = `
local m = tonumber(ARGV[1])
local now = ARGV[2]
if not m or m < 1 or m ~= math.floor(m) then return redis.error_reply('ERR bad outcome batch') end
local n = (#KEYS - 3 * m) / 2
if n < 1 or n ~= math.floor(n) then return redis.error_reply('ERR bad outcome batch') end
local stateCounter = { [2] = 'created', [3] = 'rejected', [4] = 'deadLettered', [5] = 'cancelled' }
local rows = {}
local p = 3
for r = 1, n do
  local imp = tonumber(ARGV[p])
  local c = tonumber(ARGV[p + 7])
  local to = tonumber(ARGV[p + 2])
  -- One row's bad arguments must not fail the others after some were written: everything is checked first.
  if not c or c < 0 or c ~= math.floor(c) or p + 7 + 2 * c > #ARGV or not imp or imp < 1 or imp > m
    or imp ~= math.floor(imp) or not string.match(ARGV[p + 1], '^%d+$') or not to or to < 0 or to > 15
    or to ~= math.floor(to) then
    return redis.error_reply('ERR bad outcome batch')
  end
  for j = p + 9, p + 7 + 2 * c, 2 do
    if not tonumber(ARGV[j]) then return redis.error_reply('ERR bad outcome batch') end
  end
  rows[r] = {
    imp = imp, line = ARGV[p + 1], to = tonumber(ARGV[p + 2]), allowed = ARGV[p + 3], details = ARGV[p + 4],
    finish = ARGV[p + 5] == '1', value = ARGV[p + 6], lease = KEYS[3 * m + 2 * r - 1], cp = KEYS[3 * m + 2 * r],
    first = p + 8, counters = c,
  }
  p = p + 8 + 2 * c
end
if p ~= #ARGV + 1 then return redis.error_reply('ERR bad outcome batch') end
local holders
if n == 1 then
  holders = { redis.call('GET', rows[1].lease) }
else
  local leases = {}
  for r = 1, n do leases[r] = rows[r].lease end
  holders = redis.call('MGET', unpack(leases))
end
local reply = {}
local byImport = {}
for r = 1, n do
  local row = rows[r]
  if holders[r] ~= row.value then
    reply[3 * r - 2] = -1; reply[3 * r - 1] = holders[r] or ''; reply[3 * r] = 0
  else
    byImport[row.imp] = byImport[row.imp] or {}
    table.insert(byImport[row.imp], r)
  end
end
local ended = {}
for imp = 1, m do
  local own = byImport[imp]
  if own then
    local states, recordKey, outcomes = KEYS[3 * imp - 2], KEYS[3 * imp - 1], KEYS[3 * imp]
    local sets = {}
    for _, r in ipairs(own) do
      for _, a in ipairs({ 'SET', 'u4', '#' .. rows[r].line, rows[r].to }) do sets[#sets + 1] = a end
    end
    -- One BITFIELD sets every new state and answers the old ones; refused transitions are put back.
    local olds = redis.call('BITFIELD', states, unpack(sets))
    local back, details, sums, order = {}, {}, {}, {}
    local function add(f, d)
      if sums[f] == nil then sums[f] = 0; order[#order + 1] = f end
      sums[f] = sums[f] + d
    end
    local applied, lastFinish = false, nil
    for i, r in ipairs(own) do
      local row, cur = rows[r], olds[i]
      reply[3 * r - 1] = cur; reply[3 * r] = 0
      if row.finish then
        ended[#ended + 1] = row.lease; ended[#ended + 1] = row.cp
        lastFinish = r
      end
      if not string.find(row.allowed, tostring(cur), 1, true) then
        if cur ~= row.to then
          for _, a in ipairs({ 'SET', 'u4', '#' .. row.line, cur }) do back[#back + 1] = a end
        end
        reply[3 * r - 2] = 0
      else
        reply[3 * r - 2] = 1
        applied = true
        if stateCounter[cur] then add(stateCounter[cur], -1) end
        if stateCounter[row.to] then add(stateCounter[row.to], 1) end
        if cur == 0 and row.to == 1 then add('enqueued', 1) end
        if row.details ~= '' then details[#details + 1] = row.line; details[#details + 1] = row.details end
        for j = row.first, row.first + 2 * row.counters - 1, 2 do add(ARGV[j], tonumber(ARGV[j + 1])) end
      end
    end
    if #back > 0 then redis.call('BITFIELD', states, unpack(back)) end
    if #details > 0 then redis.call('HSET', outcomes, unpack(details)) end
    -- The import record is read once (HMGET) and written once (HSET): the summed increments of its counters (as
    -- HINCRBY would, an integer or an error), the time of the change, and whether the import is now complete.
    local names = {}
    for _, f in ipairs(order) do names[#names + 1] = f end
    if lastFinish then
      for _, f in ipairs({ 'state', 'enqueued', 'created', 'deadLettered', 'cancelled' }) do names[#names + 1] = f end
    end
    local record = {}
    if #names > 0 then
      local values = redis.call('HMGET', recordKey, unpack(names))
      for i, f in ipairs(names) do record[f] = values[i] end
    end
    local fields = {}
    if applied then fields = { 'updatedAt', now } end
    for _, f in ipairs(order) do
      local v = tonumber(record[f] or '0')
      -- Not an integer: HINCRBY's own error.
      if not v or v ~= math.floor(v) then redis.call('HINCRBY', recordKey, f, 0) end
      record[f] = v + sums[f]
      fields[#fields + 1] = f
      fields[#fields + 1] = record[f]
    end
    if lastFinish then
      local function num(f) return tonumber(record[f]) or 0 end
      if record.state == 'enqueued' and num('enqueued') - num('created') - num('deadLettered') - num('cancelled') <= 0 then
        fields[#fields + 1] = 'state'
        fields[#fields + 1] = 'completed'
        reply[3 * lastFinish] = 1
      end
    end
    if #fields > 0 then redis.call('HSET', recordKey, unpack(fields)) end
  end
end
if #ended > 0 then redis.call('DEL', unpack(ended)) end
return reply
`;

/*
 * Marks many lines as enqueued at once; returns 1 for each line newly marked, 0 for lines already known. One BITFIELD
 * per 500 lines sets each to Pending and answers its old state (BITFIELD checks all its arguments before it writes);
 * the lines that were already finished, rejected or cancelled are put back, and the count enqueued grows once. A line given
 * twice answers 1 (the first time) then 0: its second SET sees the first. Until 2026-12-02 a GET and a SET per line:
 * 2 commands a row of the producer's, against 3 a batch of 200 rows now.
 */
const MARK_ENQUEUED_LUA = `
-- A bad line would fail a later slice after earlier ones were written: all are checked first.
for i = 1, #ARGV do
  if not string.match(ARGV[i], '^%d+$') then return redis.error_reply('ERR bad line ' .. ARGV[i]) end
end
local result = {}
local added = 0
local back = {}
for first = 1, #ARGV, 500 do
  local last = math.min(first + 499, #ARGV)
  local sets = {}
  for i = first, last do
    sets[#sets + 1] = 'SET'; sets[#sets + 1] = 'u4'; sets[#sets + 1] = '#' .. ARGV[i]; sets[#sets + 1] = 1
  end
  local olds = redis.call('BITFIELD', KEYS[1], unpack(sets))
  for i = first, last do
    local cur = olds[i - first + 1]
    if cur == 0 then
      added = added + 1
      result[i] = 1
    else
      result[i] = 0
      -- Pending stays; any other state is put back (a line given twice answers Pending the second time).
      if cur ~= 1 then
        back[#back + 1] = 'SET'; back[#back + 1] = 'u4'; back[#back + 1] = '#' .. ARGV[i]; back[#back + 1] = cur
      end
    end
  end
end
for k = 1, #back, 2000 do redis.call('BITFIELD', KEYS[1], unpack(back, k, math.min(k + 1999, #back))) end
if added > 0 then redis.call('HINCRBY', KEYS[2], 'enqueued', added) end
return result
`;

type LedgerRedis = Redis & {
  ledgerTransition(
    states: string,
    record: string,
    outcomes: string,
    ...args: (string | number)[]
  ): Promise<[number, number]>;
  ledgerUnleasedTransition(
    states: string,
    record: string,
    outcomes: string,
    lease: string,
    ...args: (string | number)[]
  ): Promise<[number, number]>;
  ledgerFencedOutcomes(
    numberOfKeys: number,
    ...keysThenArgs: (string | number)[]
  ): Promise<(number | string)[]>;
  ledgerMarkEnqueued(states: string, record: string, ...lines: number[]): Promise<number[]>;
  ledgerMarkReverted(reverted: string, record: string, tag: string): Promise<number>;
};

export interface TransitionResult {
  /** False when the row was not in an allowed state (the transition already happened, or never can). */
  applied: boolean;
  previous: RowState;
  /**
   * True when the caller's lease was gone or someone else's: nothing was changed, and the row is
   * not the caller's to finish (`previous` is then meaningless).
   */
  fenced?: boolean;
  /**
   * With `finish`: the step ended the row's run (the fence held; the lease is deleted), and this is
   * true when it also marked the import completed (its last pending row).
   */
  completedImport?: boolean;
}

/**
 * A fenced transition that is also the runner's last write of the row: it deletes the lease and
 * completes the import when no row is left pending, in the same atomic step (one round trip instead
 * of three: the outcome, the lease's release, the completion check).
 */
export interface FinishOptions {
  finish?: boolean;
}

/**
 * The row lease a transition is conditional on (`{prefix}:imp:{id}:lease:{line}` holding exactly
 * `value`): see `src/worker/row-lease.ts`.
 */
export interface LeaseFence {
  key: string;
  value: string;
  /** The row's own checkpoint key (`keys.rowCheckpoint`, a row enqueued in a chunk): deleted with the lease at the finish. */
  checkpointKey?: string;
}

export class ImportLedger {
  readonly keys: Keys;
  private readonly redis: LedgerRedis;
  private readonly prefix: string;
  /** Fenced transitions asked for, sent together (see {@link splitOutcomes}). */
  private readonly fencedSteps: TurnBatcher<FencedRequest>;

  /** @param options.outcomeLingerMs - see {@link OUTCOME_LINGER_MS} (`bench:outcome-linger` compares values) */
  constructor(redis: Redis, prefix: string, options: { outcomeLingerMs?: number } = {}) {
    this.fencedSteps = new TurnBatcher<FencedRequest>(
      (taken) => this.splitOutcomes(taken),
      (call) => this.sendOutcomeStep(call),
      options.outcomeLingerMs ?? OUTCOME_LINGER_MS,
    );
    this.prefix = prefix;
    this.keys = keysFor(prefix, keyScope(redis));
    if (!('ledgerTransition' in redis)) {
      redis.defineCommand('ledgerTransition', { numberOfKeys: 3, lua: TRANSITION_LUA });
      redis.defineCommand('ledgerUnleasedTransition', { numberOfKeys: 4, lua: UNLEASED_TRANSITION_LUA });
      redis.defineCommand('ledgerFencedOutcomes', { lua: FENCED_OUTCOMES_LUA });
      redis.defineCommand('ledgerMarkEnqueued', { numberOfKeys: 2, lua: MARK_ENQUEUED_LUA });
      redis.defineCommand('ledgerMarkReverted', { numberOfKeys: 2, lua: MARK_REVERTED_LUA });
    }
    this.redis = redis as LedgerRedis;
  }

  /**
   * Creates the import record unless it exists. Returns the record and whether it is new;
   * an existing record is left as it is (a re-run of the same import resumes it).
   */
  async createImport(meta: ImportMeta): Promise<{ created: boolean; record: ImportRecord }> {
    if (this.keys.cluster) {
      // The index first: an import whose record exists is always found. An import id already taken by another
      // connection keeps that connection (and its record, which the caller then sees).
      const connection = meta.connection ?? DEFAULT_CONNECTION;
      await this.redis.hsetnx(this.keys.importConnections, meta.importId, connection);
      await this.resolve(meta.importId);
    }
    const key = this.keys.import(meta.importId);
    const isNew = await this.redis.hsetnx(key, 'importId', meta.importId);
    if (isNew && this.keys.cluster) {
      // The record and the index live in different slots on a cluster: two steps (the index is what lists it).
      await this.redis.hset(key, this.newRecord(meta));
      await this.redis.zadd(this.keys.imports, meta.createdAt, meta.importId);
    } else if (isNew) {
      await this.redis
        .multi()
        .hset(key, this.newRecord(meta))
        .zadd(this.keys.imports, meta.createdAt, meta.importId)
        .exec();
    }
    const record = await this.getImport(meta.importId);
    if (!record) throw new Error(`Import ${meta.importId} vanished while it was being created`);
    return { created: isNew === 1, record };
  }

  private newRecord(meta: ImportMeta): Record<string, string | number> {
    return {
      connection: meta.connection ?? DEFAULT_CONNECTION,
      priority: meta.priority ?? IMPORT_PRIORITY_DEFAULT,
      startTurn: meta.startTurn ?? 0,
      rowsPerJob: meta.rowsPerJob ?? 1,
      ...(meta.companyId !== undefined ? { companyId: meta.companyId } : {}),
      fileName: meta.fileName,
      fileSize: meta.fileSize,
      fileHash: meta.fileHash,
      mapping: JSON.stringify(meta.mapping ?? null),
      ...(meta.readArgs !== undefined ? { readArgs: JSON.stringify(meta.readArgs) } : {}),
      header: JSON.stringify(meta.header),
      createdAt: meta.createdAt,
      updatedAt: meta.createdAt,
      state: 'reading',
      // The producer's first sign of life: one killed before its first beat (right after this write) shows as
      // stopped as one killed mid-file does (a record without the mark is not judged).
      producerSeenAt: meta.createdAt,
    };
  }

  /**
   * The import's connection on a Redis Cluster, where its keys carry the connection's hash tag: known to this
   * process, or read from the shared index (`imports:connection`) and remembered. `undefined` when no such
   * import exists. On one Redis, `true` at once: key names do not depend on the connection there.
   */
  async resolve(importId: string): Promise<string | true | undefined> {
    if (!this.keys.cluster) return true;
    const known = knownImportConnection(this.prefix, importId);
    if (known !== undefined) return known;
    const connection = await this.redis.hget(this.keys.importConnections, importId);
    if (connection === null) return undefined;
    rememberImportConnection(this.prefix, importId, connection);
    return connection;
  }

  /** The import's connection: `default` for a record from before connections, or for an import that is gone. */
  async connectionOf(importId: string): Promise<string> {
    const resolved = await this.resolve(importId);
    if (typeof resolved === 'string') return resolved;
    if (resolved === undefined) return DEFAULT_CONNECTION;
    return (await this.redis.hget(this.keys.import(importId), 'connection')) || DEFAULT_CONNECTION;
  }

  /** {@link resolve} for many imports in one round trip (those not found stay unknown). */
  async resolveMany(importIds: string[]): Promise<void> {
    if (!this.keys.cluster) return;
    const unknown = importIds.filter((id) => knownImportConnection(this.prefix, id) === undefined);
    if (unknown.length === 0) return;
    const connections = await this.redis.hmget(this.keys.importConnections, ...unknown);
    unknown.forEach((id, i) => {
      const connection = connections[i];
      if (connection) rememberImportConnection(this.prefix, id, connection);
    });
  }

  async getImport(importId: string): Promise<ImportRecord | null> {
    if ((await this.resolve(importId)) === undefined) return null;
    const raw = await this.redis.hgetall(this.keys.import(importId));
    if (!raw.importId) return null;
    return parseRecord(raw);
  }

  /**
   * Records the Pipedrive company an import's rows go to unless one is recorded already (by the producer, or the
   * first worker to serve it), and returns the recorded one.
   */
  async recordCompany(importId: string, companyId: number): Promise<number> {
    await this.resolve(importId);
    const key = this.keys.import(importId);
    const [, recorded] = await sendTogether(this.redis, (r) => [
      r.hsetnx(key, 'companyId', companyId),
      r.hget(key, 'companyId'),
    ]);
    return Number(recorded);
  }

  /**
   * The import's rows per BullMQ job, as its record keeps it ({@link ImportMeta.rowsPerJob}): 1 for a record from
   * before chunks, or an import that does not exist.
   */
  async rowsPerJobOf(importId: string): Promise<number> {
    if ((await this.resolve(importId)) === undefined) return 1;
    return Math.max(1, Number(await this.redis.hget(this.keys.import(importId), 'rowsPerJob')) || 1);
  }

  /** Most recent first. */
  async listImports(limit = 50): Promise<ImportRecord[]> {
    const ids = await this.redis.zrevrange(this.keys.imports, 0, limit - 1);
    const records = await Promise.all(ids.map((id) => this.getImport(id)));
    return records.filter((r): r is ImportRecord => r !== null);
  }

  async setState(importId: string, state: ImportState, error?: string): Promise<void> {
    await this.resolve(importId);
    const fields: Record<string, string | number> = { state, updatedAt: Date.now() };
    if (error !== undefined) fields.error = error;
    await this.redis.hset(this.keys.import(importId), fields);
  }

  /**
   * The producer's heartbeat: records that it still reads the import's file. Only the one field, and only on a record
   * that exists (a beat late after a purge must not bring back a record of one field); `updatedAt` stays what the
   * rows' outcomes make it.
   */
  async markProducerAlive(importId: string, at = Date.now()): Promise<void> {
    await this.resolve(importId);
    await this.redis.eval(
      "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'producerSeenAt', ARGV[1]) end",
      1,
      this.keys.import(importId),
      at,
    );
  }

  /** Sets absolute counter values (the producer's totals, e.g. `rows`). */
  async setCounters(importId: string, values: Partial<Record<Counter, number>>): Promise<void> {
    await this.resolve(importId);
    await this.redis.hset(this.keys.import(importId), { ...values, updatedAt: Date.now() });
  }

  async incrementCounters(importId: string, deltas: Partial<Record<Counter, number>>): Promise<void> {
    await this.resolve(importId);
    const entries = Object.entries(deltas).filter(([, v]) => v);
    if (entries.length === 0) return;
    const multi = this.redis.multi();
    for (const [field, delta] of entries) multi.hincrby(this.keys.import(importId), field, delta as number);
    await multi.exec();
  }

  /**
   * Marks lines as enqueued (None → Pending). Returns, for each line, whether it was newly
   * marked; `false` means the row is already known (enqueued, finished or rejected before).
   */
  async markEnqueued(importId: string, lines: number[]): Promise<boolean[]> {
    await this.resolve(importId);
    if (lines.length === 0) return [];
    const flags = await this.redis.ledgerMarkEnqueued(
      this.keys.rowStates(importId),
      this.keys.import(importId),
      ...lines,
    );
    return flags.map((f) => f === 1);
  }

  /** The current state of each line. */
  async rowStates(importId: string, lines: number[]): Promise<RowState[]> {
    await this.resolve(importId);
    if (lines.length === 0) return [];
    const values = (await this.redis.call(
      'BITFIELD_RO',
      this.keys.rowStates(importId),
      ...bitfieldGets(lines),
    )) as number[];
    return values as RowState[];
  }

  /** None → Rejected, with the reason and the row's original cells (for reports and --rejects). */
  async recordRejected(
    importId: string,
    line: number,
    outcome: RejectedOutcome,
    cells: string[],
  ): Promise<TransitionResult> {
    const result = await this.transition(importId, line, RowState.Rejected, [RowState.None], {
      c: outcome.column,
      m: outcome.reason,
    });
    if (result.applied) await this.redis.hset(this.keys.rejectCells(importId), line, JSON.stringify(cells));
    return result;
  }

  /**
   * Pending (or Cancelled, if the job was already running) → Created. With a `fence`, only while
   * the caller still holds the row's lease (checked in the same atomic step).
   */
  async recordCreated(
    importId: string,
    line: number,
    outcome: CreatedOutcome,
    counters: Partial<Record<Counter, number>> = {},
    fence?: LeaseFence,
    options: FinishOptions = {},
  ): Promise<TransitionResult> {
    return this.transition(
      importId,
      line,
      RowState.Created,
      [RowState.Pending, RowState.Cancelled],
      {
        l: outcome.leadId,
        n: outcome.noteId,
        ne: outcome.noteError,
        p: outcome.personId,
        o: outcome.organizationId,
        pc: outcome.personCreated ? 1 : undefined,
        oc: outcome.organizationCreated ? 1 : undefined,
      },
      counters,
      fence,
      options,
    );
  }

  /** Pending → DeadLettered; with a `fence`, only while the caller still holds the row's lease. */
  async recordDeadLettered(
    importId: string,
    line: number,
    outcome: FailedOutcome,
    fence?: LeaseFence,
    options: FinishOptions = {},
  ): Promise<TransitionResult> {
    return this.transition(
      importId,
      line,
      RowState.DeadLettered,
      [RowState.Pending],
      {
        e: outcome.errorClass,
        m: outcome.message,
        s: outcome.httpStatus,
      },
      {},
      fence,
      options,
    );
  }

  /** DeadLettered → Pending, when an operator replays a dead-lettered row. */
  async recordRequeued(importId: string, line: number): Promise<TransitionResult> {
    return this.transition(importId, line, RowState.Pending, [RowState.DeadLettered], undefined);
  }

  /**
   * Created → Pending, when `verify --repair` found the row's lead gone from Pipedrive: the row counts
   * as pending again (`created` goes down by one), and a re-run of the import re-adds its job (the
   * producer re-adds rows that are Pending without a job). Its old outcome stays until the new one.
   */
  async recordLeadMissing(importId: string, line: number): Promise<TransitionResult> {
    return this.transition(importId, line, RowState.Pending, [RowState.Created], undefined);
  }

  /**
   * Says that the import's pending rows are ones `verify --repair` put back ({@link recordLeadMissing}), with no job:
   * only a re-run of the import re-adds them. Written after those moves, so that it is not older than `updatedAt`;
   * the next write to the record (the re-run's counters, or any row's outcome) is newer, and ends it.
   */
  async markAwaitingReimport(importId: string): Promise<void> {
    await this.resolve(importId);
    const key = this.keys.import(importId);
    const updatedAt = Number(await this.redis.hget(key, 'updatedAt')) || 0;
    await this.redis.hset(key, 'reimportNeededAt', Math.max(Date.now(), updatedAt));
  }

  /** Pending → Cancelled (the row's job was removed before it ran). */
  async recordCancelled(importId: string, line: number): Promise<TransitionResult> {
    return this.transition(importId, line, RowState.Cancelled, [RowState.Pending], undefined);
  }

  /**
   * Pending → Cancelled unless a runner holds the row's lease (`fenced` then, nothing changed), in one atomic step. For
   * a row with no job of its own to remove (a row of a chunk job): a runner takes such a row only while it is Pending,
   * so a row cancelled here is never run, and a row it took first is left to finish. Checked apart, a runner could
   * take the row between the check and the move, then record it created from Cancelled: `cancel` counted it as
   * cancelled and the ledger as created.
   */
  async recordCancelledUnlessLeased(importId: string, line: number): Promise<TransitionResult> {
    await this.resolve(importId);
    const [applied, previous] = await this.redis.ledgerUnleasedTransition(
      this.keys.rowStates(importId),
      this.keys.import(importId),
      this.keys.outcomes(importId),
      this.keys.lease(importId, line),
      line,
      RowState.Cancelled,
      String(RowState.Pending),
      '',
      Date.now(),
    );
    if (applied === -1) return { applied: false, previous: RowState.Pending, fenced: true };
    return { applied: applied === 1, previous: previous as RowState };
  }

  /**
   * Remembers what `revert` did, so a re-run resumes: gone (deleted, or found gone) `l:{leadId}`, `n:{noteId}`,
   * `p:{personId}`, `o:{orgId}`; a lead's delete sent `ls:{leadId}`; a lead gone before revert sent anything for it
   * `lg:{leadId}`; a note kept as it moved off its lead `nm:{noteId}`. Counts a lead the first time as `reverted` on
   * the record (status and report show the rows as reverted). True when the tag was not there yet.
   */
  async markReverted(importId: string, tag: string): Promise<boolean> {
    await this.resolve(importId);
    return (
      (await this.redis.ledgerMarkReverted(this.keys.reverted(importId), this.keys.import(importId), tag)) ===
      1
    );
  }

  /** Lead ids `revert` deleted, or found gone (see {@link leadsGoneBeforeRevert}). */
  async revertedLeads(importId: string): Promise<Set<string>> {
    return new Set((await this.revertTags(importId, 'l:')).map((t) => t.slice(2)));
  }

  /** Lead ids that were gone before `revert` sent anything for them (converted into a deal, or deleted by hand). */
  async leadsGoneBeforeRevert(importId: string): Promise<Set<string>> {
    return new Set((await this.revertTags(importId, 'lg:')).map((t) => t.slice(3)));
  }

  private async revertTags(importId: string, prefix: string): Promise<string[]> {
    await this.resolve(importId);
    const tags = await this.redis.smembers(this.keys.reverted(importId));
    return tags.filter((t) => t.startsWith(prefix));
  }

  /** State and details of the given lines, in the order asked. */
  async outcomes(importId: string, lines: number[]): Promise<RowOutcome[]> {
    await this.resolve(importId);
    if (lines.length === 0) return [];
    // One MULTI: read apart, a row created between the two reads would show as created without its lead.
    const replies = await this.redis
      .multi()
      .call('BITFIELD_RO', this.keys.rowStates(importId), ...bitfieldGets(lines))
      .hmget(this.keys.outcomes(importId), ...lines.map(String))
      .exec();
    const failed = replies?.find(([err]) => err)?.[0];
    if (!replies || failed)
      throw failed ?? new Error(`Reading the outcomes of import ${importId} was aborted`);
    const states = replies[0]?.[1] as RowState[];
    const details = replies[1]?.[1] as (string | null)[];
    return lines.map((_, i) => toOutcome(states[i] ?? RowState.None, details[i] ?? null));
  }

  /** Original cells of rejected lines. */
  async rejectedCells(importId: string, lines: number[]): Promise<(string[] | null)[]> {
    await this.resolve(importId);
    if (lines.length === 0) return [];
    const raw = await this.redis.hmget(this.keys.rejectCells(importId), ...lines.map(String));
    return raw.map((r) => (r ? (JSON.parse(r) as string[]) : null));
  }

  private async transition(
    importId: string,
    line: number,
    to: RowState,
    from: RowState[],
    details: Record<string, unknown> | undefined,
    counters: Partial<Record<Counter, number>> = {},
    fence?: LeaseFence,
    options: FinishOptions = {},
  ): Promise<TransitionResult> {
    await this.resolve(importId);
    const detailsArg = details ? JSON.stringify(details) : '';
    const deltas: (string | number)[] = [];
    for (const [field, delta] of Object.entries(counters)) if (delta) deltas.push(field, delta);
    const states = this.keys.rowStates(importId);
    const record = this.keys.import(importId);
    const outcomes = this.keys.outcomes(importId);
    if (fence) {
      // A bad line would fail the whole step, other rows' outcomes with it: refused here, alone.
      if (!Number.isSafeInteger(line) || line < 0)
        throw new Error(`Line ${line} of import ${importId} is not a line number`);
      const [applied, previous, completed] = await this.fencedSteps.ask({
        importKeys: [states, record, outcomes],
        rowKeys: [fence.key, fence.checkpointKey ?? fence.key],
        args: [line, to, from.join(''), detailsArg, options.finish ? '1' : '0', fence.value],
        deltas,
      });
      if (applied === -1) return { applied: false, previous: RowState.None, fenced: true };
      return {
        applied: applied === 1,
        previous: previous as RowState,
        ...(options.finish ? { completedImport: completed === 1 } : {}),
      };
    }
    const [applied, previous] = await this.redis.ledgerTransition(
      states,
      record,
      outcomes,
      line,
      to,
      from.join(''),
      detailsArg,
      Date.now(),
      ...deltas,
    );
    return { applied: applied === 1, previous: previous as RowState };
  }

  /**
   * How the fenced transitions waiting go (see `TurnBatcher`): one script call (FENCED_OUTCOMES_LUA) for all of them
   * on one Redis, one per hash tag on a cluster, where a script runs in one slot (a connection's keys carry its tag).
   */
  private splitOutcomes(taken: FencedRequest[]): TurnStep<FencedRequest> {
    const later: FencedRequest[] = [];
    const calls = new Map<string, { requests: FencedRequest[]; leases: Set<string> }>();
    for (const r of taken) {
      const states = r.importKeys[0];
      const tag = this.keys.cluster ? hashTagOf(states) : '';
      let call = calls.get(tag);
      if (!call) {
        call = { requests: [], leases: new Set() };
        calls.set(tag, call);
      }
      // The same lease twice in one step would see its own first write: the second waits for the next step.
      if (call.requests.length >= MAX_OUTCOMES_PER_STEP || call.leases.has(r.rowKeys[0])) later.push(r);
      else {
        call.requests.push(r);
        call.leases.add(r.rowKeys[0]);
      }
    }
    return { calls: [...calls.values()].map((c) => c.requests), later };
  }

  private async sendOutcomeStep(requests: FencedRequest[]): Promise<void> {
    const imports = new Map<string, number>();
    const importKeys: string[] = [];
    const rowKeys: string[] = [];
    const rowArgs: (string | number)[] = [];
    for (const r of requests) {
      let index = imports.get(r.importKeys[0]);
      if (index === undefined) {
        importKeys.push(...r.importKeys);
        index = imports.size + 1;
        imports.set(r.importKeys[0], index);
      }
      rowKeys.push(...r.rowKeys);
      const [line, to, allowed, details, finish, value] = r.args;
      rowArgs.push(index, line, to, allowed, details, finish, value, r.deltas.length / 2, ...r.deltas);
    }
    const reply = await this.redis.ledgerFencedOutcomes(
      importKeys.length + rowKeys.length,
      ...importKeys,
      ...rowKeys,
      imports.size,
      Date.now(),
      ...rowArgs,
    );
    for (const [i, r] of requests.entries()) {
      r.resolve([Number(reply[3 * i]), reply[3 * i + 1] ?? '', Number(reply[3 * i + 2] ?? 0)]);
    }
  }
}

/** A fenced transition's answer: applied (1), refused (0) or fenced out (-1); the previous state (or the lease's holder); 1 when it completed the import. */
type FencedAnswer = [number, number | string, number];

/** A fenced transition waiting for its step (see `splitOutcomes`). */
interface FencedRequest extends TurnRequest {
  /** The import's states, record and outcomes keys. */
  importKeys: [string, string, string];
  /** The row's lease and checkpoint keys (the lease twice for a row without its own checkpoint). */
  rowKeys: [string, string];
  /** Line, target state, allowed states, details, finish ('1' or '0'), the lease's value. */
  args: [number, number, string, string, string, string];
  /** (counter, delta) pairs. */
  deltas: (string | number)[];
  resolve(answer: FencedAnswer): void;
}

/** A bound on one step's rows (its keys and arguments are unpacked onto Lua's stack). */
const MAX_OUTCOMES_PER_STEP = 200;

/**
 * How long a row's outcome waits for others' before its step leaves (`TurnBatcher`'s linger). An outcome is the
 * row's last write, after its lead exists: waiting costs the row nothing but its permit for those milliseconds,
 * while a step's shared commands (the script call, the leases' read, a BITFIELD, the record's read and write, the
 * details' write and the DEL, ≈ 7) are paid once for every row in it.
 */
export const OUTCOME_LINGER_MS = 25;

function toOutcome(state: RowState, raw: string | null): RowOutcome {
  const d = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  switch (state) {
    case RowState.Created:
      return {
        state: 'created',
        leadId: String(d.l),
        ...(d.n !== undefined ? { noteId: d.n as number } : {}),
        ...(d.ne !== undefined ? { noteError: String(d.ne) } : {}),
        personId: d.p as number | undefined,
        organizationId: d.o as number | undefined,
        personCreated: d.pc === 1,
        organizationCreated: d.oc === 1,
      };
    case RowState.DeadLettered:
      return {
        state: 'dead-lettered',
        errorClass: String(d.e ?? 'Error'),
        message: String(d.m ?? ''),
        httpStatus: d.s as number | undefined,
      };
    case RowState.Rejected:
      return { state: 'rejected', column: d.c as string | undefined, reason: String(d.m ?? '') };
    case RowState.Cancelled:
      return { state: 'cancelled' };
    case RowState.Pending:
      return { state: 'pending' };
    default:
      return { state: 'unknown' };
  }
}

/** `BITFIELD_RO` arguments reading the 4-bit state of each line. */
function bitfieldGets(lines: number[]): (string | number)[] {
  const args: (string | number)[] = [];
  for (const line of lines) args.push('GET', 'u4', `#${line}`);
  return args;
}

function parseRecord(raw: Record<string, string>): ImportRecord {
  const num = (k: string) => Number(raw[k] ?? 0) || 0;
  const counters = Object.fromEntries(COUNTERS.map((c) => [c, num(c)])) as Record<Counter, number>;
  return {
    importId: raw.importId!,
    connection: raw.connection || DEFAULT_CONNECTION,
    priority: num('priority') || IMPORT_PRIORITY_DEFAULT,
    startTurn: num('startTurn'),
    rowsPerJob: num('rowsPerJob') || 1,
    ...(num('companyId') > 0 ? { companyId: num('companyId') } : {}),
    fileName: raw.fileName ?? '',
    fileSize: num('fileSize'),
    fileHash: raw.fileHash ?? '',
    mapping: raw.mapping ? JSON.parse(raw.mapping) : null,
    ...(raw.readArgs ? { readArgs: JSON.parse(raw.readArgs) as string[] } : {}),
    header: raw.header ? (JSON.parse(raw.header) as string[]) : [],
    createdAt: num('createdAt'),
    updatedAt: num('updatedAt'),
    state: (raw.state as ImportState) ?? 'reading',
    error: raw.error,
    ...(num('reimportNeededAt') > 0 ? { reimportNeededAt: num('reimportNeededAt') } : {}),
    ...(num('producerSeenAt') > 0 ? { producerSeenAt: num('producerSeenAt') } : {}),
    ...counters,
    pending: Math.max(0, counters.enqueued - counters.created - counters.deadLettered - counters.cancelled),
  };
}
