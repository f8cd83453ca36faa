/**
 * A Ctrl-C or SIGTERM that reaches `import` as it prints its summary (the work done, the process closing its
 * connections) ends it with the documented code, 130 or 143, never by the signal itself (exit code null: a parent
 * process or a supervisor sees no code at all). The signal is sent from inside the write of the summary's last line
 * (test/fixtures/faults/signal-on-output.ts), so it lands after the command has stopped listening for it.
 * A signal the parent sends as it reads the summary lands as the process closes, or after it ended.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli-process.js';
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const SIGNAL_ON_OUTPUT = resolve(import.meta.dirname, '../fixtures/faults/signal-on-output.ts');
const redis = testRedis();
const prefix = uniquePrefix('sigsummary');
const dir = mkdtempSync(join(tmpdir(), 'lpi-sig-summary-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await deletePrefix(redis, prefix);
});

describe('a signal as import prints its summary', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} ends it with exit ${code}, not by the signal`, async () => {
      const file = join(dir, `${signal}.csv`);
      writeFileSync(file, 'Name,Email,Company\nAna Ames,ana@acme.example,Acme\n');
      const producer = spawnCli(
        ['import', file, '--import-id', `after-summary-${signal}`],
        {
          REDIS_URL: testRedisUrl(),
          REDIS_PREFIX: prefix,
          LOG_LEVEL: 'silent',
          LPI_FAULT_SIGNAL_ON: `${signal}:No worker is running yet`,
        },
        ['--import', SIGNAL_ON_OUTPUT],
      );
      expect(await producer.exited, producer.output()).toBe(code);
      expect(producer.output()).toContain('enqueued          1');
    }, 60_000);
  }

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} sent by the parent as it reads the summary ends it with a code, never by the signal`, async () => {
      // The process is closing then (or has just ended): 0 when the signal came after its end, else the documented
      // code. Before, Node's own end closed the signal listeners first, and the signal ended the process (no code).
      const file = join(dir, `parent-${signal}.csv`);
      writeFileSync(file, 'Name,Email,Company\nAna Ames,ana@acme.example,Acme\n');
      const producer = spawnCli(['import', file, '--import-id', `parent-${signal}`], {
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        LOG_LEVEL: 'silent',
      });
      expect(await producer.waitFor(/No worker is running yet/), producer.output()).not.toBeNull();
      producer.kill(signal);
      expect([0, code], producer.output()).toContain(await producer.exited);
    }, 60_000);
  }
});
