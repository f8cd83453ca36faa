import type { Config } from '../config/config.js';
import type { PipedriveClientOptions } from './client.js';

/** The client options a configuration implies: base URL, timeout, and the API token or OAuth app. */
export function clientOptionsFromConfig(config: Config): PipedriveClientOptions {
  const { baseUrl, requestTimeoutMs, apiToken, oauth } = config.pipedrive;
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
