import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RedisClusterNodes, startRedisCluster } from '../cluster/redis-cluster.js';

export interface OwnRedisCluster {
  nodes: RedisClusterNodes;
  /**
   * A client of the cluster, typed as the `Redis` the code under test takes (ioredis' `Cluster` answers the same
   * commands); closed with the cluster.
   */
  redis: Redis;
}

/**
 * A Redis Cluster of the calling file's own (`masters` masters, see {@link startRedisCluster}), started before its
 * tests and stopped after them: its nodes and a client, once started.
 */
export function useRedisCluster(masters = 3): () => OwnRedisCluster {
  let cluster: OwnRedisCluster | undefined;
  let nodes: RedisClusterNodes | undefined;
  beforeAll(async () => {
    nodes = await startRedisCluster(masters);
    cluster = { nodes, redis: nodes.client() as unknown as Redis };
  }, 60_000);
  afterAll(async () => {
    await nodes?.stop();
  });
  return () => {
    if (!cluster) throw new Error('useRedisCluster: used before its beforeAll hook ran');
    return cluster;
  };
}
