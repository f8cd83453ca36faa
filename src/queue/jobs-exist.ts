import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Which of these jobs of `queue` exist (their hash is there: waiting, delayed, active, or finished and not yet
 * removed), in the order asked, one pipelined round trip. Asked by the producer's re-run (a known row with
 * neither its chunk nor a single-row job was lost between the ledger and the queue) and by a chunk that runs
 * again (a row with a single-row job was split out by an earlier run). Ids asked twice are looked up once.
 *
 * The queue's keys share one hash slot on a Redis Cluster (`queuePrefix`), so one pipeline holds them all.
 */
export async function jobsExist(queue: Queue, ids: readonly string[]): Promise<boolean[]> {
  if (ids.length === 0) return [];
  const distinct = [...new Set(ids)];
  // BullMQ types its connection loosely; it is an ioredis client.
  const client = (await queue.client) as unknown as Redis;
  const pipeline = client.pipeline();
  for (const id of distinct) pipeline.exists(queue.toKey(id));
  const answers = (await pipeline.exec()) ?? [];
  const found = new Set<string>();
  distinct.forEach((id, i) => {
    const [err, n] = answers[i] ?? [null, 0];
    if (err) throw err;
    if (n === 1) found.add(id);
  });
  return ids.map((id) => found.has(id));
}
