/**
 * Where Redis is: one server (`redis://`, `rediss://`, a Unix socket path), or a primary found through
 * Sentinel (`redis+sentinel://`). Pure parsing, shared by the configuration (which validates `REDIS_URL`
 * and the `REDIS_SENTINEL*` variables once, with messages naming the variable) and by
 * `src/queue/connection.ts` (which turns a target into ioredis options).
 *
 * The Sentinel URL, as redis-py, Lettuce and Spring spell it:
 *
 *     redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/mastername[/db][?db=N&sentinelPassword=…]
 *
 * The `user:password@` part authenticates with the primary (and with a replica once it is promoted); the
 * sentinels take their own `sentinelPassword` (and `sentinelUsername`), since a Sentinel often has
 * another password or none. A sentinel's port defaults to 26379.
 */

export const SENTINEL_SCHEME = 'redis+sentinel:';
export const DEFAULT_SENTINEL_PORT = 26379;

export interface SentinelAddress {
  host: string;
  port: number;
}

export interface SentinelTarget {
  kind: 'sentinel';
  /** The sentinels to ask, in order (ioredis asks the next one when one does not answer). */
  sentinels: SentinelAddress[];
  /** The master group name (`sentinel monitor <name> …`). */
  name: string;
  /** Database number on the primary. @defaultValue 0 */
  db: number;
  username?: string;
  /** The primary's password (`requirepass`); never printed (see `redactRedisUrl`). */
  password?: string;
  sentinelUsername?: string;
  /** The sentinels' password; never printed. */
  sentinelPassword?: string;
}

export interface StandaloneTarget {
  kind: 'standalone';
  /** As ioredis takes it. */
  url: string;
}

/**
 * A Redis Cluster: the seed nodes ioredis asks for the slot map (any masters or replicas of the cluster; one
 * that answers is enough). Written `redis+cluster://[[user]:password@]host:port,host:port` (the password is
 * the nodes'), or `REDIS_CLUSTER_NODES=host:port,host:port`. A node's port defaults to 6379.
 */
export interface ClusterTarget {
  kind: 'cluster';
  nodes: SentinelAddress[];
  username?: string;
  /** The nodes' password (`requirepass` / `masterauth`); never printed (see `redactRedisUrl`). */
  password?: string;
}

export type RedisTarget = StandaloneTarget | SentinelTarget | ClusterTarget;

export const CLUSTER_SCHEME = 'redis+cluster:';
export const DEFAULT_CLUSTER_PORT = 6379;

/** A Redis location that cannot be used; the message names `variable` and says how to fix it. */
export class RedisTargetError extends Error {
  override name = 'RedisTargetError';
}

/** Query parameters a Sentinel URL takes (any other is refused: ioredis would not read it). */
const SENTINEL_QUERY_KEYS = ['db', 'sentinelPassword', 'sentinelUsername'] as const;

const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/?#@,\s]+))(?::(\d{1,5}))?$/;

/**
 * `host:port,host:port` (a port may be left out: 26379), as `REDIS_SENTINELS` and the URL list them.
 * `quote`: whether messages may quote the text (not from a URL, where a mistyped `user:password@` would
 * end up in the host list).
 */
export function parseSentinelList(
  list: string,
  variable: string,
  quote = true,
  what: 'sentinel' | 'cluster node' = 'sentinel',
): SentinelAddress[] {
  const defaultPort = what === 'sentinel' ? DEFAULT_SENTINEL_PORT : DEFAULT_CLUSTER_PORT;
  const example = what === 'sentinel' ? '10.0.0.1:26379,10.0.0.2:26379' : '10.0.0.1:7000,10.0.0.2:7001';
  const entries = list
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) {
    throw new RedisTargetError(
      `${variable} must list at least one ${what} as host:port (e.g. ${example})${quote ? `, got "${list}"` : ''}.`,
    );
  }
  return entries.map((entry, i) => {
    const match = HOST_PORT.exec(entry);
    const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
    if (!match || port < 1 || port > 65535) {
      throw new RedisTargetError(
        `${variable}: ${quote ? `"${entry}"` : `${what} ${i + 1} of the host list`} is not a ${what} address; write host:port (e.g. ${example.split(',')[0]}, [::1]:${defaultPort}), separated by commas.`,
      );
    }
    return { host: match[1] ?? match[2]!, port };
  });
}

