import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { PipedriveError } from '../../src/pipedrive/errors.js';

export interface RecordedRequest {
  method: string;
  /** Path and query string as received. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type CannedHandler = (request: RecordedRequest, res: ServerResponse, req: IncomingMessage) => unknown;

export interface CannedServer {
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Replaces the handler (tests reuse one server). */
  handle(handler: CannedHandler): void;
  close(): Promise<void>;
}

/** A real HTTP server on port 0 that answers whatever the current handler says, and records each request. */
export async function startCannedServer(initial?: CannedHandler): Promise<CannedServer> {
  let handler: CannedHandler = initial ?? ((_r, res) => res.writeHead(500).end());
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    requests.push(recorded);
    await handler(recorded, res, req);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      handler = next;
    },
    async close() {
      // Hanging handlers keep sockets open; destroy them so close() returns.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers with a JSON body, status and headers. */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Rejects with what the promise rejects with; fails the test if it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<PipedriveError> {
  try {
    await promise;
  } catch (err) {
    return err as PipedriveError;
  }
  throw new Error('expected the call to fail');
}
