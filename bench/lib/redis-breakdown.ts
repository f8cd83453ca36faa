/**
 * Where a run's Redis commands come from. `INFO commandstats` counts by command name, and counts
 * the commands a Lua script runs (`redis.call`) as well as the `EVALSHA` itself; this adds the
 * origin: a `MONITOR` connection sees each script call followed by its inner calls (`[0 lua]`), so
 * every command is charged to the script that ran it (named by its SHA: BullMQ's scripts, ours)
 * or, outside scripts, to what its first key belongs to (the ledger, leases, locks, caches,
 * metrics, heartbeat, Bottleneck's `b_` keys, BullMQ's queue keys).
 *
 * MONITOR costs Redis CPU: use it in a run whose CPU figures are not the ones reported.
 */
import { createHash } from 'node:crypto';
import * as bullScripts from 'bullmq/dist/esm/scripts/index.js';
import { Redis } from 'ioredis';
import { ImportLedger } from '../../src/queue/ledger.js';
import { RedisEpoch } from '../../src/queue/redis-epoch.js';
import { AdoptionBook } from '../../src/worker/adoption-book.js';
import { BudgetGovernor } from '../../src/worker/budget-governor.js';
import { KeyLocks } from '../../src/worker/key-lock.js';
import { ProcessingControl } from '../../src/worker/processing-control.js';
import { RowLeases } from '../../src/worker/row-lease.js';

/** SHA-1 of every Lua script we or BullMQ define → its name. */
export function knownScripts(): Map<string, string> {
  const names = new Map<string, string>();
  const sha = (lua: string) => createHash('sha1').update(lua).digest('hex');
  for (const script of Object.values(bullScripts) as { name?: string; content?: string }[]) {
    if (script?.name && typeof script.content === 'string')
      names.set(sha(script.content), `bullmq ${script.name}`);
  }
  // Our classes define their scripts in their constructors: a recorder stands in for Redis. Two scripts of the same
  // text have one SHA and cannot be told apart (the key locks' release and the row lease's): both names are given.
  const recorder = {
    defineCommand(name: string, def: { lua: string }) {
      const known = names.get(sha(def.lua));
      names.set(sha(def.lua), known && known !== name ? `${known} or ${name}` : name);
    },
  } as unknown as Redis;
  const makers: (() => unknown)[] = [
    () => new ImportLedger(recorder, 'x'),
    () => new RedisEpoch(recorder, 'x'),
    () => new AdoptionBook(recorder, 'x', 'c', 1),
    () => new KeyLocks(recorder),
    () => new RowLeases({ redis: recorder, prefix: 'x', workerId: 'w', ttlMs: 1 }),
    () =>
      new BudgetGovernor({
        redis: recorder,
        prefix: 'x',
        companyKey: 'c',
        dailyTokens: 1,
        reserve: 0,
      } as never),
    () => new ProcessingControl({ redis: recorder, prefix: 'x' } as never),
  ];
  for (const make of makers) {
    try {
      make();
    } catch {
      // A constructor that needs more than a recorder: its scripts are named by their keys.
    }
  }
  return names;
}

/** What a command outside scripts is for, from its first key. */
function originOfKey(key: string | undefined, prefix: string): string {
  if (key === undefined) return 'no key';
  if (key.startsWith('b_')) return 'bottleneck (rate limiter)';
  if (!key.startsWith(`${prefix}:`)) return 'other';
  const rest = key.slice(prefix.length + 1);
  if (rest.startsWith('lead-import')) return 'bullmq (queue keys)';
  if (/^imp:[^:]+:lease:/.test(rest)) return 'row lease';
  if (/^imp:[^:]+:filled:/.test(rest)) return 'contact filler';
  if (rest.startsWith('imp:') || rest === 'imports') return 'ledger';
  if (rest.startsWith('cache:')) return 'contact cache';
  if (rest.startsWith('lock:')) return 'key locks';
  if (rest.startsWith('metrics')) return 'metrics';
  if (rest === 'workers') return 'heartbeat';
  if (rest.startsWith('control')) return 'control';
  if (rest.startsWith('budget:')) return 'budget governor';
  if (rest.startsWith('epoch')) return 'epoch';
  if (rest.startsWith('window:')) return 'burst window';
  if (rest.startsWith('adopt:')) return 'adoption';
  return `other (${rest.split(':')[0]})`;
}

export interface OriginCount {
  origin: string;
  /** Commands a client sent (a script call counts once here). */
  sent: number;
  /** Every command Redis ran for it: the sent ones plus what its scripts ran. */
  total: number;
  /** By command name (scripts' inner commands included). */
  byCommand: Record<string, number>;
}

export interface CommandBreakdown {
  /** Stops watching and returns the counts, most commands first. */
  stop(): Promise<OriginCount[]>;
}

/**
 * Watches every command Redis runs from now on (a MONITOR connection) and charges it to its origin.
 * `prefix` is the run's key prefix; `ignore`: the benchmark's own clients, whose commands are left out.
 */
export async function watchCommands(
  url: string,
  prefix: string,
  ignore: Redis[] = [],
): Promise<CommandBreakdown> {
  const scripts = knownScripts();
  const client = new Redis(url, { maxRetriesPerRequest: 3 });
  const monitor = await client.monitor();
  // The benchmark's own clients (its polls, its INFO): MONITOR names a command's client by its address, read
  // when the command comes (a client connects after it is made).
  const addressOf = (r: Redis) => {
    const stream = (r as unknown as { stream?: { localAddress?: string; localPort?: number } }).stream;
    return `${stream?.localAddress}:${stream?.localPort}`;
  };
  const counts = new Map<string, OriginCount>();
  let current = 'other';
  const count = (origin: string, command: string, sent: boolean) => {
    let c = counts.get(origin);
    if (!c) {
      c = { origin, sent: 0, total: 0, byCommand: {} };
      counts.set(origin, c);
    }
    c.total++;
    if (sent) c.sent++;
    c.byCommand[command] = (c.byCommand[command] ?? 0) + 1;
  };
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (ignore.some((r) => addressOf(r) === source)) return;
    const command = (args[0] ?? '').toLowerCase();
    if (source === 'lua') {
      count(current, command, false);
      return;
    }
    if (command === 'evalsha' || command === 'eval') {
      const sha =
        command === 'eval'
          ? createHash('sha1')
              .update(args[1] ?? '')
              .digest('hex')
          : (args[1] ?? '');
      const numKeys = Number(args[2] ?? 0);
      current = scripts.get(sha) ?? `script on ${originOfKey(numKeys > 0 ? args[3] : undefined, prefix)}`;
      count(current, command, true);
      return;
    }
    if (['multi', 'exec', 'ping', 'info', 'client', 'select', 'monitor'].includes(command)) {
      count(`connection (${command})`, command, true);
      return;
    }
    count(originOfKey(args[1], prefix), command, true);
  });
  return {
    async stop() {
      monitor.disconnect();
      client.disconnect();
      return [...counts.values()].sort((a, b) => b.total - a.total);
    },
  };
}

/** `INFO commandstats` as command → calls (scripts' inner commands included). */
export async function commandStats(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** `after − before`, per command, largest first, without zeros. */
export function commandStatsDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): [string, number][] {
  return Object.entries(after)
    .map(([k, v]) => [k, v - (before[k] ?? 0)] as [string, number])
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1]);
}