function readDb(raw: string, variable: string): number {
  const db = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(db)) {
    throw new RedisTargetError(
      `${variable}: the database must be a whole number ≥ 0 (e.g. /mymaster/0 or ?db=0), got "${raw}".`,
    );
  }
  return db;
}

function decode(part: string, variable: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RedisTargetError(`${variable}: the ${what} is not validly percent-encoded (write % as %25).`);
  }
}

/**
 * Reads a `redis+sentinel://` URL. `new URL()` cannot: a host list is not a host. Throws a
 * {@link RedisTargetError} naming `variable` for anything it cannot use.
 */
export function parseSentinelUrl(url: string, variable = 'REDIS_URL'): SentinelTarget {
  const rest = url.slice(url.indexOf('://') + 3);
  const hashAt = rest.indexOf('#');
  const noHash = hashAt === -1 ? rest : rest.slice(0, hashAt);
  const queryAt = noHash.indexOf('?');
  const beforeQuery = queryAt === -1 ? noHash : noHash.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : noHash.slice(queryAt + 1));
  const slash = beforeQuery.indexOf('/');
  const authority = slash === -1 ? beforeQuery : beforeQuery.slice(0, slash);
  const path = slash === -1 ? '' : beforeQuery.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const hosts = at === -1 ? authority : authority.slice(at + 1);
  const shape = 'redis+sentinel://[:password@]host:port,host:port/mastername';

  const [name, dbInPath, ...extra] = path.split('/');
  if (!name || extra.length > 0) {
    throw new RedisTargetError(
      `${variable} must name the master group after the sentinels: ${shape} (got no master name).`,
    );
  }
  for (const key of query.keys()) {
    if (!(SENTINEL_QUERY_KEYS as readonly string[]).includes(key)) {
      throw new RedisTargetError(
        `${variable}: unknown parameter "${key}" in a Sentinel URL; it takes ${SENTINEL_QUERY_KEYS.join(', ')}.`,
      );
    }
  }
  const dbRaw = query.get('db') ?? (dbInPath || undefined);
  const target: SentinelTarget = {
    kind: 'sentinel',
    sentinels: parseSentinelList(hosts, variable, false),
    name: decode(name, variable, 'master name'),
    db: dbRaw === undefined ? 0 : readDb(dbRaw, variable),
  };
  if (userinfo !== undefined) readUserinfo(userinfo, variable, target);
  const sentinelPassword = query.get('sentinelPassword');
  const sentinelUsername = query.get('sentinelUsername');
  if (sentinelPassword) target.sentinelPassword = sentinelPassword;
  if (sentinelUsername) target.sentinelUsername = sentinelUsername;
  return target;
}

/** Fills `target`'s user name and password from a URL's `user:password` part (percent-decoded). */
function readUserinfo(
  userinfo: string,
  variable: string,
  target: { username?: string; password?: string },
): void {
  const colon = userinfo.indexOf(':');
  const user = decode(colon === -1 ? userinfo : userinfo.slice(0, colon), variable, 'user name');
  const password = colon === -1 ? '' : decode(userinfo.slice(colon + 1), variable, 'password');
  if (user) target.username = user;
  if (password) target.password = password;
}

