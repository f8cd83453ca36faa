import type { TestProject } from 'vitest/node';
import { type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';
import { buildDistIfStale } from './build-dist.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: PrivateRedis | undefined;

/**
 * Builds dist/ when src/ is newer (the shipped-binary tests run it), and starts one private
 * redis-server for the whole run unless REDIS_URL is set. Test files keep apart by using their
 * own key prefix (see test/helpers/redis.ts), not by flushing.
 */
export async function setup(project: TestProject): Promise<void> {
  buildDistIfStale();
  let url = process.env.REDIS_URL;
  if (!url) {
    redis = await startPrivateRedis();
    url = redis.url;
  }
  project.provide('redisUrl', url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
