import type { Writable } from 'node:stream';
import type { Cluster, Redis } from 'ioredis';
import { isClusterRedis } from './connection.js';

type Replies<T extends readonly Promise<unknown>[]> = { -readonly [K in keyof T]: Awaited<T[K]> };

/**
 * Sends the commands `issue` makes on `redis` in one write system call, as a pipeline does, without
 * building one: an ioredis `Pipeline` copies every script defined on its client (BullMQ's and ours)
 * into itself when it is made, which cost a worker more CPU per row than the round trip it saves
 * (bench/README.md, scale-out). On one Redis (or Sentinel's primary) the commands are written while
 * the client's socket is corked, so they leave together; on a cluster each goes to its own node.
 * Resolves with the replies in order, or rejects with the first command's error (after all of them
 * have answered, so none is left unobserved).
 */
export async function sendTogether<T extends readonly Promise<unknown>[]>(
  redis: Redis,
  issue: (redis: Redis) => readonly [...T],
): Promise<Replies<T>> {
  const socket = isClusterRedis(redis) ? undefined : (redis as { stream?: Writable }).stream;
  socket?.cork();
  let sent: readonly [...T];
  try {
    sent = issue(redis);
  } finally {
    socket?.uncork();
  }
  const settled = await Promise.allSettled(sent);
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  }) as Replies<T>;
}

const batching = new WeakSet<object>();

/**
 * Makes `redis` write the commands it is given within one turn of the event loop in one write system call: the
 * first command corks the client's socket and `setImmediate` uncorks it, once the callbacks of I/O that was
 * ready together (several rows' HTTP answers, Redis replies) and their promise callbacks have run, before the
 * loop waits for I/O again. Each write was a system call, and Redis socket writes about a fifth of a worker's
 * busy time (bench/README.md, *Worker CPU per lead*).
 *
 * Unlike ioredis' `enableAutoPipelining` nothing waits for an earlier batch's replies and no `Pipeline` is built:
 * commands leave in the order they were given, on the same connection, when the turn ends, so a `WAIT`, a
 * `MULTI`/`EXEC` or a fenced script behaves as without it. A connection lost with commands still corked treats
 * them as commands written and not yet answered (ioredis has queued both as sent: re-sent in order on
 * reconnect, or rejected). On a cluster each node's client batches its own commands, nodes that join later
 * too. Meant for a client that sends no blocking command (BullMQ blocks on its own duplicate, the durability
 * waits on theirs): one would still leave in order, at the end of the turn.
 */
export function batchWritesPerTick(redis: Redis): Redis {
  if (batching.has(redis)) return redis;
  batching.add(redis);
  if (isClusterRedis(redis)) {
    const cluster = redis as unknown as Cluster;
    for (const node of cluster.nodes()) batchWritesPerTick(node);
    cluster.on('+node', (node: Redis) => batchWritesPerTick(node));
    return redis;
  }
  const client = redis as unknown as { sendCommand: Redis['sendCommand']; stream?: Writable; status: string };
  const send = client.sendCommand;
  let corked: Writable | undefined;
  const uncork = () => {
    const stream = corked;
    corked = undefined;
    stream?.uncork();
  };
  client.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
    const stream = client.stream;
    if (corked === undefined && stream !== undefined && client.status === 'ready' && stream.writable) {
      corked = stream;
      stream.cork();
      setImmediate(uncork);
    }
    return send.apply(this, args);
  } as Redis['sendCommand'];
  return redis;
}
