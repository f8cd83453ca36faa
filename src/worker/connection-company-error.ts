import { ConfigError } from '../config/config-error.js';

/**
 * The company domain a connection's base URL names (`https://acme.pipedrive.com`) and the one its credentials'
 * user belongs to (`GET /v1/users/me` → `company_domain`) differ: the token is another company's, or the URL is.
 * The worker refuses the connection rather than importing one client's leads into another's account. The message
 * names the connection and the domains, never the token.
 */
export class ConnectionCompanyError extends ConfigError {
  override name = 'ConnectionCompanyError';

  constructor(connection: string, urlDomain: string, tokenDomain: string, companyId: number) {
    super(
      `Connection "${connection}": its base URL is company domain "${urlDomain}" (https://${urlDomain}.pipedrive.com), but its credentials belong to company domain "${tokenDomain}" (company ${companyId}): it takes none of its rows. Give the connection ${urlDomain}'s credentials, or if ${tokenDomain} is meant, its base URL https://${tokenDomain}.pipedrive.com (or https://api.pipedrive.com); then reload the workers (SIGHUP).`,
    );
  }

  /**
   * Throws when the base URL is a company domain (`<x>.pipedrive.com`, not the generic `api.pipedrive.com`) other
   * than the credentials' company's. A URL that names no company (the generic host, a sandbox, a proxy), or none
   * (OAuth's `api_domain` then comes from Pipedrive), is not checked.
   */
  static check(
    connection: string,
    baseUrl: string | undefined,
    me: { company_id: number; company_domain?: string },
  ): void {
    const urlDomain = companyDomainOf(baseUrl);
    const tokenDomain = me.company_domain?.trim().toLowerCase();
    if (urlDomain === undefined || !tokenDomain || urlDomain === tokenDomain) return;
    throw new ConnectionCompanyError(connection, urlDomain, tokenDomain, me.company_id);
  }
}

/** `acme` of `https://acme.pipedrive.com/…`; undefined for `api.pipedrive.com` and any other host. */
function companyDomainOf(baseUrl: string | undefined): string | undefined {
  if (!baseUrl) return undefined;
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  const match = /^([a-z0-9-]+)\.pipedrive\.com$/.exec(host);
  return match && match[1] !== 'api' ? match[1] : undefined;
}
