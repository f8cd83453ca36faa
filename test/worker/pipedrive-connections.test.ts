import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { createLeadWorker } from '../../src/worker/index.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, jobsFor, testSandbox } from './helpers.js';

const redis = testRedis();

interface CountingProxy {
  url: string;
  /** Connections made through it so far. */
  opened: () => number;
  /** Connections open now, and the most open at once. */
  open: () => number;
  mostOpen: () => number;
}

/** A TCP pass-through to `target` that counts the connections made through it. */
async function countingProxy(target: string): Promise<CountingProxy> {
  const { hostname, port } = new URL(target);
  const clients = new Set<Socket>();
  let opened = 0;
  let mostOpen = 0;
  const server = createServer((client) => {
    opened++;
    clients.add(client);
    mostOpen = Math.max(mostOpen, clients.size);
    const upstream = connect(Number(port), hostname);
    client.pipe(upstream).pipe(client);
    const end = () => {
      clients.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => {
    for (const client of clients) client.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    opened: () => opened,
    open: () => clients.size,
    mostOpen: () => mostOpen,
  };
}

describe("the worker's connections to Pipedrive", () => {
  it('keeps a few alive across rows, never more than its concurrency allows, and closes them on shutdown', async () => {
    const sandbox = await testSandbox({ limits: false });
    const proxy = await countingProxy(sandbox.url);
    const prefix = uniquePrefix();
    const rows = 60;
    await enqueueImport(
      redis,
      prefix,
      'imp-conn',
      jobsFor(
        'imp-conn',
        Array.from({ length: rows }, (_, i) => ({ title: `Deal ${i}`, org: `Org ${i % 5} Ltd` })),
      ),
    );
    const concurrency = 4;
    const worker = createLeadWorker({
      redisUrl: testRedisUrl(),
      prefix,
      pipedrive: { baseUrl: proxy.url, apiToken: 'sandbox-token', timeoutMs: 5000 },
      rateLimit: false,
      concurrency,
    });
    let closed = false;
    try {
      await worker.ready;
      const ledger = new ImportLedger(redis, prefix);
      await eventually(async () => (await ledger.getImport('imp-conn'))?.state === 'completed', {
        what: 'the import to complete',
      });
      expect((await ledger.getImport('imp-conn'))?.created).toBe(rows);
      // A call or more per row, on connections kept alive: at most one per row at once and two beside.
      expect(sandbox.state().requests).toBeGreaterThan(rows);
      expect(proxy.opened()).toBeLessThan(rows / 2);
      expect(proxy.mostOpen()).toBeLessThanOrEqual(concurrency + 2);
      expect(proxy.open()).toBeGreaterThan(0);
      await worker.close();
      closed = true;
      // By the close, not by an idle timeout (undici's was 4 s, the server's is 5 s).
      await eventually(async () => proxy.open() === 0, {
        timeoutMs: 2000,
        intervalMs: 20,
        what: 'the worker to close its connections',
      });
    } finally {
      if (!closed) await worker.close();
    }
  }, 120_000);
});
