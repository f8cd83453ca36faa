import type { NextFunction, Request, Response } from 'express';

/** A `<link>` whose `href` is on another host (absolute or protocol-relative), and the white space after it. */
const THIRD_PARTY_LINK = /<link\b[^>]*\bhref\s*=\s*["']?(?:[a-z][a-z0-9+.-]*:)?\/\/[^>]*>\s*/gi;

/** bull-board's page without its links to other hosts. Exported for its test. */
export function withoutThirdPartyLinks(html: string): string {
  return html.replace(THIRD_PARTY_LINK, '');
}

/**
 * Middleware in front of bull-board: the page it renders (`/queues` and its deep links) loses its `<link>`s to other
 * hosts: the Google Fonts stylesheet. Our CSP blocks it anyway (an ops page showing lead data makes no third-party
 * requests, and may run where there is no internet), but the browser then logged a CSP error on every load, which
 * hides real ones; without the link the page asks for nothing and falls back to the system font, as it did.
 *
 * bull-board renders its one view with `res.render(name, params)`: this wraps `render` for the request, so its
 * JSON API and static files are untouched.
 */
export function bullBoardPageOffline() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const render = res.render.bind(res) as (
      view: string,
      options: object,
      callback: (err: Error | null, html?: string) => void,
    ) => void;
    res.render = ((view: string, options?: object | RenderCallback, callback?: RenderCallback) => {
      const done = typeof options === 'function' ? options : callback;
      render(view, typeof options === 'object' ? options : {}, (err, html) => {
        const page = err ? html : withoutThirdPartyLinks(html ?? '');
        if (done) return done(err, page);
        if (err) return next(err);
        res.send(page);
      });
    }) as Response['render'];
    next();
  };
}

type RenderCallback = (err: Error | null, html?: string) => void;
