import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startPrivateRedis } from '../../src/dev/private-redis.js';
import { createLogger, REDACT_PATHS } from '../../src/logging/logger.js';
import { redactFields, redactionPlan } from '../../src/logging/redaction.js';

/** A stream that keeps the lines written to it. */
function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

class ApiError extends Error {
  headers = { authorization: 'Bearer oauth-secret', 'x-api-token': 'api-secret', accept: 'application/json' };
  token = 'error-token';
  status = 401;
}

/** Fields shaped as the code logs them, and as a careless caller might. */
const CORPUS: Record<string, unknown>[] = [
  { importId: 'imp-1', line: 7, leadId: 'lead-1', personId: 3, organizationId: undefined, durationMs: 12 },
  { apiToken: 'secret-1', token: 'secret-2', authorization: 'Bearer x', password: 'p', other: 'kept' },
  {
    config: {
      pipedrive: { apiToken: 'secret', oauth: { clientSecret: 's' }, baseUrl: 'https://x' },
      level: 'info',
    },
  },
  { options: { token: 'secret', accessToken: 'a', refreshToken: 'r', clientSecret: 'c', keep: 1 } },
  { headers: { authorization: 'Bearer x', 'x-api-token': 'secret', accept: 'json' } },
  { req: { headers: { authorization: 'Bearer x', 'x-api-token': 'secret', host: 'h' }, method: 'GET' } },
  { request: { headers: { authorization: 'Bearer x', 'x-api-token': 'secret' }, path: '/v1/leads' } },
  {
    list: [{ token: 'not a path: arrays are not walked' }],
    nested: { deep: { token: 'too deep to match' } },
  },
  { err: new ApiError('Pipedrive rejected the token') },
  { error: new ApiError('under another key'), when: new Date(0) },
  { token: undefined, emptyHeaders: { headers: null }, n: Number.NaN, flag: true, nothing: null },
];

describe('log redaction', () => {
  it("censors what pino's own redact option censors, on the same paths, and nothing else", () => {
    const ours = capture();
    const reference = capture();
    const logger = createLogger({ destination: ours.stream, name: 'x' });
    const pinoRedact = pino(
      { name: 'x', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } },
      reference.stream,
    );
    for (const fields of CORPUS) {
      logger.info(fields, 'a line');
      pinoRedact.info(fields, 'a line');
      logger.child(fields).info('a child line');
      pinoRedact.child(fields).info('a child line');
      logger.child({ component: 'worker' }).child(fields).info('a grandchild line');
      pinoRedact.child({ component: 'worker' }).child(fields).info('a grandchild line');
    }
    // An error as the only argument: pino puts it under `err`.
    const alone = new ApiError('alone');
    logger.error(alone);
    pinoRedact.error(alone);
    const strip = (line: Record<string, unknown>) => ({ ...line, time: 0 });
    expect(ours.lines().map(strip)).toEqual(reference.lines().map(strip));
    const text = JSON.stringify(ours.lines());
    for (const secret of ['secret', 'Bearer', 'oauth-secret', 'api-secret', 'error-token']) {
      expect(text).not.toMatch(new RegExp(`"${secret}`));
    }
  });

  it("leaves the caller's objects as they were", () => {
    const fields = {
      headers: { authorization: 'Bearer x', accept: 'json' },
      options: { token: 'secret' },
    };
    const before = structuredClone(fields);
    createLogger({ destination: capture().stream }).info(fields, 'a line');
    expect(fields).toEqual(before);
  });

  it('hands back a line of plain fields as it is: nothing copied, nothing walked', () => {
    const plan = redactionPlan(REDACT_PATHS, '[redacted]');
    const fields = { importId: 'imp-1', line: 7, leadId: 'lead-1', tokens: 10, msgish: 'token' };
    expect(redactFields(plan, fields, 'err')).toBe(fields);
    const redacted = redactFields(plan, { ...fields, token: 'secret' }, 'err');
    expect(redacted).toEqual({ ...fields, token: '[redacted]' });
  });
});

describe('a Redis error logged', () => {
  it('leaves out the arguments of the command it answered: a refused password is not written', async () => {
    const server = await startPrivateRedis();
    const admin = new Redis(server.url);
    const client = new Redis(server.url.replace('redis://', 'redis://:Wr%40ngPW%3Axyz@'), {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await admin.config('SET', 'requirepass', 'S3cretRedisPW');
      const errors: unknown[] = [];
      client.on('error', (err: unknown) => errors.push(err));
      await client.connect().catch(() => {});
      const refused = errors.find((e) => (e as { command?: { name?: string } }).command?.name === 'auth');
      // What ioredis hands over: the AUTH command and its arguments, the password in clear.
      expect((refused as { command: { args: string[] } }).command.args).toContain('Wr@ngPW:xyz');
      const out = capture();
      const logger = createLogger({ destination: out.stream });
      logger.error({ err: refused }, 'Worker lost Redis');
      logger.error({ err: new Error('Could not start', { cause: refused }) }, 'Worker stopped');
      const [line, wrapped] = out.lines();
      expect(out.lines()).toHaveLength(2);
      expect(JSON.stringify(out.lines())).not.toContain('Wr@ngPW');
      expect(line?.err).toMatchObject({ command: { name: 'auth', args: '[redacted]' } });
      expect(JSON.stringify(wrapped)).toContain('WRONGPASS');
      expect(String((line?.err as { message?: string } | undefined)?.message)).toMatch(/WRONGPASS/);
    } finally {
      client.disconnect();
      await admin.config('SET', 'requirepass', '').catch(() => {});
      admin.disconnect();
      await server.stop();
    }
  });
});
