import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportLedger } from '../../src/queue/ledger.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { enqueueImport, eventually, jobsFor, spawnWorker, testSandbox, workerEnv } from './helpers.js';

const redis = testRedis();

interface HeldPost {
  /** Resolves when the first `POST /v1/leads` has fully arrived (before it is passed on). */
  arrived: Promise<void>;
  /** Resolves when Pipedrive (the sandbox) has answered it. */
  answered: Promise<void>;
}

/**
 * A proxy in front of the sandbox that holds the first `POST /v1/leads` for `holdMs` before
 * passing it on: a slow Pipedrive, so a create can be on the wire while its sender is frozen.
 */
async function slowFirstLeadProxy(target: string, holdMs: number): Promise<{ url: string; held: HeldPost }> {
  let arrive!: () => void;
  let answer!: () => void;
  const held: HeldPost = {
    arrived: new Promise((r) => {
      arrive = r;
    }),
    answered: new Promise((r) => {
      answer = r;
    }),
  };
  let first = true;
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const isFirstLead = first && req.method === 'POST' && /\/v1\/leads(\?|$)/.test(req.url ?? '');
    if (isFirstLead) {
      first = false;
      arrive();
      await new Promise((r) => setTimeout(r, holdMs));
    }
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'x-api-token', 'authorization', 'accept']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    });
    res.end(body);
    if (isFirstLead) answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, held };
}

/** `promise`, or a failure saying what did not happen within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what()}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('one runner per row', () => {
  it('creates the lead and its note once when a worker frozen mid-POST past its lock wakes up after another worker took the row', async () => {
    const sandbox = await testSandbox({ limits: false });
    // Pipedrive takes 8 s to answer the first lead create; the sender is frozen meanwhile.
    const { url, held } = await slowFirstLeadProxy(sandbox.url, 8000);
    const prefix = uniquePrefix();
    const ledger = new ImportLedger(redis, prefix);
    const [job] = jobsFor('imp-frozen', [
      { title: 'Frozen deal', org: 'Icebox Ltd', person: { name: 'Ida Frost', email: 'ida@icebox.example' } },
    ]);
    await enqueueImport(redis, prefix, 'imp-frozen', [{ ...job!, note: 'Wants a call back on Monday' }]);

    // A 1.5 s lock, looked after every 0.5 s: a frozen worker loses its row within ~2 s. The
    // request timeout (10 s) says how long a create may stay on the wire.
    const env = workerEnv(testRedisUrl(), prefix, url, { PIPEDRIVE_TIMEOUT_MS: '10000', LOG_LEVEL: 'info' });
    const flags = [
      '--concurrency',
      '1',
      '--no-rate-limit',
      '--lock-duration-ms',
      '1500',
      '--stalled-interval-ms',
      '500',
      '--contact-lock-ttl-ms',
      '1500',
      '--call-retry-min-ms',
      '10',
      '--call-retry-max-ms',
      '100',
      '--control-poll-ms',
      '200',
      '--heartbeat-interval-ms',
      '500',
      '--drain-timeout-ms',
      '5000',
    ];
    const first = spawnWorker(env, flags);
    await within(
      held.arrived,
      30_000,
      () => `no POST /v1/leads from the first worker:\n${first.lines.join('\n')}`,
    );
    // Frozen while its POST /v1/leads is on the wire: no timers, no lock renewal.
    first.proc.kill('SIGSTOP');
    let second: ReturnType<typeof spawnWorker> | undefined;
    try {
      second = spawnWorker(env, flags);
      // The second worker takes the row once the first one's lock and lease have run out, waits
      // for the create that may be on the wire, finds it, adds the note and records the row.
      const outcome = await eventually(
        async () => {
          const [o] = await ledger.outcomes('imp-frozen', [2]);
          return o?.state === 'created' ? o : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: 'the second worker to record the row' },
      ).catch((err: Error) => {
        throw new Error(`${err.message}\nsecond worker:\n${second?.lines.join('\n')}`);
      });
      await within(held.answered, 30_000, () => 'the held POST /v1/leads was never answered');
      first.proc.kill('SIGCONT');
      // The first one wakes up with its answer, finds its lease gone and stops without writing
      // (or, were it not fenced, carries on: adds the note again and says it created the lead).
      await first.waitForLine(/Stopped import imp-frozen line 2|Created lead/, 30_000);
      // Give it every chance to do something it should not (a note, a checkpoint, a record).
      await new Promise((r) => setTimeout(r, 1500));

      const state = sandbox.state();
      expect(state).toMatchObject({
        leads: 1,
        persons: 1,
        organizations: 1,
        notes: 1,
        duplicateLeads: 0,
        duplicatePersons: 0,
        duplicateOrganizations: 0,
        duplicateNotes: 0,
      });
      const exported = sandbox.export();
      expect(outcome).toMatchObject({ state: 'created', leadId: exported.leads[0]!.id });
      expect(outcome.state === 'created' && outcome.noteId).toBe(exported.notes[0]!.id);
      expect(first.lines.join('\n')).toMatch(
        /Stopped import imp-frozen line 2: another worker owns the row now/,
      );
      expect(first.lines.join('\n')).not.toMatch(/Created lead/);
      expect(second.lines.join('\n')).not.toMatch(/Stopped import/);
      expect(await ledger.getImport('imp-frozen')).toMatchObject({
        created: 1,
        pending: 0,
        state: 'completed',
      });
    } finally {
      first.proc.kill('SIGCONT');
      await Promise.all([first.stop('SIGKILL'), second?.stop('SIGTERM')]);
    }
  }, 120_000);
});
