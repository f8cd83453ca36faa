import type { Queue } from 'bullmq';

/**
 * Worker processes taking rows from `queue` now: BullMQ names each worker's blocking connection after its queue, and
 * `CLIENT LIST` lists them (every node's on a Redis Cluster). Undefined where Redis does not list its clients (an ACL
 * refusing `CLIENT`, a managed Redis without it: BullMQ then answers with a stand-in that has no address) or the
 * question fails: the caller cannot tell then, which is not the same as none.
 */
export async function workersServing(queue: Queue): Promise<number | undefined> {
  try {
    const workers = await queue.getWorkers();
    return workers.every((w) => 'addr' in w) ? workers.length : undefined;
  } catch {
    return undefined;
  }
}
