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

describe.each(['huge-quoted-field.csv', 'huge-unquoted-field.csv'] as const)('%s', (name) => {
  let path: string;
  beforeAll(async () => {
    path = await writeGeneratedFixture(dir, name);
  });

  it(`rejects the ${HUGE_FIELD_BYTES / 1024 / 1024} MB row by its own line, keeps the rows around it under theirs, and stays under 400 MB of RSS`, async () => {
    const run = await runImport(path, { timeoutMs: 150_000 });
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(3);
    expect(run.summary).toMatchObject({ rows: 3, enqueued: 2, rejected: 1 });
    expect(run.summary?.firstRejects).toEqual([
      { line: 3, reason: expect.stringMatching(/^is longer than 1 MiB, the longest row this tool reads/) },
    ]);
    const jobs = await takeEnqueuedJobs(redis, run.prefix);
    expect(jobs.map((j) => [j.line, j.cells])).toEqual([
      [2, GOOD_ROWS.ada],
      [4, GOOD_ROWS.alan],
    ]);
    expect(run.peakRssBytes).toBeGreaterThan(0);
    expect(run.peakRssBytes).toBeLessThan(MAX_PEAK_RSS_BYTES);
  }, 180_000);
});
