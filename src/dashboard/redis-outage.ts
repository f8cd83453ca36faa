import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';

/**
 * Longest one Redis command of the dashboard may wait for its reply, in ms (ioredis' `commandTimeout`). A Redis that
 * is stopped (SIGSTOP), swapping or partitioned keeps its socket open and answers nothing: without a bound a page,
 * a bull-board call or a scrape waits for as long as that lasts, and each poll of each open tab adds one more.
 * Past any reply a healthy Redis gives the dashboard's reads (milliseconds), short enough that a page still answers.
 */
export const DASHBOARD_COMMAND_TIMEOUT_MS = 3_000;

/**
 * Longest a request may go unanswered, in ms: then it is answered 503, whatever it still waits for. A backstop for
 * what {@link DASHBOARD_COMMAND_TIMEOUT_MS} does not bound: BullMQ waits for its connection's `ready` before a queue's
 * first command and before the helpers it creates on first use (a queue's job scheduler: bull-board asks it), and a
 * wait for an event that a dead Redis never sends is not a command.
 */
export const REQUEST_DEADLINE_MS = 8_000;

/** What every Redis-backed request answers while Redis is not ready: no text of Redis', BullMQ's or bull-board's. */
export const REDIS_UNAVAILABLE_BODY = {
  error: 'Could not read the queues (is Redis reachable?). See the dashboard log.',
} as const;

/** Redis is not ready (down, restarting, refusing our credentials, still loading): the request is not tried. */
export class RedisNotReadyError extends Error {
  override name = 'RedisNotReadyError';
  constructor(status: string) {
    super(`Redis is not ready (connection ${status})`);
  }
}

/**
 * Middleware: a request that needs Redis is answered 503 at once while the client is not `ready`, rather than tried.
 * Tried, a command fails fast (`enableOfflineQueue: false`), but what BullMQ and bull-board do around it does not:
 * a command sent while the socket closes fails with "Stream isn't writeable" in bull-board's 500, and a queue's
 * helper created while Redis is down waits for a `ready` that comes only when Redis does.
 */
export function requireRedisReady(redis: Pick<Redis, 'status'>) {
  return (_req: Request, _res: Response, next: NextFunction): void => {
    next(redis.status === 'ready' ? undefined : new RedisNotReadyError(redis.status));
  };
}

/**
 * Middleware: answers 503 ({@link REDIS_UNAVAILABLE_BODY}) when the request has no answer after `deadlineMs`, and
 * makes the late answer, when it comes, write nothing (its handler goes on to an end no one waits for).
 */
export function answerWithin(deadlineMs: number, log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const timer = setTimeout(() => {
      if (res.headersSent || res.writableEnded) return;
      log.warn({ path: req.path, deadlineMs }, 'Dashboard request unanswered in time; answered 503');
      res.status(503).set('Retry-After', '5').type('json').json(REDIS_UNAVAILABLE_BODY);
      muteLateAnswer(res);
    }, deadlineMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    next();
  };
}

/** After the deadline's answer: what the handler sends later is dropped rather than thrown (headers already sent). */
function muteLateAnswer(res: Response): void {
  const self = () => res;
  Object.assign(res, {
    status: self,
    set: self,
    header: self,
    type: self,
    setHeader: self,
    json: self,
    send: self,
    sendStatus: self,
    end: self,
    render: () => {},
  });
}

/**
 * Middleware in front of bull-board's API: its 5xx answers (bull-board's error handler: a 500 carrying the error's
 * message and stack, e.g. "Stream isn't writeable and enableOfflineQueue options is false" or Redis' host and port)
 * become our 503 with {@link REDIS_UNAVAILABLE_BODY}, as our own routes answer; what happened is logged.
 */
export function cleanServerErrors(log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const send = res.send.bind(res);
    let replaced = false;
    res.send = ((body?: unknown) => {
      if (replaced || res.statusCode < 500) return send(body);
      replaced = true;
      log.warn(
        { path: req.path, status: res.statusCode, error: errorText(body) },
        'bull-board could not read the queues; answered 503',
      );
      res.status(503).set('Retry-After', '5').type('json');
      return send(JSON.stringify(REDIS_UNAVAILABLE_BODY));
    }) as Response['send'];
    next();
  };
}

function errorText(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'message' in body) return String(body.message);
  if (typeof body === 'string') return body.slice(0, 500);
  return undefined;
}
