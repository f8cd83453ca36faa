import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { importCsv } from '../../src/producer/import-csv.js';
import { isChunkJobData, type LeadQueueJobData } from '../../src/queue/job-data.js';
import { ImportLedger, RowState } from '../../src/queue/ledger.js';
import { LEAD_QUEUE } from '../../src/queue/names.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { uniquePrefix } from '../helpers/redis.js';
import { type AofPoint, type RestartableRedis, restartableRedis } from '../helpers/restartable-redis.js';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

/**
 * Imports `csv` into a restartable Redis of its own and runs `afterWritten` as the producer reports its last row
 * written (before it settles): a power loss cut back to `beforeImport`, the AOF's size before the import, or a
 * restart. Returns once both are over.
 */
async function importThen(
  csv: string,
  afterWritten: (server: RestartableRedis, beforeImport: AofPoint, file: string) => Promise<void>,
  env: Record<string, string> = {},
) {
  const server = await restartableRedis();
  const prefix = uniquePrefix('power');
  const config = loadConfig({
    REDIS_URL: server.url,
    REDIS_PREFIX: prefix,
    PIPEDRIVE_BASE_URL: sandbox.url,
    PIPEDRIVE_API_TOKEN: sandbox.apiToken,
    ...env,
  });
  const file = join(mkdtempSync(join(tmpdir(), 'lpi-power-')), 'leads.csv');
  writeFileSync(file, csv);
  const beforeImport = server.aofSize();
  let event: Promise<void> | undefined;
  try {
    const summary = await importCsv({
      file,
      config,
      redis: server.client,
      onProgress: (p) => {
        if (p.done && !event) event = afterWritten(server, beforeImport, file);
      },
    });
    return { server, prefix, summary };
  } finally {
    await event;
    expect(event).toBeDefined();
  }
}

describe('a Redis that loses power right after an import was written', () => {
  it.each([1, 10])(
    'loses none of its rows (%i rows per job): the producer sees the new server and adds what it lost again',
    async (rowsPerJob) => {
      const ROWS = 25;
      const lines = ['Name,Email,Company'];
      for (let i = 0; i < ROWS; i++) lines.push(`Person ${i},p${i}@example.com,Company ${i % 4}`);
      // The producer has written every row (the last batch acknowledged) and not yet seen them on disk when the
      // machine loses power: the AOF keeps only what it held before the import (nothing of it was fsynced yet).
      const { server, prefix, summary } = await importThen(
        `${lines.join('\n')}\n`,
        (server, beforeImport) => server.powerLoss(beforeImport),
        { LEAD_IMPORTER_ROWS_PER_JOB: String(rowsPerJob) },
      );

      expect(summary).toMatchObject({ valid: ROWS, enqueued: ROWS, readded: ROWS, rejected: 0 });
      expect(summary.warnings.join('\n')).toMatch(
        /Redis restarted while this import was being written .* lost some of it/,
      );
      // Every row is known to the ledger again and held by exactly one job.
      const ledger = new ImportLedger(server.client, prefix);
      const lineNumbers = Array.from({ length: ROWS }, (_, i) => i + 2);
      expect(await ledger.rowStates(summary.importId, lineNumbers)).toEqual(
        lineNumbers.map(() => RowState.Pending),
      );
      const queue = new Queue<LeadQueueJobData>(LEAD_QUEUE, { connection: server.client, prefix });
      try {
        const held = (await queue.getJobs(['prioritized', 'waiting'], 0, -1))
          .flatMap((job) => (isChunkJobData(job.data) ? job.data.rows : [job.data]))
          .map((row) => row.line)
          .sort((a, b) => a - b);
        expect(held).toEqual(lineNumbers);
      } finally {
        await queue.close();
      }
    },
    60_000,
  );

  it('checks the file again after a clean restart, and adds nothing: Redis had every row', async () => {
    const { server, prefix, summary } = await importThen(
      'Name,Email\nAnn,ann@example.com\nBob,bob@example.com\n',
      (server) => server.restart(),
    );
    expect(summary).toMatchObject({ valid: 2, enqueued: 2, readded: 0, alreadyImported: 0 });
    expect(summary.warnings.join('\n')).toMatch(
      /Redis restarted .*the file was read again to check: Redis had every row/,
    );
    const ledger = new ImportLedger(server.client, prefix);
    expect(await ledger.rowStates(summary.importId, [2, 3])).toEqual([RowState.Pending, RowState.Pending]);
    // The check found this run's own rows in the ledger: they are not an earlier run's (`status` reads this).
    expect(await ledger.getImport(summary.importId)).toMatchObject({ enqueued: 2, alreadyImported: 0 });
  }, 60_000);

  it('refuses to read the file again when it changed meanwhile: its rows would be another import', async () => {
    await expect(
      importThen('Name,Email\nAnn,ann@example.com\n', async (server, beforeImport, file) => {
        appendFileSync(file, 'Bob,bob@example.com\n');
        await server.powerLoss(beforeImport);
      }),
    ).rejects.toThrow(/leads\.csv changed while it was being imported, and Redis restarted meanwhile/);
  }, 60_000);
});
