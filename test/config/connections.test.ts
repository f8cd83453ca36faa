import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConnectionConfig,
  connectionOf,
  insecureHttpWarning,
  loadConfig,
} from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';

const ACME_TOKEN = '6c1f0e2d9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
const GLOBEX_ID = 'globex-client-id-7f3e';
const GLOBEX_SECRET = 'globex-secret-0b1c2d3e4f5a6b7c8d9e';
const GLOBEX_REFRESH = '1:1:ffeeddccbbaa99887766554433221100aabbccdd';
const SECRETS = [ACME_TOKEN, GLOBEX_SECRET, GLOBEX_REFRESH];

/** A folder holding `name` with `content`, plus the secret files the examples reference. */
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lpi-connections-'));
  mkdirSync(join(d, 'secrets'));
  writeFileSync(join(d, 'secrets', 'globex-refresh'), `${GLOBEX_REFRESH}\n`);
  return d;
}

function file(name: string, content: string): string {
  const path = join(dir(), name);
  writeFileSync(path, content);
  return path;
}

const YAML = `# Two companies: one on an API token, one on an OAuth app
connections:
  acme:
    base_url: https://acme.pipedrive.com
    api_token_env: ACME_PIPEDRIVE_TOKEN
    plan: growth
    seats: 5
    daily_tokens: 400000
    budget_reserve: 0.2
  globex:
    base_url: https://globex.pipedrive.com
    oauth: { client_id_env: GLOBEX_ID, client_secret_env: GLOBEX_SECRET, refresh_token_file: secrets/globex-refresh }
    plan: Lite
    budget_reset_utc: "6:30"
    timeout_ms: 10000
`;

const ENV = { ACME_PIPEDRIVE_TOKEN: ACME_TOKEN, GLOBEX_ID, GLOBEX_SECRET };

function load(path: string, env: Record<string, string> = ENV) {
  return loadConfig({ PIPEDRIVE_CONNECTIONS_FILE: path, ...env });
}

