import { describe, expect, it } from 'vitest';
import { startDashboardProcess } from '../helpers/dashboard-process.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

/**
 * `lead-importer dashboard` with a password beyond loopback serves Basic auth over plain HTTP (it has no TLS of its
 * own): it says so once at start, unless the operator says a TLS proxy or tunnel is the only way in.
 */
const env = () => ({
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: uniquePrefix('plainhttp'),
  DASHBOARD_USER: 'ops',
  DASHBOARD_PASSWORD: 'a-long-random-password-for-the-test',
});
const WARNING = /asks for its password over plain HTTP on 0\.0\.0\.0/;

/** The command's whole output, from start to exit (the logger's lines are flushed when it exits). */
async function outputOf(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const dashboard = await startDashboardProcess({ ...env(), ...extraEnv }, args);
  try {
    await dashboard.stop();
    return dashboard.output();
  } finally {
    dashboard.kill();
  }
}

describe('the dashboard warns when its password crosses plain HTTP', () => {
  it('warns once with a password on a non-loopback --host', async () => {
    const out = await outputOf(['--host', '0.0.0.0']);
    expect(out.match(new RegExp(WARNING, 'g'))).toHaveLength(1);
    expect(out).toContain('--behind-tls');
    expect(out).not.toContain('a-long-random-password-for-the-test');
  });

  it('says nothing with --behind-tls, on loopback, or without a password (read-only, loopback only)', async () => {
    expect(await outputOf(['--host', '0.0.0.0', '--behind-tls'])).not.toMatch(/plain HTTP/);
    expect(await outputOf(['--host', '127.0.0.1'])).not.toMatch(/plain HTTP/);
    expect(await outputOf([], { DASHBOARD_USER: '', DASHBOARD_PASSWORD: '' })).not.toMatch(/plain HTTP/);
  });
});
