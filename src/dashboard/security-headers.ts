import type { NextFunction, Request, Response } from 'express';
import type { bullBoardPageOffline } from './bull-board-page.js';

/** CSP of every answer that is not one of our pages (JSON, text, metrics, 401): nothing may load or run. */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * CSP of bull-board's UI at `/queues`, from what it needs in Chromium (test/dashboard/browser.test.ts records
 * every violation): its scripts and styles are files under `/queues/static`, it styles elements inline
 * (`style=` attributes and a `<style>` in the loading screen, hence `'unsafe-inline'` for styles only), sets
 * `<base href="/queues/">`, and calls its JSON API on this origin. No eval, no inline script (its config is a
 * JSON data block, which CSP does not run). Nothing from other hosts: an ops page showing lead data makes no
 * third-party requests. The Google Fonts stylesheet its page links is taken out of the page
 * ({@link bullBoardPageOffline}), so the browser neither asks for it nor logs its refusal; the system font is fine.
 */
export const BULL_BOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/**
 * Headers on every answer, set before anything else runs so that 401s, 421s, 429s, errors and `/healthz`
 * carry them too. `Cache-Control: no-store`: pages and JSON hold lead data, which no browser or proxy cache
 * should keep. Our HTML pages replace the CSP with a nonce-based one, `/queues` with {@link BULL_BOARD_CSP}.
 */
export function securityHeaders() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.set({
      'Cache-Control': 'no-store',
      'Content-Security-Policy': DEFAULT_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    next();
  };
}