/** The message of the ConfigError loading `content` (in a file called `name`) throws. */
function problem(content: string, name = 'connections.yaml', env: Record<string, string> = ENV): string {
  const path = file(name, content);
  try {
    load(path, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message.replaceAll(path, name);
  }
  throw new Error(`loadConfig accepted:\n${content}`);
}

/** A one-connection file with `settings` as acme's lines. */
const acme = (...settings: string[]) =>
  `connections:\n  acme:\n${settings.map((s) => `    ${s}\n`).join('')}`;

describe('the connections file', () => {
  it('reads YAML: every connection with its settings, defaults and secrets, in the file’s order', () => {
    const config = load(file('connections.yaml', YAML));
    expect([...config.connections.keys()]).toEqual(['acme', 'globex']);
    const a = connectionOf(config, 'acme');
    expect(a).toMatchObject({
      name: 'acme',
      baseUrl: 'https://acme.pipedrive.com',
      auth: 'api_token',
      plan: 'growth',
      seats: 5,
      dailyTokens: 400_000,
      budgetReserve: 0.2,
      budgetResetUtc: '00:00',
      requestTimeoutMs: 30_000,
      insecureHttpOrigins: [],
    });
    expect(a.apiToken).toBe(ACME_TOKEN);
    expect(a.oauth).toBeUndefined();
    const g = connectionOf(config, 'globex');
    expect(g).toMatchObject({
      auth: 'oauth',
      plan: 'lite',
      seats: 1,
      dailyTokens: 30_000,
      budgetReserve: 0.1,
      budgetResetUtc: '06:30',
      requestTimeoutMs: 10_000,
    });
    // The refresh token comes from a file named relative to the connections file, without its newline.
    expect(g.oauth).toEqual({
      clientId: GLOBEX_ID,
      clientSecret: GLOBEX_SECRET,
      refreshToken: GLOBEX_REFRESH,
      tokenUrl: 'https://oauth.pipedrive.com/oauth/token',
    });
    expect(g.apiToken).toBeUndefined();
    expect(config.connectionsFile).toMatch(/connections\.yaml$/);
    // Several connections, none named default: commands must be told which.
    expect(config.defaultConnection).toBeUndefined();
    expect(() => connectionOf(config)).toThrow(
      /defines acme, globex, and none is named default: name one with --connection NAME/,
    );
  });

  it('reads JSON by its extension, and a connection named default is the one commands use', () => {
    const d = dir();
    writeFileSync(join(d, 'acme-token'), ACME_TOKEN);
    const path = join(d, 'connections.json');
    writeFileSync(
      path,
      JSON.stringify({
        connections: {
          default: { base_url: 'https://old.pipedrive.com', api_token_file: join(d, 'acme-token') },
          acme: { api_token_env: 'ACME_PIPEDRIVE_TOKEN', plan: 'ultimate', seats: 2 },
        },
      }),
    );
    const config = load(path);
    expect(config.defaultConnection).toBe('default');
    expect(config.pipedrive.name).toBe('default');
    expect(connectionOf(config).apiToken).toBe(ACME_TOKEN);
    expect(connectionOf(config, 'acme')).toMatchObject({
      baseUrl: 'https://api.pipedrive.com',
      dailyTokens: 420_000,
    });
  });

  it('makes the only connection the default one', () => {
    const config = load(file('one.yaml', acme('api_token_env: ACME_PIPEDRIVE_TOKEN')));
    expect(config.defaultConnection).toBe('acme');
    expect(config.pipedrive.name).toBe('acme');
    expect(connectionOf(config).name).toBe('acme');
  });

  it('names the connections there are when asked for one that is not', () => {
    const config = load(file('connections.yaml', YAML));
    expect(() => connectionOf(config, 'acem')).toThrow(ConfigError);
    expect(() => connectionOf(config, 'acem')).toThrow(
      /^Unknown connection "acem": PIPEDRIVE_CONNECTIONS_FILE \(.*connections\.yaml\) defines acme, globex\. Name one of them with --connection NAME\.$/,
    );
    expect(() => connectionOf(loadConfig({}), 'acme')).toThrow(
      'Unknown connection "acme": without PIPEDRIVE_CONNECTIONS_FILE the PIPEDRIVE_* variables define one connection, default.',
    );
  });

  it.each([
    [
      'a name that cannot be part of a Redis key',
      'connections:\n  Acme Corp:\n    api_token_env: X\n',
      'connections.yaml:2:3: connection name "Acme Corp" must be 1 to 32 lower-case letters, digits, "_" or "-", starting with a letter or digit: it becomes part of Redis keys and queue names. Rename it, e.g. "acme-corp".',
    ],
    [
      'the name whose queue would be the dead-letter queue',
      'connections:\n  dlq:\n    api_token_env: X\n',
      'connections.yaml:2:3: connection name "dlq" is reserved: its lead queue would be the dead-letter queue (lead-import-dlq). Rename it, e.g. "dlq-company".',
    ],
    [
      'an unknown key',
      acme('api_token_env: X', 'region: eu'),
      'connections.yaml:4:5: connection "acme": unknown key "region". Valid keys: base_url, api_token_env, api_token_file, oauth, plan, seats, daily_tokens, budget_reserve, budget_reset_utc, timeout_ms.',
    ],
    [
      "a key named like a plain object's own (__proto__, constructor): unknown, not taken for a secret's",
      acme('api_token_env: X', 'constructor: 1'),
      'connections.yaml:4:5: connection "acme": unknown key "constructor". Valid keys: base_url, api_token_env, api_token_file, oauth, plan, seats, daily_tokens, budget_reserve, budget_reset_utc, timeout_ms.',
    ],
    [
      'a key at the top that is not connections',
      'connection:\n  acme: {}\n',
      'connections.yaml:1:1: the file: unknown key "connection". Did you mean connections? Valid keys: connections.',
    ],
    [
      'no connections',
      'connections: {}\n',
      'connections.yaml:1:14: connections must map each connection name to its settings, e.g. connections: { acme: { base_url: https://acme.pipedrive.com, api_token_env: ACME_PIPEDRIVE_TOKEN } }.',
    ],
    [
      'no credentials',
      acme('plan: growth'),
      'connections.yaml:2:3: connection "acme" needs exactly one of api_token_env, api_token_file or oauth: api_token_env: ACME_PIPEDRIVE_TOKEN names an environment variable holding the API token, api_token_file: /run/secrets/acme a file holding it, oauth: { client_id_env, client_secret_env, refresh_token_file } an OAuth app.',
    ],
    [
      'two kinds of credentials',
      acme('api_token_env: X', 'api_token_file: /run/secrets/x'),
      /^connections\.yaml:4:5: connection "acme" needs exactly one of api_token_env, api_token_file or oauth, not both api_token_env and api_token_file:/,
    ],
    [
      'an OAuth part missing',
      acme('oauth: { client_id_env: A, client_secret_env: B }'),
      'connections.yaml:3:12: connection "acme": oauth needs exactly one of refresh_token_env (an environment variable) or refresh_token_file (a file) for its refresh token.',
    ],
    [
      'an OAuth part given twice',
      acme('oauth: { client_id_env: A, client_id_file: a, client_secret_env: B, refresh_token_env: C }'),
      'connections.yaml:3:32: connection "acme": oauth needs exactly one of client_id_env (an environment variable) or client_id_file (a file) for its client id, not both.',
    ],
    [
      'an unknown OAuth key',
      acme('oauth: { client_id_env: A, client_secret_env: B, refresh_token_env: C, scope: x }'),
      'connections.yaml:3:76: connection "acme": oauth: unknown key "scope". Valid keys: client_id_env, client_id_file, client_secret_env, client_secret_file, refresh_token_env, refresh_token_file, token_url.',
    ],
    [
      'a plan Pipedrive does not sell',
      acme('api_token_env: X', 'plan: gold'),
      'connections.yaml:4:11: connection "acme": plan must be one of lite, growth, premium, ultimate, got "gold".',
    ],
    [
      // A token pasted on the wrong line is not quoted back (a terminal, a CI log).
      'an API token where the plan belongs',
      acme('api_token_env: X', 'plan: 0123456789abcdef0123456789abcdef01234567'),
      'connections.yaml:4:11: connection "acme": plan must be one of lite, growth, premium, ultimate, got a value that looks like a secret (not shown).',
    ],
    [
      'a refresh token where the daily tokens belong',
      acme('api_token_env: X', 'daily_tokens: "12345:67890:0123456789abcdef0123456789abcdef"'),
      'connections.yaml:4:19: connection "acme": daily_tokens must be a whole number ≥ 1, got a value that looks like a secret (not shown).',
    ],
    [
      'no seats',
      acme('api_token_env: X', 'seats: 0'),
      'connections.yaml:4:12: connection "acme": seats must be a whole number ≥ 1, got 0.',
    ],
    [
      'daily tokens that are not a number',
      acme('api_token_env: X', 'daily_tokens: lots'),
      'connections.yaml:4:19: connection "acme": daily_tokens must be a whole number ≥ 1, got "lots".',
    ],
    [
      'a reserve of more than the budget',
      acme('api_token_env: X', 'budget_reserve: 1.5'),
      'connections.yaml:4:21: connection "acme": budget_reserve must be a fraction from 0 to below 1 (e.g. 0.1 for 10 %), got 1.5.',
    ],
    [
      'a reset time that is no time',
      acme('api_token_env: X', 'budget_reset_utc: "25:00"'),
      'connections.yaml:4:23: connection "acme": budget_reset_utc must be a UTC time of day as "HH:MM" (e.g. "00:00", quoted), got "25:00".',
    ],
    [
      'no timeout',
      acme('api_token_env: X', 'timeout_ms: 0'),
      'connections.yaml:4:17: connection "acme": timeout_ms must be a whole number ≥ 1, got 0.',
    ],
    [
      'plain HTTP to a company',
      acme('api_token_env: X', 'base_url: http://acme.pipedrive.com'),
      'connections.yaml:4:15: connection "acme": base_url must use https:// (got "http://acme.pipedrive.com"): over plain HTTP the API token and lead data cross the network unencrypted. Use https:// (e.g. https://yourcompany.pipedrive.com); plain HTTP is accepted only for loopback (127.0.0.1, localhost, ::1), or, for a rehearsal against a sandbox on another host, with PIPEDRIVE_ALLOW_INSECURE_HTTP=acme.pipedrive.com.',
    ],
    [
      'plain HTTP to an OAuth token endpoint',
      acme(
        'oauth: { client_id_env: A, client_secret_env: B, refresh_token_env: C, token_url: "http://auth.example" }',
      ),
      /^connections\.yaml:3:87: connection "acme": oauth\.token_url must use https:\/\/ \(got "http:\/\/auth\.example"\)/,
    ],
    [
      'a base URL that is no URL',
      acme('api_token_env: X', 'base_url: acme.pipedrive.com'),
      'connections.yaml:4:15: connection "acme": base_url must be a URL such as https://yourcompany.pipedrive.com, got "acme.pipedrive.com".',
    ],
    [
      "a base URL that ends in the API's path, which the client adds itself",
      acme('api_token_env: X', 'base_url: https://acme.pipedrive.com/api/v1/'),
      'connections.yaml:4:15: connection "acme": base_url is the company\'s address without the API\'s path, e.g. https://yourcompany.pipedrive.com: the importer adds /api/v1 and /api/v2 itself. Drop "/api/v1" from its end (got "https://acme.pipedrive.com/api/v1").',
    ],
    [
      'a base URL that ends in /v2 behind a path',
      acme('api_token_env: X', 'base_url: https://proxy.example/pipedrive/V2'),
      /^connections\.yaml:4:15: connection "acme": base_url is the company's address without the API's path, .* Drop "\/V2" from its end/,
    ],
    [
      'YAML that does not parse',
      `${acme('api_token_env: X')}    plan: [growth\n`,
      /^connections\.yaml:5:1: the connections file is not valid YAML: /,
    ],
    [
      'a quote that is never closed, where it opens (yaml places it where the file ends)',
      acme('api_token_env: X', 'base_url: "https://acme.pipedrive.com', 'plan: growth'),
      'connections.yaml:4:15: the connections file is not valid YAML: the " that opens a value here is never closed. Close it where the value ends.',
    ],
    [
      'a connection name YAML reads as a number',
      'connections:\n  007:\n    api_token_env: X\n',
      'connections.yaml:2:3: connection name 007 is read by YAML as the number 7, not as the name written. Put it in quotes ("007") or rename it, e.g. "company-007".',
    ],
    [
      'a name written twice, once as a number: one connection would silently take the other’s place',
      'connections:\n  "7":\n    api_token_env: X\n  7:\n    api_token_env: Y\n',
      /^connections\.yaml:4:3: connection name 7 is read by YAML as the number 7/,
    ],
    [
      'a connection name YAML reads as no name',
      'connections:\n  ~:\n    api_token_env: X\n',
      /^connections\.yaml:2:3: connection name ~ is read by YAML as no name at all \(null\)/,
    ],
    [
      'the same connection twice',
      `${acme('api_token_env: X')}  acme:\n    api_token_env: Y\n`,
      'connections.yaml:4:3: the connections file is not valid YAML: Map keys must be unique: connection "acme" is defined twice (first at connections.yaml:2:3): one would silently replace the other. Keep one entry, or rename one.',
    ],
    [
      'a key twice in one connection',
      acme('api_token_env: X', 'plan: lite', 'plan: growth'),
      'connections.yaml:5:5: the connections file is not valid YAML: Map keys must be unique: connection "acme": "plan" is given twice (first at connections.yaml:4:5). Keep one.',
    ],
    [
      'a token pasted where a connection name belongs',
      `${acme('api_token_env: X')}  0123456789abcdef0123456789abcdef01234567:\n`,
      'connections.yaml:4:3: a connection name here looks like a secret (not shown): a token or key pasted into the file, where a name belongs? Remove it; secrets are referenced with api_token_env or api_token_file, never written in the file.',
    ],
    [
      'a token pasted where a key belongs',
      acme('api_token_env: X', '0123456789abcdef0123456789abcdef01234567: 1'),
      'connections.yaml:4:5: connection "acme": a key here looks like a secret (not shown): a token or key pasted into the file? Remove it; secrets are referenced with api_token_env or api_token_file, never written in the file. Valid keys: base_url, api_token_env, api_token_file, oauth, plan, seats, daily_tokens, budget_reserve, budget_reset_utc, timeout_ms.',
    ],
    [
      'a key one letter off a valid one',
      acme('api_token_env: X', 'daily_token: 5000'),
      'connections.yaml:4:5: connection "acme": unknown key "daily_token". Did you mean daily_tokens? Valid keys: base_url, api_token_env, api_token_file, oauth, plan, seats, daily_tokens, budget_reserve, budget_reset_utc, timeout_ms.',
    ],
  ])('refuses %s, naming the file, line, column, connection, key and fix', (_what, content, message) => {
    const text = problem(content);
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
  });

  it('refuses JSON that does not parse, a file of another kind and a file that is not there', () => {
    // A comma after the last item, the usual hand edit: where the comma is, not where JSON.parse gave up.
    expect(problem('{\n  "connections": {\n    "acme": { "api_token_env": "X", }\n  }\n}\n', 'c.json')).toBe(
      'c.json:3:35: the connections file is not valid JSON: a comma before } (JSON allows none after the last item). Remove the comma there.',
    );
    expect(problem('{\n  "connections": {\n    "acme": { "api_token_env" "X" }\n  }\n}\n', 'c.json')).toMatch(
      /^c\.json(:\d+:\d+)?: the connections file is not valid JSON\. Fix it there/,
    );
    // Empty: what an editor's two-step save (truncate, then write) leaves for a moment.
    expect(problem('', 'connections.yaml')).toBe(
      'connections.yaml: the connections file is empty (saved halfway, or truncated?). It must hold connections: with one entry per company (see the README, "Many companies").',
    );
    expect(problem('\n  \n', 'c.json')).toMatch(/^c\.json: the connections file is empty/);
    expect(problem(acme('api_token_env: X'), 'connections.txt')).toMatch(
      /must end in \.yaml, \.yml or \.json, so it is read as what it is\.$/,
    );
    expect(() => loadConfig({ PIPEDRIVE_CONNECTIONS_FILE: '/nowhere/connections.yaml' })).toThrow(
      'PIPEDRIVE_CONNECTIONS_FILE names /nowhere/connections.yaml, which does not exist. Fix the path or unset PIPEDRIVE_CONNECTIONS_FILE to use the PIPEDRIVE_* variables.',
    );
    // A key twice is valid to JSON.parse, not to the file: called JSON all the same.
    expect(
      problem('{"connections": {"acme": {"api_token_env": "X"}, "acme": {"api_token_env": "Y"}}}', 'c.json'),
    ).toBe(
      'c.json:1:50: the connections file is not valid JSON: Map keys must be unique: connection "acme" is defined twice (first at c.json:1:18): one would silently replace the other. Keep one entry, or rename one.',
    );
    const folder = join(dir(), 'connections.yaml');
    mkdirSync(folder);
    expect(() => loadConfig({ PIPEDRIVE_CONNECTIONS_FILE: folder })).toThrow(
      `Cannot read the connections file ${folder} (PIPEDRIVE_CONNECTIONS_FILE): it is a folder. Name the file in it, e.g. connections.yaml.`,
    );
  });

  it('lets plain HTTP through to the hosts PIPEDRIVE_ALLOW_INSECURE_HTTP names, and says so', () => {
    const config = load(file('c.yaml', acme('api_token_env: X', 'base_url: http://sandbox-a:8787')), {
      PIPEDRIVE_ALLOW_INSECURE_HTTP: 'sandbox-a',
    });
    expect(connectionOf(config, 'acme').insecureHttpOrigins).toEqual(['http://sandbox-a:8787']);
    expect(insecureHttpWarning(config)).toMatch(/^Plain HTTP to http:\/\/sandbox-a:8787 \(allowed by/);
    // Loopback (the local sandbox) needs no opt-in and gets no warning.
    const local = load(file('c.yaml', acme('api_token_env: X', 'base_url: http://127.0.0.1:8787')));
    expect(insecureHttpWarning(local)).toBeUndefined();
  });

  it('reads a secret from a file (trimmed), and one that cannot be read fails only when the connection is used', () => {
    const d = dir();
    writeFileSync(join(d, 'token'), `  ${ACME_TOKEN}\r\n`);
    writeFileSync(join(d, 'two-lines'), `${ACME_TOKEN}\nsecond line\n`);
    const path = join(d, 'connections.yaml');
    writeFileSync(
      path,
      [
        'connections:',
        '  good: { api_token_file: token }',
        '  unset: { api_token_env: NOT_SET_ANYWHERE }',
        '  nofile: { api_token_file: missing-token }',
        '  twolines: { api_token_file: two-lines }',
        '  oauthunset: { oauth: { client_id_env: GLOBEX_ID, client_secret_env: NO_SECRET, refresh_token_file: secrets/globex-refresh } }',
        '',
      ].join('\n'),
    );
    // status, the dashboard and dlq need no secrets: loading succeeds.
    const config = load(path);
    expect(connectionOf(config, 'good').apiToken).toBe(ACME_TOKEN);
    expect(() => connectionOf(config, 'good').requireCredentials()).not.toThrow();
    const failure = (name: string) => {
      const c = connectionOf(config, name);
      expect(c.hasCredentials).toBe(false);
      expect(() => c.requireCredentials()).toThrow(ConfigError);
      try {
        c.requireCredentials();
      } catch (err) {
        return (err as Error).message.replace(path, 'connections.yaml');
      }
      return '';
    };
    expect(failure('unset')).toBe(
      'connections.yaml:3:27: connection "unset": api_token_env: NOT_SET_ANYWHERE is not set (or empty). Set it in the environment of this process.',
    );
    expect(failure('nofile')).toBe(
      `connections.yaml:4:29: connection "nofile": api_token_file: ${join(d, 'missing-token')} does not exist. Create it with the secret on one line, or fix the path.`,
    );
    expect(failure('twolines')).toMatch(/holds more than the secret \(it has spaces or several lines\)/);
    expect(failure('oauthunset')).toMatch(
      /^connections\.yaml:6:71: connection "oauthunset": oauth: client_secret_env: NO_SECRET is not set/,
    );
    for (const name of ['unset', 'nofile', 'twolines', 'oauthunset']) {
      for (const secret of SECRETS) expect(failure(name)).not.toContain(secret);
    }
  });

  it('never quotes a secret written where a variable name or a key belongs', () => {
    const pasted = problem(acme(`api_token_env: ${ACME_TOKEN}`));
    expect(pasted).toBe(
      'connections.yaml:3:20: connection "acme": api_token_env must name an environment variable (letters, digits and _), not hold the secret itself: put the secret in a variable, e.g. ACME_PIPEDRIVE_TOKEN, and write that name here. (The value is not shown.)',
    );
    const inline = problem(acme(`api_token: ${ACME_TOKEN}`));
    expect(inline).toBe(
      'connections.yaml:3:5: connection "acme": api_token is not a key of the connections file: secrets are never written in it. Put the secret in an environment variable or a file and reference it with api_token_env or api_token_file. (The value is not shown.)',
    );
    const asFile = problem(acme(`api_token_file: ${ACME_TOKEN}`));
    expect(asFile).toBe(
      'connections.yaml:3:21: connection "acme": api_token_file must be the path of a file holding the secret, not the secret itself: write the secret in a file, e.g. /run/secrets/acme-pipedrive-token, and its path here. (The value is not shown.)',
    );
    const refreshAsFile = problem(
      acme(
        'base_url: https://acme.pipedrive.com',
        'oauth:',
        '  client_id_env: X',
        '  client_secret_env: X',
        `  refresh_token_file: ${GLOBEX_REFRESH}`,
      ),
    );
    expect(refreshAsFile).toMatch(
      /^connections\.yaml:7:27: connection "acme": oauth: refresh_token_file must be the path of a file holding the secret, not the secret itself/,
    );
    const inUrl = problem(
      acme('api_token_env: X', `base_url: https://me:${GLOBEX_SECRET}@acme.pipedrive.com`),
    );
    expect(inUrl).toMatch(/base_url must not contain a user name or password/);
    const inQuery = problem(
      acme('api_token_env: X', `base_url: https://acme.pipedrive.com/?api_token=${ACME_TOKEN}`),
    );
    expect(inQuery).toBe(
      'connections.yaml:4:15: connection "acme": base_url must not contain a query string or fragment (?… or #…), got "https://acme.pipedrive.com" followed by one (not shown): the URL is a scheme, a host and at most a path, e.g. https://yourcompany.pipedrive.com; reference the API token with api_token_env or api_token_file instead.',
    );
    const asUrl = problem(acme('api_token_env: X', `base_url: ${ACME_TOKEN}`));
    expect(asUrl).toBe(
      'connections.yaml:4:15: connection "acme": base_url must be a URL such as https://yourcompany.pipedrive.com, got a value that is not one (not shown).',
    );
    const broken = problem(`connections:\n  acme:\n    api_token: ${ACME_TOKEN}\n      x: [\n`);
    for (const text of [pasted, asFile, refreshAsFile, inline, inUrl, inQuery, asUrl, broken]) {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }
  });
});

describe('a connection’s secrets', () => {
  /** Every way a configuration usually leaves a process: JSON, inspect (even of hidden parts and getters), a copy, a log line. */
  function everyRendering(value: unknown): string[] {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => lines.push(line) } });
    logger.info({ config: value }, 'Loaded the configuration');
    logger.info({ connection: value }, 'Using a connection');
    return [
      JSON.stringify(value),
      inspect(value, { depth: 10 }),
      inspect(value, { depth: 10, showHidden: true }),
      inspect(value, { depth: 10, getters: true }),
      String(value),
      JSON.stringify({ ...(value as object) }),
      ...lines,
    ];
  }

  it('are in no JSON, inspect output, copy or log line of a connection, of the map or of the whole config', () => {
    const config = load(file('connections.yaml', YAML));
    const acmeConnection = connectionOf(config, 'acme');
    const globex = connectionOf(config, 'globex');
    // They are there for the code that calls Pipedrive.
    expect(acmeConnection.apiToken).toBe(ACME_TOKEN);
    expect(globex.oauth?.clientSecret).toBe(GLOBEX_SECRET);
    const texts = [
      acmeConnection,
      globex,
      config,
      config.connections,
      [...config.connections.values()],
    ].flatMap(everyRendering);
    for (const text of texts) for (const secret of SECRETS) expect(text).not.toContain(secret);
    // What is shown says what the connection is.
    expect(JSON.parse(JSON.stringify(acmeConnection))).toMatchObject({
      name: 'acme',
      plan: 'growth',
      credentials: '[hidden]',
    });
    expect(inspect(acmeConnection)).toMatch(/^ConnectionConfig \{\n? *name: 'acme'/);
  });

  it('of the default connection from the PIPEDRIVE_* variables are hidden the same way', () => {
    const config = loadConfig({ PIPEDRIVE_API_TOKEN: ACME_TOKEN });
    expect(config.pipedrive.apiToken).toBe(ACME_TOKEN);
    for (const text of [config, config.pipedrive].flatMap(everyRendering))
      expect(text).not.toContain(ACME_TOKEN);
  });
});

