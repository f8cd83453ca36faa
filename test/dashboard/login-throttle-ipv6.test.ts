import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { basicAuth, throttleClient } from '../../src/dashboard/basic-auth.js';
import { LoginThrottle } from '../../src/dashboard/login-throttle.js';

const AUTH = { user: 'ops', password: 'correct horse battery staple' };
const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

/** The middleware's answer to one request from `address`: 200 when it lets the request through. */
function login(middleware: ReturnType<typeof basicAuth>, address: string, password: string): number {
  let status = 0;
  const res = {
    status(code: number) {
      status = code;
      return res;
    },
    set: () => res,
    type: () => res,
    send: () => res,
  };
  let passed = false;
  const next: NextFunction = () => {
    passed = true;
  };
  middleware(
    { socket: { remoteAddress: address }, headers: { authorization: basic(password) } } as unknown as Request,
    res as unknown as Response,
    next,
  );
  return passed ? 200 : status;
}

describe('failed dashboard logins over IPv6', () => {
  it('count against the /64 a host is given, so changing address within it gives no new guesses', () => {
    const middleware = basicAuth(AUTH, { throttle: new LoginThrottle() });
    for (let i = 1; i <= 10; i++)
      expect(login(middleware, `2001:db8:1:2::${i.toString(16)}`, 'guess')).toBe(401);
    // The 11th guess from yet another address of that /64, right password included, is refused.
    expect(login(middleware, '2001:db8:1:2:aaaa:bbbb:cccc:dddd', AUTH.password)).toBe(429);
    // Another network is not affected, nor an IPv4 client.
    expect(login(middleware, '2001:db8:1:3::1', AUTH.password)).toBe(200);
    expect(login(middleware, '192.0.2.7', AUTH.password)).toBe(200);
  });

  it('read an address the ways it can be written', () => {
    expect(throttleClient('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(throttleClient('2001:0db8:0001:0002:ffff:0:0:1')).toBe('2001:db8:1:2::/64');
    expect(throttleClient('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleClient('::1')).toBe('0:0:0:0::/64');
    expect(throttleClient('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttleClient('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(throttleClient('192.0.2.7')).toBe('192.0.2.7');
  });
});