/** `host:port,host:port`, IPv6 hosts in brackets. */
function formatHosts(hosts: readonly { host: string; port: number }[]): string {
  return hosts.map((s) => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`).join(',');
}

/** `user:password@` (percent-encoded), or nothing without credentials. */
function formatAuth(target: { username?: string; password?: string }): string {
  if (!target.username && !target.password) return '';
  return `${encodeURIComponent(target.username ?? '')}${target.password ? `:${encodeURIComponent(target.password)}` : ''}@`;
}

/** The canonical URL of a Sentinel target (what the configuration hands to every connection). */
export function formatSentinelUrl(target: SentinelTarget): string {
  const hosts = formatHosts(target.sentinels);
  const auth = formatAuth(target);
  const query = new URLSearchParams();
  if (target.sentinelUsername) query.set('sentinelUsername', target.sentinelUsername);
  if (target.sentinelPassword) query.set('sentinelPassword', target.sentinelPassword);
  const q = query.toString();
  return `redis+sentinel://${auth}${hosts}/${encodeURIComponent(target.name)}${target.db ? `/${target.db}` : ''}${q ? `?${q}` : ''}`;
}

/** Whether a URL names Sentinel (any case of the scheme). */
export function isSentinelUrl(url: string): boolean {
  return url.trim().toLowerCase().startsWith(`${SENTINEL_SCHEME}//`);
}

/** Whether a URL names a Redis Cluster (any case of the scheme). */
export function isClusterUrl(url: string): boolean {
  return url.trim().toLowerCase().startsWith(`${CLUSTER_SCHEME}//`);
}

/**
 * Reads a `redis+cluster://[[user]:password@]host:port,host:port` URL. A cluster has no databases but 0 and
 * no master name, so a path or a query is refused rather than silently ignored.
 */
export function parseClusterUrl(url: string, variable = 'REDIS_URL'): ClusterTarget {
  const rest = url.trim().slice(url.trim().indexOf('://') + 3);
  const at = rest.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : rest.slice(0, at);
  const hosts = (at === -1 ? rest : rest.slice(at + 1)).replace(/\/$/, '');
  if (/[/?#]/.test(hosts)) {
    throw new RedisTargetError(
      `${variable}: a Redis Cluster URL lists its nodes and nothing else: redis+cluster://[:password@]host:port,host:port (a cluster has only database 0).`,
    );
  }
  const target: ClusterTarget = {
    kind: 'cluster',
    nodes: parseSentinelList(hosts, variable, false, 'cluster node'),
  };
  if (userinfo !== undefined) readUserinfo(userinfo, variable, target);
  return target;
}

/** The canonical URL of a cluster target. */
export function formatClusterUrl(target: ClusterTarget): string {
  const hosts = formatHosts(target.nodes);
  const auth = formatAuth(target);
  return `redis+cluster://${auth}${hosts}`;
}

/** Reads any Redis location the importer accepts; a plain URL is left for ioredis to read. */
export function parseRedisTarget(url: string, variable = 'REDIS_URL'): RedisTarget {
  if (isSentinelUrl(url)) return parseSentinelUrl(url.trim(), variable);
  if (isClusterUrl(url)) return parseClusterUrl(url, variable);
  if (/^rediss\+cluster:/i.test(url.trim())) {
    throw new RedisTargetError(
      `${variable}: TLS to a Redis Cluster (rediss+cluster://) is not supported yet; use redis+cluster:// on a trusted network.`,
    );
  }
  if (/^rediss\+sentinel:/i.test(url.trim())) {
    throw new RedisTargetError(
      `${variable}: TLS to Sentinel (rediss+sentinel://) is not supported; use redis+sentinel:// on a trusted network, or a TLS proxy.`,
    );
  }
  // ioredis decodes the user name and password itself and throws a bare "URI malformed" on a stray %: say which.
  let parsed: URL | undefined;
  try {
    parsed = new URL(url.trim());
  } catch {
    // A redis:// URL that is not one (a port over 65535 or not a number): ioredis would throw a bare "Invalid URL" at
    // the first command. Other forms (a host:port, a socket's path) are ioredis' to read.
    if (/^rediss?:\/\//i.test(url.trim())) {
      throw new RedisTargetError(
        `${variable} is not a valid URL (is its port a number up to 65535?): write it as redis://[:password@]host:port[/db] (the value is not shown: it may hold a password).`,
      );
    }
    parsed = undefined;
  }
  if (parsed) {
    decode(parsed.username, variable, 'user name');
    decode(parsed.password, variable, 'password');
  }
  return { kind: 'standalone', url };
}
