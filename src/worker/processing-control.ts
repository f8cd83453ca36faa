import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_CONNECTION } from '../config/connection-config.js';
import type { AuthKind } from '../config/plans.js';
import type { Logger } from '../logging/logger.js';
import type { RateLimitInfo } from '../pipedrive/types.js';
import { keyScope, keysFor } from '../queue/names.js';
import type { BudgetGovernor } from './budget-governor.js';
import { formatUtc, readControl } from './control.js';
import type { KeyLocks } from './key-lock.js';

/**
 * Extends BullMQ's queue-wide rate limit (the `limiter` key `queue.rateLimit(ms)` sets) to at
 * least `ms`, never shortening it: `queue.rateLimit` overwrites, so a 2-second burst pause would
 * otherwise cut short a wait for tomorrow's budget. The value is BullMQ's own (MAX_SAFE_INTEGER).
 */
const HOLD_LUA = `
local pttl = redis.call('PTTL', KEYS[1])
if pttl < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
end
return pttl
`;

/**
 * Makes BullMQ look at the hold only while there is one. BullMQ checks a queue's `limiter` key when it fetches a
 * job only if a rate limit is configured (the worker's `limiter` option or the queue's global one, `max` and
 * `duration` in its meta hash), and then also counts every job it fetches there (`GET` + `INCR` per job, a
 * `PEXPIRE` a second: 2 of a lead's Redis commands). So the workers set no `limiter`, and this sets the global
 * one while the key holds a hold (the MAX_SAFE_INTEGER `queueHold` and `queue.rateLimit` write) and removes it
 * once the hold is gone, atomically against a new hold. A `max` no job count reaches: it never limits by itself.
 * Returns 1 while held.
 */
const HOLD_SYNC_LUA = `
local held = (tonumber(redis.call('GET', KEYS[1]) or '0') or 0) >= 1e15
if held then
  if redis.call('HEXISTS', KEYS[2], 'max') == 0 then
    redis.call('HSET', KEYS[2], 'max', ARGV[1], 'duration', ARGV[2])
  end
  return 1
end
redis.call('HDEL', KEYS[2], 'max', 'duration')
return 0
`;

/** The global rate limit {@link HOLD_SYNC_LUA} sets during a hold: no job count reaches `max` in its `duration`. */
const HOLD_LIMIT = { max: 1_000_000_000, durationMs: 1000 };

type HoldRedis = Redis & {
  queueHold(key: string, ms: number, value: string): Promise<number>;
  queueHoldSync(limiterKey: string, metaKey: string, max: number, durationMs: number): Promise<number>;
};

export interface ProbeResult {
  ok: boolean;
  /** Rate-limit headers of the probe's response. */
  info: RateLimitInfo;
  error?: unknown;
}

export interface ProcessingControlOptions {
  redis: Redis;
  prefix: string;
  /**
   * The connection whose rows this controls: its flags live in its own control hash and its holds on its own
   * queue, so one company's block or budget wait never stops another's rows. @defaultValue `default`
   */
  connection?: string;
  /** The connections file that defines the connection, if any: a 401 tells the operator to fix its entry there. */
  connectionsFile?: string | undefined;
  /** Environment variables the connection's secrets come from (names): a 401 then says to restart, not SIGHUP. */
  secretVariables?: readonly string[] | undefined;
  /** How the connection signs in: what a rejection tells the operator to fix. @defaultValue `api_token` */
  auth?: AuthKind | undefined;
  /** The connection's lead queue. */
  queue: Queue;
  /** Known once the startup probe has named the company. */
  governor: () => BudgetGovernor | undefined;
  locks: KeyLocks;
  logger: Logger;
  /** `GET /v1/users/me` through the gateway, forced past the budget (2 tokens). */
  probe: () => Promise<ProbeResult>;
  /** This process stops (true) or resumes (false) taking jobs: its own token is rejected. */
  onLocalBlock: (blocked: boolean) => Promise<void>;
  budgetProbeIntervalMs: number;
  authProbeIntervalMs: number;
  controlPollMs: number;
}

/**
 * What stops every worker of one connection at once, and what starts them again (the connection's queue and
 * control hash only: other connections' rows go on):
 * - a 429 or an edge block: BullMQ's queue-wide rate limit for the time Pipedrive asked;
 * - a spent daily budget: the same, until the next budget day, plus `budgetWaitUntil` in the
 *   control hash ("waiting for budget until …"); one worker probes now and then and reopens
 *   early when Pipedrive's budget is back (its day may start at another hour than ours);
 * - a rejected token (401, or 402 for an unpaid account): the queue is paused, `blockedReason`
 *   set ("blocked: …"), one error log line; nothing is dead-lettered. A worker whose token works
 *   (at start, or on its periodic probe) clears the block and resumes the queue.
 */
