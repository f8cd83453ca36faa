import { describe, expect, it } from 'vitest';
import {
  errorFromNoResponse,
  errorFromResponse,
  isPipedriveError,
  isRateLimitError,
  isRetryable,
  isServerError,
  PipedriveAbortedError,
  PipedriveAuthError,
  PipedriveError,
  PipedriveNetworkError,
  PipedriveNotFoundError,
  PipedrivePaymentRequiredError,
  PipedrivePermissionError,
  PipedriveRateLimitError,
  PipedriveServerError,
  PipedriveTimeoutError,
  PipedriveValidationError,
  parseErrorBody,
  redactSecrets,
} from '../../src/pipedrive/errors.js';

const at = { operation: 'leads.add', method: 'POST', path: '/api/v1/leads' } as const;

function fromStatus(status: number, bodyText = '', headers: Record<string, string> = {}): PipedriveError {
  return errorFromResponse({ ...at, status, headers: new Headers(headers), bodyText });
}

function envelope(error: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    success: false,
    error,
    error_info: 'Please check developers.pipedrive.com',
    ...extra,
  });
}

describe('errorFromResponse', () => {
  it.each([
    [400, PipedriveValidationError],
    [401, PipedriveAuthError],
    [402, PipedrivePaymentRequiredError],
    [403, PipedrivePermissionError],
    [404, PipedriveNotFoundError],
    [405, PipedriveError],
    [410, PipedriveNotFoundError],
    [415, PipedriveError],
    [422, PipedriveValidationError],
    [429, PipedriveRateLimitError],
    [500, PipedriveServerError],
    [501, PipedriveServerError],
    [502, PipedriveServerError],
    [503, PipedriveServerError],
    [504, PipedriveServerError],
  ])('maps %i to %o', (status, ErrorClass) => {
    const err = fromStatus(status, envelope('Something'));
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err.constructor).toBe(ErrorClass);
    expect(err.name).toBe(ErrorClass.name);
    expect(err.status).toBe(status);
  });

  it('names method, path, status and Pipedrive’s error text in the message', () => {
    const err = fromStatus(400, envelope('Title must be given'));
    expect(err.message).toBe(
      'Pipedrive rejected POST /api/v1/leads with 400 Bad Request: "Title must be given"',
    );
    expect(err.errorText).toBe('Title must be given');
    expect(err.errorInfo).toBe('Please check developers.pipedrive.com');
  });

  it('keeps a plan-limit code and the 401 errorCode variant', () => {
    expect(fromStatus(403, envelope('Limit reached', { code: 'feature_capping_deals_limit' })).code).toBe(
      'feature_capping_deals_limit',
    );
    const unauthorized = fromStatus(
      401,
      JSON.stringify({ success: false, error: 'unauthorized access', errorCode: 401 }),
    );
    expect(unauthorized.code).toBe('401');
    expect(unauthorized.message).toContain('"unauthorized access"');
  });

  it('marks an HTML 403 as blocked by the edge', () => {
    const err = fromStatus(
      403,
      '<!DOCTYPE html><html><title>Attention Required! | Cloudflare</title></html>',
      {
        'content-type': 'text/html; charset=UTF-8',
        'cf-ray': '8a1b2c3d4e5f-AMS',
      },
    ) as PipedrivePermissionError;
    expect(err.blockedByEdge).toBe(true);
    expect(err.message).toMatch(
      /^Pipedrive's edge \(Cloudflare\) blocked POST \/api\/v1\/leads with 403 Forbidden/,
    );
    expect(err.requestId).toBe('8a1b2c3d4e5f-AMS');
  });

  it('does not mark a JSON 403 as blocked by the edge', () => {
    expect(
      (fromStatus(403, envelope('You do not have permissions to do this.')) as PipedrivePermissionError)
        .blockedByEdge,
    ).toBe(false);
  });

  it('survives an empty body, a truncated JSON body and plain text', () => {
    expect(fromStatus(502, '').message).toBe(
      'Pipedrive failed POST /api/v1/leads with 502 Bad Gateway (empty body)',
    );
    expect(fromStatus(500, '{"success":false,"err').message).toContain('(body is not JSON)');
    expect(fromStatus(503, 'upstream connect error').rawBody).toBe('upstream connect error');
  });

  it('cuts a long body to 2000 characters', () => {
    expect(fromStatus(500, 'x'.repeat(10_000)).rawBody).toHaveLength(2001);
  });

  it('reads the scope and wait of a 429 from its headers', () => {
    const burst = fromStatus(429, envelope('Request over limit'), {
      'x-ratelimit-limit': '20',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '2',
    }) as PipedriveRateLimitError;
    expect(burst.scope).toBe('burst');
    expect(burst.retryAfterMs).toBe(2000);
    expect(burst.rateLimit).toEqual({ limit: 20, remaining: 0, resetSeconds: 2 });
    expect(burst.message).toBe(
      'Pipedrive rate-limited POST /api/v1/leads with 429 Too Many Requests (burst limit; retry after 2000 ms): "Request over limit"',
    );
    const daily = fromStatus(429, envelope('Request over limit'), {
      'x-daily-ratelimit-token-remaining': '0',
      'retry-after': '1800',
    }) as PipedriveRateLimitError;
    expect(daily.scope).toBe('daily');
    expect(daily.retryAfterMs).toBe(1_800_000);
  });

  it('does not call a search 429 with room in the general window the daily budget', () => {
    const err = errorFromResponse({
      operation: 'persons.search',
      method: 'GET',
      path: '/api/v2/persons/search',
      status: 429,
      headers: new Headers({ 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '12' }),
      bodyText: envelope('Request over limit'),
    }) as PipedriveRateLimitError;
    expect(err.scope).toBe('burst');
  });

  it('marks 5xx as possibly carried out, and 4xx as not', () => {
    expect(fromStatus(502).outcomeUnknown).toBe(true);
    expect(fromStatus(400).outcomeUnknown).toBe(false);
    expect(fromStatus(429).outcomeUnknown).toBe(false);
  });
});

