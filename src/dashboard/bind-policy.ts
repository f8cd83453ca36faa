import { isIP } from 'node:net';
import { ConfigError } from '../config/config.js';

/** Hosts only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * The dashboard shows customer data and can change queues, so it is only reachable from other
 * machines behind a password. Throws a {@link ConfigError} (exit code 2) otherwise.
 */
export function assertSafeBinding(host: string, authConfigured: boolean): void {
  if (authConfigured || isLoopbackHost(host)) return;
  throw new ConfigError(
    `Refusing to serve the dashboard on ${host} without a password: anyone who can reach it would see your imports. ` +
      'Set DASHBOARD_USER and DASHBOARD_PASSWORD, or use --host 127.0.0.1.',
  );
}
