import { dirname, extname, resolve } from 'node:path';
import { isMap, isPair, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { nearest } from '../errors/edit-distance.js';
import { NOT_A_FILE, readBoundedFile, TOO_LARGE } from './bounded-file.js';
import { ConfigError } from './config-error.js';
import {
  CONNECTION_NAME,
  ConnectionConfig,
  type ConnectionCredentials,
  type OAuthConfig,
  RESERVED_CONNECTION_NAMES,
} from './connection-config.js';
import { checkPipedriveUrl, type InsecureHosts } from './pipedrive-url.js';
import { dailyTokenBudget, PLANS, type Plan } from './plans.js';

/** The variable naming the connections file. */
export const CONNECTIONS_FILE_VAR = 'PIPEDRIVE_CONNECTIONS_FILE';

/** Keys of one connection, in the order the README lists them. */
export const CONNECTION_KEYS = [
  'base_url',
  'api_token_env',
  'api_token_file',
  'oauth',
  'plan',
  'seats',
  'daily_tokens',
  'budget_reserve',
  'budget_reset_utc',
  'timeout_ms',
] as const;

/** Keys of a connection's `oauth` map: each of the three secrets from a variable (`*_env`) or a file (`*_file`). */
export const OAUTH_KEYS = [
  'client_id_env',
  'client_id_file',
  'client_secret_env',
  'client_secret_file',
  'refresh_token_env',
  'refresh_token_file',
  'token_url',
] as const;

const OAUTH_PARTS = ['client_id', 'client_secret', 'refresh_token'] as const;
type OAuthPart = (typeof OAUTH_PARTS)[number];

/** Keys people write when they put a secret in the file itself; the message says where it belongs instead. */
const SECRET_KEYS: Record<string, string> = {
  api_token: 'api_token_env or api_token_file',
  token: 'api_token_env or api_token_file',
  client_secret: 'client_secret_env or client_secret_file',
  refresh_token: 'refresh_token_env or refresh_token_file',
  client_id: 'client_id_env or client_id_file',
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A variable name a message may quote: the usual UPPER_CASE form (anything else may be a pasted secret). */
const QUOTABLE_ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** What a Pipedrive API token looks like: written where a variable's name belongs, it must not be quoted. */
const LOOKS_LIKE_TOKEN = /^[0-9a-f]{32,}$/i;
/**
 * What a secret written where a file's path belongs looks like: an API token, or an OAuth refresh token
 * (`1234:5678:hex…`). Its "does not exist" message would quote it as a path.
 */
const LOOKS_LIKE_SECRET_NOT_PATH = /^(?:\d+:\d+:)?[0-9a-f]{32,}$/i;

const DEFAULT_BASE_URL = 'https://api.pipedrive.com';
const DEFAULT_TOKEN_URL = 'https://oauth.pipedrive.com/oauth/token';

export interface LoadConnectionsOptions {
  /** Where `*_env` secrets are read from. @defaultValue `process.env` */
  env?: Record<string, string | undefined>;
  /** Hosts plain HTTP may reach beyond loopback (`PIPEDRIVE_ALLOW_INSECURE_HTTP`). @defaultValue none */
  insecureHosts?: InsecureHosts;
}

/**
 * Reads the connections file (`PIPEDRIVE_CONNECTIONS_FILE`: YAML, or JSON by its `.json` extension) and
 * checks every connection as the `PIPEDRIVE_*` variables are checked: https-only URLs (same opt-in), plan,
 * seats, budget and timeout with the same defaults. Secrets are read from the variables and files the
 * connections name, now; a secret that cannot be read does not stop the load (the dashboard and `status` need
 * none) but makes {@link ConnectionConfig.requireCredentials} throw the reason when the connection is used.
 *
 * Throws a {@link ConfigError} naming the file, line and column, the connection and the key, and the fix.
 * No message ever quotes a secret.
 */
export function loadConnectionsFile(
  path: string,
  options: LoadConnectionsOptions = {},
): ReadonlyMap<string, ConnectionConfig> {
  const reader = new ConnectionsFileReader(path, options);
  return reader.read();
}

type Path = readonly (string | number)[];

class ConnectionsFileReader {
  private readonly name: string;
  private readonly lines = new LineCounter();
  private doc: ReturnType<typeof parseDocument> | undefined;
  /** The variables the connection being read takes its secrets from (names only). */
  private secretVariables: string[] = [];
  /** The files it takes them from (resolved paths). */
  private secretFiles: string[] = [];
  private readonly env: Record<string, string | undefined>;
  private readonly insecureHosts: InsecureHosts;

  constructor(
    private readonly path: string,
    options: LoadConnectionsOptions,
  ) {
    this.name = path;
    this.env = options.env ?? process.env;
    this.insecureHosts = options.insecureHosts ?? new Set();
  }

  read(): ReadonlyMap<string, ConnectionConfig> {
    const data = this.parse();
    if (!isRecord(data)) {
      throw this.error(
        [],
        'value',
        'must be a map with one key, connections (see the README, "Many companies").',
      );
    }
    this.unknownKeys(data, [], ['connections'], 'the file');
    const connections = data.connections;
    if (!isRecord(connections) || Object.keys(connections).length === 0) {
      throw this.error(
        ['connections'],
        connections === undefined ? 'start' : 'value',
        'connections must map each connection name to its settings, e.g. connections: { acme: { base_url: https://acme.pipedrive.com, api_token_env: ACME_PIPEDRIVE_TOKEN } }.',
      );
    }
    const result = new Map<string, ConnectionConfig>();
    for (const [name, value] of Object.entries(connections)) {
      result.set(name, this.connection(name, value));
    }
    return result;
  }

  private parse(): unknown {
    let text: string;
    try {
      // As a secret file is read: the dashboard reads this file again on any request once `stat` says it changed, and
      // the workers on SIGHUP, so a FIFO put in its place (readFileSync waits for a writer with the event loop held:
      // every page, /healthz included, unanswered) or /dev/zero must not block or fill the process.
      text = readBoundedFile(this.path, MAX_CONNECTIONS_FILE_BYTES);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why: Record<string, string> = {
        EISDIR: 'it is a folder. Name the file in it, e.g. connections.yaml',
        EACCES: 'permission denied. Make it readable by the user this command runs as',
        EPERM: 'permission denied. Make it readable by the user this command runs as',
        [NOT_A_FILE]:
          'it is not a regular file (a FIFO, a device or a socket). Write the connections in a file',
        [TOO_LARGE]: `it is over ${MAX_CONNECTIONS_FILE_BYTES / 1024 / 1024} MiB, far past any list of connections. Name the right file`,
      };
      throw new ConfigError(
        code === 'ENOENT'
          ? `${CONNECTIONS_FILE_VAR} names ${this.path}, which does not exist. Fix the path or unset ${CONNECTIONS_FILE_VAR} to use the PIPEDRIVE_* variables.`
          : `Cannot read the connections file ${this.path} (${CONNECTIONS_FILE_VAR}): ${(code && why[code]) ?? code ?? (err as Error).message}.`,
      );
    }
    const ext = extname(this.path).toLowerCase();
    if (!['.yaml', '.yml', '.json'].includes(ext)) {
      throw new ConfigError(
        `The connections file ${this.path} (${CONNECTIONS_FILE_VAR}) must end in .yaml, .yml or .json, so it is read as what it is.`,
      );
    }
    if (text.trim() === '') {
      // An editor that writes in two steps (truncate, then write) leaves an empty file for a moment: a reload that
      // reads it then keeps the connections it has, and says what the file held.
      throw new ConfigError(
        `${this.path}: the connections file is empty (saved halfway, or truncated?). It must hold connections: with one entry per company (see the README, "Many companies").`,
      );
    }
    // Messages never quote the file's text (yaml's own "pretty" errors would): it might hold a pasted secret.
    const doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const syntax = doc.errors[0];
    if (ext === '.json') {
      try {
        JSON.parse(text);
      } catch (err) {
        const at = /position (\d+)/.exec((err as Error).message);
        const offset = syntax?.pos[0] ?? (at ? Number(at[1]) : undefined);
        const comma = offset === undefined ? -1 : trailingComma(text, offset);
        throw new ConfigError(
          comma >= 0
            ? `${this.at(comma)}: the connections file is not valid JSON: a comma before ${text[offset!]} (JSON allows none after the last item). Remove the comma there.`
            : `${this.at(offset)}: the connections file is not valid JSON. Fix it there (or write it as YAML, in a .yaml file).`,
        );
      }
    }
    if (syntax?.code === 'DUPLICATE_KEY') {
      throw new ConfigError(
        `${this.at(syntax.pos[0])}: the connections file is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: Map keys must be unique: ${this.duplicateKey(text, syntax.pos[0])}`,
      );
    }
    if (syntax) {
      const kind = ext === '.json' ? 'JSON' : 'YAML';
      // yaml places an unclosed quote where the file ends; the quote that opens it is the last one before.
      const quote = /^Missing closing (["'])quote/.exec(syntax.message)?.[1];
      const opened = quote === undefined ? -1 : text.lastIndexOf(quote, syntax.pos[0] - 1);
      throw new ConfigError(
        opened >= 0
          ? `${this.at(opened)}: the connections file is not valid ${kind}: the ${quote} that opens a value here is never closed. Close it where the value ends.`
          : `${this.at(syntax.pos[0])}: the connections file is not valid ${kind}: ${syntax.message.split('\n')[0]}.`,
      );
    }
    this.doc = doc;
    this.textKeysOnly(doc.get('connections'));
    try {
      return doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // yaml's guard against an alias that expands without end (a "billion laughs" file).
      throw new ConfigError(
        `${this.path}: the connections file uses aliases (*name) too many times over (${(err as Error).message.split('\n')[0]}). Write each connection's settings out.`,
      );
    }
  }

  /**
   * A connection name YAML reads as something other than text (`007` and `1e3` as numbers, `true`, `~`) would be
   * changed silently (`007` becomes 7, and could merge with a connection named "7" that the file's duplicate check
   * saw as another key): refused where it is written.
   */
  private textKeysOnly(connections: unknown): void {
    if (!isMap(connections)) return;
    for (const pair of connections.items) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value === 'string') continue;
      const written = key.source ?? String(key.value);
      const as =
        key.value === null ? 'no name at all (null)' : `the ${typeof key.value} ${String(key.value)}`;
      throw new ConfigError(
        `${this.at(key.range?.[0])}: connection name ${written} is read by YAML as ${as}, not as the name written. Put it in quotes ("${written}") or rename it, e.g. "company-${suggestName(written)}".`,
      );
    }
  }

  /**
   * What a duplicate key at `offset` is, and where it was first given: the same connection defined twice (one
   * would silently replace the other), or a key given twice in one place. The key is quoted only when it cannot be a
   * pasted secret.
   */
  private duplicateKey(text: string, offset: number): string {
    // Parsed again without the check, to find both keys where they are written.
    const loose = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
    const found = findDuplicate(loose.contents, offset);
    if (!found) return 'a key is given twice in one map. Keep one.';
    const { key, first, path } = found;
    const name = LOOKS_LIKE_SECRET_NOT_PATH.test(key) ? 'a key (not shown)' : `"${key}"`;
    if (path.length === 1 && path[0] === 'connections') {
      return `connection ${name} is defined twice (first at ${this.at(first)}): one would silently replace the other. Keep one entry, or rename one.`;
    }
    const where = path[0] === 'connections' && path[1] !== undefined ? `connection "${path[1]}": ` : '';
    return `${where}${name} is given twice (first at ${this.at(first)}). Keep one.`;
  }

  private connection(name: string, value: unknown): ConnectionConfig {
    const path = ['connections', name];
    if (!CONNECTION_NAME.test(name)) {
      // A token pasted a line too far out (under `api_token_env:`, one indent short) becomes a connection's name.
      const secret = LOOKS_LIKE_SECRET_NOT_PATH.test(name.trim());
      throw this.error(
        path,
        'key',
        secret
          ? 'a connection name here looks like a secret (not shown): a token or key pasted into the file, where a name belongs? Remove it; secrets are referenced with api_token_env or api_token_file, never written in the file.'
          : `connection name "${name}" must be 1 to 32 lower-case letters, digits, "_" or "-", starting with a letter or digit: it becomes part of Redis keys and queue names. Rename it, e.g. "${suggestName(name)}".`,
      );
    }
    if (RESERVED_CONNECTION_NAMES.includes(name)) {
      throw this.error(
        path,
        'key',
        `connection name "${name}" is reserved: its lead queue would be the dead-letter queue (lead-import-${name}). Rename it, e.g. "${name}-company".`,
      );
    }
    const who = `connection "${name}"`;
    if (!isRecord(value)) {
      throw this.error(path, 'value', `${who} must be a map of settings (${CONNECTION_KEYS.join(', ')}).`);
    }
    this.unknownKeys(value, path, CONNECTION_KEYS, who);
    const key = (k: string): Path => [...path, k];
    const definedIn = this.at(this.offset(path, 'key'));
    this.secretVariables = [];
    this.secretFiles = [];

    const url = checkPipedriveUrl(this.string(value.base_url, key('base_url'), who) ?? DEFAULT_BASE_URL, {
      subject: `${this.at(this.offset(key('base_url'), 'value'))}: ${who}: base_url`,
      example: 'https://yourcompany.pipedrive.com',
      credentialsHint: 'reference the API token with api_token_env or api_token_file instead',
      insecureHosts: this.insecureHosts,
      apiBase: true,
    });
    const plan = this.plan(value.plan, key('plan'), who);
    const seats = this.wholeNumber(value.seats, key('seats'), who, 1) ?? 1;

    const sources = (['api_token_env', 'api_token_file', 'oauth'] as const).filter((k) => value[k] != null);
    if (sources.length !== 1) {
      throw this.error(
        sources.length === 0 ? path : key(sources[1]!),
        'key',
        `${who} needs exactly one of api_token_env, api_token_file or oauth${sources.length > 1 ? `, not both ${sources.join(' and ')}` : ''}: api_token_env: ACME_PIPEDRIVE_TOKEN names an environment variable holding the API token, api_token_file: /run/secrets/acme a file holding it, oauth: { client_id_env, client_secret_env, refresh_token_file } an OAuth app.`,
      );
    }
    let credentials: ConnectionCredentials;
    let tokenUrl: { url: string; insecureOrigin?: string } | undefined;
    if (value.oauth != null) {
      const oauth = this.oauth(value.oauth, key('oauth'), who);
      credentials = oauth.credentials;
      tokenUrl = oauth.tokenUrl;
    } else {
      const source = value.api_token_env != null ? 'api_token_env' : 'api_token_file';
      const secret = this.secret(
        value[source],
        key(source),
        who,
        source === 'api_token_env' ? 'env' : 'file',
      );
      credentials = 'value' in secret ? { apiToken: secret.value } : { missing: secret.missing };
    }
    return new ConnectionConfig(
      {
        name,
        baseUrl: url.url,
        auth: value.oauth != null ? 'oauth' : 'api_token',
        plan,
        seats,
        dailyTokens:
          this.wholeNumber(value.daily_tokens, key('daily_tokens'), who, 1) ?? dailyTokenBudget(plan, seats),
        requestTimeoutMs: this.wholeNumber(value.timeout_ms, key('timeout_ms'), who, 1) ?? 30_000,
        budgetReserve: this.fraction(value.budget_reserve, key('budget_reserve'), who) ?? 0.1,
        budgetResetUtc: this.utcTime(value.budget_reset_utc, key('budget_reset_utc'), who) ?? '00:00',
        insecureHttpOrigins: [
          ...new Set([url.insecureOrigin, tokenUrl?.insecureOrigin].filter((o): o is string => !!o)),
        ],
        definedIn,
        secretVariables: [...this.secretVariables],
        secretFiles: [...this.secretFiles],
      },
      credentials,
    );
  }

  private oauth(
    value: unknown,
    path: Path,
    who: string,
  ): { credentials: ConnectionCredentials; tokenUrl: { url: string; insecureOrigin?: string } } {
    if (!isRecord(value)) {
      throw this.error(
        path,
        'value',
        `${who}: oauth must be a map: { client_id_env: …, client_secret_env: …, refresh_token_file: … } (each part *_env or *_file).`,
      );
    }
    this.unknownKeys(value, path, OAUTH_KEYS, `${who}: oauth`);
    const parts: Partial<Record<OAuthPart, string>> = {};
    const missing: string[] = [];
    for (const part of OAUTH_PARTS) {
      const given = (['env', 'file'] as const).filter((kind) => value[`${part}_${kind}`] != null);
      if (given.length !== 1) {
        throw this.error(
          given.length === 0 ? path : [...path, `${part}_file`],
          given.length === 0 ? 'value' : 'key',
          `${who}: oauth needs exactly one of ${part}_env (an environment variable) or ${part}_file (a file) for its ${part.replace('_', ' ')}${given.length > 1 ? ', not both' : ''}.`,
        );
      }
      const kind = given[0]!;
      const k = `${part}_${kind}`;
      const secret = this.secret(value[k], [...path, k], `${who}: oauth`, kind);
      if ('value' in secret) parts[part] = secret.value;
      else missing.push(secret.missing);
    }
    const tokenUrlPath = [...path, 'token_url'];
    const tokenUrl = checkPipedriveUrl(this.string(value.token_url, tokenUrlPath, who) ?? DEFAULT_TOKEN_URL, {
      subject: `${this.at(this.offset(tokenUrlPath, 'value'))}: ${who}: oauth.token_url`,
      example: DEFAULT_TOKEN_URL,
      credentialsHint: 'reference the OAuth secrets with the *_env or *_file keys instead',
      insecureHosts: this.insecureHosts,
    });
    if (missing.length > 0) return { credentials: { missing: missing.join(' ') }, tokenUrl };
    const oauth: OAuthConfig = {
      clientId: parts.client_id!,
      clientSecret: parts.client_secret!,
      refreshToken: parts.refresh_token!,
      tokenUrl: tokenUrl.url,
    };
    return { credentials: { oauth }, tokenUrl };
  }

  /**
   * Reads one secret from the variable or file a key names. What the key holds is a name or a path, never the
   * secret, so it may be quoted — unless it looks like a secret pasted in the wrong place.
   */
  private secret(
    value: unknown,
    path: Path,
    who: string,
    kind: 'env' | 'file',
  ): { value: string } | { missing: string } {
    const key = String(path[path.length - 1]);
    const where = `${this.at(this.offset(path, 'value'))}: ${who}: ${key}`;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ConfigError(
        kind === 'env'
          ? `${where} must name an environment variable, e.g. ACME_PIPEDRIVE_TOKEN.`
          : `${where} must be the path of a file holding the secret, e.g. /run/secrets/acme-pipedrive-token.`,
      );
    }
    if (kind === 'env') {
      const name = value.trim();
      if (LOOKS_LIKE_TOKEN.test(name) || !ENV_NAME.test(name)) {
        throw new ConfigError(
          `${where} must name an environment variable (letters, digits and _), not hold the secret itself: put the secret in a variable, e.g. ACME_PIPEDRIVE_TOKEN, and write that name here. (The value is not shown.)`,
        );
      }
      const shown = QUOTABLE_ENV_NAME.test(name) ? name : `the variable ${key} names`;
      this.secretVariables.push(name);
      const secret = this.env[name]?.trim();
      if (!secret) {
        return {
          missing: `${where}: ${shown} is not set (or empty). Set it in the environment of this process.`,
        };
      }
      return { value: secret };
    }
    if (LOOKS_LIKE_SECRET_NOT_PATH.test(value.trim())) {
      throw new ConfigError(
        `${where} must be the path of a file holding the secret, not the secret itself: write the secret in a file, e.g. /run/secrets/acme-pipedrive-token, and its path here. (The value is not shown.)`,
      );
    }
    // Relative paths are read from the connections file's folder, wherever the command runs.
    const file = resolve(dirname(resolve(this.path)), value.trim());
    this.secretFiles.push(file);
    let text: string;
    try {
      text = readSecretFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return {
        missing:
          code === 'ENOENT'
            ? `${where}: ${file} does not exist. Create it with the secret on one line, or fix the path.`
            : code === NOT_A_FILE
              ? `${where}: ${file} is not a regular file (a FIFO, a device or a directory). Write the secret in a file, on one line.`
              : code === TOO_LARGE
                ? `${where}: ${file} is over ${MAX_SECRET_FILE_BYTES / 1024} KiB: it holds more than the secret. Keep only the secret in it, on one line.`
                : `${where}: cannot read ${file} (${code ?? 'error'}). Let this process read it.`,
      };
    }
    const secret = text.trim();
    if (secret === '') return { missing: `${where}: ${file} is empty. Write the secret in it, on one line.` };
    if (/\s/.test(secret)) {
      return {
        missing: `${where}: ${file} holds more than the secret (it has spaces or several lines). Keep only the secret in it, on one line.`,
      };
    }
    return { value: secret };
  }

  private string(value: unknown, path: Path, who: string): string | undefined {
    if (value == null) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      throw this.error(path, 'value', `${who}: ${String(path[path.length - 1])} must be a text value.`);
    }
    return value.trim();
  }

  private plan(value: unknown, path: Path, who: string): Plan {
    if (value == null) return 'lite';
    const plan = typeof value === 'string' ? value.trim().toLowerCase() : '';
    if (!(PLANS as readonly string[]).includes(plan)) {
      throw this.error(
        path,
        'value',
        `${who}: plan must be one of ${PLANS.join(', ')}, got ${shown(value)}.`,
      );
    }
    return plan as Plan;
  }

  private wholeNumber(value: unknown, path: Path, who: string, min: number): number | undefined {
    if (value == null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw this.error(
        path,
        'value',
        `${who}: ${String(path[path.length - 1])} must be a whole number ≥ ${min}, got ${shown(value)}.`,
      );
    }
    return value;
  }

  private fraction(value: unknown, path: Path, who: string): number | undefined {
    if (value == null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
      throw this.error(
        path,
        'value',
        `${who}: budget_reserve must be a fraction from 0 to below 1 (e.g. 0.1 for 10 %), got ${shown(value)}.`,
      );
    }
    return value;
  }

  private utcTime(value: unknown, path: Path, who: string): string | undefined {
    if (value == null) return undefined;
    const match = typeof value === 'string' ? /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value.trim()) : null;
    if (!match) {
      throw this.error(
        path,
        'value',
        `${who}: budget_reset_utc must be a UTC time of day as "HH:MM" (e.g. "00:00", quoted), got ${shown(value)}.`,
      );
    }
    return `${match[1]!.padStart(2, '0')}:${match[2]}`;
  }

  private unknownKeys(
    value: Record<string, unknown>,
    path: Path,
    allowed: readonly string[],
    who: string,
  ): void {
    for (const k of Object.keys(value)) {
      if (allowed.includes(k)) continue;
      // Own keys only: `constructor` or `__proto__` would otherwise find Object.prototype's.
      const secretHome = Object.hasOwn(SECRET_KEYS, k) ? SECRET_KEYS[k] : undefined;
      throw this.error(
        [...path, k],
        'key',
        secretHome
          ? `${who}: ${k} is not a key of the connections file: secrets are never written in it. Put the secret in an environment variable or a file and reference it with ${secretHome}. (The value is not shown.)`
          : LOOKS_LIKE_SECRET_NOT_PATH.test(k.trim())
            ? `${who}: a key here looks like a secret (not shown): a token or key pasted into the file? Remove it; secrets are referenced with api_token_env or api_token_file, never written in the file. Valid keys: ${allowed.join(', ')}.`
            : `${who}: unknown key "${k}".${didYouMean(k, allowed)} Valid keys: ${allowed.join(', ')}.`,
      );
    }
  }

  private error(path: Path, part: 'key' | 'value' | 'start', message: string): ConfigError {
    return new ConfigError(`${this.at(this.offset(path, part))}: ${message}`);
  }

  /** `connections.yaml:7:5`, or the file name alone when the position is unknown. */
  private at(offset: number | undefined): string {
    const name = this.name;
    if (offset === undefined) return name;
    const { line, col } = this.lines.linePos(offset);
    return `${name}:${line}:${col}`;
  }

  /** Where a key (or its value) is in the file; the nearest enclosing node when it is not there. */
  private offset(path: Path, part: 'key' | 'value' | 'start'): number | undefined {
    if (!this.doc) return undefined;
    let node = this.doc.contents as Node | null;
    let found = node?.range?.[0];
    for (const [i, segment] of path.entries()) {
      if (!isMap(node)) return found;
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return found;
      const keyNode = pair.key as Node;
      found = keyNode.range?.[0] ?? found;
      if (i === path.length - 1 && part === 'key') return found;
      node = pair.value as Node | null;
      found = node?.range?.[0] ?? found;
    }
    return found;
  }
}

