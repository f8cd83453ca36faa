import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, insecureHttpWarning, loadConfig } from '../../src/config/config.js';
import { isLoopbackHost } from '../../src/config/loopback-host.js';
import { spawnCli } from '../helpers/cli-process.js';
import { deletePrefix, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../ops/run-cli.js';

const OAUTH = {
  PIPEDRIVE_OAUTH_CLIENT_ID: 'id',
  PIPEDRIVE_OAUTH_CLIENT_SECRET: 'secret',
  PIPEDRIVE_OAUTH_REFRESH_TOKEN: 'refresh',
};

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('plain HTTP to Pipedrive', () => {
  it('refuses an http:// base URL beyond loopback, naming the variable and the fix', () => {
    const message = configError({ PIPEDRIVE_BASE_URL: 'http://yourcompany.pipedrive.com' });
    expect(message).toBe(
      'PIPEDRIVE_BASE_URL must use https:// (got "http://yourcompany.pipedrive.com"): over plain HTTP the API token and lead data cross the network unencrypted. ' +
        'Use https:// (e.g. https://api.pipedrive.com); plain HTTP is accepted only for loopback (127.0.0.1, localhost, ::1), or, for a rehearsal against a sandbox on another host, with PIPEDRIVE_ALLOW_INSECURE_HTTP=yourcompany.pipedrive.com.',
    );
  });

  it('refuses an http:// OAuth token URL beyond loopback, and other schemes', () => {
    expect(
      configError({ ...OAUTH, PIPEDRIVE_OAUTH_TOKEN_URL: 'http://oauth.pipedrive.com/oauth/token' }),
    ).toMatch(/^PIPEDRIVE_OAUTH_TOKEN_URL must use https:\/\/ \(got "http:\/\/oauth\.pipedrive\.com"\)/);
    expect(configError({ PIPEDRIVE_BASE_URL: 'ftp://files.example' })).toMatch(
      /^PIPEDRIVE_BASE_URL must be an https:\/\/ URL/,
    );
  });

  it('refuses credentials written into the URL, without quoting them', () => {
    for (const url of ['http://me:hunter2-password@pd.example', 'https://me:hunter2-password@pd.example']) {
      const message = configError({ PIPEDRIVE_BASE_URL: url, PIPEDRIVE_ALLOW_INSECURE_HTTP: '1' });
      expect(message).toMatch(/^PIPEDRIVE_BASE_URL must not contain a user name or password/);
      expect(message).not.toContain('hunter2');
    }
  });

  it('refuses a query string or fragment in the URL (Pipedrive’s old ?api_token=), without quoting it', () => {
    for (const url of [
      'https://acme.pipedrive.com/?api_token=hunter2-token',
      'https://acme.pipedrive.com?api_token=hunter2-token',
      'http://127.0.0.1:8787/#hunter2-token',
      'https://acme.pipedrive.com/v1?',
    ]) {
      const message = configError({ PIPEDRIVE_BASE_URL: url });
      expect(message).toMatch(/^PIPEDRIVE_BASE_URL must not contain a query string or fragment/);
      expect(message).toContain('put the API token in PIPEDRIVE_API_TOKEN');
      expect(message).not.toContain('hunter2');
    }
    const oauth = configError({
      ...OAUTH,
      PIPEDRIVE_OAUTH_TOKEN_URL: 'https://oauth.pipedrive.com/oauth/token?client_secret=hunter2-secret',
    });
    expect(oauth).toMatch(/^PIPEDRIVE_OAUTH_TOKEN_URL must not contain a query string or fragment/);
    expect(oauth).not.toContain('hunter2');
    const notUrl = configError({ PIPEDRIVE_BASE_URL: 'acme.pipedrive.com?api_token=hunter2-token' });
    expect(notUrl).toMatch(/^PIPEDRIVE_BASE_URL must be a URL such as/);
    expect(notUrl).not.toContain('hunter2');
  });

  it('accepts https:// anywhere and http:// on loopback (the local sandbox) without a warning', () => {
    for (const url of [
      'https://yourcompany.pipedrive.com',
      'http://127.0.0.1:8787',
      'http://127.9.8.7:8787',
      'http://localhost:8787',
      'http://[::1]:8787',
    ]) {
      const config = loadConfig({
        PIPEDRIVE_BASE_URL: url,
        ...OAUTH,
        PIPEDRIVE_OAUTH_TOKEN_URL: `${url}/oauth/token`,
      });
      expect(config.pipedrive.insecureHttpOrigins, url).toEqual([]);
      expect(insecureHttpWarning(config)).toBeUndefined();
    }
  });

  it('lets a rehearsal opt in for the hosts it names (or any, with 1), and says so', () => {
    const env = {
      PIPEDRIVE_BASE_URL: 'http://sandbox:8787',
      PIPEDRIVE_ALLOW_INSECURE_HTTP: 'sandbox',
    };
    const config = loadConfig(env);
    expect(config.pipedrive.baseUrl).toBe('http://sandbox:8787');
    expect(config.pipedrive.insecureHttpOrigins).toEqual(['http://sandbox:8787']);
    expect(insecureHttpWarning(config)).toBe(
      'Plain HTTP to http://sandbox:8787 (allowed by PIPEDRIVE_ALLOW_INSECURE_HTTP): the API token and lead data cross the network unencrypted. Use this for a rehearsal against a sandbox only; Pipedrive itself is https://.',
    );
    // The opt-in names hosts: a typo'd company URL is still refused.
    expect(configError({ ...env, PIPEDRIVE_BASE_URL: 'http://yourcompany.pipedrive.com' })).toMatch(
      /must use https:\/\//,
    );
    expect(
      loadConfig({ PIPEDRIVE_BASE_URL: 'http://10.0.0.5:8787', PIPEDRIVE_ALLOW_INSECURE_HTTP: '1' }).pipedrive
        .insecureHttpOrigins,
    ).toEqual(['http://10.0.0.5:8787']);
    expect(configError({ PIPEDRIVE_ALLOW_INSECURE_HTTP: 'sand box' })).toMatch(
      /PIPEDRIVE_ALLOW_INSECURE_HTTP must be 1 or a comma-separated list of host names/,
    );
  });

  it('isLoopbackHost knows 127.0.0.0/8, ::1 and localhost, with or without a port', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3:80',
      'localhost',
      'LOCALHOST:3000',
      '::1',
      '[::1]:3000',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [
      '0.0.0.0',
      '10.0.0.1',
      'evil.example:3000',
      '128.0.0.1',
      'localhost.evil.example',
      '[::2]:3000',
      '',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('commands and plain HTTP', () => {
  const redis = testRedis();
  const prefix = uniquePrefix('insecure');
  afterAll(() => deletePrefix(redis, prefix));
  const rehearsal = {
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    // `.invalid` never resolves: nothing is sent anywhere.
    PIPEDRIVE_BASE_URL: 'http://rehearsal.invalid:8787',
    PIPEDRIVE_API_TOKEN: 'sandbox-token',
    PIPEDRIVE_ALLOW_INSECURE_HTTP: 'rehearsal.invalid',
  };

  it('exit 2 with the message when the opt-in is missing', async () => {
    const { PIPEDRIVE_ALLOW_INSECURE_HTTP: _, ...env } = rehearsal;
    for (const args of [['worker'], ['status'], ['dashboard', '--port', '0']]) {
      const run = await runCli(args, env);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('PIPEDRIVE_BASE_URL must use https://');
      // The fix is in the message, not in the command's flags: no pointer to --help.
      expect(run.stderr).not.toContain('--help');
    }
    const usage = await runCli(['worker', '--concurrency', 'lots'], {
      ...env,
      PIPEDRIVE_BASE_URL: 'http://127.0.0.1:9',
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Run `lead-importer worker --help` for usage.');
  });

  it('import prints the warning line before it talks to Pipedrive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insecure-'));
    const file = join(dir, 'leads.csv');
    writeFileSync(file, 'Name,Email\nAda,ada@example.com\n');
    const run = await runCli(['import', file, '--dry-run'], rehearsal);
    expect(run.stderr).toMatch(/^Warning: Plain HTTP to http:\/\/rehearsal\.invalid:8787 \(allowed by/m);
    const offline = await runCli(['import', file, '--dry-run', '--offline'], rehearsal);
    expect(offline.stderr).not.toMatch(/Plain HTTP/);
  });

  it.each([['worker'], ['dashboard', '--port', '0']])(
    '%s logs the warning line naming the URL',
    async (...args) => {
      const child = spawnCli(args, rehearsal);
      await child.waitFor(/Plain HTTP/, 20_000);
      child.kill('SIGTERM');
      await child.exited;
      const out = child.output();
      const line = out.split('\n').find((l) => l.includes('Plain HTTP'));
      expect(line, out).toBeDefined();
      const entry = JSON.parse(line!) as { level: number; msg: string; origins: string[] };
      expect(entry.level).toBe(40);
      expect(entry.msg).toMatch(
        /^Plain HTTP to http:\/\/rehearsal\.invalid:8787 \(allowed by PIPEDRIVE_ALLOW_INSECURE_HTTP\)/,
      );
      expect(entry.origins).toEqual(['http://rehearsal.invalid:8787']);
    },
  );
});