export class ProcessingControl {
  private readonly keys: ReturnType<typeof keysFor>;
  private readonly redis: HoldRedis;
  private readonly connection: string;
  /** The connection's control hash. */
  private readonly controlKey: string;
  private budgetTimer: NodeJS.Timeout | undefined;
  private authTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private lastAuthProbeAt = 0;
  private locallyBlocked = false;
  private announcedBudgetUntil = 0;
  private closed = false;

  constructor(private readonly options: ProcessingControlOptions) {
    this.connection = options.connection ?? DEFAULT_CONNECTION;
    this.keys = keysFor(options.prefix, keyScope(options.redis, this.connection));
    this.controlKey = this.keys.connectionControl(this.connection);
    if (!('queueHold' in options.redis)) {
      options.redis.defineCommand('queueHold', { numberOfKeys: 1, lua: HOLD_LUA });
    }
    if (!('queueHoldSync' in options.redis)) {
      options.redis.defineCommand('queueHoldSync', { numberOfKeys: 2, lua: HOLD_SYNC_LUA });
    }
    this.redis = options.redis as HoldRedis;
  }

  /** The budget as the governor sees it now (for a daily 429). */
  async governorStatus() {
    const governor = this.options.governor();
    if (!governor) throw new Error('Budget governor used before the worker knew its company');
    return governor.status();
  }

  get isLocallyBlocked(): boolean {
    return this.locallyBlocked;
  }

  /** Starts watching the control hash (to clear a block another worker's bad token set). */
  start(): void {
    this.pollTimer = setInterval(
      () => void this.poll().catch((err) => this.warn(err)),
      this.options.controlPollMs,
    );
    this.pollTimer.unref();
  }

  /** No worker fetches a job of the connection for `ms` (BullMQ's queue rate limit), never shortening a longer hold. */
  async holdQueue(ms: number): Promise<void> {
    const limiterKey = this.options.queue.keys.limiter!;
    await this.redis.queueHold(limiterKey, Math.max(1, Math.round(ms)), String(Number.MAX_SAFE_INTEGER));
    // After the hold, never before: a sync between the two would otherwise drop the limit the hold needs.
    await this.syncHold();
  }

  /**
   * BullMQ's global rate limit on the connection's queue while a hold is set, none otherwise
   * ({@link HOLD_SYNC_LUA}); after each hold and on each control poll, so a hold's limit outlives it by at
   * most one poll. Returns whether the queue is held.
   */
  async syncHold(): Promise<boolean> {
    const { limiter, meta } = this.options.queue.keys;
    return (await this.redis.queueHoldSync(limiter!, meta!, HOLD_LIMIT.max, HOLD_LIMIT.durationMs)) === 1;
  }

  async waitForBudget(untilMs: number, used: number, limit: number): Promise<void> {
    const control = this.controlKey;
    const current = Number(await this.redis.hget(control, 'budgetWaitUntil')) || 0;
    const announce = this.announcedBudgetUntil !== untilMs;
    // Pipedrive's own daily 429 ends the day whatever our count says (the company's other integrations spend the
    // same budget): "spent (2,043 of 27,000 tokens)" alone read as a contradiction. Read once per wait, not per row.
    const reason =
      current < untilMs || announce ? await this.budgetSpentReason(used, limit) : 'daily token budget spent';
    if (current < untilMs) {
      await this.redis.hset(control, { budgetWaitUntil: untilMs, budgetWaitReason: reason });
    }
    await this.holdQueue(untilMs - Date.now());
    if (announce) {
      this.announcedBudgetUntil = untilMs;
      this.options.logger.warn(
        { untilMs, used, limit },
        `Waiting for budget until ${formatUtc(untilMs)}: ${reason}; rows stay queued, none fail`,
      );
    }
    this.startBudgetProbe();
  }

  private async budgetSpentReason(used: number, limit: number): Promise<string> {
    const ours = `${used.toLocaleString('en')} of ${limit.toLocaleString('en')} tokens`;
    const byServer = await this.options
      .governor()
      ?.status()
      .then((s) => s.exhaustedByServer)
      .catch(() => false);
    return byServer
      ? `Pipedrive answered that the company's daily token budget is spent (its other integrations spend it too; this tool's own count: ${ours})`
      : `daily token budget spent (${ours})`;
  }

