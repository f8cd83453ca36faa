import type { Redis } from 'ioredis';
import { type AuthKind, burstLimitPer2s, type Plan } from '../config/config.js';
import { type ConnectionConfig, DEFAULT_CONNECTION } from '../config/connection-config.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import { afterBursts, MAX_BURST_RETRIES } from '../pipedrive/burst-wait.js';
import { PipedriveClient, type PipedriveClientOptions } from '../pipedrive/client.js';
import { clientOptionsForConnection } from '../pipedrive/client-options-from-config.js';
import { isRateLimitError } from '../pipedrive/errors.js';
import { TOKEN_COSTS } from '../pipedrive/token-costs.js';
import type { CallOptions, Operation, PipedriveApi, User } from '../pipedrive/types.js';
import { parseResetUtc } from '../worker/budget-day.js';
import { BudgetGovernor, recordUnadmittedCall } from '../worker/budget-governor.js';
import { readPublishedBudget } from '../worker/budget-reader.js';
import {
  type CallLimiter,
  callLimiterId,
  createCallLimiter,
  unlimitedCallLimiter,
} from '../worker/call-limiter.js';
import { isBudgetSpentError } from '../worker/errors.js';
import { DEFAULT_RETRY } from '../worker/options.js';
import { PipedriveGateway } from '../worker/pipedrive-gateway.js';

/** Runs one Pipedrive call through the worker's path: budget admission, burst spacing, 429 handling. */
export type GuardedCall = <T>(operation: Operation, fn: (options: CallOptions) => Promise<T>) => Promise<T>;

export interface GuardedPipedriveOptions {
  redis: Redis;
  prefix: string;
  /**
   * The connection whose workers share these calls: its 429 pause and its counters, never another
   * company's. @defaultValue `default`
   */
  connection?: string;
  pipedrive: Omit<PipedriveClientOptions, 'onResponse'>;
  plan: Plan;
  auth: AuthKind;
  dailyTokens: number;
  /** As the workers run: share of the budget kept for other integrations. @defaultValue 0.1 */
  budgetReserve?: number;
  /** As the workers run: `HH:MM` UTC. @defaultValue `00:00` */
  budgetResetUtc?: string;
  /** @defaultValue 0.9 */
  rateLimitMargin?: number;
  /** `false`: no client-side spacing (a sandbox without limits). @defaultValue true */
  rateLimit?: boolean;
  /**
   * A spent daily budget lets calls into the reserve (admitted with `force`) instead of ending them: for a few
   * reads that must not wait for the next budget day (the producer's reference data). @defaultValue false
   */
  useReserve?: boolean;
}

/** What {@link openGuardedPipedrive} takes from a configured connection: its client, plan and budget, as its workers do. */
export function connectionSettings(
  connection: ConnectionConfig,
): Pick<
  GuardedPipedriveOptions,
  'connection' | 'pipedrive' | 'plan' | 'auth' | 'dailyTokens' | 'budgetReserve' | 'budgetResetUtc'
> {
  return {
    connection: connection.name,
    pipedrive: clientOptionsForConnection(connection),
    plan: connection.plan,
    auth: connection.auth,
    dailyTokens: connection.dailyTokens,
    budgetReserve: connection.budgetReserve,
    budgetResetUtc: connection.budgetResetUtc,
  };
}

export interface GuardedPipedrive {
  api: PipedriveApi;
  call: GuardedCall;
  readonly governor: BudgetGovernor;
  /** The token's user (`GET /users/me`, the call that named the company's budget). */
  me: User;
  close(): Promise<void>;
}

/**
 * A Pipedrive client whose calls take the workers' path: the same budget governor (same company
 * budget key), the same admission into the same burst windows in Redis (the limiter id names them,
 * so operators' calls and workers' calls share one window), the same 429 reaction, and metrics into
 * the same counters.
 *
 * The limiter id is the worker's: {@link callLimiterId}, from the limiter's own module.
 *
 * A burst 429 is not a failure of the call: the gateway has paused every caller for the time
 * Pipedrive asked, and the call is tried again (at most {@link MAX_BURST_RETRIES} times,
 * as a worker re-queues a row). A spent daily budget still ends the call (revert resumes later), unless
 * `useReserve`.
 */
