import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/ops/report.js';
import { keysFor } from '../../src/queue/names.js';
import { testRedis } from '../helpers/redis.js';
import { enqueueChunked, type SeedRow, seedImport, testOps } from './seed.js';

const redis = testRedis();
const ctx = testOps(redis);
afterAll(() => ctx.close());

async function readCsv(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  expect(text.startsWith('\uFEFF')).toBe(true);
  return text.slice(1).trimEnd().split('\r\n');
}

describe('writeReport', () => {
  it('writes one line per input row in input order, skipping lines that held no row', async () => {
    const rows: SeedRow[] = [
      {
        line: 2,
        cells: ['Ana', 'ana@example.com', 'Acme'],
        outcome: 'created',
        leadId: 'a1b2',
        personId: 11,
        organizationId: 21,
        personCreated: true,
        organizationCreated: false,
      },
      // line 3 is blank; lines 4-5 are one row with a quoted newline (it starts on line 4)
      { line: 4, cells: ['Bo', 'bo@example.com', 'Two\nlines'], outcome: 'pending' },
      {
        line: 6,
        cells: ['@SUM(A1:A9)', 'bad', ''],
        outcome: 'rejected',
        column: 'Email',
        reason: 'not an email address',
      },
      {
        line: 7,
        cells: ['Cy', 'cy@example.com', 'Globex'],
        outcome: 'dead-lettered',
        errorClass: 'PipedriveValidationError',
        httpStatus: 400,
        message: 'Owner 9 does not exist',
      },
      { line: 8, cells: ['Di', 'di@example.com', ''], outcome: 'created', leadId: 'c3d4', personId: 12 },
      {
        line: 9,
        cells: ['Ed', 'ed@example.com', ''],
        outcome: 'created',
        leadId: 'e5f6',
        noteId: 31,
        personId: 13,
      },
      {
        line: 10,
        cells: ['Flo', 'flo@example.com', ''],
        outcome: 'created',
        leadId: 'f7a8',
        personId: 14,
        noteError: 'PipedriveValidationError: content is too long',
      },
    ];
    await seedImport(ctx, 'rep-1', rows);
    const out = join(tmpdir(), `${ctx.prefix}-report.csv`);

    const summary = await writeReport(ctx, { importId: 'rep-1', out, batchSize: 2 });

    expect(summary).toMatchObject({
      rows: 7,
      byOutcome: { created: 4, rejected: 1, 'dead-lettered': 1, cancelled: 0, pending: 1 },
      rowsWithInput: 3,
    });
    expect(await readCsv(out)).toEqual([
      'line,outcome,lead_id,note_id,person_id,organization_id,person,organization,error,Name,Email,Company',
      '2,created,a1b2,,11,21,created,reused,,,,',
      '4,pending,,,,,,,,Bo,bo@example.com,"Two\nlines"',
      // The rejected row's formula-like cell is neutralised for Excel.
      "6,rejected,,,,,,,Email: not an email address,'@SUM(A1:A9),bad,",
      '7,dead-lettered,,,,,,,PipedriveValidationError (HTTP 400): Owner 9 does not exist,Cy,cy@example.com,Globex',
      '8,created,c3d4,,12,,reused,,,,,',
      '9,created,e5f6,31,13,,reused,,,,,',
      '10,created,f7a8,,14,,reused,,"the lead was created, but Pipedrive refused its note: PipedriveValidationError: content is too long",,,',
    ]);
  });

  it("reads a pending row's cells from its chunk when the import puts several rows in a job", async () => {
    const importId = 'rep-chunks';
    // Lines 2-9 with a rejected row (line 4) and a blank line (6) between them, so a row's turn is not its line.
    // Turns 1-3, 4-6 and 7 make chunks c0, c1 and c2.
    await enqueueChunked(ctx, importId, 3, [2, 3, 4, 5, 7, 8, 9, 10], undefined, [4]);
    const queued = await ctx.leadQueue.getJobs(['prioritized', 'waiting']);
    expect(
      queued
        .map((j) => j.id)
        .filter((id) => id?.startsWith(importId))
        .sort(),
    ).toEqual(['rep-chunks-c0', 'rep-chunks-c1', 'rep-chunks-c2']);
    const out = join(tmpdir(), `${ctx.prefix}-chunks-report.csv`);

    const summary = await writeReport(ctx, { importId, out, batchSize: 3 });

    expect(summary).toMatchObject({ rows: 8, byOutcome: { pending: 7, rejected: 1 }, rowsWithInput: 8 });
    const lines = await readCsv(out);
    expect(lines.slice(1)).toEqual(
      [2, 3, 4, 5, 7, 8, 9, 10].map((line) =>
        line === 4
          ? '4,rejected,,,,,,,Email: not an email address,Row 4,r4@example.com,Org 4'
          : `${line},pending,,,,,,,,Row ${line},r${line}@example.com,Org ${line}`,
      ),
    );
  });

  it('finds a pending row in the next chunk when an earlier line is not marked yet (an import still being read)', async () => {
    const importId = 'rep-chunk-gap';
    // Lines 2-8 are turns 1-7: chunks c0 (lines 2-4), c1 (5-7), c2 (8).
    await enqueueChunked(ctx, importId, 3, [2, 3, 4, 5, 6, 7, 8]);
    // Line 3's mark not written yet: every later line's turn, counted from the snapshot, is one too low, so lines 5
    // and 8 point at the chunk before theirs (c0, c1) and are found in the next one.
    await redis.bitfield(keysFor(ctx.prefix).rowStates(importId), 'SET', 'u4', '#3', 0);
    const out = join(tmpdir(), `${ctx.prefix}-chunk-gap-report.csv`);

    const summary = await writeReport(ctx, { importId, out, batchSize: 2 });

    expect(summary).toMatchObject({ rows: 6, byOutcome: { pending: 6 }, rowsWithInput: 6 });
    expect((await readCsv(out)).slice(1)).toEqual(
      [2, 4, 5, 6, 7, 8].map((line) => `${line},pending,,,,,,,,Row ${line},r${line}@example.com,Org ${line}`),
    );
  });

  it('renames an input column named like one of its own, so a join on line finds one column', async () => {
    // A file written by `dlq export`, fixed and imported again: its own line and error come after the report's.
    await seedImport(
      ctx,
      'rep-dlq-file',
      [{ line: 2, cells: ['7', 'Ana', 'ana@example.com', 'Owner 9 does not exist'], outcome: 'pending' }],
      { header: ['line', 'Name', 'Email', 'Error'] },
    );
    const out = join(tmpdir(), `${ctx.prefix}-dlq-file-report.csv`);
    await writeReport(ctx, { importId: 'rep-dlq-file', out });
    const [header, row] = await readCsv(out);
    expect(header).toBe(
      'line,outcome,lead_id,note_id,person_id,organization_id,person,organization,error,line (input),Name,Email,Error (input)',
    );
    expect(row).toBe('2,pending,,,,,,,,7,Ana,ana@example.com,Owner 9 does not exist');
  });

  it('names an unknown import', async () => {
    await expect(writeReport(ctx, { importId: 'missing', out: join(tmpdir(), 'x.csv') })).rejects.toThrow(
      /No import "missing"/,
    );
  });
});
