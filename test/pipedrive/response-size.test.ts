import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RESPONSE_BYTES, PipedriveClient } from '../../src/pipedrive/client.js';
import {
  isRetryable,
  type PipedriveError,
  PipedriveResponseTooLargeError,
} from '../../src/pipedrive/errors.js';

const TOKEN = 'f3b1c9d2e4a5968778695a4b3c2d1e0f11223344';
const CHUNK = Buffer.alloc(256 * 1024, 'x');

let server: Server;
let url: string;
/** Bytes the server managed to write, and whether the client closed the connection on it. */
let written: number;
let closedByClient: Promise<void>;
let declaredLength: number | undefined;

/** A hostile or broken "Pipedrive" that answers 200 with a body that never ends (~50 MB/s). */
function streamForever(res: ServerResponse): void {
  const timer = setInterval(() => {
    if (res.destroyed) return;
    res.write(CHUNK);
    written += CHUNK.length;
  }, 5);
  res.on('close', () => clearInterval(timer));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    closedByClient = new Promise((resolve) => res.on('close', () => resolve()));
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(declaredLength === undefined ? {} : { 'content-length': String(declaredLength) }),
    });
    res.write('{"success":true,"data":[');
    streamForever(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  written = 0;
  declaredLength = undefined;
});

function failureOf(promise: Promise<unknown>): Promise<PipedriveError | undefined> {
  return promise.then(
    () => undefined,
    (err: unknown) => err as PipedriveError,
  );
}

describe('response size cap', () => {
  it('stops reading an endless body at 16 MiB by default, closes the connection and says why', async () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(16 * 1024 * 1024);
    // The timeout is far away, so only the cap can end this call.
    const client = new PipedriveClient({ baseUrl: url, apiToken: TOKEN, timeoutMs: 5_000 });

    const err = await failureOf(client.listLeads());

    expect(err).toBeInstanceOf(PipedriveResponseTooLargeError);
    await closedByClient;
    expect(err?.message).toBe(
      'Pipedrive answered GET /api/v1/leads with 200 OK and a body over 16 MiB (maxResponseBytes); it was not read further and the connection was closed. Check PIPEDRIVE_BASE_URL points at Pipedrive.',
    );
    expect(err?.status).toBe(200);
    expect(isRetryable(err)).toBe(false);
    // Reading stopped near the cap: the server could not push much more than the cap plus socket buffers.
    expect(written).toBeLessThan(DEFAULT_MAX_RESPONSE_BYTES + 8 * 1024 * 1024);
  });

  it('takes a smaller cap, and refuses a declared Content-Length over it before reading', async () => {
    const client = new PipedriveClient({
      baseUrl: url,
      apiToken: TOKEN,
      timeoutMs: 5_000,
      maxResponseBytes: 1024 * 1024,
    });
    let err = await failureOf(client.listLeads());
    expect(err).toBeInstanceOf(PipedriveResponseTooLargeError);
    expect(err?.message).toContain('a body over 1 MiB (maxResponseBytes)');
    await closedByClient;

    declaredLength = 5 * 1024 * 1024;
    err = await failureOf(client.addLead({ title: 'x' }));
    expect(err).toBeInstanceOf(PipedriveResponseTooLargeError);
    expect(err?.message).toContain('POST /api/v1/leads with 200 OK and a body of 5,242,880 bytes');
    // A create whose answer was not read may have been carried out.
    expect(err?.outcomeUnknown).toBe(true);
    await closedByClient;
  });

  it('rejects a cap that is not a positive whole number of bytes', () => {
    expect(() => new PipedriveClient({ baseUrl: url, apiToken: TOKEN, maxResponseBytes: 0 })).toThrow(
      /maxResponseBytes must be a positive whole number of bytes, got 0/,
    );
  });
});
