import type { OpsContext } from './ops-context.js';
import { type ControlFlags, readControlFlags } from './status.js';

/**
 * Stops processing for every worker at once (BullMQ's pause is global): active jobs finish,
 * nothing new starts. The time is kept in the `control` hash for `status` and the dashboard.
 */
export async function pauseAll(ctx: OpsContext, now = Date.now()): Promise<ControlFlags> {
  await ctx.leadQueue.pause();
  await ctx.redis.hset(ctx.keys.control, 'paused', now);
  return readControlFlags(ctx);
}

/**
 * Restarts processing. A block set by a worker (e.g. a rejected API token) stays until a worker
 * clears it after a call succeeds; the returned flags show it.
 */
export async function resumeAll(ctx: OpsContext): Promise<ControlFlags> {
  await ctx.leadQueue.resume();
  await ctx.redis.hdel(ctx.keys.control, 'paused');
  return readControlFlags(ctx);
}