describe('without a connections file', () => {
  it('the PIPEDRIVE_* variables define one connection, default, which is config.pipedrive, as before', () => {
    const config = loadConfig({
      PIPEDRIVE_BASE_URL: 'https://acme.pipedrive.com/',
      PIPEDRIVE_API_TOKEN: ACME_TOKEN,
      PIPEDRIVE_PLAN: 'premium',
      PIPEDRIVE_SEATS: '3',
      PIPEDRIVE_BUDGET_RESERVE: '0.25',
    });
    expect(config.connectionsFile).toBeUndefined();
    expect(config.defaultConnection).toBe('default');
    expect([...config.connections.keys()]).toEqual(['default']);
    expect(connectionOf(config)).toBe(config.pipedrive);
    expect(connectionOf(config, 'default')).toBe(config.pipedrive);
    expect(config.pipedrive).toBeInstanceOf(ConnectionConfig);
    expect(config.pipedrive).toMatchObject({
      name: 'default',
      baseUrl: 'https://acme.pipedrive.com',
      auth: 'api_token',
      plan: 'premium',
      seats: 3,
      dailyTokens: 450_000,
      budgetReserve: 0.25,
      apiToken: ACME_TOKEN,
      oauth: undefined,
    });
    expect(() => loadConfig({}).pipedrive.requireCredentials()).toThrow(
      'No Pipedrive credentials: set PIPEDRIVE_API_TOKEN (Settings → Personal preferences → API) or the three PIPEDRIVE_OAUTH_* variables.',
    );
  });
});

