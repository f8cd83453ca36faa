import type { Request } from 'express';

/**
 * The header our pages' buttons send with every action, and what a script or `curl` sends to act:
 * `curl -u ops:… -X POST -H 'X-Lead-Importer: 1' http://127.0.0.1:3000/api/pause`.
 */
export const ACTION_HEADER = 'X-Lead-Importer';

/** Content types an HTML form can send without a CORS preflight; any other one needs the preflight we never allow. */
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain', '']);

/**
 * Whether a state-changing request (anything but GET and HEAD) may act: whether it comes from one of our own pages or
 * from a client that is not a browser, rather than from a page on another site that makes the operator's browser send
 * it. Browsers attach Basic credentials to every request to this origin, whoever's page asks: the credentials alone
 * say nothing.
 *
 * The rule, each step on what only the browser (not the page) decides:
 * 1. `Sec-Fetch-Site`, when sent (every current browser), must be `same-origin` (or `none`: the user's own action,
 *    no page at all). `same-site` is refused too: another subdomain of the same site is another party.
 * 2. `Origin`, when sent (every browser on a cross-origin request, and on any POST), must name this host: the
 *    `Host` the request came to (a TLS proxy must pass the client's `Host` on; docs/security.md). `null` (a
 *    sandboxed frame, a `data:` page) is refused.
 * 3. Without `Origin` (an old browser, or no browser: curl, a script): a `Referer`, when sent, must name this
 *    host, and the request must carry what no cross-site HTML form can send: the {@link ACTION_HEADER} header, or a
 *    body type other than a form's (e.g. `application/json`). A page that sets either on a cross-site fetch makes the
 *    browser ask first with a CORS preflight, which this dashboard never answers with an `Access-Control-Allow-*`,
 *    so the request is never sent. A bare `curl -X POST` is therefore refused: it says which header to add.
 */
export function isSameOriginWrite(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.get('origin');
  if (origin !== undefined) return namesThisHost(origin, req);
  const referer = req.get('referer');
  if (referer !== undefined && !namesThisHost(referer, req)) return false;
  if (req.get(ACTION_HEADER) !== undefined) return true;
  const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return !FORM_TYPES.has(type);
}

/** Whether an `Origin` or `Referer` is an http(s) URL of the host the request was sent to. */
function namesThisHost(url: string, req: Request): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host === req.get('host');
  } catch {
    return false;
  }
}
