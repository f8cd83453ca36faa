import { describe, expect, it } from 'vitest';
import { runNode } from '../helpers/run-process.js';

const FIXTURE = 'test/fixtures/logging/log-lines.ts';

/** Runs the fixture to its end: its stdout lines, its stderr, its exit code. */
async function logLines(count: number, how: 'flush' | 'exit' | 'return') {
  const run = await runNode(['--import', 'tsx', FIXTURE, String(count), how]);
  return { lines: run.stdout.split('\n').filter((l) => l !== ''), err: run.stderr, code: run.code };
}

function expectEveryLine(lines: string[], count: number) {
  expect(lines).toHaveLength(count);
  lines.forEach((text, i) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    // The fields and the message the docs quote, in order, whole.
    expect(line).toMatchObject({
      level: 30,
      name: 'fixture',
      component: 'worker',
      importId: 'imp-1',
      line: i + 1,
      leadId: `lead-${i + 1}`,
      msg: `Created lead lead-${i + 1} for import imp-1 line ${i + 1} (person ${i + 1} created, organization 7 reused; 12 ms, attempt 1 of 5)`,
    });
  });
}

describe('the buffered stdout logger (a line per row)', () => {
  it('writes many lines per write system call, all of them, in order', async () => {
    const run = await logLines(300, 'flush');
    expect(run.code).toBe(0);
    expectEveryLine(run.lines, 300);
    const writes = Number(/writes=(\d+)/.exec(run.err)?.[1]);
    // Counted for the whole process: each write on libuv's thread pool, and the eventfd write that wakes
    // the main thread when it is done. A line at a time makes two a line (600 here); ≈ 340 bytes a line
    // written ≥ 4 KiB at a time, about 50 in all.
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThan(150);
  }, 30_000);

  it('loses no line when the process exits right after logging (process.exit)', async () => {
    const run = await logLines(300, 'exit');
    expect(run.code).toBe(0);
    expectEveryLine(run.lines, 300);
  }, 30_000);

  it('loses no line when the event loop empties after logging', async () => {
    const run = await logLines(50, 'return');
    expect(run.code).toBe(0);
    expectEveryLine(run.lines, 50);
  }, 30_000);
});
