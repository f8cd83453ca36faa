import type { OpsContext } from '../ops/ops-context.js';

export interface Health {
  status: 'ok' | 'unhealthy';
  redis: { ok: boolean; latencyMs?: number; error?: string };
  workers: { seen: number; withinMs: number };
  checkedAt: string;
}

/**
 * Redis answers a PING, and at least one worker sent a heartbeat within `workerFreshMs`
 * (workers keep a sorted set of id → last-seen ms). Healthy means imports can make progress.
 */
export async function checkHealth(ctx: OpsContext, workerFreshMs: number, now = Date.now()): Promise<Health> {
  const health: Health = {
    status: 'unhealthy',
    redis: { ok: false },
    workers: { seen: 0, withinMs: workerFreshMs },
    checkedAt: new Date(now).toISOString(),
  };
  try {
    const started = performance.now();
    await ctx.redis.ping();
    health.redis = { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    health.workers.seen = await countLiveWorkers(ctx, workerFreshMs, now);
  } catch (err) {
    health.redis = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (health.redis.ok && health.workers.seen > 0) health.status = 'ok';
  return health;
}

export async function countLiveWorkers(
  ctx: OpsContext,
  workerFreshMs: number,
  now = Date.now(),
): Promise<number> {
  return ctx.redis.zcount(ctx.keys.workers, now - workerFreshMs, '+inf');
}
