import { ConfigError } from './config-error.js';
import { isLoopbackHost } from './loopback-host.js';
import { mayBeSecret, shownValue } from './shown-value.js';

/** The variable that lets plain HTTP carry credentials beyond loopback (a rehearsal against a remote sandbox). */
export const ALLOW_INSECURE_HTTP_VAR = 'PIPEDRIVE_ALLOW_INSECURE_HTTP';

/** Hosts plain HTTP may reach beyond loopback: a set of names, or `'any'`. */
export type InsecureHosts = ReadonlySet<string> | 'any';

/** Hosts `PIPEDRIVE_ALLOW_INSECURE_HTTP` names (`sandbox`, `sandbox,10.0.0.5`), or `'any'` for `1`/`true`/`*`. */
export function readInsecureHosts(env: Record<string, string | undefined>): InsecureHosts {
  const raw = env[ALLOW_INSECURE_HTTP_VAR]?.trim().toLowerCase() ?? '';
  if (raw === '' || raw === '0' || raw === 'false' || raw === 'no') return new Set();
  if (raw === '1' || raw === 'true' || raw === 'yes' || raw === '*') return 'any';
  const hosts = raw.split(',').map((h) => h.trim().replace(/^\[|\]$/g, ''));
  const bad = hosts.find((h) => !/^[a-z0-9._:-]+$/.test(h));
  if (bad !== undefined) {
    throw new ConfigError(
      `${ALLOW_INSECURE_HTTP_VAR} must be 1 or a comma-separated list of host names (e.g. sandbox), got ${shownValue(env[ALLOW_INSECURE_HTTP_VAR] ?? '', env)}.`,
    );
  }
  return new Set(hosts);
}

export interface PipedriveUrlRule {
  /** How messages name the setting: `PIPEDRIVE_BASE_URL`, or `connections.yaml:4:15: connection "acme": base_url`. */
  subject: string;
  /** The URL a message suggests, e.g. `https://api.pipedrive.com`. */
  example: string;
  /** Where credentials belong instead of the URL, for the `user:password@` message. */
  credentialsHint: string;
  insecureHosts: InsecureHosts;
  /**
   * The URL is an API base, to which the client adds `/api/v1` and `/api/v2`: one that already ends in an API
   * path (`/api`, `/v1`, `/api/v2`, …) is refused here, with its setting named, rather than by the client when a
   * worker builds it. @defaultValue false
   */
  apiBase?: boolean;
}

/** The ends of a path the client adds itself (`/api/v1/leads`, `/api/v2/persons`). */
const API_PATH_END = /\/(api(\/v[12])?|v[12])$/i;

/**
 * A Pipedrive URL (API or token endpoint): `https://`, or plain `http://` to a loopback host (the local
 * sandbox) — anything else would send the API token, OAuth secrets and lead data unencrypted across a network.
 * A rehearsal against a sandbox on another host opts in with `PIPEDRIVE_ALLOW_INSECURE_HTTP`; the URL's origin
 * is then returned as `insecureOrigin` so commands can say so in their logs. The same rule holds for the
 * environment's URLs and for every connection of the connections file.
 */
export function checkPipedriveUrl(
  raw: string,
  rule: PipedriveUrlRule,
): { url: string; insecureOrigin?: string } {
  const { subject, example } = rule;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    // A value that is not a URL may still carry a secret (`acme.pipedrive.com?api_token=…`, `me:pw@host`), or be
    // one pasted in the wrong place (a long run of letters and digits, no dot nor slash).
    const shown = /[?#@=]/.test(raw) || mayBeSecret(raw) ? 'a value that is not one (not shown)' : `"${raw}"`;
    throw new ConfigError(`${subject} must be a URL such as ${example}, got ${shown}.`);
  }
  const url = parsed.toString().replace(/\/+$/, '');
  // The origin never carries `user:password@`, so messages may quote it.
  const origin = `${parsed.protocol}//${parsed.host}`;
  if (parsed.username || parsed.password) {
    // fetch refuses such a URL with an error that quotes it, password and all.
    throw new ConfigError(
      `${subject} must not contain a user name or password (user:password@), got ${shownValue(origin)}: ${rule.credentialsHint}.`,
    );
  }
  if (parsed.search || parsed.hash || /[?#]/.test(raw)) {
    // Requests would drop them, but messages quote the URL: Pipedrive's old `?api_token=…` would be printed.
    throw new ConfigError(
      `${subject} must not contain a query string or fragment (?… or #…), got ${shownValue(`${origin}${parsed.pathname.replace(/\/+$/, '')}`)} followed by one (not shown): the URL is a scheme, a host and at most a path, e.g. ${example}; ${rule.credentialsHint}.`,
    );
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  const apiPath = rule.apiBase ? API_PATH_END.exec(path) : null;
  if (apiPath) {
    throw new ConfigError(
      `${subject} is the company's address without the API's path, e.g. ${example}: the importer adds /api/v1 and /api/v2 itself. Drop "${apiPath[0]}" from its end (got ${shownValue(`${origin}${path}`)}).`,
    );
  }
  if (parsed.protocol === 'https:') return { url };
  if (parsed.protocol !== 'http:') {
    throw new ConfigError(
      `${subject} must be an https:// URL such as ${example}, got ${shownValue(origin)}.`,
    );
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isLoopbackHost(host)) return { url };
  const allowed = rule.insecureHosts;
  if (allowed === 'any' || allowed.has(host)) return { url, insecureOrigin: origin };
  throw new ConfigError(
    `${subject} must use https:// (got ${shownValue(origin)}): over plain HTTP the API token and lead data cross the network unencrypted. ` +
      `Use https:// (e.g. ${example}); plain HTTP is accepted only for loopback (127.0.0.1, localhost, ::1), or, for a rehearsal against a sandbox on another host, with ${ALLOW_INSECURE_HTTP_VAR}=${mayBeSecret(host) ? 'HOST' : host}.`,
  );
}
