import type { OpsContext } from '../ops/ops-context.js';
import { parseDownEntryField } from '../queue/names.js';

/** A connection a live worker serves but takes none of the rows of: its worker failed and is restarting. */
export interface ConnectionDown {
  connection: string;
  worker: string;
  /** When it went down (ISO 8601). */
  since: string;
  /** Why: the error its worker stopped with. */
  error: string;
  /** When the worker restarts it (ISO 8601); absent when only a reload (SIGHUP) will. */
  restartAt?: string;
}

export interface Health {
  status: 'ok' | 'unhealthy';
  redis: { ok: boolean; latencyMs?: number; error?: string };
  workers: { seen: number; withinMs: number };
  /** Connections some live worker cannot serve now (empty when all are up). */
  connectionsDown: ConnectionDown[];
  checkedAt: string;
}

/**
 * What `/healthz` shows without a login: the same verdict, with the connections down counted but not named.
 * Connection names are an agency's client list, and worker ids carry host names: they stay behind the
 * dashboard's login (`/api/health`).
 */
export interface PublicHealth extends Omit<Health, 'connectionsDown'> {
  connectionsDown: number;
}

export function publicHealth(health: Health): PublicHealth {
  // Redis's error text may name an internal host and port: the probe only learns that Redis did not answer.
  const redis = health.redis.ok ? health.redis : { ok: false, error: 'Redis did not answer' };
  return { ...health, redis, connectionsDown: health.connectionsDown.length };
}

/**
 * Redis answers a PING, at least one worker sent a heartbeat within `workerFreshMs` (workers keep a sorted set
 * of id → last-seen ms), and no live worker has a connection down (its worker failed; `workersDown`). Healthy
 * means imports can make progress.
 */
export async function checkHealth(ctx: OpsContext, workerFreshMs: number, now = Date.now()): Promise<Health> {
  const health: Health = {
    status: 'unhealthy',
    redis: { ok: false },
    workers: { seen: 0, withinMs: workerFreshMs },
    connectionsDown: [],
    checkedAt: new Date(now).toISOString(),
  };
  try {
    const started = performance.now();
    await ctx.redis.ping();
    health.redis = { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    const [live, down] = await Promise.all([
      ctx.redis.zrangebyscore(ctx.keys.workers, now - workerFreshMs, '+inf'),
      ctx.redis.hgetall(ctx.keys.workersDown),
    ]);
    health.workers.seen = live.length;
    health.connectionsDown = connectionsDown(down, new Set(live));
  } catch (err) {
    health.redis = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (health.redis.ok && health.workers.seen > 0 && health.connectionsDown.length === 0) health.status = 'ok';
  return health;
}

/** The entries of `workersDown` whose worker is live (a worker that crashed could not clear its own). */
function connectionsDown(entries: Record<string, string>, live: ReadonlySet<string>): ConnectionDown[] {
  const down: ConnectionDown[] = [];
  for (const [field, raw] of Object.entries(entries)) {
    const parsed = parseDownEntryField(field);
    if (!parsed || !live.has(parsed.worker)) continue;
    const { worker, connection } = parsed;
    let entry: { since?: unknown; error?: unknown; restartAt?: unknown };
    try {
      entry = JSON.parse(raw) as typeof entry;
    } catch {
      continue;
    }
    down.push({
      connection,
      worker,
      since: new Date(Number(entry.since)).toISOString(),
      error: String(entry.error ?? ''),
      ...(typeof entry.restartAt === 'number' ? { restartAt: new Date(entry.restartAt).toISOString() } : {}),
    });
  }
  return down.sort((a, b) => a.connection.localeCompare(b.connection) || a.worker.localeCompare(b.worker));
}

export async function countLiveWorkers(
  ctx: OpsContext,
  workerFreshMs: number,
  now = Date.now(),
): Promise<number> {
  return ctx.redis.zcount(ctx.keys.workers, now - workerFreshMs, '+inf');
}
