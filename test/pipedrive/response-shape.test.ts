/**
 * A hostile or broken "Pipedrive" (a misconfigured proxy, a MITM on the operator's base URL) answering a body
 * under the 16-MiB size cap whose parse costs far more than its size: 16 MiB of nested arrays (`[[[[…]]]]`) took
 * a worker to 1.9 GB of peak RSS and ~13 s of CPU per call; 16 MiB of empty objects to about 1 GB. The client
 * refuses such a body before `JSON.parse` builds it, with an error that names the call and no secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { isRetryable, MAX_RAW_BODY_CHARS, PipedriveServerError } from '../../src/pipedrive/errors.js';
import { jsonShapeProblem, MAX_JSON_CONTAINERS, MAX_JSON_DEPTH } from '../../src/pipedrive/json-shape.js';
import { type CannedServer, failureOf, json, startCannedServer } from './canned-server.js';

const TOKEN = 'f3b1c9d2e4a5968778695a4b3c2d1e0f11223344';
/** Just under the default 16-MiB cap, so only the shape check can refuse it. */
const BODY_CHARS = 16 * 1024 * 1024 - 1024;

let server: CannedServer;
beforeAll(async () => {
  server = await startCannedServer();
});
afterAll(() => server.close());

/** Answers 200 (or `status`) with `text` as a JSON body. */
function answerWith(text: string, status = 200): void {
  server.handle((_r, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  });
}

const client = (options: { timeoutMs?: number } = {}) =>
  new PipedriveClient({ baseUrl: server.url, apiToken: TOKEN, timeoutMs: options.timeoutMs ?? 20_000 });

/** Pipedrive's envelope around `inner`. */
const envelope = (inner: string) => `{"success":true,"data":${inner}}`;

describe('a response body whose parse would cost far more than its size', () => {
  it('refuses 16 MiB of nested arrays before parsing, as a server error naming the call, the limit and the setting', async () => {
    const half = Math.floor((BODY_CHARS - 40) / 2);
    answerWith(envelope(`${'['.repeat(half)}${']'.repeat(half)}`));

    const err = await failureOf(client().listLeads());

    expect(err).toBeInstanceOf(PipedriveServerError);
    expect(err.message).toBe(
      `Pipedrive answered GET /api/v1/leads with 200 OK but the body was not parsed: it nests deeper than ${MAX_JSON_DEPTH} levels, which no Pipedrive answer does. Check PIPEDRIVE_BASE_URL points at Pipedrive.`,
    );
    // The row's usual failure rules apply: a 5xx-like answer is retried, a write's outcome is unknown.
    expect(isRetryable(err)).toBe(true);
    expect(err.outcomeUnknown).toBe(true);
    expect((err.rawBody ?? '').length).toBeLessThanOrEqual(MAX_RAW_BODY_CHARS + 1);
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain(TOKEN);
  }, 60_000);

  it('refuses 16 MiB of empty objects side by side (shallow, but millions of them)', async () => {
    const count = Math.floor((BODY_CHARS - 40) / 3);
    answerWith(envelope(`[${'{},'.repeat(count - 1)}{}]`));

    const err = await failureOf(client().listPersons());

    expect(err).toBeInstanceOf(PipedriveServerError);
    expect(err.message).toContain(
      `GET /api/v2/persons with 200 OK but the body was not parsed: it holds more than ${MAX_JSON_CONTAINERS.toLocaleString('en-US')} objects and arrays`,
    );
  }, 60_000);

  it('reads an error body that nests too deep as text: the status decides, Pipedrive\'s "error" is not quoted', async () => {
    answerWith(`{"success":false,"error":"boom","data":${'['.repeat(100)}${']'.repeat(100)}}`, 500);

    const err = await failureOf(client().getCurrentUser());

    expect(err).toBeInstanceOf(PipedriveServerError);
    expect(err.message).toBe(
      'Pipedrive failed GET /api/v1/users/me with 500 Internal Server Error (body is not JSON)',
    );
  });

  it('still reads a real 500-item page of persons with custom fields', async () => {
    const person = (id: number) => ({
      id,
      name: `Person ${id} [the "first"] {of} many`,
      emails: [{ value: `p${id}@example.com`, primary: true, label: 'work' }],
      phones: [{ value: '+49 30 1234567', primary: true, label: 'work' }],
      postal_address: { value: 'Main St 1', locality: 'Berlin', country: 'Germany' },
      custom_fields: Object.fromEntries(
        Array.from({ length: 60 }, (_, k) => [
          `${k.toString(16).padStart(2, '0')}${'a'.repeat(38)}`,
          k % 3 === 0 ? { value: k, currency: 'EUR' } : k % 3 === 1 ? [k, k + 1] : `text \\" ${k} [`,
        ]),
      ),
    });
    server.handle((_r, res) =>
      json(res, 200, { success: true, data: Array.from({ length: 500 }, (_, i) => person(i + 1)) }),
    );

    const page = await client().listPersons({ limit: 500 });

    expect(page.items).toHaveLength(500);
    expect(page.items[499]?.name).toBe('Person 500 [the "first"] {of} many');
  });
});

describe('jsonShapeProblem', () => {
  it('counts only the brackets and braces outside strings, escaped quotes included', () => {
    const deepInString = `{"a":"${'['.repeat(200)}\\"${'{'.repeat(200)}\\\\"}`;
    expect(jsonShapeProblem(deepInString)).toBeUndefined();
    expect(JSON.parse(deepInString)).toBeTypeOf('object');
    expect(jsonShapeProblem(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBeUndefined();
    expect(jsonShapeProblem(`${'['.repeat(MAX_JSON_DEPTH + 1)}`)).toBe(
      `it nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
    expect(jsonShapeProblem('[{},{},{}]', { maxDepth: 64, maxContainers: 3 })).toBe(
      'it holds more than 3 objects and arrays',
    );
  });
});