describe('the connections a worker serves', () => {
  it('serves the connection named default, with its own settings and credentials', async () => {
    const { workerOptionsFromArgs } = await import('../../src/commands/worker.js');
    const path = file(
      'connections.yaml',
      `connections:\n  default:\n    base_url: https://old.pipedrive.com\n    api_token_env: OLD_TOKEN\n    plan: premium\n    budget_reserve: 0.3\n`,
    );
    const options = workerOptionsFromArgs(
      { values: {}, positionals: [] },
      { PIPEDRIVE_CONNECTIONS_FILE: path, OLD_TOKEN: 'old-token' },
    );
    expect(options.pipedrive).toMatchObject({ baseUrl: 'https://old.pipedrive.com', apiToken: 'old-token' });
    expect(options).toMatchObject({ connection: 'default', plan: 'premium', budgetReserve: 0.3 });
  });

  it("a rejected token names what to fix: the variable without a file, the file's entry with one (default too)", async () => {
    const { workerPlanFromArgs } = await import('../../src/commands/worker.js');
    const { blockReason } = await import('../../src/worker/processing-control.js');
    const path = file(
      'connections.yaml',
      `connections:\n  default:\n    base_url: https://old.pipedrive.com\n    api_token_env: OLD_TOKEN\n`,
    );
    const [fromFile] = workerPlanFromArgs(
      { values: {}, positionals: [] },
      { PIPEDRIVE_CONNECTIONS_FILE: path, OLD_TOKEN: 'old-token' },
    ).connections;
    expect(fromFile?.connectionsFile).toBe(path);
    const reason = blockReason('default', 'auth', fromFile?.connectionsFile);
    expect(reason).toContain(`Fix the token that its entry in ${path} names, then send the workers SIGHUP`);
    expect(reason).toContain('a worker started with --watch reads it by itself');
    // Its token in a variable: a reload cannot read it again, so the fix is a restart (or a file).
    const fromVariable = blockReason('default', 'auth', path, 'api_token', fromFile?.secretVariables);
    expect(fromVariable).toContain(
      'Its token comes from the environment variable OLD_TOKEN, which a running worker read when it started and cannot read again (SIGHUP does not): restart the workers',
    );
    expect(reason).not.toContain('PIPEDRIVE_API_TOKEN');

    const [fromEnv] = workerPlanFromArgs(
      { values: {}, positionals: [] },
      { PIPEDRIVE_BASE_URL: 'https://old.pipedrive.com', PIPEDRIVE_API_TOKEN: 'old-token' },
    ).connections;
    expect(fromEnv?.connectionsFile).toBeUndefined();
    expect(blockReason('default', 'auth', fromEnv?.connectionsFile)).toContain(
      'Set a valid PIPEDRIVE_API_TOKEN',
    );

    // OAuth from the variables: re-authorize and set the refresh token's variable, not an API token.
    const [fromOAuthEnv] = workerPlanFromArgs(
      { values: {}, positionals: [] },
      {
        PIPEDRIVE_BASE_URL: 'https://old.pipedrive.com',
        PIPEDRIVE_OAUTH_CLIENT_ID: 'cid',
        PIPEDRIVE_OAUTH_CLIENT_SECRET: 'csecret',
        PIPEDRIVE_OAUTH_REFRESH_TOKEN: 'rt',
      },
    ).connections;
    expect(fromOAuthEnv?.auth).toBe('oauth');
    const oauthReason = blockReason('default', 'auth', fromOAuthEnv?.connectionsFile, fromOAuthEnv?.auth);
    expect(oauthReason).toContain('Re-authorize the app and set the new PIPEDRIVE_OAUTH_REFRESH_TOKEN');
    expect(oauthReason).not.toContain('API token');
  });

  it('serves every connection of the file, each with its own settings and credentials', async () => {
    const { workerPlanFromArgs } = await import('../../src/commands/worker.js');
    const path = file('connections.yaml', YAML);
    const plan = workerPlanFromArgs(
      { values: { concurrency: '12' }, positionals: [] },
      { PIPEDRIVE_CONNECTIONS_FILE: path, ...ENV },
    );
    expect(plan.process.concurrency).toBe(12);
    expect(plan.connections.map((c) => c.name)).toEqual(['acme', 'globex']);
    expect(plan.connections[0]).toMatchObject({
      pipedrive: { baseUrl: 'https://acme.pipedrive.com', apiToken: ACME_TOKEN },
      plan: 'growth',
      auth: 'api_token',
      dailyTokens: 400_000,
      budgetReserve: 0.2,
    });
    expect(plan.connections[1]).toMatchObject({
      pipedrive: { baseUrl: 'https://globex.pipedrive.com', oauth: { clientId: GLOBEX_ID } },
      auth: 'oauth',
      budgetResetUtc: '06:30',
    });
  });

  it('--connections serves those named; an unknown name is a usage error listing the valid ones', async () => {
    const { workerPlanFromArgs } = await import('../../src/commands/worker.js');
    const { UsageError } = await import('../../src/cli/exit-codes.js');
    const path = file('connections.yaml', YAML);
    const env = { PIPEDRIVE_CONNECTIONS_FILE: path, ...ENV };
    const plan = workerPlanFromArgs({ values: { connections: 'globex' }, positionals: [] }, env);
    expect(plan.connections.map((c) => c.name)).toEqual(['globex']);

    const unknown = () =>
      workerPlanFromArgs({ values: { connections: 'acme,initech' }, positionals: [] }, env);
    expect(unknown).toThrow(UsageError);
    expect(unknown).toThrow(
      /^--connections names "initech", which is not defined: PIPEDRIVE_CONNECTIONS_FILE \(.*\) defines acme, globex\./,
    );
    // A connection served without its credentials is left out with the reason; the others are served.
    const partial = workerPlanFromArgs(
      { values: {}, positionals: [] },
      { PIPEDRIVE_CONNECTIONS_FILE: path, GLOBEX_ID, GLOBEX_SECRET },
    );
    expect(partial.connections.map((c) => c.name)).toEqual(['globex']);
    expect(partial.unusable).toEqual([
      { connection: 'acme', reason: expect.stringMatching(/ACME_PIPEDRIVE_TOKEN is not set/) },
    ]);
    // None of those to serve can start: the start stops with the reason (exit 2).
    const { ConfigError } = await import('../../src/config/config.js');
    const none = () =>
      workerPlanFromArgs(
        { values: { connections: 'acme' }, positionals: [] },
        { PIPEDRIVE_CONNECTIONS_FILE: path, GLOBEX_ID, GLOBEX_SECRET },
      );
    expect(none).toThrow(ConfigError);
    expect(none).toThrow(/ACME_PIPEDRIVE_TOKEN is not set/);
    expect(
      workerPlanFromArgs(
        { values: { connections: 'globex' }, positionals: [] },
        { PIPEDRIVE_CONNECTIONS_FILE: path, GLOBEX_ID, GLOBEX_SECRET },
      ).connections,
    ).toHaveLength(1);
  });
});

describe('a connections file of aliases that expand without end ("billion laughs")', () => {
  it('is a configuration error (exit 2) that says what to do, not an unexpected one', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'connections:',
      '  acme:',
      '    api_token_env: ACME_PIPEDRIVE_TOKEN',
      '    notes: *d',
      '',
    ].join('\n');
    expect(problem(bomb)).toMatch(
      /^connections\.yaml: the connections file uses aliases \(\*name\) too many times over/,
    );
  });
});
