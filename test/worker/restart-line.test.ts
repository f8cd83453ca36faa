/**
 * A reload that restarts a connection says what changed, so an operator reading the log can tell a token rotation
 * from a plan change, and sees at once when a connection's credentials start going to another host.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { LeadWorkerProcess, type WorkerConnection } from '../../src/worker/index.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { testSandbox } from './helpers.js';

const connection = (
  sandbox: RunningSandbox,
  extra: Partial<WorkerConnection> = {},
  token = sandbox.apiToken,
): WorkerConnection => ({
  name: 'acme',
  pipedrive: { baseUrl: sandbox.url, apiToken: token, timeoutMs: 2000 },
  plan: 'growth',
  ...extra,
});

describe("a restarted connection's line", () => {
  it('names what changed (never the token), and warns when its credentials now go to another host', async () => {
    // Two sandboxes of one company: the same company behind another host, as a moved base_url would be.
    const [first, second] = await Promise.all([
      testSandbox({ limits: false, companyId: 41, apiToken: 'acme-1' }),
      testSandbox({ limits: false, companyId: 41, apiToken: 'acme-1' }),
    ]);
    const lines: string[] = [];
    const worker = new LeadWorkerProcess({
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix('restart-line'),
      rateLimit: false,
      concurrency: 2,
      logger: createLogger({ destination: { write: (line: string) => lines.push(line) } }),
    });
    const restarted = () =>
      lines
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .filter((l) => l.msg.startsWith('Connection acme: restarted'));
    try {
      await worker.serve(connection(first)).ready;

      first.setApiToken('acme-2');
      await worker.update([connection(first, { plan: 'lite', budgetReserve: 0.2 }, 'acme-2')]);
      expect(restarted().at(-1)).toEqual(
        expect.objectContaining({
          level: 30,
          msg: 'Connection acme: restarted (API token changed; plan growth → lite; budget reserve default → 0.2)',
        }),
      );

      await worker.update([connection(second, { plan: 'lite', budgetReserve: 0.2 })]);
      expect(restarted().at(-1)).toEqual(
        expect.objectContaining({
          level: 40,
          msg: `Connection acme: restarted (base URL ${first.url} → ${second.url}; API token changed): its credentials now go to ${second.url}`,
        }),
      );
      for (const token of ['acme-1', 'acme-2']) expect(lines.join('\n')).not.toContain(token);
    } finally {
      await worker.close();
    }
  }, 30_000);
});
