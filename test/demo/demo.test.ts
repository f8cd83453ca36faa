import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { testRedisUrl } from '../helpers/redis.js';

function runDemo(args: string[], env: Record<string, string | undefined>) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'demo', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe('lead-importer demo', () => {
  it('imports the example file end to end, accounts for every row and writes the report', async () => {
    const { code, out, err } = await runDemo(
      ['--exit', '--port', '0', '--plan', 'ultimate', '--latency-ms', '0'],
      {
        REDIS_URL: testRedisUrl(),
      },
    );
    expect(err).not.toMatch(/unexpected error/i);
    expect(code).toBe(0);
    const counts =
      /rows (\d+) = created (\d+) \+ rejected (\d+) \+ dead-lettered (\d+) \+ cancelled (\d+) \+ pending (\d+)/.exec(
        out,
      );
    expect(counts, out).not.toBeNull();
    const [rows, created, rejected, deadLettered, cancelled, pending] = counts!
      .slice(1)
      .map(Number) as number[];
    expect(pending).toBe(0);
    expect(created! + rejected! + deadLettered! + cancelled!).toBe(rows);
    expect(rejected).toBeGreaterThan(0);
    // The rows of the rep who left are refused by Pipedrive and parked with its message.
    expect(deadLettered).toBe(4);
    expect(out).toMatch(/owner_id \d+ is a deactivated user/);
    expect(out).toContain('duplicates: 0 leads, 0 persons, 0 organizations');
    expect(out).toMatch(/Per-row report: .*report\.csv/);
    expect(out).toMatch(/Sandbox: (\d+) leads/);
    expect(Number(/Sandbox: (\d+) leads/.exec(out)![1])).toBe(created);
  }, 160_000);
});
