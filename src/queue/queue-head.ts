import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * BullMQ scores a prioritized job `priority × 2^32 + counter` (bullmq's `getPriorityScore.lua`), so the
 * priority is the score's high part.
 */
const PRIORITY_SCORE_UNIT = 0x1_0000_0000;

/**
 * The priority of the row a lead queue serves next: the lowest priority among its waiting jobs, 0 when
 * none waits. One `ZRANGE … 0 0 WITHSCORES` on the queue's prioritized set (every lead job has a
 * priority, so that set holds every waiting row).
 */
export async function nextLeadPriority(queue: Queue): Promise<number> {
  // bullmq types its client as a union of clients; it is an ioredis one (or a Cluster, same command).
  const client = (await queue.client) as unknown as Redis;
  const [, score] = await client.zrange(queue.keys.prioritized as string, 0, 0, 'WITHSCORES');
  return score === undefined ? 0 : Math.floor(Number(score) / PRIORITY_SCORE_UNIT);
}
