import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import {
  isRetryable,
  PipedriveNetworkError,
  PipedriveResponseTooLargeError,
  PipedriveTimeoutError,
} from '../../src/pipedrive/errors.js';
import type { ResponseEvent } from '../../src/pipedrive/types.js';
import { failureReason } from '../../src/worker/failure-streak.js';
import { failureOf } from './canned-server.js';

const TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const LEAD = { success: true, data: { id: 'adf21080-0e10-11eb-879b-05d71fb426ec', title: 'x' } };

interface Running {
  url: string;
  /** Every TCP connection the server accepted, open or closed. */
  connections: Socket[];
  /** Bytes received on all connections (what a client wrote). */
  received: () => number;
  close(): Promise<void>;
}

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function listen(server: Server | TcpServer, scheme: 'http' | 'https'): Promise<Running> {
  const connections: Socket[] = [];
  let bytes = 0;
  server.on('connection', (socket: Socket) => {
    connections.push(socket);
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const started: Running = {
    url: `${scheme}://127.0.0.1:${port}`,
    connections,
    received: () => bytes,
    async close() {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  running.push(started);
  return started;
}

/** A node:http server answering every request with `handler`. */
function httpServer(handler: Parameters<typeof createServer>[1]): Promise<Running> {
  return listen(createServer(handler), 'http');
}

function closed(socket: Socket): Promise<void> {
  return socket.destroyed
    ? Promise.resolve()
    : new Promise((resolve) => socket.once('close', () => resolve()));
}

function client(url: string, extra: Partial<ConstructorParameters<typeof PipedriveClient>[0]> = {}) {
  const made = new PipedriveClient({ baseUrl: url, apiToken: TOKEN, timeoutMs: 2_000, ...extra });
  return made;
}

describe('connections', () => {
  it('keeps one connection alive for calls made one after the other', async () => {
    const server = await httpServer((req, res) => {
      req.resume();
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(LEAD));
    });
    const api = client(server.url);
    for (let i = 0; i < 5; i++) await api.addLead({ title: 'x', person_id: 1 });
    expect(server.connections).toHaveLength(1);
    api.close();
  });

  it('opens no more connections than maxSockets, queueing the other calls', async () => {
    let inFlight = 0;
    let most = 0;
    const server = await httpServer((req, res) => {
      req.resume();
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true,"data":[]}');
      }, 20);
    });
    const api = client(server.url, { maxSockets: 2 });
    await Promise.all(Array.from({ length: 6 }, () => api.getLeadSources()));
    expect(server.connections).toHaveLength(2);
    expect(most).toBe(2);
    api.close();
  });

  it('close() destroys idle keep-alive connections, and a later call opens a new one', async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true,"data":[]}');
    });
    const api = client(server.url);
    await api.getLeadSources();
    const [first] = server.connections;
    expect(first?.destroyed).toBe(false);
    api.close();
    await closed(first as Socket);
    await api.getLeadSources();
    expect(server.connections).toHaveLength(2);
    api.close();
  });

  it('close() ends a call still in flight as a network error whose outcome is unknown', async () => {
    const server = await httpServer(() => {});
    const api = client(server.url);
    const call = failureOf(api.addLead({ title: 'x', person_id: 1 }));
    while (server.received() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    api.close();
    const err = await call;
    expect(err).toBeInstanceOf(PipedriveNetworkError);
    expect(err.outcomeUnknown).toBe(true);
  });
});

