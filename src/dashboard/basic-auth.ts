import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export interface BasicAuthCredentials {
  user: string;
  password: string;
}

/** Equal-length digests make the comparison's time independent of where the inputs differ. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
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

/** Express middleware answering 401 with a Basic challenge unless the credentials match. */
export function basicAuth(expected: BasicAuthCredentials, realm = 'lead-importer') {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (isAuthorized(req.headers.authorization, expected)) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`)
      .type('text/plain')
      .send('Authentication required.\n');
  };
}
