import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli-process.js';
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const redis = testRedis();
const prefix = uniquePrefix('dashhup');
afterAll(() => deletePrefix(redis, prefix));

describe('lead-importer dashboard and SIGHUP', () => {
  it('keeps serving, and says there is no connections file to read again (the workers’ reload signal must not stop it)', async () => {
    const dashboard = spawnCli(['dashboard', '--port', '0'], {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'info',
    });
    const started = await dashboard.waitFor(/Dashboard at (http:\/\/\S+?)\//);
    expect(started, dashboard.output()).not.toBeNull();

    dashboard.kill('SIGHUP');
    const said = await dashboard.waitFor(
      /SIGHUP: no connections file \(PIPEDRIVE_CONNECTIONS_FILE\) to read again/,
    );
    expect(said, dashboard.output()).not.toBeNull();
    expect(dashboard.running()).toBe(true);
    const health = await fetch(`${started![1]}/healthz`);
    expect([200, 503]).toContain(health.status);

    dashboard.kill('SIGTERM');
    expect(await dashboard.exited).toBe(0);
  }, 90_000);
});
