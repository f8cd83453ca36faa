import { DEFAULT_CONNECTION } from '../config/config.js';
import type { OpsContext } from './ops-context.js';
import { type ControlFlags, readControlFlags } from './status.js';

/** Every lead queue `pause` and `resume` act on: each configured connection's, and `default`'s. */
function everyLeadQueue(ctx: OpsContext) {
  return [...new Set([DEFAULT_CONNECTION, ...ctx.connections])].map((c) => ctx.leadQueueOf(c));
}

/**
 * Stops processing for every worker at once, on every connection's queue (BullMQ's pause is global): active jobs
 * finish, nothing new starts. The time is kept in the `control` hash for `status` and the dashboard.
 *
 * The flag goes first and the queues follow (and `resumeAll` clears it first): a worker lifting its own pause
 * (a token that works again, `ProcessingControl.clearAuthBlock`) resumes its queue and then reads the flag,
 * pausing the queue again if it is set, so a pause racing it is never undone.
 */
export async function pauseAll(ctx: OpsContext, now = Date.now()): Promise<ControlFlags> {
  await ctx.redis.hset(ctx.keys.control, 'paused', now);
  await Promise.all(everyLeadQueue(ctx).map((q) => q.pause()));
  return readControlFlags(ctx);
}

/**
 * Restarts processing on every connection's queue. A block set by a worker (e.g. a rejected API token) stays until
 * a worker clears it after a call succeeds; the returned flags show it.
 */
export async function resumeAll(ctx: OpsContext): Promise<ControlFlags> {
  await ctx.redis.hdel(ctx.keys.control, 'paused');
  await Promise.all(everyLeadQueue(ctx).map((q) => q.resume()));
  return readControlFlags(ctx);
}
