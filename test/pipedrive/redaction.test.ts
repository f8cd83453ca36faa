import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import type { ResponseEvent } from '../../src/pipedrive/types.js';
import { type CannedHandler, type CannedServer, json, startCannedServer } from './canned-server.js';

const TOKEN = '6c1f0e2d9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
const CLIENT_SECRET = 'secret-0b1c2d3e4f5a6b7c8d9e';
const REFRESH_TOKEN = '1:1:ffeeddccbbaa99887766554433221100aabbccdd';
const ACCESS_TOKEN = 'v1u:AQIBAHj-access-0123456789abcdef';
const SECRETS = [TOKEN, CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN];

/** Answers that quote the credentials back, as a misbehaving proxy or an error page might. */
const echoes: Record<string, CannedHandler> = {
  '400 quoting the token': (_req, res) =>
    json(res, 400, { success: false, error: `Token ${TOKEN} is not valid here`, error_info: `see ${TOKEN}` }),
  '403 HTML page quoting the token': (_req, res) => {
    res.writeHead(403, { 'content-type': 'text/html' });
    res.end(`<html><body>Blocked request with x-api-token ${TOKEN}</body></html>`);
  },
  '500 quoting a legacy URL': (_req, res) =>
    json(res, 500, { success: false, error: `GET /v1/leads?api_token=${TOKEN} failed` }),
  '429 quoting the token': (_req, res) =>
    json(res, 429, { success: false, error: `Request over limit for ${TOKEN}` }, { 'retry-after': '2' }),
  '201 with a broken body quoting the token': (_req, res) => {
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(`{"success":true,"data":{"token":"${TOKEN}"`);
  },
  'connection reset': (_req, _res, req) => {
    req.socket.destroy();
  },
  timeout: () => {},
};

let server: CannedServer;
beforeAll(async () => {
  server = await startCannedServer();
});
afterAll(async () => {
  await server.close();
});

/** Every way an error usually leaves a process: message, stack, JSON, inspect, and a pino line. */
function everyRendering(err: unknown): string[] {
  const lines: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => lines.push(line) } });
  logger.error({ err }, 'Pipedrive call failed');
  logger.error(err);
  const e = err as Error;
  return [
    e.message,
    String(e.stack),
    JSON.stringify(err),
    inspect(err, { depth: 10 }),
    String(err),
    ...lines,
  ];
}

function expectNoSecret(texts: string[]): void {
  for (const text of texts) {
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  }
}

describe('redaction', () => {
  it.each(Object.keys(echoes))(
    'keeps the API token out of every rendering of an error after a %s',
    async (name) => {
      server.handle(echoes[name] as CannedHandler);
      const events: ResponseEvent[] = [];
      const client = new PipedriveClient({
        baseUrl: server.url,
        apiToken: TOKEN,
        timeoutMs: 200,
        onResponse: (e) => events.push(e),
      });
      const err = await client.addLead({ title: 'x', person_id: 1 }).then(
        () => expect.fail('the call should fail'),
        (e: unknown) => e,
      );
      const renderings = everyRendering(err);
      expectNoSecret(renderings);
      expectNoSecret([JSON.stringify(events)]);
      // The pino line is a real, complete log of the error (so the check above looked at something).
      expect(renderings.at(-2)).toContain('"msg":"Pipedrive call failed"');
      expect(renderings.at(-2)).toContain('POST /api/v1/leads');
    },
  );

  it('redacts the echoed token from the body kept on the error, and says so', async () => {
    server.handle(echoes['400 quoting the token'] as CannedHandler);
    const client = new PipedriveClient({ baseUrl: server.url, apiToken: TOKEN });
    const err = await client.getLead('x').catch((e: unknown) => e as { message: string; rawBody: string });
    expect(err.message).toBe(
      'Pipedrive rejected GET /api/v1/leads/x with 400 Bad Request: "Token [redacted] is not valid here"',
    );
    expect(err.rawBody).toContain('[redacted]');
  });

  it('keeps OAuth tokens and the client secret out of errors', async () => {
    server.handle((req, res) => {
      if (req.url === '/oauth/token') {
        return json(res, 200, { access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN, expires_in: 3599 });
      }
      return json(res, 404, {
        success: false,
        error: `nothing for ${ACCESS_TOKEN} / ${REFRESH_TOKEN} / ${CLIENT_SECRET}`,
      });
    });
    const client = new PipedriveClient({
      baseUrl: server.url,
      oauth: {
        clientId: 'client-id',
        clientSecret: CLIENT_SECRET,
        refreshToken: REFRESH_TOKEN,
        tokenUrl: `${server.url}/oauth/token`,
      },
    });
    const err = await client.getLead('missing').catch((e: unknown) => e);
    expectNoSecret(everyRendering(err));
  });

  it('keeps credentials out of the client object itself', () => {
    const client = new PipedriveClient({ baseUrl: server.url, apiToken: TOKEN });
    expectNoSecret([JSON.stringify(client), inspect(client, { depth: 10, showHidden: true })]);
    const lines: string[] = [];
    createLogger({ destination: { write: (line: string) => lines.push(line) } }).info(
      { client },
      'client ready',
    );
    expectNoSecret(lines);
  });
});