/** A secret file holds one token or key: anything larger is not one. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * Reads a secret file without trusting what stands at its path, which whoever may replace that one file controls
 * (one company's secret, in a directory of its own): it is opened without blocking, so a FIFO cannot hang a worker
 * that serves every connection (at start, on SIGHUP) until someone writes to it, and read only when it is a regular
 * file (a symlink to one is fine: Kubernetes mounts secrets so) of at most {@link MAX_SECRET_FILE_BYTES}, so
 * `/dev/zero` or a huge file cannot fill that worker's memory. Throws with `code` set.
 */
function readSecretFile(file: string): string {
  return readBoundedFile(file, MAX_SECRET_FILE_BYTES);
}

/** A connections file lists a few companies: a megabyte is thousands of them. */
const MAX_CONNECTIONS_FILE_BYTES = 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A setting's value as a message quotes it (settings only: secrets never reach here), unless it looks like a token
 * pasted on the wrong line.
 */
function shown(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? String(value);
  return LOOKS_LIKE_SECRET_NOT_PATH.test(value.trim())
    ? 'a value that looks like a secret (not shown)'
    : `"${value}"`;
}

/** `Acme Corp` → `acme-corp`: what a connection name the rules accept could be. */
function suggestName(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, 32);
  return s === '' ? 'acme' : s;
}

