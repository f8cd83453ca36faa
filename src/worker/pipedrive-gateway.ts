import pRetry from 'p-retry';
import {
  isPermissionError,
  isPipedriveError,
  isRateLimitError,
  isRetryable,
  type PipedriveRateLimitError,
} from '../pipedrive/errors.js';
import { TOKEN_COSTS } from '../pipedrive/token-costs.js';
import type { CallOptions, Operation } from '../pipedrive/types.js';
import type { BudgetGovernor } from './budget-governor.js';
import type { CallLimiter } from './call-limiter.js';
import { BudgetSpentError, isBudgetSpentError } from './errors.js';
import type { RetryOptions } from './options.js';
import { sleep } from './sleep.js';

/** What a row checks around each of its creates (see `processor.ts`). */
export interface CreateGuard {
  /**
   * Before a create is prepared, outside any limiter: waits while Redis may have rolled back,
   * stops a row that began against an older Redis (`RowRestartError`), and makes the intent just
   * written durable where the server can.
   */
  beforeCreate(): Promise<void>;
  /**
   * Right before the request leaves (after the limiters let it go): throws `RowLeaseLostError`
   * when the row is no longer this runner's, `RowRestartError` when Redis changed meanwhile.
   */
  beforeSend(): Promise<void>;
}

/** What one row's calls share: the abort signal and the tokens charged to it. */
export interface CallContext {
  signal?: AbortSignal | undefined;
  /** Tokens charged for this row so far (added to the import's `tokensUsed`). */
  tokens: number;
  /** The row's fence, checked before every create it sends. */
  guard?: CreateGuard | undefined;
}

/** Calls that create something in Pipedrive: each is fenced by the row's {@link CreateGuard}. */
const CREATES: ReadonlySet<Operation> = new Set([
  'leads.add',
  'notes.add',
  'persons.add',
  'organizations.add',
]);

export interface GatewayOptions {
  governor: BudgetGovernor;
  limiter: CallLimiter;
  retry: RetryOptions;
  /** Pause after Cloudflare's HTML 403, in ms. */
  edgeBlockBackoffMs: number;
}

export interface CallSettings {
  /** Retry transient failures with p-retry. False for creates, which look before re-sending. @defaultValue true */
  retry?: boolean;
  /** Skip the budget check (still charged): probes that find out whether the budget is back. */
  force?: boolean;
}

/**
 * The one way the worker calls Pipedrive: admission (global pause, daily budget, the windows; batched with the
 * calls asked at the same moment), spacing (burst and search limiters), transient retries, and the reaction to a
 * 429 that every other
 * caller must see at once (a cluster-wide pause for the time Pipedrive asked).
 */
export class PipedriveGateway {
  constructor(private readonly options: GatewayOptions) {}

  async call<T>(
    operation: Operation,
    ctx: CallContext,
    fn: (options: CallOptions) => Promise<T>,
    settings: CallSettings = {},
  ): Promise<T> {
    const once = () => this.callOnce(operation, ctx, fn, settings.force ?? false);
    if (settings.retry === false) return once();
    const { callRetries, callRetryMinMs, callRetryMaxMs } = this.options.retry;
    return pRetry(once, {
      retries: callRetries,
      minTimeout: callRetryMinMs,
      maxTimeout: callRetryMaxMs,
      factor: 2,
      randomize: true,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      shouldRetry: ({ error }) => isRetryable(error),
    });
  }

  /** Waits for the backoff p-retry would use before try `n` (1-based), for callers that retry by hand. */
  async backoff(n: number, signal?: AbortSignal): Promise<void> {
    const { callRetryMinMs, callRetryMaxMs } = this.options.retry;
    const ms = Math.min(callRetryMaxMs, callRetryMinMs * 2 ** (n - 1) * (1 + Math.random()));
    await sleep(ms, signal);
  }

