import { ConfigError } from './config-error.js';
import {
  formatClusterUrl,
  formatSentinelUrl,
  isClusterUrl,
  isSentinelUrl,
  parseClusterUrl,
  parseRedisTarget,
  parseSentinelList,
  parseSentinelUrl,
  RedisTargetError,
  type SentinelTarget,
} from './redis-target.js';

/**
 * The Redis URL from `REDIS_URL`, or from `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`; `REDIS_SENTINEL_PASSWORD`
 * goes to the sentinels of either form. A Sentinel setup comes out as one canonical `redis+sentinel://` URL, so
 * every process (producer, workers, dashboard, commands) connects through the same code from one string.
 * So does a Redis Cluster: `REDIS_CLUSTER_NODES` (`host:port,host:port`) becomes one `redis+cluster://` URL.
 */
export function readRedisUrl(env: Record<string, string | undefined>): string {
  const url = env.REDIS_URL?.trim() || undefined;
  const sentinels = env.REDIS_SENTINELS?.trim() || undefined;
  const name = env.REDIS_SENTINEL_NAME?.trim() || undefined;
  const sentinelPassword = env.REDIS_SENTINEL_PASSWORD || undefined;
  const clusterNodes = env.REDIS_CLUSTER_NODES?.trim() || undefined;
  try {
    if (clusterNodes !== undefined) {
      if (url !== undefined || sentinels !== undefined || name !== undefined) {
        throw new ConfigError(
          `REDIS_CLUSTER_NODES and ${url !== undefined ? 'REDIS_URL' : 'REDIS_SENTINELS / REDIS_SENTINEL_NAME'} both say where Redis is: keep one (a cluster can also be written redis+cluster://[:password@]host:port,host:port in REDIS_URL).`,
        );
      }
      if (sentinelPassword !== undefined) {
        throw new ConfigError(
          'REDIS_SENTINEL_PASSWORD is set but Redis is a cluster (REDIS_CLUSTER_NODES): unset it.',
        );
      }
      return formatClusterUrl(parseClusterUrl(`redis+cluster://${clusterNodes}`, 'REDIS_CLUSTER_NODES'));
    }
    if (url !== undefined && isClusterUrl(url)) {
      if (sentinels !== undefined || name !== undefined || sentinelPassword !== undefined) {
        throw new ConfigError(
          'REDIS_URL names a Redis Cluster and REDIS_SENTINEL* variables are set too: unset the REDIS_SENTINEL* variables.',
        );
      }
      return formatClusterUrl(parseClusterUrl(url, 'REDIS_URL'));
    }
    let target: SentinelTarget | undefined;
    if (sentinels !== undefined || name !== undefined) {
      if (sentinels === undefined || name === undefined) {
        throw new ConfigError(
          `Sentinel needs both REDIS_SENTINELS (host:port,host:port) and REDIS_SENTINEL_NAME (the master group name); ${sentinels === undefined ? 'REDIS_SENTINELS' : 'REDIS_SENTINEL_NAME'} is not set.`,
        );
      }
      if (url !== undefined) {
        throw new ConfigError(
          "REDIS_URL and REDIS_SENTINELS both say where Redis is: unset REDIS_URL, or unset REDIS_SENTINELS and REDIS_SENTINEL_NAME and write redis+sentinel://[:password@]host:port,host:port/mastername in REDIS_URL (the form that can also carry the primary's password and db).",
        );
      }
      target = { kind: 'sentinel', sentinels: parseSentinelList(sentinels, 'REDIS_SENTINELS'), name, db: 0 };
    } else if (url !== undefined && isSentinelUrl(url)) {
      target = parseSentinelUrl(url, 'REDIS_URL');
    } else if (url !== undefined) {
      parseRedisTarget(url, 'REDIS_URL'); // refuses rediss+sentinel://
    }
    if (sentinelPassword !== undefined) {
      if (!target) {
        throw new ConfigError(
          'REDIS_SENTINEL_PASSWORD is set but no Sentinel is configured: set REDIS_SENTINELS and REDIS_SENTINEL_NAME, or a redis+sentinel:// REDIS_URL, or unset REDIS_SENTINEL_PASSWORD.',
        );
      }
      if (target.sentinelPassword !== undefined && target.sentinelPassword !== sentinelPassword) {
        throw new ConfigError(
          "The sentinels' password is given twice (REDIS_SENTINEL_PASSWORD and sentinelPassword= in REDIS_URL), differently: keep one.",
        );
      }
      target.sentinelPassword = sentinelPassword;
    }
    if (target) return formatSentinelUrl(target);
    return url ?? 'redis://127.0.0.1:6379';
  } catch (err) {
    if (err instanceof RedisTargetError) throw new ConfigError(err.message);
    throw err;
  }
}
