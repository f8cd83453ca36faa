import type { TestProject } from 'vitest/node';
import { type PrivateRedis, startPrivateRedis } from '../../src/dev/private-redis.js';
import { buildDistIfStale } from './build-dist.js';
import { prerequisitesMessage } from './prerequisites.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: PrivateRedis | undefined;

/**
 * Checks that the machine has what the tests need (Node ≥ 20.19, redis-server, Chromium), builds
 * dist/ when src/ is newer (the shipped-binary tests run it), and starts one private
 * redis-server for the whole run unless REDIS_URL is set. Test files keep apart by using their
 * own key prefix (see test/helpers/redis.ts), not by flushing.
 */
export async function setup(project: TestProject): Promise<void> {
  // First of all, what this machine lacks, in one line (not a stack trace from the first test that trips on it).
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const missing = prerequisitesMessage({
    // Vitest matches filters as substrings of the path; without filters the browser test runs.
    browser:
      !filters?.length ||
      filters.some((f) => 'test/dashboard/browser.test.ts'.includes(f) || f.includes('browser')),
  });
  if (missing) {
    process.stderr.write(`${missing}\n`);
    process.exit(1);
  }
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
