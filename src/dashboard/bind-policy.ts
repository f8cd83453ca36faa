import { ConfigError } from '../config/config.js';
import { isLoopbackHost } from '../config/loopback-host.js';

export { isLoopbackHost };

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