  private async callOnce<T>(
    operation: Operation,
    ctx: CallContext,
    fn: (options: CallOptions) => Promise<T>,
    force: boolean,
  ): Promise<T> {
    const cost = TOKEN_COSTS[operation];
    const { governor, limiter } = this.options;
    const kind = operation.endsWith('.search') ? 'search' : 'call';
    const window = limiter.windowFor(kind);
    // Admission happens when this process's limiter says it is our turn, right before the request leaves;
    // the calls of one group ask in the same turn of the event loop, so the governor admits them in one batch.
    const send = async (): Promise<T> => {
      let admitted: { atMs: number; delayMs: number } | undefined;
      // Taken before asking: Redis' `atMs` lies after it, so times measured from here are never short.
      let askedAt = Date.now();
      while (!admitted) {
        ctx.signal?.throwIfAborted();
        askedAt = Date.now();
        const admission = await governor.admit(cost, force, window);
        if (admission.kind === 'admitted') {
          admitted = admission;
          break;
        }
        if (admission.kind === 'spent') {
          throw new BudgetSpentError(admission.untilMs, admission.used, admission.limit);
        }
        // A full window waits for its oldest call to leave; a pause (someone got a 429) waits it
        // out with a little jitter, rather than add to the pile of rejected calls.
        const jitter = admission.kind === 'paused' ? Math.random() * 250 : Math.random() * 20;
        await sleep(admission.waitMs + jitter, ctx.signal);
      }
      try {
        // The send time the window reserved for this call (from the reply: never early).
        if (admitted.delayMs > 0) await sleep(admitted.delayMs, ctx.signal);
        await guard?.beforeSend();
      } catch (err) {
        stopped = true;
        throw err;
      }
      const sentAt = Date.now();
      const answered = () => {
        if (!window) return;
        const now = Date.now();
        limiter.answered(window, {
          admittedAtMs: admitted.atMs,
          sinceAdmitMs: now - askedAt,
          roundTripMs: now - sentAt,
        });
      };
      try {
        const result = await fn(ctx.signal ? { signal: ctx.signal } : {});
        answered();
        return result;
      } catch (err) {
        // Any HTTP answer says when the request reached the server; a network error does not. A
        // 429 keeps its place too: whether Pipedrive counts a rejected request is undocumented
        // (pipedrive-api.md §12.4), and the sandbox does not, so this errs on the safe side.
        if (isPipedriveError(err) && err.status > 0) answered();
        throw err;
      }
    };
    // The last look before a create leaves: as close to the send as the code can put it.
    const guard = CREATES.has(operation) ? ctx.guard : undefined;
    let stopped = false;
    try {
      // A row's later calls before other rows' first: see the limiter's comment on the order of calls.
      const result = await limiter.schedule(kind, send, ctx.tokens);
      ctx.tokens += cost;
      return result;
    } catch (err) {
      if (stopped) {
        // Admitted but never sent: the budget gets its tokens back.
        await governor.refund(cost);
      } else if (isRateLimitError(err)) {
        await governor.refund(cost);
        await this.onRateLimited(err);
      } else if (isBudgetSpentError(err) || (ctx.signal?.aborted && !isPipedriveError(err))) {
        // Never sent: nothing to charge.
      } else {
        ctx.tokens += cost;
        if (isPermissionError(err) && err.blockedByEdge) {
          await governor.pauseCalls(this.options.edgeBlockBackoffMs, 'edge');
        }
      }
      throw err;
    }
  }

  private async onRateLimited(err: PipedriveRateLimitError): Promise<void> {
    if (rateLimitKind(err) === 'daily') {
      await this.options.governor.markSpentByServer();
      return;
    }
    // Our spacing should have prevented it (clock jitter, another integration on the token):
    // everyone stops for the time Pipedrive asked, so nobody adds to the pile of rejected calls.
    await this.options.governor.pauseCalls(err.retryAfterMs, rateLimitKind(err));
    this.options.limiter.backOff();
  }
}

/** Which pause a 429 calls for: the daily budget, the search window, or the general burst window. */
export function rateLimitKind(err: PipedriveRateLimitError): 'burst' | 'daily' | 'search' {
  if (err.scope === 'daily') return 'daily';
  return err.operation.endsWith('.search') ? 'search' : 'burst';
}