/**
 * Where the comma is that makes JSON.parse fail at `offset` (a `}` or `]` right after a comma and white space), or -1:
 * editors and hand edits leave one after a connection's last setting.
 */
function trailingComma(text: string, offset: number): number {
  if (text[offset] !== '}' && text[offset] !== ']') return -1;
  let i = offset - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  return text[i] === ',' ? i : -1;
}

/** The key given twice whose second place is at `offset`, where it was first given, and the path of its map. */
function findDuplicate(
  node: unknown,
  offset: number,
  path: readonly string[] = [],
): { key: string; first: number; path: readonly string[] } | undefined {
  if (!isMap(node)) return undefined;
  const seen = new Map<string, number>();
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    const at = pair.key.range?.[0];
    const earlier = seen.get(key);
    if (at === offset && earlier !== undefined) return { key, first: earlier, path };
    if (at !== undefined && earlier === undefined) seen.set(key, at);
    const inner = findDuplicate(pair.value, offset, [...path, key]);
    if (inner) return inner;
  }
  return undefined;
}

/** ` Did you mean daily_tokens?` for a key one or two edits from a valid one (a typo), else nothing. */
function didYouMean(key: string, allowed: readonly string[]): string {
  const best = nearest(key, allowed, 2, (name) => name.toLowerCase());
  return best === undefined || key.length < 4 ? '' : ` Did you mean ${best}?`;
}
