import type { Config, ConnectionConfig } from '../config/config.js';
import type { PipedriveClientOptions } from './client.js';

/** The client options a configuration implies for its default connection (see {@link clientOptionsForConnection}). */
export function clientOptionsFromConfig(config: Config): PipedriveClientOptions {
  return clientOptionsForConnection(config.pipedrive);
}

/** The client options of one connection: base URL, timeout, and the API token or OAuth app. */
export function clientOptionsForConnection(
  connection: Pick<ConnectionConfig, 'baseUrl' | 'requestTimeoutMs' | 'apiToken' | 'oauth'>,
): PipedriveClientOptions {
  const { baseUrl, requestTimeoutMs, apiToken, oauth } = connection;
  return {
    baseUrl,
    timeoutMs: requestTimeoutMs,
    ...(oauth
      ? {
          oauth: {
            clientId: oauth.clientId,
            clientSecret: oauth.clientSecret,
            refreshToken: oauth.refreshToken,
            tokenUrl: oauth.tokenUrl,
          },
        }
      : { apiToken }),
  };
}
