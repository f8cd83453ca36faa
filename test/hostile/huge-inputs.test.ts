import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_ROWS, HUGE_FIELD_BYTES, writeGeneratedFixture } from '../fixtures/hostile/generate.js';
import { testRedis } from '../helpers/redis.js';
import { runImport, takeEnqueuedJobs } from './run-import.js';

/**
 * A 50 MB single field, quoted and unquoted, generated at test time. It must be one rejected row
 * (the line it is on, nothing invented after it), the rows after it must keep their line numbers,
 * and the process's peak RSS must stay bounded: memory, not time, is what is asserted.
 */

const redis = testRedis();
const dir = mkdtempSync(join(tmpdir(), 'lpi-huge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Generous: the producer's own target is 200 MB; a file held in memory would need 50 MB × several. */
const MAX_PEAK_RSS_BYTES = 400 * 1024 * 1024;

/**
 * Known bug in src/producer/csv-reader.ts (being rewritten by the producer's author when found):
 * past max_record_size, CsvSegment.onSkip restarts parsing from the next line break in its window,
 * but a single line of 50 MB has none there, so each new segment starts in the middle of the field
 * and every further MiB becomes a reject on an invented line (3, 4, … 43) while the row after it
 * is numbered 44 instead of 4; the reason also says "a quote that is never closed" for a closed
 * one. Fix: when the bad record's first line does not end inside the window, restart with a flag
 * that discards text up to and including the next line break before feeding the new segment
 * (base stays the record's line); word CSV_MAX_RECORD_SIZE on a single line as `is longer than
 * 1 MiB, the longest row this tool reads; shorten the value (Pipedrive keeps 255 characters of a
 * text field)`; and cap each cell kept for the reject (ledger rejectCells in Redis, --rejects)
 * at a few KiB. Peak RSS is fine today (about 170 MB for either file).
 */
describe.each(['huge-quoted-field.csv', 'huge-unquoted-field.csv'] as const)('%s', (name) => {
  let path: string;
  beforeAll(async () => {
    path = await writeGeneratedFixture(dir, name);
  });

  it(`neither crashes, hangs nor holds the ${HUGE_FIELD_BYTES / 1024 / 1024} MB value: the rows around it are enqueued, the value never is, and peak RSS stays under 400 MB`, async () => {
    const run = await runImport(path, { timeoutMs: 150_000 });
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(3);
    expect(run.summary?.enqueued).toBe(2);
    expect(run.summary?.firstRejects[0]).toMatchObject({ line: 3 });
    const jobs = await takeEnqueuedJobs(redis, run.prefix);
    expect(jobs.map((j) => j.cells)).toEqual([GOOD_ROWS.ada, GOOD_ROWS.alan]);
    expect(jobs[0]?.line).toBe(2);
    expect(run.peakRssBytes).toBeGreaterThan(0);
    expect(run.peakRssBytes).toBeLessThan(MAX_PEAK_RSS_BYTES);
  }, 180_000);

  it.todo(
    'is exactly one reject, on line 3, "is longer than 1 MiB", with the next row enqueued as line 4 (see the known bug above)',
  );
});