export async function openGuardedPipedrive(options: GuardedPipedriveOptions): Promise<GuardedPipedrive> {
  const metrics = new MetricsRecorder(options.redis, options.prefix);
  const counters = metrics.connection(options.connection ?? DEFAULT_CONNECTION);
  const api = new PipedriveClient({
    ...options.pipedrive,
    onResponse: (e) =>
      counters.recordCall(e.operation, e.status, e.durationMs, e.status === 429 ? 0 : e.tokenCost),
  });
  let limiter: CallLimiter | undefined;
  try {
    limiter =
      options.rateLimit === false
        ? unlimitedCallLimiter()
        : await createCallLimiter({
            redis: options.redis,
            id: callLimiterId(options.prefix, options.pipedrive),
            burstLimit: burstLimitPer2s(options.plan, options.auth),
            margin: options.rateLimitMargin ?? 0.9,
            // The window keys under the workers' prefix: one window, whoever calls.
            prefix: options.prefix,
            connection: options.connection ?? DEFAULT_CONNECTION,
          });
    const connection = options.connection ?? DEFAULT_CONNECTION;
    const ownLimiter = limiter;
    const chargeTo = (companyKey: string) => {
      const governor = new BudgetGovernor({
        redis: options.redis,
        prefix: options.prefix,
        companyKey,
        connection,
        dailyTokens: options.dailyTokens,
        reserve: options.budgetReserve ?? 0.1,
        resetOffsetMs: parseResetUtc(options.budgetResetUtc ?? '00:00'),
      });
      const gateway = new PipedriveGateway({
        governor,
        limiter: ownLimiter,
        retry: DEFAULT_RETRY,
        edgeBlockBackoffMs: 60_000,
      });
      return { governor, gateway };
    };
    // `GET /users/me` proves the token works before anything is deleted, and names the company's budget.
    // Once a worker of the connection has published its company, the call is admitted into the token's window
    // and charged like any other (into the reserve if it must: it names the budget, it must not end the command).
    // Before that, it goes out before any admission: a burst 429 (another process busy on the token) is waited
    // out here, and the call is then counted in the token's window.
    const published = await readPublishedBudget(options.redis, options.prefix, connection);
    let me: User;
    let charged: ReturnType<typeof chargeTo>;
    if (published) {
      charged = chargeTo(published.companyKey);
      me = await callThrough(charged.gateway, 'users.me', (o) => api.getCurrentUser(o), true);
      if (`c${me.company_id}` !== published.companyKey) {
        // The token is another company's than the workers' (its configuration changed since they started):
        // the call goes back to the budget it was not spent from; the token's window keeps it.
        await charged.governor.refund(TOKEN_COSTS['users.me']);
        charged = chargeTo(`c${me.company_id}`);
      }
    } else {
      me = await afterBursts(() => api.getCurrentUser());
      await recordUnadmittedCall(options.redis, limiter.windowFor('call'));
      charged = chargeTo(`c${me.company_id}`);
    }
    const { governor, gateway } = charged;
    const useReserve = options.useReserve ?? false;
    const call: GuardedCall = (operation, fn) => callThrough(gateway, operation, fn, useReserve);
    return {
      api,
      call,
      governor,
      me,
      async close() {
        api.close();
        await Promise.allSettled([ownLimiter.close(), metrics.close()]);
      },
    };
  } catch (err) {
    api.close();
    await Promise.allSettled([limiter?.close(), metrics.close()]);
    throw err;
  }
}

/**
 * One call through the gateway, as a row's call is: a burst 429 is tried again (the gateway has paused every
 * caller meanwhile), at most {@link MAX_BURST_RETRIES} times. A spent budget ends it, unless `useReserve`:
 * then it is admitted again with `force`, which still keeps to the token's windows.
 */
async function callThrough<T>(
  gateway: PipedriveGateway,
  operation: Operation,
  fn: (o: CallOptions) => Promise<T>,
  useReserve: boolean,
): Promise<T> {
  let force = false;
  let refusedByPipedrive = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return await gateway.call(operation, { tokens: 0 }, fn, { force });
    } catch (err) {
      if (isRateLimitError(err) && err.scope === 'daily' && !refusedByPipedrive) {
        // Pipedrive says the day's budget is spent, and the gateway has marked it so: the next admission answers
        // with the governor's BudgetSpentError, which names the end of the budget day, as when our own count ran
        // out. The reserve is no use once Pipedrive itself refuses.
        refusedByPipedrive = true;
        force = false;
        continue;
      }
      if (isRateLimitError(err) && err.scope !== 'daily' && attempt < MAX_BURST_RETRIES) continue;
      if (useReserve && !force && !refusedByPipedrive && isBudgetSpentError(err)) {
        force = true;
        continue;
      }
      throw err;
    }
  }
}
