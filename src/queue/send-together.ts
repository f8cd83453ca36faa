import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
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
