/** Pipedrive's response envelopes (pipedrive-api.md §2). */

export interface Reply {
  status: number;
  /** JSON body, or a string sent as `text/html`. */
  body: unknown;
  headers?: Record<string, string>;
}

const ERROR_INFO = 'Please check developers.pipedrive.com';

export function ok(data: unknown, additionalData?: unknown, status = 200): Reply {
  return {
    status,
    body:
      additionalData === undefined
        ? { success: true, data }
        : { success: true, data, additional_data: additionalData },
  };
}

export function error(status: number, message: string, errorInfo = ERROR_INFO): Reply {
  return {
    status,
    body: { success: false, error: message, error_info: errorInfo, data: null, additional_data: null },
  };
}

export const badRequest = (message: string): Reply => error(400, message);

/** 404 of the lead endpoints (SPEC-v1 `GET/PATCH/DELETE /leads/{id}`). */
export const leadNotFound = (): Reply => error(404, 'requested lead not found', 'Object was not found.');

/** 404 of `GET/DELETE /v1/notes/{id}`; the spec documents no 404 body, so this follows the v1 pattern (inferred). */
export const noteNotFound = (): Reply => error(404, 'Note not found', 'Object was not found.');

/** 404 of `GET/DELETE /v1/deals/{id}`; the spec documents no 404 body, so this follows the v1 pattern (inferred). */
export const dealNotFound = (): Reply => error(404, 'Deal not found', 'Object was not found.');

/** 404 of v2 entity endpoints (SPEC-v2). */
export const entityNotFound = (): Reply => error(404, 'Entity was not found', 'Object was not found.');

/** 401 (SPEC-v1 `GET /users/me` "unathorizedResponse"): no `data`, an extra `errorCode`. */
export const unauthorized = (): Reply => ({
  status: 401,
  body: { success: false, error: 'unauthorized access', errorCode: 401 },
});

/** 429 body (inferred, pipedrive-api.md §3.6). */
export const overLimit = (): Reply => error(429, 'Request over limit');

/** Cloudflare's block page for integrations that keep sending after 429s (pipedrive-api.md §2). */
export function cloudflareBlock(): Reply {
  return {
    status: 403,
    body: `<!DOCTYPE html>
<html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head>
<body><div id="cf-wrapper"><h1 data-translate="block_headline">Sorry, you have been blocked</h1>
<h2 class="cf-subheadline">You are unable to access pipedrive.com</h2>
<p>This website is using a security service to protect itself from online attacks.</p>
<p>Cloudflare Ray ID: <strong>sandbox</strong></p></div></body></html>
`,
  };
}

export function serverFault(status: 500 | 502 | 503, html: boolean): Reply {
  if (status === 503 && html) {
    return {
      status,
      body: `<!DOCTYPE html>
<html><head><title>503 Service Temporarily Unavailable</title></head>
<body><h1>Service Temporarily Unavailable</h1><p>Pipedrive is under maintenance. Please try again later.</p></body></html>
`,
    };
  }
  const message = {
    500: 'Internal server error',
    502: 'Bad gateway',
    503: 'Requested service is not available',
  }[status];
  return error(status, message);
}