  /** A rejected token: stop this connection in this process, pause its queue for everyone, say why once. */
  async blockForAuth(err: unknown, kind: 'auth' | 'payment'): Promise<void> {
    const wasBlocked = this.locallyBlocked;
    this.locallyBlocked = true;
    if (!wasBlocked) await this.options.onLocalBlock(true);
    const reason = blockReason(
      this.connection,
      kind,
      this.options.connectionsFile,
      this.options.auth,
      this.options.secretVariables,
    );
    const control = this.controlKey;
    const first = await this.redis.hsetnx(control, 'blockedReason', reason);
    await this.redis.hset(control, { blockedKind: 'auth', blockedAt: Date.now() });
    if (!(await this.options.queue.isPaused())) {
      await this.options.queue.pause();
      await this.redis.hset(control, 'pausedBy', 'auth');
    }
    const detail = err instanceof Error ? err.message : String(err);
    // Error, not fatal: the process goes on (other connections, the probe) and resumes by itself on a good token.
    if (first === 1) this.options.logger.error({ detail }, `Processing paused: ${reason}`);
    else if (!wasBlocked)
      this.options.logger.warn({ detail }, 'This worker’s token is rejected too; it waits');
    this.startAuthProbe();
  }

  /** This worker's token works: lift a block set because of a rejected token. */
  async clearAuthBlock(): Promise<void> {
    if (this.locallyBlocked) {
      this.locallyBlocked = false;
      await this.options.onLocalBlock(false);
    }
    this.stopAuthProbe();
    const state = await readControl(this.options.redis, this.options.prefix, this.connection);
    if (state.blockedKind !== 'auth') return;
    await this.redis.hdel(this.controlKey, 'blockedReason', 'blockedKind', 'blockedAt');
    let operatorPaused = false;
    if (state.pausedBy === 'auth') {
      // An operator's `pause` since the block holds this queue too: `resume` will resume it, not a working token.
      // The queue is left as the operator's flag says, read again after: `pause` and `resume` set their flag before
      // they act on the queues, so one racing this is either seen by the second read (and followed) or acts after.
      const paused = async () => (await this.redis.hget(this.keys.control, 'paused')) !== null;
      for (let tries = 0; tries < 5; tries++) {
        operatorPaused = await paused();
        await (operatorPaused ? this.options.queue.pause() : this.options.queue.resume());
        if ((await paused()) === operatorPaused) break;
      }
      await this.redis.hdel(this.controlKey, 'pausedBy');
    }
    this.options.logger.info(
      operatorPaused
        ? 'Pipedrive accepts the token: block lifted; processing stays paused until `lead-importer resume`'
        : 'Pipedrive accepts the token: block lifted, processing resumes',
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of [this.budgetTimer, this.authTimer, this.pollTimer]) if (t) clearInterval(t);
    this.budgetTimer = this.authTimer = this.pollTimer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    await this.syncHold();
    const state = await readControl(this.options.redis, this.options.prefix, this.connection);
    if (state.blockedKind === 'auth' && !this.locallyBlocked) {
      // Another worker's token was rejected; if ours works, lift the block.
      if (Date.now() - this.lastAuthProbeAt < this.options.authProbeIntervalMs) return;
      this.lastAuthProbeAt = Date.now();
      const result = await this.options.probe();
      if (result.ok) await this.clearAuthBlock();
    }
    if (state.budgetWaitUntil && state.budgetWaitUntil > Date.now()) this.startBudgetProbe();
  }

  private startBudgetProbe(): void {
    if (this.budgetTimer || this.closed) return;
    this.budgetTimer = setInterval(
      () => void this.probeBudget().catch((err) => this.warn(err)),
      this.options.budgetProbeIntervalMs,
    );
    this.budgetTimer.unref();
  }

  private async probeBudget(): Promise<void> {
    const control = this.controlKey;
    const until = Number(await this.redis.hget(control, 'budgetWaitUntil')) || 0;
    if (until <= Date.now()) {
      // The budget day turned: the hold has expired with it.
      if (until) await this.redis.hdel(control, 'budgetWaitUntil', 'budgetWaitReason');
      if (this.budgetTimer) clearInterval(this.budgetTimer);
      this.budgetTimer = undefined;
      return;
    }
    const governor = this.options.governor();
    if (!governor) return;
    // One prober per connection for all workers per interval: each connection's queue is held on its own.
    const lock = await this.options.locks.tryAcquire(
      this.keys.lock(
        governor.companyKey,
        'budget-probe',
        this.connection === DEFAULT_CONNECTION ? 'all' : this.connection,
      ),
      Math.max(1000, this.options.budgetProbeIntervalMs - 100),
    );
    if (!lock) return;
    const result = await this.options.probe();
    if (!result.ok) return;
    if (await governor.reopenAfterProbe(result.info, 50)) {
      await this.redis.hdel(control, 'budgetWaitUntil', 'budgetWaitReason');
      await this.options.queue.removeRateLimitKey();
      await this.syncHold();
      this.announcedBudgetUntil = 0;
      this.options.logger.info('Pipedrive’s daily budget is back before our reset time: processing resumes');
    }
  }

