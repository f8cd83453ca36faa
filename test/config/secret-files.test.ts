import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConnectionsFile } from '../../src/config/connections.js';

/**
 * Whoever may replace one company's token file (its own secret, in a directory of its own) must not be able to stop
 * a worker that serves every company: each file is read at start and on every SIGHUP, in that one process.
 */
const REPO = resolve(import.meta.dirname, '../..');
const TOKEN = '6c1f0e2d9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
const dir = mkdtempSync(join(tmpdir(), 'lpi-secret-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads a connections file whose `acme` reads its token from `file`, in a child that must end within 10 s. */
function acmeWithTokenFile(file: string): { status: number | null; out: string } {
  const path = join(dir, `connections-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    path,
    `connections:\n  acme: { api_token_file: ${JSON.stringify(file)} }\n  globex: { api_token_env: GLOBEX_TOKEN }\n`,
  );
  const script = `
    import { loadConnectionsFile } from './src/config/connections.ts';
    const c = loadConnectionsFile(${JSON.stringify(path)}, { env: { GLOBEX_TOKEN: '${TOKEN}' } });
    const acme = c.get('acme');
    let why = '';
    try { acme.requireCredentials(); } catch (err) { why = err.message; }
    console.log(JSON.stringify({ acme: acme.hasCredentials, why, globex: c.get('globex').hasCredentials }));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 10_000,
    maxBuffer: 1024 * 1024,
  });
  return { status: run.status, out: run.stdout + run.stderr };
}

describe('a token file replaced by something that is not one', () => {
  it('a FIFO nobody writes to does not hang the load: that connection cannot start, the others can', () => {
    const fifo = join(dir, 'acme-fifo');
    execFileSync('mkfifo', [fifo]);
    const run = acmeWithTokenFile(fifo);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.out);
    expect(result).toMatchObject({ acme: false, globex: true });
    expect(result.why).toContain(`${fifo} is not a regular file (a FIFO, a device or a directory)`);
  });

  it('a file over 64 KiB is not taken for a token', () => {
    const big = join(dir, 'acme-big');
    writeFileSync(big, 'a'.repeat(100 * 1024));
    const path = join(dir, 'connections-big.yaml');
    writeFileSync(path, `connections:\n  acme: { api_token_file: ${big} }\n`);
    const acme = loadConnectionsFile(path).get('acme')!;
    expect(acme.hasCredentials).toBe(false);
    expect(() => acme.requireCredentials()).toThrow(`${big} is over 64 KiB: it holds more than the secret.`);
  });

  it('a symlink to a regular file (how Kubernetes mounts secrets) is read', () => {
    writeFileSync(join(dir, 'real-token'), `${TOKEN}\n`);
    symlinkSync(join(dir, 'real-token'), join(dir, 'linked-token'));
    const path = join(dir, 'connections-link.yaml');
    writeFileSync(path, 'connections:\n  acme: { api_token_file: linked-token }\n');
    expect(loadConnectionsFile(path).get('acme')?.apiToken).toBe(TOKEN);
  });
});
