import type { NextFunction, Request, Response } from 'express';

/** bull-board's own UI offers 1-50 jobs per page ("Jobs per page (1-50)" in its settings). */
export const BULL_BOARD_MAX_JOBS_PER_PAGE = 50;

/**
 * The highest page asked for: 50 jobs a page, a billion pages are 50 billion jobs, past any queue's length. Larger
 * numbers made bull-board ask Redis for a range its scripts cannot read as an integer (a 500, echoing Redis' error).
 */
export const BULL_BOARD_MAX_PAGE = 1_000_000_000;

const BOUNDS: readonly (readonly [name: string, max: number])[] = [
  ['jobsPerPage', BULL_BOARD_MAX_JOBS_PER_PAGE],
  ['page', BULL_BOARD_MAX_PAGE],
];

/**
 * Middleware in front of bull-board (mounted where it is): a `jobsPerPage` or `page` that is a whole number above
 * its bound is lowered to it before bull-board reads the query. bull-board checks only that they are whole numbers
 * of at least 1, and reads `jobsPerPage` jobs of the queue (of each of its states, for "latest") into memory and
 * into one JSON answer: `?jobsPerPage=100000000` on a 50-million-row import read every job. Anything else (not a
 * number, below 1) is left for bull-board to refuse with its 400. A name given more than once is refused here with a
 * 400: Express keeps only the first 1,000 parameters of a query (node:querystring's maxKeys) where `URLSearchParams`
 * reads them all, so `…998 others…&jobsPerPage=100000&jobsPerPage=1` looked repeated here (left alone) and reached
 * bull-board as the single value 100000, which read every job.
 *
 * Rewrites `req.url`, which Express parses `req.query` from, so bull-board's own app sees the bounded value.
 */
export function boundBullBoardPaging() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const q = req.url.indexOf('?');
    if (q >= 0) {
      const params = new URLSearchParams(req.url.slice(q + 1));
      let changed = false;
      for (const [name, max] of BOUNDS) {
        const values = params.getAll(name);
        if (values.length > 1) {
          res.status(400).json({ error: `The query names ${name} more than once: give it once (1-${max}).` });
          return;
        }
        if (values.length === 0) continue;
        const n = Number(values[0]);
        if (Number.isInteger(n) && n > max) {
          params.set(name, String(max));
          changed = true;
        }
      }
      if (changed) req.url = `${req.url.slice(0, q)}?${params.toString()}`;
    }
    next();
  };
}