describe('what a failure says about the request', () => {
  it('names why no answer came (a host name that does not resolve, a refused connection) to the failing-calls report', async () => {
    const events: ResponseEvent[] = [];
    const onResponse = (e: ResponseEvent) => events.push(e);
    // `.invalid` never resolves (RFC 2606); a port just freed refuses. Time for a resolver that is slow to say so.
    await failureOf(
      client('http://lead-importer-test.invalid', { onResponse, timeoutMs: 30_000 }).addLead({ title: 'x' }),
    );
    const closed = await httpServer(() => {});
    const { url } = closed;
    await closed.close();
    running.splice(running.indexOf(closed), 1);
    await failureOf(client(url, { onResponse }).addLead({ title: 'x' }));
    expect(events.map((e) => [e.status, e.failure])).toEqual([
      [0, 'network'],
      [0, 'network'],
    ]);
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(events[0]?.errorCode);
    expect(failureReason(events[0]!)).toBe(
      `no answer to POST /api/v1/leads (its host name did not resolve: ${events[0]?.errorCode})`,
    );
    expect(events[1]?.errorCode).toBe('ECONNREFUSED');
    expect(failureReason(events[1]!)).toBe('no answer to POST /api/v1/leads (connection refused)');
  }, 40_000);

  it('a reset after the request arrived: outcome unknown, retryable', async () => {
    const server = await httpServer((req) => {
      req.resume();
      req.on('end', () => req.socket.destroy());
    });
    const err = await failureOf(client(server.url).addLead({ title: 'x', person_id: 1 }));
    expect(err).toBeInstanceOf(PipedriveNetworkError);
    expect(err.code).toBeDefined();
    expect(err.outcomeUnknown).toBe(true);
    expect(isRetryable(err)).toBe(true);
  });

  it('a reset in the middle of the body: outcome unknown, and the partial body is not taken for an answer', async () => {
    const server = await httpServer((req, res) => {
      req.resume();
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write('{"success":true,"data":{"id":"ad');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const err = await failureOf(client(server.url).addLead({ title: 'x', person_id: 1 }));
    expect(err).toBeInstanceOf(PipedriveNetworkError);
    expect(err.status).toBe(0);
    expect(err.outcomeUnknown).toBe(true);
  });

  it('a caller abort on a connection handed over from a call that was waiting for one: outcome unknown', async () => {
    let received = 0;
    const server = await httpServer((req, res) => {
      req.resume();
      received++;
      // The first call is answered; the second, sent on the same connection once it is free, is not.
      if (received === 1) setTimeout(() => res.writeHead(200).end('{"success":true,"data":[]}'), 20);
    });
    const api = client(server.url, { maxSockets: 1 });
    const controller = new AbortController();
    const first = api.getLeadSources();
    const second = failureOf(api.addLead({ title: 'x', person_id: 1 }, { signal: controller.signal }));
    await first;
    while (received < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const err = await second;
    expect(server.connections).toHaveLength(1);
    expect(err.name).toBe('PipedriveAbortedError');
    expect(err.outcomeUnknown).toBe(true);
    api.close();
  });

  it('a timeout once connected: outcome unknown', async () => {
    const server = await listen(
      createTcpServer(() => {}),
      'http',
    );
    const err = await failureOf(client(server.url, { timeoutMs: 150 }).addLead({ title: 'x', person_id: 1 }));
    expect(err).toBeInstanceOf(PipedriveTimeoutError);
    expect(server.received()).toBeGreaterThan(0);
    expect(err.outcomeUnknown).toBe(true);
  });

  it('a TLS handshake that never completes: the timeout knows the request never left', async () => {
    // A TCP server that accepts and says nothing: the client's TLS hello gets no answer.
    const server = await listen(
      createTcpServer(() => {}),
      'https',
    );
    const err = await failureOf(client(server.url, { timeoutMs: 150 }).addLead({ title: 'x', person_id: 1 }));
    expect(err).toBeInstanceOf(PipedriveTimeoutError);
    expect(server.connections).toHaveLength(1);
    expect(err.outcomeUnknown).toBe(false);
    expect(isRetryable(err)).toBe(true);
  });

  it('a connection reset during the TLS handshake: never sent', async () => {
    const server = await listen(
      createTcpServer((socket) => socket.resetAndDestroy()),
      'https',
    );
    const err = await failureOf(client(server.url).addLead({ title: 'x', person_id: 1 }));
    expect(err).toBeInstanceOf(PipedriveNetworkError);
    expect(err.outcomeUnknown).toBe(false);
  });

  it('a caller abort while still connecting: never sent', async () => {
    const server = await listen(
      createTcpServer(() => {}),
      'https',
    );
    const controller = new AbortController();
    const call = failureOf(
      client(server.url).addLead({ title: 'x', person_id: 1 }, { signal: controller.signal }),
    );
    while (server.connections.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const err = await call;
    expect(err.name).toBe('PipedriveAbortedError');
    expect(err.outcomeUnknown).toBe(false);
  });
});

describe('content codings', () => {
  it('asks for gzip, deflate and br and decodes what comes back', async () => {
    let asked: string | undefined;
    const server = await httpServer((req, res) => {
      asked = req.headers['accept-encoding'];
      res.writeHead(201, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(LEAD)));
    });
    const lead = await client(server.url).addLead({ title: 'x', person_id: 1 });
    expect(asked).toBe('gzip, deflate, br');
    expect(lead).toEqual(LEAD.data);
  });

  it('applies maxResponseBytes to the decoded body, so a small gzip bomb is refused', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, ' '));
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const err = await failureOf(client(server.url, { maxResponseBytes: 1024 * 1024 }).getLeadSources());
    expect(err).toBeInstanceOf(PipedriveResponseTooLargeError);
    expect(err.message).toContain('a body over 1 MiB (maxResponseBytes)');
  });
});
