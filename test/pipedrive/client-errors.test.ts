import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import {
  isRetryable,
  PipedriveAbortedError,
  PipedriveAuthError,
  PipedriveNetworkError,
  PipedriveNotFoundError,
  PipedrivePaymentRequiredError,
  PipedrivePermissionError,
  PipedriveRateLimitError,
  PipedriveServerError,
  PipedriveTimeoutError,
  PipedriveValidationError,
} from '../../src/pipedrive/errors.js';
import type { ResponseEvent } from '../../src/pipedrive/types.js';
import { deferred } from '../helpers/deferred.js';
import { type CannedServer, failureOf, json, startCannedServer } from './canned-server.js';

const TOKEN = 'f3b1c9d2e4a5968778695a4b3c2d1e0f11223344';

let server: CannedServer;
let events: ResponseEvent[];
let client: PipedriveClient;

beforeAll(async () => {
  server = await startCannedServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  events = [];
  client = new PipedriveClient({
    baseUrl: server.url,
    apiToken: TOKEN,
    timeoutMs: 2_000,
    onResponse: (event) => events.push(event),
  });
});

describe('PipedriveClient errors over HTTP', () => {
  it.each([
    [400, PipedriveValidationError, 'Title must be given'],
    [401, PipedriveAuthError, 'unauthorized access'],
    [402, PipedrivePaymentRequiredError, 'Company account is not open'],
    [403, PipedrivePermissionError, 'You do not have permissions to do this.'],
    [404, PipedriveNotFoundError, 'requested lead not found'],
    [410, PipedriveNotFoundError, 'Gone'],
    [422, PipedriveValidationError, 'Unprocessable'],
    [429, PipedriveRateLimitError, 'Request over limit'],
    [500, PipedriveServerError, 'Internal error'],
    [502, PipedriveServerError, 'Bad gateway'],
    [503, PipedriveServerError, 'Service is under maintenance'],
  ])('raises on %i a %o naming method, path and Pipedrive’s text', async (status, ErrorClass, text) => {
    server.handle((_req, res) => json(res, status, { success: false, error: text, data: null }));
    const err = await failureOf(client.getLead(`lead-${status}`));
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err.status).toBe(status);
    expect(err.operation).toBe('leads.get');
    expect(err.method).toBe('GET');
    expect(err.path).toBe(`/api/v1/leads/lead-${status}`);
    expect(err.errorText).toBe(text);
    expect(err.message).toContain(`GET /api/v1/leads/lead-${status} with ${status} `);
    expect(err.message).toContain(`"${text}"`);
    expect(events.map((e) => [e.operation, e.status])).toEqual([['leads.get', status]]);
  });

  it('says when Cloudflare’s HTML page blocked the call', async () => {
    server.handle((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/html; charset=UTF-8', 'cf-ray': '8f00ba11-FRA' });
      res.end('<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head></html>');
    });
    const err = (await failureOf(client.addLead({ title: 'x', person_id: 1 }))) as PipedrivePermissionError;
    expect(err).toBeInstanceOf(PipedrivePermissionError);
    expect(err.blockedByEdge).toBe(true);
    expect(err.requestId).toBe('8f00ba11-FRA');
    expect(err.rawBody).toContain('Attention Required');
    expect(isRetryable(err)).toBe(false);
  });

  it('reports an empty 502 as a retryable server error whose outcome is unknown', async () => {
    server.handle((_req, res) => res.writeHead(502).end());
    const err = await failureOf(client.addPerson({ name: 'Ann' }));
    expect(err).toBeInstanceOf(PipedriveServerError);
    expect(err.message).toBe('Pipedrive failed POST /api/v2/persons with 502 Bad Gateway (empty body)');
    expect(err.outcomeUnknown).toBe(true);
    expect(isRetryable(err)).toBe(true);
  });

  it('reads a burst 429’s headers into scope, wait and rate-limit info', async () => {
    server.handle((_req, res) =>
      json(
        res,
        429,
        { success: false, error: 'Request over limit' },
        {
          'x-ratelimit-limit': '20',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': '2',
          'retry-after': '3',
        },
      ),
    );
    const err = (await failureOf(client.searchPersons({ term: 'ann' }))) as PipedriveRateLimitError;
    expect(err).toBeInstanceOf(PipedriveRateLimitError);
    expect(err.scope).toBe('burst');
    expect(err.retryAfterMs).toBe(3_000);
    expect(err.rateLimit).toEqual({ limit: 20, remaining: 0, resetSeconds: 2, retryAfterSeconds: 3 });
    expect(events[0]?.rateLimit).toEqual(err.rateLimit);
    expect(isRetryable(err)).toBe(false);
  });

  it('calls a 429 with burst room left the daily budget', async () => {
    server.handle((_req, res) =>
      json(
        res,
        429,
        { success: false, error: 'Request over limit' },
        {
          'x-ratelimit-limit': '20',
          'x-ratelimit-remaining': '17',
          'x-daily-ratelimit-token-remaining': '0',
        },
      ),
    );
    const err = (await failureOf(client.addLead({ title: 'x', person_id: 1 }))) as PipedriveRateLimitError;
    expect(err.scope).toBe('daily');
  });

  it('waits the 2-second window after a 429 that carries no headers', async () => {
    server.handle((_req, res) => res.writeHead(429).end());
    const err = (await failureOf(client.getUsers())) as PipedriveRateLimitError;
    expect(err.scope).toBe('burst');
    expect(err.retryAfterMs).toBe(2_000);
    expect(err.rateLimit).toEqual({});
  });

  it('reports a connection destroyed mid-response as a network error', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"success":true,"data":{"id":');
      setImmediate(() => res.socket?.destroy());
    });
    const err = await failureOf(client.addLead({ title: 'x', person_id: 1 }));
    expect(err).toBeInstanceOf(PipedriveNetworkError);
    expect(err.status).toBe(0);
    expect(err.outcomeUnknown).toBe(true);
    expect(err.message).toMatch(/^No response from Pipedrive for POST \/api\/v1\/leads: /);
    expect(isRetryable(err)).toBe(true);
    expect(events).toMatchObject([{ operation: 'leads.add', status: 0, tokenCost: 10 }]);
  });

  it('reports a socket closed before any response as a network error', async () => {
    server.handle((_req, _res, req) => {
      req.socket.destroy();
    });
    const err = await failureOf(client.getCurrentUser());
    expect(err).toBeInstanceOf(PipedriveNetworkError);
    expect(err.code).toBeDefined();
  });

  it('knows a refused connection never reached Pipedrive', async () => {
    const closed = await startCannedServer();
    await closed.close();
    const offline = new PipedriveClient({ baseUrl: closed.url, apiToken: TOKEN });
    const err = await failureOf(offline.addLead({ title: 'x', person_id: 1 }));
    expect(err).toBeInstanceOf(PipedriveNetworkError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.outcomeUnknown).toBe(false);
  });

  it('times out a server that never answers', async () => {
    const arrived = deferred();
    server.handle(() => arrived.resolve());
    const err = (await failureOf(client.getLeadLabels({ timeoutMs: 150 }))) as PipedriveTimeoutError;
    await arrived.promise;
    expect(err).toBeInstanceOf(PipedriveTimeoutError);
    expect(err.timeoutMs).toBe(150);
    expect(err.message).toBe('Pipedrive did not answer GET /api/v1/leadLabels within 150 ms');
    expect(isRetryable(err)).toBe(true);
    expect(events).toMatchObject([{ operation: 'leadLabels.list', status: 0 }]);
  });

  it('times out a server that sends headers and then stalls the body', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"success":true,');
    });
    const err = await failureOf(client.getCurrencies({}, { timeoutMs: 150 }));
    expect(err).toBeInstanceOf(PipedriveTimeoutError);
  });

  it('stops when the caller aborts, with an error that is not retried', async () => {
    const arrived = deferred();
    server.handle(() => arrived.resolve());
    const controller = new AbortController();
    const call = failureOf(client.addOrganization({ name: 'Acme' }, { signal: controller.signal }));
    await arrived.promise;
    controller.abort();
    const err = await call;
    expect(err).toBeInstanceOf(PipedriveAbortedError);
    expect(err.outcomeUnknown).toBe(true);
    expect(isRetryable(err)).toBe(false);
  });

  it('does not send at all when the caller’s signal is already aborted', async () => {
    const before = server.requests.length;
    const err = await failureOf(client.getUsers({ signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(PipedriveAbortedError);
    expect(server.requests.length).toBe(before);
  });

  it.each([
    ['a truncated JSON body', '{"success":true,"data":{"id":"ab'],
    ['an empty body', ''],
    ['success: false', '{"success":false,"data":null}'],
    ['no data', '{"success":true}'],
  ])('treats a 201 with %s as a server error whose outcome is unknown', async (_label, body) => {
    server.handle((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(body);
    });
    const err = await failureOf(client.addLead({ title: 'x', person_id: 1 }));
    expect(err).toBeInstanceOf(PipedriveServerError);
    expect(err.status).toBe(201);
    expect(err.outcomeUnknown).toBe(true);
    expect(err.message).toMatch(/^Pipedrive answered POST \/api\/v1\/leads with 201 Created but /);
  });
});
