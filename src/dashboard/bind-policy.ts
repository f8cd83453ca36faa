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

/**
 * The line to warn with when the dashboard asks for a password on a non-loopback address over plain HTTP (it serves
 * no TLS itself): Basic auth sends the password readable to anyone on the path. None on loopback, without a
 * password, or when the operator says TLS (a proxy, a tunnel) or the host's loopback is the only way in
 * (`--behind-tls`).
 */
export function plainHttpWarning(
  host: string,
  authConfigured: boolean,
  behindTls: boolean,
): string | undefined {
  if (!authConfigured || behindTls || isLoopbackHost(host)) return undefined;
  return (
    `The dashboard asks for its password over plain HTTP on ${host}: anyone on the path can read it. ` +
    'Put it behind TLS (a TLS proxy or an SSH tunnel: see docs/security.md) and pass --behind-tls, or use --host 127.0.0.1.'
  );
}
