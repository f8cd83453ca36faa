import { ConfigError } from '../config/config.js';
import { isLoopbackHost } from '../config/loopback-host.js';

export { isLoopbackHost };

/** Fewest characters of a `DASHBOARD_PASSWORD` the dashboard takes beyond loopback. */
export const MIN_PASSWORD_LENGTH = 12;

/**
 * The dashboard shows customer data and can change queues, so it is only reachable from other
 * machines behind a password, and not a short one: the login throttle slows a guesser down, it does not stop
 * one. Throws a {@link ConfigError} (exit code 2) otherwise. The password is never quoted, only its length.
 */
export function assertSafeBinding(host: string, password: string | undefined): void {
  if (isLoopbackHost(host)) return;
  if (!password) {
    throw new ConfigError(
      `Refusing to serve the dashboard on ${host} without a password: anyone who can reach it would see your imports. ` +
        'Set DASHBOARD_USER and DASHBOARD_PASSWORD, or use --host 127.0.0.1.',
    );
  }
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw new ConfigError(
      `Refusing to serve the dashboard on ${host} with a DASHBOARD_PASSWORD of ${length} character${length === 1 ? '' : 's'}: ` +
        `anyone who can reach it may guess a short one. Use at least ${MIN_PASSWORD_LENGTH}, random (\`openssl rand -base64 18\`), or --host 127.0.0.1.`,
    );
  }
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