describe('errorFromNoResponse', () => {
  it('names the system code of a network failure found along undici’s cause chain', () => {
    const cause = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    const err = errorFromNoResponse({ ...at, kind: 'network', cause });
    expect(err).toBeInstanceOf(PipedriveNetworkError);
    expect(err.message).toBe(
      'No response from Pipedrive for POST /api/v1/leads: ECONNRESET (read ECONNRESET)',
    );
    expect(err.code).toBe('ECONNRESET');
    expect(err.status).toBe(0);
    expect(err.outcomeUnknown).toBe(true);
    expect(err.cause).toBe(cause);
  });

  it('knows a refused connection never reached Pipedrive', () => {
    const cause = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    });
    expect(errorFromNoResponse({ ...at, kind: 'network', cause }).outcomeUnknown).toBe(false);
  });

  it('builds timeout and abort errors', () => {
    const timeout = errorFromNoResponse({ ...at, kind: 'timeout', timeoutMs: 250 });
    expect(timeout).toBeInstanceOf(PipedriveTimeoutError);
    expect(timeout.message).toBe('Pipedrive did not answer POST /api/v1/leads within 250 ms');
    expect(errorFromNoResponse({ ...at, kind: 'aborted' })).toBeInstanceOf(PipedriveAbortedError);
  });
});

