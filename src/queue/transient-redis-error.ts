/**
 * Answers a Redis (or Redis Cluster) gives while it fails over, restarts or moves slots, and which the same
 * command, sent again a little later, gets past: the reply errors a cluster sends mid-failover or mid-reshard
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#redirection-and-resharding), a
 * server still loading its data, a primary demoted to replica, and the errors ioredis raises while it has no
 * connection.
 */
const TRANSIENT_REPLIES = /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN|LOADING|READONLY|MASTERDOWN|BUSY)\b/;
const TRANSIENT_MESSAGES = [
  'Connection is closed',
  'Too many Cluster redirections',
  'None of startup nodes is available',
  "Stream isn't writeable",
  'Reached the max retries per request limit',
  'Failed to refresh slots cache',
  'Cluster is disconnected',
  // A pipeline's or transaction's commands after those answered when the connection closed (ioredis's AbortError).
  'Command aborted due to connection close',
];
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * Whether `err` says Redis is away for now rather than that the request is wrong: worth retrying for a bounded
 * time. A bug (`TypeError`) or a reply that would come back the same (`WRONGTYPE`, `NOSCRIPT`…) is not.
 */
export function isTransientRedisError(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof TypeError || err instanceof RangeError) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  if (TRANSIENT_REPLIES.test(err.message)) return true;
  return TRANSIENT_MESSAGES.some((m) => err.message.includes(m));
}
