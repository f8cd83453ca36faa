import type { NextFunction, Request, Response } from 'express';
import { isLoopbackHost } from '../config/loopback-host.js';

/**
 * Middleware for the dashboard without credentials: answers only requests whose `Host` is a loopback name with
 * the dashboard's port (`127.0.0.1:3000`, `localhost:3000`, `[::1]:3000`), and 421 to anything else.
 *
 * Listening on loopback is not enough: a web page the operator visits can point a DNS name it controls at
 * 127.0.0.1 (DNS rebinding) and then read `/api/imports` and `/queues/api/…` as same-origin requests. Such a
 * request carries the attacker's name in `Host`, which is what this refuses.
 */
export function loopbackHostOnly(port: () => number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(req.headers.host ?? '');
    const name = match?.[1] ?? match?.[2];
    const given = match?.[3];
    const portOk = given === undefined ? port() === 80 : Number(given) === port();
    if (name !== undefined && isLoopbackHost(name) && portOk) {
      next();
      return;
    }
    const p = port();
    res
      .status(421)
      .type('text/plain')
      .send(
        `Misdirected request: without DASHBOARD_USER and DASHBOARD_PASSWORD this dashboard answers only http://127.0.0.1:${p}, http://localhost:${p} or http://[::1]:${p}.\n`,
      );
  };
}