describe('isRetryable', () => {
  const network = errorFromNoResponse({ ...at, kind: 'network', cause: new Error('socket hang up') });
  it.each<[string, unknown, boolean]>([
    ['a 500', fromStatus(500), true],
    ['a 502', fromStatus(502), true],
    ['a 503', fromStatus(503), true],
    ['a 501 Not Implemented', fromStatus(501), false],
    ['a network error', network, true],
    ['a timeout', errorFromNoResponse({ ...at, kind: 'timeout', timeoutMs: 1 }), true],
    ['a 429 (handled as a rate limit, not a retry)', fromStatus(429), false],
    ['a 400', fromStatus(400), false],
    ['a 401', fromStatus(401), false],
    ['a 402', fromStatus(402), false],
    ['a 403', fromStatus(403), false],
    ['a 404', fromStatus(404), false],
    ['a 405', fromStatus(405), false],
    ['a caller abort', errorFromNoResponse({ ...at, kind: 'aborted' }), false],
    ['a TypeError (a bug)', new TypeError('x is not a function'), false],
    ['a plain Error', new Error('boom'), false],
    ['a string', 'PipedriveServerError', false],
    ['undefined', undefined, false],
    [
      'an error named PipedriveServerError from another process',
      Object.assign(new Error('x'), { name: 'PipedriveServerError', status: 502 }),
      true,
    ],
  ])('says %s is retryable: %s', (_label, err, expected) => {
    expect(isRetryable(err)).toBe(expected);
  });
});

describe('guards', () => {
  it('recognise errors by class', () => {
    const err = fromStatus(429);
    expect(isPipedriveError(err)).toBe(true);
    expect(isRateLimitError(err)).toBe(true);
    expect(isServerError(err)).toBe(false);
  });

  it('recognise errors by name, as BullMQ does after a round trip', () => {
    const revived = { name: 'PipedriveRateLimitError', message: 'x' };
    expect(isRateLimitError(revived)).toBe(true);
    expect(isPipedriveError(revived)).toBe(true);
    expect(isPipedriveError({ name: 'TypeError' })).toBe(false);
    expect(isPipedriveError(null)).toBe(false);
  });
});

describe('parseErrorBody', () => {
  it('tells HTML by content type or by its first tag', () => {
    expect(parseErrorBody('<p>blocked</p>', 'text/html').kind).toBe('html');
    expect(parseErrorBody('  <html><body>blocked</body></html>').kind).toBe('html');
  });

  it('reads OAuth-style error bodies', () => {
    expect(
      parseErrorBody('{"error":"invalid_grant","error_description":"refresh_token is invalid"}'),
    ).toEqual({
      kind: 'json',
      errorText: 'invalid_grant',
      errorInfo: 'refresh_token is invalid',
      code: undefined,
    });
  });

  it('treats JSON that is not an object as text', () => {
    expect(parseErrorBody('["x"]').kind).toBe('text');
    expect(parseErrorBody('null').kind).toBe('text');
  });
});

describe('redactSecrets', () => {
  it('removes each given secret, api_token query values and bearer tokens', () => {
    const token = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';
    expect(redactSecrets(`token ${token} and again ${token}`, [token])).toBe(
      'token [redacted] and again [redacted]',
    );
    expect(redactSecrets('GET /v1/leads?api_token=zzzzzzzzzz&limit=1')).toBe(
      'GET /v1/leads?api_token=[redacted]&limit=1',
    );
    expect(redactSecrets('Authorization: Bearer v1u:AQIBAHjabcdef')).toBe('Authorization: Bearer [redacted]');
  });

  it('removes a secret a token server echoes encoded, in another case, or as a form value', () => {
    // Pipedrive's refresh tokens hold colons, which a form body encodes.
    const refresh = '123456:7654321:abcdef0123456789abcdef';
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }).toString();
    expect(body).toContain('123456%3A7654321%3A');
    for (const echoed of [body, body.toUpperCase(), `invalid_grant for ${encodeURIComponent(refresh)}`]) {
      const out = redactSecrets(echoed, [refresh]);
      expect(out.toLowerCase()).not.toContain('abcdef0123456789');
    }
    expect(redactSecrets('client_secret=s3cr3t-value&code=abc123456&errorCode=401')).toBe(
      'client_secret=[redacted]&code=[redacted]&errorCode=401',
    );
  });

  it('leaves very short "secrets" alone rather than shredding the text', () => {
    expect(redactSecrets('a plain sentence', ['a'])).toBe('a plain sentence');
  });
});
