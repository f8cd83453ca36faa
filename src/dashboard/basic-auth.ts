import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import type { LoginThrottle } from './login-throttle.js';

export interface BasicAuthCredentials {
  user: string;
  password: string;
}

export interface BasicAuthOptions {
  /** @defaultValue `lead-importer` */
  realm?: string;
  /** Limits failed logins per client address; without it, guesses are unlimited. */
  throttle?: LoginThrottle;
  /** Called once when a client address uses up its failed logins (to log it). */
  onLockout?: (client: string, retryAfterMs: number) => void;
}

/** Equal-length digests make the comparison's time independent of where the inputs differ. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Who failed logins are counted against: an IPv4 address (an IPv4-mapped IPv6 one as IPv4), or an IPv6 address's
 * /64 network. One host is given a whole /64 (SLAAC, most providers), so counting IPv6 addresses one by one would give
 * a guesser 10 guesses a minute for each of the 2^64 addresses it may use.
 */
export function throttleClient(address: string): string {
  const plain = address.replace(/%.*$/, '');
  if (isIP(plain) !== 6) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped) return mapped[1]!;
  const [head = '', tail] = plain.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${all
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** Parses an `Authorization: Basic …` header; null when absent or malformed. */
export function parseBasicAuth(header: string | undefined): BasicAuthCredentials | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** True when the request carries exactly these credentials (user and password both checked, always). */
export function isAuthorized(header: string | undefined, expected: BasicAuthCredentials): boolean {
  const given = parseBasicAuth(header) ?? { user: '', password: '' };
  const userOk = sameSecret(given.user, expected.user);
  const passwordOk = sameSecret(given.password, expected.password);
  return userOk && passwordOk;
}

/**
 * Express middleware answering 401 with a Basic challenge unless the credentials match, and 429 with
 * `Retry-After` to an address that has used up its failed logins. Only requests that carry credentials count
 * as failures: a browser's first, credential-less request is how it learns to ask.
 */
export function basicAuth(expected: BasicAuthCredentials, options: BasicAuthOptions = {}) {
  const realm = options.realm ?? 'lead-importer';
  const { throttle } = options;
  return (req: Request, res: Response, next: NextFunction): void => {
    const client = throttleClient(req.socket.remoteAddress ?? 'unknown');
    const waitMs = throttle?.retryAfterMs(client) ?? 0;
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      res
        .status(429)
        .set('Retry-After', String(seconds))
        .type('text/plain')
        .send(`Too many failed logins from this address; try again in ${seconds} s.\n`);
      return;
    }
    if (isAuthorized(req.headers.authorization, expected)) {
      next();
      return;
    }
    if (req.headers.authorization !== undefined && throttle?.recordFailure(client)) {
      options.onLockout?.(client, throttle.retryAfterMs(client));
    }
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`)
      .type('text/plain')
      .send('Authentication required.\n');
  };
}