  private startAuthProbe(): void {
    if (this.authTimer || this.closed) return;
    this.authTimer = setInterval(async () => {
      try {
        this.lastAuthProbeAt = Date.now();
        const result = await this.options.probe();
        if (result.ok) await this.clearAuthBlock();
      } catch (err) {
        this.warn(err);
      }
    }, this.options.authProbeIntervalMs);
    this.authTimer.unref();
  }

  private stopAuthProbe(): void {
    if (this.authTimer) clearInterval(this.authTimer);
    this.authTimer = undefined;
  }

  private warn(err: unknown): void {
    if (this.closed) return;
    this.options.logger.warn({ err }, 'Control check failed; will try again');
  }
}

/**
 * Why a connection is blocked, for `status`, the imports page and the one error log line. `default` without a
 * connections file keeps the words today's operators know; a named connection (or `default` defined in a
 * connections file) says which company and how its workers pick up a fixed token (SIGHUP re-reads the
 * connections file and the files it names). An OAuth connection is told to re-authorize, not to fix an API token:
 * Pipedrive refused its refresh (400 or 401) or a call with its fresh access token (401).
 */
export function blockReason(
  connection: string,
  kind: 'auth' | 'payment',
  connectionsFile?: string,
  auth: AuthKind = 'api_token',
  secretVariables: readonly string[] = [],
): string {
  if (kind === 'payment') {
    return `Pipedrive says the company account${connection === DEFAULT_CONNECTION ? '' : ` of connection "${connection}"`} is not open (402: trial over or unpaid). Processing resumes once the account works again.`;
  }
  const fromVariables = connection === DEFAULT_CONNECTION && connectionsFile === undefined;
  const file = connectionsFile ?? 'the connections file';
  if (!fromVariables && secretVariables.length > 0) {
    // SIGHUP re-reads the file and the files it names, never the environment: a running process keeps the values
    // its variables had when it started. Saying "send SIGHUP" here sent operators round in circles.
    const names = secretVariables.filter((n) => /^[A-Z_][A-Z0-9_]*$/.test(n));
    const variables =
      names.length === 0
        ? 'environment variables'
        : `the environment variable${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
    return auth === 'oauth'
      ? `Pipedrive refused the OAuth credentials of connection "${connection}". Re-authorize the app. Its credentials come from ${variables}, which a running worker read when it started and cannot read again (SIGHUP does not): restart the workers with the new values, or move them to files (the oauth *_file keys of its entry in ${file}) and send the workers SIGHUP; processing resumes by itself.`
      : `Pipedrive rejected the API token of connection "${connection}" (401). Its token comes from ${variables}, which a running worker read when it started and cannot read again (SIGHUP does not): restart the workers with the new token there, or write it in a file, name that file with api_token_file in its entry in ${file} and send the workers SIGHUP; processing resumes by itself.`;
  }
  if (auth === 'oauth') {
    return fromVariables
      ? 'Pipedrive refused the OAuth credentials. Re-authorize the app and set the new PIPEDRIVE_OAUTH_REFRESH_TOKEN (or fix PIPEDRIVE_OAUTH_CLIENT_ID and PIPEDRIVE_OAUTH_CLIENT_SECRET), then start a worker with them; processing resumes by itself.'
      : `Pipedrive refused the OAuth credentials of connection "${connection}". Re-authorize the app and put the new refresh token where its entry in ${connectionsFile ?? 'the connections file'} names it (or fix the client id and secret there), then send the workers SIGHUP (or restart them; a worker started with --watch reads it by itself); processing resumes by itself.`;
  }
  return fromVariables
    ? 'Pipedrive rejected the API token (401). Set a valid PIPEDRIVE_API_TOKEN (or OAuth credentials) and start a worker with it; processing resumes by itself.'
    : `Pipedrive rejected the API token of connection "${connection}" (401). Fix the token that its entry in ${connectionsFile ?? 'the connections file'} names, then send the workers SIGHUP (or restart them; a worker started with --watch reads it by itself); processing resumes by itself.`;
}
