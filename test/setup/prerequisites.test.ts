import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTALL_LINE, missingPrerequisites, prerequisitesMessage } from './prerequisites.js';

const REPO = resolve(import.meta.dirname, '../..');

describe('what npm test needs', () => {
  it('is all here on this machine', () => {
    expect(missingPrerequisites({ env: { ...process.env, REDIS_URL: undefined } })).toEqual([]);
  });

  it('names each missing piece and the one install line', () => {
    const env = { PATH: '/nowhere', CHROMIUM_PATH: '/nowhere/chromium' };
    expect(missingPrerequisites({ env, nodeVersion: '20.11.1' })).toEqual([
      'Node.js ≥ 20.19 (this is 20.11.1)',
      'redis-server ("redis-server"; or set REDIS_URL)',
      'Chromium at /nowhere/chromium (or set CHROMIUM_PATH)',
    ]);
    expect(missingPrerequisites({ env: { ...env, REDIS_URL: 'redis://x:6379' }, browser: false })).toEqual(
      [],
    );
    const message = prerequisitesMessage({ env });
    expect(message).toContain(INSTALL_LINE);
    expect(message?.split('\n')).toHaveLength(1);
  });

  it("is named in the README's first lines, with the same install line", () => {
    const head = readFileSync(resolve(REPO, 'README.md'), 'utf8').split('\n').slice(0, 12).join('\n');
    expect(head).toContain('Node.js ≥ 20.19');
    expect(head).toContain('redis-server');
    expect(head).toContain('Chromium');
    expect(head).toContain(INSTALL_LINE);
  });

  it('stops `npm test` before any test, in one line, when a binary is missing', async () => {
    const child = spawn(
      process.execPath,
      // The browser test as the filter: it is the one that needs Chromium (none runs: setup stops first).
      [resolve(REPO, 'node_modules/vitest/vitest.mjs'), 'run', 'test/dashboard/browser.test.ts'],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          REDIS_SERVER_BIN: '/nowhere/redis-server',
          CHROMIUM_PATH: '/nowhere/chromium',
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    const code = await new Promise((done) => child.on('close', done));
    expect(code, output).toBe(1);
    // Vitest's own banner (` RUN  v4…`) comes first; then ours, alone.
    const lines = output.split('\n').filter((l) => l.trim() !== '' && !/^\s*RUN\s+v\d/.test(l));
    expect(lines, output).toEqual([
      expect.stringMatching(/^npm test cannot run: missing redis-server .*, Chromium at \/nowhere\/chromium/),
    ]);
    expect(lines[0]).toContain(INSTALL_LINE);
  }, 60_000);
});
