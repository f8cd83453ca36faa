import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { cliNodeArgs } from '../helpers/cli-entry.js';

const REPO = resolve(import.meta.dirname, '../..');

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(() => sandbox.close());

/** A raw request with exactly these headers (fetch would not let a test set Host or Origin). */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolveResponse, reject) => {
    const req = request(
      { host: '127.0.0.1', port: sandbox.port, method, path, headers, setHost: !('host' in headers) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the /_sandbox control API and browsers', () => {
  it('refuses requests a web page on another origin sends, and changes nothing', async () => {
    const before = sandbox.state().tokensRemaining;
    const evil = { origin: 'https://evil.example' };
    // A "simple" cross-site POST needs no preflight: without the check any page could drain the budget…
    const drained = await send('POST', '/_sandbox/exhaust-budget', evil);
    expect(drained.status).toBe(403);
    expect(drained.body).toMatch(/cross-origin/i);
    // …switch faults on with a text/plain body…
    const config = await send(
      'POST',
      '/_sandbox/config',
      { ...evil, 'content-type': 'text/plain' },
      '{"faultRate":1}',
    );
    expect(config.status).toBe(403);
    // …or read every stored person through CORS.
    expect((await send('GET', '/_sandbox/export', evil)).status).toBe(403);
    // Fetch metadata without Origin (a navigation from another site).
    expect((await send('POST', '/_sandbox/reset', { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // DNS rebinding: the page's own origin, but a name that is not the sandbox's.
    const rebound = await send('POST', '/_sandbox/reset', {
      host: `evil.example:${sandbox.port}`,
      origin: `http://evil.example:${sandbox.port}`,
    });
    expect(rebound.status).toBe(403);

    expect(sandbox.state().tokensRemaining).toBe(before);
    expect(sandbox.configure({}).faultRate).toBe(0);
  });

  it("refuses a rebound page's same-origin reads, which carry no Origin, on every route", async () => {
    // DNS rebinding: `evil.example` now resolves to 127.0.0.1; the page's fetch is same-origin to it.
    const rebound = {
      host: `evil.example:${sandbox.port}`,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'cors',
    };
    const exported = await send('GET', '/_sandbox/export', rebound);
    expect(exported.status).toBe(403);
    expect(exported.body).toContain('DNS rebinding');
    expect(exported.body).not.toContain('persons');
    // The Pipedrive routes too: the sandbox's token is well known.
    const persons = await send('GET', '/api/v2/persons', { ...rebound, 'x-api-token': sandbox.apiToken });
    expect(persons.status).toBe(403);
    // A tool under another name (compose's workers call it `sandbox`) is served.
    const tool = await send('GET', '/api/v2/persons', {
      host: `sandbox:${sandbox.port}`,
      'x-api-token': sandbox.apiToken,
    });
    expect(tool.status).toBe(200);
    expect((await send('GET', '/_sandbox/state', { host: `sandbox:${sandbox.port}` })).status).toBe(200);
  });

  it('serves tools (no Origin) and pages of its own origin', async () => {
    expect((await send('GET', '/_sandbox/state', {})).status).toBe(200);
    expect((await send('GET', '/_sandbox/state', { origin: sandbox.url })).status).toBe(200);
    expect(
      (
        await send('GET', '/_sandbox/state', {
          host: `localhost:${sandbox.port}`,
          origin: `http://localhost:${sandbox.port}`,
          'sec-fetch-site': 'same-origin',
        })
      ).status,
    ).toBe(200);
    expect((await send('POST', '/_sandbox/new-day', {})).status).toBe(200);
  });
});

describe('lead-importer sandbox --host', () => {
  it('warns when it listens beyond loopback, and not on loopback', async () => {
    const startup = async (host: string) => {
      const child = spawn(process.execPath, [...cliNodeArgs(), 'sandbox', '--host', host, '--port', '0'], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => {
        stdout += c;
      });
      child.stderr.on('data', (c) => {
        stderr += c;
      });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const deadline = Date.now() + 20_000;
      while (!stdout.includes('listening') && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      return { stdout, stderr };
    };

    const open = await startup('0.0.0.0');
    expect(open.stdout).toContain('Pipedrive sandbox listening at http://0.0.0.0:');
    expect(open.stderr).toMatch(
      /^Warning: the sandbox listens on 0\.0\.0\.0, reachable from other machines/m,
    );
    expect(open.stderr).toMatch(/--host 127\.0\.0\.1/);

    const local = await startup('127.0.0.1');
    expect(local.stdout).toContain('listening');
    expect(local.stderr).toBe('');
  });
});
